"""Demo scheduling: rooms, opening and staff hours, an absence, and some twenty courses per clinic
spread over the last four months and the next two, in every state (done, booked, due, overdue,
no-show and rebooked, moved, completed, stopped), so the calendar looks like a real week.

Courses are placed by the same planner and engine as the web page, as if booked on the day each
course started. Sessions already in the past are written directly as history (the booking service
rightly refuses to book a time that has passed), each course with its audit entry.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from anagen.audit.services import Actor, audit_record
from anagen.clinics.models import Clinic
from anagen.consultations.models import Consultation
from anagen.consultations.services import consultation_sign
from anagen.patients import services as patient_services
from anagen.plans.services import plan_create
from anagen.scheduling import services
from anagen.scheduling.calendar_setup import clinic_zone
from anagen.scheduling.models import BookingStatus, Course, CourseStatus
from anagen.scheduling.planner import Planner, plan_windows

WEEK = {day: [["08:30", "19:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
OPENING = WEEK | {"sat": [["09:00", "14:00"]]}
CLINICIAN_HOURS = {
    "mon": [["09:00", "13:00"], ["14:00", "18:00"]],
    "tue": [["09:00", "13:00"], ["14:00", "18:00"]],
    "wed": [["12:00", "19:00"]],
    "thu": [["09:00", "13:00"], ["14:00", "18:00"]],
    "fri": [["09:00", "14:00"]],
}
PRACTITIONER_HOURS = {
    "tue": [["10:00", "19:00"]],
    "wed": [["09:00", "17:00"]],
    "thu": [["10:00", "19:00"]],
    "fri": [["09:00", "17:00"]],
    "sat": [["09:00", "14:00"]],
}
NAMES = (
    ("James", "Walker", "1984-03-02", "male"),
    ("Daniel", "Hughes", "1979-11-15", "male"),
    ("Sophie", "Clarke", "1971-06-09", "female"),
    ("Ryan", "Patel", "1990-01-27", "male"),
    ("Matthew", "Evans", "1988-08-03", "male"),
    ("Grace", "Turner", "1968-12-19", "female"),
    ("Luke", "Morgan", "1993-04-11", "male"),
    ("Adam", "Khan", "1986-10-30", "male"),
    ("Ben", "Foster", "1982-02-14", "male"),
    ("Emily", "Ward", "1966-05-23", "female"),
    ("Samuel", "Price", "1991-09-08", "male"),
    ("Joseph", "Bailey", "1985-07-17", "male"),
    ("Tom", "Hall", "1994-03-29", "male"),
    ("Lucy", "Green", "1970-10-02", "female"),
    ("Nathan", "Cooper", "1989-06-21", "male"),
    ("Jack", "Reid", "1996-12-05", "male"),
    ("Alex", "Murray", "1983-01-13", "male"),
    ("Owen", "Gray", "1980-04-26", "male"),
)
MALE = {"sex": "male", "diagnosis": "L64.9", "stage_scale": "norwood", "stage_value": "III"}
FEMALE = {
    "sex": "female",
    "postmenopausal": "yes",
    "diagnosis": "L64.9",
    "stage_scale": "ludwig",
    "stage_value": "II",
}
PROTOCOLS = {
    "male": ("dutasteride-weekly", "dutasteride-vitamins", "minoxidil-fortnightly"),
    "female": ("minoxidil-fortnightly", "dutasteride-vitamins"),
}


def demo_schedule(clinic: Clinic, users: dict[str, Any], rooms: int, offset: int) -> None:
    admin = Actor(user=users["admin"], ip_address="127.0.0.1")
    clinician = Actor(user=users["clinician"], ip_address="127.0.0.1")
    services.schedule_save(
        actor=admin,
        clinic=clinic,
        opening=OPENING,
        slot_minutes=15,
        session_minutes=30,
        protocol_minutes={"dutasteride-vitamins": 45},
        reminder_hours=48,
    )
    for n in range(1, rooms + 1):
        services.room_save(actor=admin, clinic=clinic, name=f"Treatment room {n}")
    services.hours_save(
        actor=admin, clinic=clinic, practitioner=users["clinician"], weekly=CLINICIAN_HOURS
    )
    services.hours_save(
        actor=admin, clinic=clinic, practitioner=users["practitioner"], weekly=PRACTITIONER_HOURS
    )
    zone = clinic_zone(clinic)
    now = timezone.now()
    today = now.astimezone(zone).date()
    leave = today + dt.timedelta(days=30 - today.weekday())
    services.absence_add(
        actor=admin,
        clinic=clinic,
        practitioner=users["practitioner"],
        first_day=leave,
        last_day=leave + dt.timedelta(days=4),
        reason="Annual leave",
    )
    for i, (given, family, born, sex) in enumerate(NAMES):
        start = today + dt.timedelta(days=-125 + (i * 97 + offset * 13) % 150)
        patient = patient_services.patient_create(
            actor=clinician,
            clinic=clinic,
            data={
                "given_name": given,
                "family_name": family,
                "date_of_birth": dt.date.fromisoformat(born),
                "sex_at_birth": sex,
                "email": f"{given}.{family}@example.net".lower(),
                "phone": f"+44 7700 90{i + offset * 20:04d}",
                "preferred_language": "en",
            },
        )
        signed = start - dt.timedelta(days=7)
        exam = (MALE if sex == "male" else FEMALE) | {"assessed_on": signed}
        consultation = consultation_sign(actor=clinician, patient=patient, exam=exam)
        # Backdate the demo consultation to the week before its course began.
        Consultation.objects.for_clinic(clinic).filter(pk=consultation.pk).update(
            signed_at=dt.datetime.combine(signed, dt.time(11), zone)
        )
        consultation.refresh_from_db()
        protocols = PROTOCOLS[sex]
        plan = plan_create(
            actor=clinician,
            consultation=consultation,
            start=start,
            protocol_id=protocols[i % len(protocols)],
        )
        _book(clinic, plan, clinician, start, zone, now, story=i % 6)


def _book(
    clinic: Clinic, plan: Any, actor: Actor, start: dt.date, zone: Any, now: Any, story: int
) -> None:
    """Book the course as reception would have on the day before it began, then play it
    forward to today: past sessions done, with one no-show rebooked, one session missed and not
    rebooked (overdue), or the course stopped, depending on ``story``."""
    booked_on = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(18), zone)
    minutes = services.course_minutes(clinic, plan.protocol_id)
    proposal = Planner(clinic, booked_on).propose(
        patient=plan.patient, minutes=minutes, windows=plan_windows(plan)
    )
    if not proposal.choices:
        return
    course = Course.objects.for_clinic(clinic).create(
        clinic=clinic, patient=plan.patient, plan=plan, minutes=minutes, created_by=actor.user
    )
    stopped = False
    for choice in proposal.choices:
        # Past sessions stay booked here: demo_sessions records and signs them, which marks
        # them done as a practitioner's signature does.
        status = BookingStatus.BOOKED
        reason = ""
        if story == 5 and choice.number >= 3 and choice.start < now:
            stopped = True
        if stopped:
            status, reason = BookingStatus.CANCELLED, "Patient stopped: moving abroad"
        elif choice.start < now and story == 2 and choice.number == 3:
            status, reason = BookingStatus.NO_SHOW, ""
        elif choice.start < now and story == 4 and choice.number == len(proposal.choices) - 1:
            status, reason = BookingStatus.CANCELLED, "Patient unwell; will call to rebook"
        services.booking_insert(
            clinic, course, minutes, choice, actor, status=status, reason=reason
        )
    if stopped:
        course.status = CourseStatus.CANCELLED
    elif all(c.start < now for c in proposal.choices) and story not in (2, 4):
        course.status = CourseStatus.COMPLETED
    course.save(update_fields=["status"])
    audit_record(
        actor=actor.user,
        clinic=clinic,
        action="course.book",
        object_type="course",
        object_id=course.pk,
        patient_id=plan.patient_id,
        changes=[f"{len(proposal.choices)} sessions", "demo history"],
    )
