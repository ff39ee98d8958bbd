"""Scheduling over the API: free slots, a plan's course (proposal and booking), a course with its
sessions, and rescheduling (proposal and saving). The same planner, services and checks as the
calendar pages; times are ISO 8601 with the clinic's offset."""

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from anagen.api.permissions import requires
from anagen.clinics.roles import Perm
from anagen.plans.selectors import plan_get
from anagen.scheduling import selectors, services
from anagen.scheduling.calendar_setup import clinic_schedule, clinic_zone
from anagen.scheduling.planner import Choice, Proposal
from anagen.scheduling.proposals import change_proposal, course_proposal
from anagen.scheduling.services import CHANGE_KINDS
from anagen.web.request_info import actor_of

router = Router(tags=["scheduling"])


class SessionIn(Schema):
    number: int
    start: dt.datetime
    practitioner: int
    room: int


class BookIn(Schema):
    sessions: list[SessionIn]
    allow_outside_window: bool = False


class ChangeProposalIn(Schema):
    kind: str
    start: dt.datetime | None = None
    practitioner: int | None = None
    room: int | None = None


class ChangeIn(Schema):
    kind: str
    sessions: list[SessionIn] = []
    reason: str = ""
    allow_outside_window: bool = False


def _clinic(request: HttpRequest) -> Any:
    return request.membership.clinic  # type: ignore[attr-defined]


def _aware(value: dt.datetime, zone: Any) -> dt.datetime:
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _choices(sessions: list[SessionIn], zone: Any) -> list[Choice]:
    return [Choice(s.number, _aware(s.start, zone), s.practitioner, s.room) for s in sessions]


def _proposal_json(proposal: Proposal, zone: Any) -> dict[str, Any]:
    return {
        "sessions": [
            {
                "number": c.number,
                "start": c.start.astimezone(zone).isoformat(),
                "practitioner": c.practitioner_id,
                "room": c.room_id,
                "earliest": proposal.windows[c.number].earliest.isoformat(),
                "latest": proposal.windows[c.number].latest.isoformat(),
                "in_window": not proposal.outside(c, zone),
            }
            for c in proposal.choices
        ],
        "warnings": proposal.warnings,
        "failed": proposal.failed or None,
    }


def _course_json(course: Any) -> dict[str, Any]:
    zone = clinic_zone(course.clinic)
    sessions = selectors.course_sessions(course, timezone.now().astimezone(zone).date())
    return {
        "id": str(course.pk),
        "plan": str(course.plan_id),
        "patient": str(course.patient_id),
        "status": course.status,
        "minutes": course.minutes,
        "remaining": selectors.remaining(sessions),
        "sessions": [
            {
                "number": s.number,
                "state": s.state,
                "earliest": s.window.earliest.isoformat(),
                "latest": s.window.latest.isoformat(),
                "booking": None
                if s.booking is None
                else {
                    "id": str(s.booking.pk),
                    "start": s.booking.start.astimezone(zone).isoformat(),
                    "end": s.booking.end.astimezone(zone).isoformat(),
                    "practitioner": s.booking.practitioner_id,
                    "room": s.booking.room_id,
                    "status": s.booking.status,
                },
            }
            for s in sessions
        ],
    }


@router.get("/availability")
@requires(Perm.SCHEDULE_VIEW)
def availability(
    request: HttpRequest,
    date_from: dt.date,
    date_to: dt.date,
    minutes: int = 0,
    practitioner: int | None = None,
) -> Any:
    """Free starts (practitioner working and free, a room free) between two days, inclusive."""
    clinic = _clinic(request)
    if date_to < date_from:
        raise ValidationError({"date_to": "Comes on or after date_from."})
    if (date_to - date_from).days >= selectors.MAX_AVAILABILITY_DAYS:
        raise ValidationError(
            {"date_to": f"Ask for at most {selectors.MAX_AVAILABILITY_DAYS} days at a time."}
        )
    minutes = minutes or clinic_schedule(clinic).session_minutes
    if not 0 < minutes <= 240:
        raise ValidationError({"minutes": "Between 1 and 240."})
    zone = clinic_zone(clinic)
    slots = selectors.free_slots(clinic, date_from, date_to, minutes, timezone.now(), practitioner)
    return [
        {
            "start": s.start.astimezone(zone).isoformat(),
            "end": s.end.astimezone(zone).isoformat(),
            "practitioner": s.practitioner.pk,
            "room": s.room.pk,
        }
        for s in slots
    ]


@router.post("/plans/{plan_id}/course/proposal")
@requires(Perm.SCHEDULE_BOOK)
def plan_course_proposal(
    request: HttpRequest, plan_id: UUID, practitioner: int | None = None
) -> Any:
    """What the engine proposes for every session of the plan's course; nothing is saved."""
    plan = plan_get(clinic=_clinic(request), plan_id=plan_id)
    proposal = course_proposal(plan, timezone.now(), practitioner)
    return _proposal_json(proposal, clinic_zone(plan.clinic))


@router.post("/plans/{plan_id}/course")
@requires(Perm.SCHEDULE_BOOK)
def plan_course_book(request: HttpRequest, plan_id: UUID, body: BookIn) -> Any:
    """Book every session of the plan's course at once, or nothing (422 naming the session)."""
    plan = plan_get(clinic=_clinic(request), plan_id=plan_id)
    course = services.course_book(
        actor=actor_of(request),
        plan=plan,
        choices=_choices(body.sessions, clinic_zone(plan.clinic)),
        allow_outside_window=body.allow_outside_window,
    )
    return _course_json(course)


@router.get("/courses/{course_id}")
@requires(Perm.SCHEDULE_VIEW)
def course_read(request: HttpRequest, course_id: UUID) -> Any:
    return _course_json(selectors.course_get(clinic=_clinic(request), course_id=course_id))


@router.post("/bookings/{booking_id}/reschedule/proposal")
@requires(Perm.SCHEDULE_BOOK)
def reschedule_proposal(request: HttpRequest, booking_id: UUID, body: ChangeProposalIn) -> Any:
    """Move (give ``start``), cancel or no-show: the re-planned sessions; nothing is saved."""
    booking = selectors.booking_get(clinic=_clinic(request), booking_id=booking_id)
    if body.kind not in CHANGE_KINDS:
        raise ValidationError({"kind": f"Use one of {', '.join(CHANGE_KINDS)}."})
    zone = clinic_zone(booking.clinic)
    moved = None
    if body.kind == "move":
        if body.start is None:
            raise ValidationError({"start": "Give the new start to move to."})
        moved = Choice(
            booking.number,
            _aware(body.start, zone),
            body.practitioner or booking.practitioner_id,
            body.room or booking.room_id,
        )
    change = change_proposal(booking.course, booking.number, timezone.now(), moved)
    return _proposal_json(change.proposal, zone)


@router.post("/bookings/{booking_id}/reschedule")
@requires(Perm.SCHEDULE_BOOK)
def reschedule(request: HttpRequest, booking_id: UUID, body: ChangeIn) -> Any:
    """Save a move, cancellation or no-show with the sessions booked again (all or nothing)."""
    booking = selectors.booking_get(clinic=_clinic(request), booking_id=booking_id)
    services.course_change(
        actor=actor_of(request),
        booking=booking,
        kind=body.kind,
        choices=_choices(body.sessions, clinic_zone(booking.clinic)),
        reason=body.reason,
        allow_outside_window=body.allow_outside_window,
    )
    return _course_json(booking.course)
