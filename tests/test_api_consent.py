"""Consent over the JSON API: a patient's consents, one consent with its document (audited),
and withdrawal; bad input names the field and writes nothing; another clinic's consent is 404;
reception gets 403."""

import pytest
from django.test import Client

from anagen.consent.models import Consent
from tests.conftest import audit_count
from tests.scheduling_helpers import last_audit, new_plan
from tests.test_api import error_fields, with_session, with_token
from tests.test_consent_services import sign, written

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def plan(three):
    return new_plan(three)


@pytest.fixture
def consent(three, plan):
    return sign(three, plan)


def test_a_patients_consents_are_listed_latest_first(three, plan, consent):
    photo = sign(three)
    body = with_token(three.a_clinician).get(f"/patients/{three.a_patient.pk}/consents").json()
    assert [c["id"] for c in body] == [str(photo.pk), str(consent.pk)]
    first = body[1]
    assert first["kind"] == "treatment" and first["plan"] == str(plan.pk)
    assert first["signer_name"] == "Ada Lovelace" and first["witness"] == "clin.a@example.org"
    assert first["drawn_signature"] is True and first["ticked"] is False
    assert first["template_version"] == 1 and first["withdrawn_at"] is None
    assert first["pdf_sha256"] == consent.pdf_sha256
    assert "document" not in first and "pdf" not in first


def test_one_consent_comes_with_the_document_the_patient_read_and_is_audited(three, consent):
    api = with_token(three.a_clinician)
    before = audit_count()
    response = api.get(f"/consents/{consent.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["document"] == consent.document
    assert body["document"]["schema"] == "anagen.consent/1"
    assert audit_count() == before + 1 and last_audit().action == "consent.view"


def test_withdrawing_marks_the_consent_and_is_audited(three, consent):
    api = with_token(three.a_clinician)
    response = api.post(f"/consents/{consent.pk}/withdraw", {"reason": "Changed her mind"})
    assert response.status_code == 200
    body = response.json()
    assert body["withdrawn_at"] is not None and body["withdraw_reason"] == "Changed her mind"
    assert last_audit().action == "consent.withdraw"
    assert Consent.objects.for_clinic(three.clinic_a).get(pk=consent.pk).is_withdrawn


def test_withdrawing_through_a_browser_session_needs_the_csrf_token(three, consent):
    client = Client(enforce_csrf_checks=True)
    response = with_session(three.a_clinician, client).post(
        f"/consents/{consent.pk}/withdraw", {"reason": "No"}
    )
    assert response.status_code in (401, 403)
    assert not Consent.objects.for_clinic(three.clinic_a).get(pk=consent.pk).is_withdrawn


@pytest.mark.parametrize("body", [{"reason": ""}, {"reason": "   "}, {}, {"reason": "x" * 501}])
def test_a_withdrawal_without_a_good_reason_is_422_naming_reason(three, consent, body):
    api = with_token(three.a_clinician)
    before = written(three.clinic_a)
    response = api.post(f"/consents/{consent.pk}/withdraw", body)
    assert response.status_code == 422
    assert "reason" in error_fields(response)
    assert written(three.clinic_a) == before


def test_withdrawing_twice_is_422(three, consent):
    api = with_token(three.a_clinician)
    api.post(f"/consents/{consent.pk}/withdraw", {"reason": "No"})
    before = written(three.clinic_a)
    response = api.post(f"/consents/{consent.pk}/withdraw", {"reason": "No again"})
    assert response.status_code == 422 and "reason" in error_fields(response)
    assert written(three.clinic_a) == before


def test_clinic_b_gets_404_for_clinic_as_consents(three, consent):
    api = with_token(three.b_clinician)
    before = written(three.clinic_a)
    assert api.get(f"/patients/{three.a_patient.pk}/consents").status_code == 404
    assert api.get(f"/consents/{consent.pk}").status_code == 404
    assert api.post(f"/consents/{consent.pk}/withdraw", {"reason": "x"}).status_code == 404
    assert written(three.clinic_a) == before


def test_reception_gets_403(three, consent):
    api = with_token(three.a_reception)
    before = written(three.clinic_a)
    assert api.get(f"/patients/{three.a_patient.pk}/consents").status_code == 403
    assert api.get(f"/consents/{consent.pk}").status_code == 403
    assert api.post(f"/consents/{consent.pk}/withdraw", {"reason": "x"}).status_code == 403
    assert written(three.clinic_a) == before


def test_an_unknown_or_malformed_id_is_404(three):
    api = with_token(three.a_clinician)
    assert api.get(f"/consents/{UNKNOWN}").status_code == 404
    assert api.get("/consents/not-a-uuid").status_code == 404
    assert api.get(f"/patients/{UNKNOWN}/consents").status_code == 404
