"""Recording adverse events, their follow-ups and their closing; closing safety signals.

Every write runs in one transaction with its audit entry (field names, never values); bad input
raises a ValidationError naming the field, and nothing is written. The type and severity lists
and their definitions are knowledge-base data (``core/data/knowledge/adverse_events.toml``).
"""

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from anagen.audit.services import Actor, audit_record
from anagen.core import adverse_events
from anagen.inventory.models import Lot
from anagen.safety.models import AdverseEvent, Culture, FollowUp, Outcome, Signal
from anagen.scheduling.calendar_setup import clinic_zone, local
from anagen.sessions.models import LotUse, SessionStatus, TreatmentSession

TEXT_FIELDS = ("type_other", "description", "actions", "organism")
FIELDS = ("type", "onset", "severity", "outcome", "culture", "next_follow_up", *TEXT_FIELDS)
LIMITS = {"type_other": 120, "organism": 120}


def clinic_today(clinic: Any) -> dt.date:
    return local(timezone.now(), clinic_zone(clinic)).date()


def _audit(actor: Actor, obj: Any, action: str, changes: Iterable[str], patient: Any) -> None:
    audit_record(
        actor=actor.user,
        clinic=obj.clinic,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        patient_id=patient,
        changes=changes,
        ip_address=actor.ip_address,
    )


def _date(value: object, field: str, errors: dict[str, str]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = "Give a date (YYYY-MM-DD)."
        return None


def _ids(values: object) -> list[str]:
    if values in (None, ""):
        return []
    if not isinstance(values, list | tuple | set):
        values = [values]
    return [str(getattr(v, "pk", v)) for v in values]


def _check_fields(
    patient: Any, values: dict[str, Any], current: AdverseEvent | None, errors: dict[str, str]
) -> None:
    book = adverse_events.load()
    today = clinic_today(patient.clinic)
    if values["type"] not in book.types:
        errors["type"] = "Choose a type from the list."
    elif values["type"] == adverse_events.OTHER and not values["type_other"]:
        errors["type_other"] = "Say what the event was."
    onset = values["onset"]
    if onset is None:
        errors.setdefault("onset", "Give the day it began.")
    elif onset > today:
        errors["onset"] = "The onset cannot be in the future."
    elif onset < patient.date_of_birth:
        errors["onset"] = "The onset cannot be before the patient's birth."
    if values["severity"] not in book.severities:
        errors["severity"] = "Choose a severity grade."
    if values["outcome"] not in Outcome.values:
        errors["outcome"] = "Choose an outcome from the list."
    if values["culture"] not in Culture.values:
        errors["culture"] = "Choose a culture result from the list."
    elif values["organism"] and values["culture"] != Culture.POSITIVE:
        errors["organism"] = "Record an organism only with a positive culture."
    follow_up = values["next_follow_up"]
    unchanged = current is not None and follow_up == current.next_follow_up
    if follow_up is not None and follow_up < today and not unchanged:
        errors.setdefault("next_follow_up", "Choose today or a later day.")
    for field, limit in LIMITS.items():
        if len(values[field]) > limit:
            errors[field] = f"At most {limit} characters."


def _values(patient: Any, data: Mapping[str, Any], current: AdverseEvent | None) -> dict[str, Any]:
    """The event's fields after ``data`` is applied to ``current`` (or to the defaults)."""
    errors: dict[str, str] = {}
    base = {f: getattr(current, f) for f in FIELDS} if current else {}
    defaults = {"outcome": Outcome.ONGOING, "culture": Culture.NOT_TAKEN, "next_follow_up": None}
    values = {f: data.get(f, base.get(f, defaults.get(f, ""))) for f in FIELDS}
    for field in ("type", "severity", "outcome", "culture", *TEXT_FIELDS):
        values[field] = str(values[field] or "").strip()
    values["onset"] = _date(values["onset"], "onset", errors)
    values["next_follow_up"] = _date(values["next_follow_up"], "next_follow_up", errors)
    if values["type"] != adverse_events.OTHER:
        values["type_other"] = ""
    _check_fields(patient, values, current, errors)
    if errors:
        raise ValidationError(errors)
    return values


def _sessions(patient: Any, ids: list[str]) -> list[TreatmentSession]:
    found = list(
        TreatmentSession.objects.for_clinic(patient.clinic).filter(
            patient=patient, status=SessionStatus.SIGNED, pk__in=_uuids(ids)
        )
    )
    if len(found) != len(set(ids)):
        raise ValidationError({"sessions": "Link only this patient's signed sessions."})
    return found


def _uuids(ids: list[str]) -> list[uuid.UUID]:
    out = []
    for value in ids:
        try:
            out.append(uuid.UUID(value))
        except ValueError:
            continue
    return out


def _lots(clinic: Any, ids: list[str]) -> list[Lot]:
    found = list(Lot.objects.for_clinic(clinic).filter(pk__in=[int(v) for v in ids if v.isdigit()]))
    if len(found) != len(set(ids)):
        raise ValidationError({"lots": "Link only this clinic's lots."})
    return found


def _lots_used(clinic: Any, sessions: list[TreatmentSession]) -> list[Lot]:
    uses = LotUse.objects.for_clinic(clinic).filter(session__in=sessions)
    return list(Lot.objects.for_clinic(clinic).filter(pk__in=uses.values("lot_id")))


def _links(
    patient: Any, data: Mapping[str, Any], current: AdverseEvent | None
) -> tuple[list[TreatmentSession] | None, list[Lot] | None]:
    """The sessions and lots to link; None leaves an event's links as they are. Without lots
    given, the lots are those the linked sessions used."""
    sessions = None
    if "sessions" in data or current is None:
        sessions = _sessions(patient, _ids(data.get("sessions")))
    lot_ids = _ids(data.get("lots"))
    if lot_ids:
        return sessions, _lots(patient.clinic, lot_ids)
    if sessions is None and "lots" not in data:
        return None, None
    used = sessions if sessions is not None else list(current.sessions.all()) if current else []
    return sessions, _lots_used(patient.clinic, used)


@transaction.atomic
def event_record(*, actor: Actor, patient: Any, data: Mapping[str, Any]) -> AdverseEvent:
    """Record an adverse event for a patient, linked to their signed sessions and the lots."""
    values = _values(patient, data, None)
    sessions, lots = _links(patient, data, None)
    event: AdverseEvent = AdverseEvent.objects.for_clinic(patient.clinic).create(
        clinic=patient.clinic, patient=patient, recorded_by=actor.user, **values
    )
    event.sessions.set(sessions or [])
    event.lots.set(lots or [])
    changes = [f for f in FIELDS if values[f] not in ("", None)]
    changes += [name for name, rows in (("sessions", sessions), ("lots", lots)) if rows]
    _audit(actor, event, "event.record", changes, patient.pk)
    return event


@transaction.atomic
def event_update(*, actor: Actor, event: AdverseEvent, data: Mapping[str, Any]) -> AdverseEvent:
    """Change an open event's fields, and its links when ``sessions`` or ``lots`` is given."""
    if event.is_closed:
        raise ValidationError("This event is closed; add what you learn as a note elsewhere.")
    values = _values(event.patient, data, event)
    sessions, lots = _links(event.patient, data, event)
    changes = [f for f in FIELDS if values[f] != getattr(event, f)]
    for field in changes:
        setattr(event, field, values[field])
    if changes:
        event.save(update_fields=[*changes, "updated_at"])
    for name, rows in (("sessions", sessions), ("lots", lots)):
        manager = getattr(event, name)
        if rows is not None and {r.pk for r in rows} != set(manager.values_list("pk", flat=True)):
            manager.set(rows)
            changes.append(name)
    if changes:
        _audit(actor, event, "event.update", changes, event.patient_id)
    return event


@transaction.atomic
def follow_up_add(
    *,
    actor: Actor,
    event: AdverseEvent,
    on: dt.date | None,
    note: str,
    next_follow_up: dt.date | None,
) -> FollowUp:
    """Record a follow-up contact and when to look again (None: no date set)."""
    if event.is_closed:
        raise ValidationError("This event is closed.")
    errors: dict[str, str] = {}
    today = clinic_today(event.clinic)
    if on is None:
        errors["on"] = "Give the day of the follow-up."
    elif on > today:
        errors["on"] = "The follow-up cannot be in the future."
    elif on < event.onset:
        errors["on"] = "The follow-up cannot be before the onset."
    if not note.strip():
        errors["note"] = "Write what was found."
    if next_follow_up is not None and (next_follow_up < today or (on and next_follow_up <= on)):
        errors["next_follow_up"] = "Choose a later day than this follow-up, today or after."
    if errors:
        raise ValidationError(errors)
    follow_up: FollowUp = FollowUp.objects.for_clinic(event.clinic).create(
        clinic=event.clinic, event=event, on=on, note=note.strip(), by=actor.user
    )
    event.next_follow_up = next_follow_up
    event.save(update_fields=["next_follow_up", "updated_at"])
    _audit(actor, event, "event.follow_up", ["follow_up", "next_follow_up"], event.patient_id)
    return follow_up


@transaction.atomic
def event_close(*, actor: Actor, event: AdverseEvent, outcome: str) -> AdverseEvent:
    """Close an event with how it ended; its follow-up reminders stop."""
    if event.is_closed:
        raise ValidationError("This event is already closed.")
    if outcome not in Outcome.values or outcome == Outcome.ONGOING:
        raise ValidationError({"outcome": "Choose how the event ended."})
    event.outcome = outcome
    event.closed_at = timezone.now()
    event.closed_by = actor.user
    event.next_follow_up = None
    event.save(update_fields=["outcome", "closed_at", "closed_by", "next_follow_up", "updated_at"])
    _audit(actor, event, "event.close", ["outcome", "closed_at"], event.patient_id)
    return event


@transaction.atomic
def event_open(*, actor: Actor, event: AdverseEvent) -> AdverseEvent:
    """Log that someone read an adverse event."""
    _audit(actor, event, "event.view", [], event.patient_id)
    return event


@transaction.atomic
def follow_up_reminded(*, event: AdverseEvent, due: dt.date) -> None:
    """The follow-up reminder for ``due`` went out; the reminder job is the actor."""
    event.follow_up_reminded_on = due
    event.save(update_fields=["follow_up_reminded_on"])
    audit_record(
        actor="reminders",
        clinic=event.clinic,
        action="event.remind",
        object_type="adverseevent",
        object_id=event.pk,
        patient_id=event.patient_id,
        changes=["follow_up_reminded_on"],
    )


@transaction.atomic
def signal_close(*, actor: Actor, signal: Signal, note: str) -> Signal:
    """Close a signal once it has been looked into; it reopens if it gains new cases."""
    if signal.closed_at is not None:
        raise ValidationError("This signal is already closed.")
    if not note.strip():
        raise ValidationError({"note": "Say what was found and done."})
    signal.closed_at = timezone.now()
    signal.closed_by = actor.user
    signal.close_note = note.strip()
    signal.save(update_fields=["closed_at", "closed_by", "close_note"])
    _audit(actor, signal, "signal.close", ["closed_at", "close_note"], None)
    return signal


@transaction.atomic
def signal_open(*, actor: Actor, signal: Signal) -> Signal:
    """Log that someone read a signal (it names patients)."""
    _audit(actor, signal, "signal.view", [], None)
    return signal
