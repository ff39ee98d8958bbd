"""The clinic diary on the slot grid: what the solvers share.

Time is counted in slots from the horizon's first midnight: slot ``t`` is day ``t // S``, slot
``t % S`` of that day, where S is the number of slots in a day. A session of ``L`` slots starting
at ``t`` takes slots ``t`` to ``t + L - 1``. A :class:`Problem` is the scenario compiled onto that
grid (allowed practitioners as indices, each session's possible days, in-day start ranges); a
:class:`Diary` records which slots each practitioner, room and patient has taken, busy blocks
included. Start ranges are ``(first, last)`` pairs, both inclusive, sorted.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from anagen.core.scheduling_scenario import MINUTES_PER_DAY, Course, Scenario

__all__ = [
    "Booking",
    "Bounds",
    "Diary",
    "Plan",
    "Problem",
    "Ranges",
    "Score",
    "Slot",
    "course_score",
    "first_free",
    "free_starts",
    "gap_days",
    "subtract",
]

Ranges = list[tuple[int, int]]
Slot = tuple[int, int, int]  # (start slot, practitioner index, room index) of one session
Booking = tuple[Slot, ...] | None  # a course's sessions' slots, or None when unscheduled
Plan = list[Booking]  # per course
Bounds = list[tuple[int, int]]  # per session: (first day, last day) it may fall on
# Per course, what the objective counts after "scheduled": total |gap - target| days, distinct
# practitioners, the last session's day.
Score = tuple[int, int, int]


@dataclass
class Problem:
    """A scenario on the slot grid, with what every solver asks of it cached."""

    scenario: Scenario
    per_day: int = field(init=False)
    horizon: int = field(init=False)
    lengths: list[int] = field(init=False)
    allowed: list[tuple[int, ...]] = field(init=False)
    patient_of: list[int] = field(init=False)
    patients: dict[str, int] = field(init=False)
    bounds: list[Bounds | None] = field(init=False)
    absent: list[frozenset[int]] = field(init=False)
    _in_day: dict[tuple[int, int, int], Ranges] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        s = self.scenario
        self.per_day = MINUTES_PER_DAY // s.slot_minutes
        self.horizon = s.days * self.per_day
        index = {p.id: i for i, p in enumerate(s.practitioners)}
        self.lengths = [c.minutes // s.slot_minutes for c in s.courses]
        self.allowed = [tuple(index[p] for p in c.practitioners) for c in s.courses]
        names = [c.patient for c in s.courses] + [b.who for b in s.busy if b.kind == "patient"]
        self.patients = {name: i for i, name in enumerate(dict.fromkeys(names))}
        self.patient_of = [self.patients[c.patient] for c in s.courses]
        self.bounds = [self._bounds(c) for c in s.courses]
        self.absent = [frozenset(self.day(d) for d in p.absent) for p in s.practitioners]

    @property
    def courses(self) -> int:
        return len(self.scenario.courses)

    def day(self, date: dt.date) -> int:
        return (date - self.scenario.start).days

    def weekday(self, day: int) -> int:
        return (self.scenario.start.weekday() + day) % 7

    def day_starts(self, course: int, practitioner: int, day: int) -> Ranges:
        """Starts on ``day`` inside the practitioner's hours and the patient's windows."""
        if day in self.absent[practitioner] or not 0 <= day < self.scenario.days:
            return []
        key = (course, practitioner, self.weekday(day))
        if key not in self._in_day:
            self._in_day[key] = self._in_day_starts(*key)
        shift = day * self.per_day
        return [(a + shift, b + shift) for a, b in self._in_day[key]]

    def _in_day_starts(self, course: int, practitioner: int, weekday: int) -> Ranges:
        c = self.scenario.courses[course]
        hours = list(self.scenario.practitioners[practitioner].weekly[weekday])
        if c.patient_weekly is not None:
            hours = _overlap(hours, c.patient_weekly[weekday])
        slot, length = self.scenario.slot_minutes, self.lengths[course]
        return [(a // slot, b // slot - length) for a, b in hours if (b - a) // slot >= length]

    def _bounds(self, course: Course) -> Bounds | None:
        """Each session's first and last possible day from the windows, the horizon and the
        gaps (propagated both ways along the course); None when some session has no day."""
        last = self.scenario.days - 1
        windows = course.windows or (None,) * course.sessions
        lows, highs = [], []
        for k, window in enumerate(windows):
            low, high = 0, last
            if k == 0:
                low, high = (
                    max(low, self.day(course.first.earliest)),
                    min(high, self.day(course.first.latest)),
                )
            if window is not None:
                low, high = max(low, self.day(window.earliest)), min(high, self.day(window.latest))
            lows.append(low)
            highs.append(high)
        return chain_bounds(lows, highs, course)


def chain_bounds(lows: list[int], highs: list[int], course: Course) -> Bounds | None:
    """Tighten per-session day bounds along the gaps, forwards then backwards (exact for a
    chain); None when some session is left without a day."""
    lows, highs = list(lows), list(highs)
    for k, gap in enumerate(course.gaps):
        lows[k + 1] = max(lows[k + 1], lows[k] + gap.min)
        highs[k + 1] = min(highs[k + 1], highs[k] + gap.max)
    for k in range(len(course.gaps) - 1, -1, -1):
        gap = course.gaps[k]
        highs[k] = min(highs[k], highs[k + 1] - gap.min)
        lows[k] = max(lows[k], lows[k + 1] - gap.max)
    if any(low > high for low, high in zip(lows, highs, strict=True)):
        return None
    return list(zip(lows, highs, strict=True))


def _overlap(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The intersection of two sorted lists of half-open minute blocks."""
    return sorted(
        (max(x[0], y[0]), min(x[1], y[1]))
        for x in a
        for y in b
        if max(x[0], y[0]) < min(x[1], y[1])
    )


class Diary:
    """Which slots each practitioner, room and patient has taken (busy blocks and sessions)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        size = problem.horizon
        self.practitioners = [bytearray(size) for _ in problem.scenario.practitioners]
        self.rooms = [bytearray(size) for _ in problem.scenario.rooms]
        self.patients: list[list[tuple[int, int]]] = [[] for _ in problem.patients]
        self._block_out_busy()

    def _block_out_busy(self) -> None:
        s, p = self.problem.scenario, self.problem
        practitioners = {x.id: i for i, x in enumerate(s.practitioners)}
        rooms = {x.id: i for i, x in enumerate(s.rooms)}
        origin = dt.datetime.combine(s.start, dt.time())
        for busy in s.busy:
            minute = (busy.start - origin) // dt.timedelta(minutes=1)
            first = max(minute // s.slot_minutes, 0)
            end = min((minute + busy.minutes) // s.slot_minutes, p.horizon)
            if first >= end:
                continue  # outside the horizon
            if busy.kind == "practitioner":
                self.practitioners[practitioners[busy.who]][first:end] = b"\x01" * (end - first)
            elif busy.kind == "room":
                self.rooms[rooms[busy.who]][first:end] = b"\x01" * (end - first)
            else:
                self.patients[p.patients[busy.who]].append((first, end))

    def book(self, course: int, slot: Slot) -> None:
        self._mark(course, slot, 1)
        t = slot[0]
        self.patients[self.problem.patient_of[course]].append((t, t + self.problem.lengths[course]))

    def unbook(self, course: int, slot: Slot) -> None:
        self._mark(course, slot, 0)
        t = slot[0]
        self.patients[self.problem.patient_of[course]].remove((t, t + self.problem.lengths[course]))

    def book_all(self, course: int, slots: Sequence[Slot]) -> None:
        for slot in slots:
            self.book(course, slot)

    def unbook_all(self, course: int, slots: Sequence[Slot]) -> None:
        for slot in slots:
            self.unbook(course, slot)

    def _mark(self, course: int, slot: Slot, value: int) -> None:
        t, practitioner, room = slot
        length = self.problem.lengths[course]
        self.practitioners[practitioner][t : t + length] = bytes([value]) * length
        self.rooms[room][t : t + length] = bytes([value]) * length

    def fits(self, course: int, slots: Sequence[Slot]) -> bool:
        """Whether every session is free of the practitioner's, room's and patient's bookings."""
        length = self.problem.lengths[course]
        patient = self.patients[self.problem.patient_of[course]]
        return all(
            self.practitioners[p].find(1, t, t + length) == -1
            and self.rooms[r].find(1, t, t + length) == -1
            and not any(u < t + length and t < v for u, v in patient)
            for t, p, r in slots
        )

    def starts(self, course: int, practitioner: int, day: int) -> Ranges:
        """Starts on ``day`` where the practitioner and the patient are free for the session."""
        length = self.problem.lengths[course]
        taken = self.practitioners[practitioner]
        found: Ranges = []
        for a, b in self.problem.day_starts(course, practitioner, day):
            found += free_starts(taken, a, b, length)
        if not found:
            return found
        patient = self.patients[self.problem.patient_of[course]]
        return subtract(found, [(u - length + 1, v - 1) for u, v in patient])

    def starts_between(self, course: int, practitioner: int, first: int, last: int) -> Ranges:
        """:meth:`starts` for every day from ``first`` to ``last``."""
        length = self.problem.lengths[course]
        taken = self.practitioners[practitioner]
        found: Ranges = []
        for day in range(first, last + 1):
            for a, b in self.problem.day_starts(course, practitioner, day):
                found += free_starts(taken, a, b, length)
        patient = self.patients[self.problem.patient_of[course]]
        if not found or not patient:
            return found
        return subtract(found, [(u - length + 1, v - 1) for u, v in patient])

    def room_starts(self, room: int, ranges: Ranges, length: int) -> Ranges:
        """The starts among ``ranges`` where ``room`` is free for ``length`` slots."""
        taken = self.rooms[room]
        found: Ranges = []
        for a, b in ranges:
            found += free_starts(taken, a, b, length)
        return found


def free_starts(taken: bytearray, first: int, last: int, length: int) -> Ranges:
    """Starts from ``first`` to ``last`` whose ``length`` slots are all free in ``taken``."""
    found: Ranges = []
    pos, end = first, last + length
    while pos < end:
        busy = taken.find(1, pos, end)
        stop = end if busy == -1 else busy
        if stop - pos >= length:
            found.append((pos, stop - length))
        if busy == -1:
            break
        pos = taken.find(0, busy, end)
        if pos == -1:
            break
    return found


def first_free(taken: bytearray, first: int, last: int, length: int) -> int | None:
    """The earliest start from ``first`` to ``last`` whose ``length`` slots are free."""
    pos = first
    while pos <= last:
        busy = taken.find(1, pos, pos + length)
        if busy == -1:
            return pos
        pos = taken.find(0, busy, last + length)
        if pos == -1:
            return None
    return None


def subtract(ranges: Ranges, holes: Sequence[tuple[int, int]]) -> Ranges:
    """``ranges`` (sorted) less every ``(first, last)`` hole; neither list is changed."""
    out = ranges
    for u, v in holes:
        if not out:
            break
        if v < out[0][0] or u > out[-1][1]:
            continue
        cut: Ranges = []
        for a, b in out:
            if v < a or u > b:
                cut.append((a, b))
                continue
            if a < u:
                cut.append((a, u - 1))
            if v < b:
                cut.append((v + 1, b))
        out = cut
    return out


def gap_days(problem: Problem, slots: Sequence[Slot]) -> Iterator[int]:
    """Calendar days from each session to the next."""
    per_day = problem.per_day
    for before, after in itertools.pairwise(slots):
        yield after[0] // per_day - before[0] // per_day


def course_score(problem: Problem, course: int, slots: Sequence[Slot]) -> Score:
    """A booked course's share of the objective after "scheduled" (see :data:`Score`)."""
    gaps = problem.scenario.courses[course].gaps
    deviation = sum(
        abs(g - gap.target) for g, gap in zip(gap_days(problem, slots), gaps, strict=True)
    )
    return deviation, len({p for _, p, _ in slots}), slots[-1][0] // problem.per_day
