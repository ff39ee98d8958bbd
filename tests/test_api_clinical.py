"""The API's screening and planning endpoints: same core, same clinic policy, same isolation."""

import datetime as dt

from anagen.audit.services import Actor
from anagen.consultations.models import Consultation
from anagen.consultations.services import clinic_policy_set, consultation_sign
from tests.conftest import audit_count
from tests.test_api import with_token
from tests.test_clinical_cli import INTAKE


def test_screening_answers_the_screening_contract(three):
    response = with_token(three.a_clinician).post("/screening", INTAKE)
    assert response.status_code == 200
    body = response.json()
    assert body["schema"] == "anagen.screening/1"
    assert body["verdict"] == "eligible_with_caution"
    assert body["excluded_ingredients"] == ["minoxidil"]


def test_a_bad_intake_is_422_naming_the_field_and_writes_nothing(three):
    api = with_token(three.a_clinician)
    before = audit_count()
    bad = {**INTAKE, "patient": {**INTAKE["patient"], "sex": "f"}}
    response = api.post("/screening", bad)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "patient.sex"]
    assert "allowed: female, male" in detail["msg"]
    assert audit_count() == before


def test_screening_uses_the_clinic_policy(three):
    clinic_policy_set(
        actor=Actor(user=three.a_admin),
        clinic=three.clinic_a,
        overrides={"parameters": {"hba1c_defer_above_percent": 7.0}},
        prices={},
    )
    assert with_token(three.a_clinician).post("/screening", INTAKE).json()["verdict"] == "defer"
    assert with_token(three.b_clinician).post("/screening", INTAKE).json()["verdict"] == (
        "eligible_with_caution"
    )


def test_reception_cannot_screen(three):
    assert with_token(three.a_reception).post("/screening", INTAKE).status_code == 403


def test_plan_preview_answers_the_plan_contract(three):
    body = {"intake": INTAKE, "start": "2027-01-05"}
    response = with_token(three.a_clinician).post("/plans/preview", body)
    assert response.status_code == 200
    plan = response.json()
    assert plan["schema"] == "anagen.plan/1"
    assert plan["sessions"][0]["date"] == "2027-01-05"


def test_plan_preview_with_an_unknown_protocol_is_422(three):
    body = {"intake": INTAKE, "start": "2027-01-05", "protocol": "nope"}
    response = with_token(three.a_clinician).post("/plans/preview", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "protocol"]


def _signed(three):
    exam = {"assessed_on": dt.date.today(), "sex": "male", "diagnosis": "L64.9"}
    return consultation_sign(
        actor=Actor(user=three.a_clinician), patient=three.a_patient, exam=exam
    )


def test_signed_consultations_are_listed_and_read(three):
    signed = _signed(three)
    api = with_token(three.a_clinician)
    listed = api.get(f"/patients/{three.a_patient.pk}/consultations").json()
    assert [c["id"] for c in listed] == [str(signed.pk)]
    detail = api.get(f"/consultations/{signed.pk}").json()
    assert detail["intake"]["schema"] == "anagen.intake/1"
    assert detail["screening"]["verdict"] == signed.verdict


def test_another_clinics_consultation_is_404(three):
    signed = _signed(three)
    api = with_token(three.b_clinician)
    assert api.get(f"/consultations/{signed.pk}").status_code == 404
    assert api.get(f"/patients/{three.a_patient.pk}/consultations").status_code == 404
    assert Consultation.objects.for_clinic(three.clinic_b).count() == 0
