"""Response at the review milestone: the review visit compared with baseline, criterion by
criterion, and a label with its reasons.

The criteria are data (``response_criteria.toml``, changed per clinic through
:func:`criteria_with`); each names its sources, and says when its threshold is clinic policy
rather than a trial's number. The label fails closed: without a baseline, without the data a
required criterion needs, or with too few criteria that can be judged, it is
``insufficient_data``, never ``responder``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from anagen.core.outcomes_criteria import (
    CRITERIA_SCHEMA,
    MEASURES,
    Criteria,
    Criterion,
    Indicator,
    ResponseRule,
    Threshold,
    criteria_with,
    default_criteria,
    read_criteria_file,
)
from anagen.core.outcomes_measures import (
    ImageMeasures,
    PullTest,
    SiteMeasures,
    VisitMeasures,
    pool_site,
)

__all__ = [
    "CRITERIA_SCHEMA",
    "LABELS",
    "MEASURES",
    "REVIEW_SCHEMA",
    "Criteria",
    "Criterion",
    "ImageMeasures",
    "Indicator",
    "Information",
    "PullTest",
    "Reason",
    "ResponseResult",
    "ResponseRule",
    "SiteMeasures",
    "Threshold",
    "VisitMeasures",
    "criteria_with",
    "default_criteria",
    "pool_site",
    "read_criteria_file",
    "review",
]

REVIEW_SCHEMA = "anagen.response_review/1"
RESPONDER, PARTIAL, NON_RESPONDER, INSUFFICIENT = (
    "responder", "partial", "non_responder", "insufficient_data",
)  # fmt: skip
LABELS = (RESPONDER, PARTIAL, NON_RESPONDER, INSUFFICIENT)
MET, NOT_MET, MISSING, NOT_APPLICABLE = "met", "not_met", "missing", "not_applicable"


@dataclass(frozen=True)
class Reason:
    """One criterion's comparison: the numbers, whether it was met, and why it counts."""

    criterion: str
    label: str
    measure: str
    site: str
    unit: str
    baseline: float | None
    value: float | None
    change: float | None
    change_pct: float | None
    threshold: str
    status: str  # met | not_met | missing | not_applicable
    note: str
    required: bool
    primary: bool
    sources: tuple[str, ...]
    evidence: str
    source: str  # the sources in words, with "clinic policy (U)" where the cut-off is a judgement

    @property
    def met(self) -> bool | None:
        """True or False when the criterion could be judged; None otherwise."""
        return {MET: True, NOT_MET: False}.get(self.status)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        """A stored reason (``as_json``) read back."""
        fields = {f: data[f] for f in cls.__dataclass_fields__ if f != "sources"}
        return cls(sources=tuple(data["sources"]), **fields)

    def as_json(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion, "label": self.label, "measure": self.measure,
            "site": self.site,
            "unit": self.unit, "baseline": self.baseline, "value": self.value,
            "change": self.change, "change_pct": self.change_pct, "threshold": self.threshold,
            "met": self.met, "status": self.status, "note": self.note,
            "required": self.required, "primary": self.primary, "sources": list(self.sources),
            "evidence": self.evidence, "source": self.source,
        }  # fmt: skip


@dataclass(frozen=True)
class Information:
    """A number shown for information (it does not decide the label)."""

    id: str
    label: str
    baseline: float | None
    value: float | None
    unit: str
    flagged: bool | None  # at review; None without a value
    note: str
    sources: tuple[str, ...]
    evidence: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "baseline": self.baseline, "value": self.value,
            "unit": self.unit, "flagged": self.flagged, "note": self.note,
            "sources": list(self.sources), "evidence": self.evidence,
        }  # fmt: skip


@dataclass(frozen=True)
class ResponseResult:
    label: str
    reasons: tuple[Reason, ...]
    information: tuple[Information, ...]
    decision: tuple[str, ...]  # why this label, in sentences
    met: int
    evaluable: int

    @property
    def flagged_for_plan_review(self) -> bool:
        return self.label == NON_RESPONDER

    def as_json(self) -> dict[str, Any]:
        return {
            "schema": REVIEW_SCHEMA,
            "label": self.label,
            "met": self.met,
            "evaluable": self.evaluable,
            "decision": list(self.decision),
            "reasons": [r.as_json() for r in self.reasons],
            "information": [i.as_json() for i in self.information],
            "flagged_for_plan_review": self.flagged_for_plan_review,
        }


def review(
    baseline: VisitMeasures | None, visit: VisitMeasures | None, criteria: Criteria
) -> ResponseResult:
    """Compare the review ``visit`` with ``baseline`` and label the response.

    Responder: at least ``responder_min_met`` criteria met, every required one met, and (with
    ``need_primary``) a primary one met. Partial: at least ``partial_min_met`` met. Otherwise
    non-responder, except that it is ``insufficient_data`` when there is no baseline or review,
    the review is not after baseline, a required criterion has no data, fewer than
    ``min_evaluable`` criteria could be judged, or no primary criterion could be.
    """
    if baseline is None or visit is None:
        missing = "baseline" if baseline is None else "review"
        return _insufficient((f"No {missing} visit: there is nothing to compare.",))
    if visit.date <= baseline.date:
        return _insufficient(("The review visit is not after the baseline visit.",))
    reasons = tuple(_judge(c, baseline, visit) for c in criteria.enabled)
    information = tuple(_inform(i, baseline, visit) for i in criteria.indicators)
    label, decision = _label(reasons, criteria.rule)
    met = sum(1 for r in reasons if r.met)
    evaluable = sum(1 for r in reasons if r.met is not None)
    return ResponseResult(label, reasons, information, decision, met, evaluable)


def _insufficient(decision: tuple[str, ...]) -> ResponseResult:
    return ResponseResult(INSUFFICIENT, (), (), decision, 0, 0)


def _label(reasons: Sequence[Reason], rule: ResponseRule) -> tuple[str, tuple[str, ...]]:
    judged = [r for r in reasons if r.met is not None]
    met = [r for r in judged if r.met]
    counts = f"{len(met)} of {len(judged)} criteria with data met"
    gaps = _gaps(reasons, judged, rule)
    if gaps:
        return INSUFFICIENT, (*gaps, counts + ".")
    unmet_required = [r.label for r in reasons if r.required and not r.met]
    primary_met = any(r.primary and r.met for r in reasons) or not rule.need_primary
    if len(met) >= rule.responder_min_met and not unmet_required and primary_met:
        return RESPONDER, (f"{counts}; {rule.responder_min_met} needed for responder.",)
    why = [f"{counts}; {rule.responder_min_met} needed for responder."]
    if unmet_required:
        why.append(f"Required criteria not met: {', '.join(unmet_required)}.")
    if not primary_met:
        why.append("No hair density criterion was met.")
    if len(met) >= rule.partial_min_met:
        return PARTIAL, tuple(why)
    return NON_RESPONDER, (*why, "Flagged for a plan review.")


def _gaps(reasons: Sequence[Reason], judged: Sequence[Reason], rule: ResponseRule) -> list[str]:
    gaps = [
        f"Required criterion without data: {r.label}."
        for r in reasons
        if r.required and r.met is None
    ]
    if len(judged) < rule.min_evaluable:
        gaps.append(f"Only {len(judged)} criteria have data; {rule.min_evaluable} are needed.")
    if rule.need_primary and not any(r.primary for r in judged):
        gaps.append("No hair density was measured at a treated site at both visits.")
    return gaps


# --- one criterion --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Numbers:
    baseline: float | None
    value: float | None
    change: float | None = None
    change_pct: float | None = None
    status: str = MISSING
    note: str = ""


def _judge(c: Criterion, baseline: VisitMeasures, visit: VisitMeasures) -> Reason:
    numbers = _MEASURE_JUDGES[c.measure](c, baseline, visit)
    return Reason(
        criterion=c.id, label=c.label, measure=c.measure, site=c.site, unit=_UNITS[c.measure],
        baseline=_round(numbers.baseline), value=_round(numbers.value),
        change=_round(numbers.change), change_pct=_round(numbers.change_pct),
        threshold=_threshold_text(c), status=numbers.status, note=numbers.note,
        required=c.required, primary=c.primary, sources=c.sources, evidence=c.evidence,
        source=_source_text(c),
    )  # fmt: skip


def _site_values(
    c: Criterion, baseline: VisitMeasures, visit: VisitMeasures, name: str, scale: float = 1.0
) -> tuple[float | None, float | None, str]:
    def read(v: VisitMeasures) -> float | None:
        site = v.sites.get(c.site)
        number = None if site is None else getattr(site, name)
        return None if number is None else number * scale

    before, after = read(baseline), read(visit)
    note = ""
    if before is None or after is None:
        which = "baseline" if before is None else "review"
        note = f"No calibrated {c.site} measurement at the {which} visit."
    return before, after, note


def _density(c: Criterion, baseline: VisitMeasures, visit: VisitMeasures) -> _Numbers:
    before, after, note = _site_values(c, baseline, visit, "terminal_density")
    if before is None or after is None:
        return _Numbers(before, after, note=note)
    change = after - before
    pct = 100 * change / before if before > 0 else None
    ok = change >= c.value("min_change_per_cm2") and (
        pct is None or pct >= c.value("min_change_pct")
    )
    note = "" if pct is not None else "No % change from a baseline of 0."
    return _Numbers(before, after, change, pct, MET if ok else NOT_MET, note)


def _diameter(c: Criterion, baseline: VisitMeasures, visit: VisitMeasures) -> _Numbers:
    before, after, note = _site_values(c, baseline, visit, "mean_diameter_um")
    if before is None or after is None:
        return _Numbers(before, after, note=note)
    change = after - before
    return _Numbers(before, after, change, None, _status(change >= c.value("min_change_um")))


def _vellus(c: Criterion, baseline: VisitMeasures, visit: VisitMeasures) -> _Numbers:
    before, after, note = _site_values(c, baseline, visit, "vellus_fraction", scale=100.0)
    if before is None or after is None:
        return _Numbers(before, after, note=note)
    change = after - before
    return _Numbers(before, after, change, None, _status(-change >= c.value("min_fall_points")))


def _photo(c: Criterion, baseline: VisitMeasures, visit: VisitMeasures) -> _Numbers:
    score = visit.global_photo
    if score is None:
        return _Numbers(None, None, note="No photographic assessment against baseline.")
    return _Numbers(None, float(score), float(score), None, _status(score >= c.value("min_score")))


def _pull(c: Criterion, baseline: VisitMeasures, visit: VisitMeasures) -> _Numbers:
    before, after = baseline.pulled_percent(), visit.pulled_percent()
    if before is None or after is None:
        which = "baseline" if before is None else "review"
        return _Numbers(before, after, note=f"No pull test at the {which} visit.")
    limit = c.value("positive_above_pct")
    change = after - before
    if before <= limit:
        note = "Negative at baseline: there was no active shedding to reduce."
        return _Numbers(before, after, change, None, NOT_APPLICABLE, note)
    return _Numbers(before, after, change, None, _status(after <= limit))


def _satisfaction(c: Criterion, baseline: VisitMeasures, visit: VisitMeasures) -> _Numbers:
    before, after = baseline.satisfaction, visit.satisfaction
    if after is None:
        return _Numbers(before, None, note="No satisfaction questionnaire at the review visit.")
    change = None if before is None else after - before
    return _Numbers(before, after, change, None, _status(after >= c.value("min_score")))


_MEASURE_JUDGES = {
    "terminal_density": _density,
    "mean_diameter": _diameter,
    "vellus_fraction": _vellus,
    "global_photo": _photo,
    "pull_test": _pull,
    "satisfaction": _satisfaction,
}
_UNITS = {
    "terminal_density": "hairs/cm²",
    "mean_diameter": "µm",
    "vellus_fraction": "%",
    "global_photo": "points",
    "pull_test": "% pulled",
    "satisfaction": "of 100",
}


def _status(ok: bool) -> str:
    return MET if ok else NOT_MET


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _threshold_text(c: Criterion) -> str:
    v = c.value
    texts = {
        "terminal_density": lambda: (
            f"rise ≥ {v('min_change_pct'):g} % and ≥ {v('min_change_per_cm2'):g} hairs/cm²"
        ),
        "mean_diameter": lambda: f"rise ≥ {v('min_change_um'):g} µm",
        "vellus_fraction": lambda: f"fall ≥ {v('min_fall_points'):g} points",
        "global_photo": lambda: f"score ≥ +{v('min_score'):g}",
        "pull_test": lambda: f"positive (> {v('positive_above_pct'):g} %) → negative",
        "satisfaction": lambda: f"score ≥ {v('min_score'):g} of 100",
    }
    return texts[c.measure]()


def _source_text(c: Criterion) -> str:
    cited = ", ".join(s for s in c.sources if s != "anagen-policy")
    if c.changed:
        return f"{cited} · threshold set by this clinic"
    if c.evidence == "policy":
        return f"{cited} · threshold: clinic policy (U)"
    return f"{cited} · {c.evidence}"


# --- information ----------------------------------------------------------------------------


def _inform(indicator: Indicator, baseline: VisitMeasures, visit: VisitMeasures) -> Information:
    # The occiput is the patient's own reference (AGA spares it): a visit without an occipital
    # field is compared with the baseline's.
    reference = baseline.sites.get("occipital")
    before = _indicator_value(indicator.measure, baseline, reference)
    after = _indicator_value(indicator.measure, visit, visit.sites.get("occipital") or reference)
    unit = "%" if indicator.measure == "thin_fraction" else "ratio"
    scale = 100.0 if unit == "%" else 1.0
    flagged = None
    if after is not None:
        above = indicator.flag_above is not None and after > indicator.flag_above
        below = indicator.flag_below is not None and after < indicator.flag_below
        flagged = above or below
    return Information(
        id=indicator.id, label=indicator.label,
        baseline=None if before is None else round(before * scale, 2),
        value=None if after is None else round(after * scale, 2),
        unit=unit, flagged=flagged, note=indicator.basis, sources=indicator.sources,
        evidence=indicator.evidence,
    )  # fmt: skip


def _indicator_value(
    measure: str, visit: VisitMeasures, occipital: SiteMeasures | None
) -> float | None:
    frontal = visit.sites.get("frontal")
    if measure == "thin_fraction":
        return None if frontal is None else frontal.thin_fraction
    name = "density_per_cm2" if measure == "density_ratio" else "mean_diameter_um"
    if frontal is None or occipital is None:
        return None
    top, reference = getattr(frontal, name), getattr(occipital, name)
    if top is None or not reference:
        return None
    return float(top / reference)
