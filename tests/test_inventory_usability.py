"""Whether a lot may be used at a session on a given day: each reason, named with the lot."""

import datetime as dt
from typing import Any

from anagen.inventory.models import Lot, Product
from anagen.inventory.usability import lot_problems

DAY = dt.date(2025, 6, 1)


def lot(**fields: Any) -> Lot:
    product_fields = {
        k: fields.pop(k) for k in ("single_use", "licensed", "policy_reason") if k in fields
    }
    product = Product(
        ingredient="dutasteride", name="Dutaspray", concentration="0.01%", maker="M",
        **product_fields,
    )  # fmt: skip
    values = {"number": "AB12", "expiry": DAY, "quantity": 3, "status": "available"} | fields
    return Lot(product=product, **values)


def test_a_good_lot_has_no_problems() -> None:
    assert lot_problems(lot(), on=DAY) == []


def test_a_lot_is_usable_on_its_expiry_day_and_not_the_day_after() -> None:
    assert lot_problems(lot(expiry=DAY), on=DAY) == []
    (problem,) = lot_problems(lot(expiry=DAY), on=DAY + dt.timedelta(days=1))
    assert problem == "Dutaspray 0.01% lot AB12 expired on 01 Jun 2025."


def test_a_recalled_lot_is_refused_with_its_reason() -> None:
    (problem,) = lot_problems(lot(status="recalled", status_reason="Maker notice 12"), on=DAY)
    assert "lot AB12 is recalled" in problem and "Maker notice 12" in problem


def test_a_quarantined_lot_is_refused() -> None:
    (problem,) = lot_problems(lot(status="quarantined", status_reason="Cloudy"), on=DAY)
    assert "lot AB12 is quarantined" in problem


def test_an_empty_lot_is_refused() -> None:
    (problem,) = lot_problems(lot(quantity=0), on=DAY)
    assert problem == "Dutaspray 0.01% lot AB12 has no stock left."


def test_a_multi_dose_product_without_a_policy_is_refused_under_ci_23() -> None:
    (problem,) = lot_problems(lot(single_use=False), on=DAY)
    assert "CI-23" in problem and "Multi-dose" in problem and "lot AB12" in problem


def test_an_unlicensed_product_without_a_policy_is_refused_under_ci_23() -> None:
    (problem,) = lot_problems(lot(licensed=False, single_use=False), on=DAY)
    assert "CI-23" in problem and "Multi-dose and unlicensed" in problem


def test_a_clinic_policy_allows_a_multi_dose_product() -> None:
    assert lot_problems(lot(single_use=False, policy_reason="One patient per vial"), on=DAY) == []


def test_a_blank_policy_reason_is_no_policy() -> None:
    assert len(lot_problems(lot(licensed=False, policy_reason="   "), on=DAY)) == 1


def test_every_reason_is_given_at_once() -> None:
    bad = lot(
        expiry=DAY - dt.timedelta(days=1),
        status="recalled",
        status_reason="Maker",
        quantity=0,
        licensed=False,
    )
    problems = lot_problems(bad, on=DAY)
    assert len(problems) == 4
    assert all("lot AB12" in p for p in problems)
