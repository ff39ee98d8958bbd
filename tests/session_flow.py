"""A session ready to run, for the session service, view and API tests.

Clinic A set up (tests.scheduling_helpers), the three-user patient with a signed consultation,
a plan (dutasteride with vitamins), its course booked, session 1 moved to half an hour ago,
treatment consent signed, and one usable lot of each ingredient of the plan's cocktail.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from anagen.audit.services import Actor
from anagen.consent.services import consent_sign
from anagen.core.injection_map import MAP_SCHEMA
from anagen.core.knowledge import load
from anagen.core.precheck import load_checks
from anagen.scheduling.models import Booking
from anagen.sessions import services
from anagen.sessions.models import TreatmentSession
from tests.scheduling_helpers import ClinicSetUp, book, into_the_past, new_plan, session
from tests.session_helpers import make_lot, make_product

NO = {c.id: False for c in load_checks(load())}
MAP = {
    "schema": MAP_SCHEMA,
    "points": [
        {"view": "top", "x": 0.5, "y": 0.6, "zone": "vertex",
         "depth": "superficial_intradermal", "volume_ml": 0.1},
    ],
    "zones": [
        {"view": "top", "zone": "frontal", "points_per_cm2": 1.0, "depth_mm": 1.5,
         "volume_ml": 1.0},
    ],
}  # fmt: skip


@dataclass
class Ready:
    setup: ClinicSetUp
    plan: Any
    course: Any
    booking: Booking
    lots: dict[str, Any]  # ingredient -> lot
    clinician: Actor
    practitioner: Actor

    @property
    def clinic(self) -> Any:
        return self.setup.clinic

    def record(self, **overrides: Any) -> dict[str, Any]:
        """A complete record of the session (times: the booking's half hour)."""
        start = self.booking.start
        return {
            "injection_map": MAP,
            "technique": "point_by_point",
            "needle_gauge": 32,
            "needle_length_mm": 4,
            "anaesthetic": "cooling",
            "started_at": start,
            "ended_at": start + dt.timedelta(minutes=20),
            "reactions": ["bleeding"],
            "notes": "Tolerated well.",
            "lots": [{"ingredient": i, "lot": lot.pk, "units": 1} for i, lot in self.lots.items()],
        } | overrides


def ready(setup: ClinicSetUp, *, consent: bool = True) -> Ready:
    three = setup.three
    plan = new_plan(three)
    course = book(setup, plan, who=setup.practitioner)
    booking = into_the_past(session(course, 1), dt.timedelta(minutes=30))
    clinician = Actor(user=three.a_clinician)
    if consent:
        consent_sign(
            actor=clinician,
            patient=three.a_patient,
            kind="treatment",
            plan=plan,
            signer_name="Ada Lovelace",
            signature_svg="",
            ticked=True,
        )
    lots = {}
    for ingredient in plan.document["ingredients"]:
        product = make_product(setup.clinic, ingredient["id"])
        lots[ingredient["id"]] = make_lot(product, f"{ingredient['id'][:3].upper()}-1")
    return Ready(setup, plan, course, booking, lots, clinician, Actor(user=setup.practitioner))


def started(r: Ready) -> TreatmentSession:
    return services.session_start(actor=r.practitioner, booking=r.booking)


def checked(r: Ready, **answers: Any) -> TreatmentSession:
    return services.session_precheck(
        actor=r.practitioner, session=started(r), answers={"checks": NO} | answers
    )


def recorded(r: Ready, **overrides: Any) -> TreatmentSession:
    return services.session_record(
        actor=r.practitioner, session=checked(r), data=r.record(**overrides)
    )
