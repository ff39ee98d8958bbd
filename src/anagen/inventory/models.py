"""Products, their lots and every movement of stock.

A lot's quantity is counted in the product's units (vials, ampoules, syringes) and changes only
through a StockMovement written in the same transaction, so the movements always explain it. A
database constraint keeps it from going below zero, whatever two writers do at once.
"""

from django.conf import settings
from django.db import models

from anagen.clinics.scoping import ClinicScopedManager


class Product(models.Model):
    """A product the clinic stocks: one ingredient at one concentration from one maker.

    Rule CI-23 (REFERENCE.md section 4; Munayco 2008, EIMC 2011): multi-dose, homeopathic and
    unlicensed vials caused the mesotherapy mycobacterial outbreaks. Such a product is refused at
    the session unless the clinic has written down, in ``policy_reason``, why it allows it.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    ingredient = models.CharField(max_length=40)  # knowledge-base ingredient id
    name = models.CharField(max_length=120)  # the trade name on the box
    concentration = models.CharField(max_length=40, blank=True)
    maker = models.CharField(max_length=120)
    unit = models.CharField(max_length=20, default="vial")
    single_use = models.BooleanField(default=True)
    licensed = models.BooleanField(default=True)
    # Why the clinic allows a multi-dose or unlicensed product (CI-23); empty = not allowed.
    policy_reason = models.CharField(max_length=500, blank=True)
    policy_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    policy_at = models.DateTimeField(null=True, blank=True)
    low_stock_units = models.PositiveIntegerField(default=5)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["name", "concentration"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name", "concentration", "maker"],
                name="product_unique_in_clinic",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.concentration}".strip()

    @property
    def needs_policy(self) -> bool:
        """CI-23: a multi-dose or unlicensed product."""
        return not (self.single_use and self.licensed)


class LotStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    QUARANTINED = "quarantined", "Quarantined"
    RECALLED = "recalled", "Recalled"


class Lot(models.Model):
    """One lot (batch) of a product, as printed on the box."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    number = models.CharField("lot number", max_length=60)
    expiry = models.DateField()
    quantity = models.IntegerField(default=0)  # units on hand
    status = models.CharField(max_length=12, choices=LotStatus.choices, default=LotStatus.AVAILABLE)
    status_reason = models.CharField(max_length=500, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)
    status_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["expiry", "number"]
        indexes = [models.Index(fields=["clinic", "expiry"])]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="lot_number_per_product"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="lot_quantity_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(status="available") | ~models.Q(status_reason=""),
                name="lot_status_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} lot {self.number}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", "Received"
    USE = "use", "Used in a session"
    ADJUSTMENT = "adjustment", "Stock count adjustment"
    DISCARD = "discard", "Discarded"
    RETURN = "return", "Returned to supplier"


class StockMovement(models.Model):
    """One change of a lot's quantity, with who, when, why, and the session for a use."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=MovementKind.choices)
    units = models.IntegerField()  # + in, - out
    session = models.ForeignKey(
        "treatment_sessions.TreatmentSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supplier = models.CharField(max_length=120, blank=True)  # for a receipt
    reason = models.CharField(max_length=250, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["clinic", "lot", "-at"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(units=0), name="movement_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.units:+d} of lot {self.lot_id}"
