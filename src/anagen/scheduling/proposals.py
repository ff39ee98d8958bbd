"""What the engine proposes for a plan's course, or for the rest of a course after a session
moves, is cancelled or missed. Read-only: the web pages and the API show these, then book
through the services."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from anagen.scheduling.calendar_setup import local
from anagen.scheduling.planner import Choice, Planner, Proposal, plan_windows
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
class ChangeProposal:
    proposal: Proposal
    numbers: list[int]  # the sessions the change books: this one (unless moved alone) and later
    current: dict[int, Any]  # their bookings now, by number

    @property
    def choices(self) -> list[Choice]:
        return self.proposal.choices


def change_proposal(
    booking: Any, kind: str, now: dt.datetime, moved: Choice | None
) -> ChangeProposal:
    """Re-plan the sessions after ``booking`` inside their windows: after its new time when it is
    moved (``moved``), after the session before it when it is cancelled or missed (it is then
    booked again itself)."""
    course = booking.course
    planner = Planner(course.clinic, now)
    sessions = course_sessions(course, planner.today)
    windows = {w.number: w for w in plan_windows(course.plan)}
    current = {s.number: s.booking for s in sessions if s.state == "booked"}
    later = [s.number for s in sessions if s.number >= booking.number and s.state != "done"]
    replaced = {b.pk for n, b in current.items() if n in later}
    if kind == "move" and moved is not None:
        anchor = (local(moved.start, planner.zone).date(), windows[booking.number])
        proposal = planner.propose(
            patient=course.patient,
            minutes=course.minutes,
            windows=[windows[n] for n in later if n != booking.number],
            anchor=anchor,
            exclude=replaced,
            extra=[moved],
        )
        proposal.windows[booking.number] = windows[booking.number]
        proposal.choices.insert(0, moved)
        if not windows[booking.number].holds(anchor[0]):
            proposal.warnings.insert(
                0,
                f"The new date is outside session {booking.number}'s window: the protocol's "
                "spacing is not kept.",
            )
        return ChangeProposal(proposal, later, current)
    before = [s for s in sessions if s.number < booking.number and s.booking is not None]
    anchor = None
    if before:
        prev = before[-1]
        anchor = (local(prev.booking.start, planner.zone).date(), windows[prev.number])
    proposal = planner.propose(
        patient=course.patient,
        minutes=course.minutes,
        windows=[windows[n] for n in later],
        anchor=anchor,
        exclude=replaced,
    )
    return ChangeProposal(proposal, later, current)
