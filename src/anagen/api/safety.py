"""Adverse events and safety signals over the API: a patient's events (list, record), one event
(read, change), and the clinic's signals. The same services, checks and audit as the pages;
type and severity are the knowledge-base ids (``adverse_events.toml``)."""

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status

from anagen.api.permissions import requires
from anagen.clinics.roles import Perm
from anagen.patients.selectors import patient_get
from anagen.safety import selectors, services
from anagen.safety.models import AdverseEvent, Signal
from anagen.web.request_info import actor_of

router = Router(tags=["safety"])
SIGNAL_STATES = ("open", "closed", "all")


class EventIn(Schema):
    type: str
    type_other: str = ""
    onset: dt.date
    severity: str
    description: str = ""
    sessions: list[UUID] = []
    lots: list[int] = []
    actions: str = ""
    outcome: str = "ongoing"
    culture: str = "not_taken"
    organism: str = ""
    next_follow_up: dt.date | None = None


class EventPatch(Schema):
    type: str | None = None
    type_other: str | None = None
    onset: dt.date | None = None
    severity: str | None = None
    description: str | None = None
    sessions: list[UUID] | None = None
    lots: list[int] | None = None
    actions: str | None = None
    outcome: str | None = None
    culture: str | None = None
    organism: str | None = None
    next_follow_up: dt.date | None = None


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


def _event_json(event: AdverseEvent) -> dict[str, Any]:
    return {
        "id": str(event.pk),
        "patient": str(event.patient_id),
        "type": event.type,
        "type_other": event.type_other,
        "onset": event.onset.isoformat(),
        "severity": event.severity,
        "description": event.description,
        "sessions": sorted(str(pk) for pk in event.sessions.values_list("pk", flat=True)),
        "lots": sorted(event.lots.values_list("pk", flat=True)),
        "actions": event.actions,
        "outcome": event.outcome,
        "culture": event.culture,
        "organism": event.organism,
        "next_follow_up": event.next_follow_up.isoformat() if event.next_follow_up else None,
        "closed_at": event.closed_at.isoformat() if event.closed_at else None,
        "recorded_by": event.recorded_by.email,
        "recorded_at": event.recorded_at.isoformat(),
        "follow_ups": [
            {"on": f.on.isoformat(), "note": f.note, "by": f.by.email}
            for f in event.follow_ups.select_related("by")
        ],
    }


def _signal_json(signal: Signal) -> dict[str, Any]:
    return {
        "id": signal.pk,
        "kind": signal.kind,
        "key": signal.key,
        "title": signal.title,
        "lot": signal.lot_id,
        "cases": signal.detail.get("cases", []),
        "patients": signal.detail.get("patients", []),
        "exposed": signal.detail.get("exposed", []),
        "first_day": signal.detail.get("first_day"),
        "last_day": signal.detail.get("last_day"),
        "figures": signal.detail.get("figures", {}),
        "first_found_at": signal.first_found_at.isoformat(),
        "last_found_at": signal.last_found_at.isoformat(),
        "closed_at": signal.closed_at.isoformat() if signal.closed_at else None,
        "close_note": signal.close_note,
    }


@router.get("/patients/{patient_id}/events")
@requires(Perm.SAFETY_VIEW)
def patient_events(request: HttpRequest, patient_id: UUID) -> Any:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    return [_event_json(e) for e in selectors.patient_events(patient)]


@router.post("/patients/{patient_id}/events", response={201: dict[str, Any]})
@requires(Perm.EVENT_RECORD)
def record_event(request: HttpRequest, patient_id: UUID, body: EventIn) -> Any:
    """Record an adverse event; lots default to those the linked sessions used."""
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    data = body.dict()
    if not data["lots"]:
        del data["lots"]
    event = services.event_record(actor=actor_of(request), patient=patient, data=data)
    return Status(201, _event_json(event))


@router.get("/events/{event_id}")
@requires(Perm.SAFETY_VIEW)
def read_event(request: HttpRequest, event_id: UUID) -> Any:
    """One event with its follow-ups; audited as a view."""
    event = selectors.event_get(clinic=_clinic(request), event_id=event_id)
    services.event_open(actor=actor_of(request), event=event)
    return _event_json(event)


@router.patch("/events/{event_id}")
@requires(Perm.EVENT_RECORD)
def change_event(request: HttpRequest, event_id: UUID, body: EventPatch) -> Any:
    """Change the fields given; ``sessions`` or ``lots`` replace the links (lots given empty:
    the lots the sessions used). ``next_follow_up`` may be null to clear it."""
    event = selectors.event_get(clinic=_clinic(request), event_id=event_id)
    data = body.dict(exclude_unset=True)
    nulls = [f for f, value in data.items() if value is None and f != "next_follow_up"]
    if nulls:
        raise ValidationError({field: "This field cannot be null." for field in nulls})
    services.event_update(actor=actor_of(request), event=event, data=data)
    return _event_json(event)


@router.get("/signals")
@requires(Perm.SAFETY_VIEW)
def list_signals(request: HttpRequest, state: str = "open") -> Any:
    """The clinic's signals: open (default), closed or all, latest found first."""
    if state not in SIGNAL_STATES:
        raise ValidationError({"state": f"Use one of {', '.join(SIGNAL_STATES)}."})
    signals = selectors.signals_all(_clinic(request))
    if state != "all":
        signals = signals.filter(closed_at__isnull=state == "open")
    return [_signal_json(s) for s in signals]
