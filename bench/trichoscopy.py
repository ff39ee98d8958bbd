"""Trichoscopy benchmark on the development set (never committed; read from
../shared/data/trichoscopy/fdu-dev/), by subject-disjoint cross-validation.

    uv run python bench/trichoscopy.py [--data DIR] [--folds 5] [--limit N] [--jobs 2]

Prints, for the default analyser and for a model trained with the same code as
``anagen trichoscopy train`` (fitted on the other folds' subjects only, thresholds tuned inside
those folds): count MAE, relative MAE, bias, Pearson r, detection precision/recall/F1 (a
prediction matches a box when its point lies in the box grown by 15 px, one to one), and
seconds per image on one core (each worker process is single-threaded).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from multiprocessing import Pool
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cv2
import numpy as np
from sklearn.model_selection import GroupKFold

from anagen.core.trichoscopy.detect import analyze, candidates, is_hair
from anagen.core.trichoscopy.image import read_image
from anagen.core.trichoscopy.model import Sample, train
from anagen.core.trichoscopy.voc import read_voc, scores
from anagen.trichoscopy_cli import subject

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "trichoscopy" / "fdu-dev"


def _one(paths: tuple[Path, Path]) -> tuple[Sample, float]:
    cv2.setNumThreads(1)
    image_path, note_path = paths
    image = read_image(image_path, image_path.name)
    started = time.perf_counter()
    analyze(image)  # the whole default analysis, timed on one core
    seconds = time.perf_counter() - started
    found, _ = candidates(image)
    sample = Sample(
        image_path.name, subject(image_path.stem), tuple(found), tuple(read_voc(note_path))
    )
    return sample, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, help="use every k-th image so about N are used")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    images = sorted((args.data / "images").glob("*.jpg"))
    if not images:
        print(f"no images under {args.data / 'images'}", file=sys.stderr)
        return 2
    if args.limit:
        images = images[:: max(1, len(images) // args.limit)]
    pairs = [(p, args.data / "annotations" / f"{p.stem}.xml") for p in images]
    with Pool(args.jobs) as pool:
        done = pool.map(_one, pairs, chunksize=8)
    samples = [s for s, _ in done]
    seconds = [t for _, t in done]
    subjects = len({s.group for s in samples})
    print(f"{len(samples)} images of {subjects} subjects; {args.folds}-fold, subject-disjoint")
    print(
        f"analysis time per image (one core): mean {statistics.fmean(seconds):.3f} s, "
        f"max {max(seconds):.3f} s"
    )

    default = [([(c.x, c.y) for c in s.candidates if is_hair(c)], s.boxes, t) for s, t in done]
    print("\nDefault analyser (no trained model)")
    print("\n".join("  " + line for line in scores(default).lines()))

    trained: list[tuple[list[tuple[float, float]], tuple, float]] = [([], (), 0.0)] * len(samples)
    groups = [s.group for s in samples]
    fit_seconds = []
    for train_idx, test_idx in GroupKFold(args.folds).split(np.arange(len(samples)), groups=groups):
        started = time.perf_counter()
        model = train([samples[i] for i in train_idx])
        fit_seconds.append(time.perf_counter() - started)
        assert not {groups[i] for i in train_idx} & {groups[i] for i in test_idx}
        for i in test_idx:
            started = time.perf_counter()
            hairs = model.hairs(samples[i].candidates)
            extra = time.perf_counter() - started
            trained[i] = ([(h.x, h.y) for h in hairs], samples[i].boxes, seconds[i] + extra)
    print(f"\nTrained model (fit per fold: mean {statistics.fmean(fit_seconds):.0f} s)")
    print("\n".join("  " + line for line in scores(trained).lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
