"""Reads of consultations; each one requires the clinic, so another clinic's is a 404."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from anagen.consultations.models import Consultation
from anagen.patients.models import Patient


def consultation_get(*, clinic: Any, consultation_id: object) -> Consultation:
    try:
        found: Consultation = (
            Consultation.objects.for_clinic(clinic)
            .select_related("patient", "signed_by", "supersedes")
            .get(pk=consultation_id)
        )
        return found
    except (Consultation.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such consultation") from None


def consultation_list(*, patient: Patient) -> QuerySet[Consultation]:
    return patient.consultations.select_related("signed_by").order_by("-signed_at")
