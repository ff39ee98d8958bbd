"""Real-browser test of a measurement visit: the clinician opens a visit from the chart, uploads
a synthetic trichoscopy image (anagen.core.trichoscopy.synthetic), sees a marker on every
detected hair, adds a hair by clicking an empty spot, removes one by clicking its marker and
another from the keyboard-accessible list, saves, and sees the corrected count beside the
detected one.

Screenshots of the visit page and of the image page before and after the corrections are left
in test-artifacts/.
"""

import math
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from anagen.outcomes.models import TrichoscopyImage
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_consultation_flow import log_in
from tests.outcomes_helpers import UM_PER_PX, write_field

pytestmark = pytest.mark.browser


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def lonely(points: list[tuple[float, float]], others: list[tuple[float, float]]) -> int:
    """The index of the point farthest from every other point (a marker a click cannot miss)."""

    def gap(i: int) -> float:
        x, y = points[i]
        return min(math.dist((x, y), o) for j, o in enumerate(others) if o != points[i] or j != i)

    return max(range(len(points)), key=gap)


def off_shaft(point: tuple[float, float], hair: dict[str, Any]) -> float:
    """How far ``point`` lies from the hair's shaft as drawn (a segment along its angle)."""
    angle = math.radians(hair["angle_deg"])
    half = max(hair["length_px"], 15.0) / 2
    ux, uy = math.cos(angle), math.sin(angle)
    dx, dy = point[0] - hair["x"], point[1] - hair["y"]
    along = max(-half, min(half, dx * ux + dy * uy))
    return math.dist(point, (hair["x"] + along * ux, hair["y"] + along * uy))


def empty_spot(hairs: list[dict[str, Any]], width: int, height: int) -> tuple[float, float]:
    """A point of the image at least 30 px from every hair's shaft."""
    for y in range(20, height - 20, 10):
        for x in range(20, width - 20, 10):
            if all(off_shaft((x, y), h) > 30 for h in hairs):
                return float(x), float(y)
    raise AssertionError("no empty spot on the test image")


def click_image_at(page: Page, x: float, y: float, width: int, height: int) -> None:
    box = page.locator(".hair-editor svg").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x * box["width"] / width, box["y"] + y * box["height"] / height)


def test_a_clinician_corrects_the_detected_hairs(page: Page, live_three, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    field = write_field(tmp_path / "vertex-field.png")
    patient = live_three.a_patient
    log_in(page, live_three.a_clinician.email)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="New measurement visit").click()
    page.get_by_role("button", name="Open the visit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Baseline visit")

    page.locator("#img_site").select_option("vertex")
    page.get_by_label("Trichoscopy image").set_input_files(field)
    page.get_by_label("µm per pixel").fill(str(UM_PER_PX))
    shot(page, "outcomes-visit.png")
    page.get_by_role("button", name="Upload and analyse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vertex · trichoscopy")

    image = TrichoscopyImage.objects.for_clinic(live_three.clinic_a).get()
    detected, hairs = image.detected_count, image.hairs
    assert detected >= 4
    markers = page.locator(".hair-editor g.hair.detected")
    expect(markers).to_have_count(detected)
    expect(page.locator("#live-count")).to_have_text(str(detected))
    shot(page, "outcomes-image-detected.png")

    # Add a hair on an empty spot, remove a well separated one by clicking its marker.
    spot = empty_spot(hairs, image.width, image.height)
    click_image_at(page, *spot, image.width, image.height)
    expect(page.locator(".hair-editor g.hair.added")).to_have_count(1)
    points = [(h["x"], h["y"]) for h in hairs]
    target = lonely(points, [*points, spot])
    click_image_at(page, *points[target], image.width, image.height)
    expect(page.locator(".hair-editor g.hair.removed")).to_have_count(1)
    expect(page.locator("#live-count")).to_have_text(str(detected))
    # Remove another from the list (the keyboard's way), with the keyboard.
    page.get_by_text("All hairs as a list").click()
    other = next(i for i in range(detected) if i != target)
    button = page.locator(f'#hair-list button[data-key="h{other}"]')
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".hair-editor g.hair.removed")).to_have_count(2)
    expect(page.locator("#live-count")).to_have_text(str(detected - 1))
    expect(page.locator("[data-pending]")).to_have_text("2 removed, 1 added, not saved yet.")
    shot(page, "outcomes-image-corrections.png")

    page.get_by_role("button", name="Save corrections").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Corrections saved: {detected - 1} hairs."
    )
    expect(page.locator("#saved-count")).to_have_text(str(detected - 1))
    expect(page.locator(".facts")).to_contain_text(f"Detected{detected} hairs")
    expect(page.locator(".hair-editor g.hair.manual")).to_have_count(1)  # drawn as added by hand
    image.refresh_from_db()
    assert (image.detected_count, image.hair_count) == (detected, detected - 1)
    assert hairs[target] not in image.hairs and hairs[other] not in image.hairs
    added = [h for h in image.hairs if h.get("added")]
    assert len(added) == 1 and math.dist((added[0]["x"], added[0]["y"]), spot) < 3
    shot(page, "outcomes-image-saved.png")
