"""Real-browser test of a recall: a clinician opens a lot from the inventory, recalls it with a
reason, and sees the exposed patients listed with their contact details.

Screenshots of the inventory, product, lot and recall pages are left in test-artifacts/.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from anagen.inventory import services
from anagen.inventory.models import Lot
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_consultation_flow import log_in
from tests.conftest import ThreeUsers
from tests.session_helpers import make_lot
from tests.test_inventory_services import actor, new_product, receive
from tests.test_recall_views import History

pytestmark = pytest.mark.browser


def more_stock(three: ThreeUsers) -> None:
    """Products in several states, so the inventory page shows its warnings."""
    multi = new_product(three, ingredient="biotin", name="Biotin 5", concentration="5 mg/ml",
                        single_use=False, low_stock_units=2)  # fmt: skip
    receive(three, multi, "MB7", units=1)
    vitamins = new_product(three, ingredient="dexpanthenol", name="Panthenol meso")
    make_lot(vitamins, "OLD3", expiry=dt.date.today() - dt.timedelta(days=4), quantity=3)
    soon = receive(three, vitamins, "PX20", expiry=dt.date.today() + dt.timedelta(days=12))
    services.lot_status_set(actor=actor(three), lot=soon, status="quarantined", reason="Cloudy")


def test_a_clinician_recalls_a_lot_and_sees_who_got_it(page: Page, live_three: ThreeUsers) -> None:
    history = History(live_three)
    more_stock(live_three)
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_three.a_clinician.email)

    page.goto("/inventory/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inventory")
    page.screenshot(path=ARTIFACTS / "inventory.png", full_page=True)
    page.get_by_role("link", name="Dutaspray 0.01%").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dutaspray 0.01%")
    page.screenshot(path=ARTIFACTS / "inventory-product.png", full_page=True)
    page.get_by_role("link", name="AB12").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("lot AB12")
    page.screenshot(path=ARTIFACTS / "inventory-lot.png", full_page=True)

    page.get_by_role("link", name=re.compile("Recall list · 2 patients exposed")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recall list")
    page.get_by_label("Action").select_option("recalled")
    page.get_by_label("Reason").fill("Supplier notice 2026/14: possible contamination")
    page.get_by_role("button", name="Confirm").click()

    expect(page.locator(".messages")).to_contain_text("Lot AB12 is now recalled")
    expect(page.locator(".banner")).to_contain_text("possible contamination")
    rows = page.locator("table.recall-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Hopper, Grace")
    expect(rows.nth(1)).to_contain_text("Lovelace, Ada")
    expect(rows.nth(1)).to_contain_text("+44 7700 900123")
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)  # a recall is final
    page.screenshot(path=ARTIFACTS / "recall.png", full_page=True)
    lot = Lot.objects.for_clinic(live_three.clinic_a).get(pk=history.lot.pk)
    assert lot.status == "recalled"

    page.goto("/inventory/products/new/")
    page.screenshot(path=ARTIFACTS / "inventory-product-form.png", full_page=True)
    page.goto("/inventory/receive/")
    page.screenshot(path=ARTIFACTS / "inventory-receive.png", full_page=True)
    multi = Lot.objects.for_clinic(live_three.clinic_a).get(number="MB7").product
    page.goto(f"/inventory/products/{multi.pk}/")
    expect(page.get_by_role("heading", name="Clinic policy (rule CI-23)")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "inventory-ci23.png", full_page=True)
