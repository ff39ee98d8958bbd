"""Course scheduling: book every session of as many courses as possible (contract C5).

A scenario (``anagen.schedule-scenario/1``) gives practitioners' weekly hours and absences,
rooms, busy time and courses; the result (``anagen.schedule-result/1``) gives each booked
session a start, a practitioner and a room, and says why each other course was left out.

Hard rules: a session lies inside one block of its practitioner's weekly hours (not on an
absent day), inside the patient's weekly windows when given, with an allowed practitioner, in a
room; no practitioner, room or patient is double-booked (busy time included); session 1 falls in
the ``first`` window and every session in its own window when ``windows`` are given; session k+1
falls ``min`` to ``max`` calendar days after session k; all inside the horizon. A course is
booked whole or not at all. Objective, in order: most courses booked; least total
``|gap - target|`` in days; fewest distinct practitioners per course; earliest finish (sum of
the last sessions' days).

Solvers: ``greedy`` is the first-fit baseline; ``cp-sat`` starts from greedy's plan and improves
it by large-neighbourhood search with OR-Tools CP-SAT within the time limit, so it is never
worse than greedy.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass
from typing import Any

from anagen.core.scheduling_diary import Diary, Plan, Problem, course_score
from anagen.core.scheduling_greedy import greedy
from anagen.core.scheduling_scenario import SCENARIO_SCHEMA, Scenario, read_scenario

__all__ = [
    "RESULT_SCHEMA",
    "SCENARIO_SCHEMA",
    "SOLVERS",
    "Appointment",
    "Result",
    "Scenario",
    "Stats",
    "Unscheduled",
    "read_scenario",
    "schedule_document",
    "solve",
]

RESULT_SCHEMA = "anagen.schedule-result/1"
SOLVERS = ("cp-sat", "greedy")
_WHOLE_MODEL_SESSIONS = 120  # up to this many sessions, CP-SAT first tries one exact model
_MARGIN = 0.05  # seconds kept back from the limit for writing the result


@dataclass(frozen=True)
class Appointment:
    """One booked session."""

    course: str
    number: int
    start: dt.datetime
    minutes: int
    practitioner: str
    room: str

    def as_json(self) -> dict[str, Any]:
        end = self.start + dt.timedelta(minutes=self.minutes)
        return {
            "course": self.course,
            "number": self.number,
            "start": self.start.strftime("%Y-%m-%dT%H:%M"),
            "end": end.strftime("%Y-%m-%dT%H:%M"),
            "practitioner": self.practitioner,
            "room": self.room,
        }


@dataclass(frozen=True)
class Unscheduled:
    course: str
    reason: str


@dataclass(frozen=True)
class Stats:
    solver: str
    status: str  # "optimal" (proven), "feasible" (improved within the limit), "greedy"
    courses: int
    courses_scheduled: int
    sessions: int
    gap_deviation_days: int
    mean_gap_deviation_days: float  # per booked course
    mean_distinct_practitioners: float  # per booked course
    seconds: float
    steps: int  # CP-SAT sub-problems solved

    def as_json(self) -> dict[str, Any]:
        return {
            "courses_scheduled": self.courses_scheduled,
            "gap_deviation_days": self.gap_deviation_days,
            "seconds": self.seconds,
            "solver": self.solver,
            "status": self.status,
            "courses": self.courses,
            "sessions": self.sessions,
            "mean_gap_deviation_days": self.mean_gap_deviation_days,
            "mean_distinct_practitioners": self.mean_distinct_practitioners,
            "steps": self.steps,
        }


@dataclass(frozen=True)
class Result:
    sessions: tuple[Appointment, ...]  # by course (input order), then number
    unscheduled: tuple[Unscheduled, ...]  # input order
    stats: Stats

    def as_json(self) -> dict[str, Any]:
        return {
            "schema": RESULT_SCHEMA,
            "sessions": [s.as_json() for s in self.sessions],
            "unscheduled": [{"course": u.course, "reason": u.reason} for u in self.unscheduled],
            "stats": self.stats.as_json(),
        }


def solve(
    scenario: Scenario, solver: str = "cp-sat", time_limit: float = 30.0, *, seed: int = 0
) -> Result:
    """Book the scenario's courses with ``solver`` (one of SOLVERS) within ``time_limit``
    wall-clock seconds (CP-SAT returns the best plan found by then, at least greedy's)."""
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; allowed: {', '.join(SOLVERS)}")
    if not (math.isfinite(time_limit) and time_limit > 0):
        raise ValueError("time_limit must be a number of seconds above 0")
    if solver == "cp-sat":
        # OR-Tools takes over a second to import (it loads pandas), so it is imported only
        # when needed, and before the clock starts: the limit is for solving.
        from anagen.core.scheduling_lns import Search
    started = time.perf_counter()
    problem = Problem(scenario)
    plan, diary = greedy(problem)
    reasons = _Reasons(problem)
    status, steps = "greedy", 0
    if solver == "cp-sat":
        bookable = [c for c, slots in enumerate(plan) if slots or reasons.fits_alone(c)]
        search = Search(problem, diary, plan, bookable, seed)
        found = search.run(started + time_limit - _MARGIN, whole_first=_WHOLE_MODEL_SESSIONS)
        plan, steps = search.plan, found.steps
        status = "optimal" if found.optimal else "feasible"
    return _result(problem, plan, reasons, (solver, status, steps, started))


def schedule_document(
    doc: object, solver: str = "cp-sat", time_limit: float = 30.0
) -> dict[str, Any]:
    """Read a scenario document, solve it, and return the result document (InvalidDocument if
    the scenario is bad)."""
    return solve(read_scenario(doc), solver, time_limit).as_json()


def _result(
    problem: Problem, plan: Plan, reasons: _Reasons, run: tuple[str, str, int, float]
) -> Result:
    s = problem.scenario
    origin = dt.datetime.combine(s.start, dt.time())
    sessions = tuple(
        Appointment(
            course=s.courses[c].id,
            number=k + 1,
            start=origin + dt.timedelta(minutes=t * s.slot_minutes),
            minutes=s.courses[c].minutes,
            practitioner=s.practitioners[p].id,
            room=s.rooms[r].id,
        )
        for c, slots in enumerate(plan)
        for k, (t, p, r) in enumerate(slots or ())
    )
    unscheduled = tuple(
        Unscheduled(s.courses[c].id, reasons.why(c)) for c, slots in enumerate(plan) if not slots
    )
    scores = [course_score(problem, c, slots) for c, slots in enumerate(plan) if slots]
    booked, deviation = len(scores), sum(x[0] for x in scores)
    solver, status, steps, started = run
    stats = Stats(
        solver=solver,
        status=status,
        courses=len(plan),
        courses_scheduled=booked,
        sessions=len(sessions),
        gap_deviation_days=deviation,
        mean_gap_deviation_days=round(deviation / booked, 3) if booked else 0.0,
        mean_distinct_practitioners=round(sum(x[1] for x in scores) / booked, 3) if booked else 0.0,
        seconds=round(time.perf_counter() - started, 3),
        steps=steps,
    )
    return Result(sessions, unscheduled, stats)


# --- Why a course was left out ---------------------------------------------------------------


class _Reasons:
    """Why courses are unscheduled, in plain sentences, from the most basic cause found."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.empty = Diary(problem)  # busy time only
        self._alone: dict[int, bool] = {}

    def fits_alone(self, course: int) -> bool:
        """Whether the course may fit with nothing else booked (busy time counted)."""
        if course not in self._alone:
            self._alone[course] = _fits_alone(self.problem, self.empty, course)
        return self._alone[course]

    def why(self, course: int) -> str:
        problem, c = self.problem, self.problem.scenario.courses[course]
        if problem.bounds[course] is None:
            first = (
                problem.day(c.first.latest) < 0
                or problem.day(c.first.earliest) >= problem.scenario.days
            )
            if first:
                return "Its first window lies outside the planning horizon."
            return "Its windows and gaps cannot all fit inside the planning horizon."
        if self.fits_alone(course):
            return (
                "Every placement inside its windows and gaps clashes with sessions booked for "
                "other courses."
            )
        if not _fits_alone(problem, None, course):
            whose = " and the patient's windows" if c.patient_weekly is not None else ""
            return (
                "No placement inside the first window and gaps with the allowed practitioners' "
                f"hours{whose}."
            )
        return "No placement inside its windows and gaps once busy time is blocked out."


def _fits_alone(problem: Problem, diary: Diary | None, course: int) -> bool:
    """Whether some day for each session, linked by the gaps, has a start inside the hours
    (and, given a diary, free in it). Sessions of one course on the same day are not checked
    against each other, so this may say yes where nothing fits; never the reverse."""
    bounds = problem.bounds[course]
    if bounds is None:
        return False
    memo: dict[int, bool] = {}

    def open_on(day: int) -> bool:
        if day not in memo:
            memo[day] = _open(problem, diary, course, day)
        return memo[day]

    reach = {day for day in range(bounds[0][0], bounds[0][1] + 1) if open_on(day)}
    for (low, high), gap in zip(bounds[1:], problem.scenario.courses[course].gaps, strict=True):
        reach = {
            day
            for day in {d + g for d in reach for g in range(gap.min, gap.max + 1)}
            if low <= day <= high and open_on(day)
        }
    return bool(reach)


def _open(problem: Problem, diary: Diary | None, course: int, day: int) -> bool:
    """Whether some allowed practitioner has a start on ``day`` (free, with a free room,
    given a diary)."""
    for p in problem.allowed[course]:
        if diary is None:
            if problem.day_starts(course, p, day):
                return True
            continue
        starts = diary.starts(course, p, day)
        length = problem.lengths[course]
        if any(diary.room_starts(r, starts, length) for r in range(len(diary.rooms))):
            return True
    return False
