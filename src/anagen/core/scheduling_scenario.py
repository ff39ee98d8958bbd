"""The scenario document ``anagen.schedule-scenario/1``, read and checked into a Scenario.

A scenario is a clinic's diary for a horizon of days: practitioners with weekly hours and
absences, rooms, time already taken (busy blocks), and the courses to book. Every problem raises
:class:`InvalidDocument` naming the field (``courses[2].practitioners[1]``); unknown keys are
errors, so a typo never silently drops a constraint. Times are naive local wall-clock times on
the slot grid; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from anagen.core.invalid import InvalidDocument, read_date, read_list, read_object

__all__ = [
    "MAX_DAYS",
    "SCENARIO_SCHEMA",
    "SLOT_MINUTES",
    "WEEKDAYS",
    "Busy",
    "Course",
    "Gap",
    "Practitioner",
    "Room",
    "Scenario",
    "Weekly",
    "Window",
    "read_scenario",
]

SCENARIO_SCHEMA = "anagen.schedule-scenario/1"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLOT_MINUTES = (5, 10, 15, 20, 30, 60)
MAX_DAYS = 3660  # ten years: a longer horizon is a typo, and would make the diary huge
MINUTES_PER_DAY = 24 * 60
BUSY_KINDS = ("practitioner", "room", "patient")

_TOP_KEYS = ("schema", "start", "days", "slot_minutes", "practitioners", "rooms", "busy", "courses")
_COURSE_KEYS = (
    "id", "patient", "minutes", "first", "gaps", "practitioners", "patient_weekly", "windows",
)  # fmt: skip

# One weekday's opening hours: (start, end) minutes from midnight, sorted, not overlapping.
Blocks = tuple[tuple[int, int], ...]
# Opening hours for each weekday, Monday first (index = date.weekday()).
Weekly = tuple[Blocks, ...]


@dataclass(frozen=True)
class Window:
    earliest: dt.date
    latest: dt.date


@dataclass(frozen=True)
class Gap:
    """Calendar days from one session's date to the next one's."""

    min: int
    target: int
    max: int


@dataclass(frozen=True)
class Practitioner:
    id: str
    weekly: Weekly
    absent: frozenset[dt.date]


@dataclass(frozen=True)
class Room:
    id: str


@dataclass(frozen=True)
class Busy:
    """Time already taken: ``kind`` is practitioner, room or patient; ``who`` is its id."""

    kind: str
    who: str
    start: dt.datetime
    minutes: int


@dataclass(frozen=True)
class Course:
    id: str
    patient: str
    minutes: int
    first: Window
    gaps: tuple[Gap, ...]
    practitioners: tuple[str, ...]  # those allowed; every practitioner when the document says none
    patient_weekly: Weekly | None
    windows: tuple[Window, ...] | None  # one per session when given

    @property
    def sessions(self) -> int:
        return len(self.gaps) + 1


@dataclass(frozen=True)
class Scenario:
    start: dt.date
    days: int
    slot_minutes: int
    practitioners: tuple[Practitioner, ...]
    rooms: tuple[Room, ...]
    busy: tuple[Busy, ...]
    courses: tuple[Course, ...]

    @property
    def end(self) -> dt.date:
        """The first day after the horizon."""
        return self.start + dt.timedelta(days=self.days)


def read_scenario(doc: object) -> Scenario:
    """Check a scenario document and return it typed; raise InvalidDocument on the first error."""
    top = read_object(doc, "", _TOP_KEYS, required=("schema",))
    if top["schema"] != SCENARIO_SCHEMA:
        raise InvalidDocument("schema", f"must be {SCENARIO_SCHEMA!r}, not {top['schema']!r}")
    required = ("start", "days", "slot_minutes", "practitioners", "rooms", "courses")
    read_object(top, "", _TOP_KEYS, required=required)
    start = read_date(top["start"], "start")
    days = _whole(top["days"], "days", 1, MAX_DAYS)
    slot = top["slot_minutes"]
    if isinstance(slot, bool) or not isinstance(slot, int) or slot not in SLOT_MINUTES:
        allowed = ", ".join(map(str, SLOT_MINUTES))
        raise InvalidDocument("slot_minutes", f"{slot!r} is not allowed; allowed: {allowed}")
    try:
        start + dt.timedelta(days=days + 1)  # a session may end at midnight after the last day
    except OverflowError:
        raise InvalidDocument("days", "runs the horizon past the year 9999") from None
    practitioners = read_list(
        top["practitioners"], "practitioners", lambda v, f: _practitioner(v, f, slot)
    )
    _unique(practitioners, "practitioners")
    if not practitioners:
        raise InvalidDocument("practitioners", "must list at least one practitioner")
    rooms = read_list(top["rooms"], "rooms", _room)
    _unique(rooms, "rooms")
    if not rooms:
        raise InvalidDocument("rooms", "must list at least one room")
    known = _Known(tuple(p.id for p in practitioners), tuple(r.id for r in rooms), slot)
    busy = read_list(top.get("busy", []), "busy", known.busy)
    courses = read_list(top["courses"], "courses", known.course)
    _unique(courses, "courses")
    return Scenario(start, days, slot, practitioners, rooms, busy, courses)


# --- Records ---------------------------------------------------------------------------------


def _practitioner(value: object, field: str, slot: int) -> Practitioner:
    p = read_object(value, field, ("id", "weekly", "absent"), required=("id", "weekly"))
    absent = read_list(p.get("absent", []), f"{field}.absent", read_date)
    return Practitioner(
        id=_id(p["id"], f"{field}.id"),
        weekly=_weekly(p["weekly"], f"{field}.weekly", slot),
        absent=frozenset(absent),
    )


def _room(value: object, field: str) -> Room:
    r = read_object(value, field, ("id",), required=("id",))
    return Room(_id(r["id"], f"{field}.id"))


@dataclass(frozen=True)
class _Known:
    """What a busy block or a course may refer to."""

    practitioners: tuple[str, ...]
    rooms: tuple[str, ...]
    slot: int

    def busy(self, value: object, field: str) -> Busy:
        b = read_object(
            value, field, (*BUSY_KINDS, "start", "minutes"), required=("start", "minutes")
        )
        kinds = [k for k in BUSY_KINDS if k in b]
        if len(kinds) != 1:
            raise InvalidDocument(field, "must name exactly one of practitioner, room, patient")
        kind = kinds[0]
        who = _id(b[kind], f"{field}.{kind}")
        if kind == "practitioner":
            self._member(who, self.practitioners, f"{field}.practitioner", "practitioner")
        if kind == "room":
            self._member(who, self.rooms, f"{field}.room", "room")
        start = _datetime(b["start"], f"{field}.start")
        _on_grid(start.hour * 60 + start.minute, f"{field}.start", self.slot)
        return Busy(kind, who, start, self._minutes(b["minutes"], f"{field}.minutes"))

    def course(self, value: object, field: str) -> Course:
        c = read_object(value, field, _COURSE_KEYS, required=("id", "patient", "minutes", "first"))
        gaps = read_list(c.get("gaps", []), f"{field}.gaps", _gap)
        allowed = c.get("practitioners")
        return Course(
            id=_id(c["id"], f"{field}.id"),
            patient=_id(c["patient"], f"{field}.patient"),
            minutes=self._minutes(c["minutes"], f"{field}.minutes", most=MINUTES_PER_DAY),
            first=_window(c["first"], f"{field}.first"),
            gaps=gaps,
            practitioners=self.practitioners
            if allowed is None
            else self._allowed(allowed, f"{field}.practitioners"),
            patient_weekly=None
            if c.get("patient_weekly") is None
            else _weekly(c["patient_weekly"], f"{field}.patient_weekly", self.slot),
            windows=None if c.get("windows") is None else _windows(c["windows"], field, len(gaps)),
        )

    def _allowed(self, value: object, field: str) -> tuple[str, ...]:
        ids = read_list(value, field, _id)
        if not ids:
            raise InvalidDocument(field, "must name at least one practitioner (leave it out: any)")
        for i, who in enumerate(ids):
            self._member(who, self.practitioners, f"{field}[{i}]", "practitioner")
        return tuple(dict.fromkeys(ids))

    def _minutes(self, value: object, field: str, most: int | None = None) -> int:
        minutes = _whole(value, field, 1, most)
        _on_grid(minutes, field, self.slot)
        return minutes

    @staticmethod
    def _member(who: str, known: Sequence[str], field: str, kind: str) -> None:
        if who not in known:
            raise InvalidDocument(field, f"unknown {kind} {who!r}; known: {', '.join(known)}")


def _gap(value: object, field: str) -> Gap:
    g = read_object(value, field, ("min", "target", "max"), required=("min", "target", "max"))
    low, target, high = (
        _whole(g[k], f"{field}.{k}", 0, MAX_DAYS) for k in ("min", "target", "max")
    )
    if low > high:
        raise InvalidDocument(field, f"min ({low}) is more than max ({high})")
    if not low <= target <= high:
        raise InvalidDocument(field, f"target ({target}) must lie from min ({low}) to max ({high})")
    return Gap(low, target, high)


def _window(value: object, field: str) -> Window:
    w = read_object(value, field, ("earliest", "latest"), required=("earliest", "latest"))
    earliest = read_date(w["earliest"], f"{field}.earliest")
    latest = read_date(w["latest"], f"{field}.latest")
    if earliest > latest:
        raise InvalidDocument(field, f"earliest ({earliest}) is after latest ({latest})")
    return Window(earliest, latest)


def _windows(value: object, course: str, gaps: int) -> tuple[Window, ...]:
    field = f"{course}.windows"
    windows = read_list(value, field, _window)
    if len(windows) != gaps + 1:
        raise InvalidDocument(
            field, f"must give one window per session: {gaps + 1}, not {len(windows)}"
        )
    return windows


def _weekly(value: object, field: str, slot: int) -> Weekly:
    week = read_object(value, field, WEEKDAYS, required=())
    return tuple(_blocks(week.get(day, []), f"{field}.{day}", slot) for day in WEEKDAYS)


def _blocks(value: object, field: str, slot: int) -> Blocks:
    blocks = read_list(value, field, lambda v, f: _block(v, f, slot))
    for (i, a), (j, b) in itertools.combinations(enumerate(blocks), 2):
        if a[0] < b[1] and b[0] < a[1]:
            raise InvalidDocument(f"{field}[{j}]", f"overlaps {field.rsplit('.', 1)[-1]}[{i}]")
    return tuple(sorted(blocks))


def _block(value: object, field: str, slot: int) -> tuple[int, int]:
    if not isinstance(value, list) or len(value) != 2:
        raise InvalidDocument(
            field, 'must be a [start, end] pair of times, e.g. ["09:00", "13:00"]'
        )
    start, end = (_time(v, f"{field}[{i}]", slot) for i, v in enumerate(value))
    if start >= end:
        raise InvalidDocument(field, "must start before it ends")
    return start, end


# --- Field readers ---------------------------------------------------------------------------


def _unique(records: Sequence[Practitioner | Room | Course], field: str) -> None:
    seen: set[str] = set()
    for i, record in enumerate(records):
        if record.id in seen:
            raise InvalidDocument(f"{field}[{i}].id", f"duplicate id {record.id!r}")
        seen.add(record.id)


def _id(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidDocument(field, "must be a non-empty id written as text")
    return value


def _whole(value: object, field: str, least: int, most: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InvalidDocument(field, f"must be a whole number, {least} or more")
    if most is not None and value > most:
        raise InvalidDocument(field, f"must be a whole number from {least} to {most}")
    return value


def _datetime(value: object, field: str) -> dt.datetime:
    if isinstance(value, str) and len(value) == len("YYYY-MM-DDTHH:MM") and value[10] == "T":
        day = read_date(value[:10], field)
        minutes = _minute_of_day(value[11:])
        if minutes is not None and minutes < MINUTES_PER_DAY:
            return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))
    raise InvalidDocument(field, f"{value!r} is not a local date and time (YYYY-MM-DDTHH:MM)")


def _time(value: object, field: str, slot: int) -> int:
    minutes = _minute_of_day(value) if isinstance(value, str) else None
    if minutes is None:
        raise InvalidDocument(field, f"{value!r} is not a time (HH:MM, 00:00 to 24:00)")
    _on_grid(minutes, field, slot)
    return minutes


def _minute_of_day(text: str) -> int | None:
    """``"09:30"`` -> 570; ``"24:00"`` (the end of the day) -> 1440; None if not a time."""
    if len(text) != len("HH:MM") or text[2] != ":" or not (text[:2] + text[3:]).isdigit():
        return None
    hours, minutes = int(text[:2]), int(text[3:])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def _on_grid(minutes: int, field: str, slot: int) -> None:
    if minutes % slot:
        raise InvalidDocument(field, f"is not on the {slot}-minute slot grid")
