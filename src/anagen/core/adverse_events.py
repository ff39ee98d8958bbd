"""The adverse-event knowledge: event types, severity grades and the signal job's parameters.

Read from ``data/knowledge/adverse_events.toml`` and checked: every record has an id, a label,
sources that exist in the knowledge base and a known evidence tag; the grades run 1 to 4; every
parameter the signal job needs is there. The type and grade ids are what the database stores.
"""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from anagen.core import knowledge
from anagen.core.signals import SignalRules

__all__ = ["AdverseEventBook", "EventType", "Parameter", "SeverityGrade", "build", "load"]

OTHER = "other"
PARAMETERS = (
    "window_days",
    "min_cases",
    "rate_baseline_days",
    "rate_alpha",
    "rate_min_cases",
    "rate_floor_per_1000",
    "rate_min_baseline_sessions",
)


@dataclass(frozen=True)
class EventType:
    id: str
    label: str
    counts_for_infection: bool
    note: str
    sources: tuple[str, ...]
    evidence: str


@dataclass(frozen=True)
class SeverityGrade:
    """A CTCAE v5.0 grade; ``definition`` is shown to staff next to the choice."""

    id: str
    label: str
    grade: int
    definition: str
    sources: tuple[str, ...]
    evidence: str


@dataclass(frozen=True)
class Parameter:
    id: str
    label: str
    value: float
    unit: str
    note: str
    sources: tuple[str, ...]
    evidence: str


@dataclass(frozen=True)
class AdverseEventBook:
    types: Mapping[str, EventType]  # in the file's order
    severities: Mapping[str, SeverityGrade]  # mild to life-threatening
    parameters: Mapping[str, Parameter]

    @property
    def counted_types(self) -> frozenset[str]:
        """The types that are infection signals (nodule, abscess, infection)."""
        return frozenset(t.id for t in self.types.values() if t.counts_for_infection)

    def rules(self) -> SignalRules:
        value = {key: self.parameters[key].value for key in PARAMETERS}
        return SignalRules(
            counted_types=self.counted_types,
            window_days=int(value["window_days"]),
            min_cases=int(value["min_cases"]),
            rate_baseline_days=int(value["rate_baseline_days"]),
            rate_alpha=value["rate_alpha"],
            rate_min_cases=int(value["rate_min_cases"]),
            rate_floor_per_1000=value["rate_floor_per_1000"],
            rate_min_baseline_sessions=int(value["rate_min_baseline_sessions"]),
        )

    def type_label(self, type_id: str) -> str:
        found = self.types.get(type_id)
        return found.label if found else type_id

    def severity_label(self, severity_id: str) -> str:
        found = self.severities.get(severity_id)
        return found.label if found else severity_id


@cache
def load() -> AdverseEventBook:
    """The bundled file, checked against the bundled knowledge base (read once per process)."""
    text = (files("anagen.core") / "data" / "knowledge" / "adverse_events.toml").read_text("utf-8")
    kb = knowledge.load()
    return build(tomllib.loads(text), frozenset(kb.sources), frozenset(kb.evidence_tags))


def build(
    data: Mapping[str, Any], sources: frozenset[str], evidence_tags: frozenset[str]
) -> AdverseEventBook:
    """Read the parsed file; ValueError names the record at fault."""
    types = _by_id([_type(r) for r in _table(data, "type")], "type")
    severities = _by_id([_severity(r) for r in _table(data, "severity")], "severity")
    parameters = _by_id([_parameter(r) for r in _table(data, "parameter")], "parameter")
    for record in [*types.values(), *severities.values(), *parameters.values()]:
        _check_citation(record.id, record.sources, record.evidence, sources, evidence_tags)
    if OTHER not in types:
        raise ValueError("adverse events: the type list needs an 'other' type")
    if [g.grade for g in severities.values()] != [1, 2, 3, 4]:
        raise ValueError("adverse events: severity grades must run 1, 2, 3, 4 in order")
    missing = [key for key in PARAMETERS if key not in parameters]
    if missing:
        raise ValueError(f"adverse events: missing parameters {', '.join(missing)}")
    return AdverseEventBook(types, severities, parameters)


def _table(data: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    records = data.get(name)
    if not isinstance(records, list) or not records:
        raise ValueError(f"adverse events: no [[{name}]] records")
    return records


def _by_id(records: list[Any], kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for record in records:
        if record.id in out:
            raise ValueError(f"adverse events: {kind} id {record.id!r} is used twice")
        out[record.id] = record
    return out


def _text(record: Mapping[str, Any], key: str, required: bool = True) -> str:
    value = record.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"adverse events: {record.get('id', '?')!r} needs a text {key!r}")
    return value


def _number(record: Mapping[str, Any], key: str) -> float:
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"adverse events: {record.get('id', '?')!r} needs a number {key!r}")
    return float(value)


def _sources(record: Mapping[str, Any]) -> tuple[str, ...]:
    value = record.get("sources")
    if not isinstance(value, list) or not value:
        raise ValueError(f"adverse events: {record.get('id', '?')!r} cites no sources")
    return tuple(str(v) for v in value)


def _type(r: Mapping[str, Any]) -> EventType:
    counts = r.get("counts_for_infection")
    if not isinstance(counts, bool):
        raise ValueError(f"adverse events: type {r.get('id')!r} needs counts_for_infection")
    return EventType(
        _text(r, "id"), _text(r, "label"), counts, _text(r, "note", required=False),
        _sources(r), _text(r, "evidence"),
    )  # fmt: skip


def _severity(r: Mapping[str, Any]) -> SeverityGrade:
    return SeverityGrade(
        _text(r, "id"), _text(r, "label"), int(_number(r, "grade")), _text(r, "definition"),
        _sources(r), _text(r, "evidence"),
    )  # fmt: skip


def _parameter(r: Mapping[str, Any]) -> Parameter:
    return Parameter(
        _text(r, "id"), _text(r, "label"), _number(r, "value"), _text(r, "unit"),
        _text(r, "note", required=False), _sources(r), _text(r, "evidence"),
    )  # fmt: skip


def _check_citation(
    record_id: str,
    cited: tuple[str, ...],
    evidence: str,
    sources: frozenset[str],
    evidence_tags: frozenset[str],
) -> None:
    unknown = [s for s in cited if s not in sources]
    if unknown:
        raise ValueError(f"adverse events: {record_id!r} cites unknown source {unknown[0]!r}")
    if evidence not in evidence_tags:
        raise ValueError(f"adverse events: {record_id!r} has unknown evidence tag {evidence!r}")
