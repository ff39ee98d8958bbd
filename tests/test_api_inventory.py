"""Inventory over the JSON API: products, receiving lots, status changes and the exposed
patients; bad input names the field and writes nothing; another clinic's objects are 404;
reception reads the exposed patients but may not manage stock."""

import datetime as dt
from typing import Any

import pytest

from anagen.inventory.models import Lot, Product
from tests.conftest import ThreeUsers, audit_count
from tests.test_api import error_fields, with_token
from tests.test_inventory_services import PRODUCT, TODAY, new_product, receive, state
from tests.test_recall_views import History

pytestmark = pytest.mark.django_db


def lot_body(product: Product, **fields: Any) -> dict[str, Any]:
    expiry = (TODAY + dt.timedelta(days=120)).isoformat()
    return {"product": product.pk, "number": "QX1", "expiry": expiry, "units": 4} | fields


def test_products_are_listed_with_their_stock(three: ThreeUsers) -> None:
    receive(three, new_product(three))
    (product,) = with_token(three.a_clinician).get("/products").json()
    assert (product["name"], product["on_hand"], product["usable"]) == ("Dutaspray", 10, 10)
    assert product["needs_policy"] is False


def test_a_product_is_created_and_audited(three: ThreeUsers) -> None:
    api = with_token(three.a_clinician)
    before = audit_count()
    response = api.post("/products", PRODUCT | {"single_use": False})
    assert response.status_code == 200, response.content
    assert response.json()["needs_policy"] is True
    assert audit_count() == before + 1


def test_a_never_stocked_product_is_refused_naming_the_field(three: ThreeUsers) -> None:
    api = with_token(three.a_clinician)
    before = state(three.clinic_a)
    response = api.post("/products", PRODUCT | {"ingredient": "mesoglycan"})
    assert response.status_code == 422
    assert error_fields(response) == {"ingredient"}
    assert state(three.clinic_a) == before


def test_a_lot_is_received_and_listed(three: ThreeUsers) -> None:
    product = new_product(three)
    api = with_token(three.a_clinician)
    response = api.post("/lots", lot_body(product))
    assert response.status_code == 200, response.content
    assert response.json()["quantity"] == 4 and response.json()["problems"] == []
    (lot,) = api.get(f"/lots?product={product.pk}").json()
    assert lot["number"] == "QX1"


def test_an_expired_lot_is_refused_naming_the_expiry(three: ThreeUsers) -> None:
    product = new_product(three)
    api = with_token(three.a_clinician)
    before = state(three.clinic_a)
    expired = (TODAY - dt.timedelta(days=2)).isoformat()
    response = api.post("/lots", lot_body(product, expiry=expired))
    assert response.status_code == 422 and error_fields(response) == {"expiry"}
    assert state(three.clinic_a) == before


def test_a_lot_is_recalled_with_a_reason(three: ThreeUsers) -> None:
    lot = receive(three, new_product(three))
    api = with_token(three.a_clinician)
    response = api.post(f"/lots/{lot.pk}/status", {"status": "recalled", "reason": "Maker"})
    assert response.status_code == 200
    assert response.json()["status"] == "recalled"
    assert "is recalled" in response.json()["problems"][0]
    again = api.post(f"/lots/{lot.pk}/status", {"status": "available", "reason": "Undo"})
    assert again.status_code == 422 and error_fields(again) == {"status"}


def test_another_clinics_product_and_lot_are_404(three: ThreeUsers) -> None:
    product = new_product(three)
    lot = receive(three, product)
    api = with_token(three.b_clinician)
    before = state(three.clinic_a)
    assert api.get("/products").json() == []
    assert api.get(f"/lots?product={product.pk}").status_code == 404
    assert api.post("/lots", lot_body(product)).status_code == 404
    status = {"status": "recalled", "reason": "x"}
    assert api.post(f"/lots/{lot.pk}/status", status).status_code == 404
    assert api.get(f"/lots/{lot.pk}/exposed").status_code == 404
    assert state(three.clinic_a) == before


def test_reception_may_not_manage_stock(three: ThreeUsers) -> None:
    product = new_product(three)
    lot = receive(three, product)
    api = with_token(three.a_reception)
    before = state(three.clinic_a)
    assert api.get("/products").status_code == 403
    assert api.get("/lots").status_code == 403
    assert api.post("/products", PRODUCT | {"name": "Other"}).status_code == 403
    assert api.post("/lots", lot_body(product)).status_code == 403
    status = {"status": "recalled", "reason": "x"}
    assert api.post(f"/lots/{lot.pk}/status", status).status_code == 403
    assert state(three.clinic_a) == before


def test_the_exposed_patients_are_listed_and_the_reading_audited(three: ThreeUsers) -> None:
    history = History(three)
    api = with_token(three.a_reception)
    before = audit_count()
    response = api.get(f"/lots/{history.lot.pk}/exposed")
    assert response.status_code == 200
    rows = response.json()
    assert [r["patient"]["family_name"] + " " + r["patient"]["given_name"] for r in rows] == [
        "Hopper Grace",
        "Lovelace Ada",
    ]
    assert rows[1]["patient"]["phone"] == "+44 7700 900123"
    assert [s["number"] for s in rows[1]["sessions"]] == [1, 2]
    assert audit_count() == before + 3
    assert Lot.objects.for_clinic(three.clinic_a).get(pk=history.lot.pk).status == "available"
