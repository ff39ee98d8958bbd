"""The recall list returns exactly the exposed patients: over random session histories (several
patients, sessions signed or still open, each using a random subset of a few lots), ``exposed``
equals the patients and sessions found by brute force from the history itself."""

from typing import Any

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from anagen.inventory import selectors
from anagen.inventory.models import Lot
from anagen.sessions.models import LotUse
from tests.conftest import ThreeUsers
from tests.scheduling_helpers import book, new_plan, other_patient, session, set_up
from tests.session_helpers import make_lot, make_product, recorded_session
from tests.test_inventory_services import open_session

pytestmark = pytest.mark.django_db

LOTS = 3
# One patient's history: up to four sessions, each signed or not, each using a set of lots.
a_session = st.tuples(st.booleans(), st.frozensets(st.integers(0, LOTS - 1), min_size=1))
a_history = st.lists(st.lists(a_session, max_size=4), min_size=4, max_size=4)


class Rollback(Exception):
    """Ends an example, undoing the sessions it wrote."""


def write(
    courses: list[Any], lots: list[Lot], history: list[list[tuple[bool, frozenset[int]]]]
) -> None:
    for course, sessions in zip(courses, history, strict=True):
        for number, (signed, used) in enumerate(sessions, start=1):
            chosen = [lots[i] for i in sorted(used)]
            if signed:
                recorded_session(session(course, number), chosen)
            else:
                treatment = open_session(session(course, number))
                for lot in chosen:
                    LotUse.objects.create(
                        clinic=lot.clinic, session=treatment, ingredient="dutasteride", lot=lot
                    )


def brute_force(
    courses: list[Any], history: list[list[tuple[bool, frozenset[int]]]], lot_index: int
) -> dict[Any, list[int]]:
    expected: dict[Any, list[int]] = {}
    for course, sessions in zip(courses, history, strict=True):
        numbers = [
            n for n, (signed, used) in enumerate(sessions, 1) if signed and lot_index in used
        ]
        if numbers:
            expected[course.patient_id] = numbers
    return expected


def test_exposed_is_exactly_the_patients_who_got_the_lot(three: ThreeUsers) -> None:
    setup = set_up(three)
    patients = [three.a_patient] + [other_patient(three, n) for n in ("Grace", "Alan", "Mary")]
    courses = [book(setup, new_plan(three, p), hour=10 + i) for i, p in enumerate(patients)]
    product = make_product(three.clinic_a)
    lots = [make_lot(product, f"L{i}") for i in range(LOTS)]
    names = {p.pk: (p.family_name, p.given_name) for p in patients}

    @settings(max_examples=15, deadline=None)
    @given(history=a_history)
    def check(history: list[list[tuple[bool, frozenset[int]]]]) -> None:
        try:
            with transaction.atomic():
                write(courses, lots, history)
                for index, lot in enumerate(lots):
                    rows = selectors.exposed(three.clinic_a, lot)
                    found = {r.patient.pk: [s.number for s in r.sessions] for r in rows}
                    assert found == brute_force(courses, history, index)
                    order = [names[r.patient.pk] for r in rows]
                    assert order == sorted(order)
                raise Rollback
        except Rollback:
            pass

    check()
