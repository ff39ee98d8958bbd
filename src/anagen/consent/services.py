"""Consent templates (a new version per save) and consents (signed, then perhaps withdrawn).

Each write validates first, then saves and writes its audit entry in one transaction; bad input
raises ValidationError naming the field and nothing is written.
"""

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from anagen.audit.services import Actor, audit_record
from anagen.clinics.models import Clinic
from anagen.consent.defaults import DEFAULTS
from anagen.consent.models import Consent, ConsentKind, ConsentTemplate
from anagen.consent.printing import Signing, consent_pdf
from anagen.consent.selectors import TemplateText, consent_document_for, template_current
from anagen.core.consent import read_signature
from anagen.core.invalid import InvalidDocument
from anagen.scheduling.calendar_setup import clinic_zone

MAX_TITLE = 150
MAX_BODY = 20_000
MAX_NAME = 200
MAX_REASON = 500


def _audit(actor: Actor, obj: Any, action: str, changes: list[str]) -> None:
    audit_record(
        actor=actor.user,
        clinic=obj.clinic,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        patient_id=getattr(obj, "patient_id", None),
        changes=changes,
        ip_address=actor.ip_address,
    )


def _kind(kind: str) -> str:
    if kind not in ConsentKind.values:
        raise ValidationError({"kind": f"Use one of: {', '.join(ConsentKind.values)}."})
    return kind


def _lock_clinic(clinic: Clinic) -> None:
    """Template versions are numbered per clinic; saving them one at a time keeps the numbers
    apart (the unique constraint is the last word)."""
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()


# --- Templates -----------------------------------------------------------------------------------


@transaction.atomic
def consent_template_save(
    *, actor: Actor, clinic: Clinic, kind: str, title: str, body: str
) -> ConsentTemplate:
    """Save the clinic's text as the next version of its ``kind`` template. Versions are never
    edited, so consents signed earlier keep the text they were signed with."""
    kind, title, body = _kind(kind), title.strip(), body.strip()
    errors = {}
    if not title or len(title) > MAX_TITLE:
        errors["title"] = f"Give the form a title of at most {MAX_TITLE} characters."
    if not body or len(body) > MAX_BODY:
        errors["body"] = f"Write the text of the form (at most {MAX_BODY:,} characters)."
    if errors:
        raise ValidationError(errors)
    _lock_clinic(clinic)
    current = template_current(clinic, kind)
    if current is not None and (current.title, current.body) == (title, body):
        raise ValidationError({"body": "Nothing changed from the current version."})
    return _template_create(actor, clinic, kind, title, body, (current.version if current else 0))


def _template_create(
    actor: Actor, clinic: Clinic, kind: str, title: str, body: str, last: int
) -> ConsentTemplate:
    template = ConsentTemplate(
        clinic=clinic, kind=kind, version=last + 1, title=title, body=body, created_by=actor.user
    )
    template.save(force_insert=True)
    _audit(actor, template, "consent_template.create", ["kind", "version", "title", "body"])
    return template


def _template_in_force(actor: Actor, clinic: Clinic, kind: str) -> ConsentTemplate:
    """The current version, or version 1 with the default text when the clinic has none."""
    _lock_clinic(clinic)
    current = template_current(clinic, kind)
    if current is not None:
        return current
    title, body = DEFAULTS[kind]
    return _template_create(actor, clinic, kind, title, body, 0)


# --- Signing -------------------------------------------------------------------------------------


def _check_subject(patient: Any, kind: str, plan: Any) -> None:
    if patient.is_archived:
        raise ValidationError("This patient is archived; restore the record first.")
    if kind == ConsentKind.PHOTOGRAPHY:
        if plan is not None:
            raise ValidationError({"plan": "A photography consent is not for a plan."})
        return
    if plan is None:
        raise ValidationError({"plan": "A treatment consent is for one treatment plan."})
    if plan.patient_id != patient.pk or plan.clinic_id != patient.clinic_id:
        raise ValidationError({"plan": "This plan is not this patient's."})
    if plan.voided_at is not None:
        raise ValidationError({"plan": "This plan is void; consent is taken for a current plan."})


def _read_signing(signer_name: str, signature_svg: str, ticked: bool) -> tuple[str, str]:
    name, drawn = signer_name.strip(), signature_svg.strip()
    errors = {}
    if not name or len(name) > MAX_NAME:
        errors["signer_name"] = "The patient types their full name."
    path = ""
    if ticked and drawn:
        errors["ticked"] = "Either the patient signs, or tick the box when they cannot; not both."
    elif not ticked and not drawn:
        errors["signature_svg"] = "Draw the signature, or tick the box if the patient cannot sign."
    elif drawn:
        try:
            path = read_signature(drawn)
        except InvalidDocument as error:
            errors["signature_svg"] = f"The signature {error.message}."
    if errors:
        raise ValidationError(errors)
    return name, path


@transaction.atomic
def consent_sign(
    *,
    actor: Actor,
    patient: Any,
    kind: str,
    plan: Any = None,
    signer_name: str,
    signature_svg: str,
    ticked: bool,
    shown_version: int | None = None,
) -> Consent:
    """Record a patient's consent, witnessed by ``actor`` at the server's time.

    The document is built with the clinic's template in force (version 1 of the default text
    is saved first if it has none) and stored with its PDF snapshot and the PDF's SHA-256.
    ``shown_version`` is the template version the patient read; if the clinic saved a newer
    one meanwhile, the consent is refused so that nobody signs a text they did not read.
    """
    kind = _kind(kind)
    _check_subject(patient, kind, plan)
    name, path = _read_signing(signer_name, signature_svg, ticked)
    template = _template_in_force(actor, patient.clinic, kind)
    if shown_version is not None and shown_version != template.version:
        raise ValidationError(
            {"template": "The clinic's consent text changed while the patient was reading it. "
             "Go through the new version with the patient, then sign."}
        )  # fmt: skip
    text = TemplateText(kind, template.title, template.body, template.version, template)
    try:
        document = consent_document_for(patient=patient, kind=kind, plan=plan, text=text)
    except InvalidDocument as error:
        raise ValidationError({error.field: f"The {error.field} {error.message}."}) from None
    consent = Consent(
        clinic=patient.clinic,
        patient=patient,
        kind=kind,
        template=template,
        plan=plan,
        document=document,
        signer_name=name,
        signature_svg=path,
        ticked=bool(ticked),
        signed_at=timezone.now(),
        witness=actor.user,
    )
    consent.pdf = consent_pdf(document, _signing(consent))
    consent.pdf_sha256 = hashlib.sha256(consent.pdf).hexdigest()
    consent.save(force_insert=True)
    drawn = ["ticked"] if ticked else ["signature_svg"]
    _audit(actor, consent, "consent.sign", ["document", "signer_name", *drawn, "pdf", "witness"])
    return consent


def _signing(consent: Consent) -> Signing:
    clinic = consent.clinic
    when = consent.signed_at.astimezone(clinic_zone(clinic))
    return Signing(
        signer_name=consent.signer_name,
        signature_path=consent.signature_svg,
        ticked=consent.ticked,
        signed_at=f"{when:%A} {when.day} {when:%B %Y, %H:%M} ({clinic.time_zone})",
        witness_name=consent.witness.full_name or consent.witness.email,
        patient_number=consent.patient.number,
        reference=str(consent.pk)[:8],
        clinic_address=clinic.address,
    )


# --- Withdrawal and reading ----------------------------------------------------------------------


@transaction.atomic
def consent_withdraw(*, actor: Actor, consent: Consent, reason: str) -> Consent:
    """Withdraw a consent, with the patient's reason; it stays on record, marked withdrawn."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"Say why, in at most {MAX_REASON} characters."})
    locked = Consent.objects.for_clinic(consent.clinic).select_for_update().get(pk=consent.pk)
    if locked.is_withdrawn:
        raise ValidationError({"reason": "This consent was already withdrawn."})
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = actor.user
    consent.withdraw_reason = reason
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    _audit(actor, consent, "consent.withdraw", ["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    return consent


@transaction.atomic
def consent_open(*, actor: Actor, consent: Consent) -> Consent:
    """Log that someone read a consent."""
    _audit(actor, consent, "consent.view", [])
    return consent


@transaction.atomic
def consent_pdf_log(*, actor: Actor, consent: Consent) -> None:
    """Log that someone opened a consent's PDF."""
    _audit(actor, consent, "consent.pdf", [])
