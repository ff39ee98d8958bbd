"""Real-browser test of a whole treatment session on a touch screen: the practitioner starts the
session from the appointment, answers the pre-session check, places injection points and paints
a zone on the scalp map with taps, picks the lots, signs, and prints the aftercare sheet.

Screenshots of the session page before and after signing are left in test-artifacts/.
"""

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from anagen.scheduling.calendar_setup import clinic_zone
from anagen.sessions.models import TreatmentSession
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD
from tests.scheduling_helpers import set_up
from tests.session_flow import ready

pytestmark = pytest.mark.browser


@pytest.fixture
def tablet(browser: Browser, live_server, page: Page):
    """A touch-screen tablet; ``page`` (unused here) still checks nothing else broke."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1024, "height": 1366},
        has_touch=True,
        is_mobile=True,
        locale="en-GB",
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == []


def log_in(page: Page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic A")


def tap_zone(page: Page, view: str, zone: str, dx: float = 0.5, dy: float = 0.5) -> None:
    box = page.locator(f'svg[data-view="{view}"] rect[data-zone="{zone}"]').bounding_box()
    assert box is not None
    page.touchscreen.tap(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)


def test_a_practitioner_runs_a_whole_session_on_a_touch_screen(live_three, tablet: Page):
    r = ready(set_up(live_three))
    page = tablet
    log_in(page, "prac.a@example.org")
    page.goto(f"/bookings/{r.booking.pk}/")
    page.get_by_role("button", name="Start the session").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("session 1 of")

    for radio in page.locator('input[type=radio][value="no"]').all():
        radio.check()
    page.get_by_label("I asked about new medicines").check()
    page.get_by_role("button", name="Screen again").click()
    expect(page.get_by_text("Nothing new blocks this session.")).to_be_visible()

    tap_zone(page, "top", "vertex", 0.4, 0.5)
    tap_zone(page, "top", "vertex", 0.6, 0.5)
    tap_zone(page, "left", "temporal_left")
    page.get_by_label("Paint zones").check()
    page.get_by_label("ml in the zone").fill("1.2")
    tap_zone(page, "top", "frontal")
    expect(page.locator("circle.point")).to_have_count(3)
    expect(page.locator("[data-total]")).to_have_text("1.35")

    page.get_by_label("Technique").select_option("point_by_point")
    page.get_by_label("Needle gauge (G)").fill("32")
    page.get_by_label("Needle length (mm)").fill("4")
    page.get_by_label("Anaesthetic").select_option("cooling")
    start = r.booking.start.astimezone(clinic_zone(r.clinic))
    end = min(start + dt.timedelta(minutes=20), start.replace(hour=23, minute=59))
    page.get_by_label("Started").fill(f"{start:%H:%M}")
    page.get_by_label("Ended").fill(f"{end:%H:%M}")
    for ingredient in r.lots:
        select = page.locator(f'select[name="lot_{ingredient}"]')
        select.select_option(index=1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "session-record.png", full_page=True)
    page.get_by_role("button", name="Sign and lock").click()

    expect(page.get_by_text("Signed and locked.")).to_be_visible()
    session = TreatmentSession.objects.for_clinic(r.clinic).get()
    assert session.is_signed and len(session.injection_map["points"]) == 3
    assert session.injection_map["zones"][0] == {
        "view": "top",
        "zone": "frontal",
        "points_per_cm2": 1.0,
        "depth": "superficial_intradermal",
        "volume_ml": 1.2,
    }
    assert {u.ingredient for u in session.lots.all()} == set(r.lots)
    expect(page.locator("circle.point")).to_have_count(3)  # drawn again, read-only
    page.screenshot(path=ARTIFACTS / "session-signed.png", full_page=True)

    link = page.get_by_role("link", name="Print the aftercare sheet")
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
