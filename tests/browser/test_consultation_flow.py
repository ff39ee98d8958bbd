"""Real-browser test of a consultation: from the chart through the live screening to a signed
consultation, a treatment plan and its PDF.

Run: uv run pytest tests/browser/test_consultation_flow.py (skipped where /usr/bin/chromium is
missing). Screenshots of the consultation and plan pages are left in test-artifacts/.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, Route, expect

from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.consultations.models import Consultation
from anagen.patients import services
from anagen.patients.models import Patient
from anagen.plans.models import TreatmentPlan
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD, ThreeUsers, make_patient

pytestmark = pytest.mark.browser

ACCP_CITATION = "UCSD perioperative anticoagulation guidance citing ACCP (Grade 1C)"


def log_in(page: Page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic A")


def male_patient_on_rivaroxaban(t: ThreeUsers) -> Patient:
    """A man with androgenic alopecia on an anticoagulant: Norwood fits, and CI-08 fires."""
    patient = make_patient(
        t.clinic_a,
        t.a_clinician,
        given_name="Charles",
        family_name="Babbage",
        sex_at_birth="male",
        email="charles@example.net",
    )
    actor = Actor(user=t.a_clinician)
    services.condition_add(actor=actor, patient=patient, data={"code": "L64.9"})
    services.medication_add(actor=actor, patient=patient, data={"atc_code": "B01AF01"})
    return patient


@contextmanager
def one_after_the_other(page: Page, *, first: str, then: str) -> Iterator[None]:
    """Hold the `then` request until the `first` one has been answered.

    Choosing a scale sends two htmx requests at once (the stage picker, and the screening the
    form's change trigger asks for). The live server's in-memory SQLite database cannot serve two
    requests at the same moment (one of them fails with "database table is locked" on the
    session table, about one run in ten), so the test lets them through one at a time.
    """
    answered: list[bool] = []

    def pass_first(route: Route) -> None:
        route.fulfill(response=route.fetch())
        answered.append(True)

    def hold_then(route: Route) -> None:
        for _ in range(500):
            if answered:
                break
            page.wait_for_timeout(10)
        route.continue_()

    page.route(f"**{first}**", pass_first)
    page.route(f"**{then}**", hold_then)
    try:
        yield
    finally:
        page.unroute(f"**{first}**", pass_first)
        page.unroute(f"**{then}**", hold_then)


def test_a_clinician_screens_signs_plans_and_prints(page: Page, live_three: ThreeUsers) -> None:
    t = live_three
    patient = male_patient_on_rivaroxaban(t)
    log_in(page, t.a_clinician.email)
    page.goto("/patients/")
    page.get_by_role("link", name="Babbage, Charles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Charles Babbage")

    # The consultation form, filled from the chart.
    page.get_by_role("link", name="New consultation").click()
    expect(page).to_have_url(re.compile(rf"/patients/{patient.pk}/consultations/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultation")
    expect(page.get_by_label("Sex at birth (for pharmacology)")).to_have_value("male")
    screening = page.locator("#screening")
    expect(screening).to_contain_text("No diagnosis yet")  # screened from the chart already
    page.evaluate("window.notReloaded = true")

    # A diagnosis, then the Norwood scale: htmx swaps in the stage pictures.
    with page.expect_response(lambda r: "/consultations/preview/" in r.url):
        page.get_by_label("Diagnosis").select_option("L64.9")
    expect(screening).not_to_contain_text("No diagnosis yet")
    with (
        one_after_the_other(page, first="/consultations/stages/", then="/consultations/preview/"),
        page.expect_response(lambda r: "stage_scale=norwood" in r.url) as stages,
        page.expect_response(lambda r: "/consultations/preview/" in r.url),
    ):
        page.get_by_label("Scale", exact=True).select_option(
            label="Hamilton–Norwood (male pattern)"
        )
    assert stages.value.request.headers.get("hx-request") == "true"
    picker = page.get_by_role("group", name="Hamilton–Norwood (male pattern): stage")
    expect(picker.locator("img")).to_have_count(12)

    # Clicking a stage picture updates the screening panel in place.
    with page.expect_response(lambda r: "/consultations/preview/" in r.url) as preview:
        picker.locator("label.stage", has_text=re.compile(r"^\s*III\s*$")).locator("img").click()
    assert "stage_value=III" in (preview.value.request.post_data or "")
    expect(picker.get_by_role("radio", name="III", exact=True)).to_be_checked()
    expect(screening.get_by_role("status")).to_contain_text("Eligible with caution")
    expect(screening).to_contain_text("rivaroxaban (B01AF01): expect bruising")
    assert page.evaluate("window.notReloaded") is True

    # A finding's sources are one click away.
    finding = screening.locator("li.finding", has_text="CI-08")
    finding.locator("summary", has_text="Sources").click()
    expect(finding.get_by_text(ACCP_CITATION)).to_be_visible()
    expect(finding.get_by_role("link", name="Rule CI-08 in the knowledge base")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "consultation-new.png", full_page=True)
    assert not Consultation.django_internal.exists()

    # Signing saves it and opens it.
    page.get_by_role("button", name="Sign consultation").click()
    expect(page).to_have_url(re.compile(r"/consultations/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Consultation of")
    consultation = Consultation.django_internal.get()
    assert page.url.endswith(f"/consultations/{consultation.pk}/")
    assert (consultation.patient_id, consultation.verdict) == (patient.pk, "eligible_with_caution")
    assert consultation.intake["hair_loss"]["stage"] == {"scale": "norwood", "value": "III"}
    assert consultation.intake["hair_loss"]["diagnosis"] == "L64.9"
    page.screenshot(path=ARTIFACTS / "consultation-detail.png", full_page=True)

    # A plan from it: the suggested protocol, a week from today.
    page.get_by_role("link", name="Create treatment plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Treatment plan for Charles Babbage")
    page.get_by_role("button", name="Create plan").click()
    expect(page).to_have_url(re.compile(r"/plans/[0-9a-f-]{36}/$"))
    plan = TreatmentPlan.django_internal.get()
    expect(page.get_by_role("status")).to_contain_text("Treatment plan created.")
    expect(page.get_by_role("heading", level=1)).to_have_text(plan.document["protocol"]["name"])
    sessions = page.locator("table").filter(has_text="Phase").locator("tbody tr")
    expect(sessions).to_have_count(len(plan.document["sessions"]))
    expect(sessions.first).to_contain_text(plan.document["sessions"][0]["date"])
    page.screenshot(path=ARTIFACTS / "plan-detail.png", full_page=True)

    # The PDF for the patient.
    pdf_link = page.get_by_role("link", name="Print for the patient (PDF)")
    href = pdf_link.get_attribute("href")
    assert href == f"/plans/{plan.pk}/plan.pdf"
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    actions = list(
        AuditEntry.objects.filter(patient_id=patient.pk).values_list("action", flat=True)
    )
    for action in ("consultation.sign", "consultation.view", "plan.create", "plan.print"):
        assert action in actions
    for name in ("consultation-new", "consultation-detail", "plan-detail"):
        path = ARTIFACTS / f"{name}.png"
        assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 10_000, path
