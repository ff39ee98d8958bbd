"""Treatment sessions over the JSON API: the same safety net as the session page."""

import pytest

from anagen.sessions.models import TreatmentSession
from tests.conftest import audit_count
from tests.scheduling_helpers import set_up
from tests.session_flow import NO, ready, started
from tests.test_api import with_token


@pytest.fixture
def r(three):
    return ready(set_up(three))


def record_body(r):
    body = r.record()
    body["started_at"] = body["started_at"].isoformat()
    body["ended_at"] = body["ended_at"].isoformat()
    return body


def test_a_whole_session_over_the_api(r, mailoutbox, django_capture_on_commit_callbacks):
    api = with_token(r.setup.practitioner)
    response = api.post(f"/bookings/{r.booking.pk}/session")
    assert response.status_code == 200, response.content
    session_id = response.json()["id"]
    assert api.post(f"/sessions/{session_id}/precheck", {"checks": NO}).json()["blocking"] == []
    response = api.call("put", f"/sessions/{session_id}/record", record_body(r))
    assert response.status_code == 200, response.content
    assert response.json()["total_volume_ml"] == "1.1"
    with django_capture_on_commit_callbacks(execute=True):
        signed = api.post(f"/sessions/{session_id}/sign").json()
    assert signed["status"] == "signed" and len(signed["lots"]) == len(r.lots)
    assert any(item["id"] == "report_nodules" for item in signed["aftercare"])
    assert len(mailoutbox) == 1


def test_a_bad_record_is_422_naming_the_field_and_writes_nothing(r):
    api = with_token(r.setup.practitioner)
    session_id = api.post(f"/bookings/{r.booking.pk}/session").json()["id"]
    before = audit_count()
    body = record_body(r) | {"needle_gauge": 99}
    response = api.call("put", f"/sessions/{session_id}/record", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "needle_gauge"]
    assert audit_count() == before


def test_signing_an_unchecked_session_is_422_with_every_reason(r):
    api = with_token(r.setup.practitioner)
    session_id = api.post(f"/bookings/{r.booking.pk}/session").json()["id"]
    response = api.post(f"/sessions/{session_id}/sign")
    assert response.status_code == 422
    fields = {d["loc"][1] for d in response.json()["detail"]}
    assert {"precheck", "injection_map", "lots"} <= fields


def test_the_override_needs_a_clinician(three, r):
    session = started(r)
    api = with_token(r.setup.practitioner)
    api.post(f"/sessions/{session.pk}/precheck", {"checks": NO | {"PS-01": True}})
    response = api.post(f"/sessions/{session.pk}/override", {"reason": "Afebrile, checked."})
    assert response.status_code == 403
    response = with_token(three.a_clinician).post(
        f"/sessions/{session.pk}/override", {"reason": "Afebrile, checked."}
    )
    assert response.status_code == 200 and response.json()["override"]["by"] == three.a_clinician.pk


def test_another_clinic_gets_404_and_reception_403(three, r):
    session = started(r)
    paths = [
        ("get", f"/sessions/{session.pk}"),
        ("post", f"/sessions/{session.pk}/precheck"),
        ("post", f"/sessions/{session.pk}/sign"),
        ("put", f"/sessions/{session.pk}/record"),
        ("post", f"/sessions/{session.pk}/addenda"),
        ("post", f"/bookings/{r.booking.pk}/session"),
    ]
    outsider, reception = with_token(three.b_clinician), with_token(three.a_reception)
    before = audit_count()
    for method, path in paths:
        assert outsider.call(method, path, {"checks": NO, "text": "x"}).status_code == 404, path
        assert reception.call(method, path, {"checks": NO, "text": "x"}).status_code == 403, path
    assert audit_count() == before
    assert TreatmentSession.objects.for_clinic(r.clinic).count() == 1
