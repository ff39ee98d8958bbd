"""Products, lots and recorded sessions made directly, for tests of what is built on them
(recall, adverse events, signals, aftercare). Tests of the session and inventory services
themselves go through those services instead.
"""

import datetime as dt
from typing import Any

from django.utils import timezone

from anagen.inventory.models import Lot, Product
from anagen.scheduling.models import Booking, BookingStatus
from anagen.sessions.models import LotUse, SessionStatus, TreatmentSession

TODAY = dt.date.today()


def make_product(clinic: Any, ingredient: str = "dutasteride", **fields: Any) -> Product:
    data = {
        "name": f"{ingredient.title()} solution",
        "concentration": "0.01%",
        "maker": "Meso Pharma",
    } | fields
    return Product.objects.create(clinic=clinic, ingredient=ingredient, **data)


def make_lot(product: Product, number: str = "L1", **fields: Any) -> Lot:
    data = {"expiry": TODAY + dt.timedelta(days=365), "quantity": 20} | fields
    return Lot.objects.create(clinic=product.clinic, product=product, number=number, **data)


def recorded_session(
    booking: Booking,
    lots: list[Lot],
    *,
    when: dt.datetime | None = None,
    practitioner: Any = None,
) -> TreatmentSession:
    """A signed session for ``booking`` that used one unit of each of ``lots``; the booking is
    marked done. ``when`` (default: the booking's start) is when it began."""
    start = when or booking.start
    who = practitioner or booking.practitioner
    session = TreatmentSession.objects.create(
        clinic=booking.clinic,
        patient=booking.patient,
        booking=booking,
        plan=booking.course.plan,
        number=booking.number,
        practitioner=who,
        status=SessionStatus.SIGNED,
        started_at=start,
        ended_at=start + dt.timedelta(minutes=30),
        signed_at=start + dt.timedelta(minutes=35),
        signed_by=who,
        created_by=who,
    )
    for lot in lots:
        LotUse.objects.create(
            clinic=booking.clinic, session=session, ingredient=lot.product.ingredient, lot=lot
        )
    Booking.objects.for_clinic(booking.clinic).filter(pk=booking.pk).update(
        status=BookingStatus.DONE, updated_at=timezone.now()
    )
    return session
