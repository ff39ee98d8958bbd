"""Screening a patient and signing consultations; the clinic's policy and price list.

Each write validates, saves and audits in one transaction; a ValidationError leaves the
database untouched.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from anagen.audit.services import Actor, audit_record
from anagen.clinics.models import Clinic
from anagen.consultations.intake import form_field, intake_document
from anagen.consultations.models import ClinicPolicy, Consultation
from anagen.core.invalid import InvalidDocument
from anagen.core.knowledge import Knowledge, load, with_policy
from anagen.core.planning import PriceList, read_prices
from anagen.core.rules import Context
from anagen.core.screening import Screening, screen_document
from anagen.patients.models import Patient


def clinic_policy(clinic: Clinic) -> ClinicPolicy:
    return ClinicPolicy.objects.filter(clinic=clinic).first() or ClinicPolicy(clinic=clinic)


def clinic_knowledge(clinic: Clinic) -> Knowledge:
    """The knowledge base with this clinic's policy applied."""
    return with_policy(load(), clinic_policy(clinic).overrides)


def clinic_prices(clinic: Clinic) -> PriceList | None:
    prices = clinic_policy(clinic).prices
    return read_prices(prices) if prices else None


def consultation_screen(
    *, patient: Patient, exam: dict[str, Any], kb: Knowledge
) -> tuple[dict[str, Any], Context, Screening]:
    """Screen the patient with the examination; nothing is saved. A bad entry raises
    ValidationError on the form field it concerns."""
    doc = intake_document(patient, exam)
    try:
        ctx, screening = screen_document(doc, kb)
    except InvalidDocument as error:
        field = form_field(error.field)
        message = error.message if field else f"Chart entry {error.field}: {error.message}"
        if error.field == "patient.birth_date":
            message = "The assessment date is before the patient's date of birth."
        raise ValidationError({field or "__all__": message}) from None
    return doc, ctx, screening


def consultation_current(patient: Patient) -> Consultation | None:
    """The patient's latest consultation that no later one supersedes."""
    return patient.consultations.filter(superseded_by__isnull=True).order_by("-signed_at").first()


@transaction.atomic
def consultation_sign(*, actor: Actor, patient: Patient, exam: dict[str, Any]) -> Consultation:
    """Screen and save a signed consultation; it supersedes the patient's current one."""
    if patient.is_archived:
        raise ValidationError("This patient is archived; restore the record first.")
    Patient.objects.for_clinic(patient.clinic).select_for_update().filter(pk=patient.pk).first()
    kb = clinic_knowledge(patient.clinic)
    doc, _ctx, screening = consultation_screen(patient=patient, exam=exam, kb=kb)
    consultation = Consultation(
        clinic=patient.clinic,
        patient=patient,
        intake=doc,
        result=screening.as_json(),
        verdict=screening.verdict,
        knowledge_version=kb.version,
        policy=clinic_policy(patient.clinic).overrides,
        signed_by=actor.user,
        signed_at=timezone.now(),
        supersedes=consultation_current(patient),
    )
    try:
        with transaction.atomic():
            consultation.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(
            "Another consultation was signed meanwhile; reload and check it."
        ) from None
    audit_record(
        actor=actor.user,
        clinic=patient.clinic,
        action="consultation.sign",
        object_type="consultation",
        object_id=consultation.pk,
        patient_id=patient.pk,
        changes=["intake", "result", "verdict"],
        ip_address=actor.ip_address,
    )
    return consultation


@transaction.atomic
def consultation_open(*, actor: Actor, consultation: Consultation) -> Consultation:
    """Log that someone read a consultation."""
    audit_record(
        actor=actor.user,
        clinic=consultation.clinic,
        action="consultation.view",
        object_type="consultation",
        object_id=consultation.pk,
        patient_id=consultation.patient_id,
        ip_address=actor.ip_address,
    )
    return consultation


@transaction.atomic
def clinic_policy_set(
    *, actor: Actor, clinic: Clinic, overrides: dict[str, Any], prices: dict[str, Any]
) -> ClinicPolicy:
    """Replace the clinic's policy overrides and price list, after checking both."""
    try:
        with_policy(load(), overrides)
        if prices:
            read_prices(prices)
    except InvalidDocument as error:
        raise ValidationError({"__all__": str(error)}) from None
    policy = clinic_policy(clinic)
    changed = [
        f for f, v in (("overrides", overrides), ("prices", prices)) if getattr(policy, f) != v
    ]
    policy.overrides, policy.prices, policy.updated_by = overrides, prices, actor.user
    policy.save()
    audit_record(
        actor=actor.user,
        clinic=clinic,
        action="policy.update",
        object_type="clinicpolicy",
        object_id=clinic.pk,
        changes=changed,
        ip_address=actor.ip_address,
    )
    return policy
