"""The knowledge base: the TOML files in ``anagen/core/data/knowledge/``, read into records.

The files are the clinical content; this module only reads and checks them: every record has
an id and an evidence tag, every source it cites exists, no id is used twice. A clinic's
policy overrides (aftercare days, HbA1c limit, upper age limit...) are applied with
:func:`with_policy`, which refuses values outside the bounds the files allow; evidence
records cannot be overridden.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar

from anagen.core.invalid import InvalidDocument
from anagen.core.staging import ScaleBook

__all__ = [
    "Adjunct",
    "AftercareItem",
    "Indication",
    "Ingredient",
    "Knowledge",
    "Phase",
    "PolicyParameter",
    "Protocol",
    "ProtocolIngredient",
    "Rule",
    "Source",
    "load",
    "with_policy",
]

_FILES = (
    "base", "sources", "ingredients", "contraindications", "protocols",
    "aftercare", "policy", "scales", "norms", "response_criteria",
)  # fmt: skip
_CLASSES = frozenset({"ABS", "ABS-T", "REL", "AGENT", "INFO"})
_R = TypeVar("_R")


@dataclass(frozen=True)
class Source:
    id: str
    citation: str
    evidence: str
    url: str = ""
    doi: str = ""


@dataclass(frozen=True)
class Ingredient:
    id: str
    name: str
    patient_name: str
    klass: str
    groups: tuple[str, ...]
    atc: str
    other_atc: tuple[str, ...]
    usual: str
    purpose: str
    stocked: bool
    sources: tuple[str, ...]
    evidence: str


@dataclass(frozen=True)
class Rule:
    """One screening rule; ``params`` holds the rule-specific fields (months, excluding...)."""

    id: str
    title: str
    topic: str
    klass: str
    applies_to: tuple[str, ...]
    message: str
    messages: Mapping[str, str]
    rationale: str
    icd10: tuple[str, ...]
    atc: tuple[str, ...]
    sources: tuple[str, ...]
    evidence: str
    disagreement: str
    params: Mapping[str, Any]

    def text(self, variant: str = "", **values: object) -> str:
        template = self.messages[variant] if variant else self.message
        return template.format(**values)


@dataclass(frozen=True)
class Indication:
    id: str
    title: str
    icd10: tuple[str, ...]
    protocols: tuple[str, ...]
    route: str
    evidence_note: str
    sources: tuple[str, ...]
    evidence: str
    disagreement: str


@dataclass(frozen=True)
class Phase:
    name: str
    count: int
    every_weeks: int
    window_before: int
    window_after: int


@dataclass(frozen=True)
class ProtocolIngredient:
    id: str
    concentration: str
    role: str  # "active" | "adjuvant"


@dataclass(frozen=True)
class Protocol:
    id: str
    name: str
    patient_name: str
    indication: str
    sexes: tuple[str, ...]
    rank: Mapping[str, int]
    ingredients: tuple[ProtocolIngredient, ...]
    volume_ml: float
    technique: str
    phases: tuple[Phase, ...]
    review_weeks: int
    review_measure: str
    maintenance: Mapping[str, Any]
    evidence_note: str
    sources: tuple[str, ...]
    evidence: str
    disagreement: str

    @property
    def session_count(self) -> int:
        return sum(phase.count for phase in self.phases)


@dataclass(frozen=True)
class Adjunct:
    id: str
    ingredient: str
    text: str
    sexes: tuple[str, ...]
    with_ingredient: str
    sources: tuple[str, ...]
    evidence: str


@dataclass(frozen=True)
class AftercareItem:
    id: str
    basis: str  # "clinic_policy" | "evidence"
    days: int
    min_days: int
    max_days: int
    text: str
    enabled: bool
    sources: tuple[str, ...]
    evidence: str


@dataclass(frozen=True)
class PolicyParameter:
    id: str
    label: str
    value: float
    min: float
    max: float
    unit: str
    rule: str
    sources: tuple[str, ...]
    evidence: str


@dataclass(frozen=True)
class Knowledge:
    version: str
    evidence_tags: Mapping[str, str]
    sources: Mapping[str, Source]
    ingredients: Mapping[str, Ingredient]
    rules: Mapping[str, Rule]
    indications: Mapping[str, Indication]
    protocols: Mapping[str, Protocol]
    adjuncts: tuple[Adjunct, ...]
    aftercare: tuple[AftercareItem, ...]
    policy: Mapping[str, PolicyParameter]
    scales: ScaleBook
    raw: Mapping[str, tuple[str, Mapping[str, Any]]]  # id -> (kind, record as written)

    def expand(self, names: Iterable[str]) -> frozenset[str]:
        """Ingredient ids named directly or through a group; ``"all"`` names every one."""
        out: set[str] = set()
        for name in names:
            if name == "all":
                return frozenset(self.ingredients)
            if name in self.ingredients:
                out.add(name)
            else:
                out.update(i.id for i in self.ingredients.values() if name in i.groups)
        return frozenset(out)

    def ingredient_for_allergy(self, substance: str, atc: str = "") -> str | None:
        """The ingredient an allergy entry names, by ATC code or by name; None if none."""
        words = substance.casefold().replace("-", " ")
        for ingredient in self.ingredients.values():
            same_code = bool(atc) and atc in (ingredient.atc, *ingredient.other_atc)
            if same_code or ingredient.id.replace("_", " ") in words:
                return ingredient.id
        return None

    def limit(self, parameter: str) -> float:
        return self.policy[parameter].value

    def indication_for(self, icd10: str) -> Indication | None:
        """The indication whose longest ICD-10 prefix matches the code."""
        best: tuple[int, Indication] | None = None
        for indication in self.indications.values():
            for prefix in indication.icd10:
                if icd10.startswith(prefix) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), indication)
        return best[1] if best else None


def load() -> Knowledge:
    """The bundled knowledge base (read once per process)."""
    return _load_bundled()


@cache
def _load_bundled() -> Knowledge:
    folder = files("anagen.core") / "data" / "knowledge"
    data = {name: tomllib.loads((folder / f"{name}.toml").read_text("utf-8")) for name in _FILES}
    return build(data)


def build(data: Mapping[str, Mapping[str, Any]]) -> Knowledge:
    """Read the parsed files into records and check them; ValueError names what is wrong."""
    sources = {s["id"]: _source(s) for f in data.values() for s in f.get("source", [])}
    protocols_file = data["protocols"]
    kb = Knowledge(
        version=str(data["base"]["meta"]["version"]),
        evidence_tags=dict(data["base"]["evidence"]),
        sources=sources,
        ingredients=_by_id(_ingredient(r) for r in data["ingredients"]["ingredient"]),
        rules=_by_id(_rule(r) for r in data["contraindications"]["rule"]),
        indications=_by_id(_indication(r) for r in protocols_file["indication"]),
        protocols=_by_id(_protocol(r) for r in protocols_file["protocol"]),
        adjuncts=tuple(_adjunct(r) for r in protocols_file.get("adjunct", [])),
        aftercare=tuple(_aftercare(r) for r in data["aftercare"]["item"]),
        policy=_by_id(_parameter(r) for r in data["policy"]["parameter"]),
        scales=ScaleBook.from_data(data["scales"], data["norms"]),
        raw=_raw_records(data),
    )
    _check(kb, data)
    return kb


_RECORD_TABLES = {
    "ingredients": ("ingredient",),
    "contraindications": ("rule",),
    "protocols": ("indication", "protocol", "adjunct"),
    "aftercare": ("item",),
    "policy": ("parameter",),
    "response_criteria": ("criterion", "indicator", "label_rule"),
}
_KIND_NAMES = {
    "item": "aftercare",
    "parameter": "policy",
    "criterion": "response criterion",
    "indicator": "response information",
    "label_rule": "response rule",
}


def _raw_records(data: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    out: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for source in (s for f in data.values() for s in f.get("source", [])):
        _put(out, source["id"], "source", source)
    for file, tables in _RECORD_TABLES.items():
        for table in tables:
            for record in data[file].get(table, []):
                _put(out, record["id"], _KIND_NAMES.get(table, table), record)
    for scale_id, record in _scale_records(data["scales"]):
        _put(out, scale_id, "scale", record)
    return out


def _scale_records(scales: Mapping[str, Any]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for key, value in scales.items():
        if isinstance(value, Mapping) and key != "meta":
            yield f"scale:{key}", value


def _put(out: dict[str, tuple[str, Mapping[str, Any]]], key: str, kind: str, rec: Any) -> None:
    if key in out:
        raise ValueError(f"knowledge: id {key!r} is used twice ({out[key][0]} and {kind})")
    out[key] = (kind, rec)


def _by_id(records: Iterable[_R]) -> dict[str, _R]:
    return {getattr(r, "id"): r for r in records}  # noqa: B009 - generic over record types


def _tuple(record: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(v) for v in record.get(key, ()))


def _source(r: Mapping[str, Any]) -> Source:
    return Source(r["id"], r["citation"], r["evidence"], r.get("url", ""), r.get("doi", ""))


def _ingredient(r: Mapping[str, Any]) -> Ingredient:
    return Ingredient(
        id=r["id"], name=r["name"], patient_name=r["patient_name"], klass=r["class"],
        groups=_tuple(r, "groups"), atc=r.get("atc", ""), other_atc=_tuple(r, "other_atc"),
        usual=r.get("usual", ""),
        purpose=r["purpose"], stocked=bool(r.get("stocked", True)),
        sources=_tuple(r, "sources"), evidence=r["evidence"],
    )  # fmt: skip


_RULE_FIELDS = frozenset(
    {"id", "title", "topic", "class", "applies_to", "message", "rationale", "icd10", "atc",
     "sources", "evidence", "disagreement", "mkt", "note", "needs"}
)  # fmt: skip


def _rule(r: Mapping[str, Any]) -> Rule:
    messages = {k.removeprefix("message_"): v for k, v in r.items() if k.startswith("message_")}
    params = {k: v for k, v in r.items() if k not in _RULE_FIELDS and not k.startswith("message")}
    if r["class"] not in _CLASSES:
        raise ValueError(f"rule {r['id']}: class {r['class']!r} is not one of {sorted(_CLASSES)}")
    return Rule(
        id=r["id"], title=r["title"], topic=r["topic"], klass=r["class"],
        applies_to=_tuple(r, "applies_to"), message=r["message"], messages=messages,
        rationale=r["rationale"], icd10=_tuple(r, "icd10"), atc=_tuple(r, "atc"),
        sources=_tuple(r, "sources"), evidence=r["evidence"],
        disagreement=r.get("disagreement", ""), params=params,
    )  # fmt: skip


def _indication(r: Mapping[str, Any]) -> Indication:
    return Indication(
        id=r["id"], title=r["title"], icd10=_tuple(r, "icd10"), protocols=_tuple(r, "protocols"),
        route=r.get("route", ""), evidence_note=r.get("evidence_note", ""),
        sources=_tuple(r, "sources"), evidence=r["evidence"],
        disagreement=r.get("disagreement", ""),
    )  # fmt: skip


def _phase(r: Mapping[str, Any]) -> Phase:
    before, after = r["window"]
    return Phase(r["name"], int(r["count"]), int(r["every_weeks"]), int(before), int(after))


def _protocol(r: Mapping[str, Any]) -> Protocol:
    ingredients = tuple(
        ProtocolIngredient(i["id"], i["concentration"], i["role"]) for i in r["ingredients"]
    )
    return Protocol(
        id=r["id"], name=r["name"], patient_name=r["patient_name"], indication=r["indication"],
        sexes=_tuple(r, "sexes"), rank=dict(r["rank"]), ingredients=ingredients,
        volume_ml=float(r["volume_ml"]), technique=r["technique"],
        phases=tuple(_phase(p) for p in r["phases"]), review_weeks=int(r["review_weeks"]),
        review_measure=r["review_measure"], maintenance=dict(r["maintenance"]),
        evidence_note=r["evidence_note"], sources=_tuple(r, "sources"), evidence=r["evidence"],
        disagreement=r.get("disagreement", ""),
    )  # fmt: skip


def _adjunct(r: Mapping[str, Any]) -> Adjunct:
    return Adjunct(
        id=r["id"], ingredient=r["ingredient"], text=r["text"], sexes=_tuple(r, "sexes"),
        with_ingredient=r.get("with_ingredient", ""), sources=_tuple(r, "sources"),
        evidence=r["evidence"],
    )  # fmt: skip


def _aftercare(r: Mapping[str, Any]) -> AftercareItem:
    days = int(r["days"])
    return AftercareItem(
        id=r["id"], basis=r["basis"], days=days, min_days=int(r.get("min_days", days)),
        max_days=int(r.get("max_days", days)), text=r["text"], enabled=True,
        sources=_tuple(r, "sources"), evidence=r["evidence"],
    )  # fmt: skip


def _parameter(r: Mapping[str, Any]) -> PolicyParameter:
    return PolicyParameter(
        id=r["id"], label=r["label"], value=float(r["value"]), min=float(r["min"]),
        max=float(r["max"]), unit=r["unit"], rule=r["rule"], sources=_tuple(r, "sources"),
        evidence=r["evidence"],
    )  # fmt: skip


def _check(kb: Knowledge, data: Mapping[str, Mapping[str, Any]]) -> None:
    for kind_id, (_kind, record) in kb.raw.items():
        for source in record.get("sources", ()):
            if source not in kb.sources:
                raise ValueError(f"knowledge: {kind_id} cites unknown source {source!r}")
        tag = record.get("evidence")
        if tag is not None and tag not in kb.evidence_tags:
            raise ValueError(f"knowledge: {kind_id} has unknown evidence tag {tag!r}")
    for protocol in kb.protocols.values():
        for item in protocol.ingredients:
            if item.id not in kb.ingredients:
                raise ValueError(f"protocol {protocol.id}: unknown ingredient {item.id!r}")
    for indication in kb.indications.values():
        for protocol_id in indication.protocols:
            if protocol_id not in kb.protocols:
                raise ValueError(f"indication {indication.id}: unknown protocol {protocol_id!r}")


# --- Clinic policy -------------------------------------------------------------------------

_POLICY_KEYS = frozenset({"parameters", "aftercare"})
_AFTERCARE_KEYS = frozenset({"days", "enabled"})


def with_policy(kb: Knowledge, overrides: Mapping[str, Any]) -> Knowledge:
    """The knowledge base with a clinic's policy applied.

    ``overrides`` is ``{"parameters": {id: number}, "aftercare": {id: {"days": n,
    "enabled": bool}}}``. Only policy parameters and clinic-policy aftercare items can be
    changed, and only within their bounds; anything else raises InvalidDocument.
    """
    _object(overrides, "policy")
    _no_unknown(overrides, _POLICY_KEYS, "")
    parameters = _object(overrides.get("parameters", {}), "parameters")
    changes = _object(overrides.get("aftercare", {}), "aftercare")
    policy = dict(kb.policy)
    for key, value in parameters.items():
        policy[key] = _parameter_override(kb, key, value)
    aftercare = tuple(_aftercare_override(item, changes.get(item.id)) for item in kb.aftercare)
    unknown = set(changes) - {i.id for i in kb.aftercare}
    if unknown:
        allowed = ", ".join(i.id for i in kb.aftercare if i.basis == "clinic_policy")
        raise InvalidDocument(f"aftercare.{min(unknown)}", f"unknown item; allowed: {allowed}")
    return dataclasses.replace(kb, policy=policy, aftercare=aftercare)


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidDocument(field, "must be an object")
    return value


def _no_unknown(record: Mapping[str, Any], allowed: frozenset[str], field: str) -> None:
    for key in record:
        if key not in allowed:
            where = f"{field}.{key}" if field else str(key)
            raise InvalidDocument(where, f"unknown key; allowed: {', '.join(sorted(allowed))}")


def _parameter_override(kb: Knowledge, key: str, value: object) -> PolicyParameter:
    field = f"parameters.{key}"
    if key not in kb.policy:
        raise InvalidDocument(field, f"unknown parameter; allowed: {', '.join(sorted(kb.policy))}")
    base = kb.policy[key]
    finite = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if finite and base.min <= value <= base.max:  # type: ignore[operator]
        return dataclasses.replace(base, value=float(value))  # type: ignore[arg-type]
    raise InvalidDocument(
        field, f"must be a number between {base.min:g} and {base.max:g} {base.unit}"
    )


def _aftercare_override(item: AftercareItem, change: Mapping[str, Any] | None) -> AftercareItem:
    if change is None:
        return item
    field = f"aftercare.{item.id}"
    if item.basis != "clinic_policy":
        raise InvalidDocument(field, "is evidence-based and cannot be changed by a clinic")
    _no_unknown(_object(change, field), _AFTERCARE_KEYS, field)
    days, enabled = change.get("days", item.days), change.get("enabled", item.enabled)
    if isinstance(days, bool) or not isinstance(days, int):
        raise InvalidDocument(f"{field}.days", "must be a whole number of days")
    if not item.min_days <= days <= item.max_days:
        raise InvalidDocument(
            f"{field}.days", f"must be between {item.min_days} and {item.max_days} days"
        )
    if not isinstance(enabled, bool):
        raise InvalidDocument(f"{field}.enabled", "must be true or false")
    return dataclasses.replace(item, days=days, enabled=enabled)
