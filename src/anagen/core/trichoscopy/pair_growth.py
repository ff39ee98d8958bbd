"""How far each hair of a phototrichogram grew (part of ``pair``).

A hair's length is measured along its own axis, in both images: from its midpoint outwards,
as far as the shaft stays dark and runs along the axis. Another hair lying across it (common
once hairs have grown) is crossed if the shaft carries on beyond; a gap of skin ends it. This
does not depend on how the detector split hairs that cross or fan out, and both images' lengths
carry the same bias.

A clipped hair grows only at its cut end; its emergence end stays at its follicular opening.
A hair of another unit lying on the axis beyond the emergence end would look like growth, so
growth is read at the cut end only. Which end that is comes from the hairs nearby that clearly
grew at one end: hairs of one patch of scalp grow the same way (the hair stream). Where the
neighbours do not say, the end that grew more is taken.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt
from scipy import ndimage

from anagen.core.trichoscopy.image import Image
from anagen.core.trichoscopy.measure import Analysis, Hair

__all__ = ["Gauge", "Growth", "Shafts", "cut_ends"]

ALONG_DEG = 20.0  # a dark pixel is a hair's shaft when its darkness runs within this of the axis
_SURE = 2.0  # a hair "clearly grew at one end": that end by this many thresholds...
_STILL = 0.5  # ...and the other by less than this many
_AGREE = 0.3  # the neighbours' growth direction must be this clear along the hair's axis
_SNAP_DEG = 8  # how far a detected axis may be turned onto the shaft


@dataclasses.dataclass(frozen=True)
class Ends:
    """Where a shaft ends along its axis, px from the point it was measured from (``start`` is
    negative), and whether it ran to the edge of the image at either end."""

    start: float
    stop: float
    start_border: bool
    stop_border: bool

    @property
    def length(self) -> float:
        return self.stop - self.start


@dataclasses.dataclass(frozen=True)
class _Profile:
    """A hair's axis sampled every pixel through a point: ``along`` (px from the point), where
    the axis is shaft running along it (``aligned``), where it is dark at all, and where it lies
    in the image (``seen``)."""

    along: npt.NDArray[np.float64]
    aligned: npt.NDArray[np.bool_]
    dark: npt.NDArray[np.bool_]
    seen: npt.NDArray[np.bool_]

    def _walk(self, step: int, gap: int, crossing: int) -> tuple[float, bool]:
        middle = self.along.size // 2
        last, skin, across, i = middle, 0, 0, middle
        while 0 <= i < self.along.size and self.seen[i] and skin <= gap and across <= crossing:
            if self.aligned[i]:
                last, skin, across = i, 0, 0
            elif self.dark[i]:
                across += 1
            else:
                skin += 1
            i += step
        border = not (0 <= i < self.along.size and self.seen[i])
        return float(self.along[last]), border

    def ends(self, gap: int, crossing: int) -> Ends:
        """How far the shaft runs each way: on over up to ``gap`` px of skin, and over up to
        ``crossing`` px where another hair lies across it, if it carries on beyond."""
        start, start_border = self._walk(-1, gap, crossing)
        stop, stop_border = self._walk(1, gap, crossing)
        return Ends(start, stop, start_border, stop_border)

    def runs(self, gap: int) -> list[tuple[float, float]]:
        """The stretches where the axis is shaft, gaps of up to ``gap`` px bridged."""
        where = self.along[self.aligned]
        if where.size == 0:
            return []
        breaks = np.flatnonzero(np.diff(where) > gap + 1)
        starts = np.concatenate([[0], breaks + 1])
        stops = np.concatenate([breaks, [where.size - 1]])
        return [(float(where[a]), float(where[b])) for a, b in zip(starts, stops, strict=True)]

    def share(self, start: float, stop: float) -> float:
        """The share of the samples from ``start`` to ``stop`` that are shaft along the axis."""
        inside = (self.along >= start) & (self.along <= stop)
        return float(self.aligned[inside].mean()) if inside.any() else 0.0


class Shafts:
    """Where one image is hair shaft, and which way it runs: the local darkness (a black top-hat
    wider than a shaft) above half its median at the midpoints of the detected hairs, and the
    local orientation of that darkness (its structure tensor, over about a shaft's width)."""

    def __init__(self, image: Image, analysis: Analysis, width_px: float) -> None:
        grey = image.astype(np.float32) @ np.array([0.5, 0.3, 0.2], dtype=np.float32)
        side = round(max(15.0, 4.0 * width_px)) | 1
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
        dark = 255.0 - grey
        self.darkness = dark - cv2.morphologyEx(dark, cv2.MORPH_OPEN, kernel)
        height, width = grey.shape
        at = [
            self.darkness[min(int(h.y), height - 1), min(int(h.x), width - 1)]
            for h in analysis.hairs
        ]
        self.level = 0.5 * float(np.median(at)) if at else float(self.darkness.max()) + 1.0
        smooth = cv2.GaussianBlur(self.darkness, (0, 0), 1.0)
        gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0)
        gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1)
        sigma = max(1.5, 0.6 * width_px)
        xx = cv2.GaussianBlur(gx * gx, (0, 0), sigma)
        yy = cv2.GaussianBlur(gy * gy, (0, 0), sigma)
        xy = cv2.GaussianBlur(gx * gy, (0, 0), sigma)
        # The gradient runs across a shaft, so the shaft's doubled angle is the gradient's, turned.
        norm = np.sqrt((xx - yy) ** 2 + 4 * xy * xy) + 1e-6
        self.cos2 = -(xx - yy) / norm
        self.sin2 = -2 * xy / norm

    def snap(self, hair: Hair) -> Hair:
        """The hair moved onto the shaft the image shows: of the axes within a few degrees and
        half a width of the detected one, the darkest over the detected length (a detector's
        axis can lie between two hairs of a narrow fan, or a degree or two off)."""
        angle = math.radians(hair.angle_deg)
        normal = (-math.sin(angle), math.cos(angle))
        best, darkest = hair, self._darkness_along(hair)
        for turn in range(-_SNAP_DEG, _SNAP_DEG + 1):
            for shift in (-0.5, -0.25, 0.0, 0.25, 0.5):
                moved = dataclasses.replace(
                    hair,
                    x=hair.x + shift * hair.width_px * normal[0],
                    y=hair.y + shift * hair.width_px * normal[1],
                    angle_deg=hair.angle_deg + turn,
                )
                darkness = self._darkness_along(moved)
                if darkness > darkest * 1.02:
                    best, darkest = moved, darkness
        return best

    def _darkness_along(self, hair: Hair) -> float:
        angle = math.radians(hair.angle_deg)
        along = np.linspace(-hair.length_px / 2, hair.length_px / 2, max(2, round(hair.length_px)))
        xs = hair.x + along * math.cos(angle)
        ys = hair.y + along * math.sin(angle)
        values = ndimage.map_coordinates(self.darkness, [ys, xs], order=1, mode="nearest")
        return float(np.mean(values))

    def profile(
        self, x: float, y: float, angle_deg: float, width_px: float, reach_px: float | None = None
    ) -> _Profile:
        """The axis through (x, y) at ``angle_deg``, sampled along the middle half of a shaft
        ``width_px`` wide, ``reach_px`` each way (by default across the whole image)."""
        height, width = self.darkness.shape
        reach = math.ceil(reach_px if reach_px is not None else math.hypot(width, height))
        along = np.arange(-reach, reach + 1, dtype=np.float64)
        angle = math.radians(angle_deg)
        u = (math.cos(angle), math.sin(angle))
        across = np.array([-0.25, 0.0, 0.25]) * width_px
        xs = x + along[None, :] * u[0] - across[:, None] * u[1]
        ys = y + along[None, :] * u[1] + across[:, None] * u[0]
        seen = (xs.min(axis=0) >= 0) & (xs.max(axis=0) <= width - 1)
        seen &= (ys.min(axis=0) >= 0) & (ys.max(axis=0) <= height - 1)

        def sample(grid: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
            values = ndimage.map_coordinates(grid, [ys.ravel(), xs.ravel()], order=1)
            return np.asarray(values.reshape(xs.shape).mean(axis=0), dtype=np.float64)

        dark = (sample(self.darkness) >= self.level) & seen
        agree = sample(self.cos2) * math.cos(2 * angle) + sample(self.sin2) * math.sin(2 * angle)
        aligned = dark & (agree >= math.cos(math.radians(2 * ALONG_DEG)))
        return _Profile(along, aligned, dark, seen)


@dataclasses.dataclass(frozen=True)
class Growth:
    """What one before hair's shaft did: whether it is still there after, how much farther it
    reaches at each end (px; ``start`` is the end towards ``angle_deg`` + 180°), and where its
    shaft ends after (from its midpoint, along its axis)."""

    present: bool
    start: float
    stop: float
    start_border: bool
    stop_border: bool
    after: Ends

    def at(self, end: int) -> tuple[float, bool]:
        """The growth at one end (-1: start, 1: stop) and whether it ran out of the image."""
        return (self.stop, self.stop_border) if end > 0 else (self.start, self.start_border)


class Gauge:
    """Measures hairs of the before image in both images: ``matrix`` maps before pixels to
    after pixels; ``width_px`` is a typical shaft width (the before image's median)."""

    def __init__(
        self,
        before: tuple[Image, Analysis],
        after: tuple[Image, Analysis],
        matrix: npt.NDArray[np.float64],
        width_px: float,
    ) -> None:
        self.before = Shafts(before[0], before[1], width_px)
        self.after = Shafts(after[0], after[1], width_px)
        self.matrix = matrix
        self.turn = math.degrees(math.atan2(matrix[1, 0], matrix[0, 0]))
        self.gap = max(2, round(width_px / 3))
        self.crossing = round(4 * width_px)

    def growth(self, hair: Hair) -> Growth:
        """What one before hair's shaft did between the images."""
        hair = self.before.snap(hair)
        first = self.before.profile(hair.x, hair.y, hair.angle_deg, hair.width_px)
        ends = first.ends(self.gap, self.crossing)
        x, y = self.matrix @ np.array([hair.x, hair.y, 1.0])
        later = self.after.profile(float(x), float(y), hair.angle_deg + self.turn, hair.width_px)
        second = later.ends(self.gap, self.crossing)
        return Growth(
            present=later.share(ends.start, ends.stop) >= 0.5,
            start=ends.start - second.start,
            stop=second.stop - ends.stop,
            start_border=second.start_border,
            stop_border=second.stop_border,
            after=second,
        )

    def stub(self, hair: Hair) -> Hair | None:
        """The before image's shaft under an after hair already in before pixels (a hair the
        detector missed before, often one of a fan it took for one), or None when the before
        image shows no shaft at least three widths long there (a new hair)."""
        reach = hair.length_px / 2
        profile = self.before.profile(hair.x, hair.y, hair.angle_deg, hair.width_px, reach)
        longest: tuple[float, float] | None = None
        for start, stop in profile.runs(self.gap):
            if longest is None or stop - start > longest[1] - longest[0]:
                longest = (start, stop)
        if longest is None or longest[1] - longest[0] < max(3 * hair.width_px, 20.0):
            return None
        middle = (longest[0] + longest[1]) / 2
        angle = math.radians(hair.angle_deg)
        return dataclasses.replace(
            hair,
            x=hair.x + middle * math.cos(angle),
            y=hair.y + middle * math.sin(angle),
            length_px=longest[1] - longest[0],
        )


def cut_ends(
    hairs: Sequence[Hair], growths: Sequence[Growth], threshold_px: float, reach_px: float
) -> list[int]:
    """For each hair, which end was cut (-1: start, 1: stop): the end its neighbours (within
    about ``reach_px``) that clearly grew at one end grew at; where they do not say, the end
    that grew more."""
    vectors = np.zeros((len(hairs), 2))
    sure = np.zeros(len(hairs), dtype=bool)
    for i, (hair, grown) in enumerate(zip(hairs, growths, strict=True)):
        more, less = max(grown.start, grown.stop), min(grown.start, grown.stop)
        if grown.present and more > _SURE * threshold_px and less < _STILL * threshold_px:
            sign = 1.0 if grown.stop > grown.start else -1.0
            angle = math.radians(hair.angle_deg)
            vectors[i] = sign * math.cos(angle), sign * math.sin(angle)
            sure[i] = True
    points = np.array([(h.x, h.y) for h in hairs]).reshape(-1, 2)
    ends = []
    for i, (hair, grown) in enumerate(zip(hairs, growths, strict=True)):
        weights = np.exp(-np.sum((points - points[i]) ** 2, axis=1) / (2 * reach_px**2)) * sure
        weights[i] = 0.0
        stream = weights @ vectors
        angle = math.radians(hair.angle_deg)
        along = (stream[0] * math.cos(angle) + stream[1] * math.sin(angle)) / max(
            float(weights.sum()), 1e-9
        )
        if abs(along) >= _AGREE:
            ends.append(1 if along > 0 else -1)
        else:
            ends.append(1 if grown.stop >= grown.start else -1)
    return ends
