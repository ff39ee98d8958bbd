import uuid

from django.conf import settings
from django.db import models

from anagen.clinics.scoping import ClinicScopedManager


class TreatmentPlan(models.Model):
    """A treatment plan (the ``anagen.plan/1`` document) made from a signed consultation.
    Voided with a reason, never deleted or edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="plans")
    consultation = models.ForeignKey(
        "consultations.Consultation", on_delete=models.PROTECT, related_name="plans"
    )
    protocol_id = models.CharField(max_length=60)
    start_date = models.DateField()
    document = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=250, blank=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "patient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.document['protocol']['name']} from {self.start_date}"
