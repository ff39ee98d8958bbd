"""Scheduling services: booking a course, the database's no-double-booking constraint, moving,
cancelling and no-shows with the course re-planned, completing and stopping a course, the clinic's
set-up, reminders and the patient's calendar feed.

Clinic A is set up by tests/scheduling_helpers.py: open and staffed every day 08:00-20:00, two
rooms, 30-minute sessions on a 15-minute grid. Its patient's plan has 11 sessions from a week
ahead, each with a window of a few days; ``book`` puts each on its planned day at 10:00 with Dr A
in Room 1.
"""

import contextlib
import dataclasses
import datetime as dt
import itertools

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Calendar

from anagen import cli
from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.patients import services as patient_services
from anagen.plans.models import TreatmentPlan
from anagen.scheduling import services
from anagen.scheduling.calendar_setup import outside_opening
from anagen.scheduling.models import (
    Absence,
    Booking,
    BookingStatus,
    CalendarFeed,
    ClinicSchedule,
    Course,
    CourseStatus,
    Room,
    WorkingHours,
)
from anagen.scheduling.planner import Choice
from anagen.scheduling.proposals import change_proposal, course_proposal
from anagen.scheduling.reminders import send_reminders
from anagen.scheduling.selectors import course_sessions, remaining
from tests.conftest import audit_count
from tests.scheduling_helpers import (
    ALL_WEEK,
    LONDON,
    at,
    book,
    into_the_past,
    last_audit,
    new_plan,
    other_patient,
    planned,
    session,
    set_up,
    staff_on_monday_mornings,
    windows,
    written,
)

SESSIONS = list(range(1, 12))


@pytest.fixture
def setup(three):
    return set_up(three)


@pytest.fixture
def plan(three, setup):
    return new_plan(three)


@pytest.fixture
def course(setup, plan):
    return book(setup, plan)


def today():
    return timezone.now().astimezone(LONDON).date()


def refused_booking(setup, plan, *changed, allow_outside_window=False):
    """course_book with the planned times except ``changed``: the errors, after checking that
    nothing was written."""
    choices = {c.number: c for c in planned(plan, setup.clinician, setup.room)}
    choices |= {c.number: c for c in changed}
    before = written(setup.clinic)
    with pytest.raises(ValidationError) as caught:
        services.course_book(
            actor=setup.booker,
            plan=plan,
            choices=list(choices.values()),
            allow_outside_window=allow_outside_window,
        )
    assert written(setup.clinic) == before
    return errors_of(caught.value)


def errors_of(error):
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def states(course, on=None):
    return {s.number: s.state for s in course_sessions(course, on or today())}


# --- booking a course -------------------------------------------------------------------------


def test_a_course_is_booked_with_every_session_in_its_window_and_one_audit_entry(
    setup, plan, three
):
    before = audit_count()
    course = book(setup, plan)
    bookings = list(course.bookings.order_by("number"))
    assert [b.number for b in bookings] == SESSIONS
    for booking, window in zip(bookings, windows(plan).values(), strict=True):
        assert booking.status == BookingStatus.BOOKED
        assert window.holds(booking.start.astimezone(LONDON).date())
        assert booking.start.astimezone(LONDON).time() == dt.time(10, 0)
        assert booking.end - booking.start == dt.timedelta(minutes=30)
        assert (booking.practitioner, booking.room) == (setup.clinician, setup.room)
        assert booking.patient == three.a_patient
    assert (course.status, course.minutes, course.session_count) == ("active", 30, 11)
    assert audit_count() == before + 1
    entry = last_audit()
    assert (entry.action, entry.object_id, entry.patient_id, entry.user) == (
        "course.book",
        str(course.pk),
        three.a_patient.pk,
        three.a_reception,
    )


def test_the_engine_proposes_every_session_inside_its_window_and_the_proposal_books(setup, plan):
    proposal = course_proposal(plan, timezone.now())
    assert (proposal.failed, proposal.warnings) == ("", [])
    assert [c.number for c in proposal.choices] == SESSIONS
    assert not any(proposal.outside(c, LONDON) for c in proposal.choices)
    course = services.course_book(actor=setup.booker, plan=plan, choices=proposal.choices)
    assert course.bookings.filter(status="booked").count() == 11


def test_a_protocols_own_session_length_is_booked(setup, plan, three):
    services.schedule_save(
        actor=setup.actor,
        clinic=three.clinic_a,
        opening=ALL_WEEK,
        slot_minutes=15,
        session_minutes=30,
        protocol_minutes={plan.protocol_id: 45},
        reminder_hours=48,
    )
    course = book(setup, plan)
    assert course.minutes == 45
    assert {b.end - b.start for b in course.bookings.all()} == {dt.timedelta(minutes=45)}


def test_a_time_outside_its_window_is_refused_naming_the_session(setup, plan):
    late = windows(plan)[11].latest + dt.timedelta(days=1)
    errors = refused_booking(setup, plan, Choice(11, at(late), setup.clinician.pk, setup.room.pk))
    assert list(errors) == ["session-11"]
    assert "Outside the protocol window" in errors["session-11"][0]


def test_allowing_outside_the_window_books_it_and_says_so_in_the_audit(setup, plan):
    late = windows(plan)[11].latest + dt.timedelta(days=1)
    choices = planned(plan, setup.clinician, setup.room)
    choices[-1] = dataclasses.replace(choices[-1], start=at(late))
    course = services.course_book(
        actor=setup.booker, plan=plan, choices=choices, allow_outside_window=True
    )
    assert session(course, 11).start == at(late)
    assert "outside window" in last_audit().changes


@pytest.mark.parametrize("hour", [7, 20, 21])
def test_a_practitioner_not_working_then_is_refused(setup, plan, hour):
    day = windows(plan)[2].planned
    errors = refused_booking(
        setup, plan, Choice(2, at(day, hour), setup.clinician.pk, setup.room.pk)
    )
    assert errors == {"session-2": ["Dr A is not working then (hours or absence)."]}


def test_a_session_that_ends_when_the_hours_end_is_accepted(setup, plan):
    choices = planned(plan, setup.clinician, setup.room, hour=19)
    choices[1] = dataclasses.replace(choices[1], start=choices[1].start.replace(minute=30))
    course = services.course_book(actor=setup.booker, plan=plan, choices=choices)
    assert session(course, 2).end.astimezone(LONDON).time() == dt.time(20, 0)


def test_a_practitioner_on_leave_is_refused(setup, plan, three):
    day = windows(plan)[2].planned
    services.absence_add(
        actor=setup.actor,
        clinic=three.clinic_a,
        practitioner=setup.clinician,
        first_day=day,
        last_day=day,
        reason="Conference",
    )
    errors = refused_booking(setup, plan)
    assert errors == {"session-2": ["Dr A is not working then (hours or absence)."]}


def test_someone_without_working_hours_here_cannot_be_booked(setup, plan, three):
    for outsider in (three.a_reception, three.b_clinician):
        day = windows(plan)[2].planned
        errors = refused_booking(setup, plan, Choice(2, at(day), outsider.pk, setup.room.pk))
        assert errors == {"session-2": ["Choose a practitioner who has working hours here."]}


def test_another_clinics_room_or_an_inactive_room_is_refused(setup, plan, three):
    b_room = services.room_save(
        actor=Actor(user=three.b_clinician), clinic=three.clinic_b, name="B"
    )
    services.room_save(
        actor=setup.actor, clinic=three.clinic_a, room=setup.room2, name="Room 2", is_active=False
    )
    day = windows(plan)[2].planned
    for room in (b_room, setup.room2):
        errors = refused_booking(setup, plan, Choice(2, at(day), setup.clinician.pk, room.pk))
        assert errors == {"session-2": ["Choose one of the clinic's rooms."]}


def test_a_start_off_the_booking_grid_is_refused(setup, plan):
    day = windows(plan)[3].planned
    errors = refused_booking(
        setup, plan, Choice(3, at(day, 10, 5), setup.clinician.pk, setup.room.pk)
    )
    assert errors == {"session-3": ["Start on the 15-minute grid."]}


@pytest.mark.parametrize(
    ("clash", "message"),
    [
        ("practitioner", "The practitioner is already booked at that time."),
        ("room", "The room is already booked at that time."),
        ("patient", "The patient already has a session at that time."),
    ],
)
def test_a_practitioner_room_or_patient_already_booked_is_refused(
    setup, course, three, clash, message
):
    # Dr A sees Ada in Room 1 at 10:00 on each planned day; the second course goes to the
    # practitioner in Room 2 at 14:00, except session 1 at 10:15, overlapping on one resource.
    patient = three.a_patient if clash == "patient" else other_patient(three)
    plan = new_plan(three, patient)
    choices = planned(plan, setup.practitioner, setup.room2, hour=14)
    who = setup.clinician if clash == "practitioner" else setup.practitioner
    room = setup.room if clash == "room" else setup.room2
    first = Choice(1, at(windows(plan)[1].planned, 10, 15), who.pk, room.pk)
    before = written(setup.clinic)
    with pytest.raises(ValidationError) as caught:
        services.course_book(actor=setup.booker, plan=plan, choices=[first, *choices[1:]])
    assert caught.value.message_dict == {"session-1": [message]}
    assert written(setup.clinic) == before


def test_a_time_that_has_passed_is_refused(setup, plan):
    yesterday = today() - dt.timedelta(days=1)
    errors = refused_booking(
        setup,
        plan,
        Choice(1, at(yesterday), setup.clinician.pk, setup.room.pk),
        allow_outside_window=True,
    )
    assert errors == {"session-1": ["That time has passed."]}


def test_sessions_under_3_days_apart_are_refused_even_outside_the_windows(setup, plan):
    two_days_later = windows(plan)[1].planned + dt.timedelta(days=2)
    errors = refused_booking(
        setup,
        plan,
        Choice(2, at(two_days_later), setup.clinician.pk, setup.room.pk),
        allow_outside_window=True,
    )
    assert list(errors) == ["__all__"]
    assert "under 3 days apart" in errors["__all__"][0]


def test_every_session_needs_a_time(setup, plan):
    choices = planned(plan, setup.clinician, setup.room)
    before = written(setup.clinic)
    for wrong in (choices[:-1], [*choices, choices[0]]):
        with pytest.raises(ValidationError, match="Choose a time for each of the 11 sessions"):
            services.course_book(actor=setup.booker, plan=plan, choices=wrong)
    assert written(setup.clinic) == before


def test_a_voided_plan_is_refused(setup, plan):
    TreatmentPlan.objects.for_clinic(plan.clinic).filter(pk=plan.pk).update(
        voided_at=timezone.now(), void_reason="Wrong protocol"
    )
    plan.refresh_from_db()
    errors = refused_booking(setup, plan)
    assert errors == {"__all__": ["This plan was voided; it cannot be booked."]}


def test_an_archived_patients_plan_is_refused(setup, plan, three):
    patient_services.patient_archive(
        actor=Actor(user=three.a_clinician), patient=three.a_patient, reason="Moved away"
    )
    plan.patient.refresh_from_db()
    errors = refused_booking(setup, plan)
    assert "archived" in errors["__all__"][0]


def test_the_same_plan_cannot_be_booked_twice(setup, plan):
    book(setup, plan)
    later = planned(plan, setup.practitioner, setup.room2, hour=15)
    before = written(setup.clinic)
    with pytest.raises(ValidationError, match="already booked"):
        services.course_book(actor=setup.booker, plan=plan, choices=later)
    assert written(setup.clinic) == before


def test_a_race_lost_at_the_database_is_a_friendly_refusal_and_writes_nothing(
    setup, course, three, monkeypatch
):
    # Another booker's session arrived between the friendly checks and the insert: the
    # database constraint refuses, and the service answers as the checks would have.
    monkeypatch.setattr(services, "_check", lambda *args, **kwargs: None)
    plan = new_plan(three, other_patient(three))
    choices = planned(plan, setup.clinician, setup.room2, hour=10)
    before = written(setup.clinic)
    with pytest.raises(ValidationError, match="The practitioner is already booked at that time"):
        services.course_book(actor=setup.booker, plan=plan, choices=choices)
    assert written(setup.clinic) == before


# --- the database refuses double booking ------------------------------------------------------


@pytest.fixture
def diary(three, setup, course):
    """Ada's course booked (Dr A, Room 1, 10:00-10:30), and two empty courses to insert into
    directly: one for another patient, one for Ada's second plan."""
    by = three.a_clinician
    others = {}
    for key, patient in (("other", other_patient(three)), ("ada", three.a_patient)):
        plan = new_plan(three, patient)
        others[key] = Course.objects.for_clinic(three.clinic_a).create(
            clinic=three.clinic_a, patient=patient, plan=plan, minutes=30, created_by=by
        )
    return setup, course, others


def insert(course, start, who, room, status="booked", number=1):
    return Booking.objects.for_clinic(course.clinic).create(
        clinic=course.clinic,
        course=course,
        patient=course.patient,
        number=number,
        start=start,
        end=start + dt.timedelta(minutes=30),
        practitioner=who,
        room=room,
        status=status,
        created_by=who,
    )


def first_start(course):
    return session(course, 1).start


@pytest.mark.parametrize("key", ["practitioner", "room", "patient"])
def test_the_database_refuses_an_overlapping_booking(diary, key):
    setup, course, others = diary
    target = others["ada"] if key == "patient" else others["other"]
    who = setup.clinician if key == "practitioner" else setup.practitioner
    room = setup.room if key == "room" else setup.room2
    start = first_start(course) + dt.timedelta(minutes=15)
    with pytest.raises(IntegrityError, match=f"booking_no_overlap_{key}"), transaction.atomic():
        insert(target, start, who, room)
    assert Booking.objects.for_clinic(setup.clinic).filter(course=target).count() == 0


def test_a_done_session_holds_its_time_too(diary):
    setup, course, others = diary
    Booking.objects.for_clinic(setup.clinic).filter(pk=session(course, 1).pk).update(status="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(others["other"], first_start(course), setup.clinician, setup.room2)


@pytest.mark.parametrize("status", ["cancelled", "moved", "no_show"])
def test_a_session_that_no_longer_holds_its_time_does_not_block(diary, status):
    setup, course, others = diary
    start = first_start(course)
    Booking.objects.for_clinic(setup.clinic).filter(pk=session(course, 1).pk).update(status=status)
    # The same practitioner, room and patient at the same time.
    again = insert(others["ada"], start, setup.clinician, setup.room)
    assert again.status == "booked"


def test_an_overlapping_row_that_does_not_hold_time_may_be_written(diary):
    setup, course, others = diary
    row = insert(others["ada"], first_start(course), setup.clinician, setup.room, "cancelled")
    assert row.pk is not None


def test_sessions_that_touch_end_to_start_do_not_overlap(diary):
    setup, course, others = diary
    start = first_start(course)
    after = insert(others["ada"], start + dt.timedelta(minutes=30), setup.clinician, setup.room)
    before = insert(
        others["ada"], start - dt.timedelta(minutes=30), setup.clinician, setup.room, number=2
    )
    assert (after.start, before.end) == (session(course, 1).end, start)


def test_the_database_refuses_an_update_into_an_overlap(diary):
    setup, course, others = diary
    start = first_start(course)
    rows = Booking.objects.for_clinic(setup.clinic)
    waiting = insert(others["other"], start, setup.clinician, setup.room2, "cancelled")
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.filter(pk=waiting.pk).update(status="booked")
    later = insert(others["other"], start + dt.timedelta(hours=2), setup.clinician, setup.room2)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.filter(pk=later.pk).update(start=start, end=start + dt.timedelta(minutes=30))
    assert rows.get(pk=waiting.pk).status == "cancelled"
    assert rows.get(pk=later.pk).start == start + dt.timedelta(hours=2)


def test_the_database_refuses_a_second_holding_booking_of_one_session(diary):
    setup, course, _ = diary
    elsewhere = first_start(course) + dt.timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(course, elsewhere, setup.practitioner, setup.room2)


# --- moving, cancelling, no-shows -------------------------------------------------------------


def moved_to(setup, plan, day, hour=10):
    return Choice(3, at(day, hour), setup.clinician.pk, setup.room.pk)


def test_moving_session_3_keeps_its_old_row_and_replaces_the_re_planned_ones(
    setup, plan, course, three
):
    old = {b.number: b for b in course.bookings.all()}
    w = windows(plan)
    moved = moved_to(setup, plan, w[3].latest)
    change = change_proposal(old[3].course, 3, timezone.now(), moved)
    before = audit_count()
    created = services.course_change(
        actor=setup.booker, booking=old[3], kind="move", choices=change.choices
    )
    assert [b.number for b in created] == list(range(3, 12))
    for n in (1, 2):
        assert session(course, n).pk == old[n].pk
    for booking in created:
        previous = old[booking.number]
        previous.refresh_from_db()
        assert previous.status == BookingStatus.MOVED
        assert booking.replaces == previous
        assert booking.status == BookingStatus.BOOKED
        assert w[booking.number].holds(booking.start.astimezone(LONDON).date())
    assert created[0].start == moved.start
    assert old[4].status_reason == "re-planned after session 3"
    assert course.bookings.filter(status="booked").count() == 11
    assert audit_count() == before + 1
    entry = last_audit()
    assert (entry.action, entry.object_id, entry.patient_id) == (
        "booking.move",
        str(old[3].pk),
        three.a_patient.pk,
    )


def test_moving_one_session_alone_leaves_the_others(setup, plan, course):
    old3, old4 = session(course, 3), session(course, 4)
    moved = moved_to(setup, plan, windows(plan)[3].earliest, hour=16)
    [new3] = services.course_change(actor=setup.booker, booking=old3, kind="move", choices=[moved])
    assert new3.start == moved.start and new3.replaces == old3
    assert session(course, 4) == old4
    assert course.bookings.count() == 12


def test_a_move_that_breaks_the_spacing_or_the_window_is_refused_and_writes_nothing(
    setup, plan, course
):
    booking = session(course, 3)
    w = windows(plan)
    before = written(setup.clinic)
    # Two days before session 4, which stays.
    crowded = moved_to(setup, plan, w[4].planned - dt.timedelta(days=2))
    with pytest.raises(ValidationError) as caught:
        services.course_change(
            actor=setup.booker,
            booking=booking,
            kind="move",
            choices=[crowded],
            allow_outside_window=True,
        )
    assert "under 3 days apart" in caught.value.message_dict["__all__"][0]
    late = moved_to(setup, plan, w[3].latest + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        services.course_change(actor=setup.booker, booking=booking, kind="move", choices=[late])
    assert "Outside the protocol window" in caught.value.message_dict["session-3"][0]
    assert written(setup.clinic) == before


def test_a_move_needs_the_new_time_and_a_known_kind(setup, course):
    booking = session(course, 3)
    before = written(setup.clinic)
    with pytest.raises(ValidationError) as caught:
        services.course_change(actor=setup.booker, booking=booking, kind="move", choices=[])
    assert caught.value.message_dict == {"session-3": ["Choose the new time."]}
    with pytest.raises(ValidationError) as caught:
        services.course_change(actor=setup.booker, booking=booking, kind="delete", choices=[])
    assert list(caught.value.message_dict) == ["kind"]
    assert written(setup.clinic) == before


def test_cancelling_needs_a_reason(setup, course):
    before = written(setup.clinic)
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as caught:
            services.course_change(
                actor=setup.booker,
                booking=session(course, 3),
                kind="cancel",
                choices=[],
                reason=reason,
            )
        assert list(caught.value.message_dict) == ["reason"]
    assert written(setup.clinic) == before


def test_cancelling_without_rebooking_leaves_the_session_due_then_overdue(setup, plan, course):
    booking = session(course, 3)
    before = audit_count()
    created = services.course_change(
        actor=setup.booker, booking=booking, kind="cancel", choices=[], reason="Flu"
    )
    booking.refresh_from_db()
    assert created == []
    assert (booking.status, booking.status_reason) == ("cancelled", "Flu")
    assert states(course)[3] == "due"
    after_window = windows(plan)[3].latest + dt.timedelta(days=1)
    assert states(course, after_window)[3] == "overdue"
    assert remaining(course_sessions(course, today())) == 11
    assert audit_count() == before + 1
    assert last_audit().action == "booking.cancel"
    assert "Flu" not in str(last_audit().changes)


def test_cancelling_and_rebooking_books_the_session_and_those_after_it_again(setup, course):
    booking = session(course, 3)
    change = change_proposal(booking.course, booking.number, timezone.now())
    assert change.numbers == list(range(3, 12))
    assert (change.proposal.failed, change.proposal.warnings) == ("", [])
    created = services.course_change(
        actor=setup.booker, booking=booking, kind="cancel", choices=change.choices, reason="Flu"
    )
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert created[0].replaces == booking
    assert set(states(course).values()) == {"booked"}


def test_a_no_show_is_marked_only_once_its_time_has_come(setup, course):
    booking = session(course, 1)
    before = written(setup.clinic)
    with pytest.raises(ValidationError, match="only once its time has come"):
        services.course_change(actor=setup.booker, booking=booking, kind="no_show", choices=[])
    assert written(setup.clinic) == before
    into_the_past(booking)
    services.course_change(actor=setup.booker, booking=booking, kind="no_show", choices=[])
    booking.refresh_from_db()
    assert booking.status == "no_show"
    assert last_audit().action == "booking.no_show"
    assert states(course)[1] == "due"
    assert remaining(course_sessions(course, today())) == 11


def test_a_done_session_cannot_be_changed(setup, course):
    first = into_the_past(session(course, 1))
    services.booking_done(actor=setup.booker, booking=first)
    before = written(setup.clinic)
    for kind in ("move", "cancel", "no_show"):
        with pytest.raises(ValidationError, match="This session is done; only a booked one"):
            services.course_change(
                actor=setup.booker, booking=first, kind=kind, choices=[], reason="x"
            )
    # Nor re-planned with a later one.
    second = session(course, 2)
    again = Choice(1, second.start + dt.timedelta(days=1), setup.clinician.pk, setup.room.pk)
    with pytest.raises(ValidationError) as caught:
        services.course_change(
            actor=setup.booker, booking=second, kind="cancel", choices=[again], reason="x"
        )
    assert caught.value.message_dict == {"session-1": ["This session is done."]}
    assert written(setup.clinic) == before


def test_remaining_sessions_count_every_session_not_done(setup, course):

    def sessions():
        return course_sessions(course, today())

    assert remaining(sessions()) == 11
    services.booking_done(
        actor=setup.booker, booking=into_the_past(session(course, 1), dt.timedelta(days=2))
    )
    assert remaining(sessions()) == 10
    services.course_change(
        actor=setup.booker, booking=into_the_past(session(course, 2)), kind="no_show", choices=[]
    )
    services.course_change(
        actor=setup.booker, booking=session(course, 3), kind="cancel", choices=[], reason="Ill"
    )
    assert [s.state for s in sessions()][:4] == ["done", "due", "due", "booked"]
    assert remaining(sessions()) == 10


def test_a_change_cannot_add_a_session_the_plan_does_not_have(setup, plan, course):
    booking = session(course, 3)
    moved = moved_to(setup, plan, windows(plan)[3].latest)
    extra = Choice(
        12, at(windows(plan)[11].latest + dt.timedelta(days=14)), setup.clinician.pk, setup.room.pk
    )
    before = written(setup.clinic)
    with pytest.raises(ValidationError):
        services.course_change(
            actor=setup.booker, booking=booking, kind="move", choices=[moved, extra]
        )
    assert written(setup.clinic) == before


# --- re-planning proposals --------------------------------------------------------------------


def test_moving_session_3_later_in_its_window_re_plans_the_rest_inside_theirs(setup, plan, course):
    w = windows(plan)
    moved = moved_to(setup, plan, w[3].latest)
    change = change_proposal(course, 3, timezone.now(), moved)
    proposal = change.proposal
    assert (proposal.failed, proposal.warnings) == ("", [])
    assert change.numbers == list(range(3, 12))
    assert [c.number for c in change.choices] == list(range(3, 12))
    assert change.choices[0] == moved
    days = [c.start.astimezone(LONDON).date() for c in change.choices]
    assert all(w[c.number].holds(d) for c, d in zip(change.choices, days, strict=True))
    assert all((b - a).days >= 3 for a, b in itertools.pairwise(days))


def test_moving_session_3_beyond_its_window_warns_of_each_session_outside_its_window(
    setup, plan, course
):
    w = windows(plan)
    moved = moved_to(setup, plan, w[3].latest + dt.timedelta(days=10))
    change = change_proposal(course, 3, timezone.now(), moved)
    warnings = change.proposal.warnings
    assert "outside session 3's window" in warnings[0]
    outside = [
        c.number
        for c in change.choices[1:]
        if not w[c.number].holds(c.start.astimezone(LONDON).date())
    ]
    assert 4 in outside
    named = [n for n in range(4, 12) if any(f"Session {n} on" in text for text in warnings)]
    assert named == outside
    assert [c.number for c in change.choices] == list(range(3, 12))


# --- completing and stopping a course ---------------------------------------------------------


def test_a_session_is_marked_done_only_from_an_hour_before_it(setup, course):
    booking = session(course, 1)
    before = written(setup.clinic)
    with pytest.raises(ValidationError, match="only on its day"):
        services.booking_done(actor=setup.booker, booking=booking)
    assert written(setup.clinic) == before
    into_the_past(booking, -dt.timedelta(minutes=30))
    services.booking_done(actor=setup.booker, booking=booking)
    assert session(course, 1).status == "done"
    with pytest.raises(ValidationError, match="Only a booked session"):
        services.booking_done(actor=setup.booker, booking=booking)


def test_the_course_completes_with_its_last_session(setup, course, three):
    before = audit_count()
    for number in SESSIONS:
        course.refresh_from_db()
        assert course.status == CourseStatus.ACTIVE
        booking = into_the_past(session(course, number), dt.timedelta(days=12 - number))
        services.booking_done(actor=Actor(user=three.a_clinician), booking=booking)
    course.refresh_from_db()
    assert course.status == CourseStatus.COMPLETED
    assert remaining(course_sessions(course, today())) == 0
    actions = AuditEntry.objects.order_by("-id").values_list("action", flat=True)[:11]
    assert audit_count() == before + 11 and set(actions) == {"booking.done"}


def test_stopping_a_course_cancels_its_booked_sessions_and_keeps_the_done_ones(setup, course):
    services.booking_done(actor=setup.booker, booking=into_the_past(session(course, 1)))
    before = audit_count()
    count = services.course_cancel(actor=setup.booker, course=course, reason="Side effects")
    course.refresh_from_db()
    assert (count, course.status) == (10, CourseStatus.CANCELLED)
    statuses = dict(course.bookings.values_list("number", "status"))
    assert statuses == {1: "done"} | {n: "cancelled" for n in range(2, 12)}
    assert course.bookings.get(number=2).status_reason == "Side effects"
    assert audit_count() == before + 1 and last_audit().action == "course.cancel"
    with pytest.raises(ValidationError, match="not active"):
        services.course_cancel(actor=setup.booker, course=course, reason="Again")


def test_stopping_a_course_needs_a_reason(setup, course):
    before = written(setup.clinic)
    with pytest.raises(ValidationError) as caught:
        services.course_cancel(actor=setup.booker, course=course, reason=" ")
    assert list(caught.value.message_dict) == ["reason"]
    assert written(setup.clinic) == before


def test_stopping_a_course_keeps_the_reason_out_of_the_audit_trail(setup, course):
    services.course_cancel(actor=setup.booker, course=course, reason="Developed alopecia areata")
    assert "alopecia areata" not in str(last_audit().changes)


# --- every write is audited -------------------------------------------------------------------


def test_the_set_up_writes_are_audited_with_their_actor(three):
    before = audit_count()
    setup = set_up(three)
    entries = AuditEntry.objects.order_by("id")[before:]
    assert [e.action for e in entries] == [
        "schedule.update",
        "hours.update",
        "hours.update",
        "room.create",
        "room.create",
    ]
    assert {(e.user, e.clinic) for e in entries} == {(three.a_admin, three.clinic_a)}
    day = today() + dt.timedelta(days=30)
    absence = services.absence_add(
        actor=setup.actor,
        clinic=three.clinic_a,
        practitioner=setup.practitioner,
        first_day=day,
        last_day=day,
        reason="Course",
    )
    entry = last_audit()
    assert (entry.action, entry.object_id) == ("absence.add", str(absence.pk))
    services.room_save(actor=setup.actor, clinic=three.clinic_a, room=setup.room, name="Blue")
    assert last_audit().action == "room.update"
    services.absence_delete(actor=setup.actor, absence=absence)
    assert last_audit().action == "absence.delete"
    assert audit_count() == before + 8


def test_the_calendar_feed_is_made_once_and_reset_with_a_new_token(three):
    actor = Actor(user=three.a_reception)
    before = audit_count()
    feed = services.feed_get(actor=actor, patient=three.a_patient)
    assert last_audit().action == "feed.create" and last_audit().patient_id == three.a_patient.pk
    assert services.feed_get(actor=actor, patient=three.a_patient).token == feed.token
    assert audit_count() == before + 1
    reset = services.feed_get(actor=actor, patient=three.a_patient, reset=True)
    assert reset.token != feed.token and len(reset.token) >= 43
    assert last_audit().action == "feed.reset"
    assert list(
        CalendarFeed.objects.for_clinic(three.clinic_a).values_list("token", flat=True)
    ) == [reset.token]


# --- set-up validation ------------------------------------------------------------------------

SCHEDULE = {
    "opening": ALL_WEEK,
    "slot_minutes": 15,
    "session_minutes": 30,
    "protocol_minutes": {},
    "reminder_hours": 48,
}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slot_minutes": 7}, "slot_minutes"),
        ({"session_minutes": 25}, "session_minutes"),
        ({"session_minutes": 0}, "session_minutes"),
        ({"session_minutes": 255}, "session_minutes"),
        ({"protocol_minutes": {"dutasteride-vitamins": 40}}, "dutasteride-vitamins"),
        ({"reminder_hours": 0}, "reminder_hours"),
        ({"reminder_hours": 169}, "reminder_hours"),
        ({"opening": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "mon"),
        ({"opening": {"tue": [["09:10", "13:00"]]}}, "tue"),
        ({"opening": {"wed": [["13:00", "09:00"]]}}, "wed"),
        ({"opening": {"thu": [["9:00", "13:00"]]}}, "thu"),
    ],
)
def test_bad_clinic_hours_or_lengths_name_the_field_and_write_nothing(setup, three, changes, field):
    before = (audit_count(), list(ClinicSchedule.objects.for_clinic(three.clinic_a).values()))
    with pytest.raises(ValidationError) as caught:
        services.schedule_save(actor=setup.actor, clinic=three.clinic_a, **(SCHEDULE | changes))
    assert list(caught.value.message_dict) == [field]
    assert (
        audit_count(),
        list(ClinicSchedule.objects.for_clinic(three.clinic_a).values()),
    ) == before


def test_clinic_hours_and_lengths_are_saved(setup, three):
    staff_on_monday_mornings(setup)
    opening = {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "14:00"]]}
    services.schedule_save(
        actor=setup.actor,
        clinic=three.clinic_a,
        **(
            SCHEDULE | {"opening": opening | {"sun": []}, "slot_minutes": 20, "session_minutes": 40}
        ),
    )
    saved = ClinicSchedule.objects.for_clinic(three.clinic_a).get()
    assert (saved.opening, saved.slot_minutes, saved.session_minutes) == (opening, 20, 40)
    assert last_audit().action == "schedule.update"


@pytest.mark.parametrize(
    ("weekly", "field", "message"),
    [
        ({"fri": [["09:00", "13:00"], ["12:30", "15:00"]]}, "fri", "overlaps"),
        ({"sat": [["07:00", "12:00"]]}, "sat", "Outside the clinic's opening hours."),
        ({"sun": [["19:00", "21:00"]]}, "sun", "Outside the clinic's opening hours."),
        ({"mon": [["09:05", "12:00"]]}, "mon", "grid"),
    ],
)
def test_bad_staff_hours_name_the_weekday_and_write_nothing(setup, three, weekly, field, message):
    before = (
        audit_count(),
        list(WorkingHours.objects.for_clinic(three.clinic_a).order_by("pk").values()),
    )
    with pytest.raises(ValidationError) as caught:
        services.hours_save(
            actor=setup.actor, clinic=three.clinic_a, practitioner=setup.practitioner, weekly=weekly
        )
    assert list(caught.value.message_dict) == [field]
    assert message in caught.value.message_dict[field][0]
    assert (
        audit_count(),
        list(WorkingHours.objects.for_clinic(three.clinic_a).order_by("pk").values()),
    ) == before


def test_staff_hours_on_a_day_the_clinic_is_closed_are_refused(setup, three):
    staff_on_monday_mornings(setup)
    services.schedule_save(
        actor=setup.actor,
        clinic=three.clinic_a,
        **(SCHEDULE | {"opening": {d: b for d, b in ALL_WEEK.items() if d != "sun"}}),
    )
    with pytest.raises(ValidationError) as caught:
        services.hours_save(
            actor=setup.actor,
            clinic=three.clinic_a,
            practitioner=setup.practitioner,
            weekly={"sun": [["10:00", "12:00"]]},
        )
    assert list(caught.value.message_dict) == ["sun"]


def test_bad_absences_and_room_names_name_the_field_and_write_nothing(setup, three):
    before = (
        audit_count(),
        list(Absence.objects.for_clinic(three.clinic_a).values()),
        list(Room.objects.for_clinic(three.clinic_a).values()),
    )
    day = today()
    cases = [
        (
            services.absence_add,
            {
                "practitioner": setup.practitioner,
                "first_day": day,
                "last_day": day - dt.timedelta(days=1),
                "reason": "",
            },
            "last_day",
        ),
        (
            services.absence_add,
            {
                "practitioner": setup.practitioner,
                "first_day": day,
                "last_day": day + dt.timedelta(days=400),
                "reason": "",
            },
            "last_day",
        ),
        (services.room_save, {"name": "  "}, "name"),
        (services.room_save, {"name": "room 1"}, "name"),
    ]
    for service, arguments, field in cases:
        with pytest.raises(ValidationError) as caught:
            service(actor=setup.actor, clinic=three.clinic_a, **arguments)
        assert list(caught.value.message_dict) == [field]
    assert (
        audit_count(),
        list(Absence.objects.for_clinic(three.clinic_a).values()),
        list(Room.objects.for_clinic(three.clinic_a).values()),
    ) == before


def test_a_session_ending_at_midnight_fits_hours_that_end_at_midnight(setup, plan, three):
    late = {day: [["08:00", "24:00"]] for day in ALL_WEEK}
    services.schedule_save(
        actor=setup.actor, clinic=three.clinic_a, **(SCHEDULE | {"opening": late})
    )
    services.hours_save(
        actor=setup.actor, clinic=three.clinic_a, practitioner=setup.clinician, weekly=late
    )
    choices = planned(plan, setup.clinician, setup.room)
    choices[1] = dataclasses.replace(choices[1], start=choices[1].start.replace(hour=23, minute=30))
    course = services.course_book(actor=setup.booker, plan=plan, choices=choices)
    assert session(course, 2).start.astimezone(LONDON).time() == dt.time(23, 30)


def test_staff_hours_stay_inside_the_opening_hours_when_these_narrow(setup, three):
    narrow = {day: [["09:00", "17:00"]] for day in ALL_WEEK}
    with contextlib.suppress(ValidationError):
        services.schedule_save(
            actor=setup.actor, clinic=three.clinic_a, **(SCHEDULE | {"opening": narrow})
        )
    opening = ClinicSchedule.objects.for_clinic(three.clinic_a).get().opening
    for hours in WorkingHours.objects.for_clinic(three.clinic_a):
        assert outside_opening(hours.weekly, opening) == []


# --- reminders --------------------------------------------------------------------------------


def test_a_reminder_is_emailed_once_with_the_session_as_an_ics_attachment(setup, course, three):
    first = session(course, 1)
    now = first.start - dt.timedelta(hours=24)
    before = audit_count()
    run = send_reminders(now)
    assert (run.sent, run.no_email) == (1, 0)
    [message] = mail.outbox
    assert message.to == [three.a_patient.email]
    assert "session 1 of 11" in message.body and "Dr A" in message.body
    assert first.start.astimezone(LONDON).strftime("%H:%M") in message.subject
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == ("appointment.ics", "text/calendar")
    [event] = Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("dtstart") == first.start
    assert event.decoded("dtend") == first.end
    assert "session 1 of 11" in str(event["summary"])
    first.refresh_from_db()
    assert first.reminded_at == now
    assert audit_count() == before + 1
    entry = last_audit()
    assert (entry.action, entry.actor, entry.object_id, entry.patient_id) == (
        "booking.remind",
        "reminders",
        str(first.pk),
        three.a_patient.pk,
    )
    assert send_reminders(now + dt.timedelta(minutes=15)).sent == 0
    assert len(mail.outbox) == 1


def test_reminders_go_only_within_the_clinics_reminder_hours(setup, course, three):
    services.schedule_save(
        actor=setup.actor, clinic=three.clinic_a, **(SCHEDULE | {"reminder_hours": 24})
    )
    first = session(course, 1)
    assert send_reminders(first.start - dt.timedelta(hours=25)).sent == 0
    assert send_reminders(first.start).sent == 0  # it has begun
    assert send_reminders(first.start - dt.timedelta(hours=23)).sent == 1
    assert mail.outbox[0].to == [three.a_patient.email]


def test_cancelled_sessions_get_no_reminder(setup, course):
    first = session(course, 1)
    services.course_cancel(actor=setup.booker, course=course, reason="Stopped")
    assert send_reminders(first.start - dt.timedelta(hours=1)).sent == 0
    assert mail.outbox == []


def test_patients_without_an_email_address_are_skipped_and_counted(setup, three):
    patient = other_patient(three)
    patient_services.patient_update(
        actor=Actor(user=three.a_clinician), patient=patient, data={"email": ""}
    )
    course = book(setup, new_plan(three, patient))
    first = session(course, 1)
    run = send_reminders(first.start - dt.timedelta(hours=1))
    assert (run.sent, run.no_email) == (0, 1)
    assert mail.outbox == []
    first.refresh_from_db()
    assert first.reminded_at is None


def test_the_reminders_command_sends_the_due_reminders_and_prints_the_count(setup, course, capsys):
    booking = into_the_past(session(course, 1), -dt.timedelta(hours=3))
    assert cli.main(["reminders"]) == 0
    out = capsys.readouterr().out
    assert "1 reminders sent; 0 patients without an email address skipped." in out
    assert len(mail.outbox) == 1
    booking.refresh_from_db()
    assert booking.reminded_at is not None
    assert cli.main(["reminders"]) == 0
    assert "0 reminders sent" in capsys.readouterr().out


def test_a_cancelled_session_is_not_offered_its_own_time_again(setup, three):
    course = book(setup, new_plan(three))
    third = session(course, 3)
    change = change_proposal(course, 3, timezone.now())
    assert change.choices[0].number == 3
    assert change.choices[0].start != third.start
    assert windows(course.plan)[3].holds(change.choices[0].start.astimezone(LONDON).date())
