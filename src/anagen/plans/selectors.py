"""Reads of treatment plans; each requires the clinic, so another clinic's is a 404."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from anagen.plans.models import TreatmentPlan


def plan_get(*, clinic: Any, plan_id: object) -> TreatmentPlan:
    try:
        plan: TreatmentPlan = (
            TreatmentPlan.objects.for_clinic(clinic)
            .select_related("patient", "consultation", "created_by")
            .get(pk=plan_id)
        )
        return plan
    except (TreatmentPlan.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("No such plan") from None
