"""What the engine proposes for a plan's course, or for the rest of a course after a session
moves, is cancelled or missed. Read-only: the web pages and the API show these, then book
through the services."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from anagen.scheduling.calendar_setup import local
from anagen.scheduling.planner import Choice, Planner, Proposal, Window, plan_windows
from anagen.scheduling.selectors import course_sessions
from anagen.scheduling.services import course_minutes


def course_proposal(plan: Any, now: dt.datetime, practitioner_id: int | None = None) -> Proposal:
    return Planner(plan.clinic, now).propose(
        patient=plan.patient,
        minutes=course_minutes(plan.clinic, plan.protocol_id),
        windows=plan_windows(plan),
        practitioner_ids=[practitioner_id] if practitioner_id else None,
    )


@dataclass
class ChangeScope:
    """The sessions a change to ``booking`` books again: itself (unless done) and every later one
    not done, with their current bookings."""

    numbers: list[int]
    current: dict[int, Any]
    sessions: list[Any]
    windows: dict[int, Window]


def change_scope(course: Any, number: int, today: dt.date) -> ChangeScope:
    sessions = course_sessions(course, today)
    return ChangeScope(
        numbers=[s.number for s in sessions if s.number >= number and s.state != "done"],
        current={s.number: s.booking for s in sessions if s.state == "booked"},
        sessions=sessions,
        windows={w.number: w for w in plan_windows(course.plan)},
    )


@dataclass
class ChangeProposal:
    proposal: Proposal
    numbers: list[int]  # the sessions the change books: this one (unless moved alone) and later
    current: dict[int, Any]  # their bookings now, by number

    @property
    def choices(self) -> list[Choice]:
        return self.proposal.choices


def change_proposal(
    course: Any, number: int, now: dt.datetime, moved: Choice | None = None
) -> ChangeProposal:
    """Re-plan session ``number`` and those after it inside their windows: after its new time when
    it is moved (``moved``), else after the session before it (when it was cancelled or missed,
    or is booked again from the course page)."""
    planner = Planner(course.clinic, now)
    scope = change_scope(course, number, planner.today)
    sessions, windows, current, later = scope.sessions, scope.windows, scope.current, scope.numbers
    replaced = {b.pk for n, b in current.items() if n in later and b is not None}
    if moved is not None:
        anchor = (local(moved.start, planner.zone).date(), windows[number])
        proposal = planner.propose(
            patient=course.patient,
            minutes=course.minutes,
            windows=[windows[n] for n in later if n != number],
            anchor=anchor,
            exclude=replaced,
            extra=[moved],
        )
        proposal.windows[number] = windows[number]
        proposal.choices.insert(0, moved)
        if not windows[number].holds(anchor[0]):
            proposal.warnings.insert(
                0,
                f"The new date is outside session {number}'s window: the protocol's "
                "spacing is not kept.",
            )
        return ChangeProposal(proposal, later, current)
    before = [
        (s.booking, s.number) for s in sessions if s.number < number and s.booking is not None
    ]
    after: tuple[dt.date, Window] | None = None
    if before:
        prev, prev_number = before[-1]
        after = (local(prev.start, planner.zone).date(), windows[prev_number])
    # A cancelled or missed booking keeps its own time: offering it again would be no change.
    changed = current.get(number)
    proposal = planner.propose(
        patient=course.patient,
        minutes=course.minutes,
        windows=[windows[n] for n in later],
        anchor=after,
        exclude=replaced - {changed.pk} if changed is not None else replaced,
    )
    return ChangeProposal(proposal, later, current)
