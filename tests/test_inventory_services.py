"""Inventory services: products, the CI-23 policy, receiving, adjusting, quarantine and recall,
and the stock a session uses. Every refusal writes nothing; every write is audited."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.inventory import services
from anagen.inventory.models import Lot, LotStatus, MovementKind, Product, StockMovement
from anagen.scheduling.models import Course
from anagen.sessions.models import TreatmentSession
from tests.conftest import ThreeUsers, audit_count
from tests.scheduling_helpers import book, new_plan, session, set_up

TODAY = dt.date.today()
PRODUCT = {
    "ingredient": "dutasteride",
    "name": "Dutaspray",
    "concentration": "0.01%",
    "maker": "Meso Pharma",
    "unit": "vial",
    "single_use": True,
    "licensed": True,
    "low_stock_units": 5,
}


def actor(three: ThreeUsers) -> Actor:
    return Actor(user=three.a_clinician)


def new_product(three: ThreeUsers, **fields: Any) -> Product:
    return services.product_save(actor=actor(three), clinic=three.clinic_a, data=PRODUCT | fields)


def receive(three: ThreeUsers, product: Product, number: str = "AB12", **fields: Any) -> Lot:
    data: dict[str, Any] = {
        "number": number,
        "expiry": TODAY + dt.timedelta(days=200),
        "units": 10,
        "supplier": "Pharma Direct",
    } | fields
    return services.lot_receive(actor=actor(three), product=product, **data)


def open_session(booking: Any) -> TreatmentSession:
    """A session in progress for ``booking`` (the session service is another part's)."""
    return TreatmentSession.objects.create(
        clinic=booking.clinic,
        patient=booking.patient,
        booking=booking,
        plan=booking.course.plan,
        number=booking.number,
        practitioner=booking.practitioner,
        created_by=booking.practitioner,
    )


def booked_course(three: ThreeUsers, patient: Any = None, hour: int = 10) -> Course:
    return book(set_up(three), new_plan(three, patient), hour=hour)


def state(clinic: Any) -> tuple[Any, ...]:
    """What a refused write must leave untouched."""
    return (
        audit_count(),
        list(Product.objects.for_clinic(clinic).order_by("pk").values()),
        list(Lot.objects.for_clinic(clinic).order_by("pk").values()),
        list(StockMovement.objects.for_clinic(clinic).order_by("pk").values()),
    )


def last_audit() -> AuditEntry:
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None
    return entry


def refused(three: ThreeUsers, field: str, call: Any, *args: Any, **kwargs: Any) -> str:
    """Run a write that must be refused: it names ``field`` and leaves everything as it was."""
    before = state(three.clinic_a)
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert field in caught.value.message_dict, caught.value.message_dict
    assert state(three.clinic_a) == before
    return " ".join(caught.value.message_dict[field])


# Products --------------------------------------------------------------------------------------


def test_a_product_is_created_and_audited(three: ThreeUsers) -> None:
    before = audit_count()
    product = new_product(three)
    assert product.clinic == three.clinic_a and product.ingredient == "dutasteride"
    assert audit_count() == before + 1
    assert last_audit().action == "product.create"
    assert "Meso Pharma" not in last_audit().changes  # field names, never values


def test_a_product_needs_a_knowledge_base_ingredient(three: ThreeUsers) -> None:
    refused(
        three, "ingredient", services.product_save,
        actor=actor(three), clinic=three.clinic_a, data=PRODUCT | {"ingredient": "snake_oil"},
    )  # fmt: skip


def test_a_never_stocked_ingredient_is_refused_under_ci_23(three: ThreeUsers) -> None:
    message = refused(
        three, "ingredient", services.product_save,
        actor=actor(three), clinic=three.clinic_a,
        data=PRODUCT | {"ingredient": "homeopathic_multidose"},
    )  # fmt: skip
    assert "CI-23" in message


def test_the_same_product_twice_is_refused_whatever_the_case(three: ThreeUsers) -> None:
    new_product(three)
    refused(
        three, "name", services.product_save,
        actor=actor(three), clinic=three.clinic_a,
        data=PRODUCT | {"name": "DUTASPRAY", "maker": "meso pharma"},
    )  # fmt: skip


def test_a_products_missing_fields_are_each_named(three: ThreeUsers) -> None:
    before = state(three.clinic_a)
    with pytest.raises(ValidationError) as caught:
        services.product_save(
            actor=actor(three),
            clinic=three.clinic_a,
            data=PRODUCT | {"name": " ", "maker": "", "low_stock_units": -1},
        )
    assert {"name", "maker", "low_stock_units"} <= set(caught.value.message_dict)
    assert state(three.clinic_a) == before


def test_a_product_edit_is_audited_with_the_changed_fields(three: ThreeUsers) -> None:
    product = new_product(three)
    services.product_save(
        actor=actor(three),
        clinic=three.clinic_a,
        product=product,
        data=PRODUCT | {"low_stock_units": 8},
    )
    product.refresh_from_db()
    assert product.low_stock_units == 8
    assert last_audit().action == "product.update"
    assert last_audit().changes == ["low_stock_units"]


def test_a_products_ingredient_is_fixed_once_it_has_lots(three: ThreeUsers) -> None:
    product = new_product(three)
    receive(three, product)
    refused(
        three, "ingredient", services.product_save,
        actor=actor(three), clinic=three.clinic_a, product=product,
        data=PRODUCT | {"ingredient": "minoxidil"},
    )  # fmt: skip


def test_making_a_product_multi_dose_withdraws_its_policy(three: ThreeUsers) -> None:
    product = new_product(three, licensed=False)
    services.product_policy_set(actor=actor(three), product=product, reason="Named-patient import")
    services.product_save(
        actor=actor(three),
        clinic=three.clinic_a,
        product=product,
        data=PRODUCT | {"licensed": False, "single_use": False},
    )
    product.refresh_from_db()
    assert product.policy_reason == ""
    assert "policy_reason" in last_audit().changes


# The CI-23 policy ------------------------------------------------------------------------------


def test_a_policy_is_recorded_with_who_and_when(three: ThreeUsers) -> None:
    product = new_product(three, single_use=False)
    before = audit_count()
    services.product_policy_set(
        actor=actor(three), product=product, reason="  One vial per patient,  discarded after "
    )
    product.refresh_from_db()
    assert product.policy_reason == "One vial per patient, discarded after"
    assert product.policy_by == three.a_clinician and product.policy_at is not None
    assert audit_count() == before + 1 and last_audit().action == "product.policy_set"


def test_an_empty_reason_withdraws_the_policy(three: ThreeUsers) -> None:
    product = new_product(three, single_use=False)
    services.product_policy_set(actor=actor(three), product=product, reason="Reason")
    services.product_policy_set(actor=actor(three), product=product, reason="")
    product.refresh_from_db()
    assert product.policy_reason == ""
    assert last_audit().action == "product.policy_withdraw"


def test_a_policy_for_a_single_use_licensed_product_is_refused(three: ThreeUsers) -> None:
    product = new_product(three)
    refused(three, "reason", services.product_policy_set, actor=actor(three), product=product,
            reason="Not needed")  # fmt: skip


def test_withdrawing_a_policy_that_does_not_exist_is_refused(three: ThreeUsers) -> None:
    product = new_product(three, licensed=False)
    refused(three, "reason", services.product_policy_set, actor=actor(three), product=product,
            reason=" ")  # fmt: skip


# Receiving -------------------------------------------------------------------------------------


def test_receiving_a_new_lot_writes_a_receipt_and_an_audit_entry(three: ThreeUsers) -> None:
    product = new_product(three)
    before = audit_count()
    lot = receive(three, product, number=" ab 12 ")
    assert lot.number == "AB12" and lot.quantity == 10
    movement = StockMovement.objects.for_clinic(three.clinic_a).get(lot=lot)
    assert (movement.kind, movement.units, movement.supplier) == ("receipt", 10, "Pharma Direct")
    assert audit_count() == before + 1 and last_audit().action == "lot.receive"


def test_a_further_receipt_adds_to_the_same_lot(three: ThreeUsers) -> None:
    product = new_product(three)
    receive(three, product)
    lot = receive(three, product, number="ab12", units=5)
    assert lot.quantity == 15
    assert Lot.objects.for_clinic(three.clinic_a).count() == 1
    assert StockMovement.objects.for_clinic(three.clinic_a).filter(lot=lot).count() == 2
    assert last_audit().action == "lot.receive_more"


def test_a_further_receipt_with_another_expiry_is_refused(three: ThreeUsers) -> None:
    product = new_product(three)
    receive(three, product)
    refused(three, "expiry", receive, three, product, expiry=TODAY + dt.timedelta(days=100))


def test_an_expired_lot_is_refused_at_receipt(three: ThreeUsers) -> None:
    product = new_product(three)
    refused(three, "expiry", receive, three, product, expiry=TODAY - dt.timedelta(days=1))


def test_receiving_no_units_is_refused(three: ThreeUsers) -> None:
    product = new_product(three)
    refused(three, "units", receive, three, product, units=0)


def test_receiving_more_of_a_recalled_lot_is_refused(three: ThreeUsers) -> None:
    product = new_product(three)
    lot = receive(three, product)
    services.lot_status_set(actor=actor(three), lot=lot, status="recalled", reason="Maker recall")
    refused(three, "number", receive, three, product)


# Adjusting -------------------------------------------------------------------------------------


def test_a_discard_takes_units_out_with_its_reason(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    movement = services.lot_adjust(
        actor=actor(three), lot=lot, units=-3, kind="discard", reason="Dropped, broken"
    )
    lot.refresh_from_db()
    assert lot.quantity == 7
    assert (movement.kind, movement.units, movement.reason) == ("discard", -3, "Dropped, broken")
    assert last_audit().action == "lot.discard"


def test_a_count_adjustment_may_add_units(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    services.lot_adjust(actor=actor(three), lot=lot, units=2, kind="adjustment", reason="Recount")
    lot.refresh_from_db()
    assert lot.quantity == 12


def test_stock_never_goes_below_zero(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    refused(three, "units", services.lot_adjust, actor=actor(three), lot=lot, units=-11,
            kind="return", reason="Back to supplier")  # fmt: skip


def test_an_adjustment_needs_a_reason(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    refused(three, "reason", services.lot_adjust, actor=actor(three), lot=lot, units=-1,
            kind="discard", reason="  ")  # fmt: skip


def test_a_discard_that_adds_units_is_refused(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    refused(three, "units", services.lot_adjust, actor=actor(three), lot=lot, units=2,
            kind="discard", reason="Oops")  # fmt: skip


def test_an_adjustment_of_an_unknown_kind_is_refused(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    refused(three, "kind", services.lot_adjust, actor=actor(three), lot=lot, units=-1,
            kind="use", reason="Sneaky use")  # fmt: skip


# Quarantine, recall, release -------------------------------------------------------------------


def test_a_recall_records_the_reason_who_and_when(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    before = audit_count()
    services.lot_status_set(actor=actor(three), lot=lot, status="recalled", reason="Maker notice")
    lot.refresh_from_db()
    assert (lot.status, lot.status_reason, lot.status_by) == (
        "recalled",
        "Maker notice",
        three.a_clinician,
    )
    assert audit_count() == before + 1 and last_audit().action == "lot.recall"


def test_a_quarantined_lot_can_be_released(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    services.lot_status_set(actor=actor(three), lot=lot, status="quarantined", reason="Cloudy")
    services.lot_status_set(actor=actor(three), lot=lot, status="available", reason="Maker: fine")
    lot.refresh_from_db()
    assert lot.status == "available" and last_audit().action == "lot.release"


def test_a_recall_is_final(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    services.lot_status_set(actor=actor(three), lot=lot, status="recalled", reason="Maker notice")
    for status in ("available", "quarantined"):
        message = refused(three, "status", services.lot_status_set, actor=actor(three), lot=lot,
                          status=status, reason="Changed our mind")  # fmt: skip
        assert "final" in message


def test_releasing_an_available_lot_is_refused(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    refused(three, "status", services.lot_status_set, actor=actor(three), lot=lot,
            status="available", reason="Why not")  # fmt: skip


def test_a_status_change_needs_a_reason(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    refused(three, "reason", services.lot_status_set, actor=actor(three), lot=lot,
            status="quarantined", reason="")  # fmt: skip


# The stock a session uses ----------------------------------------------------------------------


def test_a_session_uses_units_of_a_lot(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    treatment = open_session(session(booked_course(three), 1))
    before = audit_count()
    movement = services.lot_consume(actor=actor(three), lot=lot, units=2, session=treatment)
    assert lot.quantity == 8
    lot.refresh_from_db()
    assert lot.quantity == 8
    assert (movement.kind, movement.units, movement.session) == (MovementKind.USE, -2, treatment)
    entry = last_audit()
    assert audit_count() == before + 1
    assert (entry.action, entry.patient_id) == ("lot.use", three.a_patient.pk)


def test_a_session_cannot_use_more_than_the_lot_holds(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three), units=1)
    treatment = open_session(session(booked_course(three), 1))
    message = refused(three, "lots", services.lot_consume, actor=actor(three), lot=lot, units=2,
                      session=treatment)  # fmt: skip
    assert "Dutaspray 0.01% lot AB12" in message


@pytest.mark.parametrize("status", [LotStatus.RECALLED, LotStatus.QUARANTINED])
def test_a_session_refuses_a_lot_taken_out_of_use(three: ThreeUsers, status: str) -> None:
    lot = receive(three, new_product(three))
    treatment = open_session(session(booked_course(three), 1))
    stale = Lot.objects.for_clinic(three.clinic_a).get(pk=lot.pk)  # read before the change
    services.lot_status_set(actor=actor(three), lot=lot, status=status, reason="Maker notice")
    message = refused(three, "lots", services.lot_consume, actor=actor(three), lot=stale, units=1,
                      session=treatment)  # fmt: skip
    assert "AB12" in message and status in message


def test_a_session_refuses_a_lot_expired_by_its_day(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three), expiry=TODAY + dt.timedelta(days=3))
    booking = session(booked_course(three), 1)  # a week ahead: after the expiry
    assert booking.start.date() > lot.expiry
    message = refused(three, "lots", services.lot_consume, actor=actor(three), lot=lot, units=1,
                      session=open_session(booking))  # fmt: skip
    assert "expired" in message


def test_a_session_refuses_a_multi_dose_product_without_a_policy(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three, single_use=False))
    treatment = open_session(session(booked_course(three), 1))
    message = refused(three, "lots", services.lot_consume, actor=actor(three), lot=lot, units=1,
                      session=treatment)  # fmt: skip
    assert "CI-23" in message


def test_a_session_accepts_a_multi_dose_product_with_a_policy(three: ThreeUsers) -> None:
    product = new_product(three, single_use=False)
    lot = receive(three, product)
    services.product_policy_set(
        actor=actor(three), product=product, reason="Single-patient vial, discarded at the end"
    )
    treatment = open_session(session(booked_course(three), 1))
    lot.product.refresh_from_db()
    services.lot_consume(actor=actor(three), lot=lot, units=1, session=treatment)
    lot.refresh_from_db()
    assert lot.quantity == 9


def test_a_session_refuses_another_clinics_lot(three: ThreeUsers) -> None:
    product_b = services.product_save(
        actor=Actor(user=three.b_clinician), clinic=three.clinic_b, data=PRODUCT
    )
    lot_b = services.lot_receive(
        actor=Actor(user=three.b_clinician),
        product=product_b,
        number="B1",
        expiry=TODAY + dt.timedelta(days=90),
        units=4,
        supplier="",
    )
    treatment = open_session(session(booked_course(three), 1))
    refused(three, "lots", services.lot_consume, actor=actor(three), lot=lot_b, units=1,
            session=treatment)  # fmt: skip
    lot_b.refresh_from_db()
    assert lot_b.quantity == 4
