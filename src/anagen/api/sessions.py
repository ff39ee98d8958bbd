"""Treatment sessions over the API: start one from its booking, the pre-session check, a
clinician's override, the record, signing and addenda. The same services as the session page,
so the same safety net: consent, re-screening, lots refused when expired or recalled."""

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Body, Router, Schema

from anagen.api.permissions import requires
from anagen.clinics.roles import Perm
from anagen.scheduling.selectors import booking_get
from anagen.sessions import services
from anagen.sessions.models import TreatmentSession
from anagen.sessions.selectors import session_get
from anagen.web.request_info import actor_of

router = Router(tags=["sessions"])


class OverrideIn(Schema):
    reason: str


class LotIn(Schema):
    ingredient: str
    lot: int
    units: int = 1


class RecordIn(Schema):
    injection_map: dict[str, Any] | None = None
    technique: str = ""
    needle_gauge: int | None = None
    needle_length_mm: Decimal | None = None
    anaesthetic: str = ""
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    reactions: list[str] = []
    notes: str = ""
    lots: list[LotIn] = []


class AddendumIn(Schema):
    text: str


def _clinic(request: HttpRequest) -> Any:
    return request.membership.clinic  # type: ignore[attr-defined]


def _json(session: TreatmentSession) -> dict[str, Any]:
    return {
        "id": str(session.pk),
        "patient": str(session.patient_id),
        "booking": str(session.booking_id),
        "plan": str(session.plan_id),
        "number": session.number,
        "status": session.status,
        "practitioner": session.practitioner_id,
        "consent": str(session.consent_id) if session.consent_id else None,
        "precheck": session.precheck,
        "blocking": session.blocking,
        "override": {
            "by": session.override_by_id,
            "at": session.override_at.isoformat() if session.override_at else None,
            "reason": session.override_reason,
        }
        if session.override_by_id
        else None,
        "injection_map": session.injection_map or None,
        "technique": session.technique or None,
        "needle_gauge": session.needle_gauge,
        "needle_length_mm": session.needle_length_mm,
        "anaesthetic": session.anaesthetic or None,
        "started_at": session.started_at.isoformat() if session.started_at else None,
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "total_volume_ml": session.total_volume_ml,
        "reactions": session.reactions,
        "lots": [
            {"ingredient": u.ingredient, "lot": u.lot_id, "number": u.lot.number, "units": u.units}
            for u in session.lots.select_related("lot")
        ],
        "aftercare": session.aftercare,
        "signed_at": session.signed_at.isoformat() if session.signed_at else None,
        "signed_by": session.signed_by_id,
        "addenda": [
            {"text": a.text, "by": a.by_id, "at": a.at.isoformat()} for a in session.addenda.all()
        ],
        "sign_problems": []
        if session.is_signed
        else [m for _f, m in services.sign_problems(session)],
    }


@router.get("/sessions/{session_id}")
@requires(Perm.CLINICAL_VIEW)
def session_read(request: HttpRequest, session_id: UUID) -> Any:
    session = session_get(_clinic(request), session_id)
    services.session_open(actor=actor_of(request), session=session)
    return _json(session)


@router.post("/bookings/{booking_id}/session")
@requires(Perm.SESSION_ATTEND)
def session_start(request: HttpRequest, booking_id: UUID) -> Any:
    booking = booking_get(clinic=_clinic(request), booking_id=booking_id)
    return _json(services.session_start(actor=actor_of(request), booking=booking))


@router.post("/sessions/{session_id}/precheck")
@requires(Perm.SESSION_ATTEND)
def session_precheck(request: HttpRequest, session_id: UUID, answers: Body[dict[str, Any]]) -> Any:
    """The answers are the ``anagen.precheck/1`` document: ``checks`` (every question id, true or
    false), ``scalp``, ``pregnancy`` (asked of women of child-bearing age), ``note``."""
    session = session_get(_clinic(request), session_id)
    return _json(
        services.session_precheck(actor=actor_of(request), session=session, answers=answers)
    )


@router.post("/sessions/{session_id}/override")
@requires(Perm.SESSION_OVERRIDE)
def session_override(request: HttpRequest, session_id: UUID, body: OverrideIn) -> Any:
    session = session_get(_clinic(request), session_id)
    return _json(
        services.session_override(actor=actor_of(request), session=session, reason=body.reason)
    )


@router.put("/sessions/{session_id}/record")
@requires(Perm.SESSION_ATTEND)
def session_record(request: HttpRequest, session_id: UUID, body: RecordIn) -> Any:
    session = session_get(_clinic(request), session_id)
    data = body.dict() | {"lots": [lot.dict() for lot in body.lots]}
    return _json(services.session_record(actor=actor_of(request), session=session, data=data))


@router.post("/sessions/{session_id}/sign")
@requires(Perm.SESSION_ATTEND)
def session_sign(request: HttpRequest, session_id: UUID) -> Any:
    session = session_get(_clinic(request), session_id)
    return _json(services.session_sign(actor=actor_of(request), session=session))


@router.post("/sessions/{session_id}/addenda")
@requires(Perm.SESSION_ATTEND)
def session_addendum(request: HttpRequest, session_id: UUID, body: AddendumIn) -> Any:
    session = session_get(_clinic(request), session_id)
    services.session_addendum(actor=actor_of(request), session=session, text=body.text)
    return _json(session)
