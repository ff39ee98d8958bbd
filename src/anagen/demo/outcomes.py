"""Demo outcomes: three patients of the first clinic whose course has reached (or nearly reached)
its review milestone are measured at baseline, mid-course and review, and their response is
reviewed: one clear responder, one partial responder, one non-responder flagged for a plan
review.

Trichoscopy fields are drawn by the project's own generator
(:func:`anagen.core.trichoscopy.synthetic.field`) with the density, shaft diameter and vellus
share the story needs, and uploaded through the real service, which analyses them; the clinician
then checks the detections against the drawn hairs as the image page lets them (removing false
detections, adding missed hairs), so the stored counts are corrected counts with the analyser's
own kept beside them. Diameters and the vellus share stay the analyser's. Photos are drawings
(:mod:`anagen.demo.scalp_photos`), taken under a photography consent. Everything else goes
through the outcomes services as a clinic would.
"""

import datetime as dt
import math
import zlib
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from django.core.files.base import ContentFile
from django.utils import timezone

from anagen.audit.services import Actor
from anagen.clinics.models import Clinic
from anagen.consent.services import consent_sign
from anagen.core.trichoscopy import synthetic
from anagen.core.trichoscopy.measure import Hair
from anagen.demo.scalp_photos import scalp_photo
from anagen.demo.sessions import SIGNATURE
from anagen.outcomes import services
from anagen.outcomes.models import PHOTO_CHECKLIST
from anagen.outcomes.questionnaire import ITEMS
from anagen.outcomes.review import EARLY_DAYS, review_date, review_run
from anagen.plans.models import TreatmentPlan
from anagen.scheduling.calendar_setup import clinic_zone
from anagen.scheduling.models import Course, CourseStatus

# A x70 trichoscope field (3.2 x 2.56 mm, about 0.08 cm²: 15-20 hairs at a typical density) at
# a small image size, 800x640 px at 4 µm per px, so that the demo draws and analyses it quickly
# (at 640x512 the analyser finds too few hairs to show it at work).
WIDTH, HEIGHT, UM_PER_PX = 800, 640, 4.0
MATCH_PX = 16  # a detection within this of a drawn hair found it (about 65 µm)
# (density per cm², mean diameter µm, vellus fraction) per site: baseline, interim, review.
Site = tuple[float, float, float]


@dataclass(frozen=True)
class Story:
    frontal: tuple[Site, Site, Site]
    vertex: tuple[Site, Site, Site]
    occipital: Site  # the patient's own reference, measured at baseline
    pulled: tuple[int, int, int]  # of 50 grasped at the vertex
    satisfaction: tuple[int, int, int]  # the answer (1-5) to every item of the questionnaire
    photo_score: int  # the clinician's -3..+3 at review
    coverage: tuple[float, float, float]  # how full the drawn photos look


STORIES = (
    Story(  # a clear responder
        frontal=((150, 50, 0.28), (175, 53, 0.22), (215, 58, 0.12)),
        vertex=((125, 48, 0.32), (150, 52, 0.25), (190, 57, 0.14)),
        occipital=(230, 66, 0.05),
        pulled=(9, 6, 2),
        satisfaction=(2, 3, 4),
        photo_score=2,
        coverage=(0.35, 0.55, 0.8),
    ),
    Story(  # partial: the vertex filled in, the front did not
        frontal=((165, 55, 0.2), (166, 55, 0.2), (168, 54, 0.2)),
        vertex=((140, 52, 0.22), (160, 52, 0.22), (185, 52, 0.21)),
        occipital=(225, 64, 0.06),
        pulled=(8, 8, 7),
        satisfaction=(2, 3, 3),
        photo_score=0,
        coverage=(0.5, 0.55, 0.6),
    ),
    Story(  # a non-responder: loss continued
        frontal=((150, 54, 0.28), (140, 50, 0.31), (125, 45, 0.36)),
        vertex=((120, 52, 0.33), (112, 48, 0.36), (100, 43, 0.42)),
        occipital=(220, 64, 0.06),
        pulled=(10, 11, 12),
        satisfaction=(2, 2, 1),
        photo_score=-1,
        coverage=(0.5, 0.45, 0.38),
    ),
)
KINDS = ("baseline", "interim", "review")
CHECKLIST = dict.fromkeys(PHOTO_CHECKLIST, True)


def demo_outcomes(clinic: Clinic, users: dict[str, Any]) -> None:
    """Measure and review the clinic's three courses nearest their review milestone."""
    clinician = Actor(user=users["clinician"], ip_address="127.0.0.1")
    practitioner = Actor(user=users["practitioner"], ip_address="127.0.0.1")
    services.device_save(
        actor=Actor(user=users["admin"], ip_address="127.0.0.1"), clinic=clinic,
        name="Dermoscope x70 (demo)", um_per_px=UM_PER_PX, is_default=True,
    )  # fmt: skip
    today = timezone.now().astimezone(clinic_zone(clinic)).date()
    for story, plan in zip(STORIES, _courses_at_review(clinic, today), strict=False):
        _course(story, plan, clinician, practitioner, today)


def _courses_at_review(clinic: Clinic, today: dt.date) -> list[TreatmentPlan]:
    """Booked courses (not stopped) whose review milestone is past or within two weeks,
    the earliest milestone first."""
    courses = (
        Course.objects.for_clinic(clinic)
        .exclude(status=CourseStatus.CANCELLED)
        .filter(plan__voided_at__isnull=True)
        .select_related("plan__patient", "plan__consultation", "plan__clinic")
        .order_by("plan__start_date")
    )
    due = []
    for plan in (course.plan for course in courses):
        milestone = review_date(plan)
        if milestone and milestone - dt.timedelta(days=EARLY_DAYS) <= today:
            due.append((milestone, plan))
    return [plan for _, plan in sorted(due, key=lambda pair: pair[0])]


def _course(
    story: Story, plan: TreatmentPlan, clinician: Actor, practitioner: Actor, today: dt.date
) -> None:
    patient = plan.patient
    consent = consent_sign(
        actor=clinician, patient=patient, kind="photography", signer_name=str(patient),
        signature_svg=SIGNATURE, ticked=False,
    )  # fmt: skip
    # Signed with the treatment consent, before the baseline photos (as demo_sessions backdates
    # that one); the service rightly signs at the present time only.
    signed = plan.consultation.signed_at + dt.timedelta(minutes=45)
    type(consent).objects.for_clinic(plan.clinic).filter(pk=consent.pk).update(signed_at=signed)
    milestone = review_date(plan) or today
    baseline_day = plan.start_date - dt.timedelta(days=2)
    review_day = min(milestone, today)
    days = (baseline_day, baseline_day + (review_day - baseline_day) / 2, review_day)
    visits = []
    for step, (kind, day) in enumerate(zip(KINDS, days, strict=True)):
        visit = services.visit_create(
            actor=practitioner, patient=patient, date=day, kind=kind, plan=plan
        )
        _measure(story, step, visit, practitioner, clinician)
        visits.append(visit)
    services.global_assessment_record(
        actor=clinician, visit=visits[2], compared_with=visits[0], score=story.photo_score,
        note="Demo: photos compared side by side with baseline.",
    )  # fmt: skip
    review_run(actor=clinician, visit=visits[2])


def _measure(story: Story, step: int, visit: Any, actor: Actor, checker: Actor) -> None:
    sites = {"frontal": story.frontal[step], "vertex": story.vertex[step]}
    if step == 0:
        sites["occipital"] = story.occipital
    for site, numbers in sites.items():
        drawn, file = _field(visit, site, numbers)
        image = services.image_upload(actor=actor, visit=visit, file=file, site=site)
        _check(image, drawn.hairs, checker)
    services.pull_test_record(
        actor=actor, visit=visit, site="vertex", hairs_pulled=story.pulled[step]
    )
    answer = story.satisfaction[step]
    services.satisfaction_record(
        actor=actor, visit=visit, answers={item.id: answer for item in ITEMS}
    )
    if step != 1:  # photos at baseline and review
        for view in ("vertex", "frontal"):
            picture = scalp_photo(_seed(visit, view), view, story.coverage[step])
            services.photo_add(
                actor=actor, visit=visit, view=view, checklist=CHECKLIST,
                file=ContentFile(picture, name=f"{view}-{visit.date}.jpg"),
            )  # fmt: skip


def _field(visit: Any, site: str, numbers: Site) -> tuple[synthetic.Field, ContentFile]:  # type: ignore[type-arg]
    density, diameter, vellus = numbers
    drawn = synthetic.field(
        _seed(visit, site), density, diameter, vellus, um_per_px=UM_PER_PX, width=WIDTH,
        height=HEIGHT,
    )  # fmt: skip
    ok, encoded = cv2.imencode(
        ".jpg", np.ascontiguousarray(drawn.image[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, 90]
    )
    if not ok:
        raise RuntimeError("the demo trichoscopy field could not be encoded")
    return drawn, ContentFile(encoded.tobytes(), name=f"{site}-{visit.date}.jpg")


def _check(image: Any, truth: tuple[Hair, ...], clinician: Actor) -> None:
    """The clinician checks the detections, as the image page lets them: a detection with no
    hair within ``MATCH_PX`` is removed, a hair no detection found is added by a click."""
    pairs = sorted(
        (math.dist((d["x"], d["y"]), (t.x, t.y)), i, j)
        for i, d in enumerate(image.hairs)
        for j, t in enumerate(truth)
    )
    found: set[int] = set()
    seen: set[int] = set()
    for distance, i, j in pairs:
        if distance <= MATCH_PX and i not in found and j not in seen:
            found.add(i)
            seen.add(j)
    add = [{"x": round(t.x, 1), "y": round(t.y, 1)} for j, t in enumerate(truth) if j not in seen]
    remove = [i for i in range(len(image.hairs)) if i not in found]
    services.image_correct(actor=clinician, image=image, add=add, remove=remove)


def _seed(visit: Any, what: str) -> int:
    return zlib.crc32(f"{visit.patient.number}:{visit.kind}:{what}".encode())
