"""Real-browser test of the safety net: a clinician records a nodule after a session (the severity
definitions beside the choices), the signal job finds the lot cluster, and the signal page names
the lot, the cases and the exposed patients and links to the lot's recall page.

Screenshots of the event form, the event, the safety page and the signal are left in
test-artifacts/.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from anagen.safety.detection import signals_detect
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_consultation_flow import log_in
from tests.conftest import ThreeUsers
from tests.test_safety_services import exposures, record

pytestmark = pytest.mark.browser


def test_a_clinician_records_a_nodule_and_follows_the_signal_to_the_recall_page(
    page: Page,
    live_three: ThreeUsers,
) -> None:
    world = exposures(live_three)
    record(world, "grace", type="abscess", onset=timezone.localdate() - dt.timedelta(days=45),
           culture="positive", organism="Mycobacterium abscessus")  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_three.a_clinician.email)

    first = world.sessions["ada"][0]
    page.goto(f"/patients/{live_three.a_patient.pk}/events/new/?session={first.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an adverse event")
    page.get_by_label("Type:", exact=True).select_option("nodule")
    page.get_by_label("Onset").fill((timezone.localdate() - dt.timedelta(days=30)).isoformat())
    expect(page.locator(".grades")).to_contain_text("urgent intervention indicated")
    page.get_by_role("radio", name=re.compile("Moderate grade 2")).check()
    page.get_by_label("Description").fill("Firm, tender nodule at the vertex, 8 mm.")
    page.get_by_label("Culture").select_option("pending")
    page.screenshot(path=ARTIFACTS / "safety-event-form.png", full_page=True)
    page.get_by_role("button", name="Record the event").click()

    expect(page.locator(".messages")).to_contain_text("Adverse event recorded.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nodule from")
    expect(page.locator("body")).to_contain_text("AB12")
    page.screenshot(path=ARTIFACTS / "safety-event.png", full_page=True)

    signals_detect(clinic=world.clinic, today=timezone.localdate())
    page.goto("/safety/")
    page.screenshot(path=ARTIFACTS / "safety-page.png", full_page=True)
    page.get_by_role("link", name=re.compile("after sessions with lot AB12")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("lot AB12")
    expect(page.locator("#exposed-h")).to_have_text("Exposed patients (3)")
    page.screenshot(path=ARTIFACTS / "safety-signal.png", full_page=True)

    page.get_by_role("link", name=re.compile("^Recall page of lot AB12")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recall list")
