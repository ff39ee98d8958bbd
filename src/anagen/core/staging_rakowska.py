"""Female androgenetic alopecia on trichoscopy: the Rakowska 2009 criteria.

Rakowska A, et al. Int J Trichology 2009;1(2):123-130 (REFERENCE.md 6.3): three major and
three minor criteria; female AGA with 2 major, or 1 major + 2 minor. The thresholds and the
rule are data (``scales.toml`` ``[rakowska]``); this module reads the intake's measurements
and applies them. Part of ``anagen.core.staging``, which re-exports the public names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from anagen.core.invalid import InvalidDocument

if TYPE_CHECKING:
    from anagen.core.staging import ScaleBook

__all__ = [
    "MEASURES",
    "RakowskaCriterion",
    "RakowskaMeasurements",
    "RakowskaResult",
    "RakowskaRules",
    "parse_rakowska",
    "rakowska",
    "read_rakowska_rules",
]

# The intake's hair_loss.rakowska keys; ratios are frontal:occipital.
MEASURES: tuple[str, ...] = (
    "yellow_dots_frontal_4_images",
    "thickness_frontal_mm",
    "thickness_occipital_mm",
    "thin_hairs_frontal_pct",
    "single_hair_units_ratio",
    "vellus_ratio",
    "perifollicular_discoloration_ratio",
)
DIAGNOSES: tuple[str, ...] = ("female_aga", "not_met", "incomplete")


@dataclass(frozen=True)
class RakowskaMeasurements:
    """Trichoscopy measurements for the Rakowska criteria; None where not measured."""

    yellow_dots_frontal_4_images: int | None = None
    thickness_frontal_mm: float | None = None
    thickness_occipital_mm: float | None = None
    thin_hairs_frontal_pct: float | None = None
    single_hair_units_ratio: float | None = None
    vellus_ratio: float | None = None
    perifollicular_discoloration_ratio: float | None = None

    def by_measure(self) -> dict[str, float | None]:
        """The measurements keyed by their intake names (``MEASURES``)."""
        return {
            "yellow_dots_frontal_4_images": self.yellow_dots_frontal_4_images,
            "thickness_frontal_mm": self.thickness_frontal_mm,
            "thickness_occipital_mm": self.thickness_occipital_mm,
            "thin_hairs_frontal_pct": self.thin_hairs_frontal_pct,
            "single_hair_units_ratio": self.single_hair_units_ratio,
            "vellus_ratio": self.vellus_ratio,
            "perifollicular_discoloration_ratio": self.perifollicular_discoloration_ratio,
        }


@dataclass(frozen=True)
class RakowskaCriterion:
    """One criterion: ``measure`` above ``greater_than``, or below the measure ``less_than``."""

    id: str
    kind: str  # "major" or "minor"
    measure: str
    greater_than: float | None
    less_than: str | None
    description: str

    def met(self, values: Mapping[str, float | None]) -> bool | None:
        """Whether the criterion is met; None when a measurement it needs is missing."""
        value = values[self.measure]
        if value is None:
            return None
        if self.less_than is not None:
            other = values[self.less_than]
            return None if other is None else value < other
        return self.greater_than is not None and value > self.greater_than


@dataclass(frozen=True)
class RakowskaRules:
    """The criteria and the diagnostic rule: any one (major, minor) minimum in ``any_of``."""

    criteria: tuple[RakowskaCriterion, ...]
    any_of: tuple[tuple[int, int], ...]

    def reached(self, major: int, minor: int) -> bool:
        """Whether this many major and minor criteria make the diagnosis."""
        return any(
            major >= need_major and minor >= need_minor for need_major, need_minor in self.any_of
        )


@dataclass(frozen=True)
class RakowskaResult:
    """The criteria met, those that could not be assessed, and the conclusion."""

    major_met: tuple[str, ...]
    minor_met: tuple[str, ...]
    missing: tuple[str, ...]  # criterion ids whose measurements are missing
    diagnosis: str  # one of DIAGNOSES
    missing_measures: tuple[str, ...] = ()  # the intake keys that would complete them


def parse_rakowska(raw: object, *, field: str) -> RakowskaMeasurements:
    """Read the intake's optional ``hair_loss.rakowska`` object (Rakowska 2009 measurements).

    Every key is optional and may be null (not measured); unknown keys are an error. Counts are
    whole numbers >= 0, thicknesses in mm > 0, the thin-hair share 0-100 %, ratios >= 0.
    None (the object left out) gives no measurements.
    """
    if raw is None:
        return RakowskaMeasurements()
    if not isinstance(raw, Mapping):
        raise InvalidDocument(field, "expected an object of trichoscopy measurements")
    for key in raw:
        if key not in MEASURES:
            raise InvalidDocument(
                _sub(field, str(key)),
                f"is not a Rakowska measurement; allowed: {', '.join(MEASURES)}",
            )
    return RakowskaMeasurements(
        yellow_dots_frontal_4_images=_count(raw, "yellow_dots_frontal_4_images", field),
        thickness_frontal_mm=_number(raw, "thickness_frontal_mm", field, _THICKNESS),
        thickness_occipital_mm=_number(raw, "thickness_occipital_mm", field, _THICKNESS),
        thin_hairs_frontal_pct=_number(raw, "thin_hairs_frontal_pct", field, _PERCENT),
        single_hair_units_ratio=_number(raw, "single_hair_units_ratio", field, _RATIO),
        vellus_ratio=_number(raw, "vellus_ratio", field, _RATIO),
        perifollicular_discoloration_ratio=_number(
            raw, "perifollicular_discoloration_ratio", field, _RATIO
        ),
    )


def rakowska(m: RakowskaMeasurements, book: ScaleBook) -> RakowskaResult:
    """Decide female AGA by the Rakowska 2009 trichoscopy criteria (2 major, or 1 major + 2 minor).

    ``incomplete`` only when the criteria that could not be assessed would change the answer:
    a diagnosis already reached stands, and so does ``not_met`` when even meeting every
    missing criterion would not reach it.
    """
    rules = book.rakowska
    values = m.by_measure()
    outcome = {c.id: c.met(values) for c in rules.criteria}
    major = tuple(c.id for c in rules.criteria if c.kind == "major" and outcome[c.id])
    minor = tuple(c.id for c in rules.criteria if c.kind == "minor" and outcome[c.id])
    missing = tuple(c for c in rules.criteria if outcome[c.id] is None)
    best_major = len(major) + sum(c.kind == "major" for c in missing)
    best_minor = len(minor) + sum(c.kind == "minor" for c in missing)
    if rules.reached(len(major), len(minor)):
        diagnosis = "female_aga"
    elif rules.reached(best_major, best_minor):
        diagnosis = "incomplete"
    else:
        diagnosis = "not_met"
    return RakowskaResult(
        major_met=major,
        minor_met=minor,
        missing=tuple(c.id for c in missing),
        diagnosis=diagnosis,
        missing_measures=_missing_measures(missing, values),
    )


def read_rakowska_rules(table: object, where: str) -> RakowskaRules:
    """Read and check the ``[rakowska]`` table of scales.toml; ValueError names the bad entry."""
    if not isinstance(table, Mapping):
        raise ValueError(f"{where}: missing or not a table")
    criteria = table.get("criterion")
    if not isinstance(criteria, list) or not criteria:
        raise ValueError(f"{where}: needs [[rakowska.criterion]] entries")
    parsed = tuple(_criterion(c, f"{where}.criterion[{i}]") for i, c in enumerate(criteria))
    kinds = {c.kind for c in parsed}
    if kinds != {"major", "minor"}:
        raise ValueError(f"{where}: needs both major and minor criteria")
    return RakowskaRules(criteria=parsed, any_of=_alternatives(table.get("any_of"), where))


# --- reading the intake ---------------------------------------------------------------------

# (test, wording of what is expected) for each kind of measurement.
_Check = tuple[Callable[[float], bool], str]
_THICKNESS: _Check = (lambda v: v > 0, "a thickness in mm greater than 0")
_PERCENT: _Check = (lambda v: 0 <= v <= 100, "a percentage from 0 to 100")
_RATIO: _Check = (lambda v: v >= 0, "a frontal:occipital ratio of 0 or more")


def _count(raw: Mapping[Any, Any], key: str, field: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidDocument(
            _sub(field, key), f"expected a whole number of 0 or more, got {value!r}"
        )
    return value


def _number(raw: Mapping[Any, Any], key: str, field: str, check: _Check) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    test, wording = check
    number = _finite(value)
    if number is None or not test(number):
        raise InvalidDocument(_sub(field, key), f"expected {wording}, got {value!r}")
    return number


def _finite(value: object) -> float | None:
    """The value as a finite float; None for text, booleans, NaN and infinities."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _missing_measures(
    missing: tuple[RakowskaCriterion, ...], values: Mapping[str, float | None]
) -> tuple[str, ...]:
    needed = [m for c in missing for m in (c.measure, c.less_than) if m is not None]
    return tuple(m for m in MEASURES if m in needed and values[m] is None)


def _sub(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


# --- reading the knowledge file -------------------------------------------------------------


def _criterion(entry: object, where: str) -> RakowskaCriterion:
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: not a table")
    kind, measure, description = (entry.get(k) for k in ("kind", "measure", "description"))
    if kind not in ("major", "minor"):
        raise ValueError(f"{where}: kind must be 'major' or 'minor'")
    if measure not in MEASURES or not isinstance(measure, str):
        raise ValueError(f"{where}: measure must be one of {', '.join(MEASURES)}")
    if not isinstance(description, str) or not description:
        raise ValueError(f"{where}: needs a description")
    greater, less = entry.get("greater_than"), entry.get("less_than")
    if (greater is None) == (less is None):
        raise ValueError(f"{where}: give exactly one of greater_than and less_than")
    if greater is not None and (isinstance(greater, bool) or not isinstance(greater, int | float)):
        raise ValueError(f"{where}: greater_than must be a number")
    if less is not None and (less not in MEASURES or less == measure):
        raise ValueError(f"{where}: less_than must name another measure")
    record_id = entry.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise ValueError(f"{where}: needs an id")
    return RakowskaCriterion(
        id=record_id,
        kind=kind,
        measure=measure,
        greater_than=None if greater is None else float(greater),
        less_than=less,
        description=description,
    )


def _alternatives(raw: object, where: str) -> tuple[tuple[int, int], ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: any_of must list at least one {{major, minor}} minimum")
    pairs: list[tuple[int, int]] = []
    for entry in raw:
        if not isinstance(entry, Mapping) or set(entry) != {"major", "minor"}:
            raise ValueError(f"{where}: each any_of entry is {{major = n, minor = n}}")
        major, minor = entry["major"], entry["minor"]
        if not all(type(n) is int and n >= 0 for n in (major, minor)):
            raise ValueError(f"{where}: any_of counts must be whole numbers >= 0")
        pairs.append((major, minor))
    return tuple(pairs)
