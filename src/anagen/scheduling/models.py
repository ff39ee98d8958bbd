"""Rooms, working hours, absences, courses and their bookings.

Weekly hours are stored as the scheduling contract writes them (``{"mon": [["09:00", "13:00"]]}``)
and read by the same core reader, so the web set-up and ``anagen schedule`` agree on what is valid.

No double booking is enforced by the database as well as by the services: on PostgreSQL by
exclusion constraints over time ranges, on SQLite by triggers (SQLite runs one writer at a time, so
a trigger's check cannot race another writer). Migration 0002 creates both.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models

from anagen.clinics.scoping import ClinicScopedManager


class Room(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=60)
    is_active = models.BooleanField(default=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="room_name_unique_in_clinic")
        ]

    def __str__(self) -> str:
        return self.name


class ClinicSchedule(models.Model):
    """A clinic's opening hours, booking grid and session lengths."""

    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    opening = models.JSONField(default=dict)
    slot_minutes = models.PositiveSmallIntegerField(default=15)
    session_minutes = models.PositiveSmallIntegerField(default=30)
    # protocol id -> minutes, for protocols that need longer (a first session, a larger area)
    protocol_minutes = models.JSONField(default=dict, blank=True)
    reminder_hours = models.PositiveSmallIntegerField(default=48)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    def __str__(self) -> str:
        return f"schedule of clinic {self.clinic_id}"


class WorkingHours(models.Model):
    """One practitioner's weekly hours at one clinic."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    weekly = models.JSONField(default=dict)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "practitioner"], name="hours_one_per_practitioner"
            )
        ]

    def __str__(self) -> str:
        return f"hours of {self.practitioner_id}"


class Absence(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=120, blank=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="absence_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_day}–{self.last_day}"


class CourseStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Course(models.Model):
    """A treatment plan's course as booked: one per plan."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    plan = models.OneToOneField("plans.TreatmentPlan", on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=12, choices=CourseStatus.choices, default=CourseStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "patient"])]

    def __str__(self) -> str:
        return f"course of plan {self.plan_id}"

    @property
    def session_count(self) -> int:
        return len(self.plan.document["sessions"])


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"
    MOVED = "moved", "Moved"


# The statuses that hold a practitioner, a room and the patient; the database constraints in
# migration 0002 repeat this list.
HOLDING = (BookingStatus.BOOKED, BookingStatus.DONE)


class Booking(models.Model):
    """One appointment for one session of a course. A moved session keeps its old row (status
    ``moved``) and gets a new one, so the history of a course is never overwritten."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="bookings")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()
    start = models.DateTimeField()
    end = models.DateTimeField()
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=12, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    status_reason = models.CharField(max_length=250, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["clinic", "start"]),
            models.Index(fields=["practitioner", "start"]),
            models.Index(fields=["room", "start"]),
            models.Index(fields=["patient", "start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="booking_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["course", "number"],
                condition=models.Q(status__in=["booked", "done"]),
                name="booking_one_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.number} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def holds_time(self) -> bool:
        return self.status in HOLDING


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A patient's iCalendar feed. The token is the only key to it: 256 random bits, replaced
    (never reused) when reception resets the link."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    django_internal = models.Manager()
    objects = ClinicScopedManager()

    def __str__(self) -> str:
        return f"calendar feed of {self.patient_id}"
