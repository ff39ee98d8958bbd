"""Changes to patients and their medical history. Each one validates, saves and audits in one
transaction; a ValidationError leaves the database untouched."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from anagen.audit.services import Actor, audit_record
from anagen.clinics.models import Clinic
from anagen.core import codes
from anagen.patients.models import Allergy, Condition, HistoryItem, Medication, Patient


def _audit(actor: Actor, patient: Patient, action: str, obj: Any, changes: Any = ()) -> None:
    audit_record(
        actor=actor.user,
        clinic=patient.clinic,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        patient_id=patient.pk,
        changes=changes,
        ip_address=actor.ip_address,
    )


def _next_number(clinic: Clinic) -> str:
    # Called with the clinic row locked, so two registrations cannot take the same number.
    prefix = clinic.slug[:3].upper()
    last = Patient.objects.for_clinic(clinic).aggregate(n=Max("number"))["n"] or f"{prefix}-000000"
    return f"{prefix}-{int(last.rsplit('-', 1)[1]) + 1:06d}"


@transaction.atomic
def patient_create(*, actor: Actor, clinic: Clinic, data: dict[str, Any]) -> Patient:
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    patient = Patient(clinic=clinic, **{f: data[f] for f in Patient.EDITABLE_FIELDS if f in data})
    patient.number = _next_number(clinic)
    patient.full_clean()
    patient.save(force_insert=True)
    _audit(
        actor, patient, "patient.create", patient, [f for f in data if data[f] not in ("", None)]
    )
    return patient


@transaction.atomic
def patient_update(*, actor: Actor, patient: Patient, data: dict[str, Any]) -> Patient:
    changed = [f for f in Patient.EDITABLE_FIELDS if f in data and getattr(patient, f) != data[f]]
    for field in changed:
        setattr(patient, field, data[field])
    patient.full_clean()
    if changed:
        patient.save(update_fields=[*changed, "updated_at"])
        _audit(actor, patient, "patient.update", patient, changed)
    return patient


@transaction.atomic
def patient_archive(*, actor: Actor, patient: Patient, reason: str) -> Patient:
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for archiving this patient."})
    if patient.is_archived:
        raise ValidationError({"reason": "This patient is already archived."})
    patient.archived_at = timezone.now()
    patient.archive_reason = reason.strip()
    patient.save(update_fields=["archived_at", "archive_reason", "updated_at"])
    _audit(actor, patient, "patient.archive", patient, ["archived_at", "archive_reason"])
    return patient


@transaction.atomic
def patient_restore(*, actor: Actor, patient: Patient) -> Patient:
    patient.archived_at = None
    patient.archive_reason = ""
    patient.save(update_fields=["archived_at", "archive_reason", "updated_at"])
    _audit(actor, patient, "patient.restore", patient, ["archived_at", "archive_reason"])
    return patient


@transaction.atomic
def patient_record_open(*, actor: Actor, patient: Patient) -> Patient:
    """Log that someone looked at the patient's chart."""
    _audit(actor, patient, "patient.view", patient)
    return patient


@transaction.atomic
def patient_export_log(*, actor: Actor, patient: Patient, export_format: str) -> None:
    audit_record(
        actor=actor.user,
        clinic=patient.clinic,
        action="patient.export",
        object_type="patient",
        object_id=patient.pk,
        patient_id=patient.pk,
        changes=[export_format],
        ip_address=actor.ip_address,
    )


ATC_SUBSTANCE_LENGTH = 7  # level 5 (chemical substance), e.g. B01AF01


def _coded(system: str, field: str, raw: object) -> tuple[str, str]:
    """The canonical code and its title; an unknown or malformed code names the field."""
    if not raw:
        return "", ""
    try:
        code = codes.normalise(system, str(raw))
    except ValueError as error:
        raise ValidationError({field: str(error)}) from None
    known = codes.load(system).get(code)
    if known is None:
        raise ValidationError({field: f"{code} is not in the bundled code list."})
    return code, known.title


def _add_item(actor: Actor, patient: Patient, item: HistoryItem, action: str, data: Any) -> Any:
    item.full_clean()
    item.save(force_insert=True)
    _audit(actor, patient, action, item, [k for k, v in data.items() if v not in ("", None)])
    return item


@transaction.atomic
def condition_add(*, actor: Actor, patient: Patient, data: dict[str, Any]) -> Condition:
    code, title = _coded("icd10", "code", data.get("code"))
    condition = Condition(
        clinic=patient.clinic,
        patient=patient,
        recorded_by=actor.user,
        code=code,
        title=title,
        status=data.get("status") or "active",
        onset_date=data.get("onset_date"),
        note=data.get("note", ""),
    )
    return _add_item(actor, patient, condition, "condition.add", data)  # type: ignore[no-any-return]


@transaction.atomic
def medication_add(*, actor: Actor, patient: Patient, data: dict[str, Any]) -> Medication:
    code, title = _coded("atc", "atc_code", data.get("atc_code"))
    if code and len(code) < ATC_SUBSTANCE_LENGTH and not data.get("name"):
        raise ValidationError(
            {"name": f"{code} is a group ({title.lower()}); name the medicine itself."}
        )
    medication = Medication(
        clinic=patient.clinic,
        patient=patient,
        recorded_by=actor.user,
        atc_code=code,
        name=data.get("name") or title,
        dose=data.get("dose", ""),
        started_on=data.get("started_on"),
        stopped_on=data.get("stopped_on"),
        note=data.get("note", ""),
    )
    return _add_item(actor, patient, medication, "medication.add", data)  # type: ignore[no-any-return]


@transaction.atomic
def allergy_add(*, actor: Actor, patient: Patient, data: dict[str, Any]) -> Allergy:
    code, _title = _coded("atc", "atc_code", data.get("atc_code"))
    allergy = Allergy(
        clinic=patient.clinic,
        patient=patient,
        recorded_by=actor.user,
        substance=data.get("substance", ""),
        atc_code=code,
        reaction=data.get("reaction", ""),
        severity=data.get("severity") or "unknown",
        note=data.get("note", ""),
    )
    return _add_item(actor, patient, allergy, "allergy.add", data)  # type: ignore[no-any-return]


@transaction.atomic
def history_item_void(*, actor: Actor, item: HistoryItem, reason: str) -> HistoryItem:
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for striking out this entry."})
    if item.voided_at:
        raise ValidationError({"reason": "This entry is already struck out."})
    item.voided_at = timezone.now()
    item.void_reason = reason.strip()
    item.save(update_fields=["voided_at", "void_reason"])
    _audit(actor, item.patient, f"{type(item).__name__.lower()}.void", item, ["voided_at"])
    return item
