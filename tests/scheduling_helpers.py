"""Scheduling set-up, plans and booked courses for the scheduling tests.

Clinic A opens every day 08:00-20:00 (so no test depends on the weekday it runs on); its
clinician (Dr A) and a practitioner work all those hours; it has two rooms. Plans start a week
ahead (``tests.test_consultation_views.PLAN``): the first of their 11 sessions is 7 days away, so
no session's time has passed. Times are Europe/London wall-clock, the clinic's default zone.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.clinics.roles import Role
from anagen.consultations.models import Consultation
from anagen.scheduling import services
from anagen.scheduling.calendar_setup import WEEKDAYS
from anagen.scheduling.models import Booking, Course
from anagen.scheduling.planner import Choice, Window, plan_windows
from tests.conftest import ThreeUsers, audit_count, make_patient, make_user
from tests.test_consultation_views import EXAM, plan_for

LONDON = ZoneInfo("Europe/London")
ALL_WEEK = {day: [["08:00", "20:00"]] for day in WEEKDAYS}


@dataclass
class ClinicSetUp:
    """Clinic A as set_up leaves it, and who acts in it."""

    three: ThreeUsers
    actor: Actor  # clinic A's admin, who sets up
    booker: Actor  # clinic A's reception, who books
    clinician: Any
    practitioner: Any
    room: Any
    room2: Any

    @property
    def clinic(self) -> Any:
        return self.three.clinic_a


def set_up(three: ThreeUsers) -> ClinicSetUp:
    """Clinic A ready to book: opening and staff hours every day 08:00-20:00, two rooms."""
    admin = Actor(user=three.a_admin)
    services.schedule_save(
        actor=admin,
        clinic=three.clinic_a,
        opening=ALL_WEEK,
        slot_minutes=15,
        session_minutes=30,
        protocol_minutes={},
        reminder_hours=48,
    )
    practitioner = make_user(
        three.clinic_a, Role.PRACTITIONER, "prac.a@example.org", "Practitioner A"
    )
    for person in (three.a_clinician, practitioner):
        services.hours_save(
            actor=admin, clinic=three.clinic_a, practitioner=person, weekly=ALL_WEEK
        )
    room = services.room_save(actor=admin, clinic=three.clinic_a, name="Room 1")
    room2 = services.room_save(actor=admin, clinic=three.clinic_a, name="Room 2")
    return ClinicSetUp(
        three, admin, Actor(user=three.a_reception), three.a_clinician, practitioner, room, room2
    )


def sign_for(three: ThreeUsers, patient: Any) -> Consultation:
    client = three.client(three.a_clinician)
    response = client.post(f"/patients/{patient.pk}/consultations/new/", EXAM)
    assert response.status_code == 302, response.context["form"].errors
    return Consultation.objects.for_clinic(three.clinic_a).get(
        pk=response["Location"].split("/")[2]
    )


def new_plan(three: ThreeUsers, patient: Any = None) -> Any:
    """A signed consultation and an 11-session plan starting a week ahead."""
    return plan_for(three, sign_for(three, patient or three.a_patient))


def other_patient(three: ThreeUsers, given_name: str = "Grace") -> Any:
    return make_patient(
        three.clinic_a, three.a_clinician, given_name=given_name, family_name="Hopper"
    )


def windows(plan: Any) -> dict[int, Window]:
    return {w.number: w for w in plan_windows(plan)}


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), LONDON)


def planned(plan: Any, who: Any, room: Any, hour: int = 10) -> list[Choice]:
    """Every session on its planned day at ``hour``."""
    return [Choice(w.number, at(w.planned, hour), who.pk, room.pk) for w in windows(plan).values()]


def book(
    setup: ClinicSetUp, plan: Any, *, hour: int = 10, who: Any = None, room: Any = None
) -> Course:
    return services.course_book(
        actor=setup.booker,
        plan=plan,
        choices=planned(plan, who or setup.clinician, room or setup.room, hour),
    )


def session(course: Course, number: int) -> Booking:
    """The booking that holds session ``number`` now."""
    return course.bookings.get(number=number, status__in=["booked", "done"])


def into_the_past(booking: Booking, ago: dt.timedelta = dt.timedelta(hours=2)) -> Booking:
    """Put a booked session's time behind us (services refuse to book the past)."""
    length = booking.end - booking.start
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - ago
    Booking.objects.for_clinic(booking.clinic).filter(pk=booking.pk).update(
        start=start, end=start + length
    )
    booking.refresh_from_db()
    return booking


def written(clinic: Any) -> tuple[Any, ...]:
    """What a refused write must leave untouched."""
    return (
        audit_count(),
        list(Booking.objects.for_clinic(clinic).order_by("created_at", "number").values()),
        list(Course.objects.for_clinic(clinic).values()),
    )


def last_audit() -> AuditEntry:
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None
    return entry


def staff_on_monday_mornings(setup: ClinicSetUp) -> None:
    """Narrow both staff members' hours, so the clinic's opening hours may narrow after them."""
    for person in (setup.clinician, setup.practitioner):
        services.hours_save(
            actor=setup.actor,
            clinic=setup.clinic,
            practitioner=person,
            weekly={"mon": [["09:00", "12:00"]]},
        )
