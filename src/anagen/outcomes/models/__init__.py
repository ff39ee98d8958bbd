"""Outcome records: measurement visits and what is measured at them, and the response review."""

from anagen.outcomes.models.base import Site
from anagen.outcomes.models.images import (
    PHOTO_CHECKLIST,
    ClinicalPhoto,
    Phototrichogram,
    PhotoView,
    TrichoscopyImage,
)
from anagen.outcomes.models.measures import (
    PULL_TEST_POSITIVE_SHARE,
    GlobalPhotoAssessment,
    PullTest,
    SatisfactionSurvey,
    SheddingCount,
    SheddingMethod,
)
from anagen.outcomes.models.review import ResponseCriteria, ResponseLabel, ResponseReview
from anagen.outcomes.models.visits import MeasurementVisit, TrichoscopeDevice, VisitKind

__all__ = [
    "PHOTO_CHECKLIST",
    "PULL_TEST_POSITIVE_SHARE",
    "ClinicalPhoto",
    "GlobalPhotoAssessment",
    "MeasurementVisit",
    "PhotoView",
    "Phototrichogram",
    "PullTest",
    "ResponseCriteria",
    "ResponseLabel",
    "ResponseReview",
    "SatisfactionSurvey",
    "SheddingCount",
    "SheddingMethod",
    "Site",
    "TrichoscopeDevice",
    "TrichoscopyImage",
    "VisitKind",
]
