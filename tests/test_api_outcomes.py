"""Outcomes over the JSON API: visits, a multipart image upload answered with its analysis, the
image's analysis and hairs, corrections, and a visit's measurements. Another clinic's ids are a
404, reception is 403, and a bad request is 422 naming the field with nothing written."""

import datetime as dt

import pytest

from anagen.audit.services import Actor
from anagen.outcomes import services
from anagen.outcomes.models import TrichoscopyImage
from tests.outcomes_helpers import UM_PER_PX, upload, visit_for, written
from tests.test_api import API, error_fields, token_for, with_token


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def multipart(client, token, path, data):
    return client.post(API + path, data, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_visit_an_upload_its_analysis_and_corrections_over_the_api(three, client):
    api = with_token(three.a_clinician)
    patient = three.a_patient.pk
    created = api.post(
        f"/patients/{patient}/visits", {"date": dt.date.today().isoformat(), "kind": "baseline"}
    )
    assert created.status_code == 201, created.content
    visit = created.json()["id"]
    assert [v["id"] for v in api.get(f"/patients/{patient}/visits").json()] == [visit]
    token = token_for(three.a_clinician, name="uploader")
    uploaded = multipart(
        client, token, f"/visits/{visit}/images",
        {"file": upload(), "site": "vertex", "um_per_px": str(UM_PER_PX)},
    )  # fmt: skip
    assert uploaded.status_code == 201, uploaded.content
    image = uploaded.json()
    assert image["analysis"]["schema"] == "anagen.trichoscopy/1"
    assert image["detected_count"] == image["hair_count"] == len(image["analysis"]["hairs"])
    assert image["density_per_cm2"] is not None and image["um_per_px"] == UM_PER_PX
    read = api.get(f"/images/{image['id']}").json()
    assert read["hairs"] == image["analysis"]["hairs"] and read["hairs_version"] == 0
    corrected = api.post(
        f"/images/{image['id']}/corrections",
        {"remove": [0], "add": [{"x": 15, "y": 25}, {"x": 300, "y": 200}], "version": 0},
    )
    assert corrected.status_code == 200, corrected.content
    body = corrected.json()
    assert body["hair_count"] == image["detected_count"] + 1
    assert body["detected_count"] == image["detected_count"] and body["hairs_version"] == 1
    measured = api.get(f"/visits/{visit}/measurements").json()
    assert [i["hair_count"] for i in measured["images"]] == [body["hair_count"]]
    assert "analysis" not in measured["images"][0]
    assert measured["pull_tests"] == [] and measured["satisfaction"] is None


def test_measurements_of_a_visit_include_what_was_recorded(three):
    visit = visit_for(three.a_patient, three.a_clinician)
    a = Actor(user=three.a_clinician)
    services.pull_test_record(actor=a, visit=visit, site="vertex", hairs_pulled=7)
    services.shedding_record(actor=a, visit=visit, method="wash_test", hairs=40)
    body = with_token(three.a_clinician).get(f"/visits/{visit.pk}/measurements").json()
    assert body["pull_tests"] == [
        {"site": "vertex", "hairs_grasped": 50, "hairs_pulled": 7, "positive": True}
    ]
    assert body["shedding"] == [{"method": "wash_test", "hairs": 40}]


def test_a_bad_upload_or_correction_is_422_naming_the_field_and_writes_nothing(
    three, client, media
):
    visit = visit_for(three.a_patient, three.a_clinician)
    image = services.image_upload(
        actor=Actor(user=three.a_clinician), visit=visit, file=upload(), site="vertex"
    )
    token, api = token_for(three.a_clinician), with_token(three.a_clinician)
    other_device = services.device_save(
        actor=Actor(user=three.b_clinician), clinic=three.clinic_b, name="B's", um_per_px=3
    )
    before = written(three.clinic_a, media)
    junk = multipart(
        client, token, f"/visits/{visit.pk}/images", {"file": upload(2), "site": "nape"}
    )
    assert junk.status_code == 422 and error_fields(junk) == {"site"}
    stolen = multipart(
        client, token, f"/visits/{visit.pk}/images",
        {"file": upload(2), "site": "vertex", "device": str(other_device.pk)},
    )  # fmt: skip
    assert stolen.status_code == 422 and error_fields(stolen) == {"device"}
    response = api.post(f"/images/{image.pk}/corrections", {"remove": [999]})
    assert response.status_code == 422 and error_fields(response) == {"remove"}
    response = api.post(
        f"/patients/{three.a_patient.pk}/visits", {"date": "2020-01-01", "kind": "x"}
    )
    assert response.status_code == 422 and error_fields(response) == {"kind"}
    assert written(three.clinic_a, media) == before


def test_another_clinic_gets_404_and_reception_403(three, client, media):
    visit = visit_for(three.a_patient, three.a_clinician)
    image = services.image_upload(
        actor=Actor(user=three.a_clinician), visit=visit, file=upload(), site="vertex"
    )
    outsider, reception = with_token(three.b_clinician), with_token(three.a_reception)
    tokens = {
        three.b_clinician: token_for(three.b_clinician),
        three.a_reception: token_for(three.a_reception),
    }
    before = written(three.clinic_a, media)
    calls = [
        ("get", f"/patients/{three.a_patient.pk}/visits", None),
        ("post", f"/patients/{three.a_patient.pk}/visits",
         {"date": dt.date.today().isoformat(), "kind": "review"}),
        ("get", f"/visits/{visit.pk}/measurements", None),
        ("get", f"/images/{image.pk}", None),
        ("post", f"/images/{image.pk}/corrections", {"remove": [0]}),
    ]  # fmt: skip
    for method, path, body in calls:
        assert outsider.call(method, path, body).status_code == 404, path
        assert reception.call(method, path, body).status_code == 403, path
    assert outsider.get("/images/not-a-uuid").status_code == 404
    for user, status in ((three.b_clinician, 404), (three.a_reception, 403)):
        response = multipart(
            client,
            tokens[user],
            f"/visits/{visit.pk}/images",
            {"file": upload(2), "site": "vertex"},
        )
        assert response.status_code == status
    assert written(three.clinic_a, media) == before
    assert TrichoscopyImage.objects.for_clinic(three.clinic_b).count() == 0
