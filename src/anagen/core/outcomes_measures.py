"""What a visit measured, in the shape the response review reads: trichoscopy fields pooled
per site, pull tests, the satisfaction score and the photographic assessment. Part of
:mod:`anagen.core.outcomes`, which re-exports the public names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ImageMeasures", "PullTest", "SiteMeasures", "VisitMeasures", "pool_site"]


@dataclass(frozen=True)
class ImageMeasures:
    """One trichoscopy field's numbers (the corrected count; None where uncalibrated)."""

    site: str
    hair_count: int
    density_per_cm2: float | None = None
    mean_diameter_um: float | None = None
    vellus_fraction: float | None = None
    thin_fraction: float | None = None


@dataclass(frozen=True)
class SiteMeasures:
    """One site at one visit, pooled over its fields."""

    site: str
    images: int
    hair_count: int
    density_per_cm2: float | None
    mean_diameter_um: float | None
    vellus_fraction: float | None
    thin_fraction: float | None

    @property
    def terminal_density(self) -> float | None:
        """Hairs at or above the vellus cut-off per cm²; None when density or the vellus share
        is unknown (a field with no hairs has none of either)."""
        if self.density_per_cm2 is None:
            return None
        if self.hair_count == 0:
            return 0.0
        if self.vellus_fraction is None:
            return None
        return self.density_per_cm2 * (1 - self.vellus_fraction)


def pool_site(site: str, images: Sequence[ImageMeasures]) -> SiteMeasures:
    """The site's measures over its fields: density averaged over the fields that have one,
    diameter and fractions weighted by each field's hair count."""
    densities = [i.density_per_cm2 for i in images if i.density_per_cm2 is not None]
    return SiteMeasures(
        site=site,
        images=len(images),
        hair_count=sum(i.hair_count for i in images),
        density_per_cm2=sum(densities) / len(densities) if densities else None,
        mean_diameter_um=_weighted(images, "mean_diameter_um"),
        vellus_fraction=_weighted(images, "vellus_fraction"),
        thin_fraction=_weighted(images, "thin_fraction"),
    )


def _weighted(images: Sequence[ImageMeasures], name: str) -> float | None:
    pairs = [(i.hair_count, getattr(i, name)) for i in images if getattr(i, name) is not None]
    total = sum(n for n, _ in pairs)
    return sum(n * v for n, v in pairs) / total if total else None


@dataclass(frozen=True)
class PullTest:
    site: str
    grasped: int
    pulled: int

    @property
    def percent(self) -> float:
        return 100 * self.pulled / self.grasped if self.grasped else 0.0


@dataclass(frozen=True)
class VisitMeasures:
    """What one visit measured. ``global_photo`` is the clinician's -3..+3 score of this
    visit's photographs against baseline (on the review visit only)."""

    date: dt.date
    sites: Mapping[str, SiteMeasures] = field(default_factory=dict)
    pull_tests: tuple[PullTest, ...] = ()
    satisfaction: float | None = None
    global_photo: int | None = None

    @classmethod
    def from_images(
        cls, date: dt.date, images: Sequence[ImageMeasures], **others: Any
    ) -> VisitMeasures:
        by_site: dict[str, list[ImageMeasures]] = {}
        for image in images:
            by_site.setdefault(image.site, []).append(image)
        sites = {site: pool_site(site, group) for site, group in by_site.items()}
        return cls(date=date, sites=sites, **others)

    def pulled_percent(self) -> float | None:
        """The highest share of hairs pulled at any site tested; None when none was."""
        return max((t.percent for t in self.pull_tests if t.grasped), default=None)
