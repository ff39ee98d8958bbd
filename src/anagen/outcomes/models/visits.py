"""Measurement visits, and the clinic's trichoscope calibrations."""

import uuid

from django.conf import settings
from django.db import models

from anagen.outcomes.models.base import ClinicRecord, Voidable


class VisitKind(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    INTERIM = "interim", "Interim"
    REVIEW = "review", "Review"
    OTHER = "other", "Other"


class MeasurementVisit(Voidable):
    """One day's measurements of a patient: trichoscopy images, photos, pull test, shedding,
    satisfaction and the clinician's global assessment. ``plan`` is the course it measures."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="measurement_visits"
    )
    plan = models.ForeignKey(
        "plans.TreatmentPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measurement_visits",
    )
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=VisitKind.choices)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(Voidable.Meta):
        ordering = ["-date", "-created_at"]
        indexes = [models.Index(fields=["clinic", "patient", "date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} visit {self.date:%Y-%m-%d}"


class TrichoscopeDevice(ClinicRecord):
    """A trichoscope (or one magnification of it) and its calibration in µm per pixel. The
    clinic's default device calibrates an upload that names none."""

    name = models.CharField(max_length=80)
    um_per_px = models.FloatField()
    is_default = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="device_name_unique"),
            models.UniqueConstraint(
                fields=["clinic"],
                condition=models.Q(is_default=True),
                name="one_default_device_per_clinic",
            ),
            models.CheckConstraint(
                condition=models.Q(um_per_px__gt=0), name="device_um_per_px_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.um_per_px:g} µm/px)"
