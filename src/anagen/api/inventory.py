"""Inventory over the API: products with their stock, receiving lots, quarantine and recall, and
the patients exposed to a lot. The same services, permissions and audit as the inventory pages;
another clinic's product or lot is a 404."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from anagen.api.permissions import requires
from anagen.clinics.models import Membership
from anagen.clinics.roles import Perm, Role
from anagen.inventory import selectors, services
from anagen.inventory.models import Lot, Product
from anagen.inventory.usability import lot_problems
from anagen.web.request_info import actor_of

router = Router(tags=["inventory"])


class ProductIn(Schema):
    ingredient: str
    name: str
    concentration: str = ""
    maker: str
    unit: str = "vial"
    single_use: bool = True
    licensed: bool = True
    low_stock_units: int = 5
    is_active: bool = True


class LotIn(Schema):
    product: int
    number: str
    expiry: dt.date
    units: int
    supplier: str = ""


class StatusIn(Schema):
    status: str
    reason: str


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


def _product_json(product: Product) -> dict[str, Any]:
    fields = ("ingredient", "name", "concentration", "maker", "unit", "single_use", "licensed")
    data: dict[str, Any] = {"id": product.pk} | {f: getattr(product, f) for f in fields}
    return data | {
        "needs_policy": product.needs_policy,
        "policy_reason": product.policy_reason,
        "low_stock_units": product.low_stock_units,
        "is_active": product.is_active,
        "on_hand": getattr(product, "on_hand", None),
        "usable": getattr(product, "usable", None),
    }


def _lot_json(lot: Lot, today: dt.date) -> dict[str, Any]:
    return {
        "id": lot.pk,
        "product": lot.product_id,
        "number": lot.number,
        "expiry": lot.expiry.isoformat(),
        "quantity": lot.quantity,
        "status": lot.status,
        "status_reason": lot.status_reason,
        "problems": lot_problems(lot, on=today),
    }


@router.get("/products")
@requires(Perm.INVENTORY_VIEW)
def product_list(request: HttpRequest) -> Any:
    """The clinic's products with ``on_hand`` and ``usable`` units (available, unexpired)."""
    return [_product_json(p) for p in selectors.product_list(_clinic(request))]


@router.post("/products")
@requires(Perm.INVENTORY_MANAGE)
def product_create(request: HttpRequest, body: ProductIn) -> Any:
    product = services.product_save(
        actor=actor_of(request), clinic=_clinic(request), data=body.dict()
    )
    return _product_json(product)


@router.get("/lots")
@requires(Perm.INVENTORY_VIEW)
def lot_list(request: HttpRequest, product: int | None = None) -> Any:
    """Lots, first-expiring first, each with what would refuse it at a session today."""
    clinic = _clinic(request)
    only = selectors.product_get(clinic=clinic, product_id=product) if product else None
    today = selectors.clinic_today(clinic)
    return [_lot_json(lot, today) for lot in selectors.lot_list(clinic, only)]


@router.post("/lots")
@requires(Perm.INVENTORY_MANAGE)
def lot_receive(request: HttpRequest, body: LotIn) -> Any:
    """Receive stock: a new lot, or more of one already here."""
    clinic = _clinic(request)
    product = selectors.product_get(clinic=clinic, product_id=body.product)
    data = body.dict(exclude={"product"})
    lot = services.lot_receive(actor=actor_of(request), product=product, **data)
    return _lot_json(lot, selectors.clinic_today(clinic))


@router.post("/lots/{lot_id}/status")
@requires(Perm.LOT_RECALL)
def lot_status(request: HttpRequest, lot_id: int, body: StatusIn) -> Any:
    """Quarantine, recall (final) or release from quarantine, with a reason."""
    clinic = _clinic(request)
    lot = selectors.lot_get(clinic=clinic, lot_id=lot_id)
    services.lot_status_set(
        actor=actor_of(request), lot=lot, status=body.status, reason=body.reason
    )
    return _lot_json(lot, selectors.clinic_today(clinic))


def _chain(request: HttpRequest) -> list[Any]:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    if membership.role != Role.ADMIN:
        return []
    return selectors.chain_clinics(membership.user)


@router.get("/lots/{lot_id}/exposed")
@requires(Perm.RECALL_VIEW)
def lot_exposed(request: HttpRequest, lot_id: int, chain: bool = False) -> Any:
    """Every patient with a signed session that used the lot, with contact details; ``chain``
    widens it to a chain admin's other clinics. Audited: it reveals patients."""
    clinic = _clinic(request)
    lot = selectors.lot_get(clinic=clinic, lot_id=lot_id)
    rows = selectors.exposed(clinic, lot, chain=_chain(request) if chain else ())
    services.recall_list_open(
        actor=actor_of(request), clinic=clinic, lot=lot, rows=rows, export="api"
    )
    return [
        {
            "clinic": row.clinic.name,
            "patient": {
                "id": str(row.patient.pk),
                "number": row.patient.number,
                "given_name": row.patient.given_name,
                "family_name": row.patient.family_name,
                "date_of_birth": row.patient.date_of_birth.isoformat(),
                "phone": row.patient.phone,
                "email": row.patient.email,
            },
            "sessions": [
                {
                    "id": str(s.session_id),
                    "date": s.day.isoformat(),
                    "number": s.number,
                    "practitioner": s.practitioner,
                    "lot": s.lot_number,
                }
                for s in row.sessions
            ],
        }
        for row in rows
    ]
