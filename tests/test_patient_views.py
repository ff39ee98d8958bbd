"""Patient pages: the chart, registration, editing, history, archiving, export, search."""

import json

import pytest

from anagen.audit.models import AuditEntry
from anagen.patients.models import Allergy, Condition, Medication, Patient
from tests.conftest import audit_count


def snapshot(three):
    """Everything a bad request must leave untouched."""
    a = three.clinic_a
    return (
        audit_count(),
        list(Patient.objects.for_clinic(a).values()),
        list(Condition.objects.for_clinic(a).values()),
        list(Medication.objects.for_clinic(a).values()),
        list(Allergy.objects.for_clinic(a).values()),
    )


def a_urls(three):
    p = three.a_patient
    cond = p.conditions.get()
    return [
        ("get", f"/patients/{p.pk}/"),
        ("get", f"/patients/{p.pk}/edit/"),
        ("post", f"/patients/{p.pk}/edit/"),
        ("post", f"/patients/{p.pk}/archive/"),
        ("post", f"/patients/{p.pk}/restore/"),
        ("get", f"/patients/{p.pk}/export.json"),
        ("post", f"/patients/{p.pk}/condition/add/"),
        ("post", f"/patients/{p.pk}/condition/{cond.pk}/void/"),
    ]


# --- isolation --------------------------------------------------------------------------------


def test_another_clinics_clinician_gets_404_on_every_patient_url(three):
    client = three.client(three.b_clinician)
    before = snapshot(three)
    for method, url in a_urls(three):
        response = getattr(client, method)(url, {"reason": "x", "given_name": "Eve"})
        assert response.status_code == 404, url
    assert snapshot(three) == before


def test_another_clinics_history_item_is_404_even_under_your_own_patient(three):
    client = three.client(three.b_clinician)
    cond = three.a_patient.conditions.get()
    response = client.post(
        f"/patients/{three.b_patient.pk}/condition/{cond.pk}/void/", {"reason": "x"}
    )
    assert response.status_code == 404
    cond.refresh_from_db()
    assert cond.voided_at is None


def test_a_malformed_or_unknown_patient_id_is_404(three):
    client = three.client(three.a_clinician)
    assert client.get("/patients/not-a-uuid/").status_code == 404
    assert client.get("/patients/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_the_patient_list_shows_only_this_clinic(three):
    body = three.client(three.a_clinician).get("/patients/").content.decode()
    assert "Lovelace" in body and "Bclinic" not in body


def test_signed_out_visitors_are_sent_to_login(three, client):
    response = client.get(f"/patients/{three.a_patient.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- roles ------------------------------------------------------------------------------------


def test_reception_sees_contact_details_but_no_medical_history(three):
    response = three.client(three.a_reception).get(f"/patients/{three.a_patient.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "ada@example.net" in body
    for clinical in ("L64.9", "Androgenic", "B01AF01", "rivaroxaban", "Lidocaine", "Allergies"):
        assert clinical not in body


def test_reception_cannot_export_add_history_or_archive(three):
    client = three.client(three.a_reception)
    before = snapshot(three)
    p = three.a_patient
    assert client.get(f"/patients/{p.pk}/export.json").status_code == 403
    assert client.post(f"/patients/{p.pk}/condition/add/", {"code": "L65.0"}).status_code == 403
    assert client.post(f"/patients/{p.pk}/archive/", {"reason": "x"}).status_code == 403
    assert snapshot(three) == before


def test_reception_can_register_and_edit_contact_details(three):
    client = three.client(three.a_reception)
    response = client.post(
        f"/patients/{three.a_patient.pk}/edit/",
        {
            "given_name": "Ada",
            "family_name": "Lovelace",
            "date_of_birth": "1985-12-10",
            "sex_at_birth": "female",
            "email": "new@example.net",
            "phone": "",
            "address": "",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302
    three.a_patient.refresh_from_db()
    assert three.a_patient.email == "new@example.net"


# --- chart and audit --------------------------------------------------------------------------


def test_opening_a_chart_writes_exactly_one_audit_entry(three):
    before = audit_count()
    response = three.client(three.a_clinician).get(f"/patients/{three.a_patient.pk}/")
    assert response.status_code == 200
    assert audit_count() == before + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.patient_id, entry.user) == (
        "patient.view",
        three.a_patient.pk,
        three.a_clinician,
    )


def test_the_chart_shows_the_history_to_a_clinician(three):
    body = three.client(three.a_clinician).get(f"/patients/{three.a_patient.pk}/").content.decode()
    assert "L64.9" in body and "rivaroxaban" in body and "Lidocaine" in body


def test_export_downloads_the_record_and_is_audited(three):
    before = audit_count()
    response = three.client(three.a_clinician).get(f"/patients/{three.a_patient.pk}/export.json")
    record = json.loads(response.content)
    assert record["schema"] == "anagen.patient-record/1"
    assert record["history"]["conditions"][0]["code"] == "L64.9"
    assert audit_count() == before + 1
    assert AuditEntry.objects.order_by("-id").first().action == "patient.export"


# --- registration and editing -----------------------------------------------------------------

NEW = {
    "given_name": "Grace",
    "family_name": "Hopper",
    "date_of_birth": "1906-12-09",
    "sex_at_birth": "female",
    "email": "grace@example.net",
    "phone": "+1 555",
    "address": "",
    "preferred_language": "en",
}


def test_registering_a_patient_numbers_them_and_opens_the_chart(three):
    response = three.client(three.a_clinician).post("/patients/new/", NEW)
    patient = Patient.objects.for_clinic(three.clinic_a).get(family_name="Hopper")
    assert response.status_code == 302 and response["Location"] == f"/patients/{patient.pk}/"
    assert patient.number == "CLI-000002"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "2999-01-01", "future"),
        ("date_of_birth", "12/31/1990", "valid date"),
        ("date_of_birth", "1850-01-01", "after 1900"),
        ("given_name", "", "required"),
        ("sex_at_birth", "robot", "valid choice"),
        ("email", "not-an-email", "valid email"),
        ("preferred_language", "xx", "valid choice"),
    ],
)
def test_bad_registration_input_is_400_names_the_field_and_writes_nothing(
    three, field, value, message
):
    before = snapshot(three)
    response = three.client(three.a_clinician).post("/patients/new/", NEW | {field: value})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert snapshot(three) == before


def test_a_bad_edit_is_400_and_leaves_the_patient_unchanged(three):
    before = snapshot(three)
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/edit/", NEW | {"email": "broken"}
    )
    assert response.status_code == 400 and "email" in response.context["form"].errors
    assert snapshot(three) == before


def test_an_edit_audits_the_changed_field_names(three):
    three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/edit/",
        {
            "given_name": "Ada",
            "family_name": "King",
            "date_of_birth": "1985-12-10",
            "sex_at_birth": "female",
            "email": "ada@example.net",
            "phone": "+44 7700 900123",
            "address": "",
            "preferred_language": "en",
        },
    )
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.action == "patient.update" and entry.changes == ["family_name"]


# --- history ----------------------------------------------------------------------------------


def test_adding_a_condition_normalises_the_code_and_keeps_the_who_title(three):
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/condition/add/", {"code": " l650 ", "status": "active"}
    )
    assert response.status_code == 302
    added = three.a_patient.conditions.get(code="L65.0")
    assert added.title == "Telogen effluvium"


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("condition", {"code": "L99.9", "status": "active"}, "code"),
        ("condition", {"code": "banana", "status": "active"}, "code"),
        ("condition", {"code": "", "status": "active"}, "code"),
        ("medication", {"atc_code": "Z99ZZ99"}, "atc_code"),
        ("medication", {"atc_code": "C07"}, "name"),
        (
            "medication",
            {"atc_code": "G04CB01", "started_on": "2025-05-01", "stopped_on": "2025-01-01"},
            "stopped_on",
        ),
        ("allergy", {"substance": "", "severity": "mild"}, "substance"),
        ("allergy", {"substance": "Nuts", "severity": "deadly"}, "severity"),
    ],
)
def test_bad_history_input_is_400_names_the_field_and_writes_nothing(three, kind, data, field):
    before = snapshot(three)
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/{kind}/add/", data
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert snapshot(three) == before


def test_striking_out_history_needs_a_reason_and_keeps_the_row(three):
    client = three.client(three.a_clinician)
    cond = three.a_patient.conditions.get()
    url = f"/patients/{three.a_patient.pk}/condition/{cond.pk}/void/"
    before = snapshot(three)
    client.post(url, {"reason": "  "})
    assert snapshot(three) == before
    client.post(url, {"reason": "entered in error"})
    cond.refresh_from_db()
    assert cond.voided_at is not None and cond.void_reason == "entered in error"
    body = client.get(f"/patients/{three.a_patient.pk}/").content.decode()
    assert "L64.9" not in body


# --- archive and search -----------------------------------------------------------------------


def test_archiving_needs_a_reason_hides_the_patient_and_keeps_the_record(three):
    client = three.client(three.a_clinician)
    url = f"/patients/{three.a_patient.pk}/archive/"
    before = snapshot(three)
    client.post(url, {"reason": ""})
    assert snapshot(three) == before
    client.post(url, {"reason": "moved abroad"})
    three.a_patient.refresh_from_db()
    assert three.a_patient.archive_reason == "moved abroad"
    rows = {"HX-Request": "true"}  # the list itself, without the flash message above it
    assert "Lovelace" not in client.get("/patients/", headers=rows).content.decode()
    assert "Lovelace" in client.get("/patients/?archived=1", headers=rows).content.decode()
    assert Patient.objects.for_clinic(three.clinic_a).filter(pk=three.a_patient.pk).exists()


def test_restoring_an_archived_patient_lists_them_again(three):
    client = three.client(three.a_clinician)
    client.post(f"/patients/{three.a_patient.pk}/archive/", {"reason": "duplicate"})
    client.post(f"/patients/{three.a_patient.pk}/restore/")
    assert "Lovelace" in client.get("/patients/").content.decode()


@pytest.mark.parametrize("query", ["lovel", "ADA", "CLI-000001", "1985-12", "900123", "ada@"])
def test_search_finds_a_patient_by_name_number_birth_date_phone_or_email(three, query):
    body = three.client(three.a_reception).get("/patients/", {"q": query}).content.decode()
    assert "Lovelace" in body


def test_search_returns_the_rows_partial_to_htmx(three):
    response = three.client(three.a_clinician).get(
        "/patients/", {"q": "zzz"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and "0 patients" in body


def test_the_chart_shows_the_age_in_whole_years(three):
    from django.utils import timezone

    today = timezone.localdate()
    born = three.a_patient.date_of_birth
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    body = three.client(three.a_reception).get(f"/patients/{three.a_patient.pk}/").content.decode()
    assert f"({years} y)" in body


def test_a_history_restore_gets_the_whole_page_and_responses_vary_on_htmx(three):
    client = three.client(three.a_clinician)
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = client.get("/patients/", {"q": "ada"}, headers=restore)
    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_the_chart_gives_each_history_form_its_own_field_ids(three):
    body = three.client(three.a_clinician).get(f"/patients/{three.a_patient.pk}/").content.decode()
    for field_id in ("condition_note", "medication_note", "allergy_note", "medication_atc_code"):
        assert body.count(f'id="{field_id}"') == 1
    assert 'id="id_note"' not in body
