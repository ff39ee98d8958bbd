"""Clinic-scoped reads of products, lots, their movements, the stock warnings, and the patients
exposed to a lot."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from anagen.clinics.models import Clinic, Membership
from anagen.clinics.roles import Role
from anagen.inventory.models import Lot, LotStatus, Product, StockMovement
from anagen.inventory.usability import lot_problems
from anagen.scheduling.calendar_setup import clinic_zone
from anagen.sessions.models import LotUse, SessionStatus
from anagen.sessions.selectors import session_day

# Issue 5: warn of lots expiring within 30 days.
EXPIRY_SOON_DAYS = 30


def clinic_today(clinic: Clinic) -> dt.date:
    return dt.datetime.now(clinic_zone(clinic)).date()


def product_get(*, clinic: Clinic, product_id: object) -> Product:
    try:
        product: Product = Product.objects.for_clinic(clinic).get(pk=product_id)
    except (Product.DoesNotExist, ValueError, TypeError):
        raise Http404("No such product") from None
    return product


def lot_get(*, clinic: Clinic, lot_id: object) -> Lot:
    try:
        lot: Lot = (
            Lot.objects.for_clinic(clinic)
            .select_related("product", "status_by", "clinic")
            .get(pk=lot_id)
        )
    except (Lot.DoesNotExist, ValueError, TypeError):
        raise Http404("No such lot") from None
    return lot


def _usable_filter(today: dt.date) -> Q:
    return Q(lots__status=LotStatus.AVAILABLE, lots__expiry__gte=today)


def product_list(clinic: Clinic, *, today: dt.date | None = None) -> list[Product]:
    """The clinic's products, each with ``on_hand`` (units in every lot) and ``usable`` (units in
    available lots not expired on ``today``, the clinic's today by default)."""
    day = today or clinic_today(clinic)
    query = Product.objects.for_clinic(clinic).annotate(
        on_hand=Coalesce(Sum("lots__quantity"), 0),
        usable=Coalesce(Sum("lots__quantity", filter=_usable_filter(day)), 0),
    )
    return list(query.order_by("-is_active", "name", "concentration"))


def lot_list(clinic: Clinic, product: Product | None = None) -> list[Lot]:
    """Lots, first-expiring first; only ``product``'s when one is given."""
    query = Lot.objects.for_clinic(clinic).select_related("product")
    if product is not None:
        query = query.filter(product=product)
    return list(query.order_by("expiry", "number"))


def lot_movements(lot: Lot) -> list[StockMovement]:
    return list(
        StockMovement.objects.for_clinic(lot.clinic)
        .filter(lot=lot)
        .select_related("by", "session__patient")
        .order_by("-at", "-pk")
    )


def usable_lots(clinic: Clinic, ingredient: str, *, on: dt.date) -> list[Lot]:
    """The lots of ``ingredient`` a session on ``on`` may use (``lot_problems`` finds nothing),
    first-expiring first: the session's lot picker offers the first one."""
    candidates = (
        Lot.objects.for_clinic(clinic)
        .filter(
            product__ingredient=ingredient,
            status=LotStatus.AVAILABLE,
            expiry__gte=on,
            quantity__gt=0,
        )
        .select_related("product")
        .order_by("expiry", "number", "pk")
    )
    return [lot for lot in candidates if not lot_problems(lot, on=on)]


@dataclass(frozen=True)
class LowStock:
    product: Product
    usable: int


@dataclass(frozen=True)
class ExpiringLot:
    lot: Lot
    days_left: int  # negative once expired

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def stock_warnings(clinic: Clinic, today: dt.date) -> dict[str, Any]:
    """What the dashboard warns of on ``today``.

    ``low_stock``: active products whose usable units (available lots, not expired) are at or
    below their ``low_stock_units``. ``expiring``: lots still holding stock that expire within
    EXPIRY_SOON_DAYS days, or have already expired (to be discarded); recalled lots are left out,
    their stock goes back through the recall.
    """
    low = [
        LowStock(product, product.usable)  # type: ignore[attr-defined]
        for product in product_list(clinic, today=today)
        if product.is_active and product.usable <= product.low_stock_units  # type: ignore[attr-defined]
    ]
    soon = today + dt.timedelta(days=EXPIRY_SOON_DAYS)
    lots = (
        Lot.objects.for_clinic(clinic)
        .filter(quantity__gt=0, expiry__lte=soon)
        .exclude(status=LotStatus.RECALLED)
        .select_related("product")
        .order_by("expiry", "number")
    )
    expiring = [ExpiringLot(lot, (lot.expiry - today).days) for lot in lots]
    return {"low_stock": low, "expiring": expiring}


# Recall: who got this lot? --------------------------------------------------------------------
# An unsigned session is left out: it is still being recorded, and its lots leave stock only when
# it is signed. A chain admin (an active admin at several clinics) may widen the list to every
# clinic where they are admin: there "the same lot" has the same product (maker, name,
# concentration) and lot number, compared without regard to case or spaces, since each clinic
# typed the box's label itself.


@dataclass(frozen=True)
class ExposedSession:
    session_id: Any
    day: dt.date
    number: int
    practitioner: str
    lot_number: str


@dataclass
class ExposedPatient:
    clinic: Clinic
    patient: Any
    sessions: list[ExposedSession] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple[str, str, str, str]:
        p = self.patient
        return (p.family_name.casefold(), p.given_name.casefold(), self.clinic.name, p.number)


def chain_clinics(user: Any) -> list[Clinic]:
    """The clinics where ``user`` is an active admin, when there are several (a chain admin);
    otherwise none."""
    clinics = [
        m.clinic
        for m in Membership.objects.filter(user=user, role=Role.ADMIN, is_active=True)
        .select_related("clinic")
        .order_by("clinic__name")
    ]
    return clinics if len(clinics) > 1 else []


def _key(text: str) -> str:
    return "".join(text.split()).casefold()


def lot_key(lot: Lot) -> tuple[str, str, str, str]:
    """What makes two clinics' lots the same lot: maker, product name, concentration, number."""
    product = lot.product
    return (_key(product.maker), _key(product.name), _key(product.concentration), _key(lot.number))


def same_lots(clinic: Clinic, lot: Lot) -> list[Lot]:
    """``clinic``'s lots that are the same lot as ``lot`` (itself, in its own clinic)."""
    if clinic.pk == lot.clinic_id:
        return [lot]
    key = lot_key(lot)
    candidates = Lot.objects.for_clinic(clinic).select_related("product")
    return [other for other in candidates if lot_key(other) == key]


def exposed(clinic: Clinic, lot: Lot, *, chain: Sequence[Clinic] = ()) -> list[ExposedPatient]:
    """Every patient with a signed session that used ``lot``, one row per patient with those
    sessions (earliest first), ordered by family and given name. With ``chain`` (a chain admin's
    clinics), the same lot at each of those clinics too; rows then name their clinic."""
    clinics = [clinic, *(c for c in chain if c.pk != clinic.pk)]
    rows: list[ExposedPatient] = []
    for where in clinics:
        lots = same_lots(where, lot)
        if lots:
            rows.extend(_exposed_in(where, lots))
    return sorted(rows, key=lambda row: row.sort_key)


def _exposed_in(clinic: Clinic, lots: list[Lot]) -> list[ExposedPatient]:
    uses = (
        LotUse.objects.for_clinic(clinic)
        .filter(lot__in=lots, session__status=SessionStatus.SIGNED)
        .select_related("lot", "session__patient", "session__practitioner", "session__booking")
        .select_related("session__clinic")
    )
    by_patient: dict[Any, ExposedPatient] = {}
    for use in uses:
        session = use.session
        row = by_patient.setdefault(session.patient_id, ExposedPatient(clinic, session.patient))
        row.sessions.append(
            ExposedSession(
                session.pk,
                session_day(session),
                session.number,
                str(session.practitioner.full_name or session.practitioner.email),
                use.lot.number,
            )
        )
    for row in by_patient.values():
        row.sessions.sort(key=lambda s: (s.day, s.number))
    return list(by_patient.values())
