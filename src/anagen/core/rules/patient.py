"""Rules about the person: pregnancy and reproduction, allergies, age, products.

Each function's rule record (id, sources, rationale) is in contraindications.toml.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from anagen.core.knowledge import Rule
from anagen.core.rules.base import Context, Finding, Need, Outcome, rule

_ADULT_AGE = 18  # CI-19: topical minoxidil is not approved under 18 (label)
_DONATION_MONTHS = 6  # CI-04: no blood donation for 6 months after dutasteride (UK JPAC)


@rule("CI-01")
def pregnancy(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Pregnant: do not treat. Planning: no 5-ARI or minoxidil. Unknown when it matters: ask."""
    status = ctx.intake.patient.pregnancy
    if ctx.intake.patient.sex != "female":
        return
    if ctx.pregnant:
        yield Finding.of(r, "absolute", r.text())
    elif status == "planning":
        excluded = ctx.expand("five_ari", "minoxidil")
        yield Finding.of(r, "ingredient", r.text("planning"), excluded=excluded)
    elif status in (None, "unknown") and ctx.childbearing:
        reason = "Pregnancy status is needed for a woman aged 12-55 who is not postmenopausal."
        yield Need(r.id, "patient.pregnancy", reason)
    elif ctx.childbearing and not ctx.breastfeeding and _possible(ctx):
        days = int(ctx.kb.limit("pregnancy_test_valid_days"))
        reason = (
            "Without reliable contraception a pregnancy is possible: a negative pregnancy test "
            f"from the last {days} days is needed before any scalp mesotherapy."
        )
        yield Need(r.id, "patient.negative_pregnancy_test_on", reason)


def _possible(ctx: Context) -> bool:
    """A pregnancy the patient does not know of is possible (CI-01 covers 'possible')."""
    patient = ctx.intake.patient
    test_on = patient.negative_pregnancy_test_on
    recent = test_on is not None and _test_recent(ctx, test_on)
    return patient.reliable_contraception is not True and not recent


@rule("CI-02")
def breastfeeding(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Breastfeeding: exclude 5-ARIs and minoxidil; vitamin cocktails only after discussion."""
    if not ctx.breastfeeding or ctx.pregnant:
        return
    excluded = ctx.expand(*r.applies_to)
    yield Finding.of(r, "ingredient", r.text(), excluded=excluded)
    rest = ctx.expand("all") - excluded
    note = "Breastfeeding: no safety data for the remaining ingredients; discuss before treating."
    yield Finding.of(r, "relative", note, concerns=rest)


@rule("CI-03")
def childbearing_potential(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """5-ARIs in a woman who could become pregnant: only with contraception and a recent test."""
    patient = ctx.intake.patient
    if not ctx.childbearing or ctx.pregnant or ctx.breastfeeding or patient.pregnancy == "planning":
        return
    five_ari = ctx.expand(*r.applies_to)
    if patient.reliable_contraception is False:
        detail = (
            "no reliable contraception, so 5-alpha-reductase inhibitors are excluded (teratogenic)."
        )
        yield Finding.of(r, "ingredient", r.text(detail=detail), excluded=five_ari)
        return
    yield from _contraception_needs(ctx, r, five_ari)
    test_on = patient.negative_pregnancy_test_on
    if patient.reliable_contraception and test_on and _test_recent(ctx, test_on):
        yield Finding.of(r, "relative", r.text("cleared", test_on=test_on), concerns=five_ari)


def _contraception_needs(ctx: Context, r: Rule, five_ari: frozenset[str]) -> Iterator[Need]:
    patient = ctx.intake.patient
    if patient.reliable_contraception is None:
        reason = "Reliable contraception must be recorded before a 5-alpha-reductase inhibitor."
        yield Need(r.id, "patient.reliable_contraception", reason, five_ari)
    test_on = patient.negative_pregnancy_test_on
    if test_on is None or not _test_recent(ctx, test_on):
        days = int(ctx.kb.limit("pregnancy_test_valid_days"))
        reason = f"A negative pregnancy test from the last {days} days is needed."
        yield Need(r.id, "patient.negative_pregnancy_test_on", reason, five_ari)


def _test_recent(ctx: Context, test_on: dt.date) -> bool:
    return (ctx.today - test_on).days <= ctx.kb.limit("pregnancy_test_valid_days")


@rule("CI-04")
def blood_donation(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Anyone given, or taking, a 5-ARI: counsel about blood donation."""
    on_five_ari = next(ctx.medications(r.atc, months=_DONATION_MONTHS), None) is not None
    concerns = () if on_five_ari else ctx.expand(*r.applies_to)
    yield Finding.of(r, "info", r.text(), concerns=concerns)


@rule("CI-05")
def allergy(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """An allergy to an ingredient removes that ingredient (anaesthetics: CI-22)."""
    anaesthetics = ctx.expand("anaesthetic")
    for ingredient in ctx.intake.allergies:
        if ingredient not in anaesthetics:
            text = r.text(ingredient=ctx.ingredient_name(ingredient))
            yield Finding.of(r, "ingredient", text, excluded=[ingredient])


@rule("CI-19")
def age(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Under 18: no minoxidil or 5-ARI, paediatric work-up. Above the clinic's limit: caution."""
    years, limit = ctx.intake.age, ctx.kb.limit("age_upper_caution")
    if years < _ADULT_AGE:
        yield Finding.of(r, "ingredient", r.text(age=years), excluded=ctx.expand(*r.applies_to))
    elif years > limit:
        yield Finding.of(r, "relative", r.text("upper", age=years, limit=f"{limit:g}"))


@rule("CI-22")
def anaesthetic_allergy(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """An allergy to a local anaesthetic removes it; the session is done without it."""
    for ingredient in ctx.expand(*r.applies_to) & set(ctx.intake.allergies):
        text = r.text(ingredient=ctx.ingredient_name(ingredient))
        yield Finding.of(r, "ingredient", text, excluded=[ingredient])


@rule("CI-23")
def never_stocked(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """A request for a multi-dose, homeopathic or unlicensed product is refused."""
    for ingredient in ctx.expand(*r.applies_to) & set(ctx.intake.requested or ()):
        text = r.text(ingredient=ctx.ingredient_name(ingredient))
        yield Finding.of(r, "ingredient", text, excluded=[ingredient])
