"""A detector a clinic trains on its own annotated images (``anagen trichoscopy train``).

The candidates are the default analyser's shaft segments (``detect.candidates``); what is
learnt is which of them are hairs, and which are two hairs lying together (a shaft twice the
field's typical width). Labels come from Pascal VOC boxes, one per hair: a candidate is paired
one-to-one with the boxes by the same rule ``evaluate`` scores by, allowing each candidate two
hairs. The classifier is scikit-learn's histogram gradient boosting: CPU-only, a few minutes on a
few hundred images.

The thresholds that turn probabilities into hairs are chosen on out-of-fold predictions, with
the folds grouped by subject where file names say who the subject is (``DATE_SUBJECT_N``), so
that they are not tuned on images the classifier has already seen.

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
from sklearn.model_selection import GroupKFold, cross_val_predict

from anagen.core.invalid import InvalidDocument
from anagen.core.trichoscopy.detect import Candidate
from anagen.core.trichoscopy.measure import Hair
from anagen.core.trichoscopy.voc import Box, match

__all__ = ["MODEL_SCHEMA", "Model", "Sample", "labels", "load", "save", "train"]

MODEL_SCHEMA = "anagen.trichoscopy-model/1"
FEATURES = len(Candidate.features(Candidate(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
_MAX_PER_CANDIDATE = 2


@dataclasses.dataclass(frozen=True)
class Sample:
    """One annotated training image, reduced to its candidates and boxes; ``group`` is the
    subject (or the image itself when the name does not say)."""

    name: str
    group: str
    candidates: tuple[Candidate, ...]
    boxes: tuple[Box, ...]


def labels(found: Sequence[Candidate], boxes: Sequence[Box]) -> npt.NDArray[np.intp]:
    """How many annotated hairs (0, 1 or 2) each candidate stands for."""
    points = [(c.x, c.y) for c in found for _ in range(_MAX_PER_CANDIDATE)]
    result = np.zeros(len(found), dtype=np.intp)
    for point, _ in match(points, boxes):
        result[point // _MAX_PER_CANDIDATE] += 1
    return result


@dataclasses.dataclass
class Model:
    """A fitted classifier and its two thresholds: a candidate is a hair when P(not 0) >
    ``hair``, and two hairs when also P(2) / P(not 0) > ``double``."""

    classifier: HistGradientBoostingClassifier
    hair: float
    double: float
    summary: dict[str, Any]

    def hairs(self, found: Sequence[Candidate]) -> list[Hair]:
        if not found:
            return []
        probabilities = self._probabilities(np.array([c.features() for c in found]))
        return _choose(found, probabilities, self.hair, self.double)

    def _probabilities(self, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        raw = self.classifier.predict_proba(features)
        full = np.zeros((features.shape[0], _MAX_PER_CANDIDATE + 1))
        for column, cls in enumerate(self.classifier.classes_):
            full[:, int(cls)] = raw[:, column]
        return full


def _choose(
    found: Sequence[Candidate],
    probabilities: npt.NDArray[np.float64],
    hair: float,
    double: float,
) -> list[Hair]:
    chosen: list[Hair] = []
    for candidate, p in zip(found, probabilities, strict=True):
        some = 1.0 - p[0]
        if some <= hair:
            continue
        chosen.append(candidate.hair(float(some)))
        if p[2] / some > double:
            chosen.append(candidate.hair(float(some)))
    return chosen


def _classifier() -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=300, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0, random_state=0
    )


def train(samples: Sequence[Sample]) -> Model:
    """Fit a model on annotated samples (at least two subjects, or at least two images)."""
    found = [c for s in samples for c in s.candidates]
    if not found:
        raise InvalidDocument("images", "no hair-like shafts were found in the training images")
    features = np.array([c.features() for c in found])
    target = np.concatenate([labels(s.candidates, s.boxes) for s in samples])
    if len(set(target.tolist())) < 2:
        raise InvalidDocument("annotations", "need both hairs and non-hairs among the candidates")
    groups = np.array([s.group for s in samples for _ in s.candidates])
    folds = min(5, len(set(groups.tolist())))
    if folds < 2:
        raise InvalidDocument("images", "need images of at least two subjects to tune thresholds")
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
    hair, double, fit = _thresholds(samples, probabilities)
    classifier = _classifier().fit(features, target)
    summary = {
        "schema": MODEL_SCHEMA,
        "images": len(samples),
        "groups": len(set(groups.tolist())),
        "boxes": sum(len(s.boxes) for s in samples),
        "candidates": len(found),
        "out_of_fold": fit,
    }
    return Model(classifier, hair, double, summary)


def _thresholds(
    samples: Sequence[Sample], probabilities: npt.NDArray[np.float64]
) -> tuple[float, float, dict[str, float]]:
    """The thresholds that minimise count error with F1 as the tie-breaker, out of fold."""
    best: tuple[float, float, float, dict[str, float]] | None = None
    for hair in np.arange(0.2, 0.71, 0.05):
        for double in np.arange(0.3, 0.91, 0.1):
            errors: list[int] = []
            matched = predicted = annotated = 0
            start = 0
            for sample in samples:
                stop = start + len(sample.candidates)
                chosen = _choose(sample.candidates, probabilities[start:stop], hair, double)
                start = stop
                points = [(h.x, h.y) for h in chosen]
                matched += len(match(points, sample.boxes))
                predicted += len(points)
                annotated += len(sample.boxes)
                errors.append(len(points) - len(sample.boxes))
            precision = matched / predicted if predicted else 0.0
            recall = matched / annotated if annotated else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            mae = float(np.mean(np.abs(errors)))
            objective = mae - 2.0 * f1
            fit = {"count_mae": mae, "bias": float(np.mean(errors)), "f1": f1}
            if best is None or objective < best[0]:
                best = (objective, float(hair), float(double), fit)
    assert best is not None
    return best[1], best[2], best[3]


def save(model: Model, path: Path) -> None:
    """Write the model as a zip: ``model.json`` (schema, thresholds, what it was trained on) and
    ``classifier.skops``."""
    header = {
        "schema": MODEL_SCHEMA,
        "features": FEATURES,
        "hair": model.hair,
        "double": model.double,
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
    return Model(classifier, float(header["hair"]), float(header["double"]), header["summary"])
