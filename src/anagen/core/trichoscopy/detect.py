"""Finding hairs in a trichoscopy field, without a trained model.

Hairs are dark, straight, elongated shafts on lighter skin. The default analyser:

1. works at half resolution on a large field (a shaft at x70 is 15-40 px wide, so nothing is
   lost), on a small image as it is (``working_scale``);
2. takes the darkness that is *local* (black top-hat: a grey closing wider than a shaft, minus
   the image), so skin shading, the bluish halo round openings and uneven lighting drop out;
3. thresholds it (Otsu, floored), removes specks, and skeletonises the shafts (scikit-image);
4. splits each shaft's skeleton into straight segments (a Hough vote), so hairs leaving one
   follicular opening in a fan become one segment each, and joins segments that continue one
   another along a line (a shaft the threshold broke is one hair);
5. measures each segment: midpoint, length, and width as the half-height width of the darkness
   profile across it at full resolution (the working mask's distance transform says where to
   look), and how far its ends are from the edge of the field;
6. keeps the segments the rule ``is_hair`` accepts.

A model trained with ``anagen trichoscopy train`` replaces step 6's fixed rule with a classifier
over the same candidate segments (see ``model.py``).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt
from scipy import ndimage
from skimage.morphology import skeletonize

from anagen.core.trichoscopy.image import Image, field_mask, overlay_mask
from anagen.core.trichoscopy.measure import VELLUS_UM, Analysis, Hair

if TYPE_CHECKING:
    from anagen.core.trichoscopy.model import Model

__all__ = ["Candidate", "analyze", "candidates", "is_hair"]

# The working resolution: a field 1280 px wide at x70 is halved (its shafts are 15-40 px wide,
# so nothing is lost, and the analysis takes a quarter of the time); a smaller image (a 640 x 512
# phototrichogram field at about 6 um per px, shafts 8-12 px) is worked on whole, or the thin gap
# between two hairs leaving one opening closes and the two are found as one shaft between them.
HALVE_ABOVE_PX = 1000


def working_scale(image: Image) -> float:
    """The factor the analysis resizes an image by before looking for shafts."""
    return 0.5 if max(image.shape[:2]) > HALVE_ABOVE_PX else 1.0


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One skeleton branch in full-resolution pixels, with what the classifier looks at."""

    x: float
    y: float
    length_px: float
    width_px: float
    angle_deg: float
    contrast: float
    darkness: float
    straightness: float
    ends: int
    component_branches: int
    component_area: float
    border: float
    red: float = 0.0
    saturation: float = 0.0
    width_spread: float = 0.0
    angle_offset: float = 0.0
    relative_width: float = 1.0
    neighbours: int = 0
    end_margin: float = 0.0
    far_end_margin: float = 0.0
    # What the shaft and the skin round it look like, sampled along the segment (``_appearance``):
    # for the trained detector only.
    appearance: tuple[float, ...] = ()

    def features(self) -> list[float]:
        return [
            self.length_px,
            self.width_px,
            self.contrast,
            self.darkness,
            self.straightness,
            float(self.ends),
            float(self.component_branches),
            self.component_area,
            self.border,
            self.length_px / max(self.width_px, 1.0),
            self.red,
            self.saturation,
            self.width_spread,
            self.angle_offset,
            self.relative_width,
            float(self.neighbours),
            self.end_margin,
            self.far_end_margin,
        ]

    def hair(self, score: float = 1.0) -> Hair:
        return Hair(self.x, self.y, self.length_px, self.width_px, self.angle_deg, score)


_NEIGHBOURS = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.uint8)


def _darkness(image: Image) -> npt.NDArray[np.float32]:
    rgb = image.astype(np.float32)
    # Hairs are dark in every channel; skin is light in red. The red channel separates them best
    # on pale and on bluish skin alike; the mean keeps some of the other channels' signal.
    grey = 0.5 * rgb[:, :, 0] + 0.3 * rgb[:, :, 1] + 0.2 * rgb[:, :, 2]
    darkness: npt.NDArray[np.float32] = 255.0 - grey
    return darkness


def candidates(image: Image) -> tuple[list[Candidate], npt.NDArray[np.bool_]]:
    """The candidate shaft branches of a field, and the field mask they were looked for in."""
    overlay = overlay_mask(image)
    mask_full = field_mask(image, overlay)
    scale = working_scale(image)
    small = (
        cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale != 1.0
        else np.ascontiguousarray(image)
    )
    if overlay.any():
        strokes = cv2.resize(
            overlay.astype(np.uint8), small.shape[1::-1], interpolation=cv2.INTER_LINEAR
        )
        strokes = cv2.dilate((strokes > 0).astype(np.uint8), np.ones((3, 3), np.uint8))
        small = cv2.inpaint(small, strokes, 3, cv2.INPAINT_TELEA)
    mask = (
        cv2.resize(mask_full.astype(np.uint8), small.shape[1::-1], interpolation=cv2.INTER_NEAREST)
        > 0
    )
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    dark = cv2.GaussianBlur(_darkness(np.asarray(small, dtype=np.uint8)), (0, 0), 1.0)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (31, 31))
    background = cv2.morphologyEx(dark, cv2.MORPH_OPEN, kernel)
    tophat = dark - background
    tophat[~mask] = 0
    scaled = np.clip(tophat * 2.0, 0, 255).astype(np.uint8)
    otsu, _ = cv2.threshold(scaled[mask], 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    level = max(float(otsu), 40.0)
    binary = (scaled > level) & mask
    binary = ndimage.binary_fill_holes(binary)
    labels, count = ndimage.label(binary)
    if count:
        sizes = ndimage.sum(binary, labels, range(1, count + 1))
        keep = np.zeros(count + 1, dtype=bool)
        keep[1:] = sizes >= 30
        binary = keep[labels]
    distance = cv2.distanceTransform(binary.astype(np.uint8), cv2.DIST_L2, 5)
    skeleton = skeletonize(binary)  # type: ignore[no-untyped-call]
    component_labels, _ = ndimage.label(binary, structure=np.ones((3, 3)))
    pieces: list[tuple[npt.NDArray[np.float64], float, int]] = []
    for index, where in enumerate(ndimage.find_objects(component_labels), start=1):
        if where is None:
            continue
        inside = component_labels[where] == index
        ys, xs = np.nonzero(skeleton[where] & inside)
        if xs.size < 4:
            continue
        points = np.column_stack([xs + where[1].start, ys + where[0].start]).astype(np.float64)
        segments = _segments(points)
        area = float(inside.sum())
        pieces.extend((seg, area, len(segments)) for seg in segments)
    result: list[Candidate] = []
    height, width = small.shape[:2]
    # How far each point is from the edge of the field (the image border or a device band): a
    # hair cut by it is counted in the neighbouring field, and annotators leave it out.
    rgb = small.astype(np.float32)
    dark_full = _darkness(image)
    framed = np.pad(mask, 1).astype(np.uint8)
    inside_field = cv2.distanceTransform(framed, cv2.DIST_L2, 5)[1:-1, 1:-1]
    for seg, area, branches in _merge_collinear(pieces, _JOIN_GAP_PX * scale):
        sx = seg[:, 0].astype(np.intp)
        sy = seg[:, 1].astype(np.intp)
        centre, direction, along = _line(seg)
        length = float(along.max() - along.min()) + 1.0
        mid = centre + direction * float(along.max() + along.min()) / 2.0
        # The distance transform at the centre of a shaft w pixels wide is (w + 1) / 2, and
        # the threshold takes a little of the blurred edge back: - 0.6 px is what synthetic
        # shafts of known width need (tests/core/test_trichoscopy_detect.py).
        widths = np.maximum(2.0 * distance[sy, sx] - 0.6, 1.0)
        border = float(min(mid[0], mid[1], width - mid[0], height - mid[1]))
        ends = _ends((centre, direction, along))
        edge = min(min(e[0], e[1], width - 1 - e[0], height - 1 - e[1]) for e in ends)
        margins = sorted(
            float(inside_field[int(np.clip(e[1], 0, height - 1)), int(np.clip(e[0], 0, width - 1))])
            for e in ends
        )
        result.append(
            Candidate(
                x=float(mid[0]) / scale,
                y=float(mid[1]) / scale,
                length_px=length / scale,
                width_px=_profile_width(
                    dark_full,
                    mid / scale,
                    direction,
                    length / scale,
                    float(np.median(widths)) / scale,
                ),
                angle_deg=math.degrees(math.atan2(direction[1], direction[0])) % 180.0,
                contrast=float(np.median(tophat[sy, sx])),
                darkness=float(np.median(dark[sy, sx])),
                straightness=float(seg.shape[0]) / length,
                ends=int(edge <= 2),
                component_branches=branches,
                component_area=area / scale**2,
                border=border / scale,
                red=float(np.median(small[sy, sx, 0])),
                saturation=float(np.median(hsv[sy, sx, 1])),
                width_spread=float(np.subtract(*np.percentile(widths, [90, 10]))) / scale,
                end_margin=margins[0] / scale,
                far_end_margin=margins[1] / scale,
                appearance=_appearance(
                    tophat, rgb, mid, direction, length, float(np.median(widths))
                ),
            )
        )
    return _in_context(result), mask_full


def _line(
    points: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The least-squares line through points: centre, unit direction, and each point's position
    along it."""
    centre = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - centre, full_matrices=False)
    direction = vt[0]
    return centre, direction, (points - centre) @ direction


# Joining broken shafts (working pixels unless said): the most the joined points may stray from one
# line (90th centile), the longest gap bridged, the most two pieces may overlap along the line,
# and how nearly parallel they must be.
_JOIN_OFF = 2.0
_JOIN_GAP_PX = 24.0  # full-resolution px
_JOIN_OVERLAP = 3.0
_JOIN_COS = math.cos(math.radians(15.0))


def _ends(line: tuple[npt.NDArray[np.float64], ...]) -> npt.NDArray[np.float64]:
    centre, direction, along = line
    return np.array([centre + direction * along.min(), centre + direction * along.max()])


def _merge_collinear(
    pieces: list[tuple[npt.NDArray[np.float64], float, int]], longest_gap: float
) -> list[tuple[npt.NDArray[np.float64], float, int]]:
    """Join segments that continue one another along one line: a shaft that the threshold broke
    (a lighter stretch, an overlay drawn across it) or that bends a little is one hair. Two
    segments join when the line through both keeps its points within ``_JOIN_OFF`` px and the
    gap between them along it is at most ``longest_gap`` working px; segments lying side
    by side (overlapping along the line) stay apart: they are two hairs of one opening."""
    merged = [(seg, area, branches, _line(seg)) for seg, area, branches in pieces]
    while len(merged) > 1:
        # Cheap tests first, for all pairs at once: nearly parallel, and an end of one near an
        # end of the other.
        directions = np.array([m[3][1] for m in merged])
        ends = np.array([_ends(m[3]) for m in merged])  # (pieces, 2 ends, xy)
        near = np.full((len(merged), len(merged)), np.inf)
        for a, b in itertools.product(range(2), repeat=2):
            near = np.minimum(
                near, np.hypot(*(ends[:, None, a] - ends[None, :, b]).transpose(2, 0, 1))
            )
        maybe = (np.abs(directions @ directions.T) >= _JOIN_COS) & (
            near <= longest_gap + 2 * _JOIN_OFF
        )
        for i, j in zip(*np.nonzero(np.triu(maybe, 1)), strict=True):
            a, b = merged[i], merged[j]
            both = np.vstack([a[0], b[0]])
            centre, direction, along = line = _line(both)
            normal = np.array([-direction[1], direction[0]])
            if np.percentile(np.abs((both - centre) @ normal), 90) > _JOIN_OFF:
                continue
            ta, tb = along[: a[0].shape[0]], along[a[0].shape[0] :]
            gap = max(tb.min() - ta.max(), ta.min() - tb.max())
            if gap > longest_gap or gap < -_JOIN_OVERLAP:
                continue
            merged[i] = (both, max(a[1], b[1]), max(a[2], b[2]), line)
            del merged[j]
            break
        else:
            break
    return [(seg, area, branches) for seg, area, branches, _ in merged]


APPEARANCE = (12 * 9 + 1) + 7 * 3 + 14


def _sample(
    picture: npt.NDArray[np.float32],
    centre: npt.NDArray[np.float64],
    direction: npt.NDArray[np.float64],
    along: float,
    across: float,
    steps: tuple[int, int],
) -> npt.NDArray[np.float32]:
    """Picture values on a grid lined up with a segment: ``steps[0]`` rows across it by
    ``steps[1]`` columns along it (bilinear; mirrored beyond the image)."""
    normal = np.array([-direction[1], direction[0]])
    u, v = np.meshgrid(
        np.linspace(-along / 2, along / 2, steps[1]), np.linspace(-across / 2, across / 2, steps[0])
    )
    map_x = (centre[0] + u * direction[0] + v * normal[0]).astype(np.float32)
    map_y = (centre[1] + u * direction[1] + v * normal[1]).astype(np.float32)
    sampled = cv2.remap(picture, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return np.asarray(sampled, dtype=np.float32)


def _profile_width(
    dark: npt.NDArray[np.float32],
    centre: npt.NDArray[np.float64],
    direction: npt.NDArray[np.float64],
    length: float,
    rough: float,
) -> float:
    """A shaft's width in full-resolution pixels: the median full width at half maximum of its
    darkness across the shaft, at nine places along its middle. The half-resolution mask's
    distance transform (``rough``) only says roughly how wide to look: for a shaft a few pixels
    wide, halving the image and thresholding it lose most of its width (a 20 um vellus hair at
    2.5 um per px measured 3 px instead of 8). Where the profile is far wider than the mask, it
    has run across a neighbouring shaft, and the mask's width stands."""
    reach = max(3.0 * rough, 12.0)
    step = 0.5
    across = int(2 * reach / step) + 1
    profiles = _sample(dark, centre, direction, 0.7 * length, 2 * reach, (across, 9)).T
    side = max(across // 5, 2)
    middle = slice(across // 3, across - across // 3)
    found: list[float] = []
    for profile in profiles:
        skin = 0.5 * (float(np.median(profile[:side])) + float(np.median(profile[-side:])))
        top = middle.start + int(np.argmax(profile[middle]))
        half = skin + (float(profile[top]) - skin) / 2.0
        if profile[top] - skin < 8.0:  # no shaft here (a gap, or it has ended)
            continue
        left = top
        while left > 0 and profile[left - 1] > half:
            left -= 1
        right = top
        while right < across - 1 and profile[right + 1] > half:
            right += 1
        # Sub-pixel: where the profile crosses half height between the samples either side.
        lo = (
            left - (profile[left] - half) / max(float(profile[left] - profile[left - 1]), 1e-6)
            if left > 0
            else left
        )
        hi = (
            right + (profile[right] - half) / max(float(profile[right] - profile[right + 1]), 1e-6)
            if right < across - 1
            else right
        )
        found.append((hi - lo) * step)
    if not found:
        return rough
    width = float(np.median(found))
    # Far wider than the mask: the profile ran across a second shaft lying against this one.
    return width if width <= max(2.0 * rough, rough + 8.0) else rough


def _appearance(
    tophat: npt.NDArray[np.float32],
    rgb: npt.NDArray[np.float32],
    centre: npt.NDArray[np.float64],
    direction: npt.NDArray[np.float64],
    length: float,
    width: float,
) -> tuple[float, ...]:
    """A small picture of the candidate at the working resolution, scaled to it: the local
    darkness on a 9 x 12 grid from 2.5 widths either side and a little beyond both ends
    (normalised, with its peak), the colour across the shaft (7 points, RGB), and the darkness
    along its centre line (14 points, from beyond one end to beyond the other). A hair is a dark
    band with sharp parallel edges that fades at its tip; a scale bar, a crease or a fleck of
    scale is not."""
    width = max(width, 2.0)
    if direction[1] < 0:  # one way round for every segment, as angle_deg is
        direction = -direction
    shaft = _sample(tophat, centre, direction, length * 1.2 + 4.0, 5.0 * width, (9, 12))
    peak = float(shaft.max())
    colour = _sample(rgb, centre, direction, length, 5.0 * width, (7, 6)).mean(axis=1)
    line = _sample(tophat, centre, direction, length * 1.4, 1.0, (1, 14))
    return tuple(
        np.concatenate([(shaft / (peak + 1e-3)).ravel(), [peak], colour.ravel(), line.ravel()])
        .astype(float)
        .tolist()
    )


def _in_context(found: list[Candidate]) -> list[Candidate]:
    """Add what a candidate looks like beside the field's other hairs: the hairs of one field
    mostly lie one way (angle_offset from the length-weighted dominant direction), and have a
    typical width (relative_width against the median of the long candidates)."""
    if not found:
        return found
    angles = np.deg2rad([c.angle_deg for c in found]) * 2.0
    weights = np.array([c.length_px for c in found])
    dominant = (
        math.degrees(
            math.atan2(
                float((weights * np.sin(angles)).sum()), float((weights * np.cos(angles)).sum())
            )
        )
        / 2.0
    )
    long_widths = [c.width_px for c in found if c.length_px >= MIN_LENGTH_PX] or [
        c.width_px for c in found
    ]
    typical = float(np.median(long_widths)) or 1.0
    points = np.array([[c.x, c.y] for c in found])
    near = (
        np.hypot(points[:, None, 0] - points[None, :, 0], points[:, None, 1] - points[None, :, 1])
        < 80.0
    )
    out = []
    for i, c in enumerate(found):
        offset = abs((c.angle_deg - dominant + 90.0) % 180.0 - 90.0)
        out.append(
            dataclasses.replace(
                c,
                angle_offset=offset,
                relative_width=c.width_px / typical,
                neighbours=int(near[i].sum()) - 1,
            )
        )
    return out


# The default analyser's rule, in full-resolution pixels of a x70 field 1280 pixels wide (set by
# looking at the development images, not fitted): a hair is a shaft segment at least this long,
# this wide (thinner strokes are drawn scale bars and lines), this much darker than the skin
# round it, whose midpoint is this far inside the image (hairs cut by the border are not
# counted: they are counted in the neighbouring field, as in a counting frame).
MIN_LENGTH_PX = 40.0
MIN_WIDTH_PX = 6.0
MIN_CONTRAST = 40.0
MIN_BORDER_PX = 45.0


def is_hair(candidate: Candidate) -> bool:
    """The default analyser's rule."""
    return (
        candidate.length_px >= MIN_LENGTH_PX
        and candidate.width_px >= MIN_WIDTH_PX
        and candidate.contrast >= MIN_CONTRAST
        and candidate.border >= MIN_BORDER_PX
    )


_ANGLES = np.deg2rad(np.arange(0.0, 180.0, 3.0))
_NORMALS = np.column_stack([np.sin(_ANGLES), -np.cos(_ANGLES)])
_INLIER = 2.0  # working px from the line
_GAP = 6.0  # a gap longer than this along the line ends a segment
_MIN_POINTS = 8


def _segments(points: npt.NDArray[np.float64]) -> list[npt.NDArray[np.float64]]:
    """Straight segments of one shaft mask's skeleton, longest first: a Hough vote over the
    skeleton points picks the best line, its longest gap-free run of inliers is one segment,
    those points are removed, and so on. A fan of hairs from one opening gives one segment per
    hair; a skeleton's short spurs are left over."""
    remaining = points
    found: list[npt.NDArray[np.float64]] = []
    while remaining.shape[0] >= _MIN_POINTS:
        rho = remaining @ _NORMALS.T  # (points, angles)
        bins = np.floor(rho / _INLIER).astype(np.intp)
        low = bins.min(axis=0)
        best_count, best_angle, centre = 0, 0, 0.0
        for a in range(_ANGLES.size):
            shifted = bins[:, a] - low[a]
            counts = np.bincount(shifted, minlength=shifted.max() + 2)
            pairs = counts[:-1] + counts[1:]  # votes in two adjacent bins: a line between them
            top = int(pairs.argmax())
            if pairs[top] > best_count:
                best_count, best_angle = int(pairs[top]), a
                centre = (top + low[a] + 1) * _INLIER
        column = rho[:, best_angle]
        inlier = np.abs(column - centre) <= _INLIER
        angle = _ANGLES[best_angle]
        along = remaining[:, 0] * np.cos(angle) + remaining[:, 1] * np.sin(angle)
        order = np.flatnonzero(inlier)[np.argsort(along[inlier])]
        if order.size < _MIN_POINTS:
            break
        steps = np.diff(along[order])
        cuts = np.flatnonzero(steps > _GAP)
        starts = np.concatenate([[0], cuts + 1])
        stops = np.concatenate([cuts + 1, [order.size]])
        run = int(np.argmax(stops - starts))
        chosen = order[starts[run] : stops[run]]
        if chosen.size < _MIN_POINTS:
            break
        found.append(remaining[chosen])
        keep = np.ones(remaining.shape[0], dtype=bool)
        keep[chosen] = False
        remaining = remaining[keep]
    return found


def analyze(
    image: Image,
    um_per_px: float | None = None,
    model: Model | None = None,
    vellus_um: float = VELLUS_UM,
) -> Analysis:
    """Find the hairs of one field; with ``um_per_px`` the analysis also gives density,
    diameters and the vellus fraction."""
    started = time.perf_counter()
    found, mask = candidates(image)
    hairs = model.hairs(found) if model is not None else [c.hair() for c in found if is_hair(c)]
    return Analysis(
        width=int(image.shape[1]),
        height=int(image.shape[0]),
        hairs=tuple(hairs),
        field_px=int(mask.sum()),
        um_per_px=um_per_px,
        seconds=time.perf_counter() - started,
        vellus_um=vellus_um,
    )
