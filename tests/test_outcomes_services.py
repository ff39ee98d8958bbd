"""Outcome services: visits, trichoscopy upload and analysis, the clinician's corrections,
calibration, photos under photography consent, the other measurements, the phototrichogram,
voiding, and device calibrations. Every refusal names its field and writes nothing; every write
leaves its audit entry."""

import datetime as dt
import uuid

import cv2
import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404

from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.consent.services import consent_withdraw
from anagen.core.trichoscopy import synthetic
from anagen.core.trichoscopy.measure import SCHEMA
from anagen.outcomes import selectors, services
from anagen.outcomes.models import Phototrichogram, TrichoscopyImage
from anagen.patients.services import patient_archive
from tests.conftest import make_user
from tests.outcomes_helpers import UM_PER_PX, photo_consent, upload, visit_for, written
from tests.scheduling_helpers import new_plan, other_patient


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def actor(user):
    return Actor(user=user)


def refused(call, field):
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    return caught.value.message_dict[field]


def last_action():
    return AuditEntry.objects.order_by("-seq").first().action


# --- Visits --------------------------------------------------------------------------------------


def test_a_visit_is_opened_for_the_patients_plan_and_audited(three):
    plan = new_plan(three)
    visit = services.visit_create(
        actor=actor(three.a_clinician), patient=three.a_patient, date=dt.date.today(),
        kind="baseline", plan=plan, notes=" Before the first session. ",
    )  # fmt: skip
    assert visit.plan == plan and visit.clinic == three.clinic_a
    assert visit.notes == "Before the first session."
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "outcome.visit_create" and entry.patient_id == three.a_patient.pk
    assert list(selectors.visit_list(three.a_patient)) == [visit]


def test_a_bad_visit_is_refused_naming_the_field_and_writes_nothing(three, media):
    before = written(three.clinic_a, media)
    make = services.visit_create
    a = actor(three.a_clinician)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    refused(lambda: make(actor=a, patient=three.a_patient, date=tomorrow, kind="review"), "date")
    refused(lambda: make(actor=a, patient=three.a_patient, date=dt.date.today(), kind="x"), "kind")
    other_plan = new_plan(three, patient=other_patient(three))
    refused(
        lambda: make(
            actor=a, patient=three.a_patient, date=dt.date.today(), kind="review", plan=other_plan
        ),
        "plan",
    )
    patient_archive(actor=a, patient=three.a_patient, reason="Moved away")
    after_archive = written(three.clinic_a, media)
    refused(
        lambda: make(actor=a, patient=three.a_patient, date=dt.date.today(), kind="review"),
        "patient",
    )
    assert written(three.clinic_a, media) == after_archive
    assert before[2:] == after_archive[2:]  # no visit was written before the archive either


# --- Trichoscopy images --------------------------------------------------------------------------


@pytest.fixture
def visit(three):
    return visit_for(three.a_patient, three.a_clinician)


def test_an_upload_is_analysed_stored_under_the_clinic_and_audited(three, visit, media):
    image = services.image_upload(
        actor=actor(three.a_clinician), visit=visit, file=upload(), site="vertex",
        um_per_px=UM_PER_PX,
    )  # fmt: skip
    assert image.analysis["schema"] == SCHEMA and image.analysis["image"] == "field.png"
    assert (image.width, image.height) == (400, 320)
    assert image.detected_count == image.hair_count == len(image.hairs) > 3
    assert image.hairs == image.analysis["hairs"]
    area_cm2 = image.analysis["field_px"] * (UM_PER_PX * 1e-4) ** 2
    assert image.density_per_cm2 == pytest.approx(image.hair_count / area_cm2)
    assert image.mean_diameter_um > 0 and 0 <= image.vellus_fraction <= 1
    stored = media / image.file.name
    assert image.file.name == f"clinic/{three.clinic_a.pk}/trichoscopy/{image.sha256}.png"
    assert stored.read_bytes() == upload().read()
    assert last_action() == "outcome.image_upload"


def test_the_clinics_default_device_calibrates_an_upload_and_without_one_only_counts(three, visit):
    a = actor(three.a_clinician)
    plain = services.image_upload(actor=a, visit=visit, file=upload(1), site="frontal")
    assert plain.um_per_px is None and plain.density_per_cm2 is None
    assert plain.mean_diameter_um is None and plain.hair_count > 0
    device = services.device_save(
        actor=a, clinic=three.clinic_a, name="Dermoscope x70", um_per_px="2.5", is_default=True
    )
    calibrated = services.image_upload(actor=a, visit=visit, file=upload(2), site="occipital")
    assert calibrated.um_per_px == 2.5 and calibrated.device == device
    assert calibrated.density_per_cm2 is not None


def test_a_bad_upload_is_refused_on_its_field_and_writes_nothing_not_even_a_file(
    three, visit, media
):
    a = actor(three.a_clinician)
    services.image_upload(actor=a, visit=visit, file=upload(), site="vertex")
    before = written(three.clinic_a, media)
    text = SimpleUploadedFile("notes.jpg", b"this is not an image", content_type="image/jpeg")
    assert (
        "notes.jpg"
        in refused(
            lambda: services.image_upload(actor=a, visit=visit, file=text, site="vertex"), "file"
        )[0]
    )
    refused(
        lambda: services.image_upload(actor=a, visit=visit, file=upload(), site="vertex"), "file"
    )
    refused(
        lambda: services.image_upload(actor=a, visit=visit, file=upload(3), site="nape"), "site"
    )
    refused(
        lambda: services.image_upload(actor=a, visit=visit, file=upload(3), site="other"),
        "site_label",
    )
    refused(
        lambda: services.image_upload(
            actor=a, visit=visit, file=upload(3), site="vertex", um_per_px="-2"
        ),
        "um_per_px",
    )
    assert written(three.clinic_a, media) == before


@pytest.fixture
def image(three, visit):
    return services.image_upload(
        actor=actor(three.a_clinician), visit=visit, file=upload(), site="vertex",
        um_per_px=UM_PER_PX,
    )  # fmt: skip


def test_corrections_keep_both_counts_and_recompute_the_measures(three, image):
    detected = image.detected_count
    first, second = image.hairs[0], image.hairs[1]
    corrected = services.image_correct(
        actor=actor(three.a_clinician),
        image=image,
        remove=[0, 1],
        add=[{"x": 10, "y": 12}],
        version=0,
    )
    assert corrected.detected_count == detected
    assert corrected.hair_count == detected - 1 == len(corrected.hairs)
    assert first not in corrected.hairs and second not in corrected.hairs
    assert corrected.hairs[-1]["added"] is True
    assert (corrected.hairs[-1]["x"], corrected.hairs[-1]["y"]) == (10.0, 12.0)
    assert len(corrected.analysis["hairs"]) == detected  # the automatic analysis is kept
    assert corrected.corrected_by == three.a_clinician and corrected.hairs_version == 1
    area_cm2 = corrected.analysis["field_px"] * (UM_PER_PX * 1e-4) ** 2
    assert corrected.density_per_cm2 == pytest.approx(corrected.hair_count / area_cm2)
    measured = [h["width_px"] * UM_PER_PX for h in corrected.hairs if not h.get("added")]
    assert corrected.mean_diameter_um == pytest.approx(sum(measured) / len(measured))
    assert last_action() == "outcome.image_correct"


def test_a_correction_to_a_list_changed_meanwhile_or_naming_no_hair_writes_nothing(
    three, image, media
):
    a = actor(three.a_clinician)
    services.image_correct(actor=a, image=image, remove=[0], version=0)
    before = written(three.clinic_a, media)
    refused(lambda: services.image_correct(actor=a, image=image, remove=[1], version=0), "version")
    count = image.detected_count - 1
    refused(
        lambda: services.image_correct(actor=a, image=image, remove=[count], version=1), "remove"
    )
    refused(
        lambda: services.image_correct(actor=a, image=image, remove=[2, 2], version=1), "remove"
    )
    refused(
        lambda: services.image_correct(actor=a, image=image, add=[{"x": 401, "y": 3}], version=1),
        "add",
    )
    refused(lambda: services.image_correct(actor=a, image=image, add=[{"x": "a", "y": 3}]), "add")
    assert written(three.clinic_a, media) == before


def test_a_later_calibration_measures_the_current_hairs(three, visit):
    a = actor(three.a_clinician)
    image = services.image_upload(actor=a, visit=visit, file=upload(), site="vertex")
    image = services.image_correct(actor=a, image=image, add=[{"x": 5, "y": 5}])
    calibrated = services.image_calibrate(actor=a, image=image, um_per_px=10)
    area_cm2 = calibrated.analysis["field_px"] * (10 * 1e-4) ** 2
    assert calibrated.density_per_cm2 == pytest.approx(calibrated.hair_count / area_cm2)
    assert refused(lambda: services.image_calibrate(actor=a, image=image, um_per_px=0), "um_per_px")


# --- Photos --------------------------------------------------------------------------------------


def photo(three, visit, **checklist):
    return services.photo_add(
        actor=actor(three.a_clinician), visit=visit, view="vertex", file=upload(5, "vertex.png"),
        checklist=checklist,
    )  # fmt: skip


def test_a_photo_needs_a_photography_consent_in_force(three, visit, media):
    before = written(three.clinic_a, media)
    assert "photography consent" in refused(lambda: photo(three, visit), "consent")[0]
    assert written(three.clinic_a, media) == before
    consent = photo_consent(three.a_patient, three.a_clinician)
    taken = photo(three, visit, same_distance=True, same_lighting=True, hair_dry=True)
    assert taken.consent == consent and not taken.comparable
    assert taken.checklist == {
        "same_distance": True, "same_lighting": True, "hair_dry": True, "same_parting": False,
    }  # fmt: skip
    assert last_action() == "outcome.photo_add"
    consent_withdraw(actor=actor(three.a_clinician), consent=consent, reason="Patient asked")
    refused(lambda: photo(three, visit, same_distance=True), "consent")
    refused(lambda: photo(three, visit, focus=True), "checklist")


# --- Other measurements --------------------------------------------------------------------------


def test_pull_test_shedding_and_questionnaire_are_recorded_within_their_ranges(three, visit, media):
    a = actor(three.a_clinician)
    six = services.pull_test_record(actor=a, visit=visit, site="vertex", hairs_pulled=6)
    five = services.pull_test_record(actor=a, visit=visit, site="occipital", hairs_pulled=5)
    assert six.positive and not five.positive  # more than 10 % of 50 (REFERENCE §3.5)
    count = services.shedding_record(actor=a, visit=visit, method="wash_test", hairs="52")
    assert count.hairs == 52
    answers = {"coverage": 5, "thickness": 4, "shedding": 3, "appearance": 2, "overall": 1}
    survey = services.satisfaction_record(actor=a, visit=visit, answers=answers)
    assert survey.score == pytest.approx(50.0) and survey.instrument == "anagen.satisfaction-5/1"
    assert selectors.visit_satisfaction(visit) == survey
    before = written(three.clinic_a, media)
    pull = services.pull_test_record
    refused(lambda: pull(actor=a, visit=visit, site="vertex", hairs_pulled=3, hairs_grasped=30),
            "hairs_grasped")  # fmt: skip
    refused(lambda: pull(actor=a, visit=visit, site="vertex", hairs_pulled=51), "hairs_pulled")
    refused(lambda: pull(actor=a, visit=visit, site="vertex", hairs_pulled=2.5), "hairs_pulled")
    refused(
        lambda: services.shedding_record(actor=a, visit=visit, method="brush", hairs=3), "method"
    )
    refused(
        lambda: services.satisfaction_record(
            actor=a, visit=visit, answers=answers | {"overall": 6}
        ),
        "overall",
    )
    del answers["shedding"]
    refused(lambda: services.satisfaction_record(actor=a, visit=visit, answers=answers), "shedding")
    assert written(three.clinic_a, media) == before


def test_only_a_clinician_assesses_the_photos_against_an_earlier_visit(three):
    baseline = visit_for(three.a_patient, three.a_clinician, days_ago=120)
    review = visit_for(three.a_patient, three.a_clinician, kind="review")
    practitioner = make_user(three.clinic_a, "practitioner", "nurse.a@example.org")
    record = services.global_assessment_record
    refused(
        lambda: record(actor=actor(practitioner), visit=review, compared_with=baseline, score=2),
        "score",
    )
    a = actor(three.a_clinician)
    refused(lambda: record(actor=a, visit=review, compared_with=baseline, score=4), "score")
    refused(lambda: record(actor=a, visit=baseline, compared_with=review, score=1), "compared_with")
    other = visit_for(three.b_patient, three.b_clinician, days_ago=200)
    refused(lambda: record(actor=a, visit=review, compared_with=other, score=1), "compared_with")
    assessment = record(actor=a, visit=review, compared_with=baseline, score=2, note="Fuller.")
    assert assessment.assessed_by == three.a_clinician
    assert selectors.visit_global_assessment(review) == assessment


# --- Phototrichogram -----------------------------------------------------------------------------


def png(image):
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(image[:, :, ::-1]))
    assert ok
    return encoded.tobytes()


def test_a_phototrichogram_pairs_two_images_of_one_site_days_apart(three):
    a = actor(three.a_clinician)
    drawn = synthetic.synthetic_pair(4, days=2.0, anagen_fraction=0.8)
    first_visit = visit_for(three.a_patient, three.a_clinician, days_ago=2, kind="other")
    second_visit = visit_for(three.a_patient, three.a_clinician, kind="other")
    files = [SimpleUploadedFile(f"{n}.png", png(f.image)) for n, f in
             (("day0", drawn.before), ("day2", drawn.after))]  # fmt: skip
    before = services.image_upload(
        actor=a, visit=first_visit, file=files[0], site="vertex", um_per_px=6.0
    )
    after = services.image_upload(
        actor=a, visit=second_visit, file=files[1], site="vertex", um_per_px=6.0
    )
    refused(lambda: services.phototrichogram_create(actor=a, before=after, after=before), "after")
    record = services.phototrichogram_create(actor=a, before=before, after=after)
    assert record.visit == second_visit and record.days_apart == 2
    assert record.anagen_fraction == pytest.approx(drawn.anagen_fraction, abs=0.15)
    assert record.document["schema"] == "anagen.phototrichogram/1"
    assert list(selectors.visit_phototrichograms(second_visit)) == [record]
    assert Phototrichogram.objects.for_clinic(three.clinic_b).count() == 0


# --- Voiding, devices, isolation -----------------------------------------------------------------


def test_a_void_needs_a_reason_and_leaves_the_record_out_of_every_list(three, image):
    a = actor(three.a_clinician)
    refused(lambda: services.record_void(actor=a, record=image, reason=""), "reason")
    services.record_void(actor=a, record=image, reason="Wrong patient's image")
    assert list(selectors.visit_images(image.visit)) == []
    assert list(selectors.patient_images(three.a_patient)) == []
    refused(lambda: services.image_correct(actor=a, image=image, remove=[0]), "image")
    services.record_void(actor=a, record=image.visit, reason="Opened by mistake")
    assert list(selectors.visit_list(three.a_patient)) == []
    refused(
        lambda: services.pull_test_record(
            actor=a, visit=image.visit, site="vertex", hairs_pulled=1
        ),
        "visit",
    )
    assert last_action() == "outcome.void"


def test_one_default_device_per_clinic(three):
    a = actor(three.a_clinician)
    first = services.device_save(
        actor=a, clinic=three.clinic_a, name="x20", um_per_px=5, is_default=True
    )
    second = services.device_save(
        actor=a, clinic=three.clinic_a, name="x70", um_per_px=1.4, is_default=True
    )
    first.refresh_from_db()
    assert not first.is_default and second.is_default
    assert selectors.default_device(three.clinic_a) == second
    assert selectors.default_device(three.clinic_b) is None
    refused(lambda: services.device_save(actor=a, clinic=three.clinic_a, name="x20", um_per_px=5),
            "name")  # fmt: skip
    refused(
        lambda: services.device_save(actor=a, clinic=three.clinic_a, name="x", um_per_px=0),
        "um_per_px",
    )


def test_another_clinics_records_are_not_found(three, image):
    for get, pk in (
        (selectors.visit_get, image.visit.pk),
        (selectors.image_get, image.pk),
        (selectors.visit_get, "not-a-uuid"),
    ):
        with pytest.raises(Http404):
            get(three.clinic_b, pk)
    assert selectors.image_get(three.clinic_a, image.pk) == image


def test_the_database_keeps_one_standing_copy_of_an_image_per_visit(three, image):
    twin = TrichoscopyImage.objects.for_clinic(three.clinic_a).get(pk=image.pk)
    twin.pk = uuid.uuid4()
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save(force_insert=True)
    services.record_void(actor=actor(three.a_clinician), record=image, reason="Uploaded twice")
    twin.save(force_insert=True)  # once the first is void, the image may come again
