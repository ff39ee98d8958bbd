"""Micrometres per pixel from an image of a stage micrometer: a slide ruled with lines (rules)
a known distance apart, commonly 10 µm, longer every 50 and 100 µm.

1. The rules are made the bright part of a high-passed grey image (whichever polarity, dark
   rules on a lit slide or the reverse).
2. Their direction comes from the image's structure tensor (the mean gradient runs across the
   rules), then is refined to the angle at which the image, projected along the rules, gives the
   sharpest profile.
3. Along that profile each rule is a peak; its centre is found to a fraction of a pixel. The
   rules' positions are fitted as ``first + spacing * index`` (an index may skip a rule that
   did not show), and the spacing is the slope: a fit over tens of rules is far more precise
   than any one gap.

``spacing_um`` must be the spacing of the finest rules the image resolves; rules closer than
3 px apart are not resolved.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from scipy.signal import find_peaks

from anagen.core.invalid import InvalidDocument
from anagen.core.trichoscopy.image import Image

__all__ = ["CALIBRATION_SCHEMA", "Calibration", "NoScale", "calibrate"]

CALIBRATION_SCHEMA = "anagen.calibration/1"
MIN_RULES = 10
MIN_SPACING_PX = 3.0
_MAX_RESIDUAL = 0.1  # rms misfit of the rules' positions, as a share of the spacing
_PROMINENCE = 0.15  # a rule's peak stands this share of the profile's range above its surroundings
_FLAT = 0.5  # grey levels: an image whose detail varies less than this shows nothing
_HIGH_PASS = 20.0  # px: the slide's shading varies more slowly than this; rules much faster


class NoScale(InvalidDocument):
    """No ruled scale could be found in the image."""


@dataclasses.dataclass(frozen=True)
class Calibration:
    """A calibration: ``um_per_px`` from rules ``spacing_um`` apart found ``spacing_px`` apart;
    ``angle_deg`` is the rules' direction (image axes, y down), ``lines`` how many rules the fit
    used and ``residual_px`` their rms misfit."""

    um_per_px: float
    spacing_px: float
    spacing_um: float
    angle_deg: float
    lines: int
    residual_px: float

    def as_json(self, image: str = "micrometer") -> dict[str, Any]:
        return {
            "schema": CALIBRATION_SCHEMA,
            "image": image,
            "um_per_px": round(self.um_per_px, 5),
            "spacing_px": round(self.spacing_px, 4),
            "spacing_um": self.spacing_um,
            "angle_deg": round(self.angle_deg, 2),
            "lines": self.lines,
            "residual_px": round(self.residual_px, 3),
        }


Grey = npt.NDArray[np.float32]


def _ink(image: Image) -> Grey:
    """The rules as bright lines on zero: the high-passed grey image, turned so that its thin
    minority (the rules) is positive."""
    grey = image.astype(np.float32).mean(axis=2) if image.ndim == 3 else image.astype(np.float32)
    detail = grey - cv2.GaussianBlur(grey, (0, 0), _HIGH_PASS)
    centred = detail - float(np.median(detail))
    skew = float(np.mean(centred**3))
    return np.asarray(-centred if skew < 0 else centred, dtype=np.float32)


def _across_deg(ink: Grey) -> float:
    """The direction across the rules (of the mean gradient), in degrees."""
    gx = cv2.Sobel(ink, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(ink, cv2.CV_32F, 0, 1)
    xx, yy, xy = float(np.sum(gx * gx)), float(np.sum(gy * gy)), float(np.sum(gx * gy))
    return 0.5 * math.degrees(math.atan2(2 * xy, xx - yy))


def _bins(shape: tuple[int, ...], across_deg: float) -> int:
    """Profile bins per pixel: two when the rules are tilted enough for their pixels to fall
    at every phase across them (the profile then resolves half pixels), else one."""
    drift = abs(math.sin(2 * math.radians(across_deg))) * min(shape) / 2
    return 2 if drift >= 8 else 1


def _project(
    xs: npt.NDArray[np.intp],
    ys: npt.NDArray[np.intp],
    values: npt.NDArray[np.float64],
    across_deg: float,
    bins: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Pixels projected across the rules into ``bins`` bins a pixel, each pixel shared between
    its two nearest bins: the summed values and the summed shares in each bin."""
    angle = math.radians(across_deg)
    t = (xs * math.cos(angle) + ys * math.sin(angle)) * bins
    t -= t.min()
    low = np.floor(t).astype(np.intp)
    share = t - low
    size = int(low.max()) + 2

    def spread(weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        shared = np.bincount(low, weights * (1 - share), size)
        return np.asarray(shared + np.bincount(low + 1, weights * share, size), dtype=np.float64)

    return spread(values), spread(np.ones_like(values))


def _profile(ink: Grey, across_deg: float) -> npt.NDArray[np.float64]:
    """The image projected along the rules: the mean ink in each bin across them (``_bins``)."""
    ys, xs = np.indices(ink.shape).reshape(2, -1)
    values = ink.ravel().astype(np.float64)
    total, weight = _project(xs, ys, values, across_deg, _bins(ink.shape, across_deg))
    return np.asarray(np.where(weight > 0.5, total / np.maximum(weight, 1e-9), 0.0))


def _sharpness(ink: Grey, across_deg: float) -> float:
    """How sharp the rules' profile is across ``across_deg``: the variance of the steps of the
    summed ink of the brightest tenth of the pixels (the rules), projected every pixel. Each
    pixel is moved by a fixed random fraction of a pixel, so that no angle lines the pixel grid
    up with the bins (at 45° it would, and look sharp for it)."""
    bright = ink > np.percentile(ink, 90)
    ys, xs = np.nonzero(bright)
    angle = math.radians(across_deg)
    dither = np.random.default_rng(0).uniform(-0.5, 0.5, xs.size)
    t = xs * math.cos(angle) + ys * math.sin(angle) + dither
    total = np.bincount(np.rint(t - t.min()).astype(np.intp), ink[bright])
    return float(np.var(np.diff(total)))


def _sharpest(ink: Grey) -> tuple[float, npt.NDArray[np.float64]]:
    """The direction across the rules at which their profile is sharpest (searched round the
    structure tensor's, coarse then fine), and that profile."""
    best = _across_deg(ink)
    for step, reach in ((0.5, 3.0), (0.1, 0.4)):
        turns = best + np.arange(-reach, reach + step / 2, step)
        best = max(turns, key=lambda a: _sharpness(ink, float(a)))
    return float(best), _profile(ink, best)


def _centres(profile: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each rule's peak, to a fraction of a pixel (a parabola through the peak and its two
    neighbours)."""
    span = float(np.percentile(profile, 99) - np.percentile(profile, 1))
    peaks, _ = find_peaks(profile, prominence=_PROMINENCE * span)
    peaks = peaks[(peaks > 0) & (peaks < profile.size - 1)]
    left, middle, right = profile[peaks - 1], profile[peaks], profile[peaks + 1]
    bend = left - 2 * middle + right
    offset = np.where(bend < 0, 0.5 * (left - right) / np.where(bend < 0, bend, -1.0), 0.0)
    return np.asarray(peaks + np.clip(offset, -0.5, 0.5), dtype=np.float64)


def _fit(centres: npt.NDArray[np.float64]) -> tuple[float, int, float]:
    """The rules' spacing (px) from their centres, how many rules the fit kept, and its rms
    misfit. Each rule's index counts whole spacings from the first, so a missing rule is
    skipped, not merged; rules more than a third of a spacing off the fit are dropped."""
    gaps = np.diff(centres)
    rough = float(np.median(gaps))
    index = np.concatenate([[0], np.cumsum(np.rint(gaps / rough))])
    keep = np.ones(centres.size, dtype=bool)
    for _ in range(3):
        slope, intercept = np.polyfit(index[keep], centres[keep], 1)
        misfit = centres - (intercept + slope * index)
        keep = np.abs(misfit) < slope / 3
        if keep.sum() < 2:
            break
    slope, intercept = np.polyfit(index[keep], centres[keep], 1)
    misfit = centres[keep] - (intercept + slope * index[keep])
    return float(slope), int(keep.sum()), float(np.sqrt(np.mean(misfit**2)))


def calibrate(image: Image, spacing_um: float = 10.0) -> Calibration:
    """The calibration a stage micrometer image gives (see the module's steps). Raises NoScale
    when the image shows no regular ruling of at least ``MIN_RULES`` rules."""
    if not (math.isfinite(spacing_um) and spacing_um > 0):
        raise InvalidDocument("spacing_um", "must be a positive number of micrometres")
    ink = _ink(image)
    if float(np.std(ink)) < _FLAT:
        raise NoScale("image", "shows no ruled scale: it has no detail at all")
    across, profile = _sharpest(ink)
    centres = _centres(profile)
    if centres.size < MIN_RULES:
        raise NoScale(
            "image",
            f"shows no ruled scale: {centres.size} rule(s) found, at least {MIN_RULES} needed",
        )
    spacing, lines, residual = _fit(centres)
    bins = _bins(ink.shape, across)
    spacing, residual = spacing / bins, residual / bins
    if spacing < MIN_SPACING_PX:
        raise NoScale(
            "image",
            f"shows no ruled scale that can be measured (the finest regular pattern found is "
            f"{spacing:.2f} px apart; rules must be at least {MIN_SPACING_PX:g} px apart)",
        )
    if lines < MIN_RULES or residual > _MAX_RESIDUAL * spacing:
        raise NoScale(
            "image",
            f"shows no regular ruled scale ({lines} rules fit, misfit {residual:.2f} px "
            f"on a spacing of {spacing:.2f} px)",
        )
    return Calibration(
        um_per_px=spacing_um / spacing,
        spacing_px=spacing,
        spacing_um=spacing_um,
        angle_deg=(across + 90.0) % 180.0,
        lines=lines,
        residual_px=residual,
    )
