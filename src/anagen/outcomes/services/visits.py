"""Measurement visits, the clinic's trichoscope calibrations, and voiding a record entered in
error (nothing clinical is deleted)."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from anagen.audit.services import Actor
from anagen.outcomes.models import MeasurementVisit, TrichoscopeDevice, VisitKind
from anagen.outcomes.models.base import Voidable
from anagen.outcomes.services.common import audit, choice, clinic_today, number

MAX_NOTES = 4000
MAX_UM_PER_PX = 100.0  # a µm per pixel above this is not a trichoscope (x20 is about 5)


def _plan(patient: Any, plan: Any) -> Any:
    if plan is None:
        return None
    if plan.clinic_id != patient.clinic_id or plan.patient_id != patient.pk:
        raise ValidationError({"plan": "That plan is not this patient's."})
    if plan.voided_at:
        raise ValidationError({"plan": "That plan was voided."})
    return plan


def _date(patient: Any, date: object) -> dt.date:
    if not isinstance(date, dt.date):
        raise ValidationError({"date": "Enter the date of the visit (YYYY-MM-DD)."})
    if date > clinic_today(patient.clinic):
        raise ValidationError({"date": "A visit cannot be in the future."})
    if date < patient.date_of_birth:
        raise ValidationError({"date": "The visit is before the patient's birth."})
    return date


@transaction.atomic
def visit_create(
    *, actor: Actor, patient: Any, date: object, kind: str, plan: Any = None, notes: str = ""
) -> MeasurementVisit:
    """Open a measurement visit for ``patient``; ``plan`` is the course it measures."""
    if patient.is_archived:
        raise ValidationError({"patient": "The patient is archived; nothing can be recorded."})
    visit = MeasurementVisit(
        clinic=patient.clinic,
        patient=patient,
        plan=_plan(patient, plan),
        date=_date(patient, date),
        kind=choice(kind, "kind", VisitKind),
        notes=_notes(notes),
        created_by=actor.user,
    )
    visit.save(force_insert=True)
    audit(actor, visit, "outcome.visit_create", ["date", "kind", "plan", "notes"], patient)
    return visit


def _notes(notes: str) -> str:
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise ValidationError({"notes": f"Keep the notes under {MAX_NOTES} characters."})
    return notes


@transaction.atomic
def visit_open(*, actor: Actor, visit: MeasurementVisit) -> MeasurementVisit:
    """Log that someone opened a visit (its photos and images are sensitive)."""
    audit(actor, visit, "outcome.visit_view", [], visit.patient)
    return visit


@transaction.atomic
def record_void(*, actor: Actor, record: Voidable, reason: str) -> Voidable:
    """Void a visit, image, photo or measurement entered in error; it stays, marked void."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": "Say why this record is void."})
    if len(reason) > 250:
        raise ValidationError({"reason": "Keep the reason under 250 characters."})
    model = type(record)
    locked = model.objects.for_clinic(record.clinic).select_for_update().get(pk=record.pk)
    if locked.is_void:
        raise ValidationError({"reason": "This record is already void."})
    locked.voided_at, locked.voided_by, locked.void_reason = timezone.now(), actor.user, reason
    locked.save(update_fields=["voided_at", "voided_by", "void_reason"])
    patient = locked.patient if isinstance(locked, MeasurementVisit) else locked.visit.patient
    audit(actor, locked, "outcome.void", ["voided_at", "void_reason"], patient)
    return locked  # type: ignore[no-any-return]


@transaction.atomic
def device_save(
    *,
    actor: Actor,
    clinic: Any,
    name: str,
    um_per_px: object,
    is_default: bool = False,
    active: bool = True,
    device: TrichoscopeDevice | None = None,
) -> TrichoscopeDevice:
    """Add or change a trichoscope calibration. Making one the default takes it from the
    others. Images already analysed keep the calibration they were measured with."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError({"name": "Name the device (up to 80 characters)."})
    scale = number(um_per_px, "um_per_px", low=0.01, high=MAX_UM_PER_PX, what="µm per pixel")
    if is_default and not active:
        raise ValidationError({"is_default": "A retired device cannot be the default."})
    device = device or TrichoscopeDevice(clinic=clinic)
    if is_default:
        TrichoscopeDevice.objects.for_clinic(clinic).exclude(pk=device.pk).update(is_default=False)
    device.name, device.um_per_px, device.updated_by = name, scale, actor.user
    device.is_default, device.active = bool(is_default), bool(active)
    try:
        with transaction.atomic():
            device.save()
    except IntegrityError:
        raise ValidationError({"name": "The clinic has a device of that name already."}) from None
    audit(actor, device, "outcome.device_save", ["name", "um_per_px", "is_default", "active"], None)
    return device
