import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from anagen.clinics.scoping import ClinicScopedManager
from anagen.patients import validators


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNKNOWN = "unknown", "Not recorded"


class Language(models.TextChoices):
    EN = "en", "English"
    DE = "de", "Deutsch"
    FR = "fr", "Français"
    ES = "es", "Español"
    IT = "it", "Italiano"
    PT = "pt", "Português"
    NL = "nl", "Nederlands"
    PL = "pl", "Polski"
    ET = "et", "Eesti"
    RU = "ru", "Русский"
    UK = "uk", "Українська"
    TR = "tr", "Türkçe"
    AR = "ar", "العربية"
    ZH = "zh", "中文"


class Patient(models.Model):
    """A patient of one clinic. Archived with a reason, never deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=20, editable=False)
    given_name = models.CharField("given name", max_length=100)
    family_name = models.CharField("family name", max_length=100)
    date_of_birth = models.DateField("date of birth", validators=[validators.validate_birth_date])
    sex_at_birth = models.CharField("sex at birth", max_length=10, choices=Sex.choices)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    address = models.CharField(max_length=250, blank=True)
    preferred_language = models.CharField(
        "preferred language", max_length=5, choices=Language.choices, default=Language.EN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    archive_reason = models.CharField(max_length=250, blank=True)

    # Django's own machinery (unique checks, deletion collector) uses the first manager; app code
    # must use `objects`, which refuses to run without for_clinic(). A test keeps it that way.
    django_internal = models.Manager()
    objects = ClinicScopedManager()

    EDITABLE_FIELDS = (
        "given_name",
        "family_name",
        "date_of_birth",
        "sex_at_birth",
        "email",
        "phone",
        "address",
        "preferred_language",
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [
            models.Index(fields=["clinic", "family_name", "given_name"]),
            models.Index(fields=["clinic", "date_of_birth"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "number"], name="patient_number_per_clinic"),
            models.CheckConstraint(
                condition=models.Q(archived_at__isnull=True) | ~models.Q(archive_reason=""),
                name="patient_archive_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class HistoryItem(models.Model):
    """Shared columns of a medical-history entry. Voided with a reason, never deleted."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT)
    note = models.CharField(max_length=250, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=250, blank=True)

    # Django's own machinery (unique checks, deletion collector) uses the first manager; app code
    # must use `objects`, which refuses to run without for_clinic(). A test keeps it that way.
    django_internal = models.Manager()
    objects = ClinicScopedManager()

    class Meta:
        abstract = True


class ConditionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESOLVED = "resolved", "Resolved"


class Condition(HistoryItem):
    """A diagnosis or past condition, coded in ICD-10."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="conditions")
    code = models.CharField("ICD-10 code", max_length=8, validators=[validators.validate_icd10])
    title = models.CharField(max_length=250)
    status = models.CharField(
        max_length=10, choices=ConditionStatus.choices, default=ConditionStatus.ACTIVE
    )
    onset_date = models.DateField(
        "onset date", null=True, blank=True, validators=[validators.validate_not_future]
    )

    class Meta:
        ordering = ["status", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Medication(HistoryItem):
    """A medicine the patient takes or took, coded in WHO ATC."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    atc_code = models.CharField("ATC code", max_length=8, validators=[validators.validate_atc])
    name = models.CharField(max_length=250)
    dose = models.CharField(max_length=120, blank=True)
    started_on = models.DateField(
        "started on", null=True, blank=True, validators=[validators.validate_not_future]
    )
    stopped_on = models.DateField("stopped on", null=True, blank=True)

    class Meta:
        ordering = ["stopped_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stopped_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(stopped_on__gte=models.F("started_on")),
                name="medication_stops_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.atc_code})"

    def clean(self) -> None:
        if self.started_on and self.stopped_on and self.stopped_on < self.started_on:
            raise ValidationError({"stopped_on": "A medicine cannot stop before it started."})


class AllergySeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe (anaphylaxis)"
    UNKNOWN = "unknown", "Unknown"


class Allergy(HistoryItem):
    """An allergy or intolerance. Substance is free text; ATC code when it is a medicine."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=120)
    atc_code = models.CharField(
        "ATC code", max_length=8, blank=True, validators=[validators.validate_atc]
    )
    reaction = models.CharField(max_length=250, blank=True)
    severity = models.CharField(
        max_length=10, choices=AllergySeverity.choices, default=AllergySeverity.UNKNOWN
    )

    class Meta:
        ordering = ["substance"]
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.substance
