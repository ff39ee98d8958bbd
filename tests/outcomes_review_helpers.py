"""A patient's measured course for the response-review and progress-report tests: a baseline and
a review visit with trichoscopy numbers per site, a pull test, the satisfaction questionnaire and
the clinician's global assessment.

The trichoscopy rows are written with the numbers given (the review reads stored numbers; image
analysis has its own tests); everything else goes through the outcomes services.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from anagen.audit.services import Actor
from anagen.outcomes import services
from anagen.outcomes.models import TrichoscopyImage
from anagen.outcomes.questionnaire import ITEMS

# (density per cm², mean diameter µm, vellus fraction) per site.
BASELINE = {"frontal": (120.0, 52.0, 0.25), "vertex": (100.0, 50.0, 0.30)}
IMPROVED = {"frontal": (150.0, 57.0, 0.15), "vertex": (115.0, 55.0, 0.22)}
UNCHANGED = {"frontal": (121.0, 52.0, 0.25), "vertex": (99.0, 50.0, 0.31)}


def field(
    visit: Any, site: str, numbers: tuple[float | None, ...], user: Any, hairs: int = 40
) -> Any:
    density, diameter, vellus = numbers
    return TrichoscopyImage.objects.create(
        clinic=visit.clinic, visit=visit, site=site, file=f"clinic/x/{visit.pk}-{site}.png",
        sha256=f"{visit.pk.hex}{site}"[:64], width=320, height=256,
        um_per_px=None if density is None else 5.0, analysis={"schema": "anagen.trichoscopy/1"},
        hairs=[], detected_count=hairs, hair_count=hairs, density_per_cm2=density,
        mean_diameter_um=diameter, vellus_fraction=vellus, thin_fraction=vellus,
        uploaded_by=user,
    )  # fmt: skip


def answers(level: int) -> dict[str, int]:
    return {item.id: level for item in ITEMS}


@dataclass
class Course:
    baseline: Any
    review: Any


def measured(
    patient: Any,
    user: Any,
    *,
    at_review: dict[str, tuple[float | None, ...]],
    pulled: tuple[int, int] = (9, 3),
    satisfaction: tuple[int, int] = (2, 4),
    photo_score: int | None = 2,
    plan: Any = None,
    days: tuple[int, int] = (120, 7),
) -> Course:
    """Baseline ``days[0]`` days ago and a review visit ``days[1]`` days ago, both measured."""
    actor = Actor(user=user)
    visits = []
    for kind, ago, sites, pull, level in (
        ("baseline", days[0], BASELINE, pulled[0], satisfaction[0]),
        ("review", days[1], at_review, pulled[1], satisfaction[1]),
    ):
        visit = services.visit_create(
            actor=actor, patient=patient, date=dt.date.today() - dt.timedelta(days=ago),
            kind=kind, plan=plan,
        )  # fmt: skip
        for site, numbers in sites.items():
            field(visit, site, numbers, user)
        services.pull_test_record(actor=actor, visit=visit, site="vertex", hairs_pulled=pull)
        services.satisfaction_record(actor=actor, visit=visit, answers=answers(level))
        visits.append(visit)
    if photo_score is not None:
        services.global_assessment_record(
            actor=actor, visit=visits[1], compared_with=visits[0], score=photo_score
        )
    return Course(*visits)
