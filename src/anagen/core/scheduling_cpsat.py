"""One CP-SAT sub-problem: re-book a neighbourhood of sessions, everything else held fixed.

The sessions that may move are ``free``; the courses in ``optional`` (all their sessions free)
may also be dropped or added, the others stay booked. Everything outside the neighbourhood is
already in the diary, so it enters the model as the domain of each start variable (the starts
where the practitioner, the room and the patient are still free) rather than as fixed
intervals. Per free session: a start ``t`` in slots and its day ``d`` (``S*d <= t < S*d + S``);
one optional interval per allowed practitioner and per room, exactly one of each present when
the course is, the start then restricted to where that one is free; a NoOverlap per
practitioner, room and patient. Gaps are linear constraints on the day variables;
``|gap - target|`` is a variable bounded below by both differences (the objective pulls it
down onto the absolute value).

The weighted objective keeps the lexicographic order within the sub-problem: each term's weight
is larger than the widest range of everything after it. The current placement is given as a
complete hint, so the answer is never worse than what went in.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from anagen.core.scheduling_diary import Booking, Diary, Plan, Problem, Ranges, chain_bounds

__all__ = ["Neighbourhood", "Outcome", "SubProblem", "rebook"]

_STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "invalid",
}


@dataclass(frozen=True)
class Neighbourhood:
    free: Mapping[int, tuple[int, ...]]  # course -> indices of its sessions that may move
    optional: frozenset[int] = frozenset()  # courses that may be dropped or added
    # course -> (first day, last day) per session: where its free sessions may go. This only
    # narrows the search, and must include the current days.
    days: Mapping[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(len(ks) for ks in self.free.values())


@dataclass(frozen=True)
class Outcome:
    placements: dict[int, Booking]  # for the neighbourhood's courses the model could place
    status: str
    seconds: float


class SubProblem:
    """A neighbourhood as a CP-SAT model, built against the diary as it is now. Solving it
    touches neither the diary nor the plan, so it may run in another thread."""

    def __init__(self, problem: Problem, diary: Diary, plan: Plan, hood: Neighbourhood) -> None:
        current = {c: plan[c] for c in hood.free}
        moving = [(c, slots[k]) for c, slots in current.items() if slots for k in hood.free[c]]
        for course, slot in moving:
            diary.unbook(course, slot)
        try:
            self._model = _Model(problem, diary, current, hood)
        finally:
            for course, slot in moving:
                diary.book(course, slot)

    def solve(self, *, time_limit: float, seed: int = 0, workers: int = 1) -> Outcome:
        """The best re-booking found in ``time_limit`` seconds; placements are None for the
        courses it leaves unscheduled, and empty when it found nothing."""
        started = time.perf_counter()
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(time_limit, 0.01)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        # Sub-problems are small and come with a complete hint: probing, symmetry detection
        # and the LP relaxation cost more time than they save (measured on bench/scheduling.py).
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        solver.parameters.linearization_level = 0
        status = solver.solve(self._model.model)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        placements = self._model.read(solver) if found else {}
        return Outcome(placements, _STATUS.get(status, "unknown"), time.perf_counter() - started)


def rebook(
    problem: Problem,
    diary: Diary,
    plan: Plan,
    hood: Neighbourhood,
    *,
    time_limit: float,
    seed: int = 0,
    workers: int = 1,
) -> Outcome:
    """Build and solve one sub-problem (the diary is left as it was)."""
    built = SubProblem(problem, diary, plan, hood)
    return built.solve(time_limit=time_limit, seed=seed, workers=workers)


@dataclass
class _Session:
    name: str
    t: cp_model.IntVar
    day: cp_model.IntVar
    practitioners: dict[int, cp_model.IntVar] = field(default_factory=dict)  # -> literal
    rooms: dict[int, cp_model.IntVar] = field(default_factory=dict)


@dataclass
class _Course:
    index: int
    present: cp_model.IntVar | None  # None: stays booked
    current: Booking
    days: list[cp_model.IntVar]  # every session's day (constants for the fixed ones)
    sessions: dict[int, _Session] = field(default_factory=dict)  # the free ones


class _Model:
    def __init__(
        self, problem: Problem, diary: Diary, plan: Mapping[int, Booking], hood: Neighbourhood
    ) -> None:
        self.problem, self.diary, self.plan, self.hood = problem, diary, plan, hood
        self.model = cp_model.CpModel()
        self.courses: list[_Course] = []
        self.by_practitioner: dict[int, list[cp_model.IntervalVar]] = {}
        self.by_room: dict[int, list[cp_model.IntervalVar]] = {}
        self.by_patient: dict[int, list[cp_model.IntervalVar]] = {}
        # Objective terms, each with its upper bound.
        self.presence: list[cp_model.IntVar] = []
        self.deviations: list[tuple[cp_model.IntVar, int]] = []
        self.used: list[cp_model.IntVar] = []
        self.finish: list[tuple[cp_model.IntVar, int]] = []
        for course in sorted(hood.free):
            self._course(course)
        for groups in (self.by_practitioner, self.by_room, self.by_patient):
            for intervals in groups.values():
                if len(intervals) > 1:
                    self.model.add_no_overlap(intervals)
        self._objective()

    # --- Building ----------------------------------------------------------------------------

    def _course(self, index: int) -> None:
        current = self.plan[index]
        free = self.hood.free[index]
        bounds = self._bounds(index, free)
        if bounds is None:
            return  # an unscheduled course with no possible days
        domains = {k: self._domains(index, k, bounds[k]) for k in free}
        if any(not rooms for _, rooms in domains.values()):
            return  # some session has no free start left: the course cannot be added
        present = None
        if index in self.hood.optional or current is None:
            present = self.model.new_bool_var(f"present{index}")
            self.model.add_hint(present, current is not None)
            self.presence.append(present)
        days = [self.model.new_constant(low) for low, _ in bounds]  # fixed; free ones replaced
        entry = _Course(index, present, current, days)
        for k in free:
            entry.sessions[k] = self._session(entry, k, bounds[k], *domains[k])
            entry.days[k] = entry.sessions[k].day
        self.courses.append(entry)
        self._gaps(entry)
        self._used(entry)
        self._finish(entry, bounds[-1])

    def _bounds(self, index: int, free: Sequence[int]) -> list[tuple[int, int]] | None:
        """Each session's possible days: fixed sessions on their day, the limits of the
        neighbourhood, propagated along the gaps."""
        static, slots = self.problem.bounds[index], self.plan[index]
        if static is None:
            return None
        lows, highs = [b[0] for b in static], [b[1] for b in static]
        for k, (low, high) in enumerate(self.hood.days.get(index, ())):
            lows[k], highs[k] = max(lows[k], low), min(highs[k], high)
        for k in range(len(static)):
            if k not in free and slots is not None:
                lows[k] = highs[k] = slots[k][0] // self.problem.per_day
        return chain_bounds(lows, highs, self.problem.scenario.courses[index])

    def _domains(
        self, index: int, k: int, days: tuple[int, int]
    ) -> tuple[dict[int, Ranges], dict[int, Ranges]]:
        """Free starts of session ``k`` per practitioner and per room."""
        problem, diary, slots = self.problem, self.diary, self.plan[index]
        length = problem.lengths[index]
        low, high = 0, problem.horizon
        free = self.hood.free[index]
        if slots is not None and k > 0 and k - 1 not in free:
            low = slots[k - 1][0] + length  # sessions keep their order on a shared day
        if slots is not None and k + 1 < len(slots) and k + 1 not in free:
            high = slots[k + 1][0] - length
        by_practitioner: dict[int, Ranges] = {}
        for p in problem.allowed[index]:
            found = _clip(diary.starts_between(index, p, *days), low, high)
            if found:
                by_practitioner[p] = found
        union = _union(list(by_practitioner.values()))
        by_room: dict[int, Ranges] = {}
        for room in range(len(diary.rooms)):
            found = diary.room_starts(room, union, length)
            if found:
                by_room[room] = found
        return by_practitioner, by_room

    def _session(
        self,
        entry: _Course,
        k: int,
        days: tuple[int, int],
        by_practitioner: dict[int, Ranges],
        by_room: dict[int, Ranges],
    ) -> _Session:
        m, per_day, name = self.model, self.problem.per_day, f"c{entry.index}s{k}"
        starts = _union(list(by_room.values()))
        t = m.new_int_var_from_domain(cp_model.Domain.from_intervals(starts), f"t{name}")
        day = m.new_int_var(days[0], days[1], f"d{name}")
        m.add(t >= per_day * day)
        m.add(t <= per_day * day + per_day - 1)
        session = _Session(name, t, day)
        slot = None if entry.current is None else entry.current[k]
        hinted = starts[0][0] if slot is None else slot[0]
        m.add_hint(t, hinted)
        m.add_hint(day, hinted // per_day)
        length = self.problem.lengths[entry.index]
        for who, domain in by_practitioner.items():
            session.practitioners[who] = self._option(
                entry, session, length, domain, starts, self.by_practitioner.setdefault(who, [])
            )
            m.add_hint(session.practitioners[who], slot is not None and slot[1] == who)
        for who, domain in by_room.items():
            session.rooms[who] = self._option(
                entry, session, length, domain, starts, self.by_room.setdefault(who, [])
            )
            m.add_hint(session.rooms[who], slot is not None and slot[2] == who)
        once = 1 if entry.present is None else entry.present
        m.add(sum(session.practitioners.values()) == once)
        m.add(sum(session.rooms.values()) == once)
        patient = self.by_patient.setdefault(self.problem.patient_of[entry.index], [])
        if entry.present is None:
            patient.append(m.new_fixed_size_interval_var(t, length, f"i{name}"))
        else:
            patient.append(m.new_optional_fixed_size_interval_var(t, length, entry.present, name))
        return session

    def _option(
        self,
        entry: _Course,
        session: _Session,
        length: int,
        domain: Ranges,
        starts: Ranges,
        intervals: list[cp_model.IntervalVar],
    ) -> cp_model.IntVar:
        """A literal for one practitioner or room: when true, the session starts where they
        are free and takes their time."""
        m = self.model
        literal = m.new_bool_var(f"x{session.name}_{len(intervals)}")
        if domain != starts:
            free = cp_model.Domain.from_intervals(domain)
            m.add_linear_expression_in_domain(session.t, free).only_enforce_if(literal)
        intervals.append(m.new_optional_fixed_size_interval_var(session.t, length, literal, ""))
        return literal

    def _gaps(self, entry: _Course) -> None:
        m, course = self.model, self.problem.scenario.courses[entry.index]
        for k, gap in enumerate(course.gaps):
            if k not in entry.sessions and k + 1 not in entry.sessions:
                continue
            diff = entry.days[k + 1] - entry.days[k]
            spread = max(gap.target - gap.min, gap.max - gap.target)
            deviation = m.new_int_var(0, spread, f"dev{entry.index}_{k}")
            constraints = [
                m.add_linear_constraint(diff, gap.min, gap.max),
                m.add(deviation >= diff - gap.target),
                m.add(deviation >= gap.target - diff),
            ]
            if gap.min == 0 and k in entry.sessions and k + 1 in entry.sessions:
                length = self.problem.lengths[entry.index]
                later = entry.sessions[k + 1].t >= entry.sessions[k].t + length
                constraints.append(m.add(later))
            if entry.present is not None:
                for constraint in constraints:
                    constraint.only_enforce_if(entry.present)
            m.add_hint(deviation, self._deviation_now(entry, k))
            self.deviations.append((deviation, spread))

    def _deviation_now(self, entry: _Course, k: int) -> int:
        if entry.current is None:
            return 0
        per_day, target = self.problem.per_day, self.problem.scenario.courses[entry.index]
        days = entry.current[k + 1][0] // per_day - entry.current[k][0] // per_day
        return abs(days - target.gaps[k].target)

    def _used(self, entry: _Course) -> None:
        slots = entry.current or ()
        fixed = {slot[1] for k, slot in enumerate(slots) if k not in entry.sessions}
        for p in self.problem.allowed[entry.index]:
            literals = [s.practitioners[p] for s in entry.sessions.values() if p in s.practitioners]
            if p in fixed or not literals:
                continue  # counted whatever the answer, or never
            used = self.model.new_bool_var(f"used{entry.index}_{p}")
            for literal in literals:
                self.model.add_implication(literal, used)
            self.model.add_hint(used, any(slot[1] == p for slot in slots))
            self.used.append(used)

    def _finish(self, entry: _Course, days: tuple[int, int]) -> None:
        last = len(entry.days) - 1
        if last not in entry.sessions:
            return
        low, high = days
        late = self.model.new_int_var(0, high - low, f"late{entry.index}")
        constraint = self.model.add(late >= entry.days[last] - low)
        if entry.present is not None:
            constraint.only_enforce_if(entry.present)
        now = 0 if entry.current is None else entry.current[last][0] // self.problem.per_day
        self.model.add_hint(late, max(now - low, 0))
        self.finish.append((late, high - low))

    def _objective(self) -> None:
        finish = 1
        used = finish * (sum(high for _, high in self.finish) + 1)
        deviation = used * (len(self.used) + 1)
        presence = deviation * (sum(high for _, high in self.deviations) + 1)
        terms = [(v, -presence) for v in self.presence]
        terms += [(v, deviation) for v, _ in self.deviations]
        terms += [(v, used) for v in self.used]
        terms += [(v, finish) for v, _ in self.finish]
        self.model.minimize(
            cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [w for _, w in terms])
        )

    # --- Reading -----------------------------------------------------------------------------

    def read(self, solver: cp_model.CpSolver) -> dict[int, Booking]:
        placements: dict[int, Booking] = {}
        for entry in self.courses:
            if entry.present is not None and not solver.boolean_value(entry.present):
                placements[entry.index] = None
                continue
            slots = list(entry.current or [(0, 0, 0)] * len(entry.days))
            for k, session in entry.sessions.items():
                p = next(w for w, x in session.practitioners.items() if solver.boolean_value(x))
                r = next(w for w, x in session.rooms.items() if solver.boolean_value(x))
                slots[k] = (solver.value(session.t), p, r)
            placements[entry.index] = tuple(slots)
        return placements


def _clip(ranges: Ranges, low: int, high: int) -> Ranges:
    return [(max(a, low), min(b, high)) for a, b in ranges if b >= low and a <= high]


def _union(lists: Sequence[Ranges]) -> Ranges:
    merged: Ranges = []
    for a, b in sorted(r for ranges in lists for r in ranges):
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged
