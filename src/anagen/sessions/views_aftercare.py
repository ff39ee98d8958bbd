"""The aftercare of a signed session: its sheet (PDF), its calendar file, and sending both to the
patient. An open session has no aftercare yet: a 404 for the files, a message for sending."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from anagen.clinics.access import clinic_member
from anagen.clinics.roles import Perm
from anagen.sessions.aftercare import (
    aftercare_ics,
    aftercare_pdf,
    aftercare_print_log,
    aftercare_send,
)
from anagen.sessions.models import SessionStatus, TreatmentSession
from anagen.web.request_info import actor_of


def _session(request: HttpRequest, session_id: object, **signed: str) -> TreatmentSession:
    sessions = TreatmentSession.objects.for_clinic(request.clinic)  # type: ignore[attr-defined]
    found: TreatmentSession = get_object_or_404(
        sessions.select_related("clinic", "patient", "booking"), pk=session_id, **signed
    )
    return found


def _file(
    session: TreatmentSession, body: bytes, content_type: str, extension: str
) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    name = f"aftercare-{session.patient.number}-session-{session.number}.{extension}"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@clinic_member(Perm.CLINICAL_VIEW)
def session_aftercare_pdf(request: HttpRequest, session_id: object) -> HttpResponse:
    session = _session(request, session_id, status=SessionStatus.SIGNED)
    pdf = aftercare_pdf(session)
    aftercare_print_log(actor=actor_of(request), session=session, file="pdf")
    return _file(session, pdf, "application/pdf", "pdf")


@clinic_member(Perm.CLINICAL_VIEW)
def session_aftercare_ics(request: HttpRequest, session_id: object) -> HttpResponse:
    session = _session(request, session_id, status=SessionStatus.SIGNED)
    ics = aftercare_ics(session)
    aftercare_print_log(actor=actor_of(request), session=session, file="ics")
    return _file(session, ics, "text/calendar; charset=utf-8", "ics")


@clinic_member(Perm.SESSION_ATTEND)
@require_POST
def session_aftercare_send(request: HttpRequest, session_id: object) -> HttpResponse:
    session = _session(request, session_id)
    try:
        sent = aftercare_send(actor=actor_of(request), session=session)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if sent:
            messages.success(request, f"Aftercare sent to {session.patient.email}.")
        else:
            messages.error(request, "The patient has no email address; print the aftercare.")
    return redirect("session_detail", session.pk)
