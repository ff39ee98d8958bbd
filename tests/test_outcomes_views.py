"""Outcome pages: the chart's Measurements section, opening a visit, uploading and correcting a
trichoscopy image, photos (blocked without photography consent, with the link to take it), the
other measurements, the photo comparison, image files behind the clinic check, and device
calibrations.

The three-user fixture: clinic B's clinician gets 404 on every one of clinic A's URLs; reception
gets 403 on all of them (photos are sensitive); nothing is written by a refused request.
"""

import datetime as dt
import json
import re
from types import SimpleNamespace

import pytest

from anagen.audit.services import Actor
from anagen.outcomes import services
from anagen.outcomes.models import MeasurementVisit, TrichoscopyImage
from tests.outcomes_helpers import (
    UM_PER_PX,
    field_png,
    photo_consent,
    upload,
    visit_for,
    written,
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def words(response) -> str:
    """The page's text without its markup."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def world(three):
    """A baseline and a review visit of clinic A's patient, with an image, a photo of each, a
    pull test, and a calibrated default device."""
    a = Actor(user=three.a_clinician)
    device = services.device_save(
        actor=a, clinic=three.clinic_a, name="Dermoscope", um_per_px=UM_PER_PX, is_default=True
    )
    baseline = visit_for(three.a_patient, three.a_clinician, days_ago=120)
    review = visit_for(three.a_patient, three.a_clinician, kind="review")
    image = services.image_upload(actor=a, visit=review, file=upload(), site="vertex")
    photo_consent(three.a_patient, three.a_clinician)
    photos = [
        services.photo_add(
            actor=a, visit=v, view="vertex", file=upload(seed, f"v{seed}.png"), checklist={}
        )
        for seed, v in ((7, baseline), (8, review))
    ]
    pull = services.pull_test_record(actor=a, visit=review, site="vertex", hairs_pulled=3)
    return SimpleNamespace(
        baseline=baseline, review=review, image=image, photos=photos, pull=pull, device=device
    )


def urls(three, w):
    """Every outcome URL of clinic A's records, with the method it takes."""
    p, v, i, ph = three.a_patient.pk, w.review.pk, w.image.pk, w.photos[0].pk
    return [
        ("get", f"/patients/{p}/visits/new/"),
        ("post", f"/patients/{p}/visits/new/"),
        ("get", f"/patients/{p}/photos/compare/"),
        ("get", f"/visits/{v}/"),
        ("post", f"/visits/{v}/void/"),
        ("post", f"/visits/{v}/images/"),
        ("post", f"/visits/{v}/photos/"),
        ("post", f"/visits/{v}/pull-tests/"),
        ("post", f"/visits/{v}/shedding/"),
        ("post", f"/visits/{v}/satisfaction/"),
        ("post", f"/visits/{v}/global-assessment/"),
        ("post", f"/visits/{v}/phototrichograms/"),
        ("post", f"/visits/{v}/pull-test/{w.pull.pk}/void/"),
        ("get", f"/images/{i}/"),
        ("get", f"/images/{i}/file"),
        ("post", f"/images/{i}/corrections/"),
        ("post", f"/images/{i}/calibration/"),
        ("post", f"/images/{i}/void/"),
        ("get", f"/photos/{ph}/file"),
        ("post", f"/photos/{ph}/void/"),
    ]


def test_another_clinic_gets_404_and_reception_403_on_every_url_and_nothing_is_written(
    three, world, media
):
    before = written(three.clinic_a, media)
    outsider, reception = three.client(three.b_clinician), three.client(three.a_reception)
    body = {"reason": "Entered in error", "hairs_pulled": "3", "site": "vertex"}
    for method, url in urls(three, world):
        assert getattr(outsider, method)(url, body).status_code == 404, url
        assert getattr(reception, method)(url, body).status_code == 403, url
    device_url = f"/outcomes/devices/{world.device.pk}/"
    assert outsider.post(device_url, {"name": "x", "um_per_px": "2"}).status_code == 404
    assert reception.get("/outcomes/devices/").status_code == 403
    assert written(three.clinic_a, media) == before


def test_the_chart_lists_the_visits_and_reception_does_not_see_them(three, world):
    page = text(three.client(three.a_clinician).get(f"/patients/{three.a_patient.pk}/"))
    assert 'id="measurements"' in page and f"/visits/{world.review.pk}/" in page
    assert "New measurement visit" in page
    reception = text(three.client(three.a_reception).get(f"/patients/{three.a_patient.pk}/"))
    assert 'id="measurements"' not in reception


def test_a_visit_is_opened_from_the_chart_and_a_bad_date_comes_back_on_the_form(three):
    client = three.client(three.a_clinician)
    url = f"/patients/{three.a_patient.pk}/visits/new/"
    assert 'value="baseline" selected' in text(client.get(url))
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = client.post(url, {"date": future, "kind": "baseline"})
    assert response.status_code == 400 and "cannot be in the future" in text(response)
    response = client.post(url, {"date": dt.date.today().isoformat(), "kind": "baseline"})
    visit = MeasurementVisit.objects.for_clinic(three.clinic_a).get()
    assert response["Location"] == f"/visits/{visit.pk}/"


def test_the_visit_page_shows_every_section(three, world):
    page = text(three.client(three.a_clinician).get(f"/visits/{world.review.pk}/"))
    for heading in (
        "Trichoscopy",
        "Standard photos",
        "Pull test",
        "Shedding count",
        "Patient satisfaction",
        "Global photographic assessment",
        "Phototrichogram",
    ):
        assert heading in page, heading  # fmt: skip
    assert f"/images/{world.image.pk}/file" in page and "anagen.satisfaction-5" not in page
    assert "not a validated instrument" in page
    assert "Upload and analyse" in page and "Record assessment" in page


def test_an_upload_through_the_page_opens_the_image_with_its_markers(three, world):
    client = three.client(three.a_clinician)
    response = client.post(
        f"/visits/{world.baseline.pk}/images/", {"site": "frontal", "file": upload(3)}
    )
    image = TrichoscopyImage.objects.for_clinic(three.clinic_a).get(visit=world.baseline)
    assert response["Location"] == f"/images/{image.pk}/"
    page = text(client.get(response["Location"]))
    assert page.count('class="hair detected"') == image.detected_count
    assert "data-hair-editor" in page and "Save corrections" in page
    bad = client.post(
        f"/visits/{world.baseline.pk}/images/",
        {"site": "frontal", "file": upload(3, "again.png")},
    )
    assert bad.status_code == 400 and "again.png is already in this visit" in text(bad)


def test_corrections_are_posted_as_indices_and_points(three, world):
    client = three.client(three.a_clinician)
    url = f"/images/{world.image.pk}/corrections/"
    detected = world.image.detected_count
    response = client.post(
        url, {"add": json.dumps([{"x": 20, "y": 30}]), "remove": "[0, 1]", "version": "0"}
    )
    assert response.status_code == 302
    world.image.refresh_from_db()
    assert world.image.hair_count == detected - 1 and world.image.detected_count == detected
    stale = client.post(url, {"add": "[]", "remove": "[0]", "version": "0"})
    assert stale.status_code == 400 and "Reload the page" in text(stale)
    garbled = client.post(url, {"add": "[{", "remove": "[]", "version": "1"})
    assert garbled.status_code == 400 and "could not be read" in text(garbled)


def test_photos_are_blocked_without_consent_with_a_link_to_take_it(three):
    visit = visit_for(three.a_patient, three.a_clinician)
    client = three.client(three.a_clinician)
    page = text(client.get(f"/visits/{visit.pk}/"))
    assert "No photography consent." in page
    assert f'href="/patients/{three.a_patient.pk}/consent/photography/"' in page
    assert "Add photo" not in page
    response = client.post(f"/visits/{visit.pk}/photos/", {"view": "vertex", "file": upload(4)})
    assert response.status_code == 400 and "take photography consent" in text(response)


def test_files_are_served_to_the_clinic_with_their_type(three, world):
    client = three.client(three.a_clinician)
    response = client.get(f"/images/{world.image.pk}/file")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content == field_png(1)
    assert "private" in response["Cache-Control"]
    photo = client.get(f"/photos/{world.photos[0].pk}/file")
    assert photo.status_code == 200 and photo.content == field_png(7)


def test_the_comparison_shows_two_visits_side_by_side_and_as_an_overlay(three, world):
    client = three.client(three.a_clinician)
    page = text(client.get(f"/patients/{three.a_patient.pk}/photos/compare/?view=vertex"))
    first, second = world.photos
    assert page.index(f"/photos/{first.pk}/file") < page.index(f"/photos/{second.pk}/file")
    assert 'type="range"' in page and "conditions differ" in page
    empty = text(client.get(f"/patients/{three.a_patient.pk}/photos/compare/?view=frontal"))
    assert "No photos of this view yet" in empty


def test_the_measurement_forms_record_and_show_their_errors(three, world):
    client = three.client(three.a_clinician)
    v = world.review.pk
    bad = client.post(f"/visits/{v}/pull-tests/", {"site": "vertex", "hairs_grasped": "100",
                                                   "hairs_pulled": "3"})  # fmt: skip
    assert bad.status_code == 400 and "REFERENCE §3.5" in text(bad)
    answers = {"coverage": "4", "thickness": "4", "shedding": "4", "appearance": "4"}
    missing = client.post(f"/visits/{v}/satisfaction/", answers)
    assert missing.status_code == 400
    assert client.post(f"/visits/{v}/satisfaction/", answers | {"overall": "4"}).status_code == 302
    assessed = client.post(
        f"/visits/{v}/global-assessment/",
        {"compared_with": str(world.baseline.pk), "score": "2", "note": ""},
    )
    assert assessed.status_code == 302
    page = words(client.get(f"/visits/{v}/"))
    assert "75 of 100" in page and "+2" in page and "Moderately increased" in page
    assert (
        client.post(f"/visits/{v}/shedding/", {"method": "daily_count", "hairs": "80"}).status_code
        == 302
    )


def test_a_void_keeps_the_record_and_takes_it_off_the_page(three, world):
    client = three.client(three.a_clinician)
    response = client.post(f"/images/{world.image.pk}/void/", {"reason": "Wrong site"})
    assert response["Location"] == f"/visits/{world.review.pk}/"
    world.image.refresh_from_db()
    assert world.image.is_void
    assert f"/images/{world.image.pk}/file" not in text(client.get(f"/visits/{world.review.pk}/"))


def test_calibrations_are_the_clinic_admins_and_clinicians_to_set(three, world):
    admin = three.client(three.a_admin)
    assert admin.get("/outcomes/devices/").status_code == 200
    response = admin.post(
        "/outcomes/devices/", {"name": "Phone clip-on x30", "um_per_px": "6.5", "active": "on"}
    )
    assert response.status_code == 302
    bad = admin.post("/outcomes/devices/", {"name": "Dermoscope", "um_per_px": "2"})
    assert bad.status_code == 400 and "a device of that name already" in text(bad)
    assert admin.get(f"/visits/{world.review.pk}/").status_code == 403  # no clinical access


def test_refused_voids_calibrations_and_device_edits_say_why_and_change_nothing(three, world):
    client = three.client(three.a_clinician)
    image = world.image
    short = client.post(f"/images/{image.pk}/void/", {"reason": "no"}, follow=True)
    assert "at least 5 characters" in text(short)
    image.refresh_from_db()
    assert not image.is_void
    scale = image.um_per_px
    bad = client.post(f"/images/{image.pk}/calibration/", {"um_per_px": "-3"})
    assert bad.status_code == 400 and "Must be between" in text(bad)
    image.refresh_from_db()
    assert image.um_per_px == scale
    admin = three.client(three.a_admin)
    device_url = f"/outcomes/devices/{world.device.pk}/"
    before = world.device.um_per_px
    refused = admin.post(device_url, {"name": world.device.name, "um_per_px": "x"}, follow=True)
    assert f"{world.device.name}: Enter a number." in text(refused)
    world.device.refresh_from_db()
    assert world.device.um_per_px == before
