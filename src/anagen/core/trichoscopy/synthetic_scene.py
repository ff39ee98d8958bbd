"""The geometry of a synthetic trichoscopy field (``synthetic``): follicular units and their
hair shafts placed on the skin, and the truth they give (the visible part of each shaft)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from anagen.core.invalid import InvalidDocument
from anagen.core.trichoscopy.measure import VELLUS_UM, Hair
from anagen.core.trichoscopy.synthetic_draw import (
    Canvas,
    Look,
    Opening,
    Stroke,
    draw_header,
    draw_opening,
    draw_stroke,
    finish,
    lighting,
    skin,
)

__all__ = [
    "CLIPPED_UM",
    "NATURAL_UM",
    "TERMINAL_RANGE_UM",
    "VELLUS_RANGE_UM",
    "Scene",
    "Shaft",
    "diameters",
    "place",
    "render",
]

Image = npt.NDArray[np.uint8]
Rng = np.random.Generator

CLIPPED_UM = (150.0, 450.0)  # visible length of a clipped hair's stub
NATURAL_UM = (3000.0, 8000.0)  # long enough to run out of a x70 field
_UNIT_SIZES = (1, 2, 3)
_UNIT_WEIGHTS = (0.4, 0.4, 0.2)  # follicular units of 1, 2 and 3 hairs
VELLUS_RANGE_UM = (12.0, 27.0)  # vellus diameters, clear of the 30 µm cut-off
TERMINAL_RANGE_UM = (34.0, 110.0)


@dataclasses.dataclass(frozen=True)
class Shaft:
    """One hair as drawn: it leaves the skin at (x, y) px, its follicular opening, and runs
    ``length_px`` along ``direction_deg`` (image axes, y down). Its truth ``Hair`` is the part
    inside the image."""

    x: float
    y: float
    direction_deg: float
    length_px: float
    width_px: float
    colour: str = "black"
    unit: int = 0
    tapered: bool = False

    @property
    def tip(self) -> tuple[float, float]:
        angle = math.radians(self.direction_deg)
        return self.x + self.length_px * math.cos(angle), self.y + self.length_px * math.sin(angle)

    def stroke(self) -> Stroke:
        return Stroke(
            self.x, self.y, self.direction_deg, self.length_px, self.width_px, self.colour,
            self.tapered,
        )  # fmt: skip

    def visible(self, width: int, height: int, top: int = 0) -> Hair | None:
        """The part of the shaft inside the field (rows ``top`` and below), or None."""
        tx, ty = self.tip
        span = _clip_segment(
            (self.x, self.y), (tx, ty), (0.0, float(top)), (width - 1.0, height - 1.0)
        )
        if span is None:
            return None
        (x0, y0), (x1, y1) = span
        length = math.hypot(x1 - x0, y1 - y0)
        if length < 1.0:
            return None
        return Hair(
            x=(x0 + x1) / 2,
            y=(y0 + y1) / 2,
            length_px=length,
            width_px=self.width_px,
            angle_deg=self.direction_deg % 180.0,
        )


def _clip_segment(
    a: tuple[float, float],
    b: tuple[float, float],
    low: tuple[float, float],
    high: tuple[float, float],
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Liang-Barsky: the part of segment a-b inside the box low-high."""
    t0, t1 = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in (
        (-dx, a[0] - low[0]),
        (dx, high[0] - a[0]),
        (-dy, a[1] - low[1]),
        (dy, high[1] - a[1]),
    ):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return (a[0] + t0 * dx, a[1] + t0 * dy), (a[0] + t1 * dx, a[1] + t1 * dy)


@dataclasses.dataclass(frozen=True)
class Scene:
    """What a field shows, before the camera: its size, calibration, header band (rows) and
    the openings and shafts on the skin."""

    width: int
    height: int
    um_per_px: float
    header_rows: int
    openings: tuple[Opening, ...]
    shafts: tuple[Shaft, ...]

    @property
    def field_px(self) -> int:
        return self.width * (self.height - self.header_rows)

    def truth(self) -> tuple[Hair, ...]:
        """The hairs whose visible part has its midpoint in the field."""
        hairs = (s.visible(self.width, self.height, self.header_rows) for s in self.shafts)
        return tuple(h for h in hairs if h is not None)


def render(
    scene: Scene, rng: Rng, look: Look, *, base: Canvas | None = None, header: str = ""
) -> Image:
    """Draw a scene: skin (or ``base``, skin drawn beforehand), halos, shafts, light, camera,
    and the header band over its top ``header_rows`` rows."""
    canvas = base.copy() if base is not None else skin(rng, scene.height, scene.width)
    for opening in scene.openings:
        draw_opening(canvas, opening)
    for shaft in scene.shafts:
        draw_stroke(canvas, shaft.stroke(), look.sheen)
    canvas = lighting(rng, canvas)
    image = finish(rng, canvas, look)
    if scene.header_rows:
        draw_header(image, scene.header_rows, header or "A001 | 70x")
    return image


def diameters(rng: Rng, count: int, mean_um: float, vellus_fraction: float) -> list[float]:
    """``count`` shaft diameters (µm) whose mean is ``mean_um`` and of which a share
    ``vellus_fraction`` (rounded to a whole hair) is vellus, under 30 µm."""
    vellus = round(vellus_fraction * count)
    terminal = count - vellus
    thin = list(rng.uniform(*VELLUS_RANGE_UM, vellus))
    if terminal == 0:
        return thin
    target = (mean_um * count - sum(thin)) / terminal
    low, high = TERMINAL_RANGE_UM
    if not low <= target <= high:
        raise InvalidDocument(
            "mean_diameter_um",
            f"{mean_um:g} µm cannot be reached with a vellus fraction of {vellus_fraction:g} "
            f"(terminal hairs would average {target:.0f} µm; they are drawn {low:g}-{high:g} µm)",
        )
    spread = rng.normal(0.0, 9.0, terminal)
    spread -= spread.mean()
    # Deviations of zero mean keep the mean exact; they shrink where the range would clip them.
    room = min(
        (high - target) / max(float(spread.max()), 1e-9) if spread.max() > 0 else 1.0,
        (target - low) / max(float(-spread.min()), 1e-9) if spread.min() < 0 else 1.0,
        1.0,
    )
    thick = target + room * spread
    return thin + [float(d) for d in thick]


def _units(rng: Rng, count: int) -> list[int]:
    sizes: list[int] = []
    while sum(sizes) < count:
        sizes.append(int(rng.choice(_UNIT_SIZES, p=_UNIT_WEIGHTS)))
    if sizes:
        sizes[-1] -= sum(sizes) - count
    return [s for s in sizes if s > 0]


def _segment_gap(a: Shaft, b: Shaft) -> float:
    """Shortest distance between two shafts (sampled; enough to keep units apart)."""
    pa = np.linspace((a.x, a.y), a.tip, 12)
    pb = np.linspace((b.x, b.y), b.tip, 12)
    return float(np.min(np.hypot(*(pa[:, None, :] - pb[None, :, :]).transpose(2, 0, 1))))


@dataclasses.dataclass(frozen=True)
class _Bounds:
    left: float
    top: float
    right: float
    bottom: float

    def holds(self, x: float, y: float) -> bool:
        return self.left <= x <= self.right and self.top <= y <= self.bottom


def place(
    rng: Rng,
    *,
    width: int,
    height: int,
    um_per_px: float,
    diameters_um: Sequence[float],
    clipped: bool = True,
    top: int = 0,
    margin: float = 8.0,
    colour: str = "black",
    lengths_um: tuple[float, float] | None = None,
) -> tuple[tuple[Opening, ...], tuple[Shaft, ...]]:
    """Follicular units holding one hair per diameter, in fans from one opening each, hairs of
    a field roughly aligned. Clipped fields keep every stub wholly inside the field (``margin``
    px from its edges) and units apart; natural hairs run out of the image."""
    lengths = lengths_um or (CLIPPED_UM if clipped else NATURAL_UM)
    order = list(rng.permutation(len(diameters_um)))
    bounds = _Bounds(margin, top + margin, width - 1 - margin, height - 1 - margin)
    stream = rng.uniform(0.0, 360.0)
    sizes = _units(rng, len(diameters_um))
    spacing = math.sqrt(
        (bounds.right - bounds.left) * (bounds.bottom - bounds.top) / max(1, len(sizes))
    )
    openings: list[Opening] = []
    shafts: list[Shaft] = []
    for unit, size in enumerate(sizes):
        widths = [diameters_um[order.pop()] / um_per_px for _ in range(size)]
        opening, fan = _unit(rng, unit, widths, stream, lengths, um_per_px, colour)
        x, y, moved = _site(rng, fan, bounds, openings, shafts, spacing, clipped=clipped)
        openings.append(dataclasses.replace(opening, x=x, y=y))
        shafts.extend(moved)
    return tuple(openings), tuple(shafts)


def _site(
    rng: Rng,
    fan: list[Shaft],
    bounds: _Bounds,
    openings: list[Opening],
    shafts: list[Shaft],
    spacing: float,
    *,
    clipped: bool,
) -> tuple[float, float, list[Shaft]]:
    """Where a unit's opening goes: inside the bounds (with every stub, if clipped), away from
    the other openings and, if clipped, not touching other shafts. The spacing asked for shrinks
    as attempts fail; the last resort is any place that keeps the stubs inside."""
    fallback: tuple[float, float, list[Shaft]] | None = None
    for attempt in range(400):
        gap = spacing * 0.45 * (0.9 ** (attempt // 40))
        x, y = rng.uniform(bounds.left, bounds.right), rng.uniform(bounds.top, bounds.bottom)
        moved = [dataclasses.replace(s, x=s.x + x, y=s.y + y) for s in fan]
        if clipped and not all(bounds.holds(*s.tip) and bounds.holds(s.x, s.y) for s in moved):
            continue
        fallback = fallback or (x, y, moved)
        if any(math.hypot(o.x - x, o.y - y) < gap for o in openings):
            continue
        if clipped and any(_segment_gap(a, b) < a.width_px + 4 for a in moved for b in shafts):
            continue
        return x, y, moved
    return fallback or (x, y, moved)


def _unit(
    rng: Rng,
    unit: int,
    widths: list[float],
    stream: float,
    lengths_um: tuple[float, float],
    um_per_px: float,
    colour: str,
) -> tuple[Opening, list[Shaft]]:
    """A fan of hairs leaving one opening at (0, 0): directions a few degrees apart round the
    unit's own, emergence points a fraction of a width apart."""
    heading = stream + rng.normal(0.0, 8.0)
    step = rng.uniform(12.0, 22.0)
    fan = []
    for i, width in enumerate(widths):
        offset = i - (len(widths) - 1) / 2
        direction = heading + offset * step
        normal = math.radians(heading + 90.0)
        shift = offset * 0.8 * width
        vellus = width * um_per_px < VELLUS_UM
        length = rng.uniform(*lengths_um) * (0.7 if vellus else 1.0) / um_per_px
        fan.append(
            Shaft(
                x=shift * math.cos(normal),
                y=shift * math.sin(normal),
                direction_deg=direction % 360.0,
                length_px=length,
                width_px=width,
                colour="fair" if vellus else colour,
                unit=unit,
                tapered=vellus and lengths_um[1] > CLIPPED_UM[1],
            )
        )
    mean_width = sum(widths) / len(widths)
    opening = Opening(0.0, 0.0, rng.uniform(2.0, 3.5) * mean_width, rng.uniform(0.25, 0.55))
    return opening, fan
