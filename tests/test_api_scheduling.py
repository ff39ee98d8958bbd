"""Scheduling over the JSON API: free slots, proposing and booking a plan's course, reading a
course, proposing and saving a move; bad input names the field and writes nothing; another
clinic's objects are 404."""

import datetime as dt

import pytest
from django.utils import timezone

from anagen.scheduling.models import Booking, BookingStatus
from tests.scheduling_helpers import (
    book,
    last_audit,
    new_plan,
    session,
    set_up,
    windows,
    written,
)
from tests.test_api import with_token


@pytest.fixture
def setup(three):
    return set_up(three)


def test_availability_lists_free_starts_with_a_free_room(three, setup):
    day = timezone.localdate() + dt.timedelta(days=3)
    api = with_token(three.a_reception)
    slots = api.get(
        f"/availability?date_from={day}&date_to={day}&practitioner={setup.practitioner.pk}"
    ).json()
    # 08:00-20:00 in 15-minute steps for a 30-minute session: 47 starts.
    assert len(slots) == 47
    assert slots[0]["start"].startswith(f"{day}T08:00")
    assert {s["practitioner"] for s in slots} == {setup.practitioner.pk}


def test_availability_leaves_out_booked_times(three, setup):
    course = book(setup, new_plan(three))
    first = session(course, 1)
    day = first.start.date()
    slots = (
        with_token(three.a_reception)
        .get(f"/availability?date_from={day}&date_to={day}&practitioner={first.practitioner_id}")
        .json()
    )
    starts = {s["start"][:16] for s in slots}
    local = timezone.localtime(first.start)
    assert local.strftime("%Y-%m-%dT%H:%M") not in starts


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=2027-01-10&date_to=2027-01-01", "date_to"),
        ("date_from=2027-01-01&date_to=2027-03-01", "date_to"),
        ("date_from=2027-01-01&date_to=2027-01-02&minutes=999", "minutes"),
    ],
)
def test_bad_availability_questions_name_the_field(three, setup, query, field):
    response = with_token(three.a_reception).get(f"/availability?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field


def test_propose_then_book_a_course(three, setup):
    plan = new_plan(three)
    api = with_token(three.a_reception)
    proposal = api.post(f"/plans/{plan.pk}/course/proposal", {}).json()
    sessions = proposal["sessions"]
    assert [s["number"] for s in sessions] == sorted(windows(plan))
    assert all(s["in_window"] for s in sessions) and proposal["failed"] is None
    before = written(three.clinic_a)
    body = {
        "sessions": [
            {k: s[k] for k in ("number", "start", "practitioner", "room")} for s in sessions
        ]
    }
    response = api.post(f"/plans/{plan.pk}/course", body)
    assert response.status_code == 200, response.json()
    course = response.json()
    assert course["remaining"] == len(sessions)
    assert {s["state"] for s in course["sessions"]} == {"booked"}
    assert written(three.clinic_a) != before and last_audit().action == "course.book"
    assert api.get(f"/courses/{course['id']}").json() == course


def test_a_bad_session_is_422_naming_it_and_nothing_is_written(three, setup):
    plan = new_plan(three)
    api = with_token(three.a_reception)
    sessions = api.post(f"/plans/{plan.pk}/course/proposal", {}).json()["sessions"]
    body = {
        "sessions": [
            {k: s[k] for k in ("number", "start", "practitioner", "room")} for s in sessions
        ]
    }
    body["sessions"][2]["start"] = body["sessions"][1]["start"]  # same time as session 2
    before = written(three.clinic_a)
    response = api.post(f"/plans/{plan.pk}/course", body)
    assert response.status_code == 422
    fields = {d["loc"][-1] for d in response.json()["detail"]}
    assert fields & {"session-3", "session-2", "__all__"}
    assert written(three.clinic_a) == before


def test_move_proposal_and_save(three, setup):
    course = book(setup, new_plan(three))
    third = session(course, 3)
    api = with_token(three.a_reception)
    new_start = timezone.localtime(third.start) + dt.timedelta(days=1)
    proposal = api.post(
        f"/bookings/{third.pk}/reschedule/proposal",
        {"kind": "move", "start": new_start.isoformat()},
    ).json()
    numbers = [s["number"] for s in proposal["sessions"]]
    assert numbers == list(range(3, len(windows(course.plan)) + 1))
    assert all(s["in_window"] for s in proposal["sessions"])
    body = {
        "kind": "move",
        "sessions": [
            {k: s[k] for k in ("number", "start", "practitioner", "room")}
            for s in proposal["sessions"]
        ],
    }
    saved = api.post(f"/bookings/{third.pk}/reschedule", body)
    assert saved.status_code == 200, saved.json()
    third.refresh_from_db()
    assert third.status == BookingStatus.MOVED
    assert session(course, 3).start == new_start
    assert last_audit().action == "booking.move"


def test_a_move_without_a_start_or_with_an_unknown_kind_is_422(three, setup):
    course = book(setup, new_plan(three))
    third = session(course, 3)
    api = with_token(three.a_reception)
    url = f"/bookings/{third.pk}/reschedule/proposal"
    assert api.post(url, {"kind": "move"}).json()["detail"][0]["loc"][-1] == "start"
    assert api.post(url, {"kind": "teleport"}).json()["detail"][0]["loc"][-1] == "kind"


def test_another_clinics_plans_courses_and_bookings_are_404(three, setup):
    plan = new_plan(three)
    course = book(setup, plan)
    third = session(course, 3)
    api = with_token(three.b_clinician)
    assert api.post(f"/plans/{plan.pk}/course/proposal", {}).status_code == 404
    assert api.post(f"/plans/{plan.pk}/course", {"sessions": []}).status_code == 404
    assert api.get(f"/courses/{course.pk}").status_code == 404
    assert (
        api.post(f"/bookings/{third.pk}/reschedule/proposal", {"kind": "cancel"}).status_code == 404
    )
    assert api.post(f"/bookings/{third.pk}/reschedule", {"kind": "cancel"}).status_code == 404
    assert Booking.objects.for_clinic(three.clinic_a).filter(status="booked").count() == len(
        windows(plan)
    )
