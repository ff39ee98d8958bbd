"""Drawing for the synthetic trichoscopy generator (``synthetic``): skin, the bluish halo and
opening of a follicular unit, hair shafts, and what the camera adds (optical blur, uneven
lighting, sensor noise, JPEG artefacts, a burnt-in header band).

Images are drawn in floating point RGB (0-255) and turned into ``uint8`` at the end. Every random
choice comes from the ``numpy.random.Generator`` passed in, so a seed gives the same image.
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np
import numpy.typing as npt

__all__ = [
    "HAIR_COLOURS",
    "Canvas",
    "Look",
    "Opening",
    "Stroke",
    "draw_header",
    "draw_opening",
    "draw_stroke",
    "finish",
    "lighting",
    "skin",
]

Canvas = npt.NDArray[np.float32]
Rng = np.random.Generator

# Shaft colours (RGB) and how opaque they are; vellus hairs are fair and let skin through.
HAIR_COLOURS: dict[str, tuple[tuple[float, float, float], float]] = {
    "black": ((30.0, 26.0, 30.0), 1.0),
    "brown": ((64.0, 46.0, 38.0), 1.0),
    "grey": ((125.0, 122.0, 122.0), 0.9),
    "fair": ((120.0, 96.0, 80.0), 0.85),
}

_SKIN_TONES: tuple[tuple[float, float, float], ...] = (
    (220.0, 206.0, 188.0),  # light beige
    (212.0, 204.0, 194.0),  # beige with a blue cast
    (204.0, 200.0, 200.0),  # bluish beige
    (226.0, 216.0, 198.0),  # pale
)
_HALO = np.array([118.0, 136.0, 162.0], dtype=np.float32)  # the bluish-grey perifollicular halo


@dataclasses.dataclass(frozen=True)
class Opening:
    """A follicular opening at (x, y) px with the radius of its bluish halo and its strength."""

    x: float
    y: float
    halo_px: float
    halo_alpha: float


@dataclasses.dataclass(frozen=True)
class Stroke:
    """A shaft to draw: from (x0, y0) along ``direction_deg`` for ``length_px``."""

    x0: float
    y0: float
    direction_deg: float
    length_px: float
    width_px: float
    colour: str
    tapered: bool = False


@dataclasses.dataclass(frozen=True)
class Look:
    """What the camera adds. ``blur_px`` is the optical blur (Gaussian sigma), ``noise`` the
    sensor noise (grey levels, sd), ``jpeg`` a JPEG quality (None: no compression), ``sheen``
    the strength of the specular streak along a shaft."""

    blur_px: float = 0.8
    noise: float = 3.0
    jpeg: int | None = None
    sheen: float = 0.06


def _smooth_field(rng: Rng, height: int, width: int, cell: int) -> npt.NDArray[np.float32]:
    """Zero-mean noise varying over about ``cell`` pixels, scaled to an sd of 1."""
    small = rng.standard_normal((max(2, height // cell + 2), max(2, width // cell + 2)))
    field = cv2.resize(small.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    field -= field.mean()
    return field / max(float(field.std()), 1e-6)


def skin(rng: Rng, height: int, width: int, *, lines: int = 4) -> Canvas:
    """Scalp skin: a beige to bluish tone, shading over a few hundred pixels, fine grain, and
    ``lines`` faint skin furrows."""
    tone = np.array(_SKIN_TONES[int(rng.integers(len(_SKIN_TONES)))], dtype=np.float32)
    tone += rng.normal(0.0, 4.0, 3).astype(np.float32)
    shade = 1.0 + 0.03 * _smooth_field(rng, height, width, 160)
    mottle = 3.0 * _smooth_field(rng, height, width, 24)
    grain = rng.normal(0.0, 5.0, (height, width)).astype(np.float32)
    grain = cv2.GaussianBlur(grain, (0, 0), 1.2)
    canvas = tone[None, None, :] * shade[:, :, None] + (mottle + grain)[:, :, None]
    furrows = np.zeros((height, width), dtype=np.float32)
    for _ in range(lines):
        points = _furrow(rng, height, width)
        cv2.polylines(furrows, [points], False, 1.0, int(rng.integers(1, 3)), cv2.LINE_AA)
    furrows = cv2.GaussianBlur(furrows, (0, 0), 1.5)
    canvas -= 9.0 * furrows[:, :, None]
    _flakes(rng, canvas)
    return canvas.astype(np.float32)


def _flakes(rng: Rng, canvas: Canvas) -> None:
    """Small white glints and scales: skin reflects the device's light in specks."""
    height, width = canvas.shape[:2]
    specks = np.zeros((height, width), dtype=np.float32)
    for _ in range(int(height * width / 4000)):
        x, y = int(rng.integers(width)), int(rng.integers(height))
        axes = (int(rng.integers(1, 6)), int(rng.integers(1, 3)))
        cv2.ellipse(specks, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
    specks = cv2.GaussianBlur(specks, (0, 0), 1.0)
    canvas += (22.0 * specks)[:, :, None]


def _furrow(rng: Rng, height: int, width: int) -> npt.NDArray[np.int32]:
    x, y = rng.uniform(0, width), rng.uniform(0, height)
    heading = rng.uniform(0, math.pi)
    points = []
    for _ in range(12):
        points.append((int(x), int(y)))
        heading += rng.normal(0.0, 0.25)
        step = max(width, height) / 10
        x, y = x + step * math.cos(heading), y + step * math.sin(heading)
    return np.array(points, dtype=np.int32).reshape(-1, 1, 2)


def lighting(rng: Rng, canvas: Canvas, *, strength: float = 1.0) -> Canvas:
    """Uneven illumination: a vignette and a broad gradient, with a colour cast."""
    height, width = canvas.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = width * rng.uniform(0.35, 0.65), height * rng.uniform(0.35, 0.65)
    r2 = ((xx - cx) / width) ** 2 + ((yy - cy) / height) ** 2
    gain = 1.0 - strength * rng.uniform(0.04, 0.10) * r2 * 2.0
    gain += strength * 0.04 * _smooth_field(rng, height, width, 240)
    cast = 1.0 + strength * rng.normal(0.0, 0.02, 3).astype(np.float32)
    level = 1.0 + strength * rng.uniform(-0.06, 0.06)
    return (canvas * (gain[:, :, None] * cast[None, None, :] * level)).astype(np.float32)


def draw_opening(canvas: Canvas, opening: Opening) -> None:
    """The bluish-grey halo round a follicular opening, darker at its centre."""
    height, width = canvas.shape[:2]
    r = opening.halo_px
    x0, x1 = max(0, int(opening.x - 3 * r)), min(width, int(opening.x + 3 * r) + 1)
    y0, y1 = max(0, int(opening.y - 3 * r)), min(height, int(opening.y + 3 * r) + 1)
    if x0 >= x1 or y0 >= y1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    d2 = ((xx - opening.x) ** 2 + (yy - opening.y) ** 2) / (r * r)
    alpha = (opening.halo_alpha * np.exp(-d2))[:, :, None]
    patch = canvas[y0:y1, x0:x1]
    canvas[y0:y1, x0:x1] = patch * (1 - alpha) + _HALO[None, None, :] * alpha


def draw_stroke(canvas: Canvas, stroke: Stroke, sheen: float) -> None:
    """One shaft, anti-aliased: the share of each pixel it covers is blended in its colour. Cut
    ends are square; a tapered shaft narrows over its last third to a third of its width."""
    height, width = canvas.shape[:2]
    ux, uy = (
        math.cos(math.radians(stroke.direction_deg)),
        math.sin(math.radians(stroke.direction_deg)),
    )
    length, half = stroke.length_px, stroke.width_px / 2
    x1, y1 = stroke.x0 + length * ux, stroke.y0 + length * uy
    pad = half + 2
    bx0, bx1 = max(0, int(min(stroke.x0, x1) - pad)), min(width, int(max(stroke.x0, x1) + pad) + 1)
    by0, by1 = max(0, int(min(stroke.y0, y1) - pad)), min(height, int(max(stroke.y0, y1) + pad) + 1)
    if bx0 >= bx1 or by0 >= by1:
        return
    yy, xx = np.mgrid[by0:by1, bx0:bx1].astype(np.float32)
    dx, dy = xx - stroke.x0, yy - stroke.y0
    along = dx * ux + dy * uy
    across = -dx * uy + dy * ux
    local = np.full_like(along, half)
    if stroke.tapered:
        taper = np.clip((along - length * (2 / 3)) / (length / 3), 0.0, 1.0)
        local = half * (1.0 - taper * (2 / 3))
    cover = np.clip(local - np.abs(across) + 0.5, 0.0, 1.0)
    cover *= np.clip(along + 0.5, 0.0, 1.0) * np.clip(length - along + 0.5, 0.0, 1.0)
    rgb, opacity = HAIR_COLOURS[stroke.colour]
    colour = np.array(rgb, dtype=np.float32)[None, None, :]
    streak = sheen * 255.0 * np.exp(-(((across + 0.3 * half) / (0.18 * half + 0.3)) ** 2))
    shaded = colour + streak[:, :, None]
    alpha = (cover * opacity)[:, :, None]
    patch = canvas[by0:by1, bx0:bx1]
    canvas[by0:by1, bx0:bx1] = patch * (1 - alpha) + shaded * alpha


def draw_header(image: npt.NDArray[np.uint8], rows: int, text: str) -> None:
    """A device's burnt-in header across the top ``rows`` rows: a dark band over most of the
    width, split into boxes by thin light rules, with light text in each box."""
    width = image.shape[1]
    scale = rows / 30.0
    right = int(width * 0.92)
    cv2.rectangle(image, (0, 0), (right, rows - 1), (52, 54, 58), thickness=-1)
    x = 0
    for part in text.split("|"):
        label = part.strip()
        (text_width, _), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        origin = (x + int(6 * scale), int(rows * 0.72))
        if origin[0] + text_width > right:
            break
        cv2.putText(
            image, label, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (235, 235, 235), 1, cv2.LINE_AA
        )
        x = origin[0] + text_width + int(6 * scale)
        cv2.line(image, (x, 0), (x, rows - 1), (150, 150, 150), 1)
        x += 2


def finish(rng: Rng, canvas: Canvas, look: Look) -> npt.NDArray[np.uint8]:
    """Optical blur, sensor noise and (optionally) JPEG compression."""
    if look.blur_px > 0:
        canvas = cv2.GaussianBlur(canvas, (0, 0), look.blur_px)
    if look.noise > 0:
        height, width = canvas.shape[:2]
        luma = rng.normal(0.0, look.noise, (height, width, 1))
        chroma = rng.normal(0.0, look.noise * 0.5, (height, width, 3))
        canvas = canvas + (luma + chroma).astype(np.float32)
    image = np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
    if look.jpeg is not None:
        ok, buffer = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, look.jpeg])
        if ok:
            image = np.ascontiguousarray(cv2.imdecode(buffer, cv2.IMREAD_COLOR)[:, :, ::-1])
    return image
