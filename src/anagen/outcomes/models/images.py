"""Trichoscopy images with their analysis, two-visit phototrichograms, and standard clinical
photos. Files live under the clinic's media folder, named by content hash, and are only ever
served through a view that checks the clinic."""

import uuid

from django.conf import settings
from django.db import models

from anagen.outcomes.models.base import Site, Voidable
from anagen.outcomes.models.visits import MeasurementVisit, TrichoscopeDevice


class TrichoscopyImage(Voidable):
    """One trichoscopy field. ``analysis`` is the automatic analysis (the C4 document,
    ``anagen.trichoscopy/1``), kept as it was; ``hairs`` is the current list after the
    clinician's corrections, and the measures beside it are computed from that list.
    ``detected_count`` is what the analyser found, ``hair_count`` the corrected count that
    counts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(
        MeasurementVisit, on_delete=models.PROTECT, related_name="trichoscopy_images"
    )
    site = models.CharField(max_length=16, choices=Site.choices)
    site_label = models.CharField(max_length=80, blank=True)
    file = models.FileField(max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    device = models.ForeignKey(
        TrichoscopeDevice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    um_per_px = models.FloatField(null=True, blank=True)
    analysis = models.JSONField()
    hairs = models.JSONField(default=list)
    hairs_version = models.PositiveIntegerField(default=0)  # bumped by every correction
    detected_count = models.PositiveIntegerField()
    hair_count = models.PositiveIntegerField()
    density_per_cm2 = models.FloatField(null=True, blank=True)
    mean_diameter_um = models.FloatField(null=True, blank=True)
    vellus_fraction = models.FloatField(null=True, blank=True)
    thin_fraction = models.FloatField(null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta(Voidable.Meta):
        ordering = ["site", "uploaded_at"]
        indexes = [models.Index(fields=["clinic", "visit"])]
        constraints = [
            *Voidable.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(um_per_px__isnull=True) | models.Q(um_per_px__gt=0),
                name="image_um_per_px_positive",
            ),
            models.UniqueConstraint(
                fields=["visit", "sha256"],
                condition=models.Q(voided_at__isnull=True),
                name="image_once_per_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site_name} image of {self.visit}"

    @property
    def site_name(self) -> str:
        return self.site_label if self.site == Site.OTHER and self.site_label else (
            self.get_site_display()
        )  # fmt: skip

    @property
    def corrected(self) -> bool:
        return self.corrected_at is not None


class Phototrichogram(Voidable):
    """Two images of the same marked (clipped) site some days apart: hairs that grew are in
    anagen, hairs that did not are in telogen (REFERENCE.md §6.2 gives the normal fractions)."""

    visit = models.ForeignKey(
        MeasurementVisit, on_delete=models.PROTECT, related_name="phototrichograms"
    )
    site = models.CharField(max_length=16, choices=Site.choices)
    before = models.ForeignKey(TrichoscopyImage, on_delete=models.PROTECT, related_name="+")
    after = models.ForeignKey(TrichoscopyImage, on_delete=models.PROTECT, related_name="+")
    days_apart = models.PositiveSmallIntegerField()
    anagen_fraction = models.FloatField(null=True, blank=True)
    telogen_fraction = models.FloatField(null=True, blank=True)
    count_before = models.PositiveIntegerField()
    count_after = models.PositiveIntegerField()
    document = models.JSONField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta(Voidable.Meta):
        ordering = ["recorded_at"]
        indexes = [models.Index(fields=["clinic", "visit"])]

    def __str__(self) -> str:
        return f"phototrichogram {self.get_site_display()} of {self.visit}"


class PhotoView(models.TextChoices):
    FRONTAL = "frontal", "Frontal"
    VERTEX = "vertex", "Vertex"
    PART_LINE = "part_line", "Part line"
    TEMPORAL_LEFT = "temporal_left", "Left temporal"
    TEMPORAL_RIGHT = "temporal_right", "Right temporal"
    OCCIPITAL = "occipital", "Occipital"


# The conditions that make two photos of the same view comparable.
PHOTO_CHECKLIST = {
    "same_distance": "Same camera distance and zoom as before",
    "same_lighting": "Same lighting",
    "hair_dry": "Hair dry",
    "same_parting": "Hair parted and combed the same way",
}


class ClinicalPhoto(Voidable):
    """A standard clinical photo, taken under the photography consent in force at the time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(MeasurementVisit, on_delete=models.PROTECT, related_name="photos")
    view = models.CharField(max_length=16, choices=PhotoView.choices)
    file = models.FileField(max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    checklist = models.JSONField()
    consent = models.ForeignKey("consent.Consent", on_delete=models.PROTECT, related_name="+")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta(Voidable.Meta):
        ordering = ["view", "taken_at"]
        indexes = [models.Index(fields=["clinic", "visit"])]

    def __str__(self) -> str:
        return f"{self.get_view_display()} photo of {self.visit}"

    @property
    def comparable(self) -> bool:
        """Every condition of the checklist was met."""
        return all(self.checklist.get(key) for key in PHOTO_CHECKLIST)
