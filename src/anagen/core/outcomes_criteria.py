"""The response criteria: the defaults in ``response_criteria.toml`` and a clinic's changes.

A clinic changes the criteria with a small document (stored per clinic)::

    {"rule": {"responder_min_met": 3, "partial_min_met": 1, "min_evaluable": 3,
              "need_primary": true},
     "criteria": {"density_frontal": {"enabled": true, "required": false,
                                      "min_change_pct": 12}}}

Every key is optional. Thresholds stay within the bounds the file gives; a criterion's sources
and evidence cannot be changed, and a changed threshold is marked as the clinic's own. Every
problem raises :class:`InvalidDocument` naming the field. Part of :mod:`anagen.core.outcomes`,
which re-exports the public names.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from anagen.core.invalid import InvalidDocument
from anagen.core.trichoscopy.measure import VELLUS_UM

__all__ = [
    "CRITERIA_SCHEMA",
    "MEASURES",
    "VELLUS_UM_RANGE",
    "Criteria",
    "Criterion",
    "Indicator",
    "ResponseRule",
    "Threshold",
    "criteria_with",
    "default_criteria",
    "read_criteria_file",
]

CRITERIA_SCHEMA = "anagen.response_criteria/1"

# Each measure and the thresholds it needs (the names the criteria file and a clinic use).
MEASURES: Mapping[str, tuple[str, ...]] = {
    "terminal_density": ("min_change_pct", "min_change_per_cm2"),
    "mean_diameter": ("min_change_um",),
    "vellus_fraction": ("min_fall_points",),
    "global_photo": ("min_score",),
    "pull_test": ("positive_above_pct",),
    "satisfaction": ("min_score",),
}
SITE_MEASURES = frozenset({"terminal_density", "mean_diameter", "vellus_fraction"})
# The vellus cut-off a clinic may set (the "< 30 µm, configurable"); outside this range a
# hair is no longer "vellus" in any usage we know of (clinic policy).
VELLUS_UM_RANGE = (10.0, 60.0)
_RULE_KEYS = ("responder_min_met", "partial_min_met", "min_evaluable", "need_primary")
_SWITCHES = ("enabled", "required")


@dataclass(frozen=True)
class Threshold:
    """One number a criterion compares with, and the range a clinic may set it in."""

    key: str
    label: str
    value: float
    min: float
    max: float
    unit: str


@dataclass(frozen=True)
class Criterion:
    """One comparison of the review visit with baseline (``site`` "" for whole-scalp ones)."""

    id: str
    label: str
    measure: str
    site: str
    enabled: bool
    required: bool
    primary: bool
    thresholds: Mapping[str, Threshold]
    sources: tuple[str, ...]
    evidence: str
    basis: str
    changed: tuple[str, ...] = ()  # the thresholds the clinic set itself

    def value(self, key: str) -> float:
        return self.thresholds[key].value

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "measure": self.measure,
            "site": self.site,
            "enabled": self.enabled,
            "required": self.required,
            "primary": self.primary,
            "thresholds": {k: t.value for k, t in self.thresholds.items()},
            "sources": list(self.sources),
            "evidence": self.evidence,
            "changed": list(self.changed),
        }


@dataclass(frozen=True)
class Indicator:
    """A number shown with the review for information (Rakowska's frontal:occipital measures)."""

    id: str
    label: str
    measure: str  # thin_fraction | density_ratio | diameter_ratio
    flag_above: float | None
    flag_below: float | None
    sources: tuple[str, ...]
    evidence: str
    basis: str


@dataclass(frozen=True)
class ResponseRule:
    """How many criteria decide the label."""

    responder_min_met: int
    partial_min_met: int
    min_evaluable: int
    need_primary: bool
    basis: str = ""

    def as_json(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in _RULE_KEYS}


@dataclass(frozen=True)
class Criteria:
    """The criteria a review applies, in the file's order."""

    criteria: tuple[Criterion, ...]
    indicators: tuple[Indicator, ...]
    rule: ResponseRule
    clinic_changed: bool = False
    vellus_um: float = VELLUS_UM  # the cut-off images are analysed with

    @property
    def enabled(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.enabled)

    def get(self, criterion_id: str) -> Criterion:
        return next(c for c in self.criteria if c.id == criterion_id)

    def as_json(self) -> dict[str, Any]:
        """The snapshot a stored review keeps of the criteria it applied."""
        return {
            "schema": CRITERIA_SCHEMA,
            "rule": self.rule.as_json(),
            "criteria": [c.as_json() for c in self.criteria],
            "clinic_changed": self.clinic_changed,
            "vellus_um": self.vellus_um,
        }


def default_criteria() -> Criteria:
    """The bundled default criteria (read and checked once per process)."""
    return _bundled()


@cache
def _bundled() -> Criteria:
    path = files("anagen.core") / "data" / "knowledge" / "response_criteria.toml"
    return read_criteria_file(tomllib.loads(path.read_text("utf-8")))


# --- a clinic's changes ---------------------------------------------------------------------


def criteria_with(base: Criteria, document: object) -> Criteria:
    """The criteria with a clinic's document applied; InvalidDocument names the bad field."""
    top = _object(document, "")
    _only(top, ("schema", "rule", "criteria", "vellus_um"), "")
    if "schema" in top and top["schema"] != CRITERIA_SCHEMA:
        raise InvalidDocument("schema", f"must be {CRITERIA_SCHEMA!r}")
    changes = _object(top.get("criteria", {}), "criteria")
    known = [c.id for c in base.criteria]
    for key in changes:
        if key not in known:
            raise InvalidDocument(f"criteria.{key}", f"unknown criterion; allowed: {_list(known)}")
    criteria = tuple(_changed(c, changes.get(c.id)) for c in base.criteria)
    rule = _rule_change(base.rule, top.get("rule", {}))
    vellus = _vellus(top.get("vellus_um", base.vellus_um))
    changed = bool(changes or top.get("rule")) or vellus != base.vellus_um
    result = Criteria(criteria, base.indicators, rule, clinic_changed=changed, vellus_um=vellus)
    check_consistent(result)
    return result


def _vellus(value: object) -> float:
    low, high = VELLUS_UM_RANGE
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidDocument("vellus_um", f"must be a number from {low:g} to {high:g} µm")
    return float(value)


def _changed(criterion: Criterion, change: object) -> Criterion:
    if change is None:
        return criterion
    field = f"criteria.{criterion.id}"
    values = _object(change, field)
    _only(values, (*_SWITCHES, *criterion.thresholds), field)
    enabled = _bool(values.get("enabled", criterion.enabled), f"{field}.enabled")
    required = _bool(values.get("required", criterion.required), f"{field}.required")
    thresholds = dict(criterion.thresholds)
    changed = list(criterion.changed)
    for key, base in criterion.thresholds.items():
        if key in values:
            thresholds[key] = dataclasses.replace(
                base, value=_bounded(values[key], base, f"{field}.{key}")
            )
            if thresholds[key].value != base.value and key not in changed:
                changed.append(key)
    return dataclasses.replace(
        criterion, enabled=enabled, required=required, thresholds=thresholds,
        changed=tuple(changed),
    )  # fmt: skip


def _rule_change(rule: ResponseRule, change: object) -> ResponseRule:
    values = _object(change, "rule")
    _only(values, _RULE_KEYS, "rule")

    def count(key: str, current: int) -> int:
        return _count(values[key], f"rule.{key}") if key in values else current

    return dataclasses.replace(
        rule,
        responder_min_met=count("responder_min_met", rule.responder_min_met),
        partial_min_met=count("partial_min_met", rule.partial_min_met),
        min_evaluable=count("min_evaluable", rule.min_evaluable),
        need_primary=_bool(values.get("need_primary", rule.need_primary), "rule.need_primary"),
    )


def check_consistent(criteria: Criteria) -> None:
    """Refuse criteria that could never decide, or could call a patient a responder on no data."""
    enabled = criteria.enabled
    rule = criteria.rule
    for c in criteria.criteria:
        if c.required and not c.enabled:
            raise InvalidDocument(
                f"criteria.{c.id}.required", "a required criterion must be enabled"
            )
    if not enabled:
        raise InvalidDocument("criteria", "enable at least one criterion")
    if rule.responder_min_met > len(enabled):
        raise InvalidDocument(
            "rule.responder_min_met", f"is more than the {len(enabled)} enabled criteria"
        )
    if rule.partial_min_met > rule.responder_min_met:
        raise InvalidDocument("rule.partial_min_met", "must not be more than responder_min_met")
    if not rule.partial_min_met <= rule.min_evaluable <= len(enabled):
        raise InvalidDocument(
            "rule.min_evaluable",
            f"must be from partial_min_met ({rule.partial_min_met}) to the {len(enabled)} "
            "enabled criteria",
        )
    if rule.need_primary and not any(c.primary for c in enabled):
        raise InvalidDocument("rule.need_primary", "no primary (hair density) criterion is enabled")


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidDocument(field, "must be an object")
    return value


def _only(values: Mapping[str, Any], allowed: tuple[str, ...], field: str) -> None:
    for key in values:
        if key not in allowed:
            where = f"{field}.{key}" if field else str(key)
            raise InvalidDocument(where, f"unknown key; allowed: {_list(allowed)}")


def _list(names: Any) -> str:
    return ", ".join(str(n) for n in names)


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidDocument(field, "must be true or false")
    return value


def _count(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidDocument(field, "must be a whole number, 1 or more")
    return value


def _bounded(value: object, threshold: Threshold, field: str) -> float:
    number = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    if number is None or not math.isfinite(number) or not threshold.min <= number <= threshold.max:
        raise InvalidDocument(
            field, f"must be a number from {threshold.min:g} to {threshold.max:g} {threshold.unit}"
        )
    return number


# --- reading the file -----------------------------------------------------------------------


def read_criteria_file(data: Mapping[str, Any]) -> Criteria:
    """Read the parsed criteria file; ValueError names the entry that is wrong."""
    entries = data.get("criterion")
    if not isinstance(entries, list) or not entries:
        raise ValueError("response criteria: needs [[criterion]] entries")
    criteria = tuple(_criterion(e, f"criterion[{i}]") for i, e in enumerate(entries))
    ids = [c.id for c in criteria]
    if len(set(ids)) != len(ids):
        raise ValueError("response criteria: a criterion id is used twice")
    indicators = tuple(_indicator(e) for e in data.get("indicator", []))
    rules = data.get("label_rule")
    rule = _file_rule(rules[0] if isinstance(rules, list) and len(rules) == 1 else None)
    result = Criteria(criteria, indicators, rule)
    try:
        check_consistent(result)
    except InvalidDocument as error:
        raise ValueError(f"response criteria: {error}") from None
    return result


def _criterion(entry: Any, where: str) -> Criterion:
    try:
        measure = entry["measure"]
        if measure not in MEASURES:
            raise ValueError(f"{where}: measure must be one of {_list(MEASURES)}")
        raw = entry["thresholds"]
        if set(raw) != set(MEASURES[measure]):
            raise ValueError(f"{where}: {measure} needs thresholds {_list(MEASURES[measure])}")
        site = str(entry["site"])
        if (measure in SITE_MEASURES) != bool(site):
            raise ValueError(f"{where}: a site is given exactly for the per-site measures")
        return Criterion(
            id=str(entry["id"]), label=str(entry["label"]), measure=measure, site=site,
            enabled=bool(entry["enabled"]), required=bool(entry["required"]),
            primary=bool(entry["primary"]),
            thresholds={k: _threshold(k, v, where) for k, v in raw.items()},
            sources=tuple(entry["sources"]), evidence=str(entry["evidence"]),
            basis=str(entry["basis"]),
        )  # fmt: skip
    except (KeyError, TypeError) as error:
        raise ValueError(f"{where}: missing or wrong entry {error}") from None


def _threshold(key: str, raw: Mapping[str, Any], where: str) -> Threshold:
    threshold = Threshold(
        key, str(raw["label"]), float(raw["value"]), float(raw["min"]), float(raw["max"]),
        str(raw["unit"]),
    )  # fmt: skip
    if not threshold.min <= threshold.value <= threshold.max:
        raise ValueError(f"{where}.thresholds.{key}: value outside [min, max]")
    return threshold


def _indicator(entry: Mapping[str, Any]) -> Indicator:
    above, below = entry.get("flag_above_pct"), entry.get("flag_below")
    return Indicator(
        id=str(entry["id"]), label=str(entry["label"]), measure=str(entry["measure"]),
        flag_above=None if above is None else float(above) / 100,
        flag_below=None if below is None else float(below),
        sources=tuple(entry["sources"]), evidence=str(entry["evidence"]),
        basis=str(entry["basis"]),
    )  # fmt: skip


def _file_rule(raw: Any) -> ResponseRule:
    if not isinstance(raw, Mapping):
        raise ValueError("response criteria: needs exactly one [[label_rule]]")
    return ResponseRule(
        responder_min_met=int(raw["responder_min_met"]),
        partial_min_met=int(raw["partial_min_met"]),
        min_evaluable=int(raw["min_evaluable"]),
        need_primary=bool(raw["need_primary"]),
        basis=str(raw.get("basis", "")),
    )
