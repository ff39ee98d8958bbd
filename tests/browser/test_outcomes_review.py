"""Real-browser test of the response review: a clinician opens a measured patient's outcomes, sees
the three charts and the numbers, reviews the response at the review visit, reads the label with
its reasons and sources, and downloads the progress report.

Screenshots of the outcomes page before and after the review, and of the chart's outcomes card,
are left in test-artifacts/.
"""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Page, expect

from anagen.audit.services import Actor
from anagen.demo.scalp_photos import scalp_photo
from anagen.outcomes import services
from anagen.outcomes.models import PHOTO_CHECKLIST
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_consultation_flow import log_in
from tests.conftest import ThreeUsers
from tests.outcomes_helpers import photo_consent
from tests.outcomes_review_helpers import IMPROVED, measured

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_clinician_reviews_the_response_and_downloads_the_report(
    page: Page, live_three: ThreeUsers
) -> None:
    patient, clinician = live_three.a_patient, live_three.a_clinician
    photo_consent(patient, clinician)
    course = measured(patient, clinician, at_review=IMPROVED)
    for visit, coverage in ((course.baseline, 0.35), (course.review, 0.8)):
        services.photo_add(
            actor=Actor(user=clinician), visit=visit, view="vertex",
            checklist=dict.fromkeys(PHOTO_CHECKLIST, True),
            file=ContentFile(scalp_photo(3, "vertex", coverage), name="vertex.jpg"),
        )  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, clinician.email)

    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Charts and response review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes")
    for title in ("Hair density", "Mean shaft diameter", "Vellus fraction"):
        expect(page.get_by_role("img", name=title)).to_be_visible()
    expect(page.locator("#numbers")).to_contain_text("150")
    expect(page.locator("#review")).to_contain_text("No review yet.")
    page.screenshot(path=ARTIFACTS / "outcomes-before-review.png", full_page=True)

    page.get_by_role("button", name="Review the response at this visit").click()
    expect(page.locator(".messages")).to_contain_text("Response reviewed: Responder.")
    review = page.locator("#review")
    expect(review.locator(".tag").first).to_have_text("Responder")
    frontal = review.get_by_role("row", name="Terminal hair density, frontal")
    expect(frontal).to_contain_text("+37.5 (+41.7 %)")
    expect(frontal).to_contain_text("T1, S5, S8, P1 · threshold: clinic policy (U)")
    page.get_by_text("Hair density as a table").click()
    expect(page.locator("#chart-density table")).to_contain_text("Frontal")
    page.screenshot(path=ARTIFACTS / "outcomes-reviewed.png", full_page=True)

    with page.expect_download() as caught:
        page.get_by_role("link", name="Progress report (PDF)").click()
    download = caught.value
    assert download.suggested_filename == f"progress-{patient.number}.pdf"
    assert download.path().read_bytes().startswith(b"%PDF")

    page.goto(f"/patients/{patient.pk}/")
    expect(page.locator("#outcomes")).to_contain_text("Latest review: Responder")
    page.locator("#outcomes").screenshot(path=ARTIFACTS / "outcomes-chart-card.png")
