"""The JSON API at /api/v1/: isolation between clinics, roles, audit, input errors and auth.

Requests go through django.test.Client with a real bearer token (or a real session), exactly as a
clinic's own tool or the browser would send them.
"""

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils.crypto import get_random_string

from anagen.accounts.models import ApiToken
from anagen.accounts.services import api_token_create, api_token_revoke, membership_set_active
from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.clinics.models import Membership
from anagen.clinics.roles import ROLE_PERMS, Perm, Role
from anagen.patients.models import Allergy, Condition, Medication, Patient
from tests.conftest import audit_count, make_patient, make_user

API = "/api/v1"


# --- helpers ----------------------------------------------------------------------------------


def token_for(user: Any, clinic: Any = None, name: str = "Clinic tool") -> str:
    """A fresh raw bearer token for the user's membership (at `clinic` when they have several)."""
    memberships = Membership.objects.filter(user=user)
    membership = memberships.get(clinic=clinic) if clinic else memberships.get()
    _token, raw = api_token_create(actor=Actor(user=user), membership=membership, name=name)
    return raw


class Api:
    """A JSON client for /api/v1: a bearer token, a signed-in session, or neither."""

    def __init__(self, raw_token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.extra = {"HTTP_AUTHORIZATION": f"Bearer {raw_token}"} if raw_token else {}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(API + path, params or {}, **self.extra)

    def _send(self, method: str, path: str, body: Any) -> Any:
        send = getattr(self.client, method)
        return send(API + path, json.dumps(body), content_type="application/json", **self.extra)

    def post(self, path: str, body: Any = None) -> Any:
        return self._send("post", path, {} if body is None else body)

    def patch(self, path: str, body: Any) -> Any:
        return self._send("patch", path, body)

    def call(self, method: str, path: str, body: Any = None) -> Any:
        return self.get(path) if method == "get" else self._send(method, path, body or {})


def with_token(user: Any, clinic: Any = None) -> Api:
    return Api(token_for(user, clinic))


def with_session(user: Any, client: Client | None = None) -> Api:
    client = client or Client()
    client.force_login(user)
    return Api(client=client)


def snapshot(three: Any) -> tuple[Any, ...]:
    """Everything a refused or bad request must leave untouched, in both clinics."""
    rows: list[Any] = [audit_count()]
    for clinic in (three.clinic_a, three.clinic_b):
        for model in (Patient, Condition, Medication, Allergy):
            rows.append(list(model.objects.for_clinic(clinic).order_by("pk").values()))
    return tuple(rows)


def last_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


def error_fields(response: Any) -> set[str]:
    """The field names that a 422 body's `detail` entries point at."""
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    for entry in detail:
        assert entry["loc"] and entry["msg"], entry
    return {str(part) for entry in detail for part in entry["loc"][1:]}


NEW = {
    "given_name": "Grace",
    "family_name": "Hopper",
    "date_of_birth": "1906-12-09",
    "sex_at_birth": "female",
    "email": "grace@example.net",
    "phone": "+1 555 0100",
    "preferred_language": "en",
}


def patient_endpoints(three: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """Every /patients/{id}... endpoint, aimed at clinic A's patient, with a valid body."""
    p = three.a_patient
    cond, med, allergy = p.conditions.get(), p.medications.get(), p.allergies.get()
    return [
        ("get", f"/patients/{p.pk}", {}),
        ("patch", f"/patients/{p.pk}", {"given_name": "Eve"}),
        ("post", f"/patients/{p.pk}/archive", {"reason": "moved away"}),
        ("get", f"/patients/{p.pk}/history", {}),
        ("post", f"/patients/{p.pk}/conditions", {"code": "L65.0"}),
        ("post", f"/patients/{p.pk}/medications", {"atc_code": "D11AX01", "dose": "1 ml"}),
        ("post", f"/patients/{p.pk}/allergies", {"substance": "Latex"}),
        ("post", f"/patients/{p.pk}/conditions/{cond.pk}/void", {"reason": "error"}),
        ("post", f"/patients/{p.pk}/medications/{med.pk}/void", {"reason": "error"}),
        ("post", f"/patients/{p.pk}/allergies/{allergy.pk}/void", {"reason": "error"}),
    ]


# --- isolation between clinics ----------------------------------------------------------------


@pytest.mark.parametrize("auth", ["token", "session"])
def test_every_patient_endpoint_is_a_404_for_another_clinics_clinician_and_writes_nothing(
    three, auth
):
    api = with_token(three.b_clinician) if auth == "token" else with_session(three.b_clinician)
    endpoints = patient_endpoints(three)
    assert len(endpoints) == 10
    before = snapshot(three)
    for method, path, body in endpoints:
        response = api.call(method, path, body)
        assert response.status_code == 404, (method, path, response.content)
        assert response["Content-Type"].startswith("application/json")
        assert "Lovelace" not in response.content.decode()
    assert snapshot(three) == before


def test_the_same_endpoints_work_for_the_patients_own_clinician(three):
    """The control for the test above: the bodies are valid, so 404 there means isolation."""
    api = with_token(three.a_clinician)
    expected = [200, 200, 200, 200, 201, 201, 201, 200, 200, 200]
    for (method, path, body), status in zip(patient_endpoints(three), expected, strict=True):
        response = api.call(method, path, body)
        assert response.status_code == status, (method, path, response.content)


def test_another_clinics_history_item_is_a_404_even_under_your_own_patient(three):
    api = with_token(three.b_clinician)
    cond = three.a_patient.conditions.get()
    before = snapshot(three)
    response = api.post(
        f"/patients/{three.b_patient.pk}/conditions/{cond.pk}/void", {"reason": "x"}
    )
    assert response.status_code == 404
    assert snapshot(three) == before


def test_a_history_item_of_another_patient_in_the_same_clinic_is_a_404(three):
    other = make_patient(three.clinic_a, three.a_clinician, given_name="Otto", family_name="Other")
    cond = three.a_patient.conditions.get()
    api = with_token(three.a_clinician)
    before = snapshot(three)
    response = api.post(f"/patients/{other.pk}/conditions/{cond.pk}/void", {"reason": "x"})
    assert response.status_code == 404
    assert snapshot(three) == before


def test_a_history_entry_voided_under_the_wrong_section_is_a_404(three):
    """A medication id sent to the conditions section must not void some condition."""
    med = three.a_patient.medications.get()
    api = with_token(three.a_clinician)
    before = snapshot(three)
    for kind in ("conditions", "allergies", "operations"):
        response = api.post(
            f"/patients/{three.a_patient.pk}/{kind}/{med.pk + 1000}/void", {"reason": "x"}
        )
        assert response.status_code == 404, kind
    assert snapshot(three) == before


def test_the_patient_list_shows_only_this_clinics_patients(three):
    body = with_token(three.a_clinician).get("/patients").json()
    assert [p["family_name"] for p in body["items"]] == ["Lovelace"]
    assert body["count"] == 1
    body = with_token(three.b_clinician).get("/patients").json()
    assert [p["family_name"] for p in body["items"]] == ["Bclinic"]


def test_an_unknown_patient_id_is_a_404(three):
    response = with_token(three.a_clinician).get("/patients/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("patch", ""),
        ("get", "/history"),
        ("post", "/archive"),
        ("post", "/conditions"),
        ("post", "/conditions/1/void"),
    ],
)
def test_a_malformed_patient_id_in_the_path_is_a_404_and_writes_nothing(three, method, suffix):
    api = with_token(three.a_clinician)
    before = snapshot(three)
    body = {"given_name": "Eve", "reason": "x", "code": "L65.0"}
    response = api.call(method, f"/patients/not-a-uuid{suffix}", body)
    assert response.status_code == 404, response.content
    assert snapshot(three) == before


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/patients"), ("post", "/patients"), ("get", "/me"), ("get", "/codes/icd10")],
)
def test_a_request_without_credentials_is_a_401(three, method, path):
    before = snapshot(three)
    response = Api().call(method, path, NEW)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    assert snapshot(three) == before


def test_a_patient_read_without_credentials_is_a_401_and_is_not_audited(three):
    before = snapshot(three)
    assert Api().get(f"/patients/{three.a_patient.pk}").status_code == 401
    assert snapshot(three) == before


def test_a_made_up_token_is_a_401(three):
    assert Api("anagen_not-a-real-token").get("/patients").status_code == 401


def test_a_revoked_token_is_a_401(three):
    raw = token_for(three.a_clinician)
    api = Api(raw)
    assert api.get("/patients").status_code == 200
    token = ApiToken.objects.get(membership__user=three.a_clinician)
    api_token_revoke(actor=Actor(user=three.a_clinician), token=token)
    assert api.get("/patients").status_code == 401
    assert api.get(f"/patients/{three.a_patient.pk}").status_code == 401


def test_a_write_with_a_revoked_token_is_a_401_not_a_csrf_failure(three):
    """A tool with a dead token must be told to re-authenticate, not that CSRF failed."""
    raw = token_for(three.a_clinician)
    token = ApiToken.objects.get(membership__user=three.a_clinician)
    api_token_revoke(actor=Actor(user=three.a_clinician), token=token)
    before = snapshot(three)
    api = Api(raw, client=Client(enforce_csrf_checks=True))
    response = api.post("/patients", NEW)
    assert response.status_code == 401, response.content
    assert snapshot(three) == before


def test_a_token_of_a_deactivated_membership_is_a_401(three):
    api = with_token(three.a_reception)
    assert api.get("/patients").status_code == 200
    membership = Membership.objects.get(user=three.a_reception)
    membership_set_active(actor=Actor(user=three.a_admin), membership=membership, active=False)
    before = snapshot(three)
    assert api.get("/patients").status_code == 401
    assert api.post("/patients", NEW).status_code == 401
    assert snapshot(three) == before


def test_a_session_of_a_deactivated_membership_is_a_401(three):
    api = with_session(three.a_reception)
    membership = Membership.objects.get(user=three.a_reception)
    membership_set_active(actor=Actor(user=three.a_admin), membership=membership, active=False)
    assert api.get("/patients").status_code == 401
    assert api.get("/me").status_code == 401


def test_a_malformed_patient_id_without_credentials_is_a_401_not_a_404(three):
    assert Api().get("/patients/not-a-uuid").status_code == 401


def test_a_token_of_a_deactivated_user_account_is_a_401(three):
    api = with_token(three.a_reception)
    three.a_reception.is_active = False
    three.a_reception.save(update_fields=["is_active"])
    assert api.get("/patients").status_code == 401


def test_a_token_is_bound_to_its_clinic_not_to_the_person(three):
    """Someone on the staff of both clinics: each token sees only its own clinic's patients."""
    locum = make_user(three.clinic_a, Role.CLINICIAN, "locum@example.org", "Dr Locum")
    Membership.objects.create(user=locum, clinic=three.clinic_b, role=Role.CLINICIAN)
    at_a, at_b = with_token(locum, three.clinic_a), with_token(locum, three.clinic_b)
    assert at_a.get(f"/patients/{three.b_patient.pk}").status_code == 404
    assert at_a.get(f"/patients/{three.a_patient.pk}").status_code == 200
    assert at_b.get(f"/patients/{three.a_patient.pk}").status_code == 404
    assert at_b.get(f"/patients/{three.b_patient.pk}").status_code == 200
    assert at_a.get("/me").json()["clinic"] == "Clinic A"
    assert at_b.get("/me").json()["clinic"] == "Clinic B"


def test_using_a_token_records_when_it_was_last_used(three):
    api = with_token(three.a_clinician)
    token = ApiToken.objects.get(membership__user=three.a_clinician)
    assert token.last_used_at is None
    api.get("/me")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_signed_in_session_can_use_the_api(three):
    api = with_session(three.a_clinician)
    assert api.get("/patients").json()["count"] == 1
    response = api.post("/patients", NEW)
    assert response.status_code == 201
    assert Patient.objects.for_clinic(three.clinic_a).filter(family_name="Hopper").exists()


def test_a_session_write_without_a_csrf_token_is_refused_and_writes_nothing(three):
    api = with_session(three.a_clinician, Client(enforce_csrf_checks=True))
    before = snapshot(three)
    response = api.post("/patients", NEW)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert snapshot(three) == before


def test_a_session_write_with_the_csrf_token_is_accepted(three):
    client = Client(enforce_csrf_checks=True)
    secret = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    api = with_session(three.a_clinician, client)
    api.extra = {"HTTP_X_CSRFTOKEN": secret}
    response = api.post("/patients", NEW)
    assert response.status_code == 201, response.content


def test_a_session_still_waiting_for_its_two_factor_code_is_a_401(three):
    three.clinic_a.two_factor_roles = [Role.CLINICIAN]
    three.clinic_a.save(update_fields=["two_factor_roles"])
    api = with_session(three.a_clinician)
    assert api.get("/patients").status_code == 401
    assert api.get(f"/patients/{three.a_patient.pk}").status_code == 401


def test_a_token_is_not_subject_to_the_session_two_factor_check(three):
    three.clinic_a.two_factor_roles = [Role.CLINICIAN]
    three.clinic_a.save(update_fields=["two_factor_roles"])
    assert with_token(three.a_clinician).get("/patients").status_code == 200


# --- what each role may do --------------------------------------------------------------------


def test_reception_gets_the_patient_without_a_history_key(three):
    response = with_token(three.a_reception).get(f"/patients/{three.a_patient.pk}")
    assert response.status_code == 200
    record = response.json()
    assert record["schema"] == "anagen.patient-record/1"
    assert record["patient"]["email"] == "ada@example.net"
    assert "history" not in record
    body = response.content.decode()
    for clinical in ("L64.9", "B01AF01", "Lidocaine", "rivaroxaban"):
        assert clinical not in body


def test_the_clinic_admin_gets_the_patient_without_a_history_key(three):
    record = with_token(three.a_admin).get(f"/patients/{three.a_patient.pk}").json()
    assert "history" not in record and record["patient"]["family_name"] == "Lovelace"


@pytest.mark.parametrize("user", ["a_reception", "a_admin"])
def test_roles_without_clinical_access_get_a_403_for_the_history_and_nothing_is_audited(
    three, user
):
    api = with_token(getattr(three, user))
    before = snapshot(three)
    response = api.get(f"/patients/{three.a_patient.pk}/history")
    assert response.status_code == 403
    assert "clinical.view" in response.json()["detail"]
    assert snapshot(three) == before


def test_reception_cannot_record_or_void_history_or_archive(three):
    api = with_token(three.a_reception)
    p = three.a_patient
    cond = p.conditions.get()
    before = snapshot(three)
    attempts = [
        (f"/patients/{p.pk}/conditions", {"code": "L65.0"}),
        (f"/patients/{p.pk}/medications", {"atc_code": "D11AX01"}),
        (f"/patients/{p.pk}/allergies", {"substance": "Latex"}),
        (f"/patients/{p.pk}/conditions/{cond.pk}/void", {"reason": "x"}),
        (f"/patients/{p.pk}/archive", {"reason": "x"}),
    ]
    for path, body in attempts:
        response = api.post(path, body)
        assert response.status_code == 403, path
    assert snapshot(three) == before


def test_reception_can_register_a_patient_and_edit_their_demographics(three):
    api = with_token(three.a_reception)
    created = api.post("/patients", NEW)
    assert created.status_code == 201
    patient_id = created.json()["id"]
    response = api.patch(f"/patients/{patient_id}", {"phone": "+1 555 0199", "address": "NYC"})
    assert response.status_code == 200
    patient = Patient.objects.for_clinic(three.clinic_a).get(pk=patient_id)
    assert (patient.phone, patient.address) == ("+1 555 0199", "NYC")
    entry = last_entry()
    assert (entry.action, entry.user, sorted(entry.changes)) == (
        "patient.update",
        three.a_reception,
        ["address", "phone"],
    )


def test_a_practitioner_records_history_but_cannot_archive(three):
    practitioner = make_user(three.clinic_a, Role.PRACTITIONER, "prac.a@example.org")
    api = with_token(practitioner)
    p = three.a_patient
    assert api.post(f"/patients/{p.pk}/conditions", {"code": "L65.0"}).status_code == 201
    assert api.post(f"/patients/{p.pk}/archive", {"reason": "x"}).status_code == 403


# --- reading ----------------------------------------------------------------------------------


def test_a_clinician_gets_the_patient_with_the_medical_history(three):
    record = with_token(three.a_clinician).get(f"/patients/{three.a_patient.pk}").json()
    assert record["schema"] == "anagen.patient-record/1"
    patient, history = record["patient"], record["history"]
    assert patient["id"] == str(three.a_patient.pk) and patient["number"] == "CLI-000001"
    assert patient["archived"] is False and patient["date_of_birth"] == "1985-12-10"
    assert [c["code"] for c in history["conditions"]] == ["L64.9"]
    assert [m["atc_code"] for m in history["medications"]] == ["B01AF01"]
    assert history["medications"][0]["dose"] == "20 mg daily"
    assert history["allergies"][0]["substance"] == "Lidocaine"
    assert history["allergies"][0]["severity"] == "moderate"


def test_getting_a_patient_writes_exactly_one_view_entry(three):
    api = with_token(three.a_clinician)
    before = audit_count()
    assert api.get(f"/patients/{three.a_patient.pk}").status_code == 200
    assert audit_count() == before + 1
    entry = last_entry()
    assert (entry.action, entry.patient_id, entry.user, entry.clinic) == (
        "patient.view",
        three.a_patient.pk,
        three.a_clinician,
        three.clinic_a,
    )
    assert entry.ip_address == "127.0.0.1"


def test_reading_the_history_is_audited_as_a_view(three):
    api = with_token(three.a_clinician)
    before = audit_count()
    history = api.get(f"/patients/{three.a_patient.pk}/history").json()
    assert [c["code"] for c in history["conditions"]] == ["L64.9"]
    assert audit_count() == before + 1
    assert last_entry().action == "patient.view"


def test_listing_patients_is_not_audited_per_patient(three):
    api = with_token(three.a_clinician)
    before = audit_count()
    assert api.get("/patients").status_code == 200
    assert audit_count() == before


@pytest.mark.parametrize("query", ["lovel", "ADA", "CLI-000001", "1985-12", "900123", "ada@"])
def test_the_list_finds_a_patient_by_name_number_birth_date_phone_or_email(three, query):
    body = with_token(three.a_clinician).get("/patients", {"q": query}).json()
    assert [p["family_name"] for p in body["items"]] == ["Lovelace"]
    assert body["count"] == 1


def test_a_search_that_matches_nobody_is_an_empty_page(three):
    body = with_token(three.a_clinician).get("/patients", {"q": "zzz"}).json()
    assert body == {"items": [], "count": 0}


def test_a_search_never_reaches_another_clinics_patients(three):
    body = with_token(three.a_clinician).get("/patients", {"q": "Bea"}).json()
    assert body["count"] == 0


def test_the_list_is_paginated_with_items_and_count(three):
    for family in ("Babbage", "Curie", "Darwin"):
        make_patient(three.clinic_a, three.a_clinician, family_name=family)
    api = with_token(three.a_clinician)
    first = api.get("/patients", {"limit": 2, "offset": 0}).json()
    second = api.get("/patients", {"limit": 2, "offset": 2}).json()
    assert set(first) == {"items", "count"} and first["count"] == second["count"] == 4
    names = [p["family_name"] for p in first["items"] + second["items"]]
    assert names == ["Babbage", "Curie", "Darwin", "Lovelace"]
    item = first["items"][0]
    assert set(item) >= {"id", "number", "given_name", "date_of_birth", "archived", "updated_at"}


def test_archived_patients_are_listed_only_when_asked_for(three):
    api = with_token(three.a_clinician)
    api.post(f"/patients/{three.a_patient.pk}/archive", {"reason": "moved abroad"})
    assert api.get("/patients").json()["count"] == 0
    body = api.get("/patients", {"archived": "true"}).json()
    assert [p["archived"] for p in body["items"]] == [True]


def test_an_archived_patient_can_still_be_read_by_id(three):
    api = with_token(three.a_clinician)
    api.post(f"/patients/{three.a_patient.pk}/archive", {"reason": "moved abroad"})
    record = api.get(f"/patients/{three.a_patient.pk}").json()
    assert record["patient"]["archived"] is True
    assert record["patient"]["archive_reason"] == "moved abroad"


# --- writing ----------------------------------------------------------------------------------


def test_a_clinician_registers_a_patient_and_gets_a_number(three):
    api = with_token(three.a_clinician)
    before = audit_count()
    response = api.post("/patients", NEW)
    assert response.status_code == 201
    body = response.json()
    assert body["number"] == "CLI-000002"
    assert body["given_name"] == "Grace" and body["archived"] is False
    patient = Patient.objects.for_clinic(three.clinic_a).get(pk=body["id"])
    assert (patient.family_name, str(patient.date_of_birth)) == ("Hopper", "1906-12-09")
    assert patient.address == ""
    assert audit_count() == before + 1
    entry = last_entry()
    assert (entry.action, entry.patient_id) == ("patient.create", patient.pk)


def test_numbers_are_per_clinic(three):
    response = with_token(three.b_clinician).post("/patients", NEW)
    assert response.json()["number"] == "CLI-000002"
    assert Patient.objects.for_clinic(three.clinic_b).filter(pk=response.json()["id"]).exists()
    assert not Patient.objects.for_clinic(three.clinic_a).filter(family_name="Hopper").exists()


def test_a_patch_changes_the_given_fields_and_audits_their_names_once(three):
    api = with_token(three.a_clinician)
    p = three.a_patient
    before = audit_count()
    response = api.patch(f"/patients/{p.pk}", {"family_name": "King", "phone": "+44 1632 960000"})
    assert response.status_code == 200
    assert response.json()["family_name"] == "King"
    p.refresh_from_db()
    assert (p.family_name, p.phone, p.given_name, p.email) == (
        "King",
        "+44 1632 960000",
        "Ada",
        "ada@example.net",
    )
    assert audit_count() == before + 1
    entry = last_entry()
    assert entry.action == "patient.update" and entry.patient_id == p.pk
    assert sorted(entry.changes) == ["family_name", "phone"]


def test_a_patch_cannot_change_the_number_the_clinic_or_the_archive_state(three):
    api = with_token(three.a_clinician)
    p = three.a_patient
    before = snapshot(three)
    body = {
        "number": "HACK-000001",
        "clinic": three.clinic_b.pk,
        "clinic_id": three.clinic_b.pk,
        "archived_at": "2020-01-01T00:00:00Z",
        "archive_reason": "sneaky",
        "id": str(three.b_patient.pk),
    }
    response = api.patch(f"/patients/{p.pk}", body)
    assert response.status_code == 200
    assert response.json()["number"] == "CLI-000001" and response.json()["archived"] is False
    assert snapshot(three) == before


def test_a_registration_lands_in_the_tokens_clinic_whatever_the_body_says(three):
    api = with_token(three.a_clinician)
    body = NEW | {"clinic": three.clinic_b.pk, "clinic_id": three.clinic_b.pk, "number": "X-1"}
    response = api.post("/patients", body)
    assert response.status_code == 201 and response.json()["number"] == "CLI-000002"
    assert Patient.objects.for_clinic(three.clinic_a).filter(pk=response.json()["id"]).exists()
    assert not Patient.objects.for_clinic(three.clinic_b).filter(family_name="Hopper").exists()


def test_a_patch_that_changes_nothing_writes_no_audit_entry(three):
    api = with_token(three.a_clinician)
    before = snapshot(three)
    response = api.patch(f"/patients/{three.a_patient.pk}", {"given_name": "Ada"})
    assert response.status_code == 200
    assert snapshot(three) == before


def test_audit_entries_never_hold_the_values_sent_to_the_api(three):
    api = with_token(three.a_clinician)
    p = three.a_patient
    secrets = {
        "Zebedee",
        "zeb@example.net",
        "scalp-note-7731",
        "77 mg nightly",
        "hives-7731",
        "Peanut-7731",
        "moved-to-mars",
        "typed-in-error-7731",
    }
    cond = p.conditions.get(code="L64.9")
    writes = [
        ("patch", "", {"family_name": "Zebedee", "email": "zeb@example.net"}),
        ("post", "/conditions", {"code": "L65.0", "note": "scalp-note-7731"}),
        ("post", "/medications", {"atc_code": "D11AX01", "dose": "77 mg nightly"}),
        ("post", "/allergies", {"substance": "Peanut-7731", "reaction": "hives-7731"}),
        ("post", f"/conditions/{cond.pk}/void", {"reason": "typed-in-error-7731"}),
        ("post", "/archive", {"reason": "moved-to-mars"}),
    ]
    for method, suffix, body in writes:
        response = api.call(method, f"/patients/{p.pk}{suffix}", body)
        assert response.status_code in (200, 201), (suffix, response.content)
    assert Patient.objects.for_clinic(three.clinic_a).get(pk=p.pk).archive_reason == "moved-to-mars"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"condition.add", "medication.add", "allergy.add", "condition.void"} <= actions
    everything = json.dumps(list(AuditEntry.objects.values()), default=str)
    for value in secrets | {"L65.0", "D11AX01", "Telogen", "minoxidil"}:
        assert value not in everything, value


def test_archiving_needs_a_reason_and_keeps_the_record(three):
    api = with_token(three.a_clinician)
    p = three.a_patient
    before = audit_count()
    response = api.post(f"/patients/{p.pk}/archive", {"reason": "  moved abroad "})
    assert response.status_code == 200
    assert response.json()["archived"] is True
    p.refresh_from_db()
    assert p.archived_at is not None and p.archive_reason == "moved abroad"
    assert audit_count() == before + 1 and last_entry().action == "patient.archive"


def test_archiving_an_archived_patient_again_is_a_422_and_writes_nothing(three):
    api = with_token(three.a_clinician)
    api.post(f"/patients/{three.a_patient.pk}/archive", {"reason": "moved abroad"})
    before = snapshot(three)
    response = api.post(f"/patients/{three.a_patient.pk}/archive", {"reason": "again"})
    assert response.status_code == 422
    assert "reason" in error_fields(response)
    assert snapshot(three) == before


def test_adding_a_condition_normalises_a_messy_code(three):
    api = with_token(three.a_clinician)
    p = three.a_patient
    before = audit_count()
    response = api.post(f"/patients/{p.pk}/conditions", {"code": " l64.9 ", "status": "resolved"})
    assert response.status_code == 201
    added = Condition.objects.for_clinic(three.clinic_a).filter(patient=p).order_by("-pk").first()
    assert (added.code, added.status, added.recorded_by) == ("L64.9", "resolved", three.a_clinician)
    assert added.title == p.conditions.order_by("pk").first().title
    assert [c["code"] for c in response.json()["conditions"]] == ["L64.9", "L64.9"]
    assert audit_count() == before + 1 and last_entry().action == "condition.add"


def test_a_condition_code_without_its_dot_is_normalised_and_titled(three):
    api = with_token(three.a_clinician)
    response = api.post(f"/patients/{three.a_patient.pk}/conditions", {"code": "l650"})
    assert response.status_code == 201
    added = [c for c in response.json()["conditions"] if c["code"] == "L65.0"]
    assert [c["title"] for c in added] == ["Telogen effluvium"]


def test_adding_a_medication_takes_the_who_name_when_none_is_given(three):
    api = with_token(three.a_clinician)
    p = three.a_patient
    response = api.post(
        f"/patients/{p.pk}/medications",
        {"atc_code": "d11ax01", "dose": "1 ml twice daily", "started_on": "2024-03-01"},
    )
    assert response.status_code == 201
    med = Medication.objects.for_clinic(three.clinic_a).get(patient=p, atc_code="D11AX01")
    assert (med.name, med.dose, str(med.started_on)) == (
        "minoxidil",
        "1 ml twice daily",
        "2024-03-01",
    )
    listed = [m for m in response.json()["medications"] if m["atc_code"] == "D11AX01"]
    assert listed[0]["started_on"] == "2024-03-01" and listed[0]["stopped_on"] is None
    assert last_entry().action == "medication.add"


def test_adding_an_allergy(three):
    api = with_token(three.a_clinician)
    p = three.a_patient
    response = api.post(
        f"/patients/{p.pk}/allergies",
        {"substance": "Minoxidil", "atc_code": "D11AX01", "reaction": "rash", "severity": "mild"},
    )
    assert response.status_code == 201
    allergy = Allergy.objects.for_clinic(three.clinic_a).get(patient=p, substance="Minoxidil")
    assert (allergy.atc_code, allergy.reaction, allergy.severity) == ("D11AX01", "rash", "mild")
    assert sorted(a["substance"] for a in response.json()["allergies"]) == [
        "Lidocaine",
        "Minoxidil",
    ]
    assert last_entry().action == "allergy.add"


def test_voiding_an_entry_with_a_reason_hides_it_and_keeps_the_row(three):
    api = with_token(three.a_clinician)
    p = three.a_patient
    cond = p.conditions.get()
    before = audit_count()
    response = api.post(f"/patients/{p.pk}/conditions/{cond.pk}/void", {"reason": " duplicate "})
    assert response.status_code == 200
    assert response.json()["conditions"] == []
    cond.refresh_from_db()
    assert cond.voided_at is not None and cond.void_reason == "duplicate"
    assert audit_count() == before + 1 and last_entry().action == "condition.void"
    record = api.get(f"/patients/{p.pk}").json()
    assert record["history"]["conditions"] == []
    assert len(record["history"]["medications"]) == 1


def test_voiding_an_entry_twice_is_a_422_and_writes_nothing(three):
    api = with_token(three.a_clinician)
    allergy = three.a_patient.allergies.get()
    url = f"/patients/{three.a_patient.pk}/allergies/{allergy.pk}/void"
    assert api.post(url, {"reason": "wrong patient"}).status_code == 200
    before = snapshot(three)
    response = api.post(url, {"reason": "again"})
    assert response.status_code == 422 and "reason" in error_fields(response)
    assert snapshot(three) == before


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_name": None}, "given_name"),
        ({"given_name": ""}, "given_name"),
        ({"date_of_birth": "12/31/1990"}, "date_of_birth"),
        ({"date_of_birth": "1990-02-30"}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth"),
        ({"sex_at_birth": "robot"}, "sex_at_birth"),
        ({"email": "not-an-email"}, "email"),
        ({"preferred_language": "xx"}, "preferred_language"),
        ({"family_name": "x" * 101}, "family_name"),
    ],
)
def test_bad_registration_input_is_a_422_naming_the_field_and_writes_nothing(three, change, field):
    api = with_token(three.a_clinician)
    before = snapshot(three)
    response = api.post("/patients", NEW | change)
    assert response.status_code == 422, response.content
    assert field in error_fields(response)
    assert snapshot(three) == before


@pytest.mark.parametrize("missing", ["given_name", "family_name", "date_of_birth", "sex_at_birth"])
def test_a_registration_missing_a_required_field_is_a_422_naming_it(three, missing):
    api = with_token(three.a_clinician)
    before = snapshot(three)
    body = {k: v for k, v in NEW.items() if k != missing}
    response = api.post("/patients", body)
    assert response.status_code == 422
    assert missing in error_fields(response)
    assert snapshot(three) == before


def test_a_body_that_is_not_json_is_refused_and_writes_nothing(three):
    api = with_token(three.a_clinician)
    before = snapshot(three)
    response = api.client.post(
        f"{API}/patients", "{not json", content_type="application/json", **api.extra
    )
    assert response.status_code in (400, 422)
    assert snapshot(three) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"given_name": None}, "given_name"),
        ({"family_name": None, "phone": "+44 1"}, "family_name"),
        ({"given_name": ""}, "given_name"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"email": "broken"}, "email"),
        ({"sex_at_birth": "robot"}, "sex_at_birth"),
        ({"preferred_language": "xx"}, "preferred_language"),
    ],
)
def test_a_bad_patch_is_a_422_naming_the_field_and_leaves_the_patient_unchanged(three, body, field):
    api = with_token(three.a_clinician)
    before = snapshot(three)
    response = api.patch(f"/patients/{three.a_patient.pk}", body)
    assert response.status_code == 422, response.content
    assert field in error_fields(response)
    assert snapshot(three) == before


@pytest.mark.parametrize(
    ("section", "body", "field"),
    [
        ("conditions", {"code": "L99.9"}, "code"),
        ("conditions", {"code": "ZZZ"}, "code"),
        ("conditions", {"code": ""}, "code"),
        ("conditions", {}, "code"),
        ("conditions", {"code": "L65.0", "status": "chronic"}, "status"),
        ("conditions", {"code": "L65.0", "onset_date": "2999-01-01"}, "onset_date"),
        ("conditions", {"code": "L65.0", "onset_date": "last spring"}, "onset_date"),
        ("medications", {"atc_code": "B01AF99"}, "atc_code"),
        ("medications", {"atc_code": "Q12"}, "atc_code"),
        ("medications", {"atc_code": "C07"}, "name"),
        ("medications", {"name": "Finasteride"}, "atc_code"),
        (
            "medications",
            {"atc_code": "G04CB01", "started_on": "2025-05-01", "stopped_on": "2025-01-01"},
            "stopped_on",
        ),
        ("medications", {"atc_code": "G04CB01", "started_on": "2999-01-01"}, "started_on"),
        ("allergies", {"substance": ""}, "substance"),
        ("allergies", {"substance": "Nuts", "severity": "deadly"}, "severity"),
        ("allergies", {"substance": "Nuts", "atc_code": "ZZZ"}, "atc_code"),
    ],
)
def test_bad_history_input_is_a_422_naming_the_field_and_writes_nothing(
    three, section, body, field
):
    api = with_token(three.a_clinician)
    before = snapshot(three)
    response = api.post(f"/patients/{three.a_patient.pk}/{section}", body)
    assert response.status_code == 422, response.content
    assert field in error_fields(response)
    assert snapshot(three) == before


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_archiving_without_a_reason_is_a_422_and_writes_nothing(three, reason):
    api = with_token(three.a_clinician)
    before = snapshot(three)
    body = {} if reason is None else {"reason": reason}
    response = api.post(f"/patients/{three.a_patient.pk}/archive", body)
    assert response.status_code == 422
    assert "reason" in error_fields(response)
    assert snapshot(three) == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_voiding_without_a_reason_is_a_422_and_writes_nothing(three, reason):
    api = with_token(three.a_clinician)
    med = three.a_patient.medications.get()
    before = snapshot(three)
    response = api.post(
        f"/patients/{three.a_patient.pk}/medications/{med.pk}/void", {"reason": reason}
    )
    assert response.status_code == 422
    assert "reason" in error_fields(response)
    assert snapshot(three) == before


def test_a_non_numeric_history_item_id_is_refused_and_writes_nothing(three):
    api = with_token(three.a_clinician)
    before = snapshot(three)
    response = api.post(f"/patients/{three.a_patient.pk}/conditions/abc/void", {"reason": "x"})
    assert response.status_code == 404
    assert snapshot(three) == before


def test_a_422_is_json_with_a_detail_list(three):
    response = with_token(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/conditions", {"code": "L99.9"}
    )
    assert response["Content-Type"].startswith("application/json")
    [entry] = response.json()["detail"]
    assert entry["loc"] == ["body", "code"]
    assert "L99.9" in entry["msg"]


# --- general endpoints and the schema ---------------------------------------------------------


@pytest.mark.parametrize("user", ["a_clinician", "a_reception", "a_admin"])
def test_me_returns_the_role_and_its_permissions(three, user):
    body = with_token(getattr(three, user)).get("/me").json()
    membership = Membership.objects.get(user=getattr(three, user))
    assert body["email"] == getattr(three, user).email
    assert body["clinic"] == "Clinic A"
    assert body["role"] == membership.role
    assert body["permissions"] == sorted(ROLE_PERMS[membership.role])
    assert (Perm.CLINICAL_VIEW in body["permissions"]) == (user == "a_clinician")


def test_me_works_with_a_session_too(three):
    body = with_session(three.a_reception).get("/me").json()
    assert body["role"] == "reception" and "clinical.edit" not in body["permissions"]


def test_code_search_finds_bundled_codes(three):
    api = with_token(three.a_reception)
    codes = api.get("/codes/icd10", {"q": "telogen"}).json()
    assert {"code": "L65.0", "title": "Telogen effluvium"} in codes
    atc = api.get("/codes/atc", {"q": "minoxidil"}).json()
    assert "D11AX01" in [c["code"] for c in atc]


def test_code_search_in_an_unknown_system_is_a_422(three):
    response = with_token(three.a_clinician).get("/codes/snomed", {"q": "hair"})
    assert response.status_code == 422 and "system" in error_fields(response)


def test_the_openapi_document_is_valid_and_lists_the_patient_paths(three):
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "Anagen API" and doc["info"]["version"] == "1"
    paths = doc["paths"]
    expected = {
        f"{API}/patients": {"get", "post"},
        f"{API}/patients/{{patient_id}}": {"get", "patch"},
        f"{API}/patients/{{patient_id}}/archive": {"post"},
        f"{API}/patients/{{patient_id}}/history": {"get"},
        f"{API}/patients/{{patient_id}}/conditions": {"post"},
        f"{API}/patients/{{patient_id}}/medications": {"post"},
        f"{API}/patients/{{patient_id}}/allergies": {"post"},
        f"{API}/patients/{{patient_id}}/{{kind}}/{{item_id}}/void": {"post"},
        f"{API}/me": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    record = doc["components"]["schemas"]["PatientRecordOut"]["properties"]
    assert set(record) == {"schema", "patient", "history"}
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    # Every operation answers something and every $ref resolves inside the document.
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation["responses"], (path, method)
            assert operation.get("security"), (path, method)
    refs = _refs(doc)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"], ref


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []
