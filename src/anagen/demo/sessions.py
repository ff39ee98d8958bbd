"""Demo treatment sessions: stock in every state, consent for every booked course, a signed
record (injection map, lots) for every past session, a few adverse events, and, in the first
clinic, a cluster of injection-site infections after one lot that nothing in the data labels:
the daily signal job finds it.

Everything goes through the real services (consent, pre-session check, record, signing and its
stock movements, adverse events), so the demo's history obeys the same rules as the clinic's
own. Only what the services rightly refuse today is written directly, each with its audit
entry: a lot that has since expired, and the signature times of past sessions.
"""

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from anagen.audit.services import Actor, audit_record
from anagen.clinics.models import Clinic
from anagen.consent.services import consent_sign
from anagen.core.injection_map import MAP_SCHEMA
from anagen.core.knowledge import load
from anagen.core.precheck import load_checks
from anagen.inventory.models import Lot, MovementKind, Product, StockMovement
from anagen.inventory.services import lot_receive, lot_status_set, product_policy_set, product_save
from anagen.safety.services import event_close, event_record
from anagen.scheduling.calendar_setup import clinic_zone
from anagen.scheduling.models import Booking, BookingStatus, Course
from anagen.sessions import services
from anagen.sessions.models import TreatmentSession

MAKERS = {"dutasteride": "Dermapharm", "minoxidil": "Laboratoires Vexin"}
SIGNATURE = "M10 40 L18 22 L26 16 L34 24 L40 40 L48 52 L58 44 L66 30 L74 36 M80 42 L120 38"
UPPER_SCALP = ("vertex", "mid_scalp", "frontal")


def demo_sessions(clinic: Clinic, users: dict[str, Any], *, cluster: bool) -> None:
    clinician = Actor(user=users["clinician"], ip_address="127.0.0.1")
    today = timezone.now().astimezone(clinic_zone(clinic)).date()
    courses = list(Course.objects.for_clinic(clinic).select_related("plan", "patient"))
    ingredients = sorted({i["id"] for c in courses for i in c.plan.document["ingredients"]})
    lots = _stock(clinic, clinician, ingredients, today)
    for course in courses:
        _consent(clinician, course)
    past = (
        Booking.objects.for_clinic(clinic)
        .filter(status=BookingStatus.BOOKED, start__lt=timezone.now() - dt.timedelta(hours=2))
        .select_related("course__plan", "patient", "practitioner")
        .order_by("start")
    )
    for booking in past:
        _session(booking, lots)
    _more_stock_states(clinic, clinician, lots)
    _events(clinic, clinician, today, cluster=cluster)


def _stock(
    clinic: Clinic, actor: Actor, ingredients: list[str], today: dt.date
) -> dict[str, list[Lot]]:
    """Per ingredient: a lot that expired 12 days ago (used until then), one expiring within
    the month, one good for most of a year."""
    kb = load()
    lots = {}
    for n, ingredient in enumerate(ingredients):
        name = kb.ingredients[ingredient].name
        product = product_save(
            actor=actor,
            clinic=clinic,
            data={
                "ingredient": ingredient,
                "name": f"{name} meso solution",
                "concentration": kb.ingredients[ingredient].usual or "as labelled",
                "maker": MAKERS.get(ingredient, "Mesoestetic Pharma"),
                "unit": "ampoule",
                "low_stock_units": 30 if n == 0 else 10,
            },
        )
        prefix = ingredient[:3].upper()
        lots[ingredient] = [
            _expired_lot(product, f"{prefix}24A{n}", today - dt.timedelta(days=12), actor),
            lot_receive(
                actor=actor,
                product=product,
                number=f"{prefix}25B{n}",
                expiry=today + dt.timedelta(days=20),
                units=60,
                supplier="Meso Supplies Ltd",
            ),
            lot_receive(
                actor=actor,
                product=product,
                number=f"{prefix}26C{n}",
                expiry=today + dt.timedelta(days=300),
                units=8 if n == 0 else 40,  # the first product runs low
                supplier="Meso Supplies Ltd",
            ),
        ]
    return lots


def _expired_lot(product: Product, number: str, expiry: dt.date, actor: Actor) -> Lot:
    # lot_receive refuses an expired lot, rightly; this one was received while it was good.
    lot: Lot = Lot.objects.for_clinic(product.clinic).create(
        clinic=product.clinic, product=product, number=number, expiry=expiry, quantity=150
    )
    StockMovement.objects.for_clinic(product.clinic).create(
        clinic=product.clinic,
        lot=lot,
        kind=MovementKind.RECEIPT,
        units=150,
        supplier="Meso Supplies Ltd",
        by=actor.user,
    )
    audit_record(
        actor=actor.user,
        clinic=product.clinic,
        action="lot.receive",
        object_type="lot",
        object_id=lot.pk,
        changes=["quantity", "demo history"],
    )
    return lot


def _consent(actor: Actor, course: Course) -> None:
    consent = consent_sign(
        actor=actor,
        patient=course.patient,
        kind="treatment",
        plan=course.plan,
        signer_name=str(course.patient),
        signature_svg=SIGNATURE,
        ticked=False,
    )
    signed = course.plan.consultation.signed_at + dt.timedelta(minutes=40)
    type(consent).objects.for_clinic(course.clinic).filter(pk=consent.pk).update(signed_at=signed)


def _session(booking: Booking, lots: dict[str, list[Lot]]) -> None:
    who = Actor(user=booking.practitioner, ip_address="127.0.0.1")
    rng = random.Random(str(booking.pk))  # noqa: S311 - varied demo data, not a secret
    session = services.session_start(actor=who, booking=booking)
    answers = {"checks": {c.id: False for c in load_checks(load())}}
    session = services.session_precheck(actor=who, session=session, answers=answers)
    day = booking.start.astimezone(clinic_zone(booking.clinic)).date()
    chosen = [
        {"ingredient": i, "lot": _lot_on(lots[i], day).pk, "units": 1}
        for i in (x["id"] for x in booking.course.plan.document["ingredients"])
    ]
    record = {
        "injection_map": _map(rng),
        "technique": rng.choice(("point_by_point", "point_by_point", "nappage")),
        "needle_gauge": rng.choice((30, 32, 32)),
        "needle_length_mm": 4,
        "anaesthetic": rng.choice(("none", "cooling", "none")),
        "started_at": booking.start + dt.timedelta(minutes=3),
        "ended_at": booking.start + dt.timedelta(minutes=rng.randint(18, 26)),
        "reactions": ["bleeding"] if rng.random() < 0.4 else [],
        "lots": chosen,
    }
    session = services.session_record(actor=who, session=session, data=record)
    services.session_sign(actor=who, session=session, notify=False)
    # Signed when it happened, not when the demo was loaded.
    TreatmentSession.objects.for_clinic(booking.clinic).filter(pk=session.pk).update(
        signed_at=booking.start + dt.timedelta(minutes=30),
        precheck_at=booking.start,
    )


def _lot_on(lots: list[Lot], day: dt.date) -> Lot:
    """The first-expiring lot still good on ``day``, as a careful practitioner takes it."""
    return next(lot for lot in lots if lot.expiry >= day)


def _map(rng: random.Random) -> dict[str, Any]:
    points = []
    for _ in range(rng.randint(14, 24)):
        zone = rng.choice(UPPER_SCALP)
        x = {"vertex": 0.5, "mid_scalp": 0.5, "frontal": 0.5}[zone] + rng.uniform(-0.17, 0.17)
        y = {"vertex": 0.64, "mid_scalp": 0.38, "frontal": 0.16}[zone] + rng.uniform(-0.08, 0.08)
        points.append(
            {
                "view": "top",
                "x": round(x, 4),
                "y": round(y, 4),
                "zone": zone,
                "depth": "superficial_intradermal",
                "volume_ml": 0.05,
            }
        )
    return {"schema": MAP_SCHEMA, "points": points, "zones": []}


def _more_stock_states(clinic: Clinic, actor: Actor, lots: dict[str, list[Lot]]) -> None:
    """A recalled lot that patients received, a quarantined one, and a multi-dose product the
    clinic allows under a written CI-23 policy next to one it does not."""
    first, *rest = sorted(lots)
    lot_status_set(
        actor=actor,
        lot=lots[first][1],
        status="recalled",
        reason="Maker's recall: sterility of this lot cannot be assured.",
    )
    if rest:
        lot_status_set(
            actor=actor,
            lot=lots[rest[0]][2],
            status="quarantined",
            reason="Two ampoules looked cloudy; awaiting the maker's answer.",
        )
    for allowed in (True, False):
        product = product_save(
            actor=actor,
            clinic=clinic,
            data={
                "ingredient": first,
                "name": f"{first.title()} multi-dose vial" + ("" if allowed else " (trial)"),
                "concentration": "10 ml",
                "maker": "Generic Meso",
                "unit": "vial",
                "single_use": False,
            },
        )
        if allowed:
            product_policy_set(
                actor=actor,
                product=product,
                reason="Drawn up once per patient in the clean room; discarded at day's end.",
            )


def _events(clinic: Clinic, actor: Actor, today: dt.date, *, cluster: bool) -> None:
    sessions = list(
        TreatmentSession.objects.for_clinic(clinic)
        .filter(status="signed")
        .select_related("patient")
        .prefetch_related("lots__lot")
        .order_by("started_at")
    )
    if not sessions:
        return
    minor = sessions[len(sessions) // 3]
    event_record(
        actor=actor,
        patient=minor.patient,
        data={
            "type": "bruising",
            "onset": minor.started_at.date().isoformat(),
            "severity": "mild",
            "description": "Two small bruises at the vertex.",
            "sessions": [str(minor.pk)],
        },
    )
    closed = event_record(
        actor=actor,
        patient=sessions[-1].patient,
        data={
            "type": "headache",
            "onset": sessions[-1].started_at.date().isoformat(),
            "severity": "mild",
            "actions": "Paracetamol.",
            "sessions": [str(sessions[-1].pk)],
        },
    )
    event_close(actor=actor, event=closed, outcome="resolved")
    if cluster:
        _cluster(clinic, actor, sessions, today)


def _cluster(
    clinic: Clinic, actor: Actor, sessions: list[TreatmentSession], today: dt.date
) -> None:
    """Three patients with injection-site infections 3-5 weeks after sessions that used the
    same lot, recorded on different days as they presented; no record names the link."""
    window = [
        s for s in sessions if s.started_at and 35 <= (today - s.started_at.date()).days <= 70
    ]
    by_lot: dict[int, dict[Any, TreatmentSession]] = {}
    for s in window:
        for use in s.lots.all():
            by_lot.setdefault(use.lot_id, {}).setdefault(s.patient_id, s)
    if not by_lot:
        return
    lot_id = max(by_lot, key=lambda k: (len(by_lot[k]), -k))
    cases = list(by_lot[lot_id].values())[:3]
    stories = (
        ("nodule", "moderate", "not_taken", "", "Tender 8 mm nodule at the vertex, 2 weeks."),
        ("abscess", "moderate", "positive", "Mycobacterium abscessus", "Fluctuant lump, drained."),
        ("infection", "severe", "pending", "", "Several red nodules; AFB smear sent."),
    )
    for n, (s, story) in enumerate(zip(cases, stories, strict=False)):
        kind, grade, culture, organism, text = story
        assert s.started_at is not None  # the window above holds only sessions that began
        onset = s.started_at.date() + dt.timedelta(days=24 + 5 * n)
        event_record(
            actor=actor,
            patient=s.patient,
            data={
                "type": kind,
                "onset": min(onset, today).isoformat(),
                "severity": grade,
                "description": text,
                "culture": culture,
                "organism": organism,
                "sessions": [str(s.pk)],
                "next_follow_up": today.isoformat(),
            },
        )
