"""What every outcome service shares: the audit entry, the checks that a record can still be
written to, and number reading with a message that names the field."""

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from anagen.audit.services import Actor, audit_record
from anagen.clinics.roles import role_allows
from anagen.clinics.selectors import memberships_active
from anagen.outcomes.models import MeasurementVisit
from anagen.scheduling.calendar_setup import clinic_zone


def audit(actor: Actor, record: Any, action: str, changes: Iterable[str], patient: Any) -> None:
    audit_record(
        actor=actor.user,
        clinic=record.clinic,
        action=action,
        object_type=type(record).__name__.lower(),
        object_id=record.pk,
        patient_id=patient.pk if patient is not None else None,
        changes=changes,
        ip_address=actor.ip_address,
    )


def clinic_today(clinic: Any) -> dt.date:
    return timezone.now().astimezone(clinic_zone(clinic)).date()


def may(actor: Actor, clinic: Any, perm: str) -> bool:
    """Whether the actor holds ``perm`` at ``clinic`` (services re-check what pages hide)."""
    membership = memberships_active(actor.user).filter(clinic=clinic).first()
    return bool(membership and role_allows(membership.role, perm))


def locked_visit(visit: MeasurementVisit) -> MeasurementVisit:
    """The visit row, locked for the transaction, refused when it or its patient is closed."""
    locked: MeasurementVisit = (
        MeasurementVisit.objects.for_clinic(visit.clinic)
        .select_for_update()
        .select_related("patient", "clinic")
        .get(pk=visit.pk)
    )
    if locked.is_void:
        raise ValidationError({"visit": "This visit was voided; nothing can be added to it."})
    if locked.patient.is_archived:
        raise ValidationError({"visit": "The patient is archived; nothing can be recorded."})
    return locked


def choice(value: object, field: str, choices: Any) -> str:
    if value not in choices.values:
        raise ValidationError({field: f"Choose one of: {', '.join(choices.values)}."})
    return str(value)


def number(
    value: object, field: str, *, low: float, high: float, integer: bool = False, what: str = ""
) -> float:
    """``value`` as a number within [low, high], or ValidationError naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError({field: f"Enter {what or 'a number'}."})
    try:
        parsed = float(value)
    except ValueError:
        raise ValidationError({field: f"Enter {what or 'a number'}."}) from None
    if not math.isfinite(parsed) or (integer and not parsed.is_integer()):
        raise ValidationError({field: f"Enter {what or 'a number'}."})
    if not low <= parsed <= high:
        raise ValidationError({field: f"Must be between {low:g} and {high:g}."})
    return parsed
