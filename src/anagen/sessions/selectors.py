"""Reading treatment sessions; every read takes the clinic."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from anagen.clinics.models import Clinic
from anagen.patients.models import Patient
from anagen.scheduling.calendar_setup import clinic_zone
from anagen.scheduling.models import Booking
from anagen.sessions.models import TreatmentSession


def session_get(clinic: Clinic, session_id: Any) -> TreatmentSession:
    """This clinic's session; another clinic's is a 404, as is a malformed id."""
    try:
        session: TreatmentSession = (
            TreatmentSession.objects.for_clinic(clinic)
            .select_related("patient", "plan", "booking", "practitioner", "consent", "signed_by")
            .get(pk=session_id)
        )
    except (TreatmentSession.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session") from None
    return session


def session_of_booking(booking: Booking) -> TreatmentSession | None:
    return TreatmentSession.objects.for_clinic(booking.clinic).filter(booking=booking).first()


def session_records(patient: Patient) -> QuerySet[TreatmentSession]:
    """The patient's sessions, latest first, with their lots."""
    return (
        TreatmentSession.objects.for_clinic(patient.clinic)
        .filter(patient=patient)
        .select_related("practitioner", "booking")
        .prefetch_related("lots__lot__product")
        .order_by("-booking__start")
    )


def session_day(session: TreatmentSession) -> dt.date:
    """The day the session began at the clinic (its booked start until it began): what lots'
    expiry and the aftercare's restrictions count from."""
    start = session.started_at or session.booking.start
    return start.astimezone(clinic_zone(session.clinic)).date()
