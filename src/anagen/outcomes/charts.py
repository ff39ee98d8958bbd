"""The patient's outcome charts: density, mean shaft diameter and vellus fraction over time, one
line per scalp site, with the course's signed sessions and its review milestone marked.

Each visit's fields at one site are pooled as the response review pools them
(:func:`anagen.core.outcomes.pool_site`), so the chart and the review show the same numbers.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from anagen.core.outcomes import ImageMeasures, SiteMeasures, pool_site
from anagen.outcomes import selectors
from anagen.outcomes.chart_svg import LineChart, Series
from anagen.outcomes.models import MeasurementVisit, Site
from anagen.outcomes.review import review_date
from anagen.sessions.models import SessionStatus
from anagen.sessions.selectors import session_day, session_records

# (chart id, title, unit, SiteMeasures attribute, scale, decimals)
MEASURES = (
    ("density", "Hair density", "hairs/cm²", "density_per_cm2", 1.0, 0),
    ("diameter", "Mean shaft diameter", "µm", "mean_diameter_um", 1.0, 1),
    ("vellus", "Vellus fraction", "%", "vellus_fraction", 100.0, 1),
)
SITE_ORDER = [value for value, _ in Site.choices]
SITE_LABELS = dict(Site.choices)


@dataclass(frozen=True)
class VisitSites:
    """One visit and its sites' pooled measures."""

    visit: MeasurementVisit
    sites: dict[str, SiteMeasures]


def course_visits(patient: Any, plan: Any = None) -> list[VisitSites]:
    """The patient's standing visits, oldest first (those of ``plan`` and those of no course
    when a plan is given), each with its sites pooled."""
    visits = selectors.visit_list(patient).order_by("date", "created_at")
    if plan is not None:
        visits = visits.filter(Q(plan=plan) | Q(plan__isnull=True))
    images = selectors.patient_images(patient)
    by_visit: dict[Any, dict[str, list[ImageMeasures]]] = {}
    for image in images:
        by_visit.setdefault(image.visit_id, {}).setdefault(image.site, []).append(
            ImageMeasures(
                image.site,
                image.hair_count,
                image.density_per_cm2,
                image.mean_diameter_um,
                image.vellus_fraction,
                image.thin_fraction,
            )
        )
    return [
        VisitSites(v, {s: pool_site(s, fields) for s, fields in by_visit.get(v.pk, {}).items()})
        for v in visits
    ]


def session_dates(patient: Any, plan: Any) -> tuple[dt.date, ...]:
    """The days of the course's signed sessions (all the patient's when no course is given)."""
    sessions = session_records(patient).filter(status=SessionStatus.SIGNED)
    if plan is not None:
        sessions = sessions.filter(plan=plan)
    return tuple(sorted(session_day(s) for s in sessions))


def outcome_charts(patient: Any, plan: Any = None) -> list[LineChart]:
    """The three charts for the patient (empty ones included: the page says so)."""
    visits = course_visits(patient, plan)
    sessions, review = session_dates(patient, plan), review_date(plan)
    return [
        LineChart(
            id=f"chart-{chart_id}",
            title=title,
            unit=unit,
            series=_series(visits, name, scale),
            sessions=sessions,
            review=review,
            decimals=decimals,
        )
        for chart_id, title, unit, name, scale, decimals in MEASURES
    ]


def _series(visits: list[VisitSites], name: str, scale: float) -> tuple[Series, ...]:
    sites = sorted({s for v in visits for s in v.sites}, key=SITE_ORDER.index)
    out = []
    for site in sites:
        points = []
        for v in visits:
            measures = v.sites.get(site)
            value = None if measures is None else getattr(measures, name)
            if value is not None:
                points.append((v.visit.date, round(value * scale, 2)))
        out.append(Series(SITE_LABELS[site], tuple(points)))
    return tuple(out)
