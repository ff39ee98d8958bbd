"""The scalp diagram's geometry: where each zone of ``core.injection_map.ZONES`` lies on the top
view and on each side view.

Zones are rectangles in the view's own coordinates, clipped to the head's outline when drawn,
so a tap anywhere on the scalp finds exactly one zone. The right side view is the left one
mirrored, with the right-hand zones.
"""

from dataclasses import dataclass

from anagen.core.injection_map import ZONES

TOP_SIZE = (200, 240)
SIDE_SIZE = (240, 200)


@dataclass(frozen=True)
class ZoneShape:
    zone: str
    x: float
    y: float
    width: float
    height: float

    @property
    def label(self) -> str:
        return ZONES[self.zone]

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


@dataclass(frozen=True)
class View:
    id: str
    title: str
    width: int
    height: int
    zones: tuple[ZoneShape, ...]


# Seen from above, the nose at the top: the patient's left is on the left.
_TOP = (
    ZoneShape("temporal_left", 0, 0, 58, 100),
    ZoneShape("frontal", 58, 0, 84, 62),
    ZoneShape("temporal_right", 142, 0, 58, 100),
    ZoneShape("mid_scalp", 58, 62, 84, 60),
    ZoneShape("parietal_left", 0, 100, 58, 85),
    ZoneShape("vertex", 58, 122, 84, 63),
    ZoneShape("parietal_right", 142, 100, 58, 85),
    ZoneShape("occipital", 0, 185, 200, 55),
)
# The patient's left side, the face to the left.
_LEFT = (
    ZoneShape("frontal", 36, 0, 59, 62),
    ZoneShape("mid_scalp", 95, 0, 45, 45),
    ZoneShape("vertex", 140, 0, 45, 60),
    ZoneShape("temporal_left", 50, 62, 55, 53),
    ZoneShape("parietal_left", 105, 45, 80, 70),
    ZoneShape("occipital", 185, 0, 55, 165),
)
_MIRROR = {"temporal_left": "temporal_right", "parietal_left": "parietal_right"}


def _mirrored(shape: ZoneShape) -> ZoneShape:
    x = SIDE_SIZE[0] - shape.x - shape.width
    return ZoneShape(_MIRROR.get(shape.zone, shape.zone), x, shape.y, shape.width, shape.height)


VIEWS = (
    View("top", "Top", *TOP_SIZE, _TOP),
    View("left", "Left side", *SIDE_SIZE, _LEFT),
    View("right", "Right side", *SIDE_SIZE, tuple(_mirrored(z) for z in _LEFT)),
)
