"""Proposals for a course's sessions: the clinic's calendar as a scheduling scenario, solved by
the core engine (CP-SAT), read back as dated sessions with practitioner and room.

Nothing here writes. A proposal is shown to reception, who may change it before the services
book it (and check it again).

The protocol gives each session a window (plans.document ``sessions[].earliest/latest``); the
gap between two sessions may range from the earliest of the second minus the latest of the first
to the latest of the second minus the earliest of the first, aiming at the planned spacing, and
never under ``MIN_DAYS_APART``. When the windows can no longer be met (a session moved late, a
missed session), the sessions are re-planned by spacing alone and each one outside its window is
named in a warning.
"""

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from anagen.clinics.models import Clinic
from anagen.core.planning import MIN_DAYS_APART, long_date
from anagen.core.scheduling import schedule_document
from anagen.scheduling.calendar_setup import (
    Practitioner,
    clinic_schedule,
    clinic_zone,
    local,
    practitioners,
)
from anagen.scheduling.models import HOLDING, Booking, Room

# Without windows, three sessions must still span a week (at most 2 in any 7 days).
RELAXED_MIN_GAP = 4
RELAXED_FIRST_DAYS = 28
SOLVE_SECONDS = 10.0


@dataclass(frozen=True)
class Window:
    number: int
    planned: dt.date
    earliest: dt.date
    latest: dt.date
    phase: str = ""

    def holds(self, day: dt.date) -> bool:
        return self.earliest <= day <= self.latest


def plan_windows(plan: Any) -> list[Window]:
    return [
        Window(
            s["number"],
            dt.date.fromisoformat(s["date"]),
            dt.date.fromisoformat(s["earliest"]),
            dt.date.fromisoformat(s["latest"]),
            s.get("phase", ""),
        )
        for s in plan.document["sessions"]
    ]


def gap_between(first: Window, second: Window) -> dict[str, int]:
    target = (second.planned - first.planned).days
    low = max(MIN_DAYS_APART, (second.earliest - first.latest).days)
    high = max(low, (second.latest - first.earliest).days)
    return {"min": low, "target": min(max(target, low), high), "max": high}


@dataclass(frozen=True)
class Choice:
    """One session at one time with one practitioner in one room (aware datetime)."""

    number: int
    start: dt.datetime
    practitioner_id: int
    room_id: int


@dataclass
class Proposal:
    choices: list[Choice] = field(default_factory=list)
    windows: dict[int, Window] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    failed: str = ""

    def outside(self, choice: Choice, zone: Any) -> bool:
        window = self.windows.get(choice.number)
        return window is not None and not window.holds(local(choice.start, zone).date())


def _round_down(moment: dt.datetime, slot: int) -> dt.datetime:
    minutes = moment.hour * 60 + moment.minute
    return moment.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(
        minutes=minutes // slot * slot
    )


def _busy_item(
    key: str, value: str, start: dt.datetime, end: dt.datetime, slot: int
) -> dict[str, Any]:
    begin = _round_down(start, slot)
    minutes = math.ceil((end - begin).total_seconds() / 60 / slot) * slot
    return {key: value, "start": begin.strftime("%Y-%m-%dT%H:%M"), "minutes": max(slot, minutes)}


class Planner:
    """The calendar of one clinic from ``today`` (wall-clock ``now``), as the engine sees it."""

    def __init__(self, clinic: Clinic, now: dt.datetime) -> None:
        self.clinic = clinic
        self.zone = clinic_zone(clinic)
        self.now = local(now, self.zone)
        self.today = self.now.date()
        self.setup = clinic_schedule(clinic)
        self.rooms = list(Room.objects.for_clinic(clinic).filter(is_active=True))

    def propose(
        self,
        *,
        patient: Any,
        minutes: int,
        windows: list[Window],
        anchor: tuple[dt.date, Window] | None = None,
        practitioner_ids: list[int] | None = None,
        exclude: set[Any] = frozenset(),  # type: ignore[assignment]
        extra: list[Choice] = (),  # type: ignore[assignment]
    ) -> Proposal:
        """Dates for ``windows`` (consecutive sessions), after ``anchor`` (the date of the session
        before them) when given; ``exclude`` are bookings being replaced, ``extra`` choices
        already made in the same change (a moved session)."""
        proposal = Proposal(windows={w.number: w for w in windows})
        if not windows:
            return proposal
        if not self.rooms:
            proposal.failed = "The clinic has no rooms yet: add one under Scheduling set-up."
            return proposal
        for relaxed in (False, True):
            first = self._first_window(windows[0], anchor, relaxed)
            if first is None:
                continue
            for day_range in self._first_days(first, windows[0], anchor):
                result = self._solve(
                    patient, minutes, windows, day_range, relaxed, practitioner_ids, exclude, extra
                )
                if result:
                    proposal.choices = result
                    break
            if proposal.choices:
                break
        else:
            proposal.failed = (
                "No free time was found for these sessions with the practitioners' hours and "
                "the bookings already made. Add hours, or choose the times by hand."
            )
            return proposal
        for choice in proposal.choices:
            window = proposal.windows[choice.number]
            day = local(choice.start, self.zone).date()
            if not window.holds(day):
                proposal.warnings.append(
                    f"Session {choice.number} on {long_date(day)} is outside its window "
                    f"({long_date(window.earliest)} to {long_date(window.latest)}): the "
                    "protocol's spacing can no longer be kept."
                )
        return proposal

    def _first_days(
        self, first: tuple[dt.date, dt.date], window: Window, anchor: tuple[dt.date, Window] | None
    ) -> list[tuple[dt.date, dt.date]]:
        """The first session's day range, one day at a time nearest its target gap after the
        anchor (the engine counts gaps only between the sessions it places); the whole range at
        once when there is no anchor."""
        if anchor is None:
            return [first]
        target = anchor[0] + dt.timedelta(days=gap_between(anchor[1], window)["target"])
        days = [first[0] + dt.timedelta(days=i) for i in range((first[1] - first[0]).days + 1)]
        days.sort(key=lambda d: (abs((d - target).days), d))
        return [(d, d) for d in days]

    def _first_window(
        self, window: Window, anchor: tuple[dt.date, Window] | None, relaxed: bool
    ) -> tuple[dt.date, dt.date] | None:
        earliest = self.today
        if anchor is not None:
            gap = gap_between(anchor[1], window)
            earliest = max(earliest, anchor[0] + dt.timedelta(days=gap["min"]))
            latest = anchor[0] + dt.timedelta(days=gap["max"])
        else:
            latest = window.latest
        if relaxed:
            return earliest, max(earliest, latest) + dt.timedelta(days=RELAXED_FIRST_DAYS)
        earliest = max(earliest, window.earliest)
        latest = min(latest, window.latest)
        return (earliest, latest) if earliest <= latest else None

    def _solve(
        self,
        patient: Any,
        minutes: int,
        windows: list[Window],
        first: tuple[dt.date, dt.date],
        relaxed: bool,
        practitioner_ids: list[int] | None,
        exclude: set[Any],
        extra: list[Choice],
    ) -> list[Choice]:
        gaps = [gap_between(a, b) for a, b in itertools.pairwise(windows)]
        if relaxed:
            gaps = [
                {
                    "min": max(RELAXED_MIN_GAP, g["min"]),
                    "target": max(RELAXED_MIN_GAP, g["target"]),
                    "max": max(RELAXED_MIN_GAP, g["max"]),
                }
                for g in gaps
            ]
        start = first[0]
        last = first[1] + dt.timedelta(days=sum(g["max"] for g in gaps))
        if not relaxed:
            last = max(last, windows[-1].latest)
        staff = practitioners(self.clinic, start, last)
        allowed = [p for p in staff if practitioner_ids is None or p.user.pk in practitioner_ids]
        if not allowed:
            return []
        course: dict[str, Any] = {
            "id": "c",
            "patient": "p",
            "minutes": minutes,
            "first": {"earliest": first[0].isoformat(), "latest": first[1].isoformat()},
            "gaps": gaps,
            "practitioners": [p.key for p in allowed],
        }
        if not relaxed:
            course["windows"] = [
                {"earliest": w.earliest.isoformat(), "latest": w.latest.isoformat()}
                for w in windows
            ]
        doc = {
            "schema": "anagen.schedule-scenario/1",
            "start": start.isoformat(),
            "days": (last - start).days + 1,
            "slot_minutes": self.setup.slot_minutes,
            "practitioners": [self._practitioner(p, start, last) for p in staff],
            "rooms": [{"id": f"r{room.pk}"} for room in self.rooms],
            "busy": self._busy(patient, minutes, start, last, staff, exclude, extra),
            "courses": [course],
        }
        result = schedule_document(doc, solver="cp-sat", time_limit=SOLVE_SECONDS)
        if result["unscheduled"]:
            return []
        return [
            Choice(
                number=windows[s["number"] - 1].number,
                start=dt.datetime.fromisoformat(s["start"]).replace(tzinfo=self.zone),
                practitioner_id=int(s["practitioner"][1:]),
                room_id=int(s["room"][1:]),
            )
            for s in result["sessions"]
        ]

    def _practitioner(self, p: Practitioner, first: dt.date, last: dt.date) -> dict[str, Any]:
        return {
            "id": p.key,
            "weekly": p.weekly,
            "absent": sorted(d.isoformat() for d in p.absent if first <= d <= last),
        }

    def _busy(
        self,
        patient: Any,
        minutes: int,
        first: dt.date,
        last: dt.date,
        staff: list[Practitioner],
        exclude: set[Any],
        extra: list[Choice],
    ) -> list[dict[str, Any]]:
        slot = self.setup.slot_minutes
        busy: list[dict[str, Any]] = []
        keys = {p.user.pk for p in staff}
        room_keys = {room.pk for room in self.rooms}
        horizon_start = dt.datetime.combine(first, dt.time(), self.zone)
        horizon_end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), self.zone)
        taken = (
            Booking.objects.for_clinic(self.clinic)
            .filter(status__in=HOLDING, start__lt=horizon_end, end__gt=horizon_start)
            .exclude(pk__in=[getattr(b, "pk", b) for b in exclude])
            .values_list("start", "end", "practitioner_id", "room_id", "patient_id")
        )
        blocks = [
            (local(start, self.zone), local(end, self.zone), who, room, pat)
            for start, end, who, room, pat in taken
        ]
        blocks += [
            (
                local(c.start, self.zone),
                local(c.start, self.zone) + dt.timedelta(minutes=minutes),
                c.practitioner_id,
                c.room_id,
                patient.pk,
            )
            for c in extra
        ]
        for start, end, who, room, pat in blocks:
            start = max(start, dt.datetime.combine(first, dt.time()))
            end = min(end, dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))
            if end <= start:
                continue
            if who in keys:
                busy.append(_busy_item("practitioner", f"u{who}", start, end, slot))
            if room in room_keys:
                busy.append(_busy_item("room", f"r{room}", start, end, slot))
            if pat == patient.pk:
                busy.append(_busy_item("patient", "p", start, end, slot))
        if first <= self.today:
            # Nothing before now today.
            midnight = dt.datetime.combine(self.today, dt.time())
            for p in staff:
                busy.append(_busy_item("practitioner", p.key, midnight, self.now, slot))
        return busy
