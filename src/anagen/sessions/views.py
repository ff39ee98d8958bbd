"""The session page: start from a booking, pre-session check, override, record, sign, addenda."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from anagen.clinics.access import StaffRequest, can, clinic_member
from anagen.clinics.roles import Perm
from anagen.consultations.services import clinic_knowledge
from anagen.core.injection_map import DEPTHS, ZONES
from anagen.core.precheck import load_checks, needs_pregnancy_answer
from anagen.inventory.selectors import usable_lots
from anagen.scheduling.calendar_setup import clinic_zone
from anagen.scheduling.models import Booking
from anagen.sessions import services
from anagen.sessions.forms import AddendumForm, OverrideForm, PrecheckForm, RecordForm
from anagen.sessions.models import TreatmentSession
from anagen.sessions.scalp import VIEWS as SCALP_VIEWS
from anagen.sessions.selectors import session_day, session_get
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of

RECORD_FIELDS = (
    "technique", "needle_gauge", "needle_length_mm", "anaesthetic", "started", "ended",
)  # fmt: skip
# Service error fields that the record form calls by another name.
FORM_FIELD = {"started_at": "started", "ended_at": "ended"}


def _session(request: StaffRequest, session_id: UUID) -> TreatmentSession:
    return session_get(request.clinic, session_id)


@clinic_member(Perm.SESSION_ATTEND)
@require_POST
def session_start(request: StaffRequest, booking_id: UUID) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.for_clinic(request.clinic), pk=booking_id)
    try:
        session = services.session_start(actor=actor_of(request), booking=booking)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("booking_detail", booking.pk)
    return redirect("session_detail", session.pk)


@clinic_member(Perm.CLINICAL_VIEW)
def session_detail(request: StaffRequest, session_id: UUID) -> HttpResponse:
    session = _session(request, session_id)
    services.session_open(actor=actor_of(request), session=session)
    return _page(request, session)


@clinic_member(Perm.SESSION_ATTEND)
@require_POST
def session_precheck(request: StaffRequest, session_id: UUID) -> HttpResponse:
    session = _session(request, session_id)
    form = _precheck_form(session, request.POST)
    if form.is_valid():
        try:
            services.session_precheck(
                actor=actor_of(request), session=session, answers=form.answers()
            )
            return redirect("session_detail", session.pk)
        except ValidationError as error:
            apply_errors(form, error, FORM_FIELD)
    return _page(request, session, precheck_form=form, status=400)


@clinic_member(Perm.SESSION_OVERRIDE)
@require_POST
def session_override(request: StaffRequest, session_id: UUID) -> HttpResponse:
    session = _session(request, session_id)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.session_override(
                actor=actor_of(request), session=session, reason=form.cleaned_data["reason"]
            )
            return redirect("session_detail", session.pk)
        except ValidationError as error:
            apply_errors(form, error, FORM_FIELD)
    return _page(request, session, override_form=form, status=400)


@clinic_member(Perm.SESSION_ATTEND)
@require_POST
def session_record(request: StaffRequest, session_id: UUID) -> HttpResponse:
    """Save the record; with "sign", also sign it (the record is saved either way)."""
    session = _session(request, session_id)
    form = _record_form(session, request.POST)
    if not form.is_valid():
        return _page(request, session, record_form=form, status=400)
    try:
        session = services.session_record(
            actor=actor_of(request), session=session, data=form.record()
        )
    except ValidationError as error:
        apply_errors(form, error, FORM_FIELD)
        return _page(request, session, record_form=form, status=400)
    if "sign" not in request.POST:
        messages.success(request, "Saved.")
        return redirect("session_detail", session.pk)
    try:
        services.session_sign(actor=actor_of(request), session=session)
    except ValidationError as error:
        apply_errors(form, error, FORM_FIELD)
        return _page(request, session, record_form=form, status=400)
    messages.success(request, "Signed and locked. The aftercare sheet is ready.")
    return redirect("session_detail", session.pk)


@clinic_member(Perm.SESSION_ATTEND)
@require_POST
def session_addendum(request: StaffRequest, session_id: UUID) -> HttpResponse:
    session = _session(request, session_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.session_addendum(
                actor=actor_of(request), session=session, text=form.cleaned_data["text"]
            )
            return redirect("session_detail", session.pk)
        except ValidationError as error:
            apply_errors(form, error, FORM_FIELD)
    return _page(request, session, addendum_form=form, status=400)


def _precheck_form(session: TreatmentSession, data: Any = None) -> PrecheckForm:
    consulted = session.plan.consultation.intake
    day = session_day(session)
    return PrecheckForm(
        data,
        checks=load_checks(clinic_knowledge(session.clinic)),
        ask_pregnancy=needs_pregnancy_answer(consulted, day),
    )


def _record_form(session: TreatmentSession, data: Any = None) -> RecordForm:
    day = session_day(session)
    ingredients = session.plan.document["ingredients"]
    lots = {i["id"]: usable_lots(session.clinic, i["id"], on=day) for i in ingredients}
    zone = clinic_zone(session.clinic)
    initial = {
        "technique": session.technique,
        "needle_gauge": session.needle_gauge,
        "needle_length_mm": session.needle_length_mm,
        "anaesthetic": session.anaesthetic,
        "started": session.started_at and session.started_at.astimezone(zone).time(),
        "ended": session.ended_at and session.ended_at.astimezone(zone).time(),
        "reactions": session.reactions,
        "notes": session.notes,
    }
    for use in session.lots.all():
        initial[f"lot_{use.ingredient}"] = str(use.lot_id)
        initial[f"units_{use.ingredient}"] = use.units
    for lot_use in session.lots.select_related("lot__product"):
        chosen = lots.setdefault(lot_use.ingredient, [])
        if lot_use.lot not in chosen:  # a lot no longer usable still shows what was chosen
            chosen.append(lot_use.lot)
    return RecordForm(data, initial=initial, ingredients=ingredients, lots=lots, day=day, zone=zone)


def _map_data(form: RecordForm, session: TreatmentSession) -> dict[str, Any]:
    """The map to draw: what was just posted (when the page comes back with errors), else the
    saved one."""
    posted = form.cleaned_data.get("injection_map") if form.is_bound and form.is_valid() else None
    return posted or session.injection_map or {}


def _page(
    request: StaffRequest, session: TreatmentSession, status: int = 200, **forms: Any
) -> HttpResponse:
    kb = clinic_knowledge(session.clinic)
    record_form = forms.get("record_form") or _record_form(session)
    context = {
        "session": session,
        "patient": session.patient,
        "booking": session.booking,
        "kb": kb,
        "course_length": len(session.plan.document["sessions"]),
        "lots_used": session.lots.select_related("lot__product"),
        "addenda": session.addenda.select_related("by"),
        "zones": ZONES,
        "depths": DEPTHS,
        "sign_problems": [] if session.is_signed else services.sign_problems(session),
        "can_attend": can(request, Perm.SESSION_ATTEND),
        "can_override": can(request, Perm.SESSION_OVERRIDE),
        "precheck_form": forms.get("precheck_form") or _precheck_form(session),
        "override_form": forms.get("override_form") or OverrideForm(),
        "record_form": record_form,
        "record_fields": [record_form[name] for name in RECORD_FIELDS],
        "lot_fields": [
            {"lot": record_form[f"lot_{i['id']}"], "units": record_form[f"units_{i['id']}"]}
            for i in session.plan.document["ingredients"]
        ],
        "map_data": _map_data(record_form, session),
        "scalp_views": SCALP_VIEWS,
        "anaesthetic": services.ANAESTHETICS.get(session.anaesthetic, ""),
        "reactions": [services.IMMEDIATE_REACTIONS[r] for r in session.reactions],
        "can_record_event": can(request, Perm.EVENT_RECORD),
        "addendum_form": forms.get("addendum_form") or AddendumForm(),
        "show_precheck_form": "precheck_form" in forms or session.precheck is None,
    }
    return render(request, "sessions/detail.html", context, status=status)
