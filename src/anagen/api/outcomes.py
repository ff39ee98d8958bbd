"""Outcomes over the API: a patient's measurement visits (list, open), a trichoscopy image's
upload (multipart) with its analysis, an image's analysis and current hairs, the clinician's
corrections, and everything measured at a visit. The same services, checks and audit as the
pages; another clinic's ids are a 404. Image files themselves are not served here."""

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import File, Form, Router, Schema, Status, UploadedFile

from anagen.api.permissions import requires
from anagen.clinics.roles import Perm
from anagen.outcomes import selectors, services
from anagen.outcomes.models import MeasurementVisit, TrichoscopyImage
from anagen.patients.selectors import patient_get
from anagen.plans.selectors import plan_get
from anagen.web.request_info import actor_of

router = Router(tags=["outcomes"])


class VisitIn(Schema):
    date: dt.date
    kind: str
    plan: UUID | None = None
    notes: str = ""


class PointIn(Schema):
    x: float
    y: float


class CorrectionsIn(Schema):
    add: list[PointIn] = []
    remove: list[int] = []
    version: int | None = None


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


def _visit_json(visit: MeasurementVisit) -> dict[str, Any]:
    return {
        "id": str(visit.pk),
        "patient": str(visit.patient_id),
        "plan": str(visit.plan_id) if visit.plan_id else None,
        "date": visit.date.isoformat(),
        "kind": visit.kind,
        "notes": visit.notes,
        "created_by": visit.created_by_id,
        "created_at": visit.created_at.isoformat(),
    }


def _image_json(image: TrichoscopyImage, *, full: bool = True) -> dict[str, Any]:
    summary = {
        "id": str(image.pk),
        "visit": str(image.visit_id),
        "site": image.site,
        "site_label": image.site_label,
        "width": image.width,
        "height": image.height,
        "sha256": image.sha256,
        "um_per_px": image.um_per_px,
        "detected_count": image.detected_count,
        "hair_count": image.hair_count,
        "density_per_cm2": image.density_per_cm2,
        "mean_diameter_um": image.mean_diameter_um,
        "vellus_fraction": image.vellus_fraction,
        "thin_fraction": image.thin_fraction,
        "corrected_by": image.corrected_by_id,
        "corrected_at": image.corrected_at.isoformat() if image.corrected_at else None,
    }
    if full:
        summary |= {"hairs_version": image.hairs_version, "hairs": image.hairs}
        summary["analysis"] = image.analysis
    return summary


@router.get("/patients/{patient_id}/visits")
@requires(Perm.OUTCOME_VIEW)
def visit_list(request: HttpRequest, patient_id: UUID) -> Any:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    return [_visit_json(v) for v in selectors.visit_list(patient)]


@router.post("/patients/{patient_id}/visits", response={201: dict[str, Any]})
@requires(Perm.OUTCOME_RECORD)
def visit_create(request: HttpRequest, patient_id: UUID, body: VisitIn) -> Any:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    plan = None
    if body.plan is not None:
        try:
            plan = plan_get(clinic=_clinic(request), plan_id=body.plan)
        except Http404:
            raise ValidationError({"plan": "No such plan."}) from None
    visit = services.visit_create(
        actor=actor_of(request),
        patient=patient,
        date=body.date,
        kind=body.kind,
        plan=plan,
        notes=body.notes,
    )
    return Status(201, _visit_json(visit))


@router.get("/visits/{visit_id}/measurements")
@requires(Perm.OUTCOME_VIEW)
def visit_measurements(request: HttpRequest, visit_id: UUID) -> Any:
    """Everything measured at the visit that stands (voided records are left out)."""
    visit = selectors.visit_get(_clinic(request), visit_id)
    satisfaction = selectors.visit_satisfaction(visit)
    assessment = selectors.visit_global_assessment(visit)
    return {
        "visit": _visit_json(visit) | {"void": visit.is_void},
        "images": [_image_json(i, full=False) for i in selectors.visit_images(visit)],
        "photos": [
            {
                "id": str(p.pk),
                "view": p.view,
                "checklist": p.checklist,
                "consent": str(p.consent_id),
                "taken_at": p.taken_at.isoformat(),
            }
            for p in selectors.visit_photos(visit)
        ],
        "pull_tests": [
            {
                "site": t.site,
                "hairs_grasped": t.hairs_grasped,
                "hairs_pulled": t.hairs_pulled,
                "positive": t.positive,
            }
            for t in selectors.visit_pull_tests(visit)
        ],
        "shedding": [
            {"method": s.method, "hairs": s.hairs} for s in selectors.visit_shedding(visit)
        ],
        "satisfaction": {
            "instrument": satisfaction.instrument,
            "answers": satisfaction.answers,
            "score": satisfaction.score,
        }
        if satisfaction
        else None,
        "global_assessment": {
            "score": assessment.score,
            "compared_with": str(assessment.compared_with_id),
            "assessed_by": assessment.assessed_by_id,
            "note": assessment.note,
        }
        if assessment
        else None,
        "phototrichograms": [
            {
                "site": p.site,
                "before": str(p.before_id),
                "after": str(p.after_id),
                "days_apart": p.days_apart,
                "anagen_fraction": p.anagen_fraction,
                "telogen_fraction": p.telogen_fraction,
                "count_before": p.count_before,
                "count_after": p.count_after,
            }
            for p in selectors.visit_phototrichograms(visit)
        ],
    }


@router.post("/visits/{visit_id}/images", response={201: dict[str, Any]})
@requires(Perm.OUTCOME_RECORD)
def image_upload(
    request: HttpRequest,
    visit_id: UUID,
    file: File[UploadedFile],
    site: Form[str],
    site_label: Form[str] = "",
    um_per_px: Form[float | None] = None,
    device: Form[int | None] = None,
) -> Any:
    """Upload one trichoscopy image (multipart form: ``file``, ``site``, optional ``site_label``,
    ``um_per_px`` or ``device``); the answer carries the automatic analysis (the C4 document)."""
    visit = selectors.visit_get(_clinic(request), visit_id)
    chosen = None
    if device is not None:
        try:
            chosen = selectors.device_get(_clinic(request), device)
        except Http404:
            raise ValidationError({"device": "No such device."}) from None
    image = services.image_upload(
        actor=actor_of(request),
        visit=visit,
        file=file,
        site=site,
        site_label=site_label,
        um_per_px=um_per_px,
        device=chosen,
    )
    return Status(201, _image_json(image))


@router.get("/images/{image_id}")
@requires(Perm.OUTCOME_VIEW)
def image_read(request: HttpRequest, image_id: UUID) -> Any:
    """The image's measures, its automatic analysis (``analysis``) and its current hairs."""
    image = selectors.image_get(_clinic(request), image_id)
    services.image_open(actor=actor_of(request), image=image)
    return _image_json(image)


@router.post("/images/{image_id}/corrections")
@requires(Perm.OUTCOME_RECORD)
def image_correct(request: HttpRequest, image_id: UUID, body: CorrectionsIn) -> Any:
    """Remove the hairs at ``remove`` (indices into the current ``hairs``) and add hairs at the
    points of ``add``; ``version`` is the ``hairs_version`` the indices refer to."""
    image = selectors.image_get(_clinic(request), image_id)
    image = services.image_correct(
        actor=actor_of(request),
        image=image,
        add=[p.dict() for p in body.add],
        remove=body.remove,
        version=body.version,
    )
    return _image_json(image)
