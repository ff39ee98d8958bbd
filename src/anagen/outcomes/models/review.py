"""The clinic's response criteria and the response review at the review milestone (written by
the services in anagen.outcomes.review)."""

import uuid

from django.conf import settings
from django.db import models

from anagen.outcomes.models.base import ClinicRecord
from anagen.outcomes.models.visits import MeasurementVisit


class ResponseCriteria(ClinicRecord):
    """The clinic's own response criteria (defaults come from the knowledge base)."""

    clinic = models.OneToOneField(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="response_criteria"
    )
    document = models.JSONField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"response criteria of clinic {self.clinic_id}"


class ResponseLabel(models.TextChoices):
    RESPONDER = "responder", "Responder"
    PARTIAL = "partial", "Partial responder"
    NON_RESPONDER = "non_responder", "Non-responder"
    INSUFFICIENT_DATA = "insufficient_data", "Insufficient data"


class ResponseReview(ClinicRecord):
    """The comparison of a review visit with baseline against the criteria, with its reasons."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="response_reviews"
    )
    plan = models.ForeignKey(
        "plans.TreatmentPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    baseline = models.ForeignKey(MeasurementVisit, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(
        MeasurementVisit, on_delete=models.PROTECT, related_name="response_reviews"
    )
    label = models.CharField(max_length=20, choices=ResponseLabel.choices)
    reasons = models.JSONField(default=list)
    criteria = models.JSONField()  # the criteria and rule as they stood at the review
    # What the comparison concluded beyond the label: its decision lines, the information
    # shown beside the criteria, and how many criteria were met of those that could be judged.
    result = models.JSONField(default=dict)
    flagged_for_plan_review = models.BooleanField(default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "patient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_label_display()} at {self.visit}"
