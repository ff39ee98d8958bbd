"""Drawn clinical photos for the demo: the top of a head seen from above (vertex) or from the
front, hair drawn stroke by stroke, with a thinning patch whose coverage the demo's story sets.
Plainly drawings, not photographs; the same seed gives the same picture."""

import io
import math
import random

from PIL import Image, ImageDraw, ImageFilter

SIZE = (640, 480)
BACKGROUND = (214, 222, 226)
SKIN = (226, 186, 160)
SKIN_SHADE = (205, 160, 134)
HAIR = ((48, 36, 30), (64, 46, 36), (36, 28, 24))


def scalp_photo(seed: int, view: str, coverage: float) -> bytes:
    """A JPEG of ``view`` ("vertex" or "frontal"); ``coverage`` 0..1 is how much hair the
    thinning area keeps (1 is a full head)."""
    rng = random.Random(seed)  # noqa: S311 - a demo drawing, not a secret
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    if view == "vertex":
        _vertex(draw, rng, coverage)
    else:
        _frontal(draw, rng, coverage)
    buffer = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(0.7)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _vertex(draw: ImageDraw.ImageDraw, rng: random.Random, coverage: float) -> None:
    cx, cy, rx, ry = 320, 250, 230, 205
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=SKIN)
    crown = (cx + 12, cy + 25)
    for _ in range(int(3600 + 2400 * coverage)):
        angle, r = rng.uniform(0, 2 * math.pi), math.sqrt(rng.random())
        x, y = cx + r * rx * math.cos(angle), cy + r * ry * math.sin(angle)
        patch = math.dist((x, y), crown) / 135  # < 1 inside the thinning crown
        if patch < 1 and rng.random() > coverage**1.5 + (1 - coverage**1.5) * patch**3:
            continue
        _stroke(draw, rng, x, y, math.atan2(y - crown[1], x - crown[0]) + 0.5, 20)


def _frontal(draw: ImageDraw.ImageDraw, rng: random.Random, coverage: float) -> None:
    cx, cy, rx, ry = 320, 330, 210, 250
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=SKIN)
    draw.ellipse((cx - 150, 400, cx + 150, 520), fill=SKIN_SHADE)  # brow shadow
    for _ in range(int(2800 + 2000 * coverage)):
        angle, r = rng.uniform(math.pi, 2 * math.pi), math.sqrt(rng.random())
        x, y = cx + r * rx * math.cos(angle), cy + r * ry * math.sin(angle)
        hairline = 215 + 0.0022 * (x - cx) ** 2 * (1.6 - coverage)  # recedes at the temples
        if y > hairline:
            continue
        patch = abs(x - cx) / 110 + max(0.0, (150 - y) / 90)  # behind the frontal hairline
        if patch < 1 and rng.random() > coverage**1.5 + (1 - coverage**1.5) * patch**2:
            continue
        _stroke(draw, rng, x, y, -math.pi / 2 + (x - cx) / 400, 24)


def _stroke(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, angle: float, length: int
) -> None:
    angle += rng.gauss(0, 0.25)
    reach = rng.uniform(0.5, 1.0) * length
    end = (x + reach * math.cos(angle), y + reach * math.sin(angle))
    draw.line((x, y, *end), fill=rng.choice(HAIR), width=rng.choice((1, 2, 2)))
