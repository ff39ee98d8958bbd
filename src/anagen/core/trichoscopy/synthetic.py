"""Synthetic trichoscopy fields with known truth, for tests, benchmarks and the demo.

A field is scalp skin with follicular units of one to three hairs leaving one opening in a fan,
each opening with its bluish-grey halo; hairs are dark shafts of known emergence point, length,
width (a diameter in µm over ``um_per_px``), direction and colour. The camera adds optical blur,
uneven light, sensor noise and optionally JPEG artefacts and a burnt-in header band that an
analyser must ignore. A field is clipped (short stubs, as a phototrichogram or TrichoScan field
is prepared) or natural (long hairs running out of the image). The same seed gives the same
image and truth.

``field`` is the high-level entry: a field whose density, mean diameter and vellus fraction are
the ones asked for. ``synthetic_pair`` draws the same clipped site days apart, for the
phototrichogram; ``micrometer`` draws a stage micrometer, for calibration.
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np
import numpy.typing as npt

from anagen.core.invalid import InvalidDocument
from anagen.core.trichoscopy.measure import VELLUS_UM, Analysis, Hair
from anagen.core.trichoscopy.synthetic_draw import HAIR_COLOURS, Look, Opening, finish, skin
from anagen.core.trichoscopy.synthetic_scene import (
    TERMINAL_RANGE_UM,
    VELLUS_RANGE_UM,
    Scene,
    Shaft,
    diameters,
    place,
    render,
)

__all__ = [
    "GROWTH_UM_PER_DAY",
    "STUB_UM",
    "Field",
    "Look",
    "Pair",
    "Scene",
    "Shaft",
    "field",
    "micrometer",
    "synthetic_pair",
]

Image = npt.NDArray[np.uint8]
Rng = np.random.Generator

# Scalp hair grows about 0.35 mm a day (about 1 cm a month): the commonly quoted figure, for which
# REFERENCE.md has no source. The phototrichogram needs only anagen growth well clear of zero.
GROWTH_UM_PER_DAY = 350.0
STUB_UM = (300.0, 700.0)  # a phototrichogram site is clipped to under a millimetre
_HEADER_TEXT = "A{id:03d} | {w}x{h} | 2024/03/{day:02d} 09:{m:02d}:18 | 70x | mm"


@dataclasses.dataclass(frozen=True)
class Field:
    """A drawn field: the RGB image and its truth (``hairs``, in the order of ``shafts``)."""

    image: Image
    scene: Scene
    hairs: tuple[Hair, ...]

    @property
    def shafts(self) -> tuple[Shaft, ...]:
        return self.scene.shafts

    @property
    def um_per_px(self) -> float:
        return self.scene.um_per_px

    @property
    def field_px(self) -> int:
        return self.scene.field_px

    def truth(self, vellus_um: float = VELLUS_UM) -> Analysis:
        """The truth as an analysis: its density, mean diameter and vellus fraction are exact."""
        return Analysis(
            width=self.scene.width,
            height=self.scene.height,
            hairs=self.hairs,
            field_px=self.field_px,
            um_per_px=self.um_per_px,
            vellus_um=vellus_um,
        )


def _check(name: str, value: float, low: float, high: float) -> None:
    if not (math.isfinite(value) and low <= value <= high):
        raise InvalidDocument(name, f"must be between {low:g} and {high:g} (got {value:g})")


def field(
    seed: int,
    hairs_per_cm2: float,
    mean_diameter_um: float,
    vellus_fraction: float,
    *,
    um_per_px: float = 2.5,
    width: int = 1280,
    height: int = 1024,
    clipped: bool = True,
    header: bool = True,
    colour: str | None = None,
    look: Look | None = None,
) -> Field:
    """A field whose truth has the density (to the nearest whole hair over the field less its
    header band), mean shaft diameter and vellus fraction (to the nearest hair) asked for. The
    defaults imitate a x70 device: 1280x1024 px at 2.5 µm per px (3.2 x 2.6 mm)."""
    _check("hairs_per_cm2", hairs_per_cm2, 0.0, 600.0)
    _check("mean_diameter_um", mean_diameter_um, VELLUS_RANGE_UM[0], TERMINAL_RANGE_UM[1])
    _check("vellus_fraction", vellus_fraction, 0.0, 1.0)
    _check("um_per_px", um_per_px, 0.5, 20.0)
    _check("width", width, 64, 4096)
    _check("height", height, 64, 4096)
    if colour is not None and colour not in HAIR_COLOURS:
        raise InvalidDocument("colour", f"must be one of {', '.join(HAIR_COLOURS)}")
    rng = np.random.default_rng(seed)
    top = round(0.045 * height) if header else 0
    area_cm2 = width * (height - top) * (um_per_px * 1e-4) ** 2
    count = round(hairs_per_cm2 * area_cm2)
    shafts_um = diameters(rng, count, mean_diameter_um, vellus_fraction)
    shade = colour or str(rng.choice(["black", "black", "black", "brown"]))
    openings, shafts = place(
        rng, width=width, height=height, um_per_px=um_per_px, diameters_um=shafts_um,
        clipped=clipped, top=top, colour=shade,
    )  # fmt: skip
    scene = Scene(width, height, um_per_px, top, openings, shafts)
    label = _HEADER_TEXT.format(id=seed % 1000, w=width, h=height, day=seed % 28 + 1, m=seed % 60)
    image = render(scene, rng, look or Look(), header=label)
    return Field(image=image, scene=scene, hairs=scene.truth())


@dataclasses.dataclass(frozen=True)
class Pair:
    """One clipped site imaged twice, ``days`` apart. ``fates`` says, for each hair of
    ``before.hairs``, whether it grew (``anagen``), stayed (``telogen``) or fell out (``shed``,
    a telogen hair that was lost); ``after_of`` gives its index in ``after.hairs`` (None when
    shed); ``new`` hairs appear only after. ``matrix`` (2x3) maps before pixels to after
    pixels."""

    before: Field
    after: Field
    fates: tuple[str, ...]
    after_of: tuple[int | None, ...]
    new: int
    matrix: npt.NDArray[np.float64]
    days: float

    @property
    def anagen_fraction(self) -> float:
        """Anagen hairs over the hairs of the before image (shed hairs count as telogen)."""
        return self.fates.count("anagen") / len(self.fates) if self.fates else 0.0


def _transform(
    rng: Rng, width: int, height: int, shift_px: float, rotation_deg: float
) -> npt.NDArray[np.float64]:
    """A rigid motion about the image centre: before pixel (x, y, 1) to after pixel."""
    angle = math.radians(rng.uniform(-rotation_deg, rotation_deg))
    dx, dy = rng.uniform(-shift_px, shift_px, 2)
    cos, sin = math.cos(angle), math.sin(angle)
    cx, cy = (width - 1) / 2, (height - 1) / 2
    return np.array(
        [
            [cos, -sin, cx - cos * cx + sin * cy + dx],
            [sin, cos, cy - sin * cx - cos * cy + dy],
        ]
    )


def _moved(shaft: Shaft, matrix: npt.NDArray[np.float64], grown_px: float) -> Shaft:
    x, y = matrix @ np.array([shaft.x, shaft.y, 1.0])
    turn = math.degrees(math.atan2(matrix[1, 0], matrix[0, 0]))
    return dataclasses.replace(
        shaft,
        x=float(x),
        y=float(y),
        direction_deg=(shaft.direction_deg + turn) % 360.0,
        length_px=shaft.length_px + grown_px,
    )


def _fates(rng: Rng, count: int, anagen_fraction: float, shed_fraction: float) -> list[str]:
    anagen = round(anagen_fraction * count)
    shed = min(round(shed_fraction * count), count - anagen)
    fates = ["anagen"] * anagen + ["shed"] * shed + ["telogen"] * (count - anagen - shed)
    return [fates[i] for i in rng.permutation(count)]


def synthetic_pair(
    seed: int,
    *,
    hairs_per_cm2: float = 220.0,
    anagen_fraction: float = 0.85,
    shed_fraction: float = 0.05,
    new_hairs: int = 1,
    days: float = 2.0,
    growth_um_per_day: float = GROWTH_UM_PER_DAY,
    um_per_px: float = 6.0,
    width: int = 640,
    height: int = 512,
    shift_px: float = 12.0,
    rotation_deg: float = 3.0,
    mean_diameter_um: float = 65.0,
    vellus_fraction: float = 0.05,
    look: Look | None = None,
) -> Pair:
    """A clipped site (stubs 0.3-0.7 mm) and the same site ``days`` later: the after image is
    shifted by up to ``shift_px`` and turned by up to ``rotation_deg``, lit differently, and
    its anagen hairs have grown ``growth_um_per_day`` (each hair within ±15 %) a day from the
    same emergence point; telogen hairs have not grown, ``shed_fraction`` of the hairs are gone
    (taken among the telogen ones) and ``new_hairs`` short new hairs have appeared. Units keep
    clear of the border by the largest motion, so every before hair is in both images. The
    defaults are a x30 phototrichogram field: 640x512 px at 6 µm per px."""
    _check("anagen_fraction", anagen_fraction, 0.0, 1.0)
    _check("shed_fraction", shed_fraction, 0.0, 1.0)
    _check("days", days, 0.0, 60.0)
    rng = np.random.default_rng(seed)
    margin = shift_px + math.radians(rotation_deg) * math.hypot(width, height) / 2 + 12
    count = round(hairs_per_cm2 * width * height * (um_per_px * 1e-4) ** 2)
    shafts_um = diameters(rng, count, mean_diameter_um, vellus_fraction)
    openings, shafts = place(
        rng, width=width, height=height, um_per_px=um_per_px, diameters_um=shafts_um,
        margin=margin, lengths_um=STUB_UM,
    )  # fmt: skip
    before_scene = Scene(width, height, um_per_px, 0, openings, shafts)
    fates = _fates(rng, len(shafts), anagen_fraction, shed_fraction)
    matrix = _transform(rng, width, height, shift_px, rotation_deg)
    growth_px = growth_um_per_day * days / um_per_px
    later: list[Shaft] = []
    after_of: list[int | None] = []
    for shaft, fate in zip(shafts, fates, strict=True):
        if fate == "shed":
            after_of.append(None)
            continue
        grown = growth_px * rng.uniform(0.85, 1.15) if fate == "anagen" else 0.0
        after_of.append(len(later))
        later.append(_moved(shaft, matrix, grown))
    later.extend(_new_hairs(rng, new_hairs, shafts, matrix, growth_px))
    after_scene = Scene(
        width, height, um_per_px, 0, _moved_openings(openings, matrix), tuple(later)
    )
    pad = int(margin) + 8
    base = skin(rng, height + 2 * pad, width + 2 * pad)
    inverse = cv2.invertAffineTransform(matrix)
    inverse[:, 2] += pad
    after_base = cv2.warpAffine(
        base, inverse, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    )
    style = look or Look()
    before = Field(
        render(before_scene, rng, style, base=base[pad : pad + height, pad : pad + width]),
        before_scene,
        before_scene.truth(),
    )
    after = Field(
        render(after_scene, rng, style, base=after_base), after_scene, after_scene.truth()
    )
    return Pair(before, after, tuple(fates), tuple(after_of), new_hairs, matrix, days)


def _moved_openings(
    openings: tuple[Opening, ...], matrix: npt.NDArray[np.float64]
) -> tuple[Opening, ...]:
    moved = []
    for opening in openings:
        x, y = matrix @ np.array([opening.x, opening.y, 1.0])
        moved.append(dataclasses.replace(opening, x=float(x), y=float(y)))
    return tuple(moved)


def _new_hairs(
    rng: Rng,
    count: int,
    shafts: tuple[Shaft, ...],
    matrix: npt.NDArray[np.float64],
    growth_px: float,
) -> list[Shaft]:
    """Hairs that entered anagen after the clipping: short, from an existing opening, fanning
    away from the hair already there."""
    new = []
    for index in rng.choice(len(shafts), size=min(count, len(shafts)), replace=False):
        host = shafts[int(index)]
        turn = float(rng.choice([-1.0, 1.0])) * rng.uniform(25.0, 40.0)
        sprout = dataclasses.replace(
            host,
            direction_deg=(host.direction_deg + turn) % 360.0,
            width_px=host.width_px * rng.uniform(0.6, 0.9),
            length_px=0.0,
            colour=host.colour,
        )
        new.append(_moved(sprout, matrix, growth_px * rng.uniform(0.4, 0.8)))
    return new


def micrometer(
    seed: int,
    um_per_px: float,
    *,
    width: int = 640,
    height: int = 512,
    angle_deg: float = 0.0,
    spacing_um: float = 10.0,
    divisions: int = 100,
    look: Look | None = None,
) -> Image:
    """A stage micrometer under the device: dark rules every ``spacing_um`` µm, longer every 5
    and longest every 10 divisions, on a bright slide, turned by ``angle_deg``, with figures
    under the long rules. Rules are about 2 µm wide (at least a pixel)."""
    _check("um_per_px", um_per_px, 0.1, 50.0)
    rng = np.random.default_rng(seed)
    side = math.ceil(math.hypot(width, height)) + 16
    step = spacing_um / um_per_px
    rule = max(1.0, 2.0 / um_per_px)
    start = side / 2 - divisions * step / 2 + rng.uniform(0.0, step)
    base_y = side / 2 + rng.uniform(0.05, 0.12) * min(width, height)
    ink = np.zeros((side, side), dtype=np.float32)
    pixels = np.arange(side, dtype=np.float32)
    for every, share in ((1, 0.10), (5, 0.16), (10, 0.22)):
        centres = start + step * np.arange(0, divisions + 1, every, dtype=np.float32)
        across = _coverage(pixels[None, :], centres[:, None], rule).sum(axis=0)
        top = base_y - share * min(width, height)
        down = np.clip(np.minimum(base_y, pixels + 0.5) - np.maximum(top, pixels - 0.5), 0, 1)
        ink = np.maximum(ink, np.outer(down, np.clip(across, 0, 1)))
    figures = np.zeros((side, side), dtype=np.uint8)
    font = max(0.4, min(width, height) / 900)
    for number in range(0, divisions + 1, 10):
        origin = (int(start + number * step) - 8, int(base_y + 30 * font))
        label = f"{number * spacing_um / 1000:g}"
        cv2.putText(figures, label, origin, cv2.FONT_HERSHEY_SIMPLEX, font, 255, 1, cv2.LINE_AA)
    ink = np.maximum(ink, figures.astype(np.float32) / 255.0)
    slide = np.array([232.0, 234.0, 226.0], dtype=np.float32) + rng.normal(0, 3, 3).astype(
        np.float32
    )
    canvas = slide[None, None, :] * (1.0 - 0.78 * ink[:, :, None])
    turn = cv2.getRotationMatrix2D((side / 2, side / 2), -angle_deg, 1.0)
    turn[:, 2] -= ((side - width) / 2, (side - height) / 2)
    canvas = cv2.warpAffine(canvas, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)
    return finish(rng, canvas, look or Look())


def _coverage(
    pixels: npt.NDArray[np.float32], centres: npt.NDArray[np.float32], width: float
) -> npt.NDArray[np.float32]:
    """The share of each pixel covered by a rule ``width`` px wide at each centre."""
    low = np.maximum(centres - width / 2, pixels - 0.5)
    high = np.minimum(centres + width / 2, pixels + 0.5)
    return np.clip(high - low, 0.0, 1.0)
