"""Screening and planning over the API: the same core and clinic policy as the web pages.

``POST /screening`` and ``POST /plans/preview`` take an ``anagen.intake/1`` document and answer
``anagen.screening/1`` and ``anagen.plan/1``; nothing is saved. Signed consultations and saved
plans are read-only here.
"""

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Body, Router, Schema

from anagen.api.permissions import requires
from anagen.clinics.roles import Perm
from anagen.consultations.selectors import consultation_get, consultation_list
from anagen.consultations.services import clinic_knowledge, clinic_prices
from anagen.core.invalid import InvalidDocument
from anagen.core.planning import build_plan
from anagen.core.screening import screen_document
from anagen.patients.selectors import patient_get
from anagen.plans.selectors import plan_get

router = Router(tags=["screening and plans"])


class PlanPreviewIn(Schema):
    intake: dict[str, Any]
    start: dt.date
    protocol: str | None = None


class ConsultationOut(Schema):
    id: UUID
    signed_at: dt.datetime
    verdict: str
    knowledge_version: str
    superseded: bool


def _clinic(request: HttpRequest) -> Any:
    return request.membership.clinic  # type: ignore[attr-defined]


def _invalid(error: InvalidDocument, prefix: str = "") -> ValidationError:
    return ValidationError({f"{prefix}{error.field}" or "__all__": error.message})


@router.post("/screening")
@requires(Perm.CLINICAL_VIEW)
def screening(request: HttpRequest, intake: Body[dict[str, Any]]) -> Any:
    """Screen an intake document with this clinic's policy; answers anagen.screening/1."""
    try:
        return screen_document(intake, clinic_knowledge(_clinic(request)))[1].as_json()
    except InvalidDocument as error:
        raise _invalid(error) from None


@router.post("/plans/preview")
@requires(Perm.CLINICAL_VIEW)
def plan_preview(request: HttpRequest, body: PlanPreviewIn) -> Any:
    """Plan an intake from a start date (anagen.plan/1); nothing is saved."""
    clinic = _clinic(request)
    try:
        ctx, result = screen_document(body.intake, clinic_knowledge(clinic))
        return build_plan(
            ctx, result, start=body.start, protocol_id=body.protocol, prices=clinic_prices(clinic)
        )
    except InvalidDocument as error:
        raise _invalid(error, "" if error.field == "protocol" else "intake.") from None


@router.get("/patients/{patient_id}/consultations", response=list[ConsultationOut])
@requires(Perm.CLINICAL_VIEW)
def patient_consultations(request: HttpRequest, patient_id: UUID) -> Any:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    return [
        {
            "id": c.pk,
            "signed_at": c.signed_at,
            "verdict": c.verdict,
            "knowledge_version": c.knowledge_version,
            "superseded": c.is_superseded,
        }
        for c in consultation_list(patient=patient)
    ]


@router.get("/consultations/{consultation_id}")
@requires(Perm.CLINICAL_VIEW)
def get_consultation(request: HttpRequest, consultation_id: UUID) -> Any:
    found = consultation_get(clinic=_clinic(request), consultation_id=consultation_id)
    return {
        "id": str(found.pk),
        "patient": str(found.patient_id),
        "signed_at": found.signed_at.isoformat(),
        "signed_by": found.signed_by.email,
        "intake": found.intake,
        "screening": found.result,
        "knowledge_version": found.knowledge_version,
        "supersedes": str(found.supersedes_id) if found.supersedes_id else None,
    }


@router.get("/plans/{plan_id}")
@requires(Perm.CLINICAL_VIEW)
def get_plan(request: HttpRequest, plan_id: UUID) -> Any:
    return plan_get(clinic=_clinic(request), plan_id=plan_id).document
