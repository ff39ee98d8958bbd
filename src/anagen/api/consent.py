"""Consent over the API: a patient's consents, one consent with the document the patient read,
and withdrawing it. Signing stays in the browser, where the patient reads and signs."""

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from anagen.api.permissions import requires
from anagen.clinics.roles import Perm
from anagen.consent import selectors, services
from anagen.consent.models import Consent
from anagen.patients.selectors import patient_get
from anagen.web.request_info import actor_of

router = Router(tags=["consent"])


class ConsentOut(Schema):
    id: UUID
    kind: str
    patient: UUID
    plan: UUID | None
    template_version: int
    signer_name: str
    signed_at: dt.datetime
    witness: str
    drawn_signature: bool
    ticked: bool
    withdrawn_at: dt.datetime | None
    withdraw_reason: str
    pdf_sha256: str


class ConsentDetailOut(ConsentOut):
    document: dict[str, Any]


class WithdrawIn(Schema):
    reason: str = Field(max_length=500)


def _clinic(request: HttpRequest) -> Any:
    return request.membership.clinic  # type: ignore[attr-defined]


def _json(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "kind": consent.kind,
        "patient": consent.patient_id,
        "plan": consent.plan_id,
        "template_version": consent.template.version,
        "signer_name": consent.signer_name,
        "signed_at": consent.signed_at,
        "witness": consent.witness.email,
        "drawn_signature": bool(consent.signature_svg),
        "ticked": consent.ticked,
        "withdrawn_at": consent.withdrawn_at,
        "withdraw_reason": consent.withdraw_reason,
        "pdf_sha256": consent.pdf_sha256,
    }


@router.get("/patients/{patient_id}/consents", response=list[ConsentOut])
@requires(Perm.CLINICAL_VIEW)
def patient_consents(request: HttpRequest, patient_id: UUID) -> Any:
    """The patient's consents, latest first."""
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    return [_json(c) for c in selectors.patient_consents(patient).select_related("template")]


@router.get("/consents/{consent_id}", response=ConsentDetailOut)
@requires(Perm.CLINICAL_VIEW)
def get_consent(request: HttpRequest, consent_id: UUID) -> Any:
    """One consent with the document the patient read (``anagen.consent/1``); the read is
    audited."""
    consent = selectors.consent_get(clinic=_clinic(request), consent_id=consent_id)
    services.consent_open(actor=actor_of(request), consent=consent)
    return _json(consent) | {"document": consent.document}


@router.post("/consents/{consent_id}/withdraw", response=ConsentOut)
@requires(Perm.CONSENT_TAKE)
def withdraw_consent(request: HttpRequest, consent_id: UUID, body: WithdrawIn) -> Any:
    """Withdraw a consent with the patient's reason (422 naming ``reason`` when it is missing
    or the consent was already withdrawn)."""
    consent = selectors.consent_get(clinic=_clinic(request), consent_id=consent_id)
    services.consent_withdraw(actor=actor_of(request), consent=consent, reason=body.reason)
    return _json(consent)
