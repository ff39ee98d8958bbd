"""Booking, moving, cancelling and completing course sessions; the clinic's scheduling set-up.

Every write runs in one transaction with its audit entry. The friendly checks here (hours,
windows, spacing, free practitioner, room and patient) name the session at fault; the database
constraints of migration 0002 stand behind them for writers that race, and a race lost there is
answered with the same kind of message, never a server error, with nothing written.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from anagen.audit.services import Actor, audit_record
from anagen.clinics.models import Clinic
from anagen.core.planning import Session, course_problems, long_date
from anagen.scheduling.calendar_setup import (
    Weekly,
    check_weekly,
    clinic_schedule,
    clinic_zone,
    local,
    outside_opening,
    practitioners,
    works_at,
)
from anagen.scheduling.models import (
    HOLDING,
    Absence,
    Booking,
    BookingStatus,
    CalendarFeed,
    Course,
    CourseStatus,
    Room,
    WorkingHours,
)
from anagen.scheduling.planner import Choice, Window, plan_windows

CONFLICTS = {
    "practitioner": "The practitioner is already booked at that time.",
    "room": "The room is already booked at that time.",
    "patient": "The patient already has a session at that time.",
}


def _audit(
    actor: Actor,
    clinic: Clinic,
    action: str,
    obj: Any,
    changes: Iterable[str],
    patient_id: Any = None,
) -> None:
    audit_record(
        actor=actor.user,
        clinic=clinic,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        patient_id=patient_id,
        changes=changes,
        ip_address=actor.ip_address,
    )


def course_minutes(clinic: Clinic, protocol_id: str) -> int:
    setup = clinic_schedule(clinic)
    return int(setup.protocol_minutes.get(protocol_id, setup.session_minutes))


def _conflict(error: IntegrityError) -> ValidationError:
    text = str(error)
    for key, message in CONFLICTS.items():
        if f"booking_no_overlap_{key}" in text:
            return ValidationError(f"{message} Someone booked it a moment ago; choose again.")
    if "booking_one_per_session" in text or "UNIQUE" in text.upper():
        return ValidationError("This session was booked a moment ago by someone else; reload.")
    raise error


def _one_writer(clinic: Clinic) -> None:
    """Inside a booking transaction, wait for the clinic's other booking writers to finish.

    Two transactions inserting overlapping bookings at once each see the other's uncommitted
    row when PostgreSQL checks the exclusion constraint, and each waits for the other: a
    deadlock, which PostgreSQL breaks by aborting one with an error that is not an integrity
    error (the PostgreSQL manual warns of this for exclusion constraints). Taking the clinic row
    first (FOR NO KEY UPDATE, so rows that merely refer to the clinic are not held up) makes the
    second writer wait and then meet the first one's committed booking, which is answered as a
    conflict. SQLite already admits one writer at a time; there this is a plain read.
    """
    Clinic.objects.select_for_update(no_key=True).filter(pk=clinic.pk).exists()


def _check(
    clinic: Clinic,
    patient: Any,
    minutes: int,
    choices: Sequence[Choice],
    windows: dict[int, Window],
    kept: Sequence[Booking],
    replacing: set[Any],
    allow_outside_window: bool,
) -> None:
    """Refuse choices that break hours, windows, spacing or another booking; ``kept`` are the
    course's other bookings that stay, ``replacing`` those this change ends."""
    zone = clinic_zone(clinic)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if not choices:
        return
    days = [local(c.start, zone).date() for c in choices]
    staff = {p.user.pk: p for p in practitioners(clinic, min(days), max(days))}
    rooms = {r.pk for r in Room.objects.for_clinic(clinic).filter(is_active=True)}
    slot = clinic_schedule(clinic).slot_minutes
    for choice in choices:
        field = f"session-{choice.number}"
        wall = local(choice.start, zone)
        end = choice.start + dt.timedelta(minutes=minutes)
        problems = []
        if choice.start < now:
            problems.append("That time has passed.")
        if (wall.hour * 60 + wall.minute) % slot or wall.second:
            problems.append(f"Start on the {slot}-minute grid.")
        who = staff.get(choice.practitioner_id)
        if who is None:
            problems.append("Choose a practitioner who has working hours here.")
        elif not works_at(who, wall, minutes):
            problems.append(f"{who.user.full_name} is not working then (hours or absence).")
        if choice.room_id not in rooms:
            problems.append("Choose one of the clinic's rooms.")
        window = windows.get(choice.number)
        if window and not window.holds(wall.date()) and not allow_outside_window:
            problems.append(
                f"Outside the protocol window ({long_date(window.earliest)} to "
                f"{long_date(window.latest)})."
            )
        clash = (
            Booking.objects.for_clinic(clinic)
            .filter(status__in=HOLDING, start__lt=end, end__gt=choice.start)
            .filter(
                Q(practitioner_id=choice.practitioner_id)
                | Q(room_id=choice.room_id)
                | Q(patient=patient)
            )
            .exclude(pk__in=replacing)
            .first()
        )
        if clash is not None:
            key = (
                "patient"
                if clash.patient_id == patient.pk
                else "practitioner"
                if clash.practitioner_id == choice.practitioner_id
                else "room"
            )
            problems.append(CONFLICTS[key])
        if problems:
            errors[field] = problems
    sessions = [
        Session(b.number, local(b.start, zone).date(), dt.date.min, dt.date.max, "") for b in kept
    ] + [
        Session(c.number, d, dt.date.min, dt.date.max, "")
        for c, d in zip(choices, days, strict=True)
    ]
    spacing = course_problems(sessions)
    if spacing:
        errors.setdefault("__all__", []).extend(p[0].upper() + p[1:] + "." for p in spacing)
    if errors:
        raise ValidationError(errors)


def booking_insert(
    clinic: Clinic,
    course: Course,
    minutes: int,
    choice: Choice,
    actor: Actor,
    replaces: Booking | None = None,
    status: str = BookingStatus.BOOKED,
    reason: str = "",
) -> Booking:
    """Write one booking row, unchecked: for the services here after their checks (inside their
    transaction and audit), and for the demo's history."""
    booking: Booking = Booking.objects.for_clinic(clinic).create(
        clinic=clinic,
        course=course,
        patient=course.patient,
        number=choice.number,
        start=choice.start,
        end=choice.start + dt.timedelta(minutes=minutes),
        practitioner_id=choice.practitioner_id,
        room_id=choice.room_id,
        replaces=replaces,
        status=status,
        status_reason=reason,
        created_by=actor.user,
    )
    return booking


def course_book(
    *, actor: Actor, plan: Any, choices: Sequence[Choice], allow_outside_window: bool = False
) -> Course:
    """Book every session of a plan's course at once, or nothing."""
    clinic = plan.clinic
    if plan.voided_at:
        raise ValidationError("This plan was voided; it cannot be booked.")
    if plan.patient.is_archived:
        raise ValidationError("This patient is archived; restore the record first.")
    if Course.objects.for_clinic(clinic).filter(plan=plan).exists():
        raise ValidationError("This plan's course is already booked; move its sessions instead.")
    windows = {w.number: w for w in plan_windows(plan)}
    numbers = sorted(c.number for c in choices)
    if numbers != sorted(windows):
        raise ValidationError(f"Choose a time for each of the {len(windows)} sessions.")
    minutes = course_minutes(clinic, plan.protocol_id)
    _check(clinic, plan.patient, minutes, choices, windows, [], set(), allow_outside_window)
    try:
        with transaction.atomic():
            _one_writer(clinic)
            course: Course = Course.objects.for_clinic(clinic).create(
                clinic=clinic,
                patient=plan.patient,
                plan=plan,
                minutes=minutes,
                created_by=actor.user,
            )
            for choice in sorted(choices, key=lambda c: c.number):
                booking_insert(clinic, course, minutes, choice, actor, None)
            _audit(
                actor,
                clinic,
                "course.book",
                course,
                [f"{len(choices)} sessions", *(["outside window"] if allow_outside_window else [])],
                plan.patient_id,
            )
    except IntegrityError as error:
        raise _conflict(error) from None
    return course


CHANGE_KINDS = {
    "move": BookingStatus.MOVED,
    "cancel": BookingStatus.CANCELLED,
    "no_show": BookingStatus.NO_SHOW,
}


def course_change(
    *,
    actor: Actor,
    booking: Booking,
    kind: str,
    choices: Sequence[Choice],
    reason: str = "",
    allow_outside_window: bool = False,
) -> list[Booking]:
    """Move, cancel or mark a no-show for ``booking``, and book ``choices`` (the session itself
    again, and the re-planned sessions after it) in the same transaction."""
    if kind not in CHANGE_KINDS:
        raise ValidationError({"kind": f"Use one of {', '.join(CHANGE_KINDS)}."})
    course = booking.course
    if booking.status != BookingStatus.BOOKED:
        raise ValidationError(
            f"This session is {booking.get_status_display().lower()}; only a booked one changes."
        )
    if course.status != CourseStatus.ACTIVE:
        raise ValidationError("This course is not active.")
    if kind == "no_show" and booking.start > timezone.now():
        raise ValidationError("A session can be marked a no-show only once its time has come.")
    if kind == "cancel" and not reason.strip():
        raise ValidationError({"reason": "Say why the session is cancelled."})
    if kind == "move" and booking.number not in {c.number for c in choices}:
        raise ValidationError({f"session-{booking.number}": "Choose the new time."})
    return _book_again(actor, course, choices, allow_outside_window, booking, kind, reason)


def course_rebook(
    *, actor: Actor, course: Course, choices: Sequence[Choice], allow_outside_window: bool = False
) -> list[Booking]:
    """Book sessions that have no booking (cancelled or missed and not rebooked), re-planning the
    booked ones after them in the same transaction."""
    if course.status != CourseStatus.ACTIVE:
        raise ValidationError("This course is not active.")
    if not choices:
        raise ValidationError("Choose a time for each session to book.")
    return _book_again(actor, course, choices, allow_outside_window, None, "rebook", "")


def _book_again(
    actor: Actor,
    course: Course,
    choices: Sequence[Choice],
    allow_outside_window: bool,
    booking: Booking | None,
    kind: str,
    reason: str,
) -> list[Booking]:
    """Book ``choices`` for a course: the bookings they replace become ``moved`` (``booking``,
    the one being changed, takes the status of ``kind``), all in one transaction."""
    clinic = course.clinic
    windows = {w.number: w for w in plan_windows(course.plan)}
    strangers = [c.number for c in choices if c.number not in windows]
    if strangers:
        raise ValidationError(
            {f"session-{n}": f"The course has {len(windows)} sessions." for n in strangers}
        )
    holding = list(course.bookings.filter(status__in=HOLDING))
    by_number = {b.number: b for b in holding}
    for choice in choices:
        current = by_number.get(choice.number)
        if current is not None and current.status == BookingStatus.DONE:
            raise ValidationError({f"session-{choice.number}": "This session is done."})
    replaced = {by_number[c.number] for c in choices if c.number in by_number}
    if booking is not None:
        replaced.add(booking)
    kept = [b for b in holding if b not in replaced]
    _check(
        clinic,
        course.patient,
        course.minutes,
        choices,
        windows,
        kept,
        {b.pk for b in replaced},
        allow_outside_window,
    )
    created: list[Booking] = []
    try:
        with transaction.atomic():
            _one_writer(clinic)
            for old in replaced:
                old.status = CHANGE_KINDS[kind] if old == booking else BookingStatus.MOVED
                old.status_reason = (
                    reason.strip()
                    if old == booking
                    else "re-planned"
                    if booking is None
                    else f"re-planned after session {booking.number}"
                )
                old.save(update_fields=["status", "status_reason", "updated_at"])
            for choice in sorted(choices, key=lambda c: c.number):
                created.append(
                    booking_insert(
                        clinic, course, course.minutes, choice, actor, by_number.get(choice.number)
                    )
                )
            changes = [f"session {c.number} start" for c in choices]
            changes += ["reason"] if reason.strip() else []
            if booking is None:
                _audit(actor, clinic, "course.rebook", course, changes, course.patient_id)
            else:
                changes.append(f"session {booking.number} {kind.replace('_', '-')}")
                _audit(actor, clinic, f"booking.{kind}", booking, changes, course.patient_id)
    except IntegrityError as error:
        raise _conflict(error) from None
    return created


@transaction.atomic
def booking_done(*, actor: Actor, booking: Booking) -> Booking:
    """Mark a session attended. The course completes with its last session."""
    if booking.status != BookingStatus.BOOKED:
        raise ValidationError("Only a booked session can be marked done.")
    if booking.start > timezone.now() + dt.timedelta(hours=1):
        raise ValidationError("A session can be marked done only on its day, once it has begun.")
    booking.status = BookingStatus.DONE
    booking.save(update_fields=["status", "updated_at"])
    course = booking.course
    done = course.bookings.filter(status=BookingStatus.DONE).values("number").distinct().count()
    if done >= course.session_count:
        course.status = CourseStatus.COMPLETED
        course.save(update_fields=["status"])
    _audit(
        actor,
        course.clinic,
        "booking.done",
        booking,
        [f"session {booking.number}"],
        course.patient_id,
    )
    return booking


@transaction.atomic
def course_cancel(*, actor: Actor, course: Course, reason: str) -> int:
    """Stop a course: every booked session is cancelled. Answers how many were."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the course is stopped."})
    if course.status != CourseStatus.ACTIVE:
        raise ValidationError("This course is not active.")
    booked = list(course.bookings.filter(status=BookingStatus.BOOKED))
    for b in booked:
        b.status = BookingStatus.CANCELLED
        b.status_reason = reason.strip()
        b.save(update_fields=["status", "status_reason", "updated_at"])
    course.status = CourseStatus.CANCELLED
    course.save(update_fields=["status"])
    _audit(
        actor,
        course.clinic,
        "course.cancel",
        course,
        [f"{len(booked)} sessions cancelled", "reason"],
        course.patient_id,
    )
    return len(booked)


@transaction.atomic
def reminder_sent(*, booking: Booking, when: dt.datetime) -> None:
    booking.reminded_at = when
    booking.save(update_fields=["reminded_at"])
    audit_record(
        actor="reminders",
        clinic=booking.clinic,
        action="booking.remind",
        object_type="booking",
        object_id=booking.pk,
        patient_id=booking.patient_id,
        changes=[f"session {booking.number}"],
    )


# Set-up ----------------------------------------------------------------------------------------


@transaction.atomic
def schedule_save(
    *,
    actor: Actor,
    clinic: Clinic,
    opening: Weekly,
    slot_minutes: int,
    session_minutes: int,
    protocol_minutes: dict[str, int],
    reminder_hours: int,
) -> None:
    if slot_minutes not in (5, 10, 15, 20, 30, 60):
        raise ValidationError({"slot_minutes": "Use 5, 10, 15, 20, 30 or 60 minutes."})
    for name, value in [("session_minutes", session_minutes), *protocol_minutes.items()]:
        if value % slot_minutes or not 0 < value <= 240:
            raise ValidationError({name: f"Use a multiple of {slot_minutes} minutes, at most 240."})
    if not 1 <= reminder_hours <= 168:
        raise ValidationError({"reminder_hours": "Send reminders 1 to 168 hours ahead."})
    opening = check_weekly(opening, slot_minutes)
    for hours in WorkingHours.objects.for_clinic(clinic).select_related("practitioner"):
        name = hours.practitioner.full_name
        try:
            check_weekly(hours.weekly, slot_minutes)
        except ValidationError:
            raise ValidationError(
                {
                    "slot_minutes": f"{name}'s hours are not on a {slot_minutes}-minute grid; "
                    "change them first."
                }
            ) from None
        beyond = outside_opening(hours.weekly, opening)
        if beyond:
            raise ValidationError(
                {
                    day: f"{name} works beyond these hours; change their hours first."
                    for day in beyond
                }
            )
    setup = clinic_schedule(clinic)
    setup.opening = opening
    setup.slot_minutes = slot_minutes
    setup.session_minutes = session_minutes
    setup.protocol_minutes = protocol_minutes
    setup.reminder_hours = reminder_hours
    setup.save()
    _audit(actor, clinic, "schedule.update", setup, ["opening hours", "session lengths"])


@transaction.atomic
def hours_save(*, actor: Actor, clinic: Clinic, practitioner: Any, weekly: Weekly) -> WorkingHours:
    setup = clinic_schedule(clinic)
    weekly = check_weekly(weekly, setup.slot_minutes)
    beyond = outside_opening(weekly, setup.opening)
    if beyond:
        raise ValidationError({day: "Outside the clinic's opening hours." for day in beyond})
    hours: WorkingHours
    hours, _ = WorkingHours.objects.for_clinic(clinic).update_or_create(
        clinic=clinic, practitioner=practitioner, defaults={"weekly": weekly}
    )
    _audit(actor, clinic, "hours.update", hours, [practitioner.email])
    return hours


@transaction.atomic
def absence_add(
    *,
    actor: Actor,
    clinic: Clinic,
    practitioner: Any,
    first_day: dt.date,
    last_day: dt.date,
    reason: str,
) -> Absence:
    if last_day < first_day:
        raise ValidationError({"last_day": "The last day comes on or after the first."})
    if (last_day - first_day).days > 366:
        raise ValidationError({"last_day": "Record an absence of at most a year."})
    zone = clinic_zone(clinic)
    start = dt.datetime.combine(first_day, dt.time(), zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), zone)
    booked = (
        Booking.objects.for_clinic(clinic)
        .filter(
            practitioner=practitioner, status=BookingStatus.BOOKED, start__lt=end, end__gt=start
        )
        .count()
    )
    absence: Absence = Absence.objects.for_clinic(clinic).create(
        clinic=clinic,
        practitioner=practitioner,
        first_day=first_day,
        last_day=last_day,
        reason=reason,
    )
    _audit(
        actor,
        clinic,
        "absence.add",
        absence,
        [practitioner.email, f"{first_day}..{last_day}", f"{booked} sessions to move"],
    )
    return absence


@transaction.atomic
def absence_delete(*, actor: Actor, absence: Absence) -> None:
    _audit(
        actor,
        absence.clinic,
        "absence.delete",
        absence,
        [f"{absence.first_day}..{absence.last_day}"],
    )
    absence.delete()


@transaction.atomic
def room_save(
    *, actor: Actor, clinic: Clinic, name: str, room: Room | None = None, is_active: bool = True
) -> Room:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the room a name."})
    clash = Room.objects.for_clinic(clinic).filter(name__iexact=name)
    if room is not None:
        clash = clash.exclude(pk=room.pk)
    if clash.exists():
        raise ValidationError({"name": "There is already a room of that name."})
    if room is None:
        room = Room.objects.for_clinic(clinic).create(clinic=clinic, name=name, is_active=is_active)
        action = "room.create"
    else:
        room.name, room.is_active = name, is_active
        room.save()
        action = "room.update"
    _audit(actor, clinic, action, room, [name, "active" if is_active else "inactive"])
    return room


@transaction.atomic
def feed_get(*, actor: Actor, patient: Any, reset: bool = False) -> CalendarFeed:
    """The patient's calendar feed, made on first use; ``reset`` gives it a new token, so the
    old link stops working."""
    feed: CalendarFeed | None = (
        CalendarFeed.objects.for_clinic(patient.clinic).filter(patient=patient).first()
    )
    if feed is not None and not reset:
        return feed
    if feed is None:
        feed = CalendarFeed.objects.for_clinic(patient.clinic).create(
            clinic=patient.clinic, patient=patient
        )
        action = "feed.create"
    else:
        feed.delete()
        feed = CalendarFeed.objects.for_clinic(patient.clinic).create(
            clinic=patient.clinic, patient=patient
        )
        action = "feed.reset"
    _audit(actor, patient.clinic, action, feed, ["calendar link"], patient.pk)
    return feed
