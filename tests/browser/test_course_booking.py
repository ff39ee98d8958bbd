"""Real-browser test of course scheduling: reception books a plan's whole course from the chart,
moves session 3 two days later, and sees sessions 4 onwards re-planned before saving.

Screenshots of the booking, re-planning and calendar pages are left in test-artifacts/.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from anagen.audit.services import Actor
from anagen.clinics.roles import Role
from anagen.consultations.services import consultation_sign
from anagen.plans.services import plan_create
from anagen.scheduling import services
from anagen.scheduling.models import Booking, BookingStatus
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_consultation_flow import log_in
from tests.conftest import ThreeUsers, make_patient, make_user

pytestmark = pytest.mark.browser

ALL_WEEK = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def clinic_ready_with_plan(t: ThreeUsers):
    admin, clinician = Actor(user=t.a_admin), Actor(user=t.a_clinician)
    services.schedule_save(
        actor=admin,
        clinic=t.clinic_a,
        opening=ALL_WEEK,
        slot_minutes=15,
        session_minutes=30,
        protocol_minutes={},
        reminder_hours=48,
    )
    services.room_save(actor=admin, clinic=t.clinic_a, name="Room 1")
    services.hours_save(actor=admin, clinic=t.clinic_a, practitioner=t.a_clinician, weekly=ALL_WEEK)
    nurse = make_user(t.clinic_a, Role.PRACTITIONER, "nurse.a@example.org", "Nurse A")
    services.hours_save(actor=admin, clinic=t.clinic_a, practitioner=nurse, weekly=ALL_WEEK)
    patient = make_patient(
        t.clinic_a, t.a_clinician, given_name="Charles", family_name="Babbage", sex_at_birth="male"
    )
    today = dt.date.today()
    exam = {
        "assessed_on": today,
        "sex": "male",
        "diagnosis": "L64.9",
        "stage_scale": "norwood",
        "stage_value": "III",
    }
    consultation = consultation_sign(actor=clinician, patient=patient, exam=exam)
    plan = plan_create(
        actor=clinician,
        consultation=consultation,
        start=today + dt.timedelta(days=10),
        protocol_id="dutasteride-weekly",
    )
    return patient, plan


def row_start(page: Page, number: int) -> str:
    return page.locator(f"input[name='session-{number}-start']").input_value()


def test_book_a_course_then_move_session_3(page: Page, live_three: ThreeUsers) -> None:
    patient, plan = clinic_ready_with_plan(live_three)
    count = len(plan.document["sessions"])
    log_in(page, live_three.a_reception.email)

    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Book this course").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Book the course")
    rows = page.locator("table.sessions-table tbody tr")
    expect(rows).to_have_count(count)
    expect(page.locator("tr.outside")).to_have_count(0)
    proposed = [row_start(page, n) for n in range(1, count + 1)]
    assert all(proposed), proposed
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "course-book.png", full_page=True)
    page.get_by_role("button", name=f"Book all {count} sessions").click()

    expect(page.locator("#remaining strong")).to_have_text(str(count))
    expect(page.locator("tr.state-booked")).to_have_count(count)

    page.locator("tr[data-number='3']").get_by_role("link", name="Move").click()
    old_3 = dt.datetime.fromisoformat(proposed[2])
    new_3 = (old_3 + dt.timedelta(days=2)).replace(hour=11, minute=0)
    page.get_by_label("New date and time").fill(new_3.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Show the re-planned course").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Move session 3")
    assert row_start(page, 3) == new_3.strftime("%Y-%m-%dT%H:%M")
    replanned = {n: dt.datetime.fromisoformat(row_start(page, n)) for n in range(4, count + 1)}
    # Session 4 follows the moved session by about a week, inside its window: later than before.
    assert replanned[4].date() > dt.datetime.fromisoformat(proposed[3]).date()
    assert (replanned[4].date() - new_3.date()).days >= 3
    expect(page.locator("tr.outside")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "course-move.png", full_page=True)
    page.get_by_role("button", name=re.compile("Save the move")).click()

    expect(page.locator(".messages")).to_contain_text("saved")
    expect(page.locator("#remaining strong")).to_have_text(str(count))
    row3 = page.locator("tr[data-number='3']")
    expect(row3).to_contain_text(new_3.strftime("%-d %b %Y, %H:%M"))
    expect(row3).to_contain_text("Moved")
    held = Booking.objects.for_clinic(live_three.clinic_a).filter(status=BookingStatus.BOOKED)
    assert held.count() == count
    assert held.get(number=4).start.date() == replanned[4].date()

    page.goto(f"/calendar/?view=week&date={new_3.date().isoformat()}&by=room")
    expect(page.locator(".cal-booking", has_text="Babbage")).to_contain_text("3/")
    page.screenshot(path=ARTIFACTS / "calendar-week.png", full_page=True)
