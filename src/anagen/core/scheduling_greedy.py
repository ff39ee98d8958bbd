"""First-fit booking: the baseline that ordinary booking software gives.

Courses are booked in the order given, each whole or not at all. Session 1 goes at the earliest
free slot of a day in its first window; each next session on the free day nearest its target
gap (target, then one day earlier, one day later, two earlier...), at the earliest free slot of
that day, with the course's previous practitioner if they are free that day, in the first free
room. When a later session finds no day, the course starts again from the next first day; when
no first day works the course is left unscheduled. Deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator

from anagen.core.scheduling_diary import Diary, Plan, Problem, Slot, first_free

__all__ = ["greedy", "place_course"]


def greedy(problem: Problem) -> tuple[Plan, Diary]:
    """Book every course first-fit; the plan and the diary it leaves."""
    diary = Diary(problem)
    plan: Plan = []
    for course in range(problem.courses):
        slots = place_course(problem, diary, course)
        if slots is not None:
            diary.book_all(course, slots)
        plan.append(slots)
    return plan, diary


def place_course(problem: Problem, diary: Diary, course: int) -> tuple[Slot, ...] | None:
    """The first-fit placement of one course in ``diary`` (not booked), or None."""
    bounds = problem.bounds[course]
    if bounds is None:
        return None
    first_low, first_high = bounds[0]
    for day in range(first_low, first_high + 1):
        first = _earliest(problem, diary, course, day, None, 0)
        if first is None:
            continue
        slots = _chain(problem, diary, course, first)
        if slots is not None:
            return slots
    return None


def _chain(problem: Problem, diary: Diary, course: int, first: Slot) -> tuple[Slot, ...] | None:
    bounds = problem.bounds[course]
    assert bounds is not None
    gaps = problem.scenario.courses[course].gaps
    length = problem.lengths[course]
    slots = [first]
    for k, gap in enumerate(gaps, start=1):
        t, practitioner, _ = slots[-1]
        previous_day = t // problem.per_day
        low, high = bounds[k]
        for days in _nearest(gap.min, gap.target, gap.max):
            day = previous_day + days
            if low <= day <= high:
                found = _earliest(problem, diary, course, day, practitioner, t + length)
                if found is not None:
                    slots.append(found)
                    break
        else:
            return None
    return tuple(slots)


def _nearest(low: int, target: int, high: int) -> Iterator[int]:
    """Gaps from the target outwards, the earlier day first on a tie."""
    yield target
    for step in range(1, max(target - low, high - target) + 1):
        if target - step >= low:
            yield target - step
        if target + step <= high:
            yield target + step


def _earliest(
    problem: Problem, diary: Diary, course: int, day: int, previous: int | None, not_before: int
) -> Slot | None:
    """The earliest free slot of ``day``, with the previous practitioner if they have one."""
    allowed = problem.allowed[course]
    if previous is not None and previous in allowed:
        found = _slot_with(problem, diary, course, previous, day, not_before)
        if found is not None:
            return found
    best: Slot | None = None
    for practitioner in allowed:
        if practitioner == previous:
            continue
        found = _slot_with(problem, diary, course, practitioner, day, not_before)
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    return best


def _slot_with(
    problem: Problem, diary: Diary, course: int, practitioner: int, day: int, not_before: int
) -> Slot | None:
    length = problem.lengths[course]
    for a, b in diary.starts(course, practitioner, day):
        if b < not_before:
            continue
        found = [
            (t, room)
            for room, taken in enumerate(diary.rooms)
            if (t := first_free(taken, max(a, not_before), b, length)) is not None
        ]
        if found:
            t, room = min(found)
            return t, practitioner, room
    return None
