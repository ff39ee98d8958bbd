"""Reading treatment sessions; every read takes the clinic."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from anagen.clinics.models import Clinic
from anagen.patients.models import Patient
from anagen.scheduling.models import Booking
from anagen.sessions.models import TreatmentSession


def session_get(clinic: Clinic, session_id: Any) -> TreatmentSession:
    """This clinic's session; another clinic's is a 404, as is a malformed id."""
    try:
        return (
            TreatmentSession.objects.for_clinic(clinic)
            .select_related("patient", "plan", "booking", "practitioner", "consent", "signed_by")
            .get(pk=session_id)
        )
    except (TreatmentSession.DoesNotExist, ValueError, TypeError):
        raise Http404("No such session") from None


def session_of_booking(booking: Booking) -> TreatmentSession | None:
    return TreatmentSession.objects.for_clinic(booking.clinic).filter(booking=booking).first()


def patient_sessions(patient: Patient) -> QuerySet[TreatmentSession]:
    """The patient's sessions, latest first, with their lots."""
    return (
        TreatmentSession.objects.for_clinic(patient.clinic)
        .filter(patient=patient)
        .select_related("practitioner", "booking")
        .prefetch_related("lots__lot__product")
        .order_by("-booking__start")
    )
