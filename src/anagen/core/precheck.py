"""The pre-session check: what changed since the consultation, screened again.

Before every session the practitioner answers the questions in ``precheck.toml`` and confirms the
facts that may have changed (pregnancy, scalp state today; new conditions and medicines are read
from the chart as it is now). The consultation's intake is brought up to date with them and
screened again with the knowledge base in force today. What is new and serious *blocks* the
session until a clinician overrides it with a written reason:

- an absolute or temporary finding the consultation did not have;
- an ingredient of the plan's cocktail that is now excluded;
- a fact the screening now needs and lacks (fail closed, as screening itself does);
- a "yes" to a pre-session question of class ABS-T.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from anagen.core.intake import PREGNANCY, SCALP
from anagen.core.invalid import InvalidDocument, read_date, read_list, read_object
from anagen.core.knowledge import Knowledge
from anagen.core.rules.base import CHILDBEARING_AGES
from anagen.core.screening import screen_document

__all__ = [
    "PRECHECK_SCHEMA",
    "Check",
    "Precheck",
    "load_checks",
    "needs_pregnancy_answer",
    "precheck",
]

PRECHECK_SCHEMA = "anagen.precheck/1"
_SEVERITY = {"ABS-T": "temporary", "INFO": "info"}
_BLOCKING = ("absolute", "temporary")
_ANSWER_KEYS = ("schema", "pregnancy", "negative_pregnancy_test_on", "scalp", "checks", "note")


@dataclass(frozen=True)
class Check:
    """One pre-session question and the finding a "yes" raises."""

    id: str
    question: str
    title: str
    topic: str
    severity: str
    message: str
    rationale: str
    sources: tuple[str, ...]
    evidence: str
    note: str

    def finding(self) -> dict[str, Any]:
        return {
            "rule": self.id,
            "topic": self.topic,
            "severity": self.severity,
            "message": self.message,
            "excluded_ingredients": [],
            "sources": list(self.sources),
            "disagreement": "",
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Precheck:
    answers: dict[str, Any]  # the answers as read (the ``anagen.precheck/1`` document)
    intake: dict[str, Any]  # the consultation's intake brought up to date
    result: dict[str, Any]  # its screening (``anagen.screening/1``)
    findings: list[dict[str, Any]]  # the pre-session questions answered "yes"
    blocking: list[dict[str, Any]]  # what stops the session until a clinician overrides it


@cache
def _raw_checks() -> tuple[dict[str, Any], ...]:
    text = files("anagen.core").joinpath("data/knowledge/precheck.toml").read_text("utf-8")
    return tuple(tomllib.loads(text)["check"])


def load_checks(kb: Knowledge) -> tuple[Check, ...]:
    """The pre-session questions, each checked to cite sources the knowledge base knows."""
    checks = []
    for raw in _raw_checks():
        unknown = [s for s in raw["sources"] if s not in kb.sources]
        if unknown or raw["class"] not in _SEVERITY:
            raise ValueError(f"precheck.toml {raw['id']}: bad class or unknown sources {unknown}")
        checks.append(
            Check(
                id=raw["id"],
                question=raw["question"],
                title=raw["title"],
                topic=raw["topic"],
                severity=_SEVERITY[raw["class"]],
                message=raw["message"],
                rationale=raw["rationale"],
                sources=tuple(raw["sources"]),
                evidence=raw["evidence"],
                note=raw.get("note", ""),
            )
        )
    return tuple(checks)


def needs_pregnancy_answer(intake: Mapping[str, Any], today: dt.date) -> bool:
    """Whether pregnancy must be asked again: a woman of child-bearing age (12-55, the CI-01
    rule's range) not recorded as postmenopausal."""
    patient = intake["patient"]
    if patient["sex"] != "female" or patient.get("postmenopausal") is True:
        return False
    born = dt.date.fromisoformat(patient["birth_date"])
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return CHILDBEARING_AGES[0] <= age <= CHILDBEARING_AGES[1]


def precheck(
    answers: object,
    *,
    consulted_intake: Mapping[str, Any],
    consulted_result: Mapping[str, Any],
    conditions: Sequence[Mapping[str, Any]],
    medications: Sequence[Mapping[str, Any]],
    plan_ingredients: Collection[str],
    today: dt.date,
    kb: Knowledge,
) -> Precheck:
    """Read the answers, screen the updated intake, and say what blocks the session.

    ``conditions`` and ``medications`` are the chart's current entries in intake form. Raises
    InvalidDocument naming the field for a missing or bad answer.
    """
    checks = load_checks(kb)
    read = _read_answers(answers, checks, needs_pregnancy_answer(consulted_intake, today))
    intake = _updated_intake(consulted_intake, read, today, conditions, medications)
    _ctx, screening = screen_document(intake, kb)
    result = screening.as_json()
    yes = [c.finding() for c in checks if read["checks"][c.id]]
    blocking = _new_blocking(consulted_result, result, set(plan_ingredients))
    blocking += [f for f in yes if f["severity"] in _BLOCKING]
    return Precheck(read, intake, result, yes, blocking)


def _read_answers(doc: object, checks: Sequence[Check], ask_pregnancy: bool) -> dict[str, Any]:
    top = read_object(doc, "", _ANSWER_KEYS, required=("checks",))
    pregnancy = top.get("pregnancy")
    if pregnancy is None and ask_pregnancy:
        raise InvalidDocument("pregnancy", "ask again before every session and record the answer")
    if pregnancy is not None and pregnancy not in PREGNANCY:
        raise InvalidDocument("pregnancy", f"allowed: {', '.join(PREGNANCY)}")
    test_on = top.get("negative_pregnancy_test_on")
    scalp = read_list(top.get("scalp", []), "scalp", _scalp_state)
    answered = read_object(top["checks"], "checks", [c.id for c in checks], required=())
    for check in checks:
        if not isinstance(answered.get(check.id), bool):
            raise InvalidDocument(f"checks.{check.id}", "answer yes or no")
    note = top.get("note", "")
    if not isinstance(note, str):
        raise InvalidDocument("note", "must be text")
    return {
        "schema": PRECHECK_SCHEMA,
        "pregnancy": pregnancy,
        "negative_pregnancy_test_on": (
            read_date(test_on, "negative_pregnancy_test_on").isoformat() if test_on else None
        ),
        "scalp": sorted(set(scalp)),
        "checks": {c.id: answered[c.id] for c in checks},
        "note": note.strip(),
    }


def _scalp_state(value: object, field: str) -> str:
    if value not in SCALP:
        raise InvalidDocument(field, f"{value!r} is not allowed; allowed: {', '.join(SCALP)}")
    return str(value)


def _updated_intake(
    consulted: Mapping[str, Any],
    answers: Mapping[str, Any],
    today: dt.date,
    conditions: Sequence[Mapping[str, Any]],
    medications: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    patient = dict(consulted["patient"])
    for key in ("pregnancy", "negative_pregnancy_test_on"):
        if answers[key] is not None:
            patient[key] = answers[key]
    hair = dict(consulted.get("hair_loss", {}))
    hair["scalp"] = list(answers["scalp"])
    return dict(consulted) | {
        "assessed_on": today.isoformat(),
        "patient": patient,
        "hair_loss": hair,
        "conditions": [dict(c) for c in conditions],
        "medications": [dict(m) for m in medications],
    }


def _new_blocking(
    before: Mapping[str, Any], after: Mapping[str, Any], plan: set[str]
) -> list[dict[str, Any]]:
    old = {(f["rule"], f["severity"]) for f in before["findings"]}
    old_excluded = set(before["excluded_ingredients"])
    blocking = []
    for finding in after["findings"]:
        newly_excluded = (set(finding["excluded_ingredients"]) & plan) - old_excluded
        serious = finding["severity"] in _BLOCKING
        if newly_excluded or (serious and (finding["rule"], finding["severity"]) not in old):
            blocking.append(dict(finding))
    old_missing = {m["field"] for m in before.get("missing_detail", [])}
    for need in after["missing_detail"]:
        if need["field"] not in old_missing:
            message = f"Needed before treating: {need['reason']}"
            blocking.append(
                {"rule": need["rule"], "severity": "incomplete", "message": message, "sources": []}
            )
    return blocking
