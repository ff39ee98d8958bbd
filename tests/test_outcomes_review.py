"""The response review: labels from stored measurements, failing closed on missing data, the
plan-review flag on the dashboard and the chart, the review milestone, the clinic's criteria page,
who may do what, and another clinic's records as 404."""

import datetime as dt
import json
import re

import cv2
import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.clinics.roles import Role
from anagen.core.trichoscopy import synthetic
from anagen.outcomes import review, services
from anagen.outcomes.models import ResponseCriteria, ResponseReview
from anagen.plans.models import TreatmentPlan
from tests.conftest import audit_count, make_user
from tests.outcomes_helpers import visit_for
from tests.outcomes_review_helpers import IMPROVED, UNCHANGED, measured
from tests.scheduling_helpers import new_plan


@pytest.fixture(autouse=True)
def fast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def run(user, visit):
    return review.review_run(actor=Actor(user=user), visit=visit)


def reason(stored, criterion):
    return next(r for r in stored.reasons if r["criterion"] == criterion)


def test_a_clear_improvement_is_stored_as_a_responder_with_its_reasons_and_audited(three):
    course = measured(three.a_patient, three.a_clinician, at_review=IMPROVED)
    before = audit_count()
    stored = run(three.a_clinician, course.review)
    assert stored.label == "responder" and not stored.flagged_for_plan_review
    assert stored.baseline == course.baseline and stored.visit == course.review
    density = reason(stored, "density_frontal")
    assert (density["baseline"], density["value"], density["met"]) == (90.0, 127.5, True)
    assert "T1" in density["source"] and "clinic policy (U)" in density["source"]
    assert reason(stored, "pull_test")["met"] is True  # 18 % pulled → 6 %
    assert reason(stored, "satisfaction")["value"] == 75.0
    assert stored.result["met"] == 9
    assert stored.criteria["rule"]["responder_min_met"] == 3
    entry = AuditEntry.objects.order_by("-seq").first()
    assert audit_count() == before + 1
    assert (entry.action, entry.object_id) == ("outcome.review_run", str(stored.pk))
    assert entry.patient_id == three.a_patient.pk


def test_no_change_is_flagged_on_the_dashboard_and_the_chart_until_taken_up(three):
    course = measured(
        three.a_patient, three.a_clinician, at_review=UNCHANGED, pulled=(9, 9),
        satisfaction=(2, 2), photo_score=0,
    )  # fmt: skip
    stored = run(three.a_clinician, course.review)
    assert stored.label == "non_responder" and stored.flagged_for_plan_review
    assert "Flagged for a plan review." in stored.result["decision"]
    client = three.client(three.a_clinician)
    dashboard = text(client.get("/"))
    assert "Plan reviews due" in dashboard and three.a_patient.family_name in dashboard
    chart = text(client.get(f"/patients/{three.a_patient.pk}/"))
    assert "Flagged for a plan review" in chart
    response = client.post(f"/reviews/{stored.pk}/acknowledge/")
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.acknowledged_by == three.a_clinician
    assert AuditEntry.objects.order_by("-seq").first().action == "outcome.review_acknowledge"
    assert "Plan reviews due" not in text(client.get("/"))
    with pytest.raises(ValidationError):
        review.review_acknowledge(actor=Actor(user=three.a_clinician), review=stored)


def test_uncalibrated_images_give_insufficient_data_never_responder(three):
    uncalibrated = {"frontal": (None, None, None), "vertex": (None, None, None)}
    course = measured(
        three.a_patient, three.a_clinician, at_review=uncalibrated, pulled=(9, 0),
        satisfaction=(1, 5), photo_score=3,
    )  # fmt: skip
    stored = run(three.a_clinician, course.review)
    assert stored.label == "insufficient_data" and not stored.flagged_for_plan_review
    assert reason(stored, "density_frontal")["status"] == "missing"
    assert any("hair density" in line for line in stored.result["decision"])


def test_a_review_without_a_baseline_or_of_the_baseline_is_refused_and_writes_nothing(three):
    alone = visit_for(three.a_patient, three.a_clinician, days_ago=3, kind="review")
    baseline = visit_for(three.a_patient, three.a_clinician, days_ago=1, kind="baseline")
    before = audit_count()
    for visit, words in ((alone, "No baseline visit"), (baseline, "baseline visit")):
        with pytest.raises(ValidationError) as refused:
            run(three.a_clinician, visit)
        assert words in refused.value.message_dict["visit"][0]
    assert audit_count() == before
    assert not ResponseReview.objects.for_clinic(three.clinic_a).exists()


def test_the_review_waits_for_the_milestone_of_the_course(three):
    plan = new_plan(three)
    course = measured(three.a_patient, three.a_clinician, at_review=IMPROVED, plan=plan)
    with pytest.raises(ValidationError) as refused:
        run(three.a_clinician, course.review)  # the plan starts next week
    assert "interim" in refused.value.message_dict["visit"][0]
    document = dict(plan.document)
    document["review"] = {
        **document["review"],
        "date": (dt.date.today() - dt.timedelta(days=14)).isoformat(),
    }
    TreatmentPlan.objects.for_clinic(three.clinic_a).filter(pk=plan.pk).update(document=document)
    course.review.refresh_from_db()
    assert run(three.a_clinician, course.review).plan == plan


def synthetic_upload(seed, hairs_per_cm2):
    drawn = synthetic.field(
        seed, hairs_per_cm2, 60, 0.1, um_per_px=2.5, width=800, height=640, header=False
    )
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(drawn.image[:, :, ::-1]))
    assert ok
    return SimpleUploadedFile(f"field-{seed}.png", encoded.tobytes(), content_type="image/png")


def test_an_uploaded_and_analysed_density_rise_counts(three):
    actor = Actor(user=three.a_clinician)
    baseline = visit_for(three.a_patient, three.a_clinician, days_ago=90)
    later = visit_for(three.a_patient, three.a_clinician, days_ago=2, kind="review")
    for visit, seed, density in ((baseline, 3, 150), (later, 4, 240)):
        services.image_upload(
            actor=actor, visit=visit, file=synthetic_upload(seed, density), site="frontal",
            um_per_px=2.5,
        )  # fmt: skip
    stored = run(three.a_clinician, later)
    density = reason(stored, "density_frontal")
    assert density["met"] is True and density["change_pct"] > 25, density
    assert 90 < density["baseline"] < 170 and density["value"] > density["baseline"]
    assert reason(stored, "density_vertex")["status"] == "missing"
    assert stored.label in ("responder", "partial")


def test_only_a_clinician_reviews_and_reception_sees_no_outcomes(three):
    course = measured(three.a_patient, three.a_clinician, at_review=IMPROVED)
    practitioner = make_user(three.clinic_a, Role.PRACTITIONER, "p@example.org")
    with pytest.raises(ValidationError):
        run(practitioner, course.review)
    assert three.client(practitioner).post(f"/visits/{course.review.pk}/review/").status_code == 403
    reception = three.client(three.a_reception)
    assert reception.get(f"/patients/{three.a_patient.pk}/outcomes/").status_code == 403
    assert reception.get(f"/patients/{three.a_patient.pk}/outcomes/report.pdf").status_code == 403
    assert reception.get("/outcomes/criteria/").status_code == 403
    with pytest.raises(ValidationError):
        review.criteria_update(actor=Actor(user=practitioner), clinic=three.clinic_a, document={})


def test_another_clinics_outcomes_review_and_report_are_not_found(three):
    course = measured(three.a_patient, three.a_clinician, at_review=IMPROVED)
    stored = run(three.a_clinician, course.review)
    outsider = three.client(three.b_clinician)
    patient = three.a_patient.pk
    assert outsider.get(f"/patients/{patient}/outcomes/").status_code == 404
    assert outsider.get(f"/patients/{patient}/outcomes/report.pdf").status_code == 404
    assert outsider.post(f"/visits/{course.review.pk}/review/").status_code == 404
    assert outsider.post(f"/reviews/{stored.pk}/acknowledge/").status_code == 404
    own = three.client(three.a_clinician)
    assert own.get(f"/patients/{patient}/outcomes/?plan={three.b_patient.pk}").status_code == 404
    empty = text(outsider.get(f"/patients/{three.b_patient.pk}/outcomes/"))  # their own patient
    assert "No measurement visits yet." in empty and "No calibrated measurements yet." in empty
    assert ResponseReview.objects.for_clinic(three.clinic_a).count() == 1


def test_the_outcomes_page_shows_charts_numbers_and_the_review(three):
    course = measured(three.a_patient, three.a_clinician, at_review=IMPROVED)
    client = three.client(three.a_clinician)
    page = text(client.get(f"/patients/{three.a_patient.pk}/outcomes/"))
    assert page.count('aria-labelledby="chart-') == 3 and '<title id="chart-density-title">' in page
    assert "Review the response at this visit" in page and "No review yet." in page
    response = client.post(f"/visits/{course.review.pk}/review/", follow=True)
    page = text(response)
    assert "Response reviewed: Responder." in page
    assert "Terminal hair density, frontal" in page and "T1, S5, S8, P1" in page
    assert "127.5" in page and "+37.5 (+41.7 %)" in page
    assert AuditEntry.objects.filter(action="outcome.outcomes_view").exists()


def form_data(client):
    form = client.get("/outcomes/criteria/").context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = str(value)
    return data


def test_the_criteria_page_saves_the_clinics_criteria_and_names_a_bad_field(three):
    admin = three.client(three.a_admin)
    data = form_data(admin)
    assert data["density_frontal__min_change_pct"] == "10.0"
    bad = {**data, "rule__partial_min_met": "5"}  # more than responder_min_met (3)
    response = admin.post("/outcomes/criteria/", bad)
    assert response.status_code == 400
    assert "must not be more than responder_min_met" in str(response.context["form"].errors)
    assert not ResponseCriteria.objects.for_clinic(three.clinic_a).exists()
    del data["satisfaction__enabled"]  # unticked
    data["density_frontal__min_change_pct"] = "50"
    assert admin.post("/outcomes/criteria/", data).status_code == 302
    assert AuditEntry.objects.order_by("-seq").first().action == "outcome.criteria_update"
    criteria = review.clinic_criteria(three.clinic_a)
    assert criteria.get("density_frontal").value("min_change_pct") == 50.0
    assert not criteria.get("satisfaction").enabled
    course = measured(three.a_patient, three.a_clinician, at_review=IMPROVED)
    stored = run(three.a_clinician, course.review)
    assert reason(stored, "density_frontal")["met"] is False  # +41.7 %, now short of 50 %
    assert "threshold set by this clinic" in reason(stored, "density_frontal")["source"]
    assert "satisfaction" not in {r["criterion"] for r in stored.reasons}


@pytest.mark.django_db(transaction=True)
def test_reviews_stored_before_the_result_field_keep_their_result_across_the_migration(three):
    course = measured(three.a_patient, three.a_clinician, at_review=IMPROVED)
    stored = run(three.a_clinician, course.review)
    result, criteria = stored.result, stored.criteria
    assert result["met"] == 9 and "result" not in criteria
    executor = MigrationExecutor(connection)
    executor.migrate([("outcomes", "0001_initial")])  # back: the result into the criteria
    with connection.cursor() as cursor:
        cursor.execute("SELECT criteria FROM outcomes_responsereview")
        (old,) = cursor.fetchone()
    old = old if isinstance(old, dict) else json.loads(old)  # SQLite hands back text
    assert old["result"] == result
    executor = MigrationExecutor(connection)  # the graph as the database now has it
    executor.migrate(executor.loader.graph.leaf_nodes("outcomes"))
    stored.refresh_from_db()
    assert stored.result == result and stored.criteria == criteria
