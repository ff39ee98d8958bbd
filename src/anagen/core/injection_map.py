"""The injection map of a session: the ``anagen.injection-map/1`` document.

The practitioner places injection points on a scalp diagram (a top view and both side views),
or paints whole zones with a point density. Positions are fractions of the diagram's width and
height (0-1), so the record does not depend on the drawing's size. Each point or zone carries its
depth (a named skin layer, or millimetres) and its volume; the session's total volume is their
sum. Every problem raises InvalidDocument naming the field (``points[3].volume_ml``).

    {"schema": "anagen.injection-map/1",
     "points": [{"view": "top", "x": 0.52, "y": 0.31, "zone": "vertex",
                 "depth": "superficial_intradermal", "volume_ml": 0.05}],
     "zones": [{"view": "top", "zone": "frontal", "points_per_cm2": 1.0,
                "depth_mm": 1.5, "volume_ml": 1.2}]}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from anagen.core.invalid import InvalidDocument, read_list, read_object

__all__ = [
    "DEPTHS",
    "MAP_SCHEMA",
    "VIEWS",
    "ZONES",
    "InjectionMap",
    "read_map",
]

MAP_SCHEMA = "anagen.injection-map/1"
ZONES = {
    "frontal": "Frontal",
    "mid_scalp": "Mid-scalp",
    "vertex": "Vertex (crown)",
    "temporal_left": "Left temporal",
    "temporal_right": "Right temporal",
    "parietal_left": "Left parietal",
    "parietal_right": "Right parietal",
    "occipital": "Occipital",
}
# What each view of the diagram shows; a point's zone must be one its view shows.
VIEWS = {
    "top": tuple(ZONES),
    "left": ("frontal", "mid_scalp", "vertex", "temporal_left", "parietal_left", "occipital"),
    "right": ("frontal", "mid_scalp", "vertex", "temporal_right", "parietal_right", "occipital"),
}
DEPTHS = {
    "intraepidermal": "Intraepidermal",
    "superficial_intradermal": "Superficial intradermal",
    "deep_intradermal": "Deep intradermal",
}
# Plausibility limits: a typo (5 ml in one point, 40 mm deep) is refused, not recorded.
# Scalp skin is about 2-3 mm thick down to the subcutis; 6 mm reaches well below it.
MAX_DEPTH_MM = 6.0
MAX_POINT_ML = 0.5
MAX_ZONE_ML = 10.0
MAX_DENSITY_PER_CM2 = 10.0
MAX_TOTAL_ML = 20.0
_POINT_KEYS = ("view", "x", "y", "zone", "depth", "depth_mm", "volume_ml")
_ZONE_KEYS = ("view", "zone", "points_per_cm2", "depth", "depth_mm", "volume_ml")


@dataclass(frozen=True)
class InjectionMap:
    document: dict[str, Any]  # the map as read, normalised (numbers as floats)
    total_volume_ml: float
    volume_by_zone: dict[str, float]

    @property
    def is_empty(self) -> bool:
        return not (self.document["points"] or self.document["zones"])


def read_map(doc: object) -> InjectionMap:
    """Check an injection map and total its volume per zone."""
    top = read_object(doc, "", ("schema", "points", "zones"), required=("schema",))
    if top["schema"] != MAP_SCHEMA:
        raise InvalidDocument("schema", f"must be {MAP_SCHEMA!r}")
    points = read_list(top.get("points", []), "points", _point)
    zones = read_list(top.get("zones", []), "zones", _zone)
    painted = [(z["view"], z["zone"]) for z in zones]
    if len(set(painted)) != len(painted):
        raise InvalidDocument("zones", "a zone is painted twice in the same view")
    by_zone: dict[str, float] = {}
    for item in (*points, *zones):
        by_zone[item["zone"]] = by_zone.get(item["zone"], 0.0) + item["volume_ml"]
    total = round(sum(by_zone.values()), 3)
    if total > MAX_TOTAL_ML:
        raise InvalidDocument("total_volume_ml", f"{total} ml is more than {MAX_TOTAL_ML} ml")
    document = {"schema": MAP_SCHEMA, "points": list(points), "zones": list(zones)}
    return InjectionMap(document, total, {k: round(v, 3) for k, v in sorted(by_zone.items())})


def _point(value: object, field: str) -> dict[str, Any]:
    p = read_object(value, field, _POINT_KEYS, required=("view", "x", "y", "zone", "volume_ml"))
    view, zone = _view_zone(p, field)
    return {
        "view": view,
        "x": _number(p["x"], f"{field}.x", 0.0, 1.0),
        "y": _number(p["y"], f"{field}.y", 0.0, 1.0),
        "zone": zone,
        **_depth(p, field),
        "volume_ml": _volume(p["volume_ml"], f"{field}.volume_ml", MAX_POINT_ML),
    }


def _zone(value: object, field: str) -> dict[str, Any]:
    z = read_object(
        value, field, _ZONE_KEYS, required=("view", "zone", "points_per_cm2", "volume_ml")
    )
    view, zone = _view_zone(z, field)
    density = _number(z["points_per_cm2"], f"{field}.points_per_cm2", 0.0, MAX_DENSITY_PER_CM2)
    if density == 0:
        raise InvalidDocument(f"{field}.points_per_cm2", "must be more than 0")
    return {
        "view": view,
        "zone": zone,
        "points_per_cm2": density,
        **_depth(z, field),
        "volume_ml": _volume(z["volume_ml"], f"{field}.volume_ml", MAX_ZONE_ML),
    }


def _view_zone(item: Mapping[str, Any], field: str) -> tuple[str, str]:
    view, zone = item["view"], item["zone"]
    if view not in VIEWS:
        raise InvalidDocument(f"{field}.view", f"allowed: {', '.join(VIEWS)}")
    if zone not in VIEWS[view]:
        raise InvalidDocument(
            f"{field}.zone",
            f"{zone!r} is not on the {view} view; allowed: {', '.join(VIEWS[view])}",
        )
    return view, zone


def _depth(item: Mapping[str, Any], field: str) -> dict[str, Any]:
    """A named layer or millimetres: exactly one of the two."""
    depth, mm = item.get("depth"), item.get("depth_mm")
    if (depth is None) == (mm is None):
        raise InvalidDocument(f"{field}.depth", "give the depth as a skin layer or in mm")
    if depth is not None:
        if depth not in DEPTHS:
            raise InvalidDocument(f"{field}.depth", f"allowed: {', '.join(DEPTHS)}")
        return {"depth": depth}
    millimetres = _number(mm, f"{field}.depth_mm", 0.0, MAX_DEPTH_MM)
    if millimetres == 0:
        raise InvalidDocument(f"{field}.depth_mm", "must be more than 0")
    return {"depth_mm": millimetres}


def _volume(value: object, field: str, most: float) -> float:
    volume = _number(value, field, 0.0, most)
    if volume == 0:
        raise InvalidDocument(field, "must be more than 0 ml")
    return volume


def _number(value: object, field: str, low: float, high: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and low <= number <= high:
            return number
    raise InvalidDocument(field, f"must be a number from {low:g} to {high:g}")
