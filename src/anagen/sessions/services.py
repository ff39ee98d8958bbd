"""Running a treatment session: start, pre-session check, override, record, sign, addenda.

The safety net is here, not in the pages, so the web app and the API enforce the same rules:

- a session starts only with valid treatment consent for its plan, and is signed only while that
  consent still stands;
- the pre-session check screens the patient again; what it blocks stays blocked until a
  clinician overrides it with a written reason (``Perm.SESSION_OVERRIDE``);
- every ingredient of the plan's cocktail comes from a recorded lot, and an expired, recalled or
  quarantined lot, or a CI-23 product without a clinic policy, is refused when the stock is
  taken (``anagen.inventory.services.lot_consume``);
- once signed, the record is locked; corrections are addenda.

Every write is audited in its own transaction; a refusal raises ValidationError naming the field
and writes nothing.
"""

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from anagen.audit.services import Actor, audit_record
from anagen.clinics.roles import Perm, role_allows
from anagen.clinics.selectors import memberships_active
from anagen.consent.selectors import consent_valid_for_plan
from anagen.consultations.intake import chart_conditions, chart_medications
from anagen.consultations.services import clinic_knowledge
from anagen.core.injection_map import read_map
from anagen.core.invalid import InvalidDocument
from anagen.core.precheck import precheck
from anagen.inventory.models import Lot
from anagen.inventory.services import lot_consume
from anagen.inventory.usability import lot_problems
from anagen.scheduling.models import Booking, BookingStatus
from anagen.scheduling.services import booking_done
from anagen.sessions.aftercare import aftercare_for, aftercare_send
from anagen.sessions.models import Addendum, LotUse, SessionStatus, Technique, TreatmentSession
from anagen.sessions.selectors import session_day

log = logging.getLogger(__name__)

# A session may be opened from an hour before its booked time (the patient arrives early).
EARLY_START = dt.timedelta(hours=1)
ANAESTHETICS = {
    "none": "None",
    "topical": "Topical anaesthetic cream (lidocaine/prilocaine)",
    "lidocaine_in_cocktail": "Lidocaine in the cocktail",
    "cooling": "Cooling",
    "vibration": "Vibration",
}
LIDOCAINE_ANAESTHETICS = ("topical", "lidocaine_in_cocktail")
IMMEDIATE_REACTIONS = {
    "bleeding": "Pinpoint bleeding",
    "pain": "Pain beyond the expected",
    "oedema": "Swelling (oedema)",
    "bruising": "Bruising",
    "haematoma": "Haematoma",
    "vasovagal": "Felt faint (vasovagal)",
    "syncope": "Fainted (syncope)",
    "allergic_reaction": "Allergic reaction",
    "other": "Other (see notes)",
}
GAUGES = range(18, 35)  # 30-33 G is usual for scalp mesotherapy; anything outside is a typo
MAX_NEEDLE_MM = Decimal("25")


def _audit(actor: Actor, session: TreatmentSession, action: str, changes: Iterable[str]) -> None:
    audit_record(
        actor=actor.user,
        clinic=session.clinic,
        action=action,
        object_type="treatmentsession",
        object_id=session.pk,
        patient_id=session.patient_id,
        changes=changes,
        ip_address=actor.ip_address,
    )


def _locked(session: TreatmentSession) -> TreatmentSession:
    """The session row, locked until the transaction ends, so two signatures cannot race."""
    locked: TreatmentSession = (
        TreatmentSession.objects.for_clinic(session.clinic).select_for_update().get(pk=session.pk)
    )
    return locked


def _open(session: TreatmentSession) -> TreatmentSession:
    session = _locked(session)
    if session.is_signed:
        raise ValidationError("This session is signed and locked; add an addendum instead.")
    return session


@transaction.atomic
def session_start(*, actor: Actor, booking: Booking) -> TreatmentSession:
    """Open the session of a booked appointment; the one already open is returned as it is."""
    existing: TreatmentSession | None = (
        TreatmentSession.objects.for_clinic(booking.clinic).filter(booking=booking).first()
    )
    if existing:
        return existing
    if booking.status != BookingStatus.BOOKED:
        raise ValidationError("Only a booked session can be started.")
    if booking.start > timezone.now() + EARLY_START:
        raise ValidationError("A session can start only on its day, from an hour before its time.")
    plan = booking.course.plan
    if plan.voided_at or booking.patient.is_archived:
        raise ValidationError("The plan is void or the patient archived; nothing can be given.")
    consent = consent_valid_for_plan(plan)
    if consent is None:
        raise ValidationError(
            {"consent": "There is no valid treatment consent for this plan: take consent first."}
        )
    session = TreatmentSession(
        clinic=booking.clinic,
        patient=booking.patient,
        booking=booking,
        plan=plan,
        number=booking.number,
        practitioner=actor.user,
        consent=consent,
        created_by=actor.user,
    )
    session.save(force_insert=True)
    _audit(actor, session, "session.start", ["booking", "consent"])
    return session


@transaction.atomic
def session_precheck(
    *, actor: Actor, session: TreatmentSession, answers: Mapping[str, Any]
) -> TreatmentSession:
    """Record the pre-session check and screen the patient again. A new check replaces the
    previous one and any override of it: what was overridden was the old answers."""
    session = _open(session)
    consultation = session.plan.consultation
    try:
        check = precheck(
            answers,
            consulted_intake=consultation.intake,
            consulted_result=consultation.result,
            conditions=chart_conditions(session.patient),
            medications=chart_medications(session.patient),
            plan_ingredients=_plan_ingredients(session),
            today=timezone.localdate(),
            kb=clinic_knowledge(session.clinic),
        )
    except InvalidDocument as error:
        raise ValidationError({error.field.split(".")[0] or "__all__": error.message}) from None
    session.precheck = check.answers
    session.precheck_intake = check.intake
    session.precheck_result = check.result | {"precheck_findings": check.findings}
    session.blocking = check.blocking
    session.precheck_at, session.precheck_by = timezone.now(), actor.user
    session.override_reason, session.override_by, session.override_at = "", None, None
    session.save()
    _audit(actor, session, "session.precheck", ["precheck", "blocking"])
    return session


@transaction.atomic
def session_override(*, actor: Actor, session: TreatmentSession, reason: str) -> TreatmentSession:
    """A clinician lets the session go ahead despite what the pre-session check blocks."""
    session = _open(session)
    if not _may(actor, session, Perm.SESSION_OVERRIDE):
        raise ValidationError("Only a clinician can override a blocking finding.")
    if not session.blocking:
        raise ValidationError("Nothing blocks this session; there is nothing to override.")
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": "Write the clinical reason for going ahead."})
    session.override_reason = reason.strip()
    session.override_by, session.override_at = actor.user, timezone.now()
    session.save()
    _audit(actor, session, "session.override", ["override_reason"])
    return session


def _may(actor: Actor, session: TreatmentSession, perm: str) -> bool:
    membership = memberships_active(actor.user).filter(clinic=session.clinic).first()
    return bool(membership and role_allows(membership.role, perm))


def _plan_ingredients(session: TreatmentSession) -> list[str]:
    return [i["id"] for i in session.plan.document["ingredients"]]


@transaction.atomic
def session_record(
    *, actor: Actor, session: TreatmentSession, data: Mapping[str, Any]
) -> TreatmentSession:
    """Save the session's record while it is open (a draft; nothing is taken from stock yet).

    ``data``: injection_map (the map document), technique, needle_gauge, needle_length_mm,
    anaesthetic, started_at, ended_at, reactions, notes, and lots: a list of
    ``{"ingredient", "lot", "units"}`` (lot: a lot id of this clinic).
    """
    session = _open(session)
    try:
        injection = read_map(data.get("injection_map") or _EMPTY_MAP)
    except InvalidDocument as error:
        raise ValidationError({"injection_map": f"{error.field}: {error.message}"}) from None
    fields = _record_fields(session, data)
    uses = _lot_choices(session, data.get("lots") or [])
    for name, value in fields.items():
        setattr(session, name, value)
    session.injection_map = injection.document
    session.total_volume_ml = Decimal(str(injection.total_volume_ml))
    session.save()
    LotUse.objects.for_clinic(session.clinic).filter(session=session).delete()  # a draft's
    LotUse.objects.bulk_create(uses)
    _audit(actor, session, "session.record", [*fields, "injection_map", "lots"])
    return session


_EMPTY_MAP = {"schema": "anagen.injection-map/1", "points": [], "zones": []}


def _record_fields(session: TreatmentSession, data: Mapping[str, Any]) -> dict[str, Any]:
    technique = data.get("technique") or ""
    if technique and technique not in Technique.values:
        raise ValidationError({"technique": f"Choose one of: {', '.join(Technique.values)}."})
    gauge = data.get("needle_gauge")
    if gauge is not None and gauge not in GAUGES:
        raise ValidationError({"needle_gauge": "A needle gauge is from 18 G to 34 G."})
    length = data.get("needle_length_mm")
    if length is not None and not Decimal("0") < Decimal(length) <= MAX_NEEDLE_MM:
        raise ValidationError({"needle_length_mm": f"From 0.5 to {MAX_NEEDLE_MM} mm."})
    anaesthetic = data.get("anaesthetic") or ""
    if anaesthetic and anaesthetic not in ANAESTHETICS:
        raise ValidationError({"anaesthetic": f"Choose one of: {', '.join(ANAESTHETICS)}."})
    if anaesthetic in LIDOCAINE_ANAESTHETICS and "lidocaine" in _allergies(session):
        raise ValidationError(
            {"anaesthetic": "CI-22: the patient is allergic to lidocaine; use another method."}
        )
    reactions = list(dict.fromkeys(data.get("reactions") or []))
    unknown = [r for r in reactions if r not in IMMEDIATE_REACTIONS]
    if unknown:
        raise ValidationError({"reactions": f"Unknown reaction: {', '.join(unknown)}."})
    started, ended = data.get("started_at"), data.get("ended_at")
    _check_times(session, started, ended)
    return {
        "technique": technique,
        "needle_gauge": gauge,
        "needle_length_mm": length,
        "anaesthetic": anaesthetic,
        "started_at": started,
        "ended_at": ended,
        "reactions": reactions,
        "notes": (data.get("notes") or "").strip(),
    }


def _allergies(session: TreatmentSession) -> list[str]:
    intake = session.precheck_intake or session.plan.consultation.intake
    return list(intake.get("allergies", []))


def _check_times(
    session: TreatmentSession, started: dt.datetime | None, ended: dt.datetime | None
) -> None:
    soon = timezone.now() + dt.timedelta(minutes=5)
    if started and (started > soon or started < session.booking.start - dt.timedelta(days=1)):
        raise ValidationError({"started_at": "The start must be on the booked day, not later."})
    if ended and not started:
        raise ValidationError({"started_at": "Give the start time as well."})
    if ended and started and not started < ended <= started + dt.timedelta(hours=4):
        raise ValidationError({"ended_at": "The end must be after the start, within 4 hours."})
    if ended and ended > soon:
        raise ValidationError({"ended_at": "The end cannot be in the future."})


def _lot_choices(session: TreatmentSession, choices: Iterable[Mapping[str, Any]]) -> list[LotUse]:
    """The lots chosen for the plan's ingredients; problems with a lot are named now, and
    checked again when the stock is taken at signing."""
    plan = set(_plan_ingredients(session))
    uses, seen = [], set()
    for choice in choices:
        ingredient, units = choice.get("ingredient"), choice.get("units") or 1
        lot_id = str(choice.get("lot") or "")
        lots = Lot.objects.for_clinic(session.clinic).select_related("product")
        lot = lots.filter(pk=int(lot_id)).first() if lot_id.isdigit() else None
        if ingredient not in plan:
            raise ValidationError({"lots": f"{ingredient} is not in this plan's cocktail."})
        if lot is None or lot.product.ingredient != ingredient:
            raise ValidationError({"lots": f"Choose a lot of {ingredient} from this clinic."})
        if not isinstance(units, int) or not 1 <= units <= 20:
            raise ValidationError({"lots": f"Units of lot {lot.number}: a whole number, 1 to 20."})
        problems = lot_problems(lot, on=session_day(session))
        if problems or lot.pk in seen:
            raise ValidationError({"lots": problems[0] if problems else "A lot is chosen twice."})
        seen.add(lot.pk)
        uses.append(
            LotUse(
                clinic=session.clinic, session=session, ingredient=ingredient, lot=lot, units=units
            )
        )
    return uses


@transaction.atomic
def session_sign(
    *, actor: Actor, session: TreatmentSession, notify: bool = True
) -> TreatmentSession:
    """Sign and lock the session: the stock is taken from each lot, the booking is done, the
    aftercare is fixed and, with ``notify``, emailed to the patient once the transaction commits
    (the demo's history of past sessions sends nothing)."""
    session = _open(session)
    problems = sign_problems(session)
    if problems:
        raise ValidationError({field: message for field, message in problems})
    for use in session.lots.select_related("lot__product"):
        lot_consume(actor=actor, lot=use.lot, units=use.units, session=session)
    session.aftercare = aftercare_for(session)
    session.status = SessionStatus.SIGNED
    session.signed_at, session.signed_by = timezone.now(), actor.user
    session.save()
    booking_done(actor=actor, booking=session.booking)
    _audit(actor, session, "session.sign", ["status", "aftercare", "lots"])
    if notify:
        transaction.on_commit(lambda: _send_aftercare(actor, session))
    return session


def sign_problems(session: TreatmentSession) -> list[tuple[str, str]]:
    """What stops the session from being signed now, as (field, message) pairs."""
    problems = []
    consent = consent_valid_for_plan(session.plan)
    if consent is None:
        problems.append(("consent", "The treatment consent was withdrawn; take consent again."))
    if session.precheck is None:
        problems.append(("precheck", "Do the pre-session check first."))
    elif session.blocking and not session.override_by_id:
        problems.append(("precheck", "A blocking finding is unresolved; a clinician must decide."))
    if not session.injection_map.get("points") and not session.injection_map.get("zones"):
        problems.append(("injection_map", "Place the injection points or zones on the map."))
    for name, label in (("technique", "technique"), ("started_at", "start time")):
        if not getattr(session, name):
            problems.append((name, f"Record the {label}."))
    if not session.ended_at:
        problems.append(("ended_at", "Record the end time."))
    used = {u.ingredient for u in session.lots.all()}
    missing = [i for i in _plan_ingredients(session) if i not in used]
    if missing:
        problems.append(("lots", f"Record the lot used for: {', '.join(missing)}."))
    return problems


def _send_aftercare(actor: Actor, session: TreatmentSession) -> None:
    # After the commit: a mail server that is down must not undo a signed session. The failure is
    # logged, and the session page offers "Send again".
    try:
        aftercare_send(actor=actor, session=session)
    except Exception:
        log.exception("aftercare email for session %s failed", session.pk)


@transaction.atomic
def session_addendum(*, actor: Actor, session: TreatmentSession, text: str) -> Addendum:
    """Add a correction or later note to a signed session; the signed record is unchanged."""
    if not session.is_signed:
        raise ValidationError("The session is still open; correct the record itself.")
    if not text.strip():
        raise ValidationError({"text": "Write the addendum."})
    addendum = Addendum(clinic=session.clinic, session=session, text=text.strip(), by=actor.user)
    addendum.save(force_insert=True)
    _audit(actor, session, "session.addendum", ["addenda"])
    return addendum


@transaction.atomic
def session_open(*, actor: Actor, session: TreatmentSession) -> TreatmentSession:
    """Log that someone read a session record."""
    _audit(actor, session, "session.view", [])
    return session
