"""Pascal VOC annotations (one box per hair) and the scores the ``evaluate`` command prints.

A predicted hair matches an annotated box when its midpoint lies inside the box grown by 15
pixels on every side; matching is one-to-one (Hungarian assignment, SciPy), so a box is never
counted for two predictions nor a prediction for two boxes.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from anagen.core.invalid import InvalidDocument

__all__ = ["GROW_PX", "Box", "Scores", "match", "read_voc", "scores"]

GROW_PX = 15.0


@dataclasses.dataclass(frozen=True)
class Box:
    xmin: float
    ymin: float
    xmax: float
    ymax: float
    label: str = "hair"

    def contains(self, x: float, y: float, grow: float = GROW_PX) -> bool:
        return (
            self.xmin - grow <= x <= self.xmax + grow and self.ymin - grow <= y <= self.ymax + grow
        )


def read_voc(path: Path) -> list[Box]:
    """The boxes of one VOC file. Corners given the wrong way round (xmin > xmax) are put right."""
    try:
        root = ET.parse(path).getroot()  # noqa: S314 - local files, no entity expansion in ET
    except (OSError, ET.ParseError) as error:
        raise InvalidDocument(path.name, f"is not a readable VOC annotation ({error})") from None
    boxes = []
    for number, obj in enumerate(root.iter("object")):
        box = obj.find("bndbox")
        if box is None:
            raise InvalidDocument(f"{path.name}: object[{number}]", "has no bndbox")
        try:
            x1, y1, x2, y2 = (
                float(box.findtext(k) or "") for k in ("xmin", "ymin", "xmax", "ymax")
            )
        except ValueError:
            raise InvalidDocument(
                f"{path.name}: object[{number}].bndbox", "needs numeric xmin, ymin, xmax, ymax"
            ) from None
        label = obj.findtext("name") or obj.findtext("class") or "hair"
        boxes.append(Box(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2), label))
    return boxes


def match(
    points: Sequence[tuple[float, float]],
    boxes: Sequence[Box],
    reluctance: Sequence[float] | None = None,
) -> list[tuple[int, int]]:
    """One-to-one pairs (point index, box index) maximising the number of matches; among equal
    counts, points with less ``reluctance`` (0 each unless given; up to 1000, and 100 outweighs
    any sum of distances) are used first, then points nearer their box's centre."""
    if not points or not boxes:
        return []
    cost = np.full((len(points), len(boxes)), 1e6)
    for i, (x, y) in enumerate(points):
        for j, box in enumerate(boxes):
            if box.contains(x, y):
                cx, cy = (box.xmin + box.xmax) / 2, (box.ymin + box.ymax) / 2
                cost[i, j] = math.hypot(x - cx, y - cy) / 1000.0 + (
                    reluctance[i] if reluctance else 0.0
                )
    rows, cols = linear_sum_assignment(cost)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if cost[i, j] < 1e6]


@dataclasses.dataclass(frozen=True)
class Scores:
    images: int
    count_mae: float
    relative_mae: float
    bias: float
    pearson_r: float
    precision: float
    recall: float
    f1: float
    seconds_per_image: float

    def lines(self) -> list[str]:
        return [
            f"images              {self.images}",
            f"count MAE           {self.count_mae:.2f} hairs per image",
            f"relative MAE        {self.relative_mae * 100:.1f} %",
            f"bias                {self.bias:+.2f} hairs per image (predicted - annotated)",
            f"Pearson r           {self.pearson_r:.3f}",
            f"precision           {self.precision:.3f}",
            f"recall              {self.recall:.3f}",
            f"F1                  {self.f1:.3f}",
            f"seconds per image   {self.seconds_per_image:.3f}",
        ]


def scores(
    results: Sequence[tuple[Sequence[tuple[float, float]], Sequence[Box], float]],
) -> Scores:
    """Scores over images given as (predicted points, annotated boxes, seconds)."""
    predicted = [len(points) for points, _, _ in results]
    annotated = [len(boxes) for _, boxes, _ in results]
    errors = [p - a for p, a in zip(predicted, annotated, strict=True)]
    matched = sum(len(match(points, boxes)) for points, boxes, _ in results)
    precision = matched / sum(predicted) if sum(predicted) else 0.0
    recall = matched / sum(annotated) if sum(annotated) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    try:
        r = statistics.correlation(predicted, annotated)
    except statistics.StatisticsError:
        r = math.nan
    return Scores(
        images=len(results),
        count_mae=statistics.fmean(abs(e) for e in errors),
        relative_mae=sum(abs(e) for e in errors) / max(sum(annotated), 1),
        bias=statistics.fmean(errors),
        pearson_r=r,
        precision=precision,
        recall=recall,
        f1=f1,
        seconds_per_image=statistics.fmean(s for _, _, s in results),
    )
