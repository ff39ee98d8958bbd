"""Clinic-scoped reads of adverse events, follow-ups due and safety signals, and what their pages
and the dashboard and chart partials show."""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from anagen.accounts.models import User
from anagen.inventory.models import Lot
from anagen.patients.models import Patient
from anagen.safety.models import AdverseEvent, Signal
from anagen.scheduling.calendar_setup import clinic_zone, local
from anagen.sessions.models import SessionStatus, TreatmentSession


def link(name: str, *args: object) -> str:
    """The URL of a page another part of Anagen provides, or "" while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def event_get(*, clinic: Any, event_id: object) -> AdverseEvent:
    try:
        event: AdverseEvent = (
            AdverseEvent.objects.for_clinic(clinic)
            .select_related("patient", "recorded_by", "closed_by")
            .get(pk=event_id)
        )
    except (AdverseEvent.DoesNotExist, ValueError, TypeError):
        raise Http404("No such adverse event") from None
    return event


def signal_get(*, clinic: Any, signal_id: object) -> Signal:
    try:
        signal: Signal = (
            Signal.objects.for_clinic(clinic).select_related("lot__product").get(pk=signal_id)
        )
    except (Signal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such signal") from None
    return signal


def patient_events(patient: Any) -> QuerySet[AdverseEvent]:
    return (
        AdverseEvent.objects.for_clinic(patient.clinic)
        .filter(patient=patient)
        .select_related("recorded_by")
        .order_by("-onset", "-recorded_at")
    )


def events_open(clinic: Any) -> QuerySet[AdverseEvent]:
    return (
        AdverseEvent.objects.for_clinic(clinic)
        .filter(closed_at__isnull=True)
        .select_related("patient", "recorded_by")
        .order_by("-onset")
    )


def follow_ups_due(clinic: Any, today: dt.date) -> QuerySet[AdverseEvent]:
    """Open events whose next follow-up is today or overdue, oldest first."""
    return events_open(clinic).filter(next_follow_up__lte=today).order_by("next_follow_up")


def signals_open(clinic: Any) -> QuerySet[Signal]:
    return Signal.objects.for_clinic(clinic).filter(closed_at__isnull=True)


def signals_all(clinic: Any) -> QuerySet[Signal]:
    return Signal.objects.for_clinic(clinic).select_related("closed_by")


def dashboard_safety(clinic: Any, today: dt.date) -> dict[str, Any]:
    """For ``safety/_dashboard.html``: the open signals (title and link) and the follow-ups due."""
    return {
        "signals": [
            {
                "title": s.title,
                "kind": s.get_kind_display(),
                "url": reverse("signal_detail", args=[s.pk]),
            }
            for s in signals_open(clinic)
        ],
        "follow_ups": list(follow_ups_due(clinic, today)),
        "today": today,
    }


def signed_sessions(patient: Any) -> QuerySet[TreatmentSession]:
    return (
        TreatmentSession.objects.for_clinic(patient.clinic)
        .filter(patient=patient, status=SessionStatus.SIGNED)
        .select_related("practitioner")
        .prefetch_related("lots__lot__product")
        .order_by("-started_at")
    )


def session_day(session: Any) -> dt.date:
    when = session.started_at or session.signed_at
    return local(when, clinic_zone(session.clinic)).date()


def session_label(session: Any) -> str:
    who = session.practitioner.full_name
    return f"{session_day(session):%d %b %Y} · session {session.number} · {who}"


# --- Event and signal pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    label: str
    url: str


def event_sessions(event: AdverseEvent) -> list[SessionRow]:
    sessions = event.sessions.select_related("practitioner", "clinic").order_by("started_at")
    return [SessionRow(session_label(s), link("session_detail", s.pk)) for s in sessions]


def event_lots(event: AdverseEvent) -> list[Lot]:
    return list(event.lots.select_related("product").order_by("product__name", "number"))


@dataclass(frozen=True)
class SignalView:
    signal: Signal
    cases: list[AdverseEvent]
    exposed: list[Patient]
    lot: Lot | None
    practitioner: Any
    recall_url: str
    closed_before: list[dict[str, Any]]


def signal_view(signal: Signal) -> SignalView:
    """The signal with its cases, exposed patients, lot or practitioner, as the page shows them."""
    clinic = signal.clinic
    detail = signal.detail
    cases = list(
        AdverseEvent.objects.for_clinic(clinic)
        .filter(pk__in=_uuids(detail.get("cases", [])))
        .select_related("patient")
        .order_by("onset")
    )
    exposed = list(
        Patient.objects.for_clinic(clinic)
        .filter(pk__in=_uuids(detail.get("exposed", [])))
        .order_by("family_name", "given_name")
    )
    practitioner = None
    if signal.kind == "practitioner":
        practitioner = User.objects.filter(pk=int(signal.key)).first()
    closers = {
        u.pk: u
        for u in User.objects.filter(pk__in=[c.get("by") for c in detail.get("closed_before", [])])
    }
    before = [c | {"by": closers.get(c.get("by"))} for c in detail.get("closed_before", [])]
    recall = link("lot_recall", signal.lot_id) if signal.lot_id else ""
    return SignalView(signal, cases, exposed, signal.lot, practitioner, recall, before)


def _uuids(values: list[str]) -> list[uuid.UUID]:
    """The ids in a signal's detail that are ids at all (the detail is JSON)."""
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return out
