"""The response review at the review milestone, and the clinic's response criteria.

``review_run`` compares a review visit with the baseline visit of its course, using the clinic's
criteria (the defaults of ``response_criteria.toml`` with the clinic's changes), stores the label
with every reason and the criteria it applied, and flags a non-responder for a plan review. The
rule itself is :func:`anagen.core.outcomes.review`; this module only gathers the numbers.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from anagen.audit.services import Actor
from anagen.clinics.roles import Perm
from anagen.core.invalid import InvalidDocument
from anagen.core.outcomes import (
    Criteria,
    ImageMeasures,
    PullTest,
    VisitMeasures,
    criteria_with,
    default_criteria,
    review,
)
from anagen.outcomes import selectors
from anagen.outcomes.models import (
    MeasurementVisit,
    ResponseCriteria,
    ResponseReview,
    VisitKind,
)
from anagen.outcomes.services.common import audit, locked_visit, may

# A review visit may come up to two weeks before the plan's milestone (the trials' visits had
# windows too); earlier than that it is an interim look, not the review (clinic policy).
EARLY_DAYS = 14


def clinic_criteria(clinic: Any) -> Criteria:
    """The criteria this clinic reviews with: the defaults with its stored changes."""
    stored = ResponseCriteria.objects.for_clinic(clinic).first()
    if stored is None or not stored.document:
        return default_criteria()
    return criteria_with(default_criteria(), stored.document)


def clinic_criteria_document(clinic: Any) -> dict[str, Any]:
    stored = ResponseCriteria.objects.for_clinic(clinic).first()
    return dict(stored.document) if stored and stored.document else {}


# --- reading a visit ------------------------------------------------------------------------


def visit_measures(
    visit: MeasurementVisit, baseline: MeasurementVisit | None = None
) -> VisitMeasures:
    """What the visit measured, for the response rule. The global photographic assessment counts
    only when it compares with ``baseline``."""
    images = [
        ImageMeasures(
            site=i.site,
            hair_count=i.hair_count,
            density_per_cm2=i.density_per_cm2,
            mean_diameter_um=i.mean_diameter_um,
            vellus_fraction=i.vellus_fraction,
            thin_fraction=i.thin_fraction,
        )
        for i in selectors.visit_images(visit)
    ]
    pulls = tuple(
        PullTest(t.site, t.hairs_grasped, t.hairs_pulled) for t in selectors.visit_pull_tests(visit)
    )
    survey = selectors.visit_satisfaction(visit)
    assessment = selectors.visit_global_assessment(visit)
    photo = None
    if (
        assessment is not None
        and baseline is not None
        and assessment.compared_with_id == baseline.pk
    ):
        photo = assessment.score
    return VisitMeasures.from_images(
        visit.date, images, pull_tests=pulls,
        satisfaction=None if survey is None else survey.score, global_photo=photo,
    )  # fmt: skip


def baseline_for(visit: MeasurementVisit) -> MeasurementVisit | None:
    """The baseline the visit is compared with: the latest baseline visit before it, of the same
    course when the visit names one."""
    found = selectors.visit_list(visit.patient).filter(kind=VisitKind.BASELINE, date__lt=visit.date)
    if visit.plan_id is not None:
        found = found.filter(plan_id=visit.plan_id)
    baseline: MeasurementVisit | None = found.order_by("-date", "-created_at").first()
    return baseline


def review_date(plan: Any) -> dt.date | None:
    """The plan's review milestone (``document.review.date``); None when it has none."""
    if plan is None:
        return None
    milestone = (plan.document or {}).get("review") or {}
    try:
        return dt.date.fromisoformat(str(milestone["date"]))
    except (KeyError, ValueError):
        return None


def review_due(visit: MeasurementVisit) -> bool:
    """Whether the visit is at or after its course's review milestone (less ``EARLY_DAYS``);
    a visit without a course may be reviewed when the clinician chooses."""
    milestone = review_date(visit.plan)
    return milestone is None or visit.date >= milestone - dt.timedelta(days=EARLY_DAYS)


# --- writes ---------------------------------------------------------------------------------


@transaction.atomic
def review_run(*, actor: Actor, visit: MeasurementVisit) -> ResponseReview:
    """Compare ``visit`` with its baseline against the clinic's criteria and store the result.

    Refused (ValidationError on ``visit``) for someone who may not review, for a baseline visit,
    and before the review milestone. Missing data is not refused: it gives
    ``insufficient_data``, which is stored like any other label.
    """
    if not may(actor, visit.clinic, Perm.OUTCOME_REVIEW):
        raise ValidationError({"visit": "Only a clinician can review the response."})
    visit = locked_visit(visit)
    if visit.kind == VisitKind.BASELINE:
        raise ValidationError({"visit": "This is a baseline visit; review a later visit."})
    if not review_due(visit):
        milestone = review_date(visit.plan)
        raise ValidationError(
            {"visit": f"The review milestone of this course is {milestone:%d %b %Y}; this visit "
             "is an interim one."}
        )  # fmt: skip
    baseline = baseline_for(visit)
    criteria = clinic_criteria(visit.clinic)
    result = review(
        None if baseline is None else visit_measures(baseline),
        visit_measures(visit, baseline),
        criteria,
    )
    if baseline is None:  # nothing to store a comparison against
        raise ValidationError({"visit": " ".join(result.decision)})
    stored = ResponseReview(
        clinic=visit.clinic, patient=visit.patient, plan=visit.plan, baseline=baseline,
        visit=visit, label=result.label, reasons=[r.as_json() for r in result.reasons],
        criteria=criteria.as_json(),
        result={
            "schema": result.as_json()["schema"],
            "decision": list(result.decision),
            "information": [i.as_json() for i in result.information],
            "met": result.met,
            "evaluable": result.evaluable,
        },
        flagged_for_plan_review=result.flagged_for_plan_review, reviewed_by=actor.user,
    )  # fmt: skip
    stored.save(force_insert=True)
    audit(
        actor, stored, "outcome.review_run",
        ["label", "reasons", "criteria", "result", "flagged_for_plan_review"], visit.patient,
    )  # fmt: skip
    return stored


@transaction.atomic
def review_acknowledge(*, actor: Actor, review: ResponseReview) -> ResponseReview:
    """Record that the flagged plan review was taken up; the flag leaves the dashboard."""
    if not may(actor, review.clinic, Perm.OUTCOME_REVIEW):
        raise ValidationError({"review": "Only a clinician can take up a plan review."})
    locked: ResponseReview = (
        ResponseReview.objects.for_clinic(review.clinic).select_for_update().get(pk=review.pk)
    )
    if not locked.flagged_for_plan_review:
        raise ValidationError({"review": "This review did not ask for a plan review."})
    if locked.acknowledged_at is not None:
        raise ValidationError({"review": "This plan review was already taken up."})
    locked.acknowledged_by, locked.acknowledged_at = actor.user, timezone.now()
    locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
    audit(actor, locked, "outcome.review_acknowledge", ["acknowledged_by"], locked.patient)
    return locked


@transaction.atomic
def criteria_update(*, actor: Actor, clinic: Any, document: object) -> ResponseCriteria:
    """Store the clinic's response criteria after checking them; ValidationError names the field
    (``criteria.density_frontal.min_change_pct``) and nothing is written."""
    if not may(actor, clinic, Perm.OUTCOME_CRITERIA):
        raise ValidationError({"criteria": "Your role cannot change the response criteria."})
    try:
        criteria_with(default_criteria(), document)
    except InvalidDocument as error:
        raise ValidationError({error.field or "criteria": error.message}) from None
    document = dict(cast(Mapping[str, Any], document))  # criteria_with accepted an object
    stored: ResponseCriteria | None = (
        ResponseCriteria.objects.for_clinic(clinic).select_for_update().first()
    )
    if stored is None:
        stored = ResponseCriteria(clinic=clinic, document=document, updated_by=actor.user)
        try:
            with transaction.atomic():
                stored.save(force_insert=True)
        except IntegrityError:  # another admin saved the clinic's first criteria meanwhile
            raise ValidationError(
                {"criteria": "Someone saved the criteria at the same moment; reload and retry."}
            ) from None
    else:
        stored.document, stored.updated_by = document, actor.user
        stored.save(update_fields=["document", "updated_by", "updated_at"])
    audit(actor, stored, "outcome.criteria_update", sorted(document), None)
    return stored


@transaction.atomic
def outcomes_open(*, actor: Actor, patient: Any) -> None:
    """Log that someone opened the patient's outcomes (measurements and photos are sensitive)."""
    audit(actor, patient, "outcome.outcomes_view", [], patient)


# --- reads ----------------------------------------------------------------------------------


def review_get(clinic: Any, review_id: object) -> ResponseReview:
    try:
        found: ResponseReview = (
            ResponseReview.objects.for_clinic(clinic)
            .select_related("patient", "plan", "baseline", "visit", "reviewed_by", "clinic")
            .get(pk=review_id)
        )
    except (ResponseReview.DoesNotExist, *selectors.NOT_FOUND):
        raise Http404("No such review") from None
    return found


def patient_reviews(patient: Any) -> QuerySet[ResponseReview]:
    """The patient's reviews, latest first."""
    return (
        ResponseReview.objects.for_clinic(patient.clinic)
        .filter(patient=patient)
        .select_related("baseline", "visit", "reviewed_by", "plan", "acknowledged_by")
        .order_by("-created_at")
    )


def plan_reviews_open(clinic: Any) -> QuerySet[ResponseReview]:
    """Non-responders flagged for a plan review that nobody has taken up, oldest first; only a
    patient's latest review counts (a later review supersedes the flag)."""
    later = ResponseReview.objects.for_clinic(clinic).filter(
        patient=OuterRef("patient"), created_at__gt=OuterRef("created_at")
    )
    return (
        ResponseReview.objects.for_clinic(clinic)
        .filter(flagged_for_plan_review=True, acknowledged_at__isnull=True)
        .filter(~Exists(later))
        .select_related("patient", "visit", "plan")
        .order_by("created_at")
    )


def patient_plan_review(patient: Any) -> ResponseReview | None:
    """The patient's open plan-review flag, if their latest review raised one."""
    latest = patient_reviews(patient).first()
    if latest and latest.flagged_for_plan_review and latest.acknowledged_at is None:
        return latest
    return None
