"""Reads of treatment plans; each requires the clinic, so another clinic's is a 404."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from anagen.consultations.models import Consultation
from anagen.consultations.services import clinic_knowledge
from anagen.core.intake import read_intake
from anagen.core.knowledge import Protocol
from anagen.core.rules import Context
from anagen.core.screening import usable_protocols
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


def protocols_for(consultation: Consultation) -> list[Protocol]:
    """The protocols a plan from this consultation may use, best first: those that fit the
    diagnosis and sex with no excluded active ingredient. None when treatment is not allowed."""
    if not consultation.treatable:
        return []
    kb = clinic_knowledge(consultation.clinic)
    intake = read_intake(consultation.intake, ingredients=tuple(kb.ingredients), scales=kb.scales)
    excluded = frozenset(consultation.result["excluded_ingredients"])
    return usable_protocols(Context(intake, kb), excluded)
