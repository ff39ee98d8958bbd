import uuid

from django.conf import settings
from django.db import models

from anagen.clinics.scoping import ClinicScopedManager
from anagen.core.screening import VERDICTS


class Consultation(models.Model):
    """A signed consultation: the intake, the screening result, the knowledge version it was
    screened with, who signed it and when. Never edited; a later one supersedes it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consultations"
    )
    intake = models.JSONField()
    result = models.JSONField()
    verdict = models.CharField(max_length=24, choices=[(v, v) for v in VERDICTS])
    knowledge_version = models.CharField(max_length=40)
    policy = models.JSONField(default=dict)  # the clinic policy in force when it was signed
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )

    # Django's own machinery uses the first manager; app code must use `objects`.
    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["clinic", "patient", "-signed_at"])]

    def __str__(self) -> str:
        return f"Consultation {self.signed_at:%Y-%m-%d} ({self.verdict})"

    @property
    def is_superseded(self) -> bool:
        return hasattr(self, "superseded_by")

    @property
    def treatable(self) -> bool:
        return self.verdict in ("eligible", "eligible_with_caution")


class ClinicPolicy(models.Model):
    """A clinic's policy overrides of the knowledge base (``core.knowledge.with_policy``) and
    its price list (``core.planning.read_prices``). Evidence records cannot be overridden."""

    clinic = models.OneToOneField(
        "clinics.Clinic", primary_key=True, on_delete=models.PROTECT, related_name="policy"
    )
    overrides = models.JSONField(default=dict)
    prices = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Policy of {self.clinic}"
