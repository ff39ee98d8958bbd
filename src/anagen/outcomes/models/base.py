"""What every outcome record shares: its clinic (for scoped reads) and, since a clinical record is
never deleted, a void with its reason."""

from django.conf import settings
from django.db import models

from anagen.clinics.scoping import ClinicScopedManager


class Site(models.TextChoices):
    """Scalp sites a trichoscopy image or pull test is taken at. The occiput is the patient's own
    reference: androgenetic alopecia spares it (REFERENCE.md §6.1)."""

    FRONTAL = "frontal", "Frontal"
    VERTEX = "vertex", "Vertex"
    OCCIPITAL = "occipital", "Occipital"
    TEMPORAL_LEFT = "temporal_left", "Left temporal"
    TEMPORAL_RIGHT = "temporal_right", "Right temporal"
    PARIETAL_LEFT = "parietal_left", "Left parietal"
    PARIETAL_RIGHT = "parietal_right", "Right parietal"
    OTHER = "other", "Other"


class ClinicRecord(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        abstract = True


class Voidable(ClinicRecord):
    """A record entered in error is voided with a reason, and stays."""

    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=250, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(voided_at__isnull=True) | ~models.Q(void_reason=""),
                name="%(class)s_void_has_reason",
            )
        ]

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None
