"""The intake document ``anagen.intake/1``: read and checked into an :class:`Intake`.

Every problem raises :class:`InvalidDocument` naming the field (``medications[1].atc``) and,
for a field with a fixed set of values, listing them. Unknown keys are errors, so a typo never
silently drops a fact. Ages and recencies are computed from ``assessed_on``, never the clock.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from anagen.core import codes
from anagen.core.invalid import InvalidDocument, read_date, read_list, read_object
from anagen.core.staging import (
    RakowskaMeasurements,
    ScaleBook,
    Stage,
    parse_rakowska,
    parse_stage,
)

__all__ = [
    "CLEARANCES",
    "INTAKE_SCHEMA",
    "LABS",
    "PREGNANCY",
    "SCALP",
    "SEXES",
    "TRICHOSCOPY_SIGNS",
    "Condition",
    "HairLoss",
    "Intake",
    "Medication",
    "Patient",
    "read_intake",
]

INTAKE_SCHEMA = "anagen.intake/1"
SEXES = ("female", "male")
PREGNANCY = ("pregnant", "breastfeeding", "planning", "no", "unknown")
TRICHOSCOPY_SIGNS = (
    "yellow_dots", "black_dots", "white_dots", "exclamation_mark_hairs", "broken_hairs",
    "tapered_hairs", "perifollicular_erythema", "perifollicular_scale",
    "loss_of_follicular_openings", "anisotrichosis", "short_regrowing_hairs", "shiny_scalp",
    "honeycomb_pigment",
)  # fmt: skip
SCALP = ("active_psoriasis", "active_infection", "open_wound", "sunburn")
LABS = (
    "hba1c_percent", "ferritin_ug_per_l", "haemoglobin_g_per_dl", "platelets_10e9_per_l",
    "inr", "tsh_mu_per_l",
)  # fmt: skip
CLEARANCES = ("haematology",)
_PULL_TEST_REGIONS = 4  # vertex, both parietal areas, occiput (fpnotebook)

_T = TypeVar("_T")


@dataclass(frozen=True)
class Patient:
    birth_date: dt.date
    sex: str
    pregnancy: str | None
    postmenopausal: bool | None
    reliable_contraception: bool | None
    negative_pregnancy_test_on: dt.date | None


@dataclass(frozen=True)
class HairLoss:
    diagnosis: str | None
    onset_months_ago: int | None
    stage: Stage | None
    pull_test_positive_regions: int | None
    trichoscopy_signs: tuple[str, ...]
    scalp: tuple[str, ...]
    rakowska: RakowskaMeasurements | None


@dataclass(frozen=True)
class Condition:
    icd10: str
    onset: dt.date | None


@dataclass(frozen=True)
class Medication:
    atc: str
    name: str
    stopped_on: dt.date | None


@dataclass(frozen=True)
class Intake:
    assessed_on: dt.date
    patient: Patient
    hair_loss: HairLoss
    conditions: tuple[Condition, ...]
    medications: tuple[Medication, ...]
    allergies: tuple[str, ...]
    labs: Mapping[str, float]
    requested: tuple[str, ...] | None
    clearances: tuple[str, ...]

    @property
    def age(self) -> int:
        born, today = self.patient.birth_date, self.assessed_on
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


_TOP_KEYS = (
    "schema", "assessed_on", "patient", "hair_loss", "conditions", "medications",
    "allergies", "labs", "requested", "clearances",
)  # fmt: skip
_PATIENT_KEYS = (
    "birth_date", "sex", "pregnancy", "postmenopausal", "reliable_contraception",
    "negative_pregnancy_test_on",
)  # fmt: skip
_HAIR_KEYS = (
    "diagnosis", "onset_months_ago", "stage", "pull_test_positive_regions",
    "trichoscopy_signs", "scalp", "rakowska",
)  # fmt: skip


def read_intake(doc: object, *, ingredients: Sequence[str], scales: ScaleBook) -> Intake:
    """Check an intake document and return it typed; raise InvalidDocument on the first error.

    ``ingredients`` are the knowledge base's ingredient ids (allergies and requested
    ingredients must be among them).
    """
    top = read_object(doc, "", _TOP_KEYS, required=("schema", "assessed_on", "patient"))
    if top["schema"] != INTAKE_SCHEMA:
        raise InvalidDocument("schema", f"must be {INTAKE_SCHEMA!r}, not {top['schema']!r}")
    today = read_date(top["assessed_on"], "assessed_on")
    patient = _patient(top["patient"], today)
    hair = _hair_loss(top.get("hair_loss", {}), scales)
    conditions = read_list(
        top.get("conditions", []), "conditions", lambda v, f: _condition(v, f, today)
    )
    medications = read_list(top.get("medications", []), "medications", _medication)
    allergies = _choices(top.get("allergies", []), "allergies", ingredients)
    return Intake(
        assessed_on=today,
        patient=patient,
        hair_loss=hair,
        conditions=conditions,
        medications=medications,
        allergies=allergies,
        labs=_labs(top.get("labs", {})),
        requested=_requested(top.get("requested"), ingredients),
        clearances=_choices(top.get("clearances", []), "clearances", CLEARANCES),
    )


def _patient(value: object, today: dt.date) -> Patient:
    p = read_object(value, "patient", _PATIENT_KEYS, required=("birth_date", "sex"))
    birth = read_date(p["birth_date"], "patient.birth_date")
    if birth > today:
        raise InvalidDocument("patient.birth_date", "is after assessed_on")
    test_on = _optional(p, "negative_pregnancy_test_on", "patient", read_date)
    if test_on is not None and test_on > today:
        raise InvalidDocument("patient.negative_pregnancy_test_on", "is after assessed_on")
    return Patient(
        birth_date=birth,
        sex=_choice(p["sex"], "patient.sex", SEXES),
        pregnancy=_optional(p, "pregnancy", "patient", lambda v, f: _choice(v, f, PREGNANCY)),
        postmenopausal=_optional(p, "postmenopausal", "patient", _bool),
        reliable_contraception=_optional(p, "reliable_contraception", "patient", _bool),
        negative_pregnancy_test_on=test_on,
    )


def _hair_loss(value: object, scales: ScaleBook) -> HairLoss:
    h = read_object(value, "hair_loss", _HAIR_KEYS, required=())
    diagnosis = h.get("diagnosis")
    return HairLoss(
        diagnosis=None if diagnosis is None else _code("icd10", diagnosis, "hair_loss.diagnosis"),
        onset_months_ago=_optional(h, "onset_months_ago", "hair_loss", _count),
        stage=_optional(h, "stage", "hair_loss", lambda v, f: parse_stage(v, field=f, book=scales)),
        pull_test_positive_regions=_optional(
            h, "pull_test_positive_regions", "hair_loss", _pull_test_regions
        ),
        trichoscopy_signs=_choices(
            h.get("trichoscopy_signs", []), "hair_loss.trichoscopy_signs", TRICHOSCOPY_SIGNS
        ),
        scalp=_choices(h.get("scalp", []), "hair_loss.scalp", SCALP),
        rakowska=_optional(h, "rakowska", "hair_loss", lambda v, f: parse_rakowska(v, field=f)),
    )


def _condition(value: object, field: str, today: dt.date) -> Condition:
    c = read_object(value, field, ("icd10", "onset"), required=("icd10",))
    onset = _optional(c, "onset", field, read_date)
    if onset is not None and onset > today:
        raise InvalidDocument(f"{field}.onset", "is after assessed_on")
    return Condition(icd10=_code("icd10", c["icd10"], f"{field}.icd10"), onset=onset)


def _medication(value: object, field: str) -> Medication:
    m = read_object(value, field, ("atc", "name", "stopped_on"), required=("atc",))
    name = m.get("name", "")
    if not isinstance(name, str):
        raise InvalidDocument(f"{field}.name", "must be text")
    return Medication(
        atc=_code("atc", m["atc"], f"{field}.atc"),
        name=name.strip(),
        stopped_on=_optional(m, "stopped_on", field, read_date),
    )


def _labs(value: object) -> dict[str, float]:
    labs = read_object(value, "labs", LABS, required=())
    return {key: _number(v, f"labs.{key}") for key, v in labs.items()}


def _requested(value: object, ingredients: Sequence[str]) -> tuple[str, ...] | None:
    if value is None:
        return None
    r = read_object(value, "requested", ("ingredients",), required=("ingredients",))
    chosen = _choices(r["ingredients"], "requested.ingredients", ingredients)
    if not chosen:
        raise InvalidDocument("requested.ingredients", "must name at least one ingredient")
    return chosen


# --- Field readers ---------------------------------------------------------------------------


def _optional(
    record: Mapping[str, Any], key: str, field: str, read: Callable[[Any, str], _T]
) -> _T | None:
    value = record.get(key)
    return None if value is None else read(value, f"{field}.{key}")


def _choice(value: object, field: str, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise InvalidDocument(field, f"{value!r} is not allowed; allowed: {', '.join(allowed)}")
    return value


def _choices(value: object, field: str, allowed: Sequence[str]) -> tuple[str, ...]:
    items = read_list(value, field, lambda v, f: _choice(v, f, allowed))
    return tuple(dict.fromkeys(items))  # repeated entries add nothing


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidDocument(field, "must be true or false")
    return value


def _number(value: object, field: str) -> float:
    # NaN compares false with everything, so it would slip past every threshold: refuse it.
    finite = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if finite and value >= 0:  # type: ignore[operator]
        return float(value)  # type: ignore[arg-type]
    raise InvalidDocument(field, "must be a number, zero or more")


def _count(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidDocument(field, "must be a whole number, zero or more")
    return value


def _pull_test_regions(value: object, field: str) -> int:
    count = _count(value, field)
    if count > _PULL_TEST_REGIONS:
        raise InvalidDocument(field, f"must be 0 to {_PULL_TEST_REGIONS} (regions tested)")
    return count


def _code(system: str, value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidDocument(field, "must be a code written as text")
    try:
        return codes.normalise(system, value)
    except ValueError as error:
        raise InvalidDocument(field, str(error)) from None
