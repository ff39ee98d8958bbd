"""Inventory reads: stock totals, the session's lot picker, and the dashboard's stock warnings
(low stock, and lots expiring within 30 days or expired with stock left)."""

import datetime as dt

import pytest

from anagen.inventory import selectors
from anagen.inventory.selectors import EXPIRY_SOON_DAYS
from tests.conftest import ThreeUsers
from tests.session_helpers import make_lot, make_product

pytestmark = pytest.mark.django_db

DAY = dt.date.today()


def days(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def test_the_expiry_warning_starts_exactly_30_days_ahead(three: ThreeUsers) -> None:
    product = make_product(three.clinic_a, low_stock_units=0)
    make_lot(product, "EDGE", expiry=days(EXPIRY_SOON_DAYS))
    make_lot(product, "LATER", expiry=days(EXPIRY_SOON_DAYS + 1))
    expiring = selectors.stock_warnings(three.clinic_a, DAY)["expiring"]
    assert [(e.lot.number, e.days_left, e.expired) for e in expiring] == [("EDGE", 30, False)]


def test_an_expired_lot_with_stock_is_warned_of_and_an_empty_one_is_not(
    three: ThreeUsers,
) -> None:
    product = make_product(three.clinic_a, low_stock_units=0)
    make_lot(product, "OLD", expiry=days(-1), quantity=2)
    make_lot(product, "GONE", expiry=days(-1), quantity=0)
    make_lot(product, "TODAY", expiry=DAY, quantity=1)
    expiring = selectors.stock_warnings(three.clinic_a, DAY)["expiring"]
    assert [(e.lot.number, e.expired) for e in expiring] == [("OLD", True), ("TODAY", False)]


def test_a_recalled_lot_is_left_to_its_recall(three: ThreeUsers) -> None:
    product = make_product(three.clinic_a, low_stock_units=0)
    make_lot(product, "R1", expiry=days(3), status="recalled", status_reason="Maker")
    assert selectors.stock_warnings(three.clinic_a, DAY)["expiring"] == []


def test_low_stock_counts_only_usable_units_and_includes_the_threshold(
    three: ThreeUsers,
) -> None:
    at_threshold = make_product(three.clinic_a, "dutasteride", low_stock_units=5)
    make_lot(at_threshold, "A", quantity=5)
    make_lot(at_threshold, "Q", quantity=50, status="quarantined", status_reason="Check")
    make_lot(at_threshold, "X", quantity=50, expiry=days(-1))
    above = make_product(three.clinic_a, "biotin", low_stock_units=5)
    make_lot(above, "B", quantity=6)
    retired = make_product(three.clinic_a, "minoxidil", is_active=False)
    low = selectors.stock_warnings(three.clinic_a, DAY)["low_stock"]
    assert [(w.product.pk, w.usable) for w in low] == [(at_threshold.pk, 5)]
    assert retired.pk not in {w.product.pk for w in low}


def test_a_product_with_no_lots_is_low_on_stock(three: ThreeUsers) -> None:
    product = make_product(three.clinic_a)
    (warning,) = selectors.stock_warnings(three.clinic_a, DAY)["low_stock"]
    assert (warning.product, warning.usable) == (product, 0)


def test_stock_warnings_stay_inside_the_clinic(three: ThreeUsers) -> None:
    make_lot(make_product(three.clinic_b), "B1", expiry=days(2))
    warnings = selectors.stock_warnings(three.clinic_a, DAY)
    assert warnings == {"low_stock": [], "expiring": []}


def test_the_product_list_totals_usable_and_on_hand_units(three: ThreeUsers) -> None:
    product = make_product(three.clinic_a)
    make_lot(product, "A", quantity=3)
    make_lot(product, "B", quantity=4, status="recalled", status_reason="Maker")
    (listed,) = selectors.product_list(three.clinic_a, today=DAY)
    assert (listed.on_hand, listed.usable) == (7, 3)  # type: ignore[attr-defined]


def test_the_lot_picker_offers_usable_lots_first_expiring_first(three: ThreeUsers) -> None:
    product = make_product(three.clinic_a)
    make_lot(product, "LATE", expiry=days(200))
    make_lot(product, "SOON", expiry=days(20))
    make_lot(product, "EMPTY", expiry=days(10), quantity=0)
    make_lot(product, "HELD", expiry=days(5), status="quarantined", status_reason="Check")
    make_lot(product, "PAST", expiry=days(-1))
    other = make_product(three.clinic_a, "biotin")
    make_lot(other, "BIO", expiry=days(1))
    lots = selectors.usable_lots(three.clinic_a, "dutasteride", on=DAY)
    assert [lot.number for lot in lots] == ["SOON", "LATE"]
    later = selectors.usable_lots(three.clinic_a, "dutasteride", on=days(21))
    assert [lot.number for lot in later] == ["LATE"]


def test_the_lot_picker_leaves_out_a_multi_dose_product_without_a_policy(
    three: ThreeUsers,
) -> None:
    multi = make_product(three.clinic_a, single_use=False, name="Multi")
    make_lot(multi, "M1")
    assert selectors.usable_lots(three.clinic_a, "dutasteride", on=DAY) == []
    multi.policy_reason = "One patient per vial"
    multi.save()
    assert [lot.number for lot in selectors.usable_lots(three.clinic_a, "dutasteride", on=DAY)] == [
        "M1"
    ]
