"""Clinical photos (only under a photography consent in force), pull test, shedding count, the
satisfaction questionnaire and the clinician's global photographic assessment."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from anagen.audit.services import Actor
from anagen.clinics.roles import Perm
from anagen.consent.selectors import photo_consent_current
from anagen.outcomes import questionnaire
from anagen.outcomes.files import Upload, read_upload, store
from anagen.outcomes.models import (
    PHOTO_CHECKLIST,
    ClinicalPhoto,
    GlobalPhotoAssessment,
    MeasurementVisit,
    PhotoView,
    PullTest,
    SatisfactionSurvey,
    SheddingCount,
    SheddingMethod,
    Site,
)
from anagen.outcomes.services.common import audit, choice, locked_visit, may, number

NO_PHOTO_CONSENT = (
    "The patient has no photography consent in force: take photography consent before photos."
)
# REFERENCE.md §3.5: grasp 40-60 hairs.
GRASP_LOW, GRASP_HIGH = 40, 60
MAX_SHED = 5000
# The seven-point global photographic assessment used by the trials (REFERENCE.md §1.2: T3,
# T6 and T11 rate photographic change; T6 and T11 on a seven-point scale).
GLOBAL_SCALE = {
    -3: "Greatly decreased",
    -2: "Moderately decreased",
    -1: "Slightly decreased",
    0: "No change",
    1: "Slightly increased",
    2: "Moderately increased",
    3: "Greatly increased",
}


def _checklist(checklist: Mapping[str, object]) -> dict[str, bool]:
    unknown = set(checklist) - set(PHOTO_CHECKLIST)
    if unknown:
        raise ValidationError({"checklist": f"Unknown items: {', '.join(sorted(unknown))}."})
    return {key: bool(checklist.get(key)) for key in PHOTO_CHECKLIST}


def photo_add(
    *,
    actor: Actor,
    visit: MeasurementVisit,
    view: str,
    file: Any,
    checklist: Mapping[str, object],
) -> ClinicalPhoto:
    """Store a standard photo of ``view`` with the conditions it was taken under. Refused
    without a photography consent in force, which the photo then names."""
    view = choice(view, "view", PhotoView)
    conditions = _checklist(checklist)
    if photo_consent_current(visit.patient) is None:
        raise ValidationError({"consent": NO_PHOTO_CONSENT})
    return _photo_save(actor, visit, view, read_upload(file), conditions)


@transaction.atomic
def _photo_save(
    actor: Actor, visit: MeasurementVisit, view: str, upload: Upload, conditions: dict[str, bool]
) -> ClinicalPhoto:
    visit = locked_visit(visit)
    consent = photo_consent_current(visit.patient)  # again, now that the visit is locked
    if consent is None:
        raise ValidationError({"consent": NO_PHOTO_CONSENT})
    photo = ClinicalPhoto(
        clinic=visit.clinic,
        visit=visit,
        view=view,
        file=store(visit.clinic, "photos", upload),
        original_name=upload.name,
        sha256=upload.sha256,
        width=upload.width,
        height=upload.height,
        checklist=conditions,
        consent=consent,
        taken_by=actor.user,
    )
    photo.save(force_insert=True)
    audit(
        actor, photo, "outcome.photo_add", ["file", "view", "checklist", "consent"], visit.patient
    )
    return photo


@transaction.atomic
def pull_test_record(
    *,
    actor: Actor,
    visit: MeasurementVisit,
    site: str,
    hairs_pulled: object,
    hairs_grasped: object = 50,
) -> PullTest:
    """A pull test at ``site``: 40-60 hairs grasped (REFERENCE.md §3.5), and how many came out."""
    visit = locked_visit(visit)
    grasped = number(
        hairs_grasped, "hairs_grasped", low=GRASP_LOW, high=GRASP_HIGH, integer=True,
        what="the number of hairs grasped (40–60, REFERENCE §3.5)",
    )  # fmt: skip
    pulled = number(
        hairs_pulled, "hairs_pulled", low=0, high=grasped, integer=True,
        what="the number of hairs that came out",
    )  # fmt: skip
    test = PullTest(
        clinic=visit.clinic,
        visit=visit,
        site=choice(site, "site", Site),
        hairs_grasped=int(grasped),
        hairs_pulled=int(pulled),
        recorded_by=actor.user,
    )
    test.save(force_insert=True)
    audit(
        actor, test, "outcome.pull_test", ["site", "hairs_grasped", "hairs_pulled"], visit.patient
    )
    return test


@transaction.atomic
def shedding_record(
    *, actor: Actor, visit: MeasurementVisit, method: str, hairs: object
) -> SheddingCount:
    """The hairs a patient counted shed in one wash, or in one day (REFERENCE.md §3.6)."""
    visit = locked_visit(visit)
    count = SheddingCount(
        clinic=visit.clinic,
        visit=visit,
        method=choice(method, "method", SheddingMethod),
        hairs=int(number(hairs, "hairs", low=0, high=MAX_SHED, integer=True, what="a count")),
        recorded_by=actor.user,
    )
    count.save(force_insert=True)
    audit(actor, count, "outcome.shedding", ["method", "hairs"], visit.patient)
    return count


def _answers(answers: Mapping[str, object]) -> dict[str, int]:
    ids = {item.id for item in questionnaire.ITEMS}
    unknown = set(answers) - ids
    if unknown:
        raise ValidationError({"answers": f"Unknown questions: {', '.join(sorted(unknown))}."})
    read: dict[str, int] = {}
    low, high = questionnaire.SCALE[0][0], questionnaire.SCALE[-1][0]
    for item in questionnaire.ITEMS:
        if answers.get(item.id) in (None, ""):
            raise ValidationError({item.id: "Answer this question."})
        value = number(answers[item.id], item.id, low=low, high=high, integer=True, what="1–5")
        read[item.id] = int(value)
    return read


@transaction.atomic
def satisfaction_record(
    *, actor: Actor, visit: MeasurementVisit, answers: Mapping[str, object]
) -> SatisfactionSurvey:
    """The patient's answers to the clinic questionnaire (``questionnaire.INSTRUMENT``), every
    question answered; a later one at the same visit supersedes it."""
    read = _answers(answers)
    visit = locked_visit(visit)
    survey = SatisfactionSurvey(
        clinic=visit.clinic,
        visit=visit,
        instrument=questionnaire.INSTRUMENT,
        answers=read,
        score=questionnaire.score(read),
        recorded_by=actor.user,
    )
    survey.save(force_insert=True)
    audit(actor, survey, "outcome.satisfaction", ["answers", "score"], visit.patient)
    return survey


@transaction.atomic
def global_assessment_record(
    *,
    actor: Actor,
    visit: MeasurementVisit,
    compared_with: MeasurementVisit,
    score: object,
    note: str = "",
) -> GlobalPhotoAssessment:
    """A clinician's rating (-3..+3) of the photographic change since an earlier visit of the
    same patient (usually the baseline)."""
    if not may(actor, visit.clinic, Perm.OUTCOME_REVIEW):
        raise ValidationError({"score": "Only a clinician can make the global assessment."})
    rating = int(number(score, "score", low=-3, high=3, integer=True, what="a score from -3 to +3"))
    visit = locked_visit(visit)
    if (
        compared_with.clinic_id != visit.clinic_id
        or compared_with.patient_id != visit.patient_id
        or compared_with.is_void
        or compared_with.date >= visit.date
    ):
        raise ValidationError({"compared_with": "Choose an earlier visit of this patient."})
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": "Keep the note under 2000 characters."})
    assessment = GlobalPhotoAssessment(
        clinic=visit.clinic,
        visit=visit,
        compared_with=compared_with,
        score=rating,
        note=note,
        assessed_by=actor.user,
    )
    assessment.save(force_insert=True)
    audit(
        actor,
        assessment,
        "outcome.global_assessment",
        ["score", "compared_with", "note"],
        visit.patient,
    )
    return assessment
