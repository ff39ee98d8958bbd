"""The recall page and its exports: who got this lot, with contact details for reception.

Clinic B's clinician gets 404 on clinic A's recall page and exports; reception reads the list
(200) but cannot change the lot (403); opening and exporting the list are audited; a chain admin
can widen it to the same lot at their other clinic."""

import csv
import io
import re
from typing import Any

import pytest

from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.clinics.models import Membership
from anagen.clinics.roles import Role
from anagen.inventory import services as inventory
from anagen.inventory.models import Lot
from anagen.plans.models import TreatmentPlan
from anagen.scheduling import services as scheduling
from anagen.scheduling.models import Course
from anagen.sessions.models import LotUse, TreatmentSession
from tests.conftest import ThreeUsers, audit_count
from tests.scheduling_helpers import (
    ALL_WEEK,
    book,
    new_plan,
    other_patient,
    planned,
    session,
    set_up,
)
from tests.session_helpers import recorded_session
from tests.test_consultation_views import EXAM, PLAN
from tests.test_inventory_services import PRODUCT, TODAY, new_product, open_session, receive

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def course_in_b(three: ThreeUsers) -> Course:
    """Clinic B's patient with a booked course (clinic B set up like clinic A)."""
    client = three.client(three.b_clinician)
    response = client.post(f"/patients/{three.b_patient.pk}/consultations/new/", EXAM)
    consultation_id = response["Location"].split("/")[2]
    response = client.post(f"/consultations/{consultation_id}/plan/", PLAN)
    plan = TreatmentPlan.objects.for_clinic(three.clinic_b).get(
        pk=response["Location"].split("/")[2]
    )
    actor = Actor(user=three.b_clinician)
    scheduling.schedule_save(
        actor=actor, clinic=three.clinic_b, opening=ALL_WEEK, slot_minutes=15,
        session_minutes=30, protocol_minutes={}, reminder_hours=48,
    )  # fmt: skip
    scheduling.hours_save(
        actor=actor, clinic=three.clinic_b, practitioner=three.b_clinician, weekly=ALL_WEEK
    )
    room = scheduling.room_save(actor=actor, clinic=three.clinic_b, name="Room B")
    return scheduling.course_book(
        actor=actor, plan=plan, choices=planned(plan, three.b_clinician, room)
    )


class History:
    """Clinic A: lot AB12 (the recalled one) and lot CD34 of the same product. Ada Lovelace's
    sessions 1 and 2 used AB12 (2 also CD34); Grace Hopper's session 1 used CD34 only, her
    session 2 used AB12; Alan Hopper's open (unsigned) session 1 lists AB12."""

    def __init__(self, three: ThreeUsers) -> None:
        setup = set_up(three)
        product = new_product(three)
        self.lot = receive(three, product, "AB12")
        self.other = receive(three, product, "CD34")
        self.grace = other_patient(three, "Grace")
        self.alan = other_patient(three, "Alan")
        ada = book(setup, new_plan(three), hour=10)
        grace = book(setup, new_plan(three, self.grace), hour=11)
        alan = book(setup, new_plan(three, self.alan), hour=12)
        recorded_session(session(ada, 1), [self.lot])
        recorded_session(session(ada, 2), [self.lot, self.other])
        recorded_session(session(grace, 1), [self.other])
        recorded_session(session(grace, 2), [self.lot])
        unsigned = open_session(session(alan, 1))
        LotUse.objects.create(
            clinic=three.clinic_a, session=unsigned, ingredient="dutasteride", lot=self.lot
        )


@pytest.fixture
def history(three: ThreeUsers) -> History:
    return History(three)


def recall_url(lot: Lot, suffix: str = "/") -> str:
    return f"/lots/{lot.pk}/recall{suffix}"


def test_the_recall_page_lists_every_exposed_patient_with_contacts(
    three: ThreeUsers, history: History
) -> None:
    page = text(three.client(three.a_clinician).get(recall_url(history.lot)))
    assert "2 patients</strong>, 3 signed sessions used this lot" in page
    assert page.index("Hopper, Grace") < page.index("Lovelace, Ada")  # by name
    assert "Hopper, Alan" not in page  # his session is not signed
    assert "+44 7700 900123" in page and "mailto:ada@example.net" in page
    assert f'href="/patients/{three.a_patient.pk}/"' in page


def test_opening_the_recall_list_is_audited_for_each_patient(
    three: ThreeUsers, history: History
) -> None:
    before = audit_count()
    three.client(three.a_reception).get(recall_url(history.lot))
    entries = list(AuditEntry.objects.order_by("-id")[: audit_count() - before])
    assert {e.action for e in entries} == {"lot.recall_view"}
    assert {e.patient_id for e in entries} == {None, three.a_patient.pk, history.grace.pk}
    assert all(e.actor == "recep.a@example.org" for e in entries)


def test_reception_reads_the_recall_list_but_cannot_change_the_lot(
    three: ThreeUsers, history: History
) -> None:
    client = three.client(three.a_reception)
    response = client.get(recall_url(history.lot))
    assert response.status_code == 200
    assert "Lovelace, Ada" in text(response) and "Confirm" not in text(response)
    assert client.get(recall_url(history.lot, ".csv")).status_code == 200
    before = audit_count()
    response = client.post(recall_url(history.lot), {"status": "recalled", "reason": "x"})
    assert response.status_code == 403
    assert audit_count() == before
    history.lot.refresh_from_db()
    assert history.lot.status == "available"


def test_another_clinic_gets_404_on_the_recall_page_and_exports(
    three: ThreeUsers, history: History
) -> None:
    client = three.client(three.b_clinician)
    before = audit_count()
    for suffix in ("/", ".csv", ".pdf"):
        assert client.get(recall_url(history.lot, suffix)).status_code == 404, suffix
    assert (
        client.post(recall_url(history.lot), {"status": "recalled", "reason": "x"}).status_code
        == 404
    )
    assert audit_count() == before


def test_a_clinician_recalls_the_lot_from_the_recall_page(
    three: ThreeUsers, history: History
) -> None:
    client = three.client(three.a_clinician)
    response = client.post(
        recall_url(history.lot), {"status": "recalled", "reason": "Maker notice 2026/14"}
    )
    assert response.status_code == 302 and response["Location"] == recall_url(history.lot)
    history.lot.refresh_from_db()
    assert (history.lot.status, history.lot.status_reason) == ("recalled", "Maker notice 2026/14")
    page = text(client.get(recall_url(history.lot)))
    assert "Maker notice 2026/14" in page and "Confirm" not in page  # a recall is final


def test_a_recall_without_a_reason_is_refused_on_the_page(
    three: ThreeUsers, history: History
) -> None:
    response = three.client(three.a_clinician).post(
        recall_url(history.lot), {"status": "recalled", "reason": " "}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["reason"]
    history.lot.refresh_from_db()
    assert history.lot.status == "available"


def test_the_csv_export_lists_patients_and_is_audited(three: ThreeUsers, history: History) -> None:
    before = audit_count()
    response = three.client(three.a_clinician).get(recall_url(history.lot, ".csv"))
    assert response["Content-Disposition"] == 'attachment; filename="recall-lot-AB12.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["family name"], r["given name"], r["sessions"]) for r in rows] == [
        ("Hopper", "Grace", "1"),
        ("Lovelace", "Ada", "2"),
    ]
    assert rows[1]["phone"] == "+44 7700 900123" and rows[1]["date of birth"] == "1985-12-10"
    entries = AuditEntry.objects.order_by("-id")[: audit_count() - before]
    assert all(e.action == "lot.recall_export" and "csv" in e.changes for e in entries)
    assert len(entries) == 3


def test_a_formula_typed_as_a_name_does_not_run_in_a_spreadsheet(
    three: ThreeUsers, history: History
) -> None:
    history.grace.given_name = "=HYPERLINK(1)"
    history.grace.save()
    response = three.client(three.a_clinician).get(recall_url(history.lot, ".csv"))
    assert "'=HYPERLINK(1)" in response.content.decode()


def test_the_lot_page_counts_the_exposed_patients(three: ThreeUsers, history: History) -> None:
    page = text(three.client(three.a_clinician).get(f"/lots/{history.lot.pk}/"))
    assert "2 patients exposed" in page


# A chain ---------------------------------------------------------------------------------------


def chain_lot_in_b(three: ThreeUsers) -> Lot:
    """Clinic B typed the same product and lot with other spaces and case, and used it."""
    actor = Actor(user=three.b_clinician)
    product = inventory.product_save(
        actor=actor, clinic=three.clinic_b,
        data=PRODUCT | {"name": " dutaSPRAY", "concentration": "0.01 %", "maker": "MESO pharma"},
    )  # fmt: skip
    lot = inventory.lot_receive(
        actor=actor, product=product, number="ab12", expiry=TODAY.replace(year=TODAY.year + 1),
        units=5, supplier="",
    )  # fmt: skip
    recorded_session(session(course_in_b(three), 1), [lot])
    return lot


def test_a_chain_admin_widens_the_recall_to_their_other_clinic(
    three: ThreeUsers, history: History
) -> None:
    chain_lot_in_b(three)
    Membership.objects.create(user=three.a_admin, clinic=three.clinic_b, role=Role.ADMIN)
    client = three.client(three.a_admin)
    narrow = text(client.get(recall_url(history.lot)))
    assert "Whole chain (2 clinics" in narrow and "Bclinic" not in narrow
    before = audit_count()
    wide = text(client.get(recall_url(history.lot) + "?chain=1"))
    assert "Bclinic, Bea" in wide and "Clinic B" in wide and "3 patients" in wide
    b_entries = AuditEntry.objects.filter(clinic=three.clinic_b).order_by("-id")
    assert b_entries.filter(action="lot.recall_view", patient_id=three.b_patient.pk).exists()
    assert audit_count() == before + 4  # the list, and each of the three patients
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(recall_url(history.lot, ".csv?chain=1")).content.decode())
        )
    )
    assert [r["clinic"] for r in rows] == ["Clinic B", "Clinic A", "Clinic A"]


def test_only_a_chain_admin_may_widen_the_recall(three: ThreeUsers, history: History) -> None:
    chain_lot_in_b(three)
    Membership.objects.create(user=three.a_clinician, clinic=three.clinic_b, role=Role.ADMIN)
    page = text(three.client(three.a_clinician).get(recall_url(history.lot) + "?chain=1"))
    assert "Bclinic" not in page and "Whole chain" not in page  # a clinician at this clinic


def test_a_lot_unused_elsewhere_is_not_widened(three: ThreeUsers, history: History) -> None:
    Membership.objects.create(user=three.a_admin, clinic=three.clinic_b, role=Role.ADMIN)
    page = text(three.client(three.a_admin).get(recall_url(history.lot) + "?chain=1"))
    assert "2 patients" in page


def test_an_unsigned_sessions_lot_use_counts_nowhere(three: ThreeUsers, history: History) -> None:
    assert TreatmentSession.objects.for_clinic(three.clinic_a).filter(status="open").count() == 1
    page = text(three.client(three.a_clinician).get(recall_url(history.lot)))
    assert "Alan" not in page
