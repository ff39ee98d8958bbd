"""Inventory pages: products, receiving, a lot's page with its adjustments and status. Clinic B's
clinician gets 404 on clinic A's product and lot; reception may not manage inventory."""

import datetime as dt
import re
from typing import Any

import pytest

from anagen.inventory.models import Lot, Product, StockMovement
from tests.conftest import ThreeUsers, audit_count
from tests.test_inventory_services import TODAY, new_product, receive

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def stock(three: ThreeUsers) -> tuple[Product, Lot]:
    product = new_product(three)
    return product, receive(three, product)


def a_pages(product: Product, lot: Lot) -> list[str]:
    return [
        f"/inventory/products/{product.pk}/",
        f"/inventory/products/{product.pk}/edit/",
        f"/lots/{lot.pk}/",
    ]


def test_the_inventory_lists_products_with_usable_stock(three: ThreeUsers, stock: Any) -> None:
    response = three.client(three.a_clinician).get("/inventory/")
    assert response.status_code == 200
    page = text(response)
    assert "Dutaspray 0.01%" in page and "<strong>10</strong> vials" in page
    assert "Add product" in page and "Receive stock" in page


def test_another_clinics_product_and_lot_are_404(three: ThreeUsers, stock: Any) -> None:
    client = three.client(three.b_clinician)
    for url in a_pages(*stock):
        assert client.get(url).status_code == 404, url
    product, lot = stock
    for url in (
        f"/inventory/products/{product.pk}/policy/",
        f"/lots/{lot.pk}/adjust/",
        f"/lots/{lot.pk}/status/",
    ):
        assert client.post(url, {"reason": "x", "status": "recalled"}).status_code == 404, url
    assert "Dutaspray" not in text(client.get("/inventory/"))


def test_reception_may_not_see_or_manage_inventory(three: ThreeUsers, stock: Any) -> None:
    client = three.client(three.a_reception)
    _product, lot = stock
    for url in ["/inventory/", "/inventory/products/new/", "/inventory/receive/", *a_pages(*stock)]:
        assert client.get(url).status_code == 403, url
    before = audit_count()
    response = client.post(
        f"/lots/{lot.pk}/adjust/", {"kind": "discard", "units": "1", "reason": "x"}
    )
    assert response.status_code == 403
    assert audit_count() == before


def test_a_product_is_added_through_the_form(three: ThreeUsers) -> None:
    client = three.client(three.a_clinician)
    form = client.get("/inventory/products/new/")
    assert "homeopathic_multidose" not in form.content.decode()  # never stocked: CI-23
    response = client.post(
        "/inventory/products/new/",
        {
            "ingredient": "minoxidil",
            "name": "Minoxi-meso",
            "concentration": "0.5%",
            "maker": "Derma Lab",
            "unit": "ampoule",
            "single_use": "on",
            "licensed": "on",
            "low_stock_units": "4",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    product = Product.objects.for_clinic(three.clinic_a).get(name="Minoxi-meso")
    assert response["Location"] == f"/inventory/products/{product.pk}/"
    assert product.single_use and product.licensed and product.unit == "ampoule"


def test_a_product_form_error_is_shown_by_the_field(three: ThreeUsers, stock: Any) -> None:
    response = three.client(three.a_clinician).post(
        "/inventory/products/new/",
        {"ingredient": "dutasteride", "name": "dutaspray", "concentration": "0.01%",
         "maker": "Meso Pharma", "unit": "vial", "low_stock_units": "5"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.context["form"].errors["name"] == [
        "This clinic already has that product from that maker."
    ]


def test_a_multi_dose_products_page_asks_for_a_ci_23_policy(three: ThreeUsers) -> None:
    product = new_product(three, single_use=False)
    client = three.client(three.a_clinician)
    page = text(client.get(f"/inventory/products/{product.pk}/"))
    assert "rule CI-23" in page and "Refused at the session" in page
    response = client.post(
        f"/inventory/products/{product.pk}/policy/", {"reason": "One vial per patient"}
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.policy_reason == "One vial per patient"
    assert "Allowed" in text(client.get(f"/inventory/products/{product.pk}/"))


def test_a_practitioner_may_not_set_the_ci_23_policy(three: ThreeUsers) -> None:
    from tests.conftest import make_user

    practitioner = make_user(three.clinic_a, "practitioner", "p@example.org", "Prac")
    product = new_product(three, single_use=False)
    client = three.client(practitioner)
    assert "Record a policy" not in text(client.get(f"/inventory/products/{product.pk}/"))
    response = client.post(f"/inventory/products/{product.pk}/policy/", {"reason": "Mine"})
    assert response.status_code == 403


def test_stock_is_received_through_the_form(three: ThreeUsers) -> None:
    product = new_product(three)
    client = three.client(three.a_clinician)
    assert client.get(f"/inventory/receive/?product={product.pk}").status_code == 200
    response = client.post(
        "/inventory/receive/",
        {
            "product": str(product.pk),
            "number": "ZX9",
            "expiry": (TODAY + dt.timedelta(days=90)).isoformat(),
            "units": "6",
            "supplier": "Wholesaler",
        },
    )
    lot = Lot.objects.for_clinic(three.clinic_a).get(number="ZX9")
    assert response["Location"] == f"/lots/{lot.pk}/"
    assert lot.quantity == 6


def test_an_expired_lot_is_refused_on_the_receive_form(three: ThreeUsers) -> None:
    product = new_product(three)
    response = three.client(three.a_clinician).post(
        "/inventory/receive/",
        {"product": str(product.pk), "number": "OLD1", "units": "6",
         "expiry": (TODAY - dt.timedelta(days=1)).isoformat()},
    )  # fmt: skip
    assert response.status_code == 422
    assert "expired" in " ".join(response.context["form"].errors["expiry"])
    assert not Lot.objects.for_clinic(three.clinic_a).exists()


def test_another_clinics_product_cannot_be_received(three: ThreeUsers, stock: Any) -> None:
    product, _ = stock
    response = three.client(three.b_clinician).post(
        "/inventory/receive/",
        {"product": str(product.pk), "number": "Q1", "units": "1",
         "expiry": (TODAY + dt.timedelta(days=9)).isoformat()},
    )  # fmt: skip
    assert response.status_code == 422  # not one of clinic B's products
    assert Lot.objects.for_clinic(three.clinic_a).count() == 1


def test_a_lots_page_shows_its_movements_and_exposure(three: ThreeUsers, stock: Any) -> None:
    _, lot = stock
    page = text(three.client(three.a_clinician).get(f"/lots/{lot.pk}/"))
    assert "Received" in page and "+10" in page and "from Pharma Direct" in page
    assert "0 patients exposed" in page
    assert f'href="/lots/{lot.pk}/recall/"' in page


def test_a_discard_is_recorded_from_the_lot_page(three: ThreeUsers, stock: Any) -> None:
    _, lot = stock
    client = three.client(three.a_clinician)
    response = client.post(
        f"/lots/{lot.pk}/adjust/", {"kind": "discard", "units": "2", "reason": "Broken vial"}
    )
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.quantity == 8
    move = StockMovement.objects.for_clinic(three.clinic_a).filter(kind="discard").get()
    assert move.units == -2


def test_too_large_a_discard_is_shown_on_the_lot_page(three: ThreeUsers, stock: Any) -> None:
    _, lot = stock
    response = three.client(three.a_clinician).post(
        f"/lots/{lot.pk}/adjust/", {"kind": "return", "units": "11", "reason": "Back"}
    )
    assert response.status_code == 422
    assert "cannot go below zero" in text(response)
    lot.refresh_from_db()
    assert lot.quantity == 10


def test_a_lot_is_quarantined_from_its_page(three: ThreeUsers, stock: Any) -> None:
    _, lot = stock
    client = three.client(three.a_clinician)
    response = client.post(
        f"/lots/{lot.pk}/status/", {"status": "quarantined", "reason": "Cloudy solution"}
    )
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.status == "quarantined"
    page = text(client.get(f"/lots/{lot.pk}/"))
    assert "Cloudy solution" in page and "is quarantined" in page


def test_a_status_change_without_a_reason_is_shown_by_the_field(
    three: ThreeUsers, stock: Any
) -> None:
    _, lot = stock
    before = audit_count()
    response = three.client(three.a_clinician).post(
        f"/lots/{lot.pk}/status/", {"status": "recalled", "reason": ""}
    )
    assert response.status_code == 422
    assert response.context["status_form"].errors["reason"]
    assert audit_count() == before
