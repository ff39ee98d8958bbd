"""The other measurements of a visit: pull test, shedding count, the patient's satisfaction and
the clinician's global photographic assessment."""

from django.conf import settings
from django.db import models

from anagen.outcomes.models.base import Site, Voidable
from anagen.outcomes.models.visits import MeasurementVisit

# REFERENCE.md §3.5: a pull test is positive when more than 10 % of the grasped hairs come out.
PULL_TEST_POSITIVE_SHARE = 0.10


class Measurement(Voidable):
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta(Voidable.Meta):
        abstract = True


class PullTest(Measurement):
    """Hairs grasped (40-60, REFERENCE.md §3.5) and how many came out with a gentle pull."""

    visit = models.ForeignKey(MeasurementVisit, on_delete=models.PROTECT, related_name="pull_tests")
    site = models.CharField(max_length=16, choices=Site.choices)
    hairs_grasped = models.PositiveSmallIntegerField(default=50)
    hairs_pulled = models.PositiveSmallIntegerField()

    class Meta(Measurement.Meta):
        ordering = ["recorded_at"]
        indexes = [models.Index(fields=["clinic", "visit"])]
        constraints = [
            *Measurement.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(hairs_pulled__lte=models.F("hairs_grasped")),
                name="pull_test_pulled_within_grasped",
            ),
        ]

    def __str__(self) -> str:
        return f"pull test {self.hairs_pulled}/{self.hairs_grasped} at {self.site}"

    @property
    def share(self) -> float:
        return self.hairs_pulled / self.hairs_grasped if self.hairs_grasped else 0.0

    @property
    def positive(self) -> bool:
        """More than 10 % of the grasped hairs pulled (REFERENCE.md §3.5)."""
        return self.share > PULL_TEST_POSITIVE_SHARE


class SheddingMethod(models.TextChoices):
    WASH_TEST = "wash_test", "Wash test (hairs shed in one shampoo)"
    DAILY_COUNT = "daily_count", "Daily count (hairs shed in a day)"


class SheddingCount(Measurement):
    """Hairs shed, counted by the patient (REFERENCE.md §3.6 gives reference values)."""

    visit = models.ForeignKey(MeasurementVisit, on_delete=models.PROTECT, related_name="shedding")
    method = models.CharField(max_length=12, choices=SheddingMethod.choices)
    hairs = models.PositiveIntegerField()

    class Meta(Measurement.Meta):
        ordering = ["recorded_at"]
        indexes = [models.Index(fields=["clinic", "visit"])]

    def __str__(self) -> str:
        return f"{self.hairs} hairs ({self.method})"


class SatisfactionSurvey(Measurement):
    """The patient's answers to a short questionnaire; ``score`` is 0-100, higher is more
    satisfied. ``instrument`` names the questionnaire and its version."""

    visit = models.ForeignKey(
        MeasurementVisit, on_delete=models.PROTECT, related_name="satisfaction"
    )
    instrument = models.CharField(max_length=60)
    answers = models.JSONField()
    score = models.FloatField()

    class Meta(Measurement.Meta):
        ordering = ["recorded_at"]
        indexes = [models.Index(fields=["clinic", "visit"])]
        constraints = [
            *Measurement.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=100), name="satisfaction_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"satisfaction {self.score:.0f}"


class GlobalPhotoAssessment(Voidable):
    """A clinician's rating of the change in the photos since ``compared_with`` (the baseline),
    on the seven-point scale -3 (greatly worse) to +3 (greatly improved)."""

    visit = models.ForeignKey(
        MeasurementVisit, on_delete=models.PROTECT, related_name="global_assessments"
    )
    compared_with = models.ForeignKey(MeasurementVisit, on_delete=models.PROTECT, related_name="+")
    score = models.SmallIntegerField()
    note = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(auto_now_add=True)

    class Meta(Voidable.Meta):
        ordering = ["assessed_at"]
        indexes = [models.Index(fields=["clinic", "visit"])]
        constraints = [
            *Voidable.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(score__gte=-3, score__lte=3), name="global_assessment_range"
            ),
        ]

    def __str__(self) -> str:
        return f"global assessment {self.score:+d}"
