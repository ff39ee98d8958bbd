"""Treatment plans made from signed consultations."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from anagen.audit.services import Actor, audit_record
from anagen.consultations.models import Consultation
from anagen.consultations.services import clinic_knowledge, clinic_prices
from anagen.core.invalid import InvalidDocument
from anagen.core.planning import build_plan
from anagen.core.screening import screen_document
from anagen.plans.models import TreatmentPlan

# A consultation's screening is for treatment soon after it; a later start needs a new one.
MAX_START_DAYS = 90


def _audit(actor: Actor, plan: TreatmentPlan, action: str, changes: list[str]) -> None:
    audit_record(
        actor=actor.user,
        clinic=plan.clinic,
        action=action,
        object_type="treatmentplan",
        object_id=plan.pk,
        patient_id=plan.patient_id,
        changes=changes,
        ip_address=actor.ip_address,
    )


@transaction.atomic
def plan_create(
    *, actor: Actor, consultation: Consultation, start: dt.date, protocol_id: str | None
) -> TreatmentPlan:
    """Plan the course for a signed, current consultation whose verdict allows treatment.

    The stored intake is screened again with the knowledge base and clinic policy in force now;
    if that changes the verdict, the clinician must sign a new consultation first.
    """
    if consultation.patient.is_archived:
        raise ValidationError("This patient is archived; restore the record first.")
    if consultation.is_superseded:
        raise ValidationError("A later consultation supersedes this one; plan from that one.")
    if not consultation.treatable:
        raise ValidationError("The screening verdict does not allow a course of treatment.")
    if start < consultation.signed_at.date():
        raise ValidationError({"start": "The course cannot start before the consultation."})
    if start > consultation.signed_at.date() + dt.timedelta(days=MAX_START_DAYS):
        raise ValidationError(
            {"start": f"Start within {MAX_START_DAYS} days of the consultation, or screen again."}
        )
    kb = clinic_knowledge(consultation.clinic)
    ctx, screening = screen_document(consultation.intake, kb)
    if screening.verdict != consultation.verdict or kb.version != consultation.knowledge_version:
        raise ValidationError(
            "The knowledge base or the clinic's policy changed since this consultation was "
            "signed; sign a new consultation first."
        )
    try:
        document = build_plan(
            ctx,
            screening,
            start=start,
            protocol_id=protocol_id or None,
            prices=clinic_prices(consultation.clinic),
        )
    except InvalidDocument as error:
        raise ValidationError({error.field: error.message}) from None
    if not document["sessions"]:
        raise ValidationError({"protocol": " ".join(document["notes"])})
    plan = TreatmentPlan(
        clinic=consultation.clinic,
        patient=consultation.patient,
        consultation=consultation,
        protocol_id=document["protocol"]["id"],
        start_date=start,
        document=document,
        created_by=actor.user,
    )
    plan.save(force_insert=True)
    _audit(actor, plan, "plan.create", ["protocol_id", "start_date", "document"])
    return plan


@transaction.atomic
def plan_open(*, actor: Actor, plan: TreatmentPlan) -> TreatmentPlan:
    """Log that someone read a plan."""
    _audit(actor, plan, "plan.view", [])
    return plan


@transaction.atomic
def plan_print_log(*, actor: Actor, plan: TreatmentPlan) -> None:
    _audit(actor, plan, "plan.print", ["pdf"])
