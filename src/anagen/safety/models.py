"""Adverse events, their follow-ups, and the safety signals the daily job raises.

The event types and severity grades, with their definitions and sources, are knowledge-base data
(``core/data/knowledge/adverse_events.toml``); the columns here hold their ids. An event is
closed with an outcome, never deleted.
"""

import uuid

from django.conf import settings
from django.db import models

from anagen.clinics.scoping import ClinicScopedManager


class Outcome(models.TextChoices):
    ONGOING = "ongoing", "Not yet resolved"
    RESOLVING = "resolving", "Resolving"
    RESOLVED = "resolved", "Resolved"
    SEQUELAE = "sequelae", "Resolved with lasting effects"
    UNKNOWN = "unknown", "Unknown (lost to follow-up)"


class Culture(models.TextChoices):
    NOT_TAKEN = "not_taken", "Not taken"
    PENDING = "pending", "Pending"
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"


class AdverseEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="adverse_events"
    )
    type = models.CharField(max_length=24)  # adverse_events.toml [[type]] id
    type_other = models.CharField(max_length=120, blank=True)  # what "other" was
    onset = models.DateField()
    severity = models.CharField(max_length=20)  # adverse_events.toml [[severity]] id
    description = models.TextField(blank=True)
    sessions = models.ManyToManyField(
        "treatment_sessions.TreatmentSession", blank=True, related_name="adverse_events"
    )
    lots = models.ManyToManyField("inventory.Lot", blank=True, related_name="adverse_events")
    actions = models.TextField(blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.ONGOING)
    culture = models.CharField(max_length=10, choices=Culture.choices, default=Culture.NOT_TAKEN)
    organism = models.CharField(max_length=120, blank=True)
    next_follow_up = models.DateField(null=True, blank=True)
    follow_up_reminded_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["-onset"]
        indexes = [
            models.Index(fields=["clinic", "onset"]),
            models.Index(fields=["clinic", "closed_at", "next_follow_up"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(culture="positive") | models.Q(organism=""),
                name="organism_only_with_positive_culture",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | ~models.Q(outcome="ongoing"),
                name="closed_event_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} from {self.onset}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class FollowUp(models.Model):
    """One follow-up contact of an adverse event: what was found, and when to look again."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="follow_ups")
    on = models.DateField()
    note = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["on", "at"]

    def __str__(self) -> str:
        return f"follow-up of {self.event_id} on {self.on}"


class SignalKind(models.TextChoices):
    LOT = "lot", "Cases sharing a lot"
    PRACTITIONER = "practitioner", "Cases sharing a practitioner"
    WEEK = "week", "Cases after sessions in the same week"
    RATE = "rate", "Unusual rate against the clinic's baseline"


class Signal(models.Model):
    """A cluster the signal job found. Re-running the job updates it instead of repeating it;
    a clinician closes it with a note once it has been looked into."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=SignalKind.choices)
    key = models.CharField(max_length=80)  # lot id, practitioner id, ISO week, or rate window
    title = models.CharField(max_length=250)
    detail = models.JSONField(default=dict)  # cases, exposed patients, figures
    lot = models.ForeignKey(
        "inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_found_at = models.DateTimeField()
    last_found_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_note = models.TextField(blank=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["-last_found_at"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "kind", "key"], name="signal_once_per_key"),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | ~models.Q(close_note=""),
                name="closed_signal_has_note",
            ),
        ]

    def __str__(self) -> str:
        return self.title
