"""Screening: the rules run over an intake, and the verdict they lead to.

Each rule in ``contraindications.toml`` has one small function in ``anagen.core.rules`` that
says when it fires. The engine here runs them all, then decides what treatment the verdict is
about (the requested ingredients, or the best protocol the knowledge base offers once the
excluded ingredients are removed), keeps the findings that concern that treatment, and takes
the verdict. It fails closed: a missing fact a rule needs gives ``incomplete``, and a patient
with nothing left to offer is never ``eligible``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from anagen.core.intake import read_intake
from anagen.core.knowledge import Knowledge, Protocol
from anagen.core.rules import RULES, TREATMENT_RULES, Context, Finding, Need
from anagen.core.staging import advanced_signals, pull_test_reading, rakowska

__all__ = [
    "SCREENING_SCHEMA",
    "SEVERITIES",
    "TOPICS",
    "VERDICTS",
    "Screening",
    "best_protocol",
    "screen",
    "screen_document",
    "usable_protocols",
]

SCREENING_SCHEMA = "anagen.screening/1"
# Strongest first: the verdict is the strongest that any finding or missing fact leads to.
VERDICTS = ("not_eligible", "defer", "incomplete", "eligible_with_caution", "eligible")
SEVERITIES = ("absolute", "temporary", "relative", "ingredient", "info")
TOPICS = (
    "pregnancy", "breastfeeding", "reproductive_potential", "age", "allergy", "anticoagulation",
    "bleeding_disorder", "diabetes", "immunosuppression", "isotretinoin", "keloid", "cardiac",
    "blood_pressure", "hepatic", "renal", "malignancy", "scalp_inflammation", "scalp_infection",
    "scarring_alopecia", "alopecia_areata", "diagnose_first", "advanced_stage", "no_indication",
    "evidence", "product_safety",
)  # fmt: skip
_VERDICT_OF = {
    "absolute": "not_eligible",
    "temporary": "defer",
    "relative": "eligible_with_caution",
    "ingredient": "eligible_with_caution",
    "info": "eligible",
}


@dataclass(frozen=True)
class Screening:
    verdict: str
    findings: tuple[Finding, ...]
    excluded: frozenset[str]
    missing: tuple[Need, ...]
    treatment: frozenset[str]  # the ingredients the verdict is about
    protocol: Protocol | None  # the best protocol, when none was requested
    knowledge_version: str
    staging: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The ``anagen.screening/1`` document."""
        return {
            "schema": SCREENING_SCHEMA,
            "verdict": self.verdict,
            "findings": [f.as_json() for f in self.findings],
            "excluded_ingredients": sorted(self.excluded),
            "missing": list(dict.fromkeys(n.field for n in self.missing)),
            "missing_detail": [n.as_json() for n in self.missing],
            "treatment": {
                "ingredients": sorted(self.treatment),
                "protocol": self.protocol.id if self.protocol else None,
            },
            "staging": dict(self.staging),
            "knowledge_version": self.knowledge_version,
        }


def screen_document(doc: object, kb: Knowledge) -> tuple[Context, Screening]:
    """Read an ``anagen.intake/1`` document and screen it (InvalidDocument if it is bad)."""
    intake = read_intake(doc, ingredients=tuple(kb.ingredients), scales=kb.scales)
    ctx = Context(intake, kb)
    return ctx, screen(ctx)


def screen(ctx: Context) -> Screening:
    """Run every rule over the intake in ``ctx`` and reach the verdict."""
    kb, intake = ctx.kb, ctx.intake
    found, needs = _run_rules(ctx)
    if intake.requested is None:
        found, needs = _exclude_until_known(found, needs, kb)
    excluded = frozenset(i for f in found for i in f.excluded_ingredients)
    protocol, treatment = _treatment(ctx, excluded)
    found = [f for f in found if _concerns_treatment(f, treatment)]
    needs = [n for n in needs if not n.concerns or n.concerns & treatment]
    found += _after_selection(ctx, treatment, found)
    return Screening(
        verdict=_verdict(found, needs),
        findings=tuple(sorted(found, key=_finding_order)),
        excluded=excluded,
        missing=tuple(needs),
        treatment=treatment,
        protocol=protocol,
        knowledge_version=kb.version,
        staging=_staging(ctx),
    )


def _run_rules(ctx: Context) -> tuple[list[Finding], list[Need]]:
    found: list[Finding] = []
    needs: list[Need] = []
    for rule in ctx.kb.rules.values():
        if rule.id in TREATMENT_RULES:
            continue
        for out in RULES[rule.id](ctx, rule):
            (found if isinstance(out, Finding) else needs).append(out)  # type: ignore[arg-type]
    return found, needs


def _exclude_until_known(
    found: list[Finding], needs: list[Need], kb: Knowledge
) -> tuple[list[Finding], list[Need]]:
    """With no treatment requested, a fact only some ingredients need excludes those ingredients
    (fail closed) instead of holding up the whole screening."""
    for need in (n for n in needs if n.concerns):
        rule = kb.rules[need.rule]
        message = f"{need.reason} Until then, {_names(kb, need.concerns)} excluded."
        found.append(Finding.of(rule, "ingredient", message, excluded=need.concerns))
    return found, [n for n in needs if not n.concerns]


def _treatment(ctx: Context, excluded: frozenset[str]) -> tuple[Protocol | None, frozenset[str]]:
    requested = ctx.intake.requested
    if requested is not None:
        return None, frozenset(requested) - excluded
    protocol = best_protocol(ctx, excluded)
    if protocol is None:
        return None, frozenset()
    return protocol, frozenset(i.id for i in protocol.ingredients) - excluded


def best_protocol(ctx: Context, excluded: frozenset[str]) -> Protocol | None:
    """The highest-ranked protocol for the diagnosis and sex that screening leaves usable."""
    return next(iter(usable_protocols(ctx, excluded)), None)


def usable_protocols(ctx: Context, excluded: frozenset[str]) -> list[Protocol]:
    """Protocols for the diagnosis and sex, best first, whose active ingredients all remain."""
    diagnosis, sex = ctx.intake.hair_loss.diagnosis, ctx.intake.patient.sex
    indication = ctx.kb.indication_for(diagnosis) if diagnosis else None
    if indication is None:
        return []
    fitting = [ctx.kb.protocols[p] for p in indication.protocols]
    fitting = [p for p in fitting if sex in p.sexes and _usable(p, excluded)]
    return sorted(fitting, key=lambda p: p.rank[sex])


def _usable(protocol: Protocol, excluded: frozenset[str]) -> bool:
    actives_left = all(i.id not in excluded for i in protocol.ingredients if i.role == "active")
    return actives_left and any(i.id not in excluded for i in protocol.ingredients)


def _concerns_treatment(finding: Finding, treatment: frozenset[str]) -> bool:
    return bool(
        finding.excluded_ingredients or not finding.concerns or finding.concerns & treatment
    )


def _after_selection(
    ctx: Context, treatment: frozenset[str], found: Sequence[Finding]
) -> list[Finding]:
    """Rules about the chosen treatment itself, and the fail-closed safety net: with nothing
    left to give and no rule saying why, the patient is not eligible (DX-01)."""
    kb = ctx.kb
    out = [
        f
        for rule_id, function in TREATMENT_RULES.items()
        for f in function(ctx, kb.rules[rule_id], treatment)
        if isinstance(f, Finding)
    ]
    if not treatment and not any(_VERDICT_OF[f.severity] in VERDICTS[:2] for f in found):
        rule = kb.rules["DX-01"]
        route = "no treatment option remains once the excluded ingredients are removed."
        code = ctx.intake.hair_loss.diagnosis
        title = ctx.title("icd10", code) if code else "No diagnosis"
        out.append(
            Finding.of(rule, "absolute", rule.text(code=code or "", title=title, route=route))
        )
    return out


def _verdict(found: Iterable[Finding], needs: Sequence[Need]) -> str:
    reached = {_VERDICT_OF[f.severity] for f in found}
    if needs:
        reached.add("incomplete")
    return next(v for v in VERDICTS if v in reached) if reached else "eligible"


def _finding_order(finding: Finding) -> tuple[int, str]:
    return SEVERITIES.index(finding.severity), finding.rule


def _names(kb: Knowledge, ids: Iterable[str]) -> str:
    names = sorted(kb.ingredients[i].name.lower() for i in ids)
    return ", ".join(names) + (" is" if len(names) == 1 else " are")


def _staging(ctx: Context) -> dict[str, Any]:
    hair, book = ctx.intake.hair_loss, ctx.kb.scales
    out: dict[str, Any] = {}
    if hair.stage is not None:
        out["stage"] = {"scale": hair.stage.scale, "value": hair.stage.value}
        if hair.stage.salt_score is not None:
            out["salt"] = {
                "score": hair.stage.salt_score,
                "bands": dict(hair.stage.salt_bands or {}),
            }
    out["advanced"] = list(advanced_signals(hair.stage, hair.trichoscopy_signs, book))
    if hair.pull_test_positive_regions is not None:
        out["pull_test"] = pull_test_reading(hair.pull_test_positive_regions, book)
    if hair.rakowska is not None:
        result = rakowska(hair.rakowska, book)
        out["rakowska"] = {
            "diagnosis": result.diagnosis,
            "major_met": list(result.major_met),
            "minor_met": list(result.minor_met),
            "missing": list(result.missing),
        }
    return out
