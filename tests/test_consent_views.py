"""Consent pages: taking treatment and photography consent, a consent's page, its PDF and
withdrawal, the clinic's consent templates, the plan page's consent state, and the patient's
consent list.

The three-user fixture: clinic B's clinician gets 404 for every consent object of clinic A;
reception gets 403 (it may neither take nor read consent).
"""

import re

import pytest
from django.template.loader import render_to_string

from anagen.audit.models import AuditEntry
from anagen.clinics.roles import Role
from anagen.consent.models import Consent, ConsentTemplate
from anagen.consent.selectors import patient_consents
from anagen.core.consent import load_risks
from tests.conftest import audit_count, make_user
from tests.scheduling_helpers import new_plan
from tests.test_consent_services import SIGNATURE, save_template, sign, written

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def plan(three):
    return new_plan(three)


@pytest.fixture
def consent(three, plan):
    return sign(three, plan)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def signing(**overrides):
    return {
        "signer_name": "Ada Lovelace",
        "signature_svg": SIGNATURE,
        "shown_version": "1",
    } | overrides


def last_action():
    return AuditEntry.objects.order_by("-seq").values_list("action", flat=True).first()


def urls_of(consent, plan):
    return [
        f"/plans/{plan.pk}/consent/",
        f"/patients/{plan.patient_id}/consent/photography/",
        f"/consents/{consent.pk}/",
        f"/consents/{consent.pk}/consent.pdf",
    ]


# --- who may --------------------------------------------------------------------------------------


def test_clinic_b_gets_404_for_every_consent_page_of_clinic_a(three, plan, consent):
    client = three.client(three.b_clinician)
    before = written(three.clinic_a)
    for url in urls_of(consent, plan):
        assert client.get(url).status_code == 404, url
        assert client.post(url, signing()).status_code in (404, 405), url
    response = client.post(f"/consents/{consent.pk}/withdraw/", {"reason": "x"})
    assert response.status_code == 404
    assert written(three.clinic_a) == before


def test_reception_may_neither_take_nor_read_consent(three, plan, consent):
    client = three.client(three.a_reception)
    before = written(three.clinic_a)
    for url in [
        *urls_of(consent, plan),
        "/consent/templates/",
        "/consent/templates/treatment/new/",
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/plans/{plan.pk}/consent/", signing()).status_code == 403
    assert client.post(f"/consents/{consent.pk}/withdraw/", {"reason": "x"}).status_code == 403
    assert written(three.clinic_a) == before


def test_an_admin_writes_templates_but_does_not_take_consent(three, plan):
    client = three.client(three.a_admin)
    assert client.get("/consent/templates/").status_code == 200
    assert client.get(f"/plans/{plan.pk}/consent/").status_code == 403


def test_a_practitioner_takes_consent(three, plan):
    practitioner = make_user(three.clinic_a, Role.PRACTITIONER, "prac.a@example.org", "Prac A")
    client = three.client(practitioner)
    response = client.post(f"/plans/{plan.pk}/consent/", signing())
    assert response.status_code == 302
    assert Consent.objects.for_clinic(three.clinic_a).get().witness == practitioner


def test_malformed_or_unknown_ids_are_404(three):
    client = three.client(three.a_clinician)
    for url in (
        f"/plans/{UNKNOWN}/consent/",
        f"/patients/{UNKNOWN}/consent/photography/",
        f"/consents/{UNKNOWN}/",
        f"/consents/{UNKNOWN}/consent.pdf",
        "/consents/not-a-uuid/",
        "/consent/templates/video/new/",
    ):
        assert client.get(url).status_code == 404, url


# --- taking consent ------------------------------------------------------------------------------


def test_the_consent_page_shows_the_whole_form_then_the_signing(three, plan):
    before = audit_count()
    page = text(three.client(three.a_clinician).get(f"/plans/{plan.pk}/consent/"))
    doc = plan.document
    assert doc["protocol"]["name"] in page
    for ingredient in doc["ingredients"]:
        assert ingredient["name"] in page and ingredient["concentration"] in page
    assert f"It has {len(doc['sessions'])} sessions" in page
    for risk in load_risks():
        assert risk.title in page
    assert "mycobacteria" in page and "1 to 12 weeks" in page
    assert "<canvas" in page and "Clear" in page and "cannot sign" in page
    assert 'name="shown_version" value="1"' in page
    assert "Witness: <strong>Dr A</strong>" in page
    assert audit_count() == before + 1 and last_action() == "plan.view"


def test_signing_on_the_page_records_the_consent_and_shows_it(three, plan):
    client = three.client(three.a_clinician)
    response = client.post(f"/plans/{plan.pk}/consent/", signing())
    consent = Consent.objects.for_clinic(three.clinic_a).get()
    assert response.status_code == 302 and response["Location"] == f"/consents/{consent.pk}/"
    page = text(client.get(response["Location"]))
    assert "Treatment consent signed." in page
    assert 'id="consent-state">in force<' in page
    assert 'id="signer-name">Ada Lovelace<' in page
    assert 'src="data:image/svg+xml;base64,' in page
    assert consent.pdf_sha256 in page
    assert last_action() == "consent.view"


def test_a_tick_instead_of_a_signature_is_accepted(three, plan):
    response = three.client(three.a_clinician).post(
        f"/plans/{plan.pk}/consent/", signing(signature_svg="", ticked="on")
    )
    assert response.status_code == 302
    assert Consent.objects.for_clinic(three.clinic_a).get().ticked


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (signing(signature_svg=""), "Draw the signature, or tick the box"),
        (signing(signer_name=""), "This field is required"),
        (signing(signature_svg="<svg onload=alert(1)>"), "not a drawing made on the signature"),
        (signing(ticked="on"), "not both"),
    ],
)
def test_a_bad_signing_is_shown_again_with_its_error_and_writes_nothing(three, plan, data, message):
    before = written(three.clinic_a)
    response = three.client(three.a_clinician).post(f"/plans/{plan.pk}/consent/", data)
    assert response.status_code == 422
    assert message in text(response)
    assert written(three.clinic_a) == before


def test_a_text_changed_while_reading_is_shown_again_with_the_new_version(three, plan):
    save_template(three, "Version one.")
    save_template(three, "Version two.")
    before = written(three.clinic_a)
    response = three.client(three.a_clinician).post(f"/plans/{plan.pk}/consent/", signing())
    page = text(response)
    assert response.status_code == 422
    assert "changed while the patient was reading" in page
    assert 'name="shown_version" value="2"' in page and "Version two." in page
    assert written(three.clinic_a) == before


def test_a_photography_consent_is_taken_for_the_patient(three):
    client = three.client(three.a_clinician)
    url = f"/patients/{three.a_patient.pk}/consent/photography/"
    page = text(client.get(url))
    assert "What the photos are for" in page and "Risks and side effects" not in page
    response = client.post(url, signing())
    assert response.status_code == 302
    consent = Consent.objects.for_clinic(three.clinic_a).get()
    assert consent.kind == "photography" and consent.plan is None


def test_a_void_plan_shows_why_and_offers_no_signing(three, plan):
    type(plan).objects.for_clinic(three.clinic_a).filter(pk=plan.pk).update(
        voided_at=plan.created_at, void_reason="Wrong patient"
    )
    page = text(three.client(three.a_clinician).get(f"/plans/{plan.pk}/consent/"))
    assert "This plan is void (Wrong patient)" in page
    assert "<canvas" not in page


# --- a signed consent ----------------------------------------------------------------------------


def test_the_pdf_is_the_stored_snapshot_and_its_reading_is_audited(three, consent):
    response = three.client(three.a_clinician).get(f"/consents/{consent.pk}/consent.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == bytes(consent.pdf)
    assert f"consent-{consent.patient.number}-treatment-" in response["Content-Disposition"]
    assert last_action() == "consent.pdf"


def test_withdrawing_on_the_page_marks_the_consent_withdrawn(three, plan, consent):
    client = three.client(three.a_clinician)
    response = client.post(f"/consents/{consent.pk}/withdraw/", {"reason": "Does not want it"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.is_withdrawn and consent.withdraw_reason == "Does not want it"
    page = text(client.get(f"/consents/{consent.pk}/"))
    assert 'id="consent-state">withdrawn<' in page and "Does not want it" in page
    assert "Withdraw this consent" not in page


def test_withdrawing_without_a_reason_is_422_and_writes_nothing(three, consent):
    before = written(three.clinic_a)
    response = three.client(three.a_clinician).post(
        f"/consents/{consent.pk}/withdraw/", {"reason": " "}
    )
    assert response.status_code == 422
    assert written(three.clinic_a) == before


def test_an_earlier_consent_shows_it_was_replaced(three, plan, consent):
    sign(three, plan)
    page = text(three.client(three.a_clinician).get(f"/consents/{consent.pk}/"))
    assert 'id="consent-state">replaced<' in page


# --- the plan page and the patient's list ---------------------------------------------------------


def test_the_plan_page_offers_to_take_consent_then_shows_it_signed(three, plan):
    client = three.client(three.a_clinician)
    page = text(client.get(f"/plans/{plan.pk}/"))
    assert "No valid consent" in page and f'href="/plans/{plan.pk}/consent/"' in page
    consent = sign(three, plan)
    page = text(client.get(f"/plans/{plan.pk}/"))
    assert "Consent signed" in page and f'href="/consents/{consent.pk}/"' in page


def test_the_patient_consent_list_shows_state_and_links(three, plan, consent):
    photo = sign(three)
    photo_withdrawn = Consent.objects.for_clinic(three.clinic_a).get(pk=photo.pk)
    photo_withdrawn.withdrawn_at, photo_withdrawn.withdraw_reason = consent.signed_at, "No"
    photo_withdrawn.save(update_fields=["withdrawn_at", "withdraw_reason"])
    html = render_to_string(
        "consent/_patient_consents.html",
        {
            "patient": three.a_patient,
            "consents": patient_consents(three.a_patient),
            "perms_here": {"consent.take"},
        },
    )
    page = re.sub(r"\s+", " ", html)
    assert f'href="/consents/{consent.pk}/"' in page and f'href="/consents/{photo.pk}/"' in page
    assert f'href="/consents/{consent.pk}/consent.pdf"' in page
    assert plan.document["protocol"]["name"] in page and "Clinical photos" in page
    assert "withdrawn" in page and "signed by Ada Lovelace" in page
    assert f'href="/patients/{three.a_patient.pk}/consent/photography/"' in page


# --- templates -----------------------------------------------------------------------------------


def test_the_template_list_shows_the_default_text_until_a_version_is_saved(three):
    client = three.client(three.a_admin)
    page = text(client.get("/consent/templates/"))
    assert "Consent to scalp mesotherapy for hair loss" in page and "default text" in page
    assert not ConsentTemplate.objects.for_clinic(three.clinic_a).exists()


def test_writing_a_new_version_keeps_the_earlier_ones_on_show(three):
    client = three.client(three.a_clinician)
    before = audit_count()
    for body in ("Our first words.", "Our second words."):
        response = client.post(
            "/consent/templates/treatment/new/", {"title": "Our consent", "body": body}
        )
        assert response.status_code == 302
    assert audit_count() == before + 2
    page = text(client.get("/consent/templates/"))
    assert "Our second words." in page and "version 2" in page
    assert "Earlier versions" in page and "Our first words." in page
    form = text(client.get("/consent/templates/treatment/new/"))
    assert "version 3" in form and "Our first words." in form


def test_an_unchanged_or_empty_template_is_422_and_writes_nothing(three):
    client = three.client(three.a_clinician)
    client.post("/consent/templates/treatment/new/", {"title": "T", "body": "Same."})
    before = written(three.clinic_a)
    for data in ({"title": "T", "body": "Same."}, {"title": "T", "body": ""}):
        response = client.post("/consent/templates/treatment/new/", data)
        assert response.status_code == 422
    assert written(three.clinic_a) == before
