"""Consent templates (versioned per clinic) and the consents patients sign.

A template is never edited: saving it again makes the next version. A signed consent keeps the
exact text the patient read (``document``) and its PDF snapshot, so a later template or
knowledge-base change never alters what was agreed. Consent is withdrawn, never deleted.
"""

import uuid

from django.conf import settings
from django.db import models

from anagen.clinics.scoping import ClinicScopedManager


class ConsentKind(models.TextChoices):
    TREATMENT = "treatment", "Treatment"
    PHOTOGRAPHY = "photography", "Photography"


class ConsentTemplate(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=ConsentKind.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=150)
    body = models.TextField()  # the clinic's own words; the plan and the risks are added to it
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "kind", "version"], name="consent_template_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class Consent(models.Model):
    """A patient's signed consent. Treatment consent is for one plan; photography consent is for
    the patient's clinical photos in general."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consents"
    )
    kind = models.CharField(max_length=12, choices=ConsentKind.choices)
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(
        "plans.TreatmentPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents",
    )
    document = models.JSONField()  # the text as the patient read it
    signer_name = models.CharField(max_length=200)
    signature_svg = models.TextField(blank=True)  # the drawn signature, as SVG path data
    ticked = models.BooleanField(default=False)  # or a tick where drawing is not possible
    signed_at = models.DateTimeField()
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdraw_reason = models.CharField(max_length=500, blank=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["clinic", "patient", "-signed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(signature_svg="") | models.Q(ticked=True),
                name="consent_signed_or_ticked",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="photography") | models.Q(plan__isnull=False),
                name="treatment_consent_has_plan",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True) | ~models.Q(withdraw_reason=""),
                name="consent_withdrawal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} consent {self.signed_at:%Y-%m-%d}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
