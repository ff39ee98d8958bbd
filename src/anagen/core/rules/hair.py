"""Rules about the hair loss itself: diagnosis, examination findings, stage, evidence.

Each function's rule record is in contraindications.toml; the indications they route to are
in protocols.toml.
"""

from __future__ import annotations

from collections.abc import Iterator

from anagen.core.knowledge import Rule
from anagen.core.rules.base import Context, Finding, Outcome, rule, treatment_rule
from anagen.core.staging import advanced_signals, pull_test_reading

# REFERENCE.md 6.3 (AA trichoscopy) and 3.7 (scarring): signs that point away from AGA.
_AA_SIGNS = ("exclamation_mark_hairs", "tapered_hairs", "black_dots")
_SCARRING_SIGNS = ("loss_of_follicular_openings", "perifollicular_erythema", "perifollicular_scale")
_NO_EVIDENCE = ("telogen-effluvium", "anagen-effluvium")


def _diagnosis_or_history(ctx: Context, prefixes: tuple[str, ...]) -> Iterator[str]:
    diagnosis = ctx.intake.hair_loss.diagnosis
    if diagnosis is not None and diagnosis.startswith(prefixes):
        yield diagnosis
    yield from (c.icd10 for c in ctx.conditions(prefixes) if c.icd10 != diagnosis)


@rule("CI-17")
def scarring_alopecia(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Scarring alopecia, as the diagnosis or on record: not an indication; refer."""
    for code in _diagnosis_or_history(ctx, r.icd10):
        yield Finding.of(r, "absolute", r.text(code=code, title=ctx.title("icd10", code)))


@rule("CI-18")
def alopecia_areata(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Alopecia areata, as the diagnosis or on record: no cocktail or 5-ARI meso; refer."""
    for code in _diagnosis_or_history(ctx, r.icd10):
        yield Finding.of(r, "absolute", r.text(code=code, title=ctx.title("icd10", code)))


@rule("DX-01")
def no_indication(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """A diagnosis mesotherapy has no evidence for (TE, anagen effluvium, non-hair codes)."""
    diagnosis = ctx.intake.hair_loss.diagnosis
    if diagnosis is None:
        return
    indication = ctx.kb.indication_for(diagnosis)
    title = ctx.title("icd10", diagnosis)
    if indication is None:
        route = "not a hair-loss diagnosis that mesotherapy treats; check the diagnosis."
        yield Finding.of(r, "absolute", r.text(code=diagnosis, title=title, route=route))
    elif indication.id in _NO_EVIDENCE:
        yield Finding.of(r, "absolute", r.text(code=diagnosis, title=title, route=indication.route))


@rule("DX-02")
def signs_against_diagnosis(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Trichoscopy signs of alopecia areata or scarring alopecia under another diagnosis."""
    hair = ctx.intake.hair_loss
    diagnosis = hair.diagnosis or ""
    aa = [s for s in hair.trichoscopy_signs if s in _AA_SIGNS]
    if aa and not diagnosis.startswith("L63"):
        text = r.text(signs=_words(aa), meaning="signs of alopecia areata")
        yield Finding.of(r, "temporary", text)
    scarring = [s for s in hair.trichoscopy_signs if s in _SCARRING_SIGNS]
    if scarring and not diagnosis.startswith("L66"):
        text = r.text(
            signs=_words(scarring), meaning="signs of a scarring alopecia (LPP, FFA, CCCA)"
        )
        yield Finding.of(r, "temporary", text, topic="scarring_alopecia")


def _words(signs: list[str]) -> str:
    return ", ".join(s.replace("_", " ") for s in signs)


@rule("DX-03")
def pull_test(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """A positive pull test points to active shedding another diagnosis may explain."""
    regions = ctx.intake.hair_loss.pull_test_positive_regions
    if not regions:
        return
    meaning = ctx.kb.scales.pull_test_meaning(pull_test_reading(regions, ctx.kb.scales))
    where = "1 region" if regions == 1 else f"{regions} regions"
    yield Finding.of(r, "relative", r.text(regions=where, meaning=meaning))


@rule("DX-04")
def male_pattern_in_woman(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """A Hamilton-Norwood pattern in a premenopausal woman: endocrine work-up."""
    stage = ctx.intake.hair_loss.stage
    if stage is not None and stage.scale == "norwood" and ctx.childbearing:
        yield Finding.of(r, "relative", r.text())


@rule("ADV-01")
def advanced_stage(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """An advanced stage or poor-prognosis sign: honest expectations."""
    hair = ctx.intake.hair_loss
    signals = advanced_signals(hair.stage, hair.trichoscopy_signs, ctx.kb.scales)
    if signals:
        joined = "; ".join(signals)
        text = r.text(signals=joined[:1].upper() + joined[1:])
        yield Finding.of(r, "relative", text)


@treatment_rule("EV-01")
def cocktail_only(ctx: Context, r: Rule, treatment: frozenset[str]) -> Iterator[Outcome]:
    """A treatment of cocktail ingredients only: say it was no better than topical minoxidil."""
    if treatment and not treatment & ctx.expand("five_ari", "minoxidil"):
        detail = (
            "Only vitamin, amino-acid or other cocktail ingredients: in the one randomised trial "
            "a cocktail was no better than topical minoxidil 5% (T6). Offer it as an adjunct, "
            "and say so."
        )
        yield Finding.of(r, "info", r.text(detail=detail))
