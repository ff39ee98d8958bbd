"""The daily signal job: read a clinic's signed sessions, their lots and its adverse events, ask
``anagen.core.signals`` for clusters, and keep one Signal row per (clinic, kind, key).

A re-run updates the row it found before (last_found_at, title, detail); a closed signal stays
closed unless it gains a case it did not have, when it reopens (the closing note is kept in
``detail["closed_before"]``). Rate signals slide with their 12-week window, so a rate finding
updates the open rate signal, or the latest one sharing a case, rather than opening a new row
every day. Every write is audited with the job as the actor.
"""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from anagen.accounts.models import User
from anagen.audit.services import audit_record
from anagen.clinics.models import Clinic
from anagen.core import adverse_events
from anagen.core.signals import (
    LOT,
    PRACTITIONER,
    RATE,
    CaseRecord,
    Finding,
    History,
    SessionRecord,
    detect,
)
from anagen.inventory.models import Lot
from anagen.safety.models import AdverseEvent, Signal
from anagen.safety.services import clinic_today
from anagen.scheduling.calendar_setup import clinic_zone, local
from anagen.sessions.models import LotUse, SessionStatus, TreatmentSession

JOB = "signal job"


def clinic_history(clinic: Clinic) -> History:
    """The clinic's signed sessions with the lots each used; the day is the clinic's date of
    the session's start."""
    zone = clinic_zone(clinic)
    lots: dict[str, list[str]] = defaultdict(list)
    uses = LotUse.objects.for_clinic(clinic).filter(session__status=SessionStatus.SIGNED)
    for session_id, lot_id in uses.values_list("session_id", "lot_id"):
        lots[str(session_id)].append(str(lot_id))
    rows = TreatmentSession.objects.for_clinic(clinic).filter(status=SessionStatus.SIGNED)
    records = []
    for pk, patient, started, signed, practitioner in rows.values_list(
        "id", "patient_id", "started_at", "signed_at", "practitioner_id"
    ):
        day = local(started or signed, zone).date()
        records.append(
            SessionRecord(
                str(pk), str(patient), day, str(practitioner), tuple(sorted(lots[str(pk)]))
            )
        )
    return History(records)


def clinic_cases(clinic: Clinic) -> list[CaseRecord]:
    counted = adverse_events.load().counted_types
    events = (
        AdverseEvent.objects.for_clinic(clinic)
        .filter(type__in=counted)
        .prefetch_related("sessions")
    )
    return [
        CaseRecord(
            str(e.pk),
            str(e.patient_id),
            e.type,
            e.onset,
            tuple(sorted(str(s.pk) for s in e.sessions.all())),
        )
        for e in events
    ]


@transaction.atomic
def signals_detect(*, clinic: Clinic, today: dt.date) -> list[Signal]:
    """Run the rules for one clinic as of ``today``; the signals found, created or updated.
    Two runs for one clinic at once take turns (the clinic row is locked), so neither trips
    over the other's new rows."""
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    rules = adverse_events.load().rules()
    findings = detect(clinic_history(clinic), clinic_cases(clinic), today, rules)
    names = _names(clinic, findings)
    return [_keep(clinic, finding, _title(finding, names, today)) for finding in findings]


def signals_detect_all(today: dt.date | None = None) -> list[tuple[Clinic, list[Signal]]]:
    """The job over every clinic, each as of its own date (or ``today``)."""
    return [
        (clinic, signals_detect(clinic=clinic, today=today or clinic_today(clinic)))
        for clinic in Clinic.objects.order_by("name")
    ]


# --- Titles -------------------------------------------------------------------------------------


def _names(clinic: Clinic, findings: tuple[Finding, ...]) -> dict[tuple[str, str], str]:
    lot_ids = [int(f.key) for f in findings if f.kind == LOT]
    people = [int(f.key) for f in findings if f.kind == PRACTITIONER]
    names: dict[tuple[str, str], str] = {}
    for lot in Lot.objects.for_clinic(clinic).select_related("product").filter(pk__in=lot_ids):
        names[(LOT, str(lot.pk))] = f"lot {lot.number} of {lot.product}"
    for user in User.objects.filter(pk__in=people):
        names[(PRACTITIONER, str(user.pk))] = user.full_name or user.email
    return names


def _title(finding: Finding, names: dict[tuple[str, str], str], today: dt.date) -> str:
    count = len(finding.patients)
    who = f"{count} patients with an infection, nodule or abscess"
    if finding.kind == LOT:
        text = f"{who} after sessions with {names.get((LOT, finding.key), 'lot ' + finding.key)}"
    elif finding.kind == PRACTITIONER:
        name = names.get((PRACTITIONER, finding.key), "one practitioner")
        text = f"{who} in the 12 weeks to {today:%d %b %Y} after sessions by {name}"
    elif finding.kind == RATE:
        f = finding.figures
        text = (
            f"Infection and nodule rate {f['per_1000'] or 0:.1f} per 1,000 sessions in the "
            f"12 weeks to {today:%d %b %Y}, against {f['rate_used_per_1000'] or 0:.1f} expected "
            f"({count} patient{'' if count == 1 else 's'}; p = {f['p'] or 0:.3f})"
        )
    else:
        text = f"{who} after sessions in week {finding.key}"
    return text[:250]


# --- Keeping one row per signal -----------------------------------------------------------------


def _detail(finding: Finding) -> dict[str, Any]:
    return {
        "cases": list(finding.cases),
        "patients": list(finding.patients),
        "sessions": list(finding.sessions),
        "exposed": list(finding.exposed),
        "first_day": finding.first_day.isoformat(),
        "last_day": finding.last_day.isoformat(),
        "figures": dict(finding.figures),
    }


def _existing(clinic: Clinic, finding: Finding) -> Signal | None:
    signals = Signal.objects.for_clinic(clinic).filter(kind=finding.kind)
    same: Signal | None = signals.filter(key=finding.key).first()
    if same is not None or finding.kind != RATE:
        return same
    latest = list(signals.order_by("-last_found_at", "-pk"))
    opened = next((s for s in latest if s.closed_at is None), None)
    shared = next((s for s in latest if set(s.detail.get("cases", [])) & set(finding.cases)), None)
    return opened or shared


@transaction.atomic
def _keep(clinic: Clinic, finding: Finding, title: str) -> Signal:
    now = timezone.now()
    signal = _existing(clinic, finding)
    detail = _detail(finding)
    if signal is None:
        created: Signal = Signal.objects.for_clinic(clinic).create(
            clinic=clinic, kind=finding.kind, key=finding.key, title=title, detail=detail,
            lot_id=int(finding.key) if finding.kind == LOT else None,
            first_found_at=now, last_found_at=now,
        )  # fmt: skip
        _audit(created, "signal.raise", ["title", "detail"])
        return created
    gained = set(finding.cases) - set(signal.detail.get("cases", []))
    if signal.closed_at is not None and not gained:
        return signal
    action = "signal.update" if gained else "signal.refresh"
    detail["closed_before"] = list(signal.detail.get("closed_before", []))
    if signal.closed_at is not None:
        action = "signal.reopen"
        detail["closed_before"].append(
            {
                "at": signal.closed_at.isoformat(),
                "by": signal.closed_by_id,
                "note": signal.close_note,
            }
        )
        signal.closed_at, signal.closed_by, signal.close_note = None, None, ""
    changed = ["detail"] if detail != signal.detail else []
    signal.title, signal.detail, signal.last_found_at = title, detail, now
    signal.save()
    _audit(
        signal,
        action,
        ["last_found_at", *changed, *(["closed_at"] if action == "signal.reopen" else [])],
    )
    return signal


def _audit(signal: Signal, action: str, changes: list[str]) -> None:
    audit_record(
        actor=JOB,
        clinic=signal.clinic,
        action=action,
        object_type="signal",
        object_id=signal.pk,
        changes=changes,
    )


def job_report(results: list[tuple[Clinic, list[Signal]]]) -> list[str]:
    """What the job prints: per clinic, the signals it found and whether each is open."""
    lines = []
    for clinic, signals in results:
        lines.append(
            f"{clinic.name}: {len(signals)} signal{'' if len(signals) == 1 else 's'} found"
        )
        for signal in signals:
            state = "closed" if signal.closed_at else "open"
            lines.append(f"  [{signal.kind}, {state}] {signal.title}")
    return lines
