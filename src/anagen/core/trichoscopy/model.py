"""A detector a clinic trains on its own annotated images (``anagen trichoscopy train``).

The candidates are the default analyser's shaft segments (``detect.candidates``); what is
learnt is which of them are hairs, and which are two hairs lying together (a shaft twice the
field's typical width). Labels come from Pascal VOC boxes, one per hair: a candidate is paired
one-to-one with the boxes by the same rule ``evaluate`` scores by, allowing each candidate two
hairs. The classifier is scikit-learn's histogram gradient boosting: CPU-only, a few minutes on a
few hundred images. It sees each candidate's measurements, a small picture of it
(``Candidate.appearance``), what the field's other candidates are like and how it lies beside its
nearest neighbours (``_rows``).

How many hairs a field has is then a linear function of its candidates' probabilities (their
expected count, and how many are fairly sure at several levels), and the most probable
candidates up to that count are the hairs. That function is fitted on out-of-fold
probabilities, with the folds grouped by subject where file names say who the subject is
(``DATE_SUBJECT_N``), so that it is not fitted to what the classifier says of images it has
already seen.

Model files are written and read with skops, which refuses to load anything but the known
scikit-learn types (a pickle would run whatever code the file names).
"""

from __future__ import annotations

import dataclasses
import json
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GroupKFold, cross_val_predict

from anagen.core.invalid import InvalidDocument
from anagen.core.trichoscopy.detect import APPEARANCE, MIN_LENGTH_PX, Candidate
from anagen.core.trichoscopy.measure import Hair
from anagen.core.trichoscopy.voc import Box, match

__all__ = ["MODEL_SCHEMA", "Model", "Sample", "labels", "load", "save", "train"]

MODEL_SCHEMA = "anagen.trichoscopy-model/1"
_MAX_PER_CANDIDATE = 2
_LONG_PX = 500.0  # longer than this, a candidate is simply long (few hairs at x70 are)


@dataclasses.dataclass(frozen=True)
class Sample:
    """One annotated training image, reduced to its candidates and boxes; ``group`` is the
    subject (or the image itself when the name does not say)."""

    name: str
    group: str
    candidates: tuple[Candidate, ...]
    boxes: tuple[Box, ...]


def labels(found: Sequence[Candidate], boxes: Sequence[Box]) -> npt.NDArray[np.intp]:
    """How many annotated hairs (0, 1 or 2) each candidate stands for.

    A candidate's second hair is used only where it adds a match: the boxes of one follicular
    unit overlap, and without that reluctance a candidate nearer their centres took two of them
    while its neighbour, the other hair, was labelled not a hair (1354 two-hair labels on the
    development set instead of 318).

    Where several candidates lie in one hair's box (the pieces a shaft was broken into, a spur
    beside it), the longer one takes the hair: the shorter ones are then consistently "not a
    hair", which the classifier can learn from how they lie beside their neighbour. Taking the
    one nearest the box centre made that choice arbitrary (bench/trichoscopy.py, trained: count
    MAE 1.72 -> 1.66, F1 0.841 -> 0.847)."""
    points = [(c.x, c.y) for c in found for _ in range(_MAX_PER_CANDIDATE)]
    reluctance = [
        100.0 * k + 1.0 - min(c.length_px, _LONG_PX) / _LONG_PX
        for c in found
        for k in range(_MAX_PER_CANDIDATE)
    ]
    result = np.zeros(len(found), dtype=np.intp)
    for point, _ in match(points, boxes, reluctance):
        result[point // _MAX_PER_CANDIDATE] += 1
    return result


def _rows(found: Sequence[Candidate]) -> npt.NDArray[np.float64]:
    """The classifier's input: each candidate's own features and appearance, then the field it
    lies in (how many candidates, and the typical width, contrast and length of the long ones),
    the candidate against that field, and against its neighbours (``_neighbours``)."""
    own = np.array([[*c.features(), *c.appearance] for c in found], dtype=np.float64)
    if not found:
        return own.reshape(0, FEATURES)
    long = [c for c in found if c.length_px >= MIN_LENGTH_PX] or list(found)
    contrast = float(np.median([c.contrast for c in long]))
    length = float(np.median([c.length_px for c in long]))
    field = [
        len(found),
        len(long),
        float(np.median([c.width_px for c in long])),
        contrast,
        length,
        float(np.percentile([c.contrast for c in found], 90)),
    ]
    relative = [[c.contrast / (contrast + 1.0), c.length_px / (length + 1.0)] for c in found]
    return np.hstack([own, np.tile(field, (len(found), 1)), np.array(relative), _neighbours(found)])


_NEIGHBOURS = 18


def _neighbours(found: Sequence[Candidate]) -> npt.NDArray[np.float64]:
    """Each candidate beside the segment nearest its midpoint, once among the longer candidates
    and once among all: how far (in px, and in either's widths), at what angle, how long and how
    dark against it, and how far its ends are from it; then how many segments run within a
    width of it or within 20 px. A short spur at the end of a shaft, or a piece lying along a
    hair already counted, looks like a hair on its own and not beside its neighbour; a thick
    shaft with forked ends is often two hairs."""
    x, y, length, width, angle, contrast = (
        np.array([getattr(c, name) for c in found], dtype=np.float64)
        for name in ("x", "y", "length_px", "width_px", "angle_deg", "contrast")
    )
    direction = np.column_stack([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
    middle = np.column_stack([x, y])
    starts = middle - direction * length[:, None] / 2
    stops = middle + direction * length[:, None] / 2
    to_mid, to_start, to_stop = (
        _to_segments(points, starts, stops) for points in (middle, starts, stops)
    )
    nearer_end = np.minimum(to_start, to_stop)
    farther_end = np.maximum(to_start, to_stop)
    rows = []
    for i in range(len(found)):
        row: list[float] = []
        for among in (length >= length[i], np.ones(len(found), dtype=bool)):
            among[i] = False
            if not among.any():
                row += [999.0, 99.0, 99.0, 90.0, 0.0, 0.0, 999.0, 999.0]
                continue
            j = int(np.argmin(np.where(among, to_mid[i], np.inf)))
            row += [
                to_mid[i, j],
                to_mid[i, j] / max(width[j], 1.0),
                to_mid[i, j] / max(width[i], 1.0),
                abs((angle[i] - angle[j] + 90.0) % 180.0 - 90.0),
                length[i] / length[j],
                contrast[i] / (contrast[j] + 1.0),
                nearer_end[i, j],
                farther_end[i, j],
            ]
        others = np.arange(len(found)) != i
        row += [
            float((others & (to_mid[i] < width[i])).sum()),
            float((others & (np.minimum(nearer_end[i], to_mid[i]) < 20.0)).sum()),
        ]
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(len(found), _NEIGHBOURS)


def _to_segments(
    points: npt.NDArray[np.float64], starts: npt.NDArray[np.float64], stops: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Distance from each point to each segment (points x segments)."""
    run = stops - starts
    squared = np.maximum((run**2).sum(axis=1), 1e-9)
    offset = points[:, None, :] - starts[None, :, :]
    t = np.clip((offset * run[None]).sum(axis=2) / squared[None], 0.0, 1.0)
    nearest = starts[None] + t[..., None] * run[None]
    distance: npt.NDArray[np.float64] = np.hypot(*(points[:, None, :] - nearest).transpose(2, 0, 1))
    return distance


FEATURES = (
    len(Candidate(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0).features()) + APPEARANCE + 8 + _NEIGHBOURS
)
_COUNT_WEIGHTS = 10  # nine count features and the intercept


def _count_features(probabilities: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """What the count model reads of one field's candidate probabilities (columns 0, 1, 2 hairs)."""
    some = 1.0 - probabilities[:, 0]
    expected = probabilities[:, 1] + 2.0 * probabilities[:, 2]
    return np.array(
        [
            expected.sum(),
            *((some > level).sum() for level in (0.3, 0.5, 0.7, 0.9)),
            (probabilities[:, 2] > 0.3).sum(),
            len(probabilities),
            (some * (1.0 - some)).sum(),
            (expected**2).sum(),
        ],
        dtype=np.float64,
    )


def _choose(
    found: Sequence[Candidate], probabilities: npt.NDArray[np.float64], count: float
) -> list[Hair]:
    """The ``count`` most probable hairs: each candidate offers one hair at P(at least one) and
    a second at P(two)."""
    offers = [(1.0 - p[0], i) for i, p in enumerate(probabilities)]
    offers += [(p[2], i) for i, p in enumerate(probabilities)]
    offers.sort(key=lambda offer: -offer[0])
    k = int(np.clip(round(count), 0, len(offers)))
    return [found[i].hair(float(score)) for score, i in offers[:k]]


@dataclasses.dataclass
class Model:
    """A fitted candidate classifier and the linear count model over its probabilities
    (``weights`` for ``_count_features``, then the intercept)."""

    classifier: HistGradientBoostingClassifier
    weights: tuple[float, ...]
    summary: dict[str, Any]

    def hairs(self, found: Sequence[Candidate]) -> list[Hair]:
        if not found:
            return []
        probabilities = self.probabilities(found)
        return _choose(found, probabilities, self.count(probabilities))

    def count(self, probabilities: npt.NDArray[np.float64]) -> float:
        return float(
            _count_features(probabilities) @ np.array(self.weights[:-1]) + self.weights[-1]
        )

    def probabilities(self, found: Sequence[Candidate]) -> npt.NDArray[np.float64]:
        features = _rows(found)
        raw = self.classifier.predict_proba(features)
        full = np.zeros((features.shape[0], _MAX_PER_CANDIDATE + 1))
        for column, cls in enumerate(self.classifier.classes_):
            full[:, int(cls)] = raw[:, column]
        return full


def _classifier() -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=300, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0, random_state=0
    )


def train(samples: Sequence[Sample]) -> Model:
    """Fit a model on annotated samples (at least two subjects, or at least two images)."""
    found = [c for s in samples for c in s.candidates]
    if not found:
        raise InvalidDocument("images", "no hair-like shafts were found in the training images")
    features = np.vstack([_rows(s.candidates) for s in samples])
    target = np.concatenate([labels(s.candidates, s.boxes) for s in samples])
    if len(set(target.tolist())) < 2:
        raise InvalidDocument("annotations", "need both hairs and non-hairs among the candidates")
    groups = np.array([s.group for s in samples for _ in s.candidates])
    folds = min(5, len(set(groups.tolist())))
    if folds < 2:
        raise InvalidDocument("images", "need images of at least two subjects to fit the count")
    with warnings.catch_warnings():
        # A rare class (two hairs in one shaft) may be absent from a fold; cross_val_predict
        # then gives it probability 0 there, which is what it should be.
        warnings.filterwarnings("ignore", "Number of classes in training fold", RuntimeWarning)
        out_of_fold = cross_val_predict(
            _classifier(), features, target, groups=groups, cv=GroupKFold(folds),
            method="predict_proba",
        )  # fmt: skip
    probabilities = np.zeros((len(found), _MAX_PER_CANDIDATE + 1))
    classes = sorted(set(target.tolist()))
    for column, cls in enumerate(classes):
        probabilities[:, cls] = out_of_fold[:, column]
    per_sample = np.split(probabilities, np.cumsum([len(s.candidates) for s in samples])[:-1])
    counts = RidgeCV(alphas=np.logspace(-2, 3, 11)).fit(
        np.array([_count_features(p) for p in per_sample]), [len(s.boxes) for s in samples]
    )
    weights = (*(float(w) for w in counts.coef_), float(counts.intercept_))
    classifier = _classifier().fit(features, target)
    model = Model(classifier, weights, {})
    model.summary = {
        "schema": MODEL_SCHEMA,
        "images": len(samples),
        "groups": len(set(groups.tolist())),
        "boxes": sum(len(s.boxes) for s in samples),
        "candidates": len(found),
        "out_of_fold": _fit(samples, per_sample, model),
    }
    return model


def _fit(
    samples: Sequence[Sample], per_sample: Sequence[npt.NDArray[np.float64]], model: Model
) -> dict[str, float]:
    """Count error and F1 of the out-of-fold probabilities (the count model was fitted on these
    same probabilities, so this is a little kinder than a held-out test)."""
    errors: list[int] = []
    matched = predicted = annotated = 0
    for sample, probabilities in zip(samples, per_sample, strict=True):
        chosen = _choose(sample.candidates, probabilities, model.count(probabilities))
        points = [(h.x, h.y) for h in chosen]
        matched += len(match(points, sample.boxes))
        predicted += len(points)
        annotated += len(sample.boxes)
        errors.append(len(points) - len(sample.boxes))
    precision = matched / predicted if predicted else 0.0
    recall = matched / annotated if annotated else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "count_mae": float(np.mean(np.abs(errors))),
        "bias": float(np.mean(errors)),
        "f1": f1,
    }


def save(model: Model, path: Path) -> None:
    """Write the model as a zip: ``model.json`` (schema, thresholds, what it was trained on) and
    ``classifier.skops``."""
    header = {
        "schema": MODEL_SCHEMA,
        "features": FEATURES,
        "count_weights": list(model.weights),
        "summary": model.summary,
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.json", json.dumps(header, indent=2))
        archive.writestr("classifier.skops", sio.dumps(model.classifier))


def load(path: Path) -> Model:
    """Read a model written by ``save``; anything else is an InvalidDocument naming the file."""
    try:
        with zipfile.ZipFile(path) as archive:
            header = json.loads(archive.read("model.json"))
            blob = archive.read("classifier.skops")
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as error:
        raise InvalidDocument(path.name, f"is not an Anagen trichoscopy model ({error})") from None
    if not isinstance(header, dict) or header.get("schema") != MODEL_SCHEMA:
        raise InvalidDocument(path.name, f"is not a {MODEL_SCHEMA} model")
    if header.get("features") != FEATURES:
        raise InvalidDocument(path.name, "was trained with another version's features; retrain it")
    try:
        trusted = [t for t in sio.get_untrusted_types(data=blob) if t.startswith("sklearn.")]
        classifier = sio.loads(blob, trusted=trusted)
    except Exception as error:  # noqa: BLE001 - skops raises many types for a foreign file
        raise InvalidDocument(path.name, f"holds an unreadable classifier ({error})") from None
    if not isinstance(classifier, HistGradientBoostingClassifier):
        raise InvalidDocument(path.name, "does not hold a gradient-boosting classifier")
    weights = header.get("count_weights")
    if not isinstance(weights, list) or len(weights) != _COUNT_WEIGHTS:
        raise InvalidDocument(path.name, "has no count model; retrain it")
    return Model(classifier, tuple(float(w) for w in weights), header["summary"])
