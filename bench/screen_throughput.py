"""Screen generated intakes and print intakes per second (issue 3: aim for > 2,000/s).

    uv run python bench/screen_throughput.py [--count 10000] [--seed 1]

The intakes are varied (sex, age, pregnancy, diagnoses, stages, conditions, medications,
labs, allergies, requests) so that every rule gets work. Reading and validating the document
is included in the timing, as the CLI does it; printing the JSON is not.
"""

import argparse
import datetime as dt
import json
import random
import time
from collections import Counter
from typing import Any

from anagen.core.knowledge import load
from anagen.core.screening import screen_document

CONDITIONS = ["E11.9", "I10", "I21.9", "I50.9", "D66", "L40.0", "B35.0", "C50.9", "N18.5",
              "K74.6", "L91.0", "J45.9", "E03.9", "Z33", "L66.1", "F32.9"]  # fmt: skip
MEDICATIONS = ["B01AA03", "B01AF01", "B01AC06", "C09AA05", "D10BA01", "H02AB06", "L04AD02",
               "A10BA02", "G04CB01", "N06AB06", "M01AE01", "L01BA01"]  # fmt: skip
DIAGNOSES = ["L64.9", "L64.9", "L64.8", "L65.0", "L63.9", "L66.12", None]
STAGES = {
    "male": [("norwood", v) for v in ("II", "III", "III vertex", "IV", "V", "VI", "VII")],
    "female": [("ludwig", v) for v in ("I", "II", "III")] + [("sinclair", 3), ("savin", "I-3")],
}
INGREDIENTS = ["dutasteride", "minoxidil", "biotin", "dexpanthenol", "growth_factors", "lidocaine"]


def intake(rng: random.Random) -> dict[str, Any]:
    sex = rng.choice(["female", "male"])
    assessed = dt.date(2026, 11, 20)
    birth = assessed - dt.timedelta(days=rng.randint(14 * 365, 85 * 365))
    patient: dict[str, Any] = {"birth_date": birth.isoformat(), "sex": sex}
    if sex == "female":
        patient["pregnancy"] = rng.choice(
            ["no", "no", "no", "planning", "breastfeeding", "pregnant", "unknown"]
        )
        patient["reliable_contraception"] = rng.choice([True, False, None])
        if rng.random() < 0.5:
            patient["negative_pregnancy_test_on"] = (
                assessed - dt.timedelta(days=rng.randint(0, 20))
            ).isoformat()
    scale, value = rng.choice(STAGES[sex])
    doc: dict[str, Any] = {
        "schema": "anagen.intake/1",
        "assessed_on": assessed.isoformat(),
        "patient": patient,
        "hair_loss": {
            "diagnosis": rng.choice(DIAGNOSES),
            "onset_months_ago": rng.randint(1, 240),
            "stage": {"scale": scale, "value": value},
            "pull_test_positive_regions": rng.choice([0, 0, 0, 1, 2]),
            "trichoscopy_signs": rng.sample(
                ["yellow_dots", "anisotrichosis", "white_dots", "black_dots"], k=rng.randint(0, 2)
            ),
            "scalp": rng.choice([[], [], [], ["sunburn"], ["active_psoriasis"]]),
        },
        "conditions": [{"icd10": c} for c in rng.sample(CONDITIONS, k=rng.randint(0, 3))],
        "medications": [{"atc": m} for m in rng.sample(MEDICATIONS, k=rng.randint(0, 3))],
        "allergies": rng.sample(INGREDIENTS, k=rng.choice([0, 0, 0, 1])),
        "labs": {"hba1c_percent": round(rng.uniform(5, 10), 1), "inr": round(rng.uniform(1, 4), 1)},
    }
    if rng.random() < 0.4:
        doc["requested"] = {"ingredients": rng.sample(INGREDIENTS[:5], k=rng.randint(1, 3))}
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    # Round-trip through JSON text so the documents are exactly what the CLI would read.
    docs = [json.loads(json.dumps(intake(rng))) for _ in range(args.count)]
    kb = load()
    screen_document(docs[0], kb)  # warm the caches (code lists, knowledge base)
    started = time.perf_counter()
    verdicts = Counter(screen_document(doc, kb)[1].verdict for doc in docs)
    elapsed = time.perf_counter() - started
    print(
        f"screened {args.count} intakes in {elapsed:.2f} s: {args.count / elapsed:,.0f} intakes/s"
    )
    print("verdicts:", ", ".join(f"{k} {v}" for k, v in verdicts.most_common()))


if __name__ == "__main__":
    main()
