"""Clinic-scoped reads for the calendar, courses and their sessions."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from anagen.clinics.models import Clinic
from anagen.scheduling.calendar_setup import (
    WEEKDAYS,
    clinic_schedule,
    clinic_zone,
    local,
    practitioners,
)
from anagen.scheduling.models import HOLDING, Booking, BookingStatus, Course, Room
from anagen.scheduling.planner import Window, plan_windows

STATES = ("done", "booked", "due", "overdue")


def booking_get(*, clinic: Clinic, booking_id: object) -> Booking:
    try:
        booking: Booking = (
            Booking.objects.for_clinic(clinic)
            .select_related("course__plan", "patient", "practitioner", "room")
            .get(pk=booking_id)
        )
    except (Booking.DoesNotExist, ValueError, TypeError):
        raise Http404("No such booking") from None
    return booking


def course_get(*, clinic: Clinic, course_id: object) -> Course:
    try:
        course: Course = (
            Course.objects.for_clinic(clinic).select_related("plan", "patient").get(pk=course_id)
        )
    except (Course.DoesNotExist, ValueError, TypeError):
        raise Http404("No such course") from None
    return course


def course_for_plan(plan: Any) -> Course | None:
    return Course.objects.for_clinic(plan.clinic).filter(plan=plan).first()


def courses_for_patient(patient: Any) -> QuerySet[Course]:
    return Course.objects.for_clinic(patient.clinic).filter(patient=patient).select_related("plan")


@dataclass(frozen=True)
class CourseSession:
    number: int
    window: Window
    state: str  # one of STATES
    booking: Booking | None
    history: tuple[Booking, ...]  # earlier bookings of this session: moved, cancelled, no-show

    @property
    def in_window(self) -> bool:
        if self.booking is None:
            return True
        return self.window.holds(local(self.booking.start, clinic_zone(self.booking.clinic)).date())


def course_sessions(course: Course, today: dt.date) -> list[CourseSession]:
    """Each session of the course: done, booked, due (not booked, window not past) or overdue
    (not done and its window has ended)."""
    bookings = list(
        course.bookings.select_related("practitioner", "room", "clinic").order_by("created_at")
    )
    rows = []
    for window in plan_windows(course.plan):
        mine = [b for b in bookings if b.number == window.number]
        current = next((b for b in mine if b.status in HOLDING), None)
        if current is not None and current.status == BookingStatus.DONE:
            state = "done"
        elif current is not None:
            state = "booked"
        elif window.latest < today:
            state = "overdue"
        else:
            state = "due"
        history = tuple(b for b in mine if b is not current)
        rows.append(CourseSession(window.number, window, state, current, history))
    return rows


def remaining(sessions: list[CourseSession]) -> int:
    return sum(1 for s in sessions if s.state != "done")


def calendar_bookings(
    clinic: Clinic,
    first: dt.date,
    last: dt.date,
    *,
    practitioner_id: int | None = None,
    room_id: int | None = None,
) -> list[Booking]:
    """Bookings that hold time, and no-shows, between two days (inclusive), clinic time."""
    zone = clinic_zone(clinic)
    start = dt.datetime.combine(first, dt.time(), zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    query = (
        Booking.objects.for_clinic(clinic)
        .filter(start__lt=end, end__gt=start, status__in=[*HOLDING, BookingStatus.NO_SHOW])
        .select_related("patient", "practitioner", "room", "course__plan")
    )
    if practitioner_id:
        query = query.filter(practitioner_id=practitioner_id)
    if room_id:
        query = query.filter(room_id=room_id)
    return list(query.order_by("start"))


def rooms(clinic: Clinic, *, active_only: bool = True) -> list[Room]:
    query = Room.objects.for_clinic(clinic)
    return list(query.filter(is_active=True) if active_only else query)


def day_bookings(clinic: Clinic, day: dt.date) -> list[Booking]:
    return [b for b in calendar_bookings(clinic, day, day) if b.status in HOLDING]


def patient_bookings(patient: Any) -> list[Booking]:
    """A patient's sessions for their calendar feed: booked and done, and those cancelled or
    moved in the last 90 days (so phones drop them)."""
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=90)
    return list(
        Booking.objects.for_clinic(patient.clinic)
        .filter(patient=patient)
        .filter(Q(status__in=HOLDING) | Q(updated_at__gte=since))
        .exclude(status=BookingStatus.NO_SHOW)
        .select_related("course__plan", "clinic")
        .order_by("start")
    )


@dataclass(frozen=True)
class PatientSessions:
    courses: list[tuple[Course, int, int]]  # course, remaining, session count
    unbooked_plans: list[Any]
    upcoming: list[Booking]


def patient_sessions(patient: Any) -> PatientSessions:
    """What reception needs on the chart: courses with their remaining sessions, plans not yet
    booked, and the next sessions."""
    today = dt.datetime.now(clinic_zone(patient.clinic)).date()
    courses = list(courses_for_patient(patient))
    booked_plans = {c.plan_id for c in courses}
    rows = []
    for course in courses:
        sessions = course_sessions(course, today)
        rows.append((course, remaining(sessions), len(sessions)))
    unbooked = [
        plan
        for plan in patient.plans.filter(voided_at=None).order_by("-created_at")
        if plan.pk not in booked_plans
    ]
    upcoming = list(
        Booking.objects.for_clinic(patient.clinic)
        .filter(patient=patient, status=BookingStatus.BOOKED, start__gte=dt.datetime.now(dt.UTC))
        .select_related("practitioner", "room", "course__plan")
        .order_by("start")[:5]
    )
    return PatientSessions(rows, unbooked, upcoming)


MAX_AVAILABILITY_DAYS = 31


@dataclass(frozen=True)
class FreeSlot:
    start: dt.datetime
    end: dt.datetime
    practitioner: Any
    room: Room


def free_slots(
    clinic: Clinic,
    first: dt.date,
    last: dt.date,
    minutes: int,
    now: dt.datetime,
    practitioner_id: int | None = None,
) -> list[FreeSlot]:
    """Every start on the clinic's grid, from ``now``, when a practitioner is working and free and
    a room is free for ``minutes``; the first free room is offered."""
    zone = clinic_zone(clinic)
    slot = clinic_schedule(clinic).slot_minutes
    start = dt.datetime.combine(first, dt.time(), zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    taken = list(
        Booking.objects.for_clinic(clinic)
        .filter(status__in=HOLDING, start__lt=end, end__gt=start)
        .values_list("start", "end", "practitioner_id", "room_id")
    )
    all_rooms = rooms(clinic)
    found = []
    for person in practitioners(clinic, first, last):
        if practitioner_id and person.user.pk != practitioner_id:
            continue
        day = first
        while day <= last:
            for a, z in (
                [] if day in person.absent else person.weekly.get(WEEKDAYS[day.weekday()], [])
            ):
                t = dt.datetime.combine(day, dt.time.fromisoformat(a), zone)
                close = dt.datetime.combine(day, dt.time.fromisoformat(z), zone)
                while t + dt.timedelta(minutes=minutes) <= close:
                    t_end = t + dt.timedelta(minutes=minutes)
                    if t >= now and not any(
                        who == person.user.pk and s < t_end and t < e for s, e, who, _ in taken
                    ):
                        busy_rooms = {r for s, e, _, r in taken if s < t_end and t < e}
                        room = next((r for r in all_rooms if r.pk not in busy_rooms), None)
                        if room is not None:
                            found.append(FreeSlot(t, t_end, person.user, room))
                    t += dt.timedelta(minutes=slot)
            day += dt.timedelta(days=1)
    return sorted(found, key=lambda f: (f.start, f.practitioner.full_name))
