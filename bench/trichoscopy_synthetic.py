"""The default analyser and the phototrichogram on the project's own synthetic images, whose
truth is known: shaft diameters (the issue asks ±5 µm) and the anagen fraction (±5 points).

    uv run --no-sync python bench/trichoscopy_synthetic.py [--fields 50] [--pairs 50] [--seed 0]

(about a minute with the defaults on one core.)

Fields imitate a x70 device: 1280x1024 px at 2.5 µm per px, clipped, with a header band; each
draws its density (120-260 hairs/cm²), mean diameter (45-75 µm), vellus fraction (0-0.3) and
camera (blur sigma 0.5-1.5 px, noise 2-5 grey levels, JPEG 85 or none) from its seed. Diameter
error per field is the measured mean diameter less the truth's; per hair, a detected hair is
matched one to one with the true hair whose midpoint is nearest (within 15 px or a third of its
length), and its width in µm is compared.

Pairs are ``synthetic_pair``'s defaults (640x512 px at 6 µm per px, 220 hairs/cm², 85 % anagen,
5 % shed, 2 days, up to 12 px and 3° apart); the error is the measured anagen fraction less the
truth's, in percentage points.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from anagen.core.trichoscopy.detect import analyze
from anagen.core.trichoscopy.measure import Hair
from anagen.core.trichoscopy.pair import pair
from anagen.core.trichoscopy.synthetic import Look, field, synthetic_pair


def nearest(truth: Sequence[Hair], found: Sequence[Hair]) -> list[tuple[int, int]]:
    """One-to-one (truth, found) pairs by midpoint distance, within reach."""
    if not truth or not found:
        return []
    cost = np.array([[math.hypot(t.x - f.x, t.y - f.y) for f in found] for t in truth])
    rows, cols = linear_sum_assignment(cost)
    return [
        (int(i), int(j))
        for i, j in zip(rows, cols, strict=True)
        if cost[i, j] <= max(15.0, truth[i].length_px / 3)
    ]


def band(diameter: float) -> str:
    low = 0
    for edge in (30, 50, 70):
        if diameter < edge:
            return f"{low}-{edge}"
        low = edge
    return "70+"


def fields(count: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    field_errors, hair_errors, recall, seconds = [], [], [], []
    density_errors, vellus_errors = [], []
    by_band: dict[str, list[float]] = defaultdict(list)
    in_band: dict[str, int] = defaultdict(int)
    by_blur: dict[str, list[float]] = defaultdict(list)
    for n in range(count):
        blur = float(rng.uniform(0.5, 1.5))
        look = Look(
            blur_px=blur, noise=float(rng.uniform(2, 5)), jpeg=85 if rng.random() < 0.5 else None
        )
        drawn = field(
            seed * 1000 + n,
            float(rng.uniform(120, 260)),
            float(rng.uniform(45, 75)),
            float(rng.uniform(0.0, 0.3)),
            look=look,
        )
        result = analyze(drawn.image, um_per_px=drawn.um_per_px)
        seconds.append(result.seconds)
        truth = drawn.truth()
        if result.mean_diameter_um is not None and truth.mean_diameter_um is not None:
            field_errors.append(result.mean_diameter_um - truth.mean_diameter_um)
        if result.density_per_cm2 is not None and truth.density_per_cm2:
            density_errors.append(result.density_per_cm2 / truth.density_per_cm2 - 1)
        if result.vellus_fraction is not None and truth.vellus_fraction is not None:
            vellus_errors.append(100 * (result.vellus_fraction - truth.vellus_fraction))
        for hair in drawn.hairs:
            in_band[band(hair.width_px * drawn.um_per_px)] += 1
        pairs = nearest(drawn.hairs, result.hairs)
        recall.append(len(pairs) / max(1, len(drawn.hairs)))
        for i, j in pairs:
            true_um = drawn.hairs[i].width_px * drawn.um_per_px
            error = (result.hairs[j].width_px - drawn.hairs[i].width_px) * drawn.um_per_px
            hair_errors.append(error)
            by_band[band(true_um)].append(error)
            by_blur[
                f"{0.5 * math.floor(blur / 0.5):.1f}-{0.5 * math.floor(blur / 0.5) + 0.5:.1f}"
            ].append(error)
    absolute = [abs(e) for e in field_errors]
    print(
        f"Fields: {count} (1280x1024 at 2.5 µm/px); analyser {statistics.mean(seconds):.2f} s/image"
    )
    print(
        f"  mean diameter per field, µm: mean |error| {statistics.mean(absolute):.2f}, "
        f"worst {max(absolute):.2f}, bias {statistics.mean(field_errors):+.2f}, "
        f"fields within ±5 µm {sum(a <= 5 for a in absolute)}/{len(absolute)}"
    )
    per_hair = [abs(e) for e in hair_errors]
    print(
        f"  per matched hair, µm: mean |error| {statistics.mean(per_hair):.2f}, "
        f"worst {max(per_hair):.2f}, bias {statistics.mean(hair_errors):+.2f}, "
        f"within ±5 µm {np.mean(np.array(per_hair) <= 5):.1%} of {len(per_hair)}; "
        f"hairs found {statistics.mean(recall):.1%}"
    )
    print(
        f"  density: mean |error| {np.mean(np.abs(density_errors)):.1%}, "
        f"bias {np.mean(density_errors):+.1%}; vellus fraction: mean |error| "
        f"{np.mean(np.abs(vellus_errors)):.1f} points, bias {np.mean(vellus_errors):+.1f}"
    )
    for name, errors in sorted(by_band.items()):
        found = f"found {len(errors)}/{in_band[name]}"
        print(f"    true diameter {name:>5} µm: {summary(errors)}; {found}")
    for name, errors in sorted(by_blur.items()):
        print(f"    blur sigma {name} px: {summary(errors)}")


def summary(errors: Sequence[float]) -> str:
    mean_abs = float(np.mean(np.abs(errors)))
    return f"bias {statistics.mean(errors):+.2f}, mean |error| {mean_abs:.2f} (n={len(errors)})"


def pairs(count: int, seed: int) -> None:
    errors, seconds = [], []
    fates: dict[str, int] = defaultdict(int)
    for n in range(count):
        drawn = synthetic_pair(seed * 1000 + n)
        started = time.perf_counter()
        result = pair(
            drawn.before.image,
            drawn.after.image,
            um_per_px=drawn.before.um_per_px,
            days_apart=drawn.days,
        )
        seconds.append(time.perf_counter() - started)
        assert result.anagen_fraction is not None
        errors.append(100 * (result.anagen_fraction - drawn.anagen_fraction))
        for truth_index, found_index in nearest(
            drawn.before.hairs, [m.hair for m in result.matched]
        ):
            fates[f"{drawn.fates[truth_index]}->{result.matched[found_index].fate}"] += 1
    absolute = [abs(e) for e in errors]
    print(f"Pairs: {count} (640x512 at 6 µm/px, 2 days); {statistics.mean(seconds):.2f} s/pair")
    print(
        f"  anagen fraction, points: mean |error| {statistics.mean(absolute):.2f}, "
        f"worst {max(absolute):.2f}, bias {statistics.mean(errors):+.2f}, "
        f"pairs within ±5 {sum(a <= 5 for a in absolute)}/{count}"
    )
    right = sum(v for k, v in fates.items() if k.split("->")[0] == k.split("->")[1])
    print(
        f"  hairs classified as the truth says: {right}/{sum(fates.values())}; "
        + ", ".join(
            f"{k} {v}" for k, v in sorted(fates.items()) if k.split("->")[0] != k.split("->")[1]
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=50)
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.fields:
        fields(args.fields, args.seed)
    if args.pairs:
        pairs(args.pairs, args.seed)


if __name__ == "__main__":
    main()
