"""Scheduling pages: the calendar, booking a plan's course, moving, cancelling and no-shows, the
course page, the clinic's set-up, the dashboard's sessions of the day, and the patient's public
calendar feed.

The three-user fixture: clinic A's clinician and reception, and clinic B's clinician, who gets
404 for every scheduling object of clinic A. Clinic A is set up by tests/scheduling_helpers.py.
"""

import datetime as dt
import re
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from anagen.audit.services import Actor
from anagen.clinics.roles import Role
from anagen.patients import services as patient_services
from anagen.plans.models import TreatmentPlan
from anagen.scheduling import services
from anagen.scheduling.models import (
    Absence,
    Booking,
    CalendarFeed,
    ClinicSchedule,
    Room,
    WorkingHours,
)
from anagen.scheduling.selectors import course_for_plan, course_sessions
from tests.conftest import audit_count, make_user
from tests.scheduling_helpers import (
    LONDON,
    at,
    book,
    into_the_past,
    last_audit,
    new_plan,
    planned,
    session,
    set_up,
    staff_on_monday_mornings,
    windows,
    written,
)

WALL = "%Y-%m-%dT%H:%M"
OPENING = {day: "08:00-20:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
SCHEDULE_FORM = {
    "form": "schedule",
    "slot_minutes": "15",
    "session_minutes": "30",
    "reminder_hours": "24",
} | OPENING


@pytest.fixture
def setup(three):
    return set_up(three)


@pytest.fixture
def plan(three, setup):
    return new_plan(three)


@pytest.fixture
def course(setup, plan):
    return book(setup, plan)


def everything(clinic):
    """Every scheduling row of the clinic and the audit trail: what a refused request leaves."""
    return (
        *written(clinic),
        *(
            list(model.objects.for_clinic(clinic).order_by("pk").values())
            for model in (CalendarFeed, Room, Absence, WorkingHours, ClinicSchedule)
        ),
    )


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def table(choices):
    """The sessions table as the browser posts it."""
    data = {}
    for c in choices:
        prefix = f"session-{c.number}"
        data[f"{prefix}-start"] = c.start.astimezone(LONDON).strftime(WALL)
        data[f"{prefix}-practitioner"] = str(c.practitioner_id)
        data[f"{prefix}-room"] = str(c.room_id)
    return data


def rows_of(response):
    return [(r.number, r.choice) for r in response.context["rows"]]


def b_admin(three):
    return make_user(three.clinic_b, Role.ADMIN, "admin.b@example.org", "Admin B")


def feed_path(client, patient):
    response = client.get(f"/patients/{patient.pk}/calendar-link/")
    assert response.status_code == 200
    [url] = re.findall(r'<code id="feed-url">([^<]+)</code>', response.content.decode())
    return urlparse(url).path


def scheduling_urls(three, course, plan):
    booking = session(course, 3)
    move = (windows(plan)[3].latest).isoformat() + "T10:00"
    b, c, p = booking.pk, course.pk, three.a_patient.pk
    return [
        ("get", f"/bookings/{b}/", {}),
        ("get", f"/bookings/{b}/change/?kind=move", {}),
        ("get", f"/bookings/{b}/change/?kind=move&start={move}", {}),
        ("get", f"/bookings/{b}/change/?kind=cancel", {}),
        ("post", f"/bookings/{b}/change/", {"kind": "cancel", "reason": "Flu", "rebook": "no"}),
        ("get", f"/courses/{c}/", {}),
        ("post", f"/courses/{c}/", {"reason": "Stopped"}),
        ("get", f"/plans/{plan.pk}/book/", {}),
        ("post", f"/plans/{plan.pk}/book/", {}),
        ("get", f"/patients/{p}/calendar-link/", {}),
        ("post", f"/patients/{p}/calendar-link/", {}),
    ]


def setup_urls(setup):
    absence = services.absence_add(
        actor=setup.actor,
        clinic=setup.clinic,
        practitioner=setup.practitioner,
        first_day=timezone.localdate() + dt.timedelta(days=40),
        last_day=timezone.localdate() + dt.timedelta(days=41),
        reason="Leave",
    )
    who = setup.practitioner.pk
    return [
        ("post", f"/scheduling/rooms/{setup.room.pk}/", {"name": "Taken"}),
        ("get", f"/scheduling/hours/{who}/", {}),
        ("post", f"/scheduling/hours/{who}/", {"form": "hours", "mon": "09:00-10:00"}),
        ("post", f"/scheduling/absences/{absence.pk}/delete/", {}),
    ]


# --- isolation --------------------------------------------------------------------------------


def test_another_clinics_clinician_gets_404_for_every_booking_course_plan_and_patient(
    three, setup, plan, course
):
    # A second plan, not booked, so booking it is not answered by a redirect to its course.
    unbooked = new_plan(three)
    urls = scheduling_urls(three, course, plan)
    urls += [
        ("get", f"/plans/{unbooked.pk}/book/", {}),
        ("post", f"/plans/{unbooked.pk}/book/", {}),
    ]
    client = three.client(three.b_clinician)
    before = everything(three.clinic_a)
    for method, url, data in urls:
        assert getattr(client, method)(url, data).status_code == 404, (method, url)
    assert everything(three.clinic_a) == before


def test_another_clinics_admin_gets_404_for_every_set_up_object(three, setup):
    urls = setup_urls(setup)
    client = three.client(b_admin(three))
    before = everything(three.clinic_a)
    for method, url, data in urls:
        assert getattr(client, method)(url, data).status_code == 404, (method, url)
    assert everything(three.clinic_a) == before


def test_another_clinics_calendar_and_dashboard_show_none_of_this_clinics_sessions(
    three, setup, course, plan
):
    at_noon_today(session(course, 1))
    client = three.client(three.b_clinician)
    dashboard = client.get("/")
    assert dashboard.context["today_sessions"] == [] and "Lovelace" not in text(dashboard)
    assert "Lovelace" in text(three.client(three.a_reception).get("/"))
    day = timezone.localdate().isoformat()
    for url in (f"/calendar/?date={day}", f"/calendar/?view=day&date={day}"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Lovelace" not in text(response), url


def test_a_feed_token_does_not_open_under_another_clinics_address(three, setup, course):
    path = feed_path(three.client(three.a_reception), three.a_patient)
    assert Client().get(path).status_code == 200
    elsewhere = path.replace("/c/clinic-a/", "/c/clinic-b/")
    assert Client().get(elsewhere).status_code == 404
    assert Client().get(path.replace("/c/clinic-a/", "/c/nowhere/")).status_code == 404


def test_unknown_or_malformed_ids_are_404(three, setup):
    client = three.client(three.a_clinician)
    unknown = "00000000-0000-4000-8000-000000000000"
    for url in (
        f"/bookings/{unknown}/",
        f"/bookings/{unknown}/change/",
        f"/courses/{unknown}/",
        f"/plans/{unknown}/book/",
        "/courses/not-a-uuid/",
    ):
        assert client.get(url).status_code == 404, url
    admin = three.client(three.a_admin)
    # Reception is not treating staff: no hours page.
    assert admin.get(f"/scheduling/hours/{three.a_reception.pk}/").status_code == 404
    assert admin.post("/scheduling/rooms/999999/", {"name": "x"}).status_code == 404


def test_signed_out_visitors_are_sent_to_login(three, setup, course, plan):
    for method, url, data in [("get", "/calendar/", {}), *scheduling_urls(three, course, plan)]:
        response = getattr(Client(), method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


# --- roles ------------------------------------------------------------------------------------


def test_reception_views_the_calendar_and_books_a_course(three, setup, plan):
    client = three.client(three.a_reception)
    assert client.get("/calendar/").status_code == 200
    proposed = client.get(f"/plans/{plan.pk}/book/")
    assert proposed.status_code == 200
    choices = [choice for _, choice in rows_of(proposed)]
    response = client.post(f"/plans/{plan.pk}/book/", table(choices))
    assert response.status_code == 302
    course_id = response["Location"].split("/")[2]
    assert client.get(response["Location"]).status_code == 200
    assert Booking.objects.for_clinic(three.clinic_a).filter(course_id=course_id).count() == 11


def test_only_the_clinic_admin_may_use_the_set_up_pages(three, setup):
    urls = [
        ("get", "/scheduling/", {}),
        ("post", "/scheduling/", {"form": "room", "name": "Room 9"}),
        *setup_urls(setup),
    ]
    for user in (three.a_reception, three.a_clinician, setup.practitioner):
        client = three.client(user)
        before = everything(three.clinic_a)
        for method, url, data in urls:
            assert getattr(client, method)(url, data).status_code == 403, (user, method, url)
        assert everything(three.clinic_a) == before
    assert three.client(three.a_admin).get("/scheduling/").status_code == 200


# --- the calendar -----------------------------------------------------------------------------


def blocks(response):
    return [
        (col.title, b.booking.number) for col in response.context["columns"] for b in col.blocks
    ]


def test_the_week_shows_each_booking_with_its_patient_and_session_number(
    three, setup, course, plan
):
    day = windows(plan)[2].planned
    response = three.client(three.a_reception).get("/calendar/", {"date": day.isoformat()})
    assert response.status_code == 200
    assert len(response.context["columns"]) == 7
    assert blocks(response) == [("Dr A", 2)]
    body = text(response)
    assert "10:00 Lovelace, A." in body and "2/11" in body


def test_the_week_of_another_practitioner_or_room_shows_only_theirs(three, setup, course, plan):
    client = three.client(three.a_reception)
    day = windows(plan)[2].planned.isoformat()
    other = client.get("/calendar/", {"date": day, "who": setup.practitioner.pk})
    assert other.context["who"] == setup.practitioner.pk and blocks(other) == []
    room = client.get("/calendar/", {"date": day, "by": "room", "who": setup.room.pk})
    assert blocks(room) == [("Room 1", 2)] and "2/11" in text(room)
    room2 = client.get("/calendar/", {"date": day, "by": "room", "who": setup.room2.pk})
    assert blocks(room2) == []


def test_the_day_shows_every_practitioner_or_room(three, setup, course, plan):
    client = three.client(three.a_reception)
    day = windows(plan)[4].planned.isoformat()
    people = client.get("/calendar/", {"view": "day", "date": day})
    assert [c.title for c in people.context["columns"]] == ["Dr A", "Practitioner A"]
    assert blocks(people) == [("Dr A", 4)]
    rooms = client.get("/calendar/", {"view": "day", "by": "room", "date": day})
    assert [c.title for c in rooms.context["columns"]] == ["Room 1", "Room 2"]
    assert blocks(rooms) == [("Room 1", 4)] and "4/11" in text(rooms)


@pytest.mark.parametrize(
    "query",
    [
        {"date": "garbage"},
        {"date": "2026-02-30"},
        {"who": "abc"},
        {"who": "999999"},
        {"view": "month", "by": "chair"},
        {"view": "day", "by": "room", "who": "-1"},
    ],
)
def test_bad_calendar_parameters_do_not_break_the_page(three, setup, course, query):
    assert three.client(three.a_reception).get("/calendar/", query).status_code == 200


def test_a_date_at_the_end_of_the_calendar_does_not_break_the_page(three, setup):
    assert three.client(three.a_reception).get("/calendar/?date=9999-12-31").status_code == 200


def test_the_day_view_of_one_practitioner_shows_only_them(three, setup, course, plan):
    day = windows(plan)[4].planned.isoformat()
    response = three.client(three.a_reception).get(
        "/calendar/", {"view": "day", "date": day, "who": setup.practitioner.pk}
    )
    assert [c.title for c in response.context["columns"]] == ["Practitioner A"]


# --- booking a plan's course ------------------------------------------------------------------


def test_the_booking_page_proposes_every_session_inside_its_window(three, setup, plan):
    response = three.client(three.a_reception).get(f"/plans/{plan.pk}/book/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.number for r in rows] == list(range(1, 12))
    for row in rows:
        assert row.choice is not None and not row.outside
        assert windows(plan)[row.number].holds(row.wall.date())
    body = text(response)
    assert "Book all 11 sessions" in body and 'name="session-11-start"' in body
    assert "outside window" not in body and "allow_outside" not in body


def test_booking_posts_the_table_and_goes_to_the_course(three, setup, plan):
    client = three.client(three.a_reception)
    choices = [c for _, c in rows_of(client.get(f"/plans/{plan.pk}/book/"))]
    before = audit_count()
    response = client.post(f"/plans/{plan.pk}/book/", table(choices))
    course = plan_course(three, plan)
    assert response.status_code == 302 and response["Location"] == f"/courses/{course.pk}/"
    starts = [b.start for b in course.bookings.order_by("number")]
    assert starts == [c.start for c in choices]
    assert audit_count() == before + 1 and last_audit().action == "course.book"
    # Booked: the page now leads to the course.
    again = client.get(f"/plans/{plan.pk}/book/")
    assert again.status_code == 302 and again["Location"] == f"/courses/{course.pk}/"


def plan_course(three, plan):
    course = course_for_plan(plan)
    assert course is not None
    return course


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"session-4-start": ""}, "Give a date and time, a practitioner and a room."),
        ({"session-4-start": "next tuesday"}, "Give a date and time, a practitioner and a room."),
        ({"session-4-room": "x"}, "Give a date and time, a practitioner and a room."),
        ({"session-4-start": "__late__"}, "Outside the protocol window"),
        ({"session-4-start": "__evening__"}, "Dr A is not working then"),
    ],
)
def test_a_bad_row_is_named_with_422_and_nothing_is_booked(three, setup, plan, row, message):
    w = windows(plan)[4]
    values = {
        "__late__": (w.latest + dt.timedelta(days=1)).isoformat() + "T10:00",
        "__evening__": w.planned.isoformat() + "T21:00",
    }
    data = table(planned_choices(setup, plan)) | {k: values.get(v, v) for k, v in row.items()}
    before = everything(three.clinic_a)
    response = three.client(three.a_reception).post(f"/plans/{plan.pk}/book/", data)
    assert response.status_code == 422
    errors = {r.number: r.errors for r in response.context["rows"] if r.errors}
    assert list(errors) == [4] and message in errors[4][0]
    assert re.search(r'<tr id="row-4" class="[^"]*has-error', response.content.decode())
    assert everything(three.clinic_a) == before


def test_booking_outside_a_window_needs_the_box_ticked(three, setup, plan):
    late = (windows(plan)[11].latest + dt.timedelta(days=1)).isoformat() + "T10:00"
    data = table(planned_choices(setup, plan)) | {"session-11-start": late}
    client = three.client(three.a_reception)
    refused = client.post(f"/plans/{plan.pk}/book/", data)
    assert refused.status_code == 422 and 'name="allow_outside"' in refused.content.decode()
    assert "outside window" in text(refused)
    booked = client.post(f"/plans/{plan.pk}/book/", data | {"allow_outside": "on"})
    assert booked.status_code == 302
    assert "outside window" in last_audit().changes


def test_a_start_at_the_end_of_the_calendar_is_a_bad_row_not_a_crash(three, setup, plan):
    data = table(planned_choices(setup, plan)) | {"session-11-start": "9999-12-31T23:45"}
    response = three.client(three.a_reception).post(f"/plans/{plan.pk}/book/", data)
    assert response.status_code == 422


def test_the_booking_page_still_proposes_after_the_booking_grid_changes(three, setup, plan):
    services.hours_save(
        actor=setup.actor,
        clinic=three.clinic_a,
        practitioner=setup.practitioner,
        weekly={"mon": [["09:15", "12:00"]]},
    )
    data = SCHEDULE_FORM | {"slot_minutes": "30"}
    three.client(three.a_admin).post("/scheduling/", data)
    assert three.client(three.a_reception).get(f"/plans/{plan.pk}/book/").status_code == 200


def planned_choices(setup, plan):
    return planned(plan, setup.clinician, setup.room)


# --- moving, cancelling, no-shows -------------------------------------------------------------


def test_the_move_page_asks_for_the_new_time(three, setup, course):
    booking = session(course, 3)
    response = three.client(three.a_reception).get(f"/bookings/{booking.pk}/change/?kind=move")
    assert response.status_code == 200
    assert "Move session 3" in text(response) and 'name="start"' in response.content.decode()


def test_a_move_shows_the_re_planned_sessions_then_saves_them(three, setup, plan, course):
    client = three.client(three.a_reception)
    old = session(course, 3)
    w = windows(plan)
    new_start = at(w[3].latest, 11)
    url = f"/bookings/{old.pk}/change/"
    shown = client.get(url, {"kind": "move", "start": new_start.strftime(WALL)})
    assert shown.status_code == 200
    rows = shown.context["rows"]
    assert [r.number for r in rows] == list(range(3, 12))
    assert rows[0].choice.start == new_start
    assert not any(r.outside for r in rows) and shown.context["proposal"].warnings == []
    assert [r.booked for r in rows] == [session(course, n) for n in range(3, 12)]
    response = client.post(url, {"kind": "move"} | table(r.choice for r in rows))
    assert response.status_code == 302 and response["Location"] == f"/courses/{course.pk}/"
    old.refresh_from_db()
    assert old.status == "moved" and session(course, 3).start == new_start
    assert last_audit().action == "booking.move"


def test_a_move_to_an_unreadable_time_asks_again(three, setup, course):
    booking = session(course, 3)
    response = three.client(three.a_reception).get(
        f"/bookings/{booking.pk}/change/", {"kind": "move", "start": "soon"}
    )
    assert response.status_code == 200 and "Give the new date and time." in text(response)


def test_a_move_to_the_end_of_the_calendar_is_not_a_crash(three, setup, course):
    booking = session(course, 3)
    response = three.client(three.a_reception).get(
        f"/bookings/{booking.pk}/change/", {"kind": "move", "start": "9999-12-31T23:45"}
    )
    assert response.status_code in (200, 422)


def test_a_move_beyond_the_window_is_shown_with_warnings(three, setup, plan, course):
    booking = session(course, 3)
    late = at(windows(plan)[3].latest + dt.timedelta(days=10))
    response = three.client(three.a_reception).get(
        f"/bookings/{booking.pk}/change/", {"kind": "move", "start": late.strftime(WALL)}
    )
    body = text(response)
    assert response.status_code == 200
    assert "outside session 3&#x27;s window" in body and "Session 4 on" in body
    assert "outside window" in body and 'name="allow_outside"' in body


def test_cancelling_a_session_to_rebook_later(three, setup, course):
    booking = session(course, 3)
    client = three.client(three.a_reception)
    url = f"/bookings/{booking.pk}/change/"
    shown = client.get(url, {"kind": "cancel"})
    assert shown.status_code == 200 and "Reason (required)" in text(shown)
    assert [r.number for r in shown.context["rows"]] == list(range(3, 12))
    response = client.post(url, {"kind": "cancel", "reason": "Flu", "rebook": "no"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.status_reason) == ("cancelled", "Flu")
    page = client.get(f"/courses/{course.pk}/")
    assert 'class="state-due" data-number="3"' in page.content.decode()
    assert "Cancelled: " in text(page) and "(Flu)" in text(page)


def test_a_session_cancelled_to_rebook_later_is_booked_from_the_course_page(three, setup, course):
    client = three.client(three.a_reception)
    first = session(course, 1)
    client.post(
        f"/bookings/{first.pk}/change/", {"kind": "cancel", "reason": "Flu", "rebook": "no"}
    )
    page = client.get(f"/courses/{course.pk}/")
    assert f'href="/courses/{course.pk}/book/"' in page.content.decode()
    shown = client.get(f"/courses/{course.pk}/book/")
    assert shown.status_code == 200
    rows = shown.context["rows"]
    assert [r.number for r in rows] == list(range(1, 12))
    assert not any(r.outside for r in rows)
    before = audit_count()
    response = client.post(f"/courses/{course.pk}/book/", table(r.choice for r in rows))
    assert response.status_code == 302
    states = [s.state for s in course_sessions(course, timezone.localdate())]
    assert states == ["booked"] * 11
    assert audit_count() == before + 1 and last_audit().action == "course.rebook"
    # Nothing left to book: the page sends reception back to the course.
    assert client.get(f"/courses/{course.pk}/book/").status_code == 302


def test_rebooking_another_clinics_course_is_404(three, setup, course):
    assert three.client(three.b_clinician).get(f"/courses/{course.pk}/book/").status_code == 404


def test_cancelling_a_session_and_rebooking_the_rest(three, setup, course):
    booking = session(course, 3)
    client = three.client(three.a_reception)
    url = f"/bookings/{booking.pk}/change/"
    rows = client.get(url, {"kind": "cancel"}).context["rows"]
    data = {"kind": "cancel", "reason": "Flu", "rebook": "yes"} | table(r.choice for r in rows)
    assert client.post(url, data).status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert session(course, 3).replaces == booking


def test_cancelling_without_a_reason_is_refused_with_422(three, setup, course):
    booking = session(course, 3)
    before = everything(three.clinic_a)
    response = three.client(three.a_reception).post(
        f"/bookings/{booking.pk}/change/", {"kind": "cancel", "reason": " ", "rebook": "no"}
    )
    assert response.status_code == 422
    assert everything(three.clinic_a) == before


def test_cancelling_without_a_reason_says_a_reason_is_needed(three, setup, course):
    booking = session(course, 3)
    response = three.client(three.a_reception).post(
        f"/bookings/{booking.pk}/change/", {"kind": "cancel", "reason": "", "rebook": "no"}
    )
    assert "Say why the session is cancelled." in text(response)


def test_a_no_show_is_recorded_once_the_time_has_passed(three, setup, course):
    client = three.client(three.a_reception)
    future = session(course, 2)
    before = everything(three.clinic_a)
    refused = client.post(f"/bookings/{future.pk}/change/", {"kind": "no_show", "rebook": "no"})
    assert refused.status_code == 422 and "only once its time has come" in text(refused)
    assert everything(three.clinic_a) == before
    booking = into_the_past(session(course, 1))
    url = f"/bookings/{booking.pk}/change/"
    shown = client.get(url, {"kind": "no_show"})
    assert shown.status_code == 200 and shown.context["rows"][0].number == 1
    response = client.post(url, {"kind": "no_show", "reason": "", "rebook": "no"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "no_show" and last_audit().action == "booking.no_show"


def test_an_unknown_change_is_404_and_a_changed_session_cannot_change_again(three, setup, course):
    client = three.client(three.a_reception)
    booking = session(course, 3)
    assert client.get(f"/bookings/{booking.pk}/change/?kind=delete").status_code == 404
    services.course_change(
        actor=Actor(user=three.a_reception), booking=booking, kind="cancel", choices=[], reason="x"
    )
    before = everything(three.clinic_a)
    response = client.post(f"/bookings/{booking.pk}/change/", {"kind": "cancel", "reason": "y"})
    assert response.status_code == 302 and response["Location"] == f"/bookings/{booking.pk}/"
    assert everything(three.clinic_a) == before


# --- the course page --------------------------------------------------------------------------


def test_the_course_page_shows_each_sessions_state_and_the_remaining_count(
    three, setup, plan, course
):
    actor = Actor(user=three.a_clinician)
    services.booking_done(
        actor=actor, booking=into_the_past(session(course, 1), dt.timedelta(days=9))
    )
    for number in (2, 3):
        services.course_change(
            actor=actor, booking=session(course, number), kind="cancel", choices=[], reason="Ill"
        )
    # Session 2's window has passed (as if the plan had started three weeks ago).
    document = plan.document
    past = timezone.localdate() - dt.timedelta(days=7)
    document["sessions"][1] |= {
        "date": past.isoformat(),
        "earliest": (past - dt.timedelta(days=1)).isoformat(),
        "latest": (past + dt.timedelta(days=3)).isoformat(),
    }
    TreatmentPlan.objects.for_clinic(three.clinic_a).filter(pk=plan.pk).update(document=document)
    response = three.client(three.a_reception).get(f"/courses/{course.pk}/")
    assert response.status_code == 200
    rows = re.findall(r'<tr class="state-(\w+)" data-number="(\d+)"', response.content.decode())
    found = {int(number): state for state, number in rows}
    assert found == {1: "done", 2: "overdue", 3: "due"} | {n: "booked" for n in range(4, 12)}
    assert re.search(r"Remaining sessions</span><strong>10</strong> of 11", text(response))


def test_stopping_the_course_from_its_page(three, setup, course):
    client = three.client(three.a_reception)
    response = client.post(f"/courses/{course.pk}/", {"reason": "Moved abroad"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.status == "cancelled"
    assert set(course.bookings.values_list("status", flat=True)) == {"cancelled"}


def test_stopping_the_course_without_a_reason_says_so_and_changes_nothing(three, setup, course):
    before = everything(three.clinic_a)
    response = three.client(three.a_reception).post(f"/courses/{course.pk}/", {"reason": ""})
    assert "Say why the course is stopped." in text(response)
    assert everything(three.clinic_a) == before


def test_stopping_the_course_without_a_reason_is_422(three, setup, course):
    response = three.client(three.a_reception).post(f"/courses/{course.pk}/", {"reason": ""})
    assert response.status_code == 422


# --- set-up pages -----------------------------------------------------------------------------


def test_saving_opening_hours_and_session_lengths(three, setup):
    staff_on_monday_mornings(setup)
    data = SCHEDULE_FORM | {"mon": "09:00-13:00, 14:00-18:00", "sun": "", "session_minutes": "45"}
    response = three.client(three.a_admin).post("/scheduling/", data)
    assert response.status_code == 302
    saved = ClinicSchedule.objects.for_clinic(three.clinic_a).get()
    assert saved.opening["mon"] == [["09:00", "13:00"], ["14:00", "18:00"]]
    assert "sun" not in saved.opening
    assert (saved.session_minutes, saved.reminder_hours) == (45, 24)
    assert last_audit().action == "schedule.update"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"session_minutes": "25"}, "session_minutes"),
        ({"slot_minutes": "7"}, "slot_minutes"),
        ({"reminder_hours": "0"}, "reminder_hours"),
        ({"mon": "09:00-13:00, 12:00-18:00"}, "mon"),
        ({"tue": "9 to 5"}, "tue"),
        ({"wed": "09:10-12:00"}, "wed"),
    ],
)
def test_bad_set_up_input_names_the_field_with_422_and_writes_nothing(three, setup, changes, field):
    before = everything(three.clinic_a)
    response = three.client(three.a_admin).post("/scheduling/", SCHEDULE_FORM | changes)
    assert response.status_code == 422
    assert list(response.context["form"].errors) == [field]
    assert everything(three.clinic_a) == before


def test_adding_renaming_and_retiring_a_room(three, setup):
    client = three.client(three.a_admin)
    assert client.post("/scheduling/", {"form": "room", "name": "Room 3"}).status_code == 302
    room = Room.objects.for_clinic(three.clinic_a).get(name="Room 3")
    assert last_audit().action == "room.create"
    before = everything(three.clinic_a)
    duplicate = client.post("/scheduling/", {"form": "room", "name": "room 3"})
    assert duplicate.status_code == 422 and list(duplicate.context["room_form"].errors) == ["name"]
    assert everything(three.clinic_a) == before
    assert client.post(f"/scheduling/rooms/{room.pk}/", {"name": "Blue"}).status_code == 302
    room.refresh_from_db()
    assert (room.name, room.is_active) == ("Blue", False)
    assert last_audit().action == "room.update"


def test_saving_a_practitioners_hours(three, setup):
    client = three.client(three.a_admin)
    url = f"/scheduling/hours/{setup.practitioner.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"form": "hours", "mon": "09:00-12:00", "tue": "13:00-17:00"})
    assert response.status_code == 302
    hours = WorkingHours.objects.for_clinic(three.clinic_a).get(practitioner=setup.practitioner)
    assert hours.weekly == {"mon": [["09:00", "12:00"]], "tue": [["13:00", "17:00"]]}
    assert last_audit().action == "hours.update"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"form": "hours", "sat": "07:00-12:00"}, "sat"),
        ({"form": "hours", "fri": "09:00-13:00, 12:00-14:00"}, "fri"),
        ({"form": "hours", "mon": "nine to five"}, "mon"),
        ({"form": "absence", "first_day": "2030-05-02", "last_day": "2030-05-01"}, "last_day"),
        ({"form": "absence", "first_day": "2030-05-02", "last_day": "soon"}, "last_day"),
    ],
)
def test_bad_hours_or_absences_name_the_field_with_422_and_write_nothing(three, setup, data, field):
    before = everything(three.clinic_a)
    response = three.client(three.a_admin).post(f"/scheduling/hours/{setup.practitioner.pk}/", data)
    assert response.status_code == 422
    form = response.context["form" if data["form"] == "hours" else "absence_form"]
    assert list(form.errors) == [field]
    assert everything(three.clinic_a) == before


def test_recording_and_removing_an_absence(three, setup):
    client = three.client(three.a_admin)
    url = f"/scheduling/hours/{setup.practitioner.pk}/"
    data = {
        "form": "absence",
        "first_day": "2030-05-01",
        "last_day": "2030-05-03",
        "reason": "Leave",
    }
    assert client.post(url, data).status_code == 302
    absence = Absence.objects.for_clinic(three.clinic_a).get()
    assert (absence.practitioner, absence.first_day) == (setup.practitioner, dt.date(2030, 5, 1))
    assert last_audit().action == "absence.add"
    response = client.post(f"/scheduling/absences/{absence.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == url
    assert not Absence.objects.for_clinic(three.clinic_a).exists()
    assert last_audit().action == "absence.delete"


# --- the dashboard ----------------------------------------------------------------------------


def at_noon_today(booking):
    noon = dt.datetime.combine(timezone.now().astimezone(LONDON).date(), dt.time(12), LONDON)
    Booking.objects.for_clinic(booking.clinic).filter(pk=booking.pk).update(
        start=noon, end=noon + dt.timedelta(minutes=30)
    )


def test_the_dashboard_lists_todays_sessions(three, setup, course):
    at_noon_today(session(course, 1))
    for user in (three.a_reception, three.a_clinician, setup.practitioner):
        body = text(three.client(user).get("/"))
        assert "Today's sessions" in body
        assert "Lovelace, Ada" in body and "1 of 11" in body and "12:00" in body


def test_the_dashboard_says_when_no_session_is_booked_today(three, setup, course):
    body = text(three.client(three.a_reception).get("/"))
    assert "No sessions booked today." in body and "Lovelace, Ada</a></td><td>1 of" not in body


# --- the patient's calendar feed --------------------------------------------------------------


def events(response):
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_the_calendar_link_gives_a_public_feed_of_the_patients_sessions(three, setup, course):
    path = feed_path(three.client(three.a_reception), three.a_patient)
    assert last_audit().action == "feed.create"
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    found = {e.decoded("dtstart"): str(e["summary"]) for e in events(response)}
    bookings = course.bookings.order_by("number")
    assert sorted(found) == [b.start for b in bookings]
    assert found[bookings[2].start].startswith("Hair treatment, session 3 of 11")
    for clinical in ("L64.9", "rivaroxaban", "Lidocaine", "dutasteride"):
        assert clinical.lower() not in response.content.decode().lower()


def test_a_cancelled_session_stays_in_the_feed_marked_cancelled(three, setup, course):
    booking = session(course, 3)
    services.course_change(
        actor=Actor(user=three.a_reception), booking=booking, kind="cancel", choices=[], reason="x"
    )
    path = feed_path(three.client(three.a_reception), three.a_patient)
    status = {e.decoded("dtstart"): str(e["status"]) for e in events(Client().get(path))}
    assert status[booking.start] == "CANCELLED"
    assert list(status.values()).count("CONFIRMED") == 10


def test_a_wrong_token_is_404(three, setup, course):
    path = feed_path(three.client(three.a_reception), three.a_patient)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    for wrong in ("x" * len(token), token[:-1], token + "x"):
        assert Client().get(path.replace(token, wrong)).status_code == 404


def test_resetting_the_link_stops_the_old_one(three, setup, course):
    client = three.client(three.a_reception)
    old = feed_path(client, three.a_patient)
    response = client.post(f"/patients/{three.a_patient.pk}/calendar-link/")
    assert response.status_code == 302
    assert last_audit().action == "feed.reset"
    new = feed_path(client, three.a_patient)
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_an_archived_patients_feed_is_404(three, setup, course):
    path = feed_path(three.client(three.a_reception), three.a_patient)
    patient_services.patient_archive(
        actor=Actor(user=three.a_clinician), patient=three.a_patient, reason="Left the clinic"
    )
    assert Client().get(path).status_code == 404
