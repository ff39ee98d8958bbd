"""Reads of patient data. Each one requires the clinic, so another clinic's patient is a 404."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from anagen.patients.models import Allergy, Condition, Medication, Patient


def patient_list(
    *, clinic: Any, query: str = "", include_archived: bool = False
) -> QuerySet[Patient]:
    patients = Patient.objects.for_clinic(clinic)
    if not include_archived:
        patients = patients.filter(archived_at__isnull=True)
    for word in query.split():
        patients = patients.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(number__iexact=word)
            | Q(email__icontains=word)
            | Q(phone__contains=word)
            | Q(date_of_birth__icontains=word)
        )
    return patients.order_by("family_name", "given_name")


def patient_get(*, clinic: Any, patient_id: object) -> Patient:
    """The clinic's patient, archived or not; Http404 for anyone else's or a malformed id."""
    try:
        patient: Patient = Patient.objects.for_clinic(clinic).get(pk=patient_id)
        return patient
    except (Patient.DoesNotExist, ValidationError, ValueError, TypeError):
        # A malformed UUID raises ValidationError: to the caller it is simply not there.
        raise Http404("No such patient") from None


def conditions_current(patient: Patient) -> QuerySet[Condition]:
    return patient.conditions.filter(voided_at__isnull=True)


def medications_current(patient: Patient) -> QuerySet[Medication]:
    return patient.medications.filter(voided_at__isnull=True)


def allergies_current(patient: Patient) -> QuerySet[Allergy]:
    return patient.allergies.filter(voided_at__isnull=True)


def history_item_get(*, clinic: Any, model: type[Any], item_id: object) -> Any:
    try:
        return model.objects.for_clinic(clinic).select_related("patient").get(pk=item_id)
    except (model.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such entry") from None
