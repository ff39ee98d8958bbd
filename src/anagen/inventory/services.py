"""Products, the CI-23 policy, lots and every change of stock.

A lot's quantity changes only here, each time with a StockMovement and an audit entry in the same
transaction, so the movements always explain the count. Refusals raise ``ValidationError`` naming
the field before anything is written; the lot row is locked before its quantity or status changes,
and the database keeps quantities from going below zero whatever two writers do at once.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from anagen.audit.services import Actor, audit_record
from anagen.clinics.models import Clinic
from anagen.core import knowledge
from anagen.inventory.models import Lot, LotStatus, MovementKind, Product, StockMovement
from anagen.inventory.selectors import clinic_today
from anagen.inventory.usability import CI_23, lot_problems
from anagen.sessions.selectors import session_day

PRODUCT_FIELDS = (
    "ingredient",
    "name",
    "concentration",
    "maker",
    "unit",
    "single_use",
    "licensed",
    "low_stock_units",
    "is_active",
)
TEXT_LIMITS = {"name": 120, "concentration": 40, "maker": 120, "unit": 20}
ADJUST_KINDS = (MovementKind.ADJUSTMENT, MovementKind.DISCARD, MovementKind.RETURN)
STATUS_ACTIONS = {
    LotStatus.QUARANTINED: "lot.quarantine",
    LotStatus.RECALLED: "lot.recall",
    LotStatus.AVAILABLE: "lot.release",
}


def _audit(
    actor: Actor, clinic: Clinic, action: str, obj: Any, changes: Iterable[str], patient: Any = None
) -> None:
    audit_record(
        actor=actor.user,
        clinic=clinic,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        patient_id=patient,
        changes=changes,
        ip_address=actor.ip_address,
    )


# Products --------------------------------------------------------------------------------------


def _product_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The product's fields from ``data``, cleaned; ValidationError names each bad field."""
    values = {
        "ingredient": str(data.get("ingredient") or "").strip(),
        "name": " ".join(str(data.get("name") or "").split()),
        "concentration": " ".join(str(data.get("concentration") or "").split()),
        "maker": " ".join(str(data.get("maker") or "").split()),
        "unit": str(data.get("unit") or "vial").strip(),
        "single_use": bool(data.get("single_use", True)),
        "licensed": bool(data.get("licensed", True)),
        "low_stock_units": data.get("low_stock_units", 5),
        "is_active": bool(data.get("is_active", True)),
    }
    errors: dict[str, str] = {}
    known = knowledge.load().ingredients
    ingredient = known.get(values["ingredient"])
    if ingredient is None:
        errors["ingredient"] = "Choose an ingredient from the knowledge base."
    elif not ingredient.stocked:
        errors["ingredient"] = (
            f"{ingredient.name} is never stocked (rule {CI_23}: multi-dose, homeopathic and "
            "unlicensed preparations caused the mesotherapy mycobacterial outbreaks)."
        )
    for field in ("name", "maker", "unit"):
        if not values[field]:
            errors[field] = "Required."
    for field, limit in TEXT_LIMITS.items():
        if len(values[field]) > limit:
            errors[field] = f"At most {limit} characters."
    low = values["low_stock_units"]
    if not isinstance(low, int) or isinstance(low, bool) or not 0 <= low <= 100_000:
        errors["low_stock_units"] = "Give a whole number of units, 0 or more."
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def product_save(
    *, actor: Actor, clinic: Clinic, product: Product | None = None, data: Mapping[str, Any]
) -> Product:
    """Create a product, or edit ``product``. Its ingredient must be one the knowledge base
    stocks; it cannot change once the product has lots (their sessions name the ingredient).
    Changing whether it is single-use or licensed withdraws its CI-23 policy: the clinic decides
    again about what the product now is."""
    values = _product_values(data)
    same = Product.objects.for_clinic(clinic).filter(
        name__iexact=values["name"],
        concentration__iexact=values["concentration"],
        maker__iexact=values["maker"],
    )
    if product is not None:
        same = same.exclude(pk=product.pk)
    if same.exists():
        raise ValidationError({"name": "This clinic already has that product from that maker."})
    if product is None:
        created: Product = Product.objects.for_clinic(clinic).create(clinic=clinic, **values)
        _audit(actor, clinic, "product.create", created, values)
        return created
    if values["ingredient"] != product.ingredient and product.lots.exists():
        raise ValidationError(
            {"ingredient": "This product has lots; add a new product for another ingredient."}
        )
    changed = [f for f in PRODUCT_FIELDS if getattr(product, f) != values[f]]
    if not changed:
        return product
    kind_changed = {"single_use", "licensed"} & set(changed)
    for field in changed:
        setattr(product, field, values[field])
    if kind_changed and product.policy_reason:
        product.policy_reason, product.policy_by, product.policy_at = "", actor.user, timezone.now()
        changed.append("policy_reason")
    product.save()
    _audit(actor, clinic, "product.update", product, changed)
    return product


@transaction.atomic
def product_policy_set(*, actor: Actor, product: Product, reason: str) -> Product:
    """Record why the clinic allows a multi-dose or unlicensed product (rule CI-23), or withdraw
    that allowance with an empty reason. Who decided, and when, is kept either way."""
    reason = " ".join(reason.split())
    if not product.needs_policy:
        raise ValidationError(
            {"reason": f"This product is single-use and licensed; {CI_23} does not apply to it."}
        )
    if len(reason) > 500:
        raise ValidationError({"reason": "At most 500 characters."})
    if not reason and not product.policy_reason:
        raise ValidationError({"reason": "There is no policy to withdraw; write the reason."})
    product.policy_reason = reason
    product.policy_by = actor.user
    product.policy_at = timezone.now()
    product.save(update_fields=["policy_reason", "policy_by", "policy_at"])
    action = "product.policy_set" if reason else "product.policy_withdraw"
    _audit(actor, product.clinic, action, product, ["policy_reason"])
    return product


# Lots ------------------------------------------------------------------------------------------


def _locked(lot: Lot) -> Lot:
    locked: Lot = (
        Lot.objects.for_clinic(lot.clinic)
        .select_for_update(of=("self",))
        .select_related("product")
        .get(pk=lot.pk)
    )
    return locked


def _move(
    actor: Actor, lot: Lot, kind: str, units: int, *, session: Any = None, **text: str
) -> StockMovement:
    """Change a locked lot's quantity by ``units`` and write the movement that explains it."""
    lot.quantity += units
    lot.save(update_fields=["quantity"])
    movement: StockMovement = StockMovement.objects.for_clinic(lot.clinic).create(
        clinic=lot.clinic, lot=lot, kind=kind, units=units, session=session, by=actor.user, **text
    )
    return movement


def _units(units: Any, field: str = "units") -> int:
    if not isinstance(units, int) or isinstance(units, bool) or not 1 <= units <= 100_000:
        raise ValidationError({field: "Give a whole number of units, at least 1."})
    return units


@transaction.atomic
def lot_receive(
    *, actor: Actor, product: Product, number: str, expiry: dt.date, units: int, supplier: str
) -> Lot:
    """Receive ``units`` of lot ``number``: a new lot, or more of one already here (the same
    number, compared without regard to case, must then carry the same expiry). An expired lot
    and a recalled one are refused."""
    number = "".join(number.split()).upper()
    supplier = " ".join(supplier.split())
    units = _units(units)
    clinic = product.clinic
    if not number or len(number) > 60:
        raise ValidationError({"number": "Give the lot number printed on the box."})
    if len(supplier) > 120:
        raise ValidationError({"supplier": "At most 120 characters."})
    if not product.is_active:
        raise ValidationError({"product": "This product is no longer stocked; reactivate it."})
    if expiry < clinic_today(clinic):
        raise ValidationError(
            {"expiry": f"This lot expired on {expiry:%d %b %Y}; do not stock it."}
        )
    lot = Lot.objects.for_clinic(clinic).filter(product=product, number__iexact=number).first()
    if lot is None:
        lot = Lot.objects.for_clinic(clinic).create(
            clinic=clinic, product=product, number=number, expiry=expiry
        )
        action = "lot.receive"
    else:
        lot = _locked(lot)
        if lot.expiry != expiry:
            raise ValidationError(
                {"expiry": f"Lot {lot.number} is recorded with expiry {lot.expiry:%d %b %Y}."}
            )
        if lot.status == LotStatus.RECALLED:
            raise ValidationError({"number": f"Lot {lot.number} is recalled; do not stock it."})
        action = "lot.receive_more"
    _move(actor, lot, MovementKind.RECEIPT, units, supplier=supplier)
    _audit(actor, clinic, action, lot, ["quantity", "number", "expiry", "supplier"])
    return lot


@transaction.atomic
def lot_adjust(*, actor: Actor, lot: Lot, units: int, kind: str, reason: str) -> StockMovement:
    """A stock count adjustment (``units`` + or -), a discard or a return to the supplier
    (``units`` negative). Never below zero; a reason is required."""
    reason = " ".join(reason.split())
    if kind not in ADJUST_KINDS:
        raise ValidationError({"kind": "Choose an adjustment, a discard or a return."})
    if not isinstance(units, int) or isinstance(units, bool) or units == 0:
        raise ValidationError({"units": "Give a whole number of units, not 0."})
    if kind != MovementKind.ADJUSTMENT and units > 0:
        raise ValidationError({"units": "A discard or return takes units out: use a minus."})
    if not reason:
        raise ValidationError({"reason": "Say why the stock changes."})
    if len(reason) > 250:
        raise ValidationError({"reason": "At most 250 characters."})
    locked = _locked(lot)
    if locked.quantity + units < 0:
        raise ValidationError(
            {"units": f"Lot {locked.number} holds {locked.quantity}; it cannot go below zero."}
        )
    movement = _move(actor, locked, kind, units, reason=reason)
    lot.quantity = locked.quantity
    _audit(actor, lot.clinic, f"lot.{kind}", locked, ["quantity", "reason"])
    return movement


ALLOWED_STATUS = {
    LotStatus.AVAILABLE: {LotStatus.QUARANTINED, LotStatus.RECALLED},
    LotStatus.QUARANTINED: {LotStatus.RECALLED, LotStatus.AVAILABLE},
    LotStatus.RECALLED: set(),
}


@transaction.atomic
def lot_status_set(*, actor: Actor, lot: Lot, status: str, reason: str) -> Lot:
    """Quarantine or recall a lot, or release a quarantined one; a recall is final. A reason is
    required for each."""
    reason = " ".join(reason.split())
    if status not in STATUS_ACTIONS:
        raise ValidationError({"status": "Choose quarantine, recall or release."})
    if not reason:
        raise ValidationError({"reason": "Give the reason (the supplier's notice, the finding)."})
    if len(reason) > 500:
        raise ValidationError({"reason": "At most 500 characters."})
    locked = _locked(lot)
    if status not in ALLOWED_STATUS[LotStatus(locked.status)]:
        current = locked.get_status_display().lower()
        final = " A recall is final." if locked.status == LotStatus.RECALLED else ""
        verb = "released" if status == LotStatus.AVAILABLE else f"made {status}"
        raise ValidationError(
            {"status": f"Lot {locked.number} is {current}; it cannot be {verb}.{final}"}
        )
    locked.status, locked.status_reason = status, reason
    locked.status_at, locked.status_by = timezone.now(), actor.user
    locked.save(update_fields=["status", "status_reason", "status_at", "status_by"])
    for field in ("status", "status_reason", "status_at", "status_by"):
        setattr(lot, field, getattr(locked, field))
    _audit(actor, lot.clinic, STATUS_ACTIONS[LotStatus(status)], locked, ["status", "reason"])
    return lot


@transaction.atomic
def lot_consume(*, actor: Actor, lot: Lot, units: int, session: Any) -> StockMovement:
    """Take ``units`` of ``lot`` for ``session`` (called when the session is signed).

    The lot row is locked, then checked again (``lot_problems`` on the session's day, and enough
    units left), so two sessions signed at once can never use more than the lot holds, nor use a
    lot recalled a moment ago. Raises ``ValidationError({"lots": ...})`` naming the product and
    lot number.
    """
    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
        raise ValidationError({"lots": f"Use at least one unit of {lot}."})
    if lot.clinic_id != session.clinic_id:
        raise ValidationError({"lots": f"{lot} is not this clinic's."})
    locked = _locked(lot)
    problems = lot_problems(locked, on=session_day(session))
    if not problems and locked.quantity < units:
        problems.append(
            f"{locked} has {locked.quantity} {locked.product.unit}(s) left, not {units}."
        )
    if problems:
        raise ValidationError({"lots": " ".join(problems)})
    movement = _move(actor, locked, MovementKind.USE, -units, session=session)
    lot.quantity = locked.quantity
    _audit(actor, lot.clinic, "lot.use", locked, ["quantity", "session"], session.patient_id)
    return movement


# Recall lists ----------------------------------------------------------------------------------


@transaction.atomic
def recall_list_open(
    *, actor: Actor, clinic: Clinic, lot: Lot, rows: Sequence[Any], export: str = ""
) -> None:
    """Log that someone saw (or exported, ``export`` "csv" or "pdf") the patients exposed to
    ``lot``: one entry for the list, and one per patient in that patient's clinic, so each
    patient's access history shows it."""
    how = [export] if export else []
    clinics = {row.clinic.pk for row in rows} | {clinic.pk}
    action = "lot.recall_export" if export else "lot.recall_view"
    changes = [f"{len(rows)} patients", *how, *([f"{len(clinics)} clinics"] * (len(clinics) > 1))]
    _audit(actor, clinic, action, lot, changes)
    for row in rows:
        _audit(
            actor, row.clinic, action, lot, [f"{len(row.sessions)} sessions", *how], row.patient.pk
        )
