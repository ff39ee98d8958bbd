"""The two-visit phototrichogram: the same clipped site imaged days apart tells growing (anagen)
hairs from resting (telogen) ones, because only anagen hairs get longer.

1. The after image is registered to the before image by a rigid motion (the device is put back
   on the marked site a few pixels and degrees off). The fit follows the skin, the follicular
   openings and their halos, not the hairs, which grew: hairs (a black top-hat) are weighed out
   of both images and uneven light is taken out by a high-pass. A rough search (each turn
   within ±12° with the shift a phase correlation gives for it) and no motion at all are both
   refined by OpenCV's ECC fit, coarse to fine, and the better fit is kept. Tested on shifts up
   to 40 px with turns up to 6° (640 px wide images); a fit that fails says so.
2. Both images are analysed (``detect.analyze``); the after hairs are mapped into the before
   frame and matched one to one with the before hairs (Hungarian assignment, SciPy). A clipped
   hair keeps its emergence point and grows only at its cut end, so its before shaft lies on its
   after shaft: the cost of a pair is how far the before shaft's ends lie off the after shaft,
   plus the angle between them.
3. Each before hair is measured again along its own axis in both images (``pair_growth``), at
   its cut end; the detector's lengths are not used, since it splits hairs that cross once they
   have grown. An after hair that matches no before hair and is no piece of a grown one is
   looked for in the before image: if a shaft lies under it, the detector missed that hair
   before (often one of a narrow fan taken for one hair) and it is counted; if not, it is new.
4. A before hair whose shaft is still there and whose cut end grew more than the growth
   threshold (or ran out of the after image) is anagen, one that did not is telogen; one whose
   shaft is gone was shed, and counts as telogen (a shed hair was in telogen). Only hairs that
   both images show whole are counted; fractions are over them.

The growth threshold is 0.1 mm when the images are calibrated (an anagen hair grows about
0.35 mm a day, the commonly quoted figure: 0.1 mm is under a third of a day's growth and well
over the pixel or two a length is measured to); with ``days_apart`` under a day it is 30 % of
the expected growth. Without a calibration it is twice the median shaft width of the before
image (about 0.12 mm for 60 µm hairs).
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from anagen.core.invalid import InvalidDocument
from anagen.core.trichoscopy.detect import analyze
from anagen.core.trichoscopy.image import Image
from anagen.core.trichoscopy.measure import Analysis, Hair
from anagen.core.trichoscopy.pair_growth import Gauge, Growth, cut_ends

if TYPE_CHECKING:
    from anagen.core.trichoscopy.model import Model

__all__ = [
    "ANAGEN",
    "GROWTH_UM",
    "SCHEMA",
    "SHED",
    "TELOGEN",
    "Matched",
    "PairResult",
    "Registration",
    "match",
    "pair",
    "register",
]

SCHEMA = "anagen.phototrichogram/1"
ANAGEN, TELOGEN, SHED = "anagen", "telogen", "shed"
GROWTH_UM = 100.0  # a matched hair that grew more than this is anagen
_GROWTH_UM_PER_DAY = 350.0  # the commonly quoted scalp figure (see synthetic.GROWTH_UM_PER_DAY)
_SHARE = 0.3  # under a day apart, a hair must have grown this share of the expected growth
_MIN_CORRELATION = 0.3  # below this the two images do not show the same skin
_MAX_ANGLE = 15.0  # degrees between a hair's before and after shaft
_REACH = 8.0  # px: how far a before shaft's end may lie off its after shaft, at least
_INSIDE = 4.0  # px: a before hair counts when its whole shaft lies this far inside the after image

_TURN_DEG = 12.0  # the after image may be turned this far from the before image
_HALF = 0.5  # registration works at half size: the skin has no detail finer than that to fit

Matrix = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class Registration:
    """``matrix`` (2x3) maps before pixels to after pixels; ``correlation`` is the ECC fit's
    (1 is a perfect match)."""

    matrix: Matrix
    correlation: float

    @property
    def rotation_deg(self) -> float:
        return math.degrees(math.atan2(self.matrix[1, 0], self.matrix[0, 0]))

    def to_before(self, hair: Hair) -> Hair:
        """An after hair in before pixels."""
        inverse = cv2.invertAffineTransform(self.matrix)
        x, y = inverse @ np.array([hair.x, hair.y, 1.0])
        angle = (hair.angle_deg - self.rotation_deg) % 180.0
        return dataclasses.replace(hair, x=float(x), y=float(y), angle_deg=angle)


def _skin(image: Image) -> npt.NDArray[np.float32]:
    """What registration follows: the image at half size, its uneven light taken out (less a
    local mean that leaves the hairs out), and its hairs (a black top-hat) weighed out, softly
    so that their outlines do not count either."""
    small = cv2.resize(image, None, fx=_HALF, fy=_HALF, interpolation=cv2.INTER_AREA)
    grey = small.astype(np.float32) @ np.array([0.5, 0.3, 0.2], dtype=np.float32)
    side = max(9, round(min(grey.shape) / 16) | 1)
    dark = 255.0 - grey
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    tophat = np.clip(dark - cv2.morphologyEx(dark, cv2.MORPH_OPEN, kernel), 0, 255).astype(np.uint8)
    otsu, _ = cv2.threshold(tophat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    hair = cv2.dilate((tophat > max(30.0, otsu)).astype(np.uint8), np.ones((5, 5), np.uint8))
    skin = 1.0 - hair.astype(np.float32)
    mean = cv2.GaussianBlur(grey * skin, (0, 0), 8) / (cv2.GaussianBlur(skin, (0, 0), 8) + 1e-3)
    return np.asarray((grey - mean) * cv2.GaussianBlur(skin, (0, 0), 2), dtype=np.float32)


def _fit(
    before: npt.NDArray[np.float32], after: npt.NDArray[np.float32], warp: Matrix
) -> tuple[float, Matrix]:
    """ECC, coarse to fine, from ``warp``; (0, warp) when it does not converge."""
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-5)
    correlation = 0.0
    for scale in (0.25, 0.5, 1.0):
        small_before = cv2.resize(before, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        small_after = cv2.resize(after, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        scaled = warp.astype(np.float32)
        scaled[:, 2] *= scale
        try:
            correlation, scaled = cv2.findTransformECC(
                small_before, small_after, scaled, cv2.MOTION_EUCLIDEAN, criteria, None, 1
            )
        except cv2.error:
            return 0.0, warp
        warp = scaled.astype(np.float64)
        warp[:, 2] /= scale
    return float(correlation), warp


def _rough(before: npt.NDArray[np.float32], after: npt.NDArray[np.float32]) -> Matrix:
    """A first guess at the motion, for the ECC fit to start from: each turn within
    ±``_TURN_DEG``, with the shift a phase correlation gives for it; the one whose correlation
    peaks highest."""
    height, width = before.shape
    centre = ((width - 1) / 2, (height - 1) / 2)
    best, peak = np.eye(2, 3), -1.0
    for turn in np.arange(-_TURN_DEG, _TURN_DEG + 0.1, 1.0):
        rotation = cv2.getRotationMatrix2D(centre, float(turn), 1.0)
        turned = cv2.warpAffine(before, rotation, (width, height)).astype(np.float64)
        (dx, dy), response = cv2.phaseCorrelate(turned, after.astype(np.float64))
        if response > peak:
            peak = response
            best = rotation.copy()
            best[:, 2] += (dx, dy)
    return best


def register(before: Image, after: Image) -> Registration:
    """The rigid motion from the before image to the after image (see the module's step 1):
    the better of two ECC fits, one from no motion, one from a rough search (``_rough``)."""
    if before.shape != after.shape:
        raise InvalidDocument("after", "must have the same size as the before image")
    skin_before, skin_after = _skin(before), _skin(after)
    starts = (np.eye(2, 3), _rough(skin_before, skin_after))
    correlation, warp = max(
        (_fit(skin_before, skin_after, start) for start in starts), key=lambda fit: fit[0]
    )
    if correlation < _MIN_CORRELATION:
        raise InvalidDocument(
            "after",
            f"does not match the before image (skin correlation {correlation:.2f}); "
            "are both images of the same marked site?",
        )
    warp[:, 2] /= _HALF
    return Registration(warp, correlation)


@dataclasses.dataclass(frozen=True)
class Matched:
    """A counted before hair (before pixels) and what became of it. ``before`` is its index in
    the before analysis, None when the detector missed it and the after image showed it (a hair
    of a fan the detector took for one, which grew apart); ``after`` is the index of the after
    hair it was matched with, if any; ``growth_px`` how much longer its shaft got (None when
    shed)."""

    hair: Hair
    before: int | None
    after: int | None
    fate: str
    growth_px: float | None


def _ends(hair: Hair) -> npt.NDArray[np.float64]:
    angle = math.radians(hair.angle_deg)
    half = hair.length_px / 2 * np.array([math.cos(angle), math.sin(angle)])
    centre = np.array([hair.x, hair.y])
    return np.array([centre - half, centre + half])


def _off_shaft(point: npt.NDArray[np.float64], shaft: npt.NDArray[np.float64]) -> float:
    """Distance from a point to a shaft (a segment given by its two ends)."""
    start, end = shaft
    span = end - start
    t = float(np.clip((point - start) @ span / max(float(span @ span), 1e-9), 0.0, 1.0))
    return float(np.linalg.norm(point - (start + t * span)))


def _angle_between(a: float, b: float) -> float:
    turn = abs(a - b) % 180.0
    return min(turn, 180.0 - turn)


def _cost(before: Hair, after: Hair) -> float:
    """How well ``before`` lies on ``after``; infinite when it cannot be the same hair."""
    angle = _angle_between(before.angle_deg, after.angle_deg)
    reach = max(_REACH, 0.75 * before.width_px)
    off = max(_off_shaft(end, _ends(after)) for end in _ends(before))
    if angle > _MAX_ANGLE or off > reach:
        return math.inf
    return off / reach + angle / _MAX_ANGLE


def match(before: Sequence[Hair], after: Sequence[Hair]) -> dict[int, int]:
    """One-to-one pairs (before index: after index) of hairs already in the same pixels."""
    if not before or not after:
        return {}
    cost = np.array([[_cost(b, a) for a in after] for b in before])
    rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, 1e6))
    return {int(i): int(j) for i, j in zip(rows, cols, strict=True) if math.isfinite(cost[i, j])}


def _inside(hair: Hair, matrix: Matrix, width: int, height: int) -> bool:
    """Whether the whole shaft lies inside an image of that size once mapped by ``matrix``."""
    mapped = _ends(hair) @ matrix[:, :2].T + matrix[:, 2]
    return bool(np.all((mapped >= _INSIDE) & (mapped <= np.array([width, height]) - 1 - _INSIDE)))


def _threshold_px(before: Analysis, um_per_px: float | None, days_apart: float | None) -> float:
    if um_per_px is None:
        widths = [h.width_px for h in before.hairs]
        return 2.0 * statistics.median(widths) if widths else 0.0
    growth_um = GROWTH_UM
    if days_apart is not None:
        growth_um = min(GROWTH_UM, _SHARE * _GROWTH_UM_PER_DAY * days_apart)
    return growth_um / um_per_px


@dataclasses.dataclass(frozen=True)
class PairResult:
    """A phototrichogram: both analyses, the registration, each counted before hair's fate and
    the new hairs (indices into ``after.hairs``). Fractions are over the before hairs that both
    images show; shed hairs count as telogen. ``count_after`` is the counted hairs less the shed
    plus the new."""

    before: Analysis
    after: Analysis
    registration: Registration
    matched: tuple[Matched, ...]
    new: tuple[int, ...]
    threshold_px: float
    days_apart: float | None = None

    def count(self, fate: str) -> int:
        return sum(1 for m in self.matched if m.fate == fate)

    @property
    def count_before(self) -> int:
        return len(self.matched)

    @property
    def count_after(self) -> int:
        return self.count_before - self.count(SHED) + len(self.new)

    @property
    def count_change(self) -> int:
        return self.count_after - self.count_before

    @property
    def anagen_fraction(self) -> float | None:
        return self.count(ANAGEN) / self.count_before if self.count_before else None

    @property
    def telogen_fraction(self) -> float | None:
        anagen = self.anagen_fraction
        return None if anagen is None else 1.0 - anagen

    @property
    def growth_um_per_day(self) -> float | None:
        """The median growth of the anagen hairs, per day (needs calibration and days)."""
        grown = [m.growth_px for m in self.matched if m.fate == ANAGEN and m.growth_px is not None]
        um_per_px = self.before.um_per_px
        if not grown or um_per_px is None or not self.days_apart:
            return None
        return statistics.median(grown) * um_per_px / self.days_apart

    def as_json(self, before: str = "before", after: str = "after") -> dict[str, Any]:
        """The ``anagen.phototrichogram/1`` document (hairs in before pixels, except ``new``)."""
        return {
            "schema": SCHEMA,
            "before": before,
            "after": after,
            "days_apart": self.days_apart,
            "um_per_px": self.before.um_per_px,
            "count_before": self.count_before,
            "count_after": self.count_after,
            "count_change": self.count_change,
            "anagen": self.count(ANAGEN),
            "telogen": self.count(TELOGEN),
            "shed": self.count(SHED),
            "new": len(self.new),
            "anagen_fraction": _rounded(self.anagen_fraction, 3),
            "telogen_fraction": _rounded(self.telogen_fraction, 3),
            "growth_threshold_px": round(self.threshold_px, 1),
            "growth_um_per_day": _rounded(self.growth_um_per_day, 1),
            "registration": {
                "matrix": [[round(float(v), 4) for v in row] for row in self.registration.matrix],
                "rotation_deg": round(self.registration.rotation_deg, 2),
                "correlation": round(self.registration.correlation, 3),
            },
            "hairs": [
                {
                    **m.hair.as_json(),
                    "fate": m.fate,
                    "growth_px": _rounded(m.growth_px, 1),
                    "before_index": m.before,
                    "after_index": m.after,
                }
                for m in self.matched
            ],
            "new_hairs": [{**self.after.hairs[j].as_json(), "after_index": j} for j in self.new],
        }


def _rounded(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def pair(
    before_image: Image,
    after_image: Image,
    um_per_px: float | None = None,
    days_apart: float | None = None,
    model: Model | None = None,
) -> PairResult:
    """The phototrichogram of two images of one clipped site (see the module's steps)."""
    if days_apart is not None and not (math.isfinite(days_apart) and days_apart > 0):
        raise InvalidDocument("days_apart", "must be a positive number of days")
    registration = register(before_image, after_image)
    first = analyze(before_image, um_per_px=um_per_px, model=model)
    second = analyze(after_image, um_per_px=um_per_px, model=model)
    height, width = after_image.shape[:2]
    counted: list[int | None] = [
        i for i, h in enumerate(first.hairs) if _inside(h, registration.matrix, width, height)
    ]
    hairs = [first.hairs[i] for i in counted if i is not None]
    mapped = [registration.to_before(h) for h in second.hairs]
    pairs = match(hairs, mapped)
    afters: list[int | None] = [pairs.get(k) for k in range(len(hairs))]
    shaft_px = statistics.median([h.width_px for h in first.hairs]) if first.hairs else 10.0
    gauge = Gauge((before_image, first), (after_image, second), registration.matrix, shaft_px)
    growths = [gauge.growth(h) for h in hairs]
    new = []
    for j, candidate in enumerate(mapped):
        if j in pairs.values() or not _on_image(candidate, width, height):
            continue
        if _piece(candidate, hairs, growths):
            continue
        stub = gauge.stub(candidate)
        if stub is None:
            new.append(j)
        elif _inside(stub, registration.matrix, width, height) and not _piece(stub, hairs, growths):
            hairs.append(stub)
            growths.append(gauge.growth(stub))
            counted.append(None)
            afters.append(j)
    threshold = _threshold_px(first, um_per_px, days_apart)
    ends = cut_ends(hairs, growths, threshold, reach_px=0.3 * math.hypot(width, height))
    matched = tuple(
        _matched(hair, index, after, grown, end, threshold, gauge.gap)
        for hair, index, after, grown, end in zip(
            hairs, counted, afters, growths, ends, strict=True
        )
    )
    return PairResult(first, second, registration, matched, tuple(new), threshold, days_apart)


def _matched(
    hair: Hair,
    before: int | None,
    after: int | None,
    grown: Growth,
    end: int,
    threshold: float,
    gap: int,
) -> Matched:
    """A hair's fate: shed when its shaft is gone; anagen when its cut end grew more than the
    threshold, or ran out of the after image having grown at all; telogen otherwise."""
    if not grown.present:
        return Matched(hair, before, after, SHED, None)
    length, border = grown.at(end)
    fate = ANAGEN if length > threshold or (border and length > gap) else TELOGEN
    return Matched(hair, before, after, fate, length)


def _on_image(hair: Hair, width: int, height: int) -> bool:
    return _INSIDE <= hair.x <= width - 1 - _INSIDE and _INSIDE <= hair.y <= height - 1 - _INSIDE


def _piece(candidate: Hair, hairs: Sequence[Hair], growths: Sequence[Growth]) -> bool:
    """Whether a hair (in before pixels) lies along a counted hair's axis, within the reach of
    its shaft after: a piece of a grown hair that the detector cut off, or the hair itself."""
    for hair, grown in zip(hairs, growths, strict=True):
        if not grown.present or _angle_between(candidate.angle_deg, hair.angle_deg) > _MAX_ANGLE:
            continue
        angle = math.radians(hair.angle_deg)
        dx, dy = candidate.x - hair.x, candidate.y - hair.y
        along = dx * math.cos(angle) + dy * math.sin(angle)
        across = abs(-dx * math.sin(angle) + dy * math.cos(angle))
        if across <= max(_REACH, hair.width_px) and grown.after.start <= along <= grown.after.stop:
            return True
    return False
