"""Consultation pages, treatment plans and their PDF, the clinic policy page, the knowledge pages.

Clinic A's patient (tests/conftest.py) is a 40-year-old woman with androgenic alopecia (L64.9) on
rivaroxaban, allergic to lidocaine. Recorded as postmenopausal with a Ludwig II stage she screens
`eligible_with_caution` (CI-08, anticoagulant); recorded as pregnant, `not_eligible` (CI-01).
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.clinics.roles import Role
from anagen.consultations.models import ClinicPolicy, Consultation
from anagen.core.knowledge import load
from anagen.patients import services as patient_services
from anagen.plans.models import TreatmentPlan
from tests.conftest import audit_count, make_user

TODAY = timezone.localdate()
NEXT_WEEK = (TODAY + dt.timedelta(days=7)).isoformat()
EXAM = {
    "assessed_on": TODAY.isoformat(),
    "sex": "female",
    "postmenopausal": "yes",
    "diagnosis": "L64.9",
    "stage_scale": "ludwig",
    "stage_value": "II",
    "allergies": ["lidocaine"],
}
PREGNANT = EXAM | {"postmenopausal": "", "pregnancy": "pregnant"}
PLAN = {"protocol": "dutasteride-vitamins", "start": NEXT_WEEK}
ACCP_CITATION = "UCSD perioperative anticoagulation guidance citing ACCP (Grade 1C)"


# --- helpers ----------------------------------------------------------------------------------


def consultations(three):
    return Consultation.objects.for_clinic(three.clinic_a)


def plans(three):
    return TreatmentPlan.objects.for_clinic(three.clinic_a)


def snapshot(three):
    """Everything a refused request must leave untouched."""
    return (
        audit_count(),
        list(consultations(three).order_by("signed_at").values()),
        list(plans(three).order_by("created_at").values()),
        list(ClinicPolicy.objects.values()),
    )


def last_audit():
    return AuditEntry.objects.order_by("-id").first()


def sign(three, exam=EXAM):
    client = three.client(three.a_clinician)
    response = client.post(f"/patients/{three.a_patient.pk}/consultations/new/", exam)
    assert response.status_code == 302, response.context["form"].errors
    return consultations(three).get(pk=response["Location"].split("/")[2])


def plan_for(three, consultation, data=PLAN):
    response = three.client(three.a_clinician).post(f"/consultations/{consultation.pk}/plan/", data)
    assert response.status_code == 302, response.context["form"].errors
    return plans(three).get(pk=response["Location"].split("/")[2])


def practitioner(three):
    return make_user(three.clinic_a, Role.PRACTITIONER, "prac.a@example.org", "Practitioner A")


def body_text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def policy_form_data(client):
    """The policy page's form as the browser would submit it unchanged."""
    form = client.get("/clinic/policy/").context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = str(value)
    return data


def a_urls(three, consultation, plan):
    p, c = three.a_patient.pk, consultation.pk
    return [
        ("get", f"/patients/{p}/consultations/"),
        ("get", f"/patients/{p}/consultations/new/"),
        ("post", f"/patients/{p}/consultations/new/"),
        ("post", f"/patients/{p}/consultations/preview/"),
        ("get", f"/patients/{p}/consultations/stages/?stage_scale=norwood"),
        ("get", f"/consultations/{c}/"),
        ("get", f"/consultations/{c}/plan/"),
        ("post", f"/consultations/{c}/plan/"),
        ("get", f"/plans/{plan.pk}/"),
        ("get", f"/plans/{plan.pk}/plan.pdf"),
    ]


# --- isolation --------------------------------------------------------------------------------


def test_another_clinics_clinician_gets_404_for_the_patient_consultation_plan_and_pdf(three):
    consultation = sign(three)
    plan = plan_for(three, consultation)
    client = three.client(three.b_clinician)
    before = snapshot(three)
    for method, url in a_urls(three, consultation, plan):
        data = EXAM | PLAN if method == "post" else {}
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, url
    assert snapshot(three) == before


def test_a_malformed_or_unknown_consultation_or_plan_id_is_404(three):
    client = three.client(three.a_clinician)
    unknown = "00000000-0000-4000-8000-000000000000"
    for url in (
        "/consultations/not-a-uuid/",
        f"/consultations/{unknown}/",
        f"/consultations/{unknown}/plan/",
        f"/plans/{unknown}/",
        f"/plans/{unknown}/plan.pdf",
    ):
        assert client.get(url).status_code == 404, url


def test_signed_out_visitors_are_sent_to_login(three, client):
    response = client.get(f"/patients/{three.a_patient.pk}/consultations/new/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- roles ------------------------------------------------------------------------------------


def test_reception_gets_403_on_every_consultation_plan_and_knowledge_url(three):
    consultation = sign(three)
    plan = plan_for(three, consultation)
    client = three.client(three.a_reception)
    before = snapshot(three)
    urls = [
        *a_urls(three, consultation, plan),
        ("get", "/knowledge/"),
        ("get", "/knowledge/CI-08/"),
    ]
    for method, url in urls:
        data = EXAM | PLAN if method == "post" else {}
        assert getattr(client, method)(url, data).status_code == 403, url
    assert snapshot(three) == before


def test_reception_sees_no_consultation_section_on_the_chart(three):
    sign(three)
    chart = f"/patients/{three.a_patient.pk}/"
    clinician_view = three.client(three.a_clinician).get(chart).content.decode()
    assert "Consultations and plans" in clinician_view and "New consultation" in clinician_view
    body = three.client(three.a_reception).get(chart).content.decode()
    for clinical in ("Consultations and plans", "New consultation", "/consultations/", "caution"):
        assert clinical not in body


def test_a_practitioner_can_read_a_consultation_and_its_plan_but_not_sign_or_plan(three):
    consultation = sign(three)
    plan = plan_for(three, consultation)
    client = three.client(practitioner(three))
    detail = client.get(f"/consultations/{consultation.pk}/")
    assert detail.status_code == 200
    assert "Create treatment plan" not in detail.content.decode()
    assert "New consultation" not in detail.content.decode()
    assert client.get(f"/plans/{plan.pk}/").status_code == 200
    before = snapshot(three)
    p = three.a_patient.pk
    assert client.get(f"/patients/{p}/consultations/new/").status_code == 403
    assert client.post(f"/patients/{p}/consultations/new/", EXAM).status_code == 403
    assert client.post(f"/patients/{p}/consultations/preview/", EXAM).status_code == 403
    assert client.get(f"/consultations/{consultation.pk}/plan/").status_code == 403
    assert client.post(f"/consultations/{consultation.pk}/plan/", PLAN).status_code == 403
    assert snapshot(three) == before


# --- the new-consultation page and the live screening -----------------------------------------


def test_the_new_consultation_page_is_prefilled_from_the_chart(three):
    response = three.client(three.a_clinician).get(
        f"/patients/{three.a_patient.pk}/consultations/new/"
    )
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert (initial["sex"], initial["assessed_on"], initial["allergies"]) == (
        "female",
        TODAY,
        ["lidocaine"],
    )
    body = response.content.decode()
    # The chart's lidocaine allergy is ticked; nothing else is.
    ticked = re.findall(r'<input type="checkbox" name="allergies" value="(\w+)"[^>]*checked', body)
    assert ticked == ["lidocaine"]
    # The first screening already reads the chart: its medicine, its allergy and its condition.
    findings = {f["rule"]: f["message"] for f in response.context["result"]["findings"]}
    assert "rivaroxaban (B01AF01)" in findings["CI-08"]
    assert "Allergy to Lidocaine" in findings["CI-22"]
    assert "L64.9" in findings["UNASSESSED"]


def test_the_new_consultation_page_starts_from_the_last_signed_examination(three):
    sign(three, EXAM | {"stage_value": "III", "hba1c_percent": "6.1"})
    form = (
        three.client(three.a_clinician)
        .get(f"/patients/{three.a_patient.pk}/consultations/new/")
        .context["form"]
    )
    assert (form["diagnosis"].value(), form["stage_scale"].value()) == ("L64.9", "ludwig")
    assert (form["stage_value"].value(), form["hba1c_percent"].value()) == ("III", 6.1)


def test_the_preview_returns_the_verdict_with_findings_and_sources_and_writes_nothing(three):
    before = snapshot(three)
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/consultations/preview/", EXAM
    )
    body = body_text(response)
    assert response.status_code == 200 and "<html" not in body
    assert response.context["result"]["verdict"] == "eligible_with_caution"
    assert "<strong>Eligible with caution</strong>" in body
    assert "<code>CI-08</code>" in body and ACCP_CITATION in body
    assert 'href="/knowledge/CI-08/"' in body
    assert snapshot(three) == before


@pytest.mark.parametrize(
    ("changes", "field", "shown"),
    [
        ({"stage_value": "IX"}, "stage_value", "Stage value: 'IX' is not a Ludwig stage"),
        ({"assessed_on": ""}, "assessed_on", "Assessed on: This field is required."),
        ({"assessed_on": "2025-13-45"}, "assessed_on", "Assessed on: Enter a valid date."),
        ({"stage_scale": "sinclair", "stage_value": "9"}, "stage_value", "not a Sinclair stage"),
        ({"stage_scale": "richter"}, "stage_scale", "Stage scale: Select a valid choice."),
        ({"hba1c_percent": "nan"}, "hba1c_percent", "Hba1c percent: Enter a number."),
        ({"onset_months_ago": "-3"}, "onset_months_ago", "greater than or equal to 0"),
        ({"allergies": ["peanuts"]}, "allergies", "peanuts is not one of the available"),
    ],
)
def test_bad_preview_input_names_the_field_and_writes_nothing(three, changes, field, shown):
    before = snapshot(three)
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/consultations/preview/", EXAM | changes
    )
    # 200, not 4xx: HTMX swaps only successful answers into the screening panel.
    assert response.status_code == 200
    assert field in response.context["form"].errors
    body = body_text(response).replace("&#x27;", "'")
    assert "Waiting for valid entries" in body and shown in body
    assert snapshot(three) == before


def test_the_preview_shows_each_error_once(three):
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/consultations/preview/", EXAM | {"stage_value": "IX"}
    )
    assert response.content.decode().count("is not a Ludwig stage") == 1


def test_the_stage_picker_offers_a_picture_for_each_norwood_stage(three):
    response = three.client(three.a_clinician).get(
        f"/patients/{three.a_patient.pk}/consultations/stages/", {"stage_scale": "norwood"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    stages = re.findall(r'name="stage_value" value="([^"]+)"', body)
    assert stages[:4] == ["I", "II", "IIa", "III"] and "VII" in stages
    assert body.count("/static/anagen/scales/norwood-") == len(stages)


def test_the_stage_picker_asks_for_the_four_regions_on_the_salt_scale(three):
    body = (
        three.client(three.a_clinician)
        .get(f"/patients/{three.a_patient.pk}/consultations/stages/", {"stage_scale": "salt"})
        .content.decode()
    )
    for name in ("salt_top", "salt_back", "salt_right", "salt_left"):
        assert f'name="{name}"' in body
    assert 'name="stage_value"' not in body


# --- signing ----------------------------------------------------------------------------------


def test_signing_saves_one_consultation_and_one_audit_entry(three):
    before = audit_count()
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/consultations/new/", EXAM
    )
    consultation = consultations(three).get()
    assert response.status_code == 302
    assert response["Location"] == f"/consultations/{consultation.pk}/"
    assert audit_count() == before + 1
    entry = last_audit()
    assert (entry.action, entry.object_id, entry.patient_id, entry.user) == (
        "consultation.sign",
        str(consultation.pk),
        three.a_patient.pk,
        three.a_clinician,
    )
    assert consultation.verdict == consultation.result["verdict"] == "eligible_with_caution"
    assert consultation.knowledge_version == load().version
    assert (consultation.signed_by, consultation.supersedes) == (three.a_clinician, None)
    intake = consultation.intake
    assert intake["schema"] == "anagen.intake/1" and intake["assessed_on"] == TODAY.isoformat()
    assert intake["hair_loss"]["stage"] == {"scale": "ludwig", "value": "II"}
    assert intake["conditions"] == [{"icd10": "L64.9"}]
    assert intake["medications"] == [{"atc": "B01AF01", "name": "rivaroxaban"}]
    assert intake["allergies"] == ["lidocaine"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stage_scale": "ludwig", "stage_value": "IX"}, "stage_value"),
        ({"assessed_on": ""}, "assessed_on"),
        ({"sex": "robot"}, "sex"),
        ({"pull_test_positive_regions": "5"}, "pull_test_positive_regions"),
        ({"stage_scale": "norwood", "stage_value": ""}, "stage_value"),
    ],
)
def test_bad_input_to_signing_names_the_field_and_writes_nothing(three, changes, field):
    before = snapshot(three)
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/consultations/new/", EXAM | changes
    )
    assert response.status_code == 200  # the form again (the patient pages answer 400)
    assert field in response.context["form"].errors
    assert "Sign consultation" in response.content.decode()
    assert snapshot(three) == before


def test_a_second_signing_supersedes_the_first_and_leaves_it_as_signed(three):
    first = sign(three)
    signed_first = consultations(three).filter(pk=first.pk).values().get()
    second = sign(three, EXAM | {"stage_value": "III"})
    assert consultations(three).count() == 2
    assert consultations(three).filter(pk=first.pk).values().get() == signed_first
    assert second.supersedes_id == first.pk
    assert second.intake["hair_loss"]["stage"]["value"] == "III"
    client = three.client(three.a_clinician)
    old_page = client.get(f"/consultations/{first.pk}/").content.decode()
    assert "supersedes this one" in old_page and "Create treatment plan" not in old_page
    new_page = client.get(f"/consultations/{second.pk}/").content.decode()
    assert f'href="/consultations/{first.pk}/"' in new_page
    assert "Create treatment plan" in new_page


def test_signing_for_an_archived_patient_is_refused_and_writes_nothing(three):
    patient_services.patient_archive(
        actor=Actor(user=three.a_clinician), patient=three.a_patient, reason="moved away"
    )
    before = snapshot(three)
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/consultations/new/", EXAM
    )
    assert "archived" in " ".join(response.context["form"].non_field_errors())
    assert snapshot(three) == before


def test_an_assessment_date_in_the_future_is_refused(three):
    before = snapshot(three)
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/consultations/new/", EXAM | {"assessed_on": "2999-01-01"}
    )
    assert snapshot(three) == before
    assert "assessed_on" in response.context["form"].errors


def test_an_assessment_before_the_birth_date_says_so(three):
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/consultations/new/", EXAM | {"assessed_on": "1900-01-01"}
    )
    message = " ".join(response.context["form"].errors["assessed_on"])
    assert "birth" in message


def test_the_signing_message_gives_the_verdict_in_words(three):
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/consultations/new/", EXAM, follow=True
    )
    assert "Consultation signed: Eligible with caution." in response.content.decode()


def test_opening_a_consultation_shows_it_and_writes_one_audit_entry(three):
    consultation = sign(three)
    before = audit_count()
    response = three.client(three.a_clinician).get(f"/consultations/{consultation.pk}/")
    body = body_text(response)
    assert response.status_code == 200
    assert "Eligible with caution" in body and "rivaroxaban" in body and "Lidocaine" in body
    assert audit_count() == before + 1
    assert (last_audit().action, last_audit().object_id) == (
        "consultation.view",
        str(consultation.pk),
    )


# --- treatment plans --------------------------------------------------------------------------


def test_a_plan_from_a_treatable_consultation_has_its_sessions_and_is_audited(three):
    consultation = sign(three)
    client = three.client(three.a_clinician)
    form = client.get(f"/consultations/{consultation.pk}/plan/").context["form"]
    offered = [value for value, _label in form.fields["protocol"].choices]
    assert form.initial["protocol"] == "dutasteride-vitamins" and "vitamin-cocktail" in offered
    before = audit_count()
    plan = plan_for(three, consultation)
    sessions = plan.document["sessions"]
    assert (plan.protocol_id, plan.start_date.isoformat()) == (PLAN["protocol"], PLAN["start"])
    assert len(sessions) == 11 and sessions[0]["date"] == NEXT_WEEK
    assert (plan.consultation, plan.patient, plan.created_by) == (
        consultation,
        three.a_patient,
        three.a_clinician,
    )
    assert audit_count() == before + 1
    assert (last_audit().action, last_audit().object_id) == ("plan.create", str(plan.pk))
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert page.count("<tr><td>") == len(sessions)
    assert f'href="/plans/{plan.pk}/plan.pdf"' in page


def test_a_plan_from_a_superseded_consultation_is_refused_and_writes_nothing(three):
    first = sign(three)
    sign(three)
    before = snapshot(three)
    response = three.client(three.a_clinician).post(f"/consultations/{first.pk}/plan/", PLAN)
    assert response.status_code == 200
    assert "A later consultation supersedes this one" in response.content.decode()
    assert snapshot(three) == before


def test_a_plan_from_a_not_eligible_consultation_is_refused_and_writes_nothing(three):
    consultation = sign(three, PREGNANT)
    assert consultation.verdict == "not_eligible"
    client = three.client(three.a_clinician)
    assert "Create treatment plan" not in (
        client.get(f"/consultations/{consultation.pk}/").content.decode()
    )
    before = snapshot(three)
    response = client.post(f"/consultations/{consultation.pk}/plan/", PLAN)
    assert response.status_code == 200
    assert "verdict does not allow a course of treatment" in response.content.decode()
    assert snapshot(three) == before


def test_a_plan_cannot_start_before_the_consultation(three):
    consultation = sign(three)
    before = snapshot(three)
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    response = three.client(three.a_clinician).post(
        f"/consultations/{consultation.pk}/plan/", PLAN | {"start": yesterday}
    )
    assert "cannot start before" in " ".join(response.context["form"].errors["start"])
    assert snapshot(three) == before


def test_a_protocol_the_screening_does_not_offer_is_refused(three):
    consultation = sign(three)
    before = snapshot(three)
    response = three.client(three.a_clinician).post(
        f"/consultations/{consultation.pk}/plan/", PLAN | {"protocol": "no-such-protocol"}
    )
    assert "protocol" in response.context["form"].errors
    assert snapshot(three) == before


def test_a_start_date_too_far_ahead_is_a_field_error(three):
    consultation = sign(three)
    before = snapshot(three)
    response = three.client(three.a_clinician).post(
        f"/consultations/{consultation.pk}/plan/", PLAN | {"start": "9999-12-01"}
    )
    assert "start" in response.context["form"].errors
    assert snapshot(three) == before


def test_opening_a_plan_writes_an_audit_entry(three):
    plan = plan_for(three, sign(three))
    before = audit_count()
    three.client(three.a_clinician).get(f"/plans/{plan.pk}/")
    assert audit_count() == before + 1


def test_a_plan_for_an_archived_patient_is_refused_and_writes_nothing(three):
    consultation = sign(three)
    patient_services.patient_archive(
        actor=Actor(user=three.a_clinician), patient=three.a_patient, reason="moved away"
    )
    before = snapshot(three)
    three.client(three.a_clinician).post(f"/consultations/{consultation.pk}/plan/", PLAN)
    assert snapshot(three) == before


def test_the_plan_pdf_is_a_pdf_and_printing_is_audited(three):
    plan = plan_for(three, sign(three))
    before = audit_count()
    response = three.client(three.a_clinician).get(f"/plans/{plan.pk}/plan.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert three.a_patient.number in response["Content-Disposition"]
    assert audit_count() == before + 1
    assert (last_audit().action, last_audit().object_id) == ("plan.print", str(plan.pk))


def test_a_practitioner_can_print_the_plan(three):
    plan = plan_for(three, sign(three))
    response = three.client(practitioner(three)).get(f"/plans/{plan.pk}/plan.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


# --- clinic policy ----------------------------------------------------------------------------


def diabetic_verdict(three, hba1c):
    """Clinic A's patient with type 2 diabetes, screened with this HbA1c."""
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/consultations/preview/",
        EXAM | {"hba1c_percent": hba1c},
    )
    return response.context["result"]["verdict"]


def test_the_admin_changes_the_hba1c_limit_and_aftercare_days_and_it_is_audited(three):
    patient_services.condition_add(
        actor=Actor(user=three.a_clinician), patient=three.a_patient, data={"code": "E11"}
    )
    assert diabetic_verdict(three, "8.5") == "defer"
    admin = three.client(three.a_admin)
    data = policy_form_data(admin)
    assert (data["param_hba1c_defer_above_percent"], data["days_no_hair_washing"]) == ("8.0", "2")
    before = audit_count()
    response = admin.post(
        "/clinic/policy/",
        data | {"param_hba1c_defer_above_percent": "9", "days_no_hair_washing": "5"},
    )
    assert response.status_code == 302 and response["Location"] == "/clinic/policy/"
    assert audit_count() == before + 1
    entry = last_audit()
    assert (entry.action, entry.user) == ("policy.update", three.a_admin)
    assert "overrides" in entry.changes
    policy = ClinicPolicy.objects.get(clinic=three.clinic_a)
    assert policy.overrides["parameters"] == {"hba1c_defer_above_percent": 9.0}
    assert policy.overrides["aftercare"]["no_hair_washing"] == {"days": 5, "enabled": True}
    # The clinic's screening and plans now use them.
    assert diabetic_verdict(three, "8.5") == "eligible_with_caution"
    plan = plan_for(three, sign(three, EXAM | {"hba1c_percent": "8.5"}))
    washing = next(a for a in plan.document["aftercare"] if a["item"] == "no_hair_washing")
    assert washing["until"] == (TODAY + dt.timedelta(days=12)).isoformat()
    assert policy_form_data(admin)["param_hba1c_defer_above_percent"] == "9.0"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("param_hba1c_defer_above_percent", "12", "less than or equal to 10"),
        ("param_hba1c_defer_above_percent", "6", "greater than or equal to 6.5"),
        ("param_hba1c_defer_above_percent", "high", "Enter a number"),
        ("days_no_hair_washing", "9", "less than or equal to 7"),
        ("days_no_hair_washing", "-1", "greater than or equal to 0"),
        ("currency", "EU", "at least 3 characters"),
    ],
)
def test_an_out_of_range_policy_value_names_the_field_and_changes_nothing(
    three, field, value, message
):
    admin = three.client(three.a_admin)
    data = policy_form_data(admin)
    before = snapshot(three)
    response = admin.post("/clinic/policy/", data | {field: value})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert snapshot(three) == before


def test_a_clinician_cannot_open_or_change_the_policy(three):
    client = three.client(three.a_clinician)
    data = policy_form_data(three.client(three.a_admin))
    before = snapshot(three)
    assert client.get("/clinic/policy/").status_code == 403
    assert client.post("/clinic/policy/", data).status_code == 403
    assert three.client(three.b_clinician).get("/clinic/policy/").status_code == 403
    assert snapshot(three) == before


def test_a_plan_is_refused_when_the_policy_changed_the_verdict_since_signing(three):
    patient_services.condition_add(
        actor=Actor(user=three.a_clinician), patient=three.a_patient, data={"code": "E11"}
    )
    admin = three.client(three.a_admin)
    data = policy_form_data(admin)
    admin.post("/clinic/policy/", data | {"param_hba1c_defer_above_percent": "9"})
    consultation = sign(three, EXAM | {"hba1c_percent": "8.5"})
    assert consultation.verdict == "eligible_with_caution"
    admin.post("/clinic/policy/", data | {"param_hba1c_defer_above_percent": "8"})
    before = snapshot(three)
    response = three.client(three.a_clinician).post(f"/consultations/{consultation.pk}/plan/", PLAN)
    assert "sign a new consultation first" in response.content.decode()
    assert snapshot(three) == before


def _price_then_plan_and_print(three, field, price):
    admin = three.client(three.a_admin)
    response = admin.post("/clinic/policy/", policy_form_data(admin) | {field: price})
    if response.status_code == 200:  # refused on the policy page: that is fine too
        assert field in response.context["form"].errors
        return
    plan = plan_for(three, sign(three))
    pdf = three.client(three.a_clinician).get(f"/plans/{plan.pk}/plan.pdf")
    assert pdf.content.startswith(b"%PDF")


def test_an_absurd_protocol_price_is_refused_or_still_gives_a_printable_plan(three):
    _price_then_plan_and_print(three, "price_dutasteride-vitamins", "1e308")


def test_an_absurd_default_price_is_refused_or_still_gives_a_printable_plan(three):
    _price_then_plan_and_print(three, "default_price", "1e300")


# --- knowledge pages --------------------------------------------------------------------------


def test_the_knowledge_base_lists_ci08_and_its_page_shows_the_citation(three):
    client = three.client(three.a_clinician)
    listing = client.get("/knowledge/").content.decode()
    assert 'href="/knowledge/CI-08/"' in listing
    response = client.get("/knowledge/CI-08/")
    body = body_text(response)
    assert response.status_code == 200
    assert "Anticoagulant or antiplatelet treatment" in body
    assert "accp-ucsd-anticoagulation" in body and ACCP_CITATION in body
    assert "aad-dw-2022" in body and "actas-2020-doac" in body


def test_a_record_with_nested_values_reads_as_names_and_values_not_python(three):
    client = three.client(three.a_clinician)
    response = client.get("/knowledge/satisfaction/")
    body = body_text(response)
    assert response.status_code == 200
    assert "min score" in body and "Score of at least" in body and "of 100" in body
    assert "{'" not in body and "'label'" not in body
    protocol = body_text(client.get("/knowledge/vitamin-cocktail/"))
    assert "every weeks" in protocol and "induction" in protocol and "[{" not in protocol


def test_a_practitioner_reads_the_knowledge_base_and_an_unknown_record_is_404(three):
    client = three.client(practitioner(three))
    assert client.get("/knowledge/CI-08/").status_code == 200
    assert client.get("/knowledge/CI-99/").status_code == 404
