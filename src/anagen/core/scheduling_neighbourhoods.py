"""The plan under improvement (:class:`Board`) and the neighbourhoods the search re-books.

- ``insert``: an unscheduled course, with the sessions booked on the days it would ideally use
  at times it could use, so they can make room; sometimes one of those courses may be dropped
  in exchange;
- ``reinsert``: one to three courses whose gaps miss their targets, moved whole anywhere;
- ``repair``: such courses near their ideal days, with the sessions booked there;
- ``window``: every session in one to four consecutive days (local reshuffles, rooms);
- ``courses``: a few whole courses near where they are (practitioner continuity).

A neighbourhood never touches the courses in ``avoid`` (those another sub-problem is solving).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from anagen.core.scheduling_cpsat import Neighbourhood
from anagen.core.scheduling_diary import Booking, Diary, Plan, Problem, Score, course_score

__all__ = ["KINDS", "Board", "Key", "Picker"]

KINDS = ("insert", "reinsert", "repair", "window", "courses")
_WINDOW_DAYS = (1, 4)
_SLACK = 1  # days a repaired course's session may move beyond its current and ideal days
_NEAR = 2  # days a course of the ``courses`` neighbourhood may move
_SWAP = 0.3  # how often an insertion may drop a course in exchange
_ROOM = 3  # days a moved course's session may fall from its ideal day
_NEAR_START = 7  # days apart the first windows of courses inserted together may be

Key = tuple[int, int, int, int]  # (-scheduled, deviation, distinct practitioners, last days)


@dataclass
class Board:
    """The plan, its per-course scores, and which sessions fall on each day."""

    problem: Problem
    diary: Diary
    plan: Plan
    bookable: frozenset[int]  # courses that fit alone (the others never will)
    scores: list[Score | None] = field(init=False)
    by_day: list[set[tuple[int, int]]] = field(init=False)
    version: int = 0  # changes whenever the plan does

    def __post_init__(self) -> None:
        self.plan = list(self.plan)
        self.scores = [self._score(c, s) for c, s in enumerate(self.plan)]
        self.by_day = [set() for _ in range(self.problem.scenario.days)]
        for c, slots in enumerate(self.plan):
            self._index(c, slots, add=True)

    def key(self, placements: Mapping[int, Booking]) -> Key:
        """The objective over the courses of ``placements`` (separable: comparing two keys
        over the same courses compares the whole plans)."""
        booked = [course_score(self.problem, c, s) for c, s in placements.items() if s]
        return (
            -len(booked),
            sum(b[0] for b in booked),
            sum(b[1] for b in booked),
            sum(b[2] for b in booked),
        )

    def replace(self, placements: Mapping[int, Booking], *, check: bool) -> bool:
        """Book ``placements`` instead of the courses' current sessions. With ``check``, first
        make sure they are still free (the diary may have changed since they were found) and
        change nothing if not."""
        changed = {c: s for c, s in placements.items() if s != self.plan[c]}
        # All old sessions leave the diary before any new one enters: a new session may take
        # the slot an old one of another course is leaving.
        for c in changed:
            self._unbook(c)
        if check and not all(self.diary.fits(c, s) for c, s in changed.items() if s):
            for c in changed:
                self._book(c, self.plan[c])
            return False
        for c, slots in changed.items():
            self._book(c, slots)
            self.plan[c] = slots
            self.scores[c] = self._score(c, slots)
        self.version += bool(changed)
        return True

    def missing(self) -> list[int]:
        return [c for c in sorted(self.bookable) if self.plan[c] is None]

    def late(self) -> list[int]:
        return [c for c, s in enumerate(self.scores) if s is not None and s[0] > 0]

    def perfect(self) -> bool:
        """Nothing left to gain but earlier finishes: every bookable course booked, on target,
        with one practitioner."""
        return all(
            (score := self.scores[c]) is not None and score[0] == 0 and score[1] == 1
            for c in self.bookable
        )

    def _score(self, course: int, slots: Booking) -> Score | None:
        return None if slots is None else course_score(self.problem, course, slots)

    def _unbook(self, course: int) -> None:
        slots = self.plan[course]
        if slots is not None:
            self.diary.unbook_all(course, slots)
            self._index(course, slots, add=False)

    def _book(self, course: int, slots: Booking) -> None:
        if slots is not None:
            self.diary.book_all(course, slots)
            self._index(course, slots, add=True)

    def _index(self, course: int, slots: Booking, *, add: bool) -> None:
        for k, (t, _, _) in enumerate(slots or ()):
            day = self.by_day[t // self.problem.per_day]
            if add:
                day.add((course, k))
            else:
                day.discard((course, k))


class Picker:
    """Draws neighbourhoods of a board at random (seeded)."""

    def __init__(self, board: Board, rng: random.Random) -> None:
        self.board, self.rng = board, rng
        self.failed: dict[int, int] = {}  # unscheduled course -> insertions that did not add it

    def available(self) -> list[str]:
        kinds = ["window", "courses"]
        if self.board.missing():
            kinds.append("insert")
        if self.board.late():
            kinds += ["reinsert", "repair"]
        return kinds

    def pick(self, kind: str, size: int, avoid: set[int]) -> Neighbourhood | None:
        """A neighbourhood of ``kind`` with about ``size`` free sessions, or None."""
        builders = {
            "insert": self._insert,
            "reinsert": self._reinsert,
            "repair": self._repair,
            "window": self._window,
            "courses": self._courses,
        }
        hood = builders[kind](size, avoid)
        return hood if hood is not None and hood.free else None

    def _insert(self, size: int, avoid: set[int]) -> Neighbourhood | None:
        missing = [c for c in self.board.missing() if c not in avoid]
        if not missing:
            return None
        weights = [1 / (1 + self.failed.get(c, 0)) for c in missing]
        course = self.rng.choices(missing, weights)[0]
        chosen = [course, *self._companions(course, missing)]
        free: dict[int, set[int]] = {}
        for c in chosen:
            bounds = self.board.problem.bounds[c]
            assert bounds is not None
            free[c] = set(range(len(bounds)))
            days = list(self._ideal_days(c, self.rng.randint(*bounds[0])))
            self._add_blockers(free, c, days, size, avoid)
        optional = set(chosen)
        others = sorted(c for c in free if c not in optional)
        if others and self.rng.random() < _SWAP:
            swap = self.rng.choice(others)
            free[swap] = set(range(len(self.board.plan[swap] or ())))
            optional.add(swap)
        return _hood(free, optional)

    def _companions(self, course: int, missing: Sequence[int]) -> list[int]:
        """Up to two other unscheduled courses starting about when ``course`` does: room made
        by dropping one booked course may take two short ones."""
        low, high = self._first_days(course)
        near = [
            c
            for c in missing
            if c != course
            and self._first_days(c)[0] <= high + _NEAR_START
            and self._first_days(c)[1] >= low - _NEAR_START
        ]
        return self.rng.sample(near, min(len(near), self.rng.randint(0, 2)))

    def _reinsert(self, size: int, avoid: set[int]) -> Neighbourhood | None:
        late = [c for c in self.board.late() if c not in avoid]
        if not late:
            return None
        weights = [self._drift(c) for c in late]
        chosen = set(self.rng.choices(late, weights, k=self.rng.randint(1, 3)))
        free = {c: set(range(len(self.board.plan[c] or ()))) for c in chosen}
        return _hood(free, set(), {c: self._near_ideal(c) for c in chosen})

    def _repair(self, size: int, avoid: set[int]) -> Neighbourhood | None:
        late = [c for c in self.board.late() if c not in avoid]
        if not late:
            return None
        weights = [self._drift(c) for c in late]
        free: dict[int, set[int]] = {}
        limits: dict[int, tuple[tuple[int, int], ...]] = {}
        per_day = self.board.problem.per_day
        for _ in range(4):
            course = self.rng.choices(late, weights)[0]
            slots = self.board.plan[course]
            assert slots is not None
            first = slots[0][0] // per_day
            if self.rng.random() < 0.5:
                first = self.rng.randint(*self._first_days(course))
            ideal = list(self._ideal_days(course, first))
            free.setdefault(course, set()).update(range(len(slots)))
            limits[course] = tuple(
                (min(i, t // per_day) - _SLACK, max(i, t // per_day) + _SLACK)
                for i, (t, _, _) in zip(ideal, slots, strict=True)
            )
            self._add_blockers(free, course, ideal, size, avoid)
            if sum(map(len, free.values())) >= size:
                break
        return _hood(free, set(), limits)

    def _window(self, size: int, avoid: set[int]) -> Neighbourhood | None:
        span = self.rng.randint(*_WINDOW_DAYS)
        first = self.rng.randrange(max(1, self.board.problem.scenario.days - span + 1))
        sessions = sorted(
            (c, k)
            for day in range(first, min(first + span, len(self.board.by_day)))
            for c, k in self.board.by_day[day]
            if c not in avoid
        )
        if len(sessions) > size:
            sessions = self.rng.sample(sessions, size)
        free: dict[int, set[int]] = {}
        for c, k in sessions:
            free.setdefault(c, set()).add(k)
        return _hood(free, set())

    def _courses(self, size: int, avoid: set[int]) -> Neighbourhood | None:
        booked = [c for c, s in enumerate(self.board.plan) if s is not None and c not in avoid]
        self.rng.shuffle(booked)
        free: dict[int, set[int]] = {}
        limits: dict[int, tuple[tuple[int, int], ...]] = {}
        per_day = self.board.problem.per_day
        for course in booked:
            if sum(map(len, free.values())) >= size / 2:
                break
            slots = self.board.plan[course] or ()
            free[course] = set(range(len(slots)))
            limits[course] = tuple(
                (t // per_day - _NEAR, t // per_day + _NEAR) for t, _, _ in slots
            )
        return _hood(free, set(), limits)

    def _first_days(self, course: int) -> tuple[int, int]:
        bounds = self.board.problem.bounds[course]
        assert bounds is not None  # only courses that fit alone get here
        return bounds[0]

    def _drift(self, course: int) -> int:
        score = self.board.scores[course]
        assert score is not None
        return score[0]

    def _near_ideal(self, course: int) -> tuple[tuple[int, int], ...]:
        """Per session, the days within a few of its ideal day for some first day, and its
        current day: where a better placement of the course can be."""
        bounds, slots = self.board.problem.bounds[course], self.board.plan[course]
        assert bounds is not None and slots is not None
        early = self._ideal_days(course, bounds[0][0])
        late = self._ideal_days(course, bounds[0][1])
        per_day = self.board.problem.per_day
        return tuple(
            (min(a - _ROOM, t // per_day), max(b + _ROOM, t // per_day))
            for a, b, (t, _, _) in zip(early, late, slots, strict=False)
        )

    def _ideal_days(self, course: int, first: int) -> Iterator[int]:
        """The days the course's sessions fall on when session 1 is on ``first`` and every gap
        hits its target (kept inside each session's possible days)."""
        bounds = self.board.problem.bounds[course]
        assert bounds is not None
        day = first
        yield day
        for k, gap in enumerate(self.board.problem.scenario.courses[course].gaps, start=1):
            day = min(max(day + gap.target, bounds[k][0]), bounds[k][1])
            yield day

    def _add_blockers(
        self,
        free: dict[int, set[int]],
        course: int,
        days: Sequence[int],
        size: int,
        avoid: set[int],
    ) -> None:
        """Free the sessions booked on ``days`` at times ``course`` could use, up to ``size``."""
        problem, board = self.board.problem, self.board
        length = problem.lengths[course]
        candidates: list[tuple[int, int]] = []
        for day in dict.fromkeys(days):
            if not 0 <= day < problem.scenario.days:
                continue
            spans = [
                (a, b + length)
                for p in problem.allowed[course]
                for a, b in problem.day_starts(course, p, day)
            ]
            for c, k in board.by_day[day]:
                if c == course or c in avoid or k in free.get(c, ()):
                    continue
                slots = board.plan[c]
                assert slots is not None
                t = slots[k][0]
                if any(t < b and t + problem.lengths[c] > a for a, b in spans):
                    candidates.append((c, k))
        budget = max(size - sum(map(len, free.values())), 0)
        candidates.sort()
        if len(candidates) > budget:
            candidates = self.rng.sample(candidates, budget)
        for c, k in candidates:
            free.setdefault(c, set()).add(k)


def _hood(
    free: dict[int, set[int]],
    optional: set[int],
    days: dict[int, tuple[tuple[int, int], ...]] | None = None,
) -> Neighbourhood:
    return Neighbourhood(
        free={c: tuple(sorted(ks)) for c, ks in sorted(free.items()) if ks},
        optional=frozenset(optional),
        days=days or {},
    )
