"""The treatment session: pre-session check, injection map, lots, signature, addenda.

A session is opened from its booking, checked (what changed since the consultation, screened
again), recorded, and signed. Once signed it is locked: corrections are addenda, each with its
author and time. The injection map is the ``anagen.injection-map/1`` document
(``anagen.core.injection_map``).
"""

import uuid

from django.conf import settings
from django.db import models

from anagen.clinics.scoping import ClinicScopedManager


class SessionStatus(models.TextChoices):
    OPEN = "open", "In progress"
    SIGNED = "signed", "Signed"


class Technique(models.TextChoices):
    POINT_BY_POINT = "point_by_point", "Point by point"
    NAPPAGE = "nappage", "Nappage"
    MICRONEEDLING = "microneedling", "Microneedling"
    GUN = "gun", "Injector gun"


class TreatmentSession(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    booking = models.OneToOneField(
        "scheduling.Booking", on_delete=models.PROTECT, related_name="treatment_session"
    )
    plan = models.ForeignKey("plans.TreatmentPlan", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()  # the session's number in its course
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    consent = models.ForeignKey(
        "consent.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Pre-session check: what changed since the consultation, the intake it made, the screening
    # of that intake, and the new absolute or temporary findings that block the session.
    precheck = models.JSONField(null=True, blank=True)
    precheck_intake = models.JSONField(null=True, blank=True)
    precheck_result = models.JSONField(null=True, blank=True)
    blocking = models.JSONField(default=list, blank=True)
    precheck_at = models.DateTimeField(null=True, blank=True)
    precheck_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    override_reason = models.TextField(blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    override_at = models.DateTimeField(null=True, blank=True)
    # The record
    injection_map = models.JSONField(default=dict, blank=True)
    technique = models.CharField(max_length=16, choices=Technique.choices, blank=True)
    needle_gauge = models.PositiveSmallIntegerField(null=True, blank=True)  # G
    needle_length_mm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    anaesthetic = models.CharField(max_length=120, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    total_volume_ml = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    reactions = models.JSONField(default=list, blank=True)  # immediate reactions
    notes = models.TextField(blank=True)
    aftercare = models.JSONField(default=list, blank=True)  # dated items, fixed at signing
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["clinic", "patient", "-created_at"]),
            models.Index(fields=["clinic", "practitioner", "signed_at"]),
            models.Index(fields=["clinic", "signed_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open")
                | models.Q(signed_at__isnull=False, signed_by__isnull=False),
                name="signed_session_has_signer",
            ),
            models.CheckConstraint(
                condition=models.Q(override_by__isnull=True) | ~models.Q(override_reason=""),
                name="override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.number} of plan {self.plan_id}"

    @property
    def is_signed(self) -> bool:
        return self.status == SessionStatus.SIGNED


class LotUse(models.Model):
    """Which lot of which product gave one ingredient of the session's cocktail."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="lots")
    ingredient = models.CharField(max_length=40)
    lot = models.ForeignKey("inventory.Lot", on_delete=models.PROTECT, related_name="uses")
    units = models.PositiveIntegerField(default=1)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["ingredient"]
        indexes = [models.Index(fields=["clinic", "lot"])]
        constraints = [
            models.UniqueConstraint(fields=["session", "lot"], name="lot_once_per_session"),
            models.CheckConstraint(condition=models.Q(units__gte=1), name="lot_use_units"),
        ]

    def __str__(self) -> str:
        return f"{self.ingredient}: lot {self.lot_id}"


class Addendum(models.Model):
    """A correction or addition to a signed session; the record itself stays as signed."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"addendum to {self.session_id}"
