"""What an analysis of one trichoscopy field says: the hairs found, and with a calibration the
measures clinicians use (density per cm², shaft diameter, vellus and thin-hair fractions).

The thresholds are sourced: vellus hairs are < 30 µm by default (configurable per clinic), and
Rakowska 2009 (REFERENCE.md §6.3) counts "thin hairs" as < 0.03 mm in the frontal area.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from typing import Any

__all__ = ["SCHEMA", "THIN_UM", "VELLUS_UM", "Analysis", "Hair"]

SCHEMA = "anagen.trichoscopy/1"
VELLUS_UM = 30.0
THIN_UM = 30.0  # Rakowska 2009: thin hairs < 0.03 mm


@dataclasses.dataclass(frozen=True)
class Hair:
    """One hair shaft in image pixels: its midpoint, its visible length and its width."""

    x: float
    y: float
    length_px: float
    width_px: float
    angle_deg: float = 0.0
    score: float = 1.0

    def as_json(self) -> dict[str, float]:
        return {
            "x": round(self.x, 1),
            "y": round(self.y, 1),
            "length_px": round(self.length_px, 1),
            "width_px": round(self.width_px, 1),
            "angle_deg": round(self.angle_deg, 1),
        }


@dataclasses.dataclass(frozen=True)
class Analysis:
    """The hairs of one field. ``field_px`` is the scalp area the count is over, in pixels (the
    image less its burnt-in overlay bands); density divides by it."""

    width: int
    height: int
    hairs: tuple[Hair, ...]
    field_px: int
    um_per_px: float | None = None
    seconds: float = 0.0
    vellus_um: float = VELLUS_UM

    @property
    def hair_count(self) -> int:
        return len(self.hairs)

    def diameters_um(self) -> list[float]:
        if self.um_per_px is None:
            return []
        return [h.width_px * self.um_per_px for h in self.hairs]

    @property
    def density_per_cm2(self) -> float | None:
        if self.um_per_px is None or self.field_px <= 0:
            return None
        area_cm2 = self.field_px * (self.um_per_px * 1e-4) ** 2
        return self.hair_count / area_cm2

    @property
    def mean_diameter_um(self) -> float | None:
        diameters = self.diameters_um()
        return statistics.fmean(diameters) if diameters else None

    def fraction_below(self, um: float) -> float | None:
        diameters = self.diameters_um()
        if not diameters:
            return None
        return sum(1 for d in diameters if d < um) / len(diameters)

    @property
    def vellus_fraction(self) -> float | None:
        return self.fraction_below(self.vellus_um)

    @property
    def thin_fraction(self) -> float | None:
        return self.fraction_below(THIN_UM)

    def with_hairs(self, hairs: Sequence[Hair]) -> Analysis:
        """The same field with a corrected list of hairs (a clinician's clicks)."""
        return dataclasses.replace(self, hairs=tuple(hairs))

    def as_json(self, image: str) -> dict[str, Any]:
        """The C4 document (``anagen.trichoscopy/1``) for this field; fields beyond the contract
        (field_px, thin_fraction, vellus_um) are additions."""

        def rounded(value: float | None, places: int) -> float | None:
            return None if value is None else round(value, places)

        return {
            "schema": SCHEMA,
            "image": image,
            "width": self.width,
            "height": self.height,
            "hair_count": self.hair_count,
            "hairs": [h.as_json() for h in self.hairs],
            "um_per_px": self.um_per_px,
            "density_per_cm2": rounded(self.density_per_cm2, 1),
            "mean_diameter_um": rounded(self.mean_diameter_um, 1),
            "vellus_fraction": rounded(self.vellus_fraction, 3),
            "seconds": round(self.seconds, 3),
            "thin_fraction": rounded(self.thin_fraction, 3),
            "vellus_um": self.vellus_um,
            "field_px": self.field_px,
        }
