"""Large-neighbourhood search: improve a plan by re-booking small parts of it with CP-SAT.

Starting from a complete plan (greedy's), each step picks a neighbourhood
(:mod:`scheduling_neighbourhoods`), re-solves only its sessions against everything else held
fixed (:class:`SubProblem`), and keeps the answer when the objective is no worse. The
objective is separable by course, so comparing the neighbourhood's courses before and after
compares the whole plan.

Two sub-problems run at once, on different courses, in two threads (CP-SAT releases the
interpreter while it solves); the model of the next one is built meanwhile. An answer found
while the other sub-problem changed the plan is checked against the diary before it is kept.
Each kind of neighbourhood is drawn in proportion to how often it has lately improved the
plan, and the neighbourhood size adapts: it grows while sub-problems are solved to optimality
quickly and shrinks when they are not. Randomness comes from a seeded generator; which answers
arrive first depends on timing, so two runs may differ.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from anagen.core.scheduling_cpsat import Neighbourhood, Outcome, SubProblem
from anagen.core.scheduling_diary import Diary, Plan, Problem
from anagen.core.scheduling_neighbourhoods import KINDS, Board, Key, Picker

__all__ = ["Search", "SearchStats"]

_PARALLEL = 2  # sub-problems solved at once
_SIZE = (12, 60)  # the range of free sessions in one neighbourhood
_START_SIZE = 30
_STEP_SECONDS = 0.3  # wall-clock limit of one sub-problem
_QUICK = 0.15  # a sub-problem solved to optimality faster than this grows the next one
_MEMORY = 0.9  # how slowly a kind's success rate forgets
_IDLE = 50  # draws in a row without a neighbourhood before giving up
_LEAST_SECONDS = 0.05  # no sub-problem is started with less time than this left
# What an improvement is worth to the kind of neighbourhood that found it, by the first term of
# the objective it improved: a course booked or a day of gap deviation saved counts most.
_WORTH = (1.0, 1.0, 0.2, 0.05)


@dataclass(frozen=True)
class SearchStats:
    steps: int
    improvements: int
    optimal: bool  # the whole problem was solved to optimality in one model


@dataclass(frozen=True)
class _Job:
    kind: str
    hood: Neighbourhood
    version: int  # the board's version when the model was built


class Search:
    """The board under improvement, and how the search is going."""

    def __init__(
        self, problem: Problem, diary: Diary, plan: Plan, bookable: Sequence[int], seed: int
    ) -> None:
        self.board = Board(problem, diary, plan, frozenset(bookable))
        self.rng = random.Random(seed)  # noqa: S311 (search choices, not secrets)
        self.picker = Picker(self.board, self.rng)
        self.size = _START_SIZE
        self.rates = dict.fromkeys(KINDS, 0.5)
        self.steps = self.improvements = 0

    @property
    def plan(self) -> Plan:
        return self.board.plan

    def run(self, deadline: float, *, whole_first: int) -> SearchStats:
        """Improve until ``deadline`` (perf_counter seconds) or nothing is left to gain. When
        the problem has at most ``whole_first`` sessions, first give half the time to solving
        it as one model."""
        if self._sessions() <= whole_first:
            hood = self._everything()
            outcome = self._solve(hood, (deadline - time.perf_counter()) / 2, workers=_PARALLEL)
            self._keep(_Job("whole", hood, self.board.version), outcome)
            if outcome.status == "optimal":
                return SearchStats(self.steps, self.improvements, optimal=True)
        with ThreadPoolExecutor(max_workers=_PARALLEL) as pool:
            self._loop(pool, deadline)
        return SearchStats(self.steps, self.improvements, optimal=False)

    def _loop(self, pool: ThreadPoolExecutor, deadline: float) -> None:
        running: dict[Future[Outcome], _Job] = {}
        idle = 0  # draws in a row that gave no neighbourhood
        while True:
            while len(running) < _PARALLEL and self._worth_going_on(deadline):
                job = self._next(running.values())
                if job is None:
                    idle += 1
                    if running or idle >= _IDLE:
                        break  # wait for the plan to change, or give up
                    continue
                idle = 0
                running[self._submit(pool, job, deadline)] = job
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                self._keep(running.pop(future), future.result())

    def _worth_going_on(self, deadline: float) -> bool:
        return deadline - time.perf_counter() > _LEAST_SECONDS and not self.board.perfect()

    def _submit(self, pool: ThreadPoolExecutor, job: _Job, deadline: float) -> Future[Outcome]:
        problem = SubProblem(self.board.problem, self.board.diary, self.plan, job.hood)
        self.steps += 1
        seconds = min(_STEP_SECONDS, deadline - time.perf_counter())
        return pool.submit(problem.solve, time_limit=seconds, seed=self.steps)

    def _next(self, running: Iterable[_Job]) -> _Job | None:
        avoid = {c for job in running for c in job.hood.free}
        kinds = self.picker.available()
        kind = self.rng.choices(kinds, [0.05 + self.rates[k] for k in kinds])[0]
        hood = self.picker.pick(kind, self.size, avoid)
        return None if hood is None else _Job(kind, hood, self.board.version)

    def _solve(self, hood: Neighbourhood, seconds: float, workers: int) -> Outcome:
        self.steps += 1
        problem = SubProblem(self.board.problem, self.board.diary, self.plan, hood)
        return problem.solve(time_limit=seconds, seed=self.steps, workers=workers)

    def _keep(self, job: _Job, outcome: Outcome) -> None:
        """Take the answer if it is no worse (and still fits); learn from how it went."""
        gain = 0.0
        if outcome.placements:
            courses = job.hood.free
            before = self.board.key({c: self.plan[c] for c in courses})
            after = self.board.key({c: outcome.placements.get(c, self.plan[c]) for c in courses})
            if after <= before and self.board.replace(
                outcome.placements, check=job.version != self.board.version
            ):
                gain = _gain(before, after)
        better = gain > 0
        self.improvements += better
        if job.kind in self.rates:
            self.rates[job.kind] = _MEMORY * self.rates[job.kind] + (1 - _MEMORY) * gain
        if job.kind == "insert" and not better:
            for c in job.hood.optional:
                if self.plan[c] is None:
                    self.picker.failed[c] = self.picker.failed.get(c, 0) + 1
        if job.kind != "reinsert":  # the one kind whose size is not self.size
            self._adapt(outcome)

    def _adapt(self, outcome: Outcome) -> None:
        if outcome.status == "optimal" and outcome.seconds < _QUICK:
            self.size = min(_SIZE[1], int(self.size * 1.1) + 1)
        elif outcome.status != "optimal" or outcome.seconds > 2 * _QUICK:
            self.size = max(_SIZE[0], int(self.size * 0.9))

    def _sessions(self) -> int:
        courses = self.board.problem.scenario.courses
        return sum(courses[c].sessions for c in self.board.bookable)

    def _everything(self) -> Neighbourhood:
        courses = self.board.problem.scenario.courses
        return Neighbourhood(
            free={c: tuple(range(courses[c].sessions)) for c in sorted(self.board.bookable)},
            optional=frozenset(self.board.bookable),
        )


def _gain(before: Key, after: Key) -> float:
    for worth, old, new in zip(_WORTH, before, after, strict=True):
        if new != old:
            return worth if new < old else 0.0
    return 0.0
