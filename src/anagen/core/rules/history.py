"""Rules about medical history, medicines, labs and the state of the scalp now.

Each function's rule record (id, trigger codes, sources, rationale) is in
contraindications.toml; the functions only decide when a rule fires.
"""

from __future__ import annotations

from collections.abc import Iterator

from anagen.core.intake import Condition, Medication
from anagen.core.knowledge import Rule
from anagen.core.rules.base import Context, Finding, Need, Outcome, rule

_VKA = ("B01AA",)  # vitamin K antagonists: the ones whose INR must be known (CI-08)
_CHEMOTHERAPY = ("L01",)
_CYTOPENIA = ("D70",)


def _code_text(ctx: Context, condition: Condition) -> dict[str, str]:
    return {"code": condition.icd10, "title": ctx.title("icd10", condition.icd10)}


def _drug_text(ctx: Context, medication: Medication) -> str:
    return f"{ctx.drug_name(medication)} ({medication.atc})"


@rule("CI-06")
def scalp_infection(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Infection, wound or sunburn on the scalp now: defer. On record: check it is clear."""
    now = [s for s in ctx.intake.hair_loss.scalp if s != "active_psoriasis"]
    if now:
        yield Finding.of(r, "temporary", r.text(state=", ".join(s.replace("_", " ") for s in now)))
    for condition in ctx.conditions(r.icd10):
        yield Finding.of(r, "relative", r.text("history", **_code_text(ctx, condition)))


@rule("CI-07")
def scalp_inflammation(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Active psoriasis on the scalp: defer. A koebnerising disease on record: caution."""
    if "active_psoriasis" in ctx.intake.hair_loss.scalp:
        yield Finding.of(r, "temporary", r.text())
    for condition in ctx.conditions(r.icd10):
        yield Finding.of(r, "relative", r.text("history", **_code_text(ctx, condition)))


@rule("CI-08")
def anticoagulation(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Anticoagulants and antiplatelets: caution, never stop them; a VKA needs an INR in range."""
    for medication in ctx.medications(r.atc):
        text = r.text(name=ctx.drug_name(medication), atc=medication.atc)
        yield Finding.of(r, "relative", text)
    for condition in ctx.conditions(r.icd10):
        text = r.text(name=ctx.title("icd10", condition.icd10), atc=condition.icd10)
        yield Finding.of(r, "relative", text)
    if next(ctx.medications(_VKA), None) is not None:
        yield from _inr(ctx, r)


def _inr(ctx: Context, r: Rule) -> Iterator[Outcome]:
    inr, limit = ctx.intake.labs.get("inr"), ctx.kb.limit("inr_max")
    if inr is None:
        yield Need(r.id, "labs.inr", "An INR is needed for a patient on a vitamin K antagonist.")
    elif inr > limit:
        yield Finding.of(r, "temporary", r.text("inr", inr=f"{inr:g}", limit=f"{limit:g}"))


@rule("CI-09")
def bleeding_disorder(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """A bleeding disorder or low platelets: not without haematology clearance."""
    details = [f"{c.icd10} {ctx.title('icd10', c.icd10)}" for c in ctx.conditions(r.icd10)]
    platelets, limit = (
        ctx.intake.labs.get("platelets_10e9_per_l"),
        ctx.kb.limit("platelets_min_10e9_per_l"),
    )
    if platelets is not None and platelets < limit:
        details.append(f"Platelets {platelets:g} x10^9/L (below {limit:g})")
    if not details:
        return
    if "haematology" in ctx.intake.clearances:
        yield Finding.of(r, "relative", r.text("cleared", detail="; ".join(details)))
    else:
        yield Finding.of(r, "absolute", r.text(detail="; ".join(details)))


@rule("CI-10")
def diabetes(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Diabetes (coded, or on a glucose-lowering drug): HbA1c needed; above the clinic's limit,
    defer; otherwise caution."""
    coded = next(ctx.conditions(r.icd10), None) is not None
    if not coded and next(ctx.medications(r.atc), None) is None:
        return
    hba1c, limit = ctx.intake.labs.get("hba1c_percent"), ctx.kb.limit("hba1c_defer_above_percent")
    if hba1c is None:
        yield Need(r.id, "labs.hba1c_percent", "An HbA1c is needed for a patient with diabetes.")
    elif hba1c > limit:
        yield Finding.of(r, "temporary", r.text("defer", hba1c=f"{hba1c:g}", limit=f"{limit:g}"))
    else:
        yield Finding.of(r, "relative", r.text(hba1c=f"{hba1c:g}"))


@rule("CI-11")
def immunosuppression(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Immunosuppressed: caution; chemotherapy with cytopenia: defer."""
    causes = [_drug_text(ctx, m) for m in ctx.medications(r.atc)]
    causes += [f"{c.icd10} {ctx.title('icd10', c.icd10)}" for c in ctx.conditions(r.icd10)]
    if not causes:
        return
    yield Finding.of(r, "relative", r.text(detail="; ".join(causes)))
    on_chemotherapy = next(ctx.medications(_CHEMOTHERAPY), None) is not None
    platelets = ctx.intake.labs.get("platelets_10e9_per_l")
    low_platelets = platelets is not None and platelets < ctx.kb.limit("platelets_min_10e9_per_l")
    cytopenia = low_platelets or next(ctx.conditions(_CYTOPENIA), None) is not None
    if on_chemotherapy and cytopenia:
        yield Finding.of(r, "temporary", r.text("defer"))


@rule("CI-12")
def isotretinoin(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Isotretinoin now or in the last 6 months: caution (label and consensus disagree)."""
    for medication in ctx.medications(r.atc, months=int(r.params["months"])):
        when = "now" if medication.stopped_on is None else f"until {medication.stopped_on}"
        yield Finding.of(r, "relative", r.text(when=when))


@rule("CI-13")
def keloid(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """A keloid tendency on record: caution."""
    for condition in ctx.conditions(r.icd10):
        yield Finding.of(r, "relative", r.text(**_code_text(ctx, condition)))


@rule("CI-14")
def cardiac(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Unstable or recent heart disease excludes minoxidil; stable disease: caution with it."""
    minoxidil = ctx.expand(*r.applies_to)
    for condition in ctx.conditions(r.icd10):
        text = _code_text(ctx, condition)
        if _excludes_minoxidil(ctx, r, condition):
            yield Finding.of(r, "ingredient", r.text(**text), excluded=minoxidil)
        else:
            yield Finding.of(r, "relative", r.text("stable", **text), concerns=minoxidil)


def _excludes_minoxidil(ctx: Context, r: Rule, condition: Condition) -> bool:
    if not condition.icd10.startswith(tuple(r.params["excluding"])):
        return False
    if condition.icd10.startswith(("I21", "I22")):  # infarction: only while recent
        return ctx.within_months(condition.onset, int(r.params["recent_months"]))
    return True


@rule("CI-15")
def blood_pressure(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Blood-pressure disease or medicines: caution with minoxidil."""
    causes = [_drug_text(ctx, m) for m in ctx.medications(r.atc)]
    causes += [f"{c.icd10} {ctx.title('icd10', c.icd10)}" for c in ctx.conditions(r.icd10)]
    if causes:
        text = r.text(detail="; ".join(causes))
        yield Finding.of(r, "relative", text, concerns=ctx.expand(*r.applies_to))


@rule("CI-16")
def liver_or_kidney(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Liver or kidney disease: caution with 5-ARIs and minoxidil."""
    renal = tuple(r.params["renal"])
    for condition in ctx.conditions(r.icd10):
        is_renal = condition.icd10.startswith(renal)
        text = r.text(organ="kidney" if is_renal else "liver", **_code_text(ctx, condition))
        topic = "renal" if is_renal else "hepatic"
        yield Finding.of(r, "relative", text, concerns=ctx.expand(*r.applies_to), topic=topic)


@rule("CI-20")
def diagnose_first(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """No diagnosis, or unexplained loss: defer. A treatable cause on record or in labs: caution."""
    yield from _undiagnosed(ctx, r)
    for condition in ctx.conditions(r.icd10):
        code = _code_text(ctx, condition)
        detail = f"{code['code']} {code['title']} can cause hair loss: treat it and reassess."
        yield Finding.of(r, "relative", detail)
    for medication in ctx.medications(r.atc):
        detail = (
            f"On {_drug_text(ctx, medication)}: iron or thyroid disease can cause hair loss; "
            "check ferritin and TSH are back in range."
        )
        yield Finding.of(r, "relative", detail)
    yield from _labs_to_work_up(ctx, r)


def _undiagnosed(ctx: Context, r: Rule) -> Iterator[Outcome]:
    diagnosis = ctx.intake.hair_loss.diagnosis
    if diagnosis is None:
        detail = (
            "No diagnosis yet: diagnose first (history, trichoscopy, ferritin, TSH; "
            "biopsy where unclear)."
        )
        yield Finding.of(r, "temporary", detail)
        return
    indication = ctx.kb.indication_for(diagnosis)
    if indication is not None and indication.id == "other-nonscarring":
        detail = f"{diagnosis} {ctx.title('icd10', diagnosis)}: {indication.route}"
        yield Finding.of(r, "temporary", detail)
    elif diagnosis.startswith("L64.0"):
        detail = "Drug-induced androgenetic alopecia: identify and review the drug first."
        yield Finding.of(r, "relative", detail)


def _labs_to_work_up(ctx: Context, r: Rule) -> Iterator[Outcome]:
    labs = ctx.intake.labs
    ferritin, low = labs.get("ferritin_ug_per_l"), ctx.kb.limit("ferritin_low_ug_per_l")
    if ferritin is not None and ferritin < low:
        detail = f"Ferritin {ferritin:g} ug/L is below {low:g}: look for and treat iron deficiency."
        yield Finding.of(r, "relative", detail)
    tsh = labs.get("tsh_mu_per_l")
    tsh_low, tsh_high = ctx.kb.limit("tsh_low_mu_per_l"), ctx.kb.limit("tsh_high_mu_per_l")
    if tsh is not None and not tsh_low <= tsh <= tsh_high:
        detail = f"TSH {tsh:g} mU/L is outside {tsh_low:g}-{tsh_high:g}: work up thyroid disease."
        yield Finding.of(r, "relative", detail)


@rule("CI-21")
def malignancy(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Cancer: caution; under antineoplastic treatment: defer."""
    on_treatment = next(ctx.medications(_CHEMOTHERAPY), None) is not None
    for medication in ctx.medications(r.atc):
        title = f"{ctx.drug_name(medication)} (hormonal cancer treatment)"
        yield Finding.of(r, "relative", r.text(code=medication.atc, title=title))
    for condition in ctx.conditions(r.icd10):
        text = _code_text(ctx, condition)
        if on_treatment:
            yield Finding.of(r, "temporary", r.text("defer", **text))
        else:
            yield Finding.of(r, "relative", r.text(**text))


@rule("RX-01")
def hair_loss_medicine(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Already on finasteride, dutasteride or minoxidil: keep it; note a doubled drug class."""
    for medication in ctx.medications(r.atc):
        ingredient = "minoxidil" if medication.atc in ("D11AX01", "C02DC01") else "five_ari"
        same = ctx.expand(ingredient)
        overlap = f" Injecting {' or '.join(sorted(same))} as well doubles the drug class."
        text = r.text(name=ctx.drug_name(medication), atc=medication.atc, overlap=overlap)
        yield Finding.of(r, "info", text)


@rule("UNASSESSED")
def unassessed(ctx: Context, r: Rule) -> Iterator[Outcome]:
    """Codes no rule looks at are listed, so the clinician sees what the rules did not assess."""
    icd10 = tuple(p for rule_ in ctx.kb.rules.values() for p in rule_.icd10)
    atc = tuple(p for rule_ in ctx.kb.rules.values() for p in rule_.atc) + _VKA
    diagnosis = ctx.intake.hair_loss.diagnosis
    for condition in ctx.intake.conditions:
        if not condition.icd10.startswith(icd10) and condition.icd10 != diagnosis:
            yield Finding.of(r, "info", r.text(kind="Condition", **_code_text(ctx, condition)))
    for medication in ctx.intake.medications:
        if not medication.atc.startswith(atc):
            title = ctx.drug_name(medication)
            yield Finding.of(r, "info", r.text(kind="Medication", code=medication.atc, title=title))
