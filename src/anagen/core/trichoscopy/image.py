"""Reading a trichoscopy image, and the part of it that is scalp: devices burn text bands (name,
date, magnification) into the top or bottom rows, and some have a dark vignette around a round
field of view. Hairs are only looked for, and density only divided by, the scalp field."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from anagen.core.invalid import InvalidDocument

__all__ = ["Image", "UnreadableImage", "field_mask", "overlay_mask", "read_image"]

Image = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]

# Overlay bands (a device's header with name, date and magnification; a flat footer) are found by
# their edges: a row where this share of the columns steps by more than _STEP grey levels is the
# straight edge of a rectangle drawn across the image. Skin and hair never make such a row.
_EDGE_SHARE = 0.4
_STEP = 15
_BAND_ZONE = 0.15  # bands are looked for in the top and bottom 15 % of the height

# Measurement graphics a device draws on the image (circles, rulers, text in pure red, blue,
# green, yellow) are saturated and bright, and thin. Skin, even bluish skin round an opening, is
# never that saturated; hairs are dark. Where such strokes are dense, they are text: a block of
# it is no longer scalp.
_OVERLAY_SATURATION = 190
_OVERLAY_VALUE = 120
_TEXT_DENSITY = 0.06


class UnreadableImage(InvalidDocument):
    """An image file that could not be decoded (or is not a colour photograph)."""


def read_image(source: bytes | str | Path, name: str = "image") -> Image:
    """Decode a JPEG/PNG/TIFF/BMP file or its bytes to an RGB array (height, width, 3)."""
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as error:
        raise UnreadableImage(name, f"cannot be read ({error.strerror or error})") from None
    buffer = np.frombuffer(data, dtype=np.uint8)
    decoded = cv2.imdecode(buffer, cv2.IMREAD_COLOR) if buffer.size else None
    if decoded is None:
        raise UnreadableImage(name, "is not an image that can be decoded (JPEG, PNG, TIFF, BMP)")
    if min(decoded.shape[:2]) < 64:
        raise UnreadableImage(name, "is too small to analyse (under 64 pixels a side)")
    return np.ascontiguousarray(decoded[:, :, ::-1])


def _band_edges(image: Image) -> npt.NDArray[np.intp]:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.int16)
    step = np.abs(grey[2:] - grey[:-2]) > _STEP
    rows: npt.NDArray[np.intp] = np.flatnonzero(step.mean(axis=1) > _EDGE_SHARE) + 1
    return rows


def overlay_mask(image: Image) -> Mask:
    """The thin, saturated strokes a device draws over the image (lines, circles, letters)."""
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    strokes = ((hsv[:, :, 1] > _OVERLAY_SATURATION) & (hsv[:, :, 2] > _OVERLAY_VALUE)).astype(
        np.uint8
    )
    broad = cv2.morphologyEx(strokes, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
    thin: Mask = (strokes > 0) & (np.asarray(broad) == 0)
    return thin


def field_mask(image: Image, overlay: Mask | None = None) -> Mask:
    """True where the image shows scalp: not an overlay band at the top or bottom, and not the
    dark vignette outside a round field of view."""
    height, width = image.shape[:2]
    mask = np.ones((height, width), dtype=bool)
    zone = int(height * _BAND_ZONE)
    edges = _band_edges(image)
    top = edges[edges < zone]
    if top.size:
        mask[: top[-1] + 3] = False
    bottom = edges[edges >= height - zone]
    if bottom.size:
        mask[bottom[0] - 2 :] = False
    value = image.max(axis=2)
    dark = (value < 25).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        touches = x == 0 or y == 0 or x + w == width or y + h == height
        if touches and area > 0.02 * height * width:
            mask[labels == label] = False
    strokes = overlay_mask(image) if overlay is None else overlay
    if strokes.any():
        density = cv2.blur(strokes.astype(np.float32), (41, 41))
        text = cv2.dilate((density > _TEXT_DENSITY).astype(np.uint8), np.ones((21, 21), np.uint8))
        mask &= text == 0
    return mask
