"""Real-browser tests: headless Chromium, driven by Playwright, against the live server.

Each test signs in through the real login form, then checks what the user sees and what the
database holds afterwards. Locators go by label, role and visible text where they can, so a form
control without a label, or a region without a name, fails here too.

Run: uv run pytest tests/browser (the module is skipped where /usr/bin/chromium is missing).
"""

import base64
import re

import pytest
from axes.models import AccessAttempt
from django_otp import oath
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Locator, Page, expect

from anagen.audit.models import AuditEntry
from anagen.patients.models import Allergy, Condition, Medication, Patient
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD, ThreeUsers, make_patient

pytestmark = pytest.mark.browser


# --- helpers ----------------------------------------------------------------------------------


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("status")).to_contain_text("You have signed out")


def totp_code(secret_shown: str, drift: int = 0) -> str:
    """What an authenticator app shows for the key as printed on the enrolment page."""
    key = secret_shown.replace(" ", "")
    key += "=" * (-len(key) % 8)
    return f"{oath.totp(base64.b32decode(key), drift=drift):06d}"


def region(page: Page, name: str) -> Locator:
    """A <section aria-labelledby=...> card, found by its heading."""
    return page.get_by_role("region", name=name)


def rows(page: Page) -> Locator:
    return page.locator("#patient-rows tbody tr")


def pick_code(section: Locator, system: str, words: str, option: str) -> None:
    """Type into a code picker's search box, wait for the htmx options, click one."""
    search = section.get_by_role("searchbox", name=f"Search {system} codes")
    search.press_sequentially(words, delay=20)
    expect(section.locator(".code-options button").first).to_be_visible()
    section.get_by_role("button", name=option, exact=True).click()
    expect(section.locator(".code-options button")).to_have_count(0)


# --- signing in -------------------------------------------------------------------------------


def test_log_in_shows_the_clinic_and_a_wrong_password_shows_an_error(
    page: Page, live_three: ThreeUsers
) -> None:
    email = live_three.a_clinician.email
    page.goto("/login/")
    # The labels are wired to the inputs the brief names.
    expect(page.get_by_label("Email")).to_have_attribute("id", "id_username")
    expect(page.get_by_label("Password")).to_have_attribute("id", "id_password")

    log_in(page, email, "not the password")
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("alert")).to_contain_text("correct email")
    expect(page.get_by_label("Email")).to_have_value(email)
    expect(page.get_by_label("Password")).to_have_value("")
    failure = AuditEntry.objects.get(action="login.failure")
    assert failure.user is None and failure.actor == email
    assert not AuditEntry.objects.filter(action="login.success").exists()
    # Checked at the end, so the rest of the sign-in still gets tested when it fails.
    lockout_counts = list(AccessAttempt.objects.values_list("username", "failures_since_start"))

    log_in(page, email)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic A")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Patients")
    expect(page.get_by_role("link", name="Dr A")).to_be_visible()
    success = AuditEntry.objects.get(action="login.success")
    assert success.user == live_three.a_clinician
    # The lockout ("five wrong passwords lock the account") counts failures per account and
    # address, so the failure must be filed under the email that was typed...
    assert lockout_counts == [(email, 1)]
    # ...and with AXES_RESET_ON_SUCCESS the successful sign-in clears it.
    assert not AccessAttempt.objects.filter(failures_since_start__gt=0).exists()


def test_two_factor_required_by_the_admin_enrolled_by_the_clinician_then_asked_for(
    page: Page, live_three: ThreeUsers
) -> None:
    t = live_three
    log_in(page, t.a_admin.email)
    page.goto("/staff/security/")
    roles = page.get_by_role("group", name="Require two-factor login for")
    roles.get_by_label("Clinician", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Security settings saved")
    t.clinic_a.refresh_from_db()
    assert t.clinic_a.two_factor_roles == ["clinician"]
    sign_out(page)

    # The clinician cannot reach the clinic's pages before enrolling.
    log_in(page, t.a_clinician.email)
    expect(page).to_have_url(re.compile(r"/account/two-factor/enrol/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor login")
    expect(page.get_by_text("Your clinic requires a second step")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    page.goto("/patients/")
    expect(page).to_have_url(re.compile(r"/account/two-factor/enrol/$"))
    assert not TOTPDevice.objects.filter(user=t.a_clinician, confirmed=True).exists()

    secret = page.get_by_test_id("totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", secret), secret
    page.get_by_label("6-digit code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor login").click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_role("status")).to_contain_text("Two-factor login is on")
    security = region(page, "Sign-in security")
    expect(security.get_by_text("Two-factor login:")).to_have_text(
        re.compile(r"Two-factor login:\s*On")
    )
    device = TOTPDevice.objects.get(user=t.a_clinician)
    assert device.confirmed
    assert AuditEntry.objects.filter(action="two_factor.enrol", object_id=str(t.a_clinician.pk))
    sign_out(page)

    log_in(page, t.a_clinician.email)
    expect(page).to_have_url(re.compile(r"/account/two-factor/verify/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("One more step")
    # The code just used for enrolment is spent; the app's next one is within tolerance.
    page.get_by_label("6-digit code").fill(totp_code(secret, drift=1))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic A")
    assert TOTPDevice.objects.filter(user=t.a_clinician, confirmed=True).count() == 1
    assert AuditEntry.objects.filter(action="login.success", user=t.a_clinician).count() == 2


# --- patients ---------------------------------------------------------------------------------


def test_register_a_patient_and_record_a_condition_a_medication_and_an_allergy(
    page: Page, live_three: ThreeUsers
) -> None:
    log_in(page, live_three.a_clinician.email)
    page.get_by_role("link", name="Register a patient").click()
    expect(page).to_have_url(re.compile(r"/patients/new/$"))
    page.get_by_label("Given name").fill("Imogen")
    page.get_by_label("Family name").fill("Thistlewood")
    page.get_by_label("Date of birth").fill("1984-05-06")
    page.get_by_label("Sex at birth").select_option(label="Female")
    page.get_by_label("Email").fill("imogen@example.net")
    page.get_by_label("Phone").fill("+44 7700 900456")
    page.get_by_role("button", name="Register patient").click()

    expect(page).to_have_url(re.compile(r"/patients/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Imogen Thistlewood")
    expect(page.get_by_role("status")).to_contain_text("Imogen Thistlewood registered as CLI-")
    expect(page.get_by_text("born 6 May 1984")).to_be_visible()
    patient = Patient.django_internal.get(family_name="Thistlewood")
    assert page.url.endswith(f"/patients/{patient.pk}/")
    assert (patient.clinic, patient.given_name, patient.sex_at_birth) == (
        live_three.clinic_a,
        "Imogen",
        "female",
    )
    assert str(patient.date_of_birth) == "1984-05-06"
    assert (patient.email, patient.phone) == ("imogen@example.net", "+44 7700 900456")
    expect(page.get_by_text(patient.number, exact=True)).to_be_visible()

    # A condition, coded through the ICD-10 search.
    conditions = region(page, "Conditions")
    expect(conditions.get_by_text("None recorded.")).to_be_visible()
    conditions.locator("summary", has_text="Add condition").click()
    pick_code(conditions, "ICD-10", "androgen", "L64.9 Androgenic alopecia, unspecified")
    expect(conditions.get_by_label(re.compile(r"^ICD-10 code"))).to_have_value("L64.9")
    conditions.get_by_role("button", name="Add condition").click()
    expect(page.get_by_role("status")).to_contain_text("Condition added.")
    conditions = region(page, "Conditions")
    expect(conditions.get_by_role("listitem")).to_contain_text(
        "L64.9 Androgenic alopecia, unspecified"
    )

    # A medication, coded through the ATC search; the name comes from the code.
    medications = region(page, "Medications")
    medications.locator("summary", has_text="Add medication").click()
    pick_code(medications, "ATC", "apixaban", "B01AF02 apixaban")
    # Located by name, not label: see test_form_controls_have_labels_and_unique_ids.
    expect(medications.locator("input[name=atc_code]")).to_have_value("B01AF02")
    expect(medications.get_by_label("Name")).to_have_value("apixaban")
    medications.get_by_label("Dose").fill("5 mg twice daily")
    medications.get_by_role("button", name="Add medication").click()
    expect(page.get_by_role("status")).to_contain_text("Medication added.")
    expect(region(page, "Medications").get_by_role("listitem")).to_contain_text(
        "apixaban B01AF02 5 mg twice daily"
    )

    # An allergy, free text with a severity.
    allergies = region(page, "Allergies")
    expect(allergies.get_by_text("none recorded", exact=True)).to_be_visible()
    allergies.locator("summary", has_text="Add allergy").click()
    allergies.get_by_label("Substance").fill("Penicillin")
    allergies.get_by_label("Reaction").fill("Hives")
    allergies.get_by_label("Severity").select_option(label="Severe (anaphylaxis)")
    allergies.get_by_role("button", name="Add allergy").click()
    expect(page.get_by_role("status")).to_contain_text("Allergy added.")
    allergies = region(page, "Allergies")
    expect(allergies.get_by_role("heading")).to_have_text(re.compile(r"Allergies\s*1"))
    expect(allergies.get_by_role("listitem")).to_contain_text("Penicillin")
    expect(allergies.get_by_role("listitem")).to_contain_text("severe")
    expect(allergies.get_by_role("listitem")).to_contain_text("Hives")

    # After a reload everything is still on the chart, read back from the database.
    page.reload()
    expect(region(page, "Conditions")).to_contain_text("L64.9")
    expect(region(page, "Medications")).to_contain_text("apixaban")
    expect(region(page, "Allergies")).to_contain_text("Penicillin")
    condition = Condition.objects.for_clinic(live_three.clinic_a).get(patient=patient)
    assert (condition.code, condition.title, condition.status) == (
        "L64.9",
        "Androgenic alopecia, unspecified",
        "active",
    )
    assert condition.recorded_by == live_three.a_clinician
    medication = Medication.objects.for_clinic(live_three.clinic_a).get(patient=patient)
    assert (medication.atc_code, medication.name, medication.dose) == (
        "B01AF02",
        "apixaban",
        "5 mg twice daily",
    )
    allergy = Allergy.objects.for_clinic(live_three.clinic_a).get(patient=patient)
    assert (allergy.substance, allergy.reaction, allergy.severity, allergy.atc_code) == (
        "Penicillin",
        "Hives",
        "severe",
        "",
    )
    actions = set(AuditEntry.objects.filter(patient_id=patient.pk).values_list("action", flat=True))
    assert {"patient.create", "condition.add", "medication.add", "allergy.add"} <= actions


def test_search_updates_the_rows_in_place_and_never_shows_another_clinic(
    page: Page, live_three: ThreeUsers
) -> None:
    t = live_three
    make_patient(t.clinic_a, t.a_clinician, given_name="Grace", family_name="Hopper")
    log_in(page, t.a_clinician.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    expect(page).to_have_url(re.compile(r"/patients/$"))
    expect(rows(page)).to_have_count(2)
    audit_before = AuditEntry.objects.count()

    # A marker on the window survives only if the page is not reloaded.
    page.evaluate("window.notReloaded = true")
    search = page.get_by_role("searchbox", name="Search")
    with page.expect_response(lambda r: "q=Lovelace" in r.url) as searched:
        search.press_sequentially("Lovelace", delay=20)
    assert searched.value.request.headers.get("hx-request") == "true"
    expect(page.get_by_text("1 patient matching “Lovelace”.")).to_be_visible()
    expect(rows(page)).to_have_count(1)
    expect(page.get_by_role("link", name="Lovelace, Ada")).to_be_visible()
    expect(rows(page)).to_contain_text(t.a_patient.number)
    assert page.evaluate("window.notReloaded") is True
    assert page.url.endswith("/patients/?q=Lovelace")  # pushed: reload or back keeps the query

    # Clinic B's patient is not found by either name.
    for query in ("Bclinic", "Bea"):
        search.fill("")
        with page.expect_response(lambda r, q=query: f"q={q}" in r.url):
            search.press_sequentially(query, delay=20)
        expect(page.get_by_text(f"0 patients matching “{query}”.")).to_be_visible()
        expect(rows(page)).to_have_count(0)
        expect(page.get_by_role("link", name="Bclinic, Bea")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True

    # Searching wrote nothing and opened nothing of clinic B's.
    assert AuditEntry.objects.count() == audit_before
    assert not AuditEntry.objects.filter(patient_id=t.b_patient.pk, clinic=t.clinic_a).exists()
    assert Patient.django_internal.filter(clinic=t.clinic_a).count() == 2


def test_archive_keeps_the_record_and_hides_it_from_the_default_list(
    page: Page, live_three: ThreeUsers
) -> None:
    t = live_three
    make_patient(t.clinic_a, t.a_clinician, given_name="Grace", family_name="Hopper")
    log_in(page, t.a_clinician.email)
    page.goto("/patients/")
    page.get_by_role("link", name="Lovelace, Ada").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(page.get_by_text("Archived", exact=True)).to_have_count(0)

    archive = region(page, "Archive")
    archive.get_by_label("Reason").fill("Moved abroad")
    archive.get_by_role("button", name="Archive patient").click()
    banner = page.get_by_role("status").filter(has_text="nothing was deleted")
    expect(banner).to_contain_text("Archived")
    expect(banner).to_contain_text("Moved abroad")
    expect(
        page.get_by_role("status").filter(has_text="archived. Their record is kept")
    ).to_be_visible()
    expect(region(page, "Restore").get_by_role("button")).to_have_text(
        "Make this patient active again"
    )
    # The history is still on the chart.
    expect(region(page, "Conditions")).to_contain_text("L64.9")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    expect(page.get_by_text("1 patient.")).to_be_visible()
    expect(rows(page)).to_have_count(1)
    expect(page.get_by_role("link", name="Lovelace, Ada")).to_have_count(0)
    expect(page.get_by_role("link", name="Hopper, Grace")).to_be_visible()

    page.get_by_label("Include archived").check()
    expect(rows(page)).to_have_count(2)
    archived_row = rows(page).filter(has_text="Lovelace, Ada")
    expect(archived_row).to_contain_text("Archived")

    patient = Patient.django_internal.get(pk=t.a_patient.pk)
    assert patient.archived_at is not None
    assert patient.archive_reason == "Moved abroad"
    assert patient.conditions.count() == 1
    assert patient.medications.count() == 1
    assert patient.allergies.count() == 1
    entry = AuditEntry.objects.get(action="patient.archive")
    assert entry.patient_id == patient.pk and entry.user == t.a_clinician

    # The dashboard's counts moved (checked last: the wording is a separate, cosmetic matter).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page.locator(".card").filter(has_text="active patient")).to_have_text(
        re.compile(r"^\s*1\s*active patient\s*$")
    )
    expect(page.locator(".card").filter(has_text="archived patient")).to_have_text(
        re.compile(r"^\s*1\s*archived patient\s*$")
    )


# --- pictures and accessibility ---------------------------------------------------------------


def test_screenshots_of_the_dashboard_patient_list_and_chart(
    page: Page, live_three: ThreeUsers
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_three.a_clinician.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic A")
    page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)

    page.goto("/patients/")
    expect(rows(page)).to_have_count(1)
    page.screenshot(path=ARTIFACTS / "patient-list.png", full_page=True)

    page.get_by_role("link", name="Lovelace, Ada").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    page.screenshot(path=ARTIFACTS / "patient-chart.png", full_page=True)

    conditions = region(page, "Conditions")
    conditions.locator("summary", has_text="Add condition").click()
    conditions.get_by_role("searchbox", name="Search ICD-10 codes").press_sequentially("alopecia")
    expect(conditions.locator(".code-options button").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "patient-chart-code-search.png", full_page=True)

    for name in ("dashboard", "patient-list", "patient-chart", "patient-chart-code-search"):
        path = ARTIFACTS / f"{name}.png"
        assert path.read_bytes().startswith(b"\x89PNG"), path
        assert path.stat().st_size > 10_000, path


LABEL_PROBLEMS = """() => {
  const problems = [];
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  for (const [id, n] of seen) if (n > 1) problems.push(`id="${id}" is used ${n} times`);
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const named = el.labels.length || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby");
    const form = el.form ? el.form.getAttribute("action") || "(this page)" : "(no form)";
    const tag = el.tagName.toLowerCase();
    if (!named) problems.push(`<${tag} name="${el.name}"> in form ${form} has no label`);
  }
  return problems;
}"""


def test_form_controls_have_labels_and_unique_ids(page: Page, live_three: ThreeUsers) -> None:
    """Every control on the main pages is named by a label, so screen readers (and get_by_label)
    find it; closed <details> forms count too, since opening them shows their fields."""
    page.goto("/login/")
    problems = {"/login/": page.evaluate(LABEL_PROBLEMS)}
    log_in(page, live_three.a_clinician.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic A")
    for path in (
        "/",
        "/patients/",
        "/patients/new/",
        f"/patients/{live_three.a_patient.pk}/",
        f"/patients/{live_three.a_patient.pk}/edit/",
        "/account/",
    ):
        page.goto(path)
        problems[path] = page.evaluate(LABEL_PROBLEMS)

    # The code picker's results: a plain labelled list of buttons (a listbox role would promise
    # options and arrow-key handling that the picker does not have).
    page.goto(f"/patients/{live_three.a_patient.pk}/")
    conditions = region(page, "Conditions")
    conditions.locator("summary", has_text="Add condition").click()
    conditions.get_by_role("searchbox", name="Search ICD-10 codes").press_sequentially("androgen")
    expect(conditions.locator(".code-options button").first).to_be_visible()
    matches = conditions.get_by_role("list", name="ICD-10 matches")
    if conditions.get_by_role("listbox").count() or matches.get_by_role("button").count() == 0:
        problems["code picker"] = ["the ICD-10 matches are not a labelled list of buttons"]
    report = [f"{path}: {problem}" for path, found in problems.items() for problem in found]
    assert not report, "\n".join(report)
