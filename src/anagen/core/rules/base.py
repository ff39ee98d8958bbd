"""What a rule function receives (a :class:`Context`) and returns (findings and needs)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from anagen.core import codes
from anagen.core.intake import Condition, Intake, Medication
from anagen.core.knowledge import Knowledge, Rule

__all__ = [
    "RULES",
    "TREATMENT_RULES",
    "Context",
    "Finding",
    "Need",
    "Outcome",
    "rule",
    "treatment_rule",
]

# Women of child-bearing potential, for the pregnancy rules: 12-55 and not postmenopausal
# (the intake contract, anagen.intake/1).
CHILDBEARING_AGES = (12, 55)


@dataclass(frozen=True)
class Finding:
    rule: str
    topic: str
    severity: str
    message: str
    excluded_ingredients: tuple[str, ...]
    concerns: frozenset[str]  # ingredients the finding is about; empty: the whole treatment
    sources: tuple[str, ...]
    disagreement: str
    evidence: str

    @classmethod
    def of(
        cls,
        rule: Rule,
        severity: str,
        message: str,
        *,
        excluded: Iterable[str] = (),
        concerns: Iterable[str] = (),
        topic: str = "",
    ) -> Finding:
        return cls(
            rule=rule.id,
            topic=topic or rule.topic,
            severity=severity,
            message=message,
            excluded_ingredients=tuple(sorted(excluded)),
            concerns=frozenset(concerns),
            sources=rule.sources,
            disagreement=rule.disagreement,
            evidence=rule.evidence,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "topic": self.topic,
            "severity": self.severity,
            "message": self.message,
            "excluded_ingredients": list(self.excluded_ingredients),
            "sources": list(self.sources),
            "disagreement": self.disagreement,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Need:
    """A fact a rule needs and the intake lacks; ``concerns`` as in :class:`Finding`."""

    rule: str
    field: str
    reason: str
    concerns: frozenset[str] = frozenset()

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "rule": self.rule, "reason": self.reason}


Outcome = Finding | Need
RuleFunction = Callable[["Context", Rule], Iterable[Outcome]]
RULES: dict[str, RuleFunction] = {}
# Rules about the chosen treatment itself run after the engine has chosen it.
TreatmentRuleFunction = Callable[["Context", Rule, frozenset[str]], Iterable[Outcome]]
TREATMENT_RULES: dict[str, TreatmentRuleFunction] = {}


def rule(rule_id: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register the function that decides when the knowledge-base rule ``rule_id`` fires."""

    def register(function: RuleFunction) -> RuleFunction:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} has two functions")
        RULES[rule_id] = function
        return function

    return register


def treatment_rule(rule_id: str) -> Callable[[TreatmentRuleFunction], TreatmentRuleFunction]:
    """Register a rule that looks at the chosen treatment rather than the intake alone."""

    def register(function: TreatmentRuleFunction) -> TreatmentRuleFunction:
        if rule_id in RULES or rule_id in TREATMENT_RULES:
            raise ValueError(f"rule {rule_id} has two functions")
        TREATMENT_RULES[rule_id] = function
        return function

    return register


@dataclass(frozen=True)
class Context:
    """The intake and the knowledge base, with the derived facts several rules share."""

    intake: Intake
    kb: Knowledge

    @property
    def today(self) -> dt.date:
        return self.intake.assessed_on

    @cached_property
    def childbearing(self) -> bool:
        """A woman who could become pregnant: female, 12-55 and not postmenopausal."""
        patient = self.intake.patient
        low, high = CHILDBEARING_AGES
        in_ages = low <= self.intake.age <= high
        return patient.sex == "female" and in_ages and patient.postmenopausal is not True

    @cached_property
    def pregnant(self) -> bool:
        """Said to be pregnant, or a pregnancy code among the conditions (CI-01)."""
        codes_ = self.kb.rules["CI-01"].icd10
        coded = next(self.conditions(codes_), None) is not None
        return self.intake.patient.pregnancy == "pregnant" or coded

    @cached_property
    def breastfeeding(self) -> bool:
        """Said to be breastfeeding, or coded as lactating (CI-02)."""
        if self.intake.patient.sex != "female":
            return False
        coded = next(self.conditions(self.kb.rules["CI-02"].icd10), None) is not None
        return self.intake.patient.pregnancy == "breastfeeding" or coded

    def expand(self, *names: str) -> frozenset[str]:
        return self.kb.expand(names)

    def conditions(self, prefixes: Sequence[str]) -> Iterator[Condition]:
        return (c for c in self.intake.conditions if c.icd10.startswith(tuple(prefixes)))

    def medications(self, prefixes: Sequence[str], *, months: int = 0) -> Iterator[Medication]:
        """Medications taken now, or stopped less than ``months`` months ago."""
        since = _months_before(self.today, months)
        return (
            m
            for m in self.intake.medications
            if m.atc.startswith(tuple(prefixes)) and (m.stopped_on is None or m.stopped_on >= since)
        )

    def within_months(self, day: dt.date | None, months: int) -> bool:
        """True when ``day`` is unknown (fail closed) or less than ``months`` months ago."""
        return day is None or day >= _months_before(self.today, months)

    def ingredient_name(self, ingredient: str) -> str:
        return self.kb.ingredients[ingredient].name

    @staticmethod
    def title(system: str, code: str) -> str:
        entry = codes.load(system).get(code)
        if entry is not None:
            return entry.title
        parents = codes.load(system).parents(code)
        if not parents:
            return "(not in the bundled code list)"
        return f"(not in the bundled code list; {parents[0].code} is {parents[0].title})"

    def drug_name(self, medication: Medication) -> str:
        return medication.name or self.title("atc", medication.atc)


def _months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for last_day in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")
