"""What the outcomes page and the progress report show: the numbers of every visit per site, and
a stored review read back (its reasons, the decision, the information and the plain-language
summary). Shared by the page and the PDF so both say the same."""

from dataclasses import dataclass, field
from typing import Any

from anagen.core.outcomes import Reason, ResponseResult
from anagen.core.outcomes_summary import PHOTO_WORDS, plain_summary
from anagen.outcomes import selectors
from anagen.outcomes.charts import SITE_LABELS, SITE_ORDER, course_visits
from anagen.outcomes.models import MeasurementVisit, ResponseReview

STATUS_WORDS = {
    "met": "met",
    "not_met": "not met",
    "missing": "no data",
    "not_applicable": "not applicable",
}
LABEL_TAGS = {
    "responder": "ok",
    "partial": "warn",
    "non_responder": "danger",
    "insufficient_data": "",
}


@dataclass
class VisitNumbers:
    """One visit: its sites' pooled trichoscopy numbers and its other measurements."""

    visit: MeasurementVisit
    sites: list[dict[str, Any]] = field(default_factory=list)
    pull_pct: float | None = None
    pull_positive: bool | None = None
    satisfaction: float | None = None
    global_score: int | None = None
    global_against: Any = None


def _round(value: float | None, places: int = 1, scale: float = 1.0) -> float | None:
    return None if value is None else round(value * scale, places)


def numbers_table(patient: Any, visits: list[MeasurementVisit]) -> list[VisitNumbers]:
    """Every standing visit, oldest first, with its numbers."""
    pooled = {v.visit.pk: v.sites for v in course_visits(patient)}
    rows = []
    for visit in visits:
        row = VisitNumbers(visit)
        for site in sorted(pooled.get(visit.pk, {}), key=SITE_ORDER.index):
            m = pooled[visit.pk][site]
            row.sites.append(
                {
                    "site": SITE_LABELS[site],
                    "images": m.images,
                    "hairs": m.hair_count,
                    "density": _round(m.density_per_cm2, 0),
                    "terminal": _round(m.terminal_density, 0),
                    "diameter": _round(m.mean_diameter_um),
                    "vellus": _round(m.vellus_fraction, 1, 100),
                    "thin": _round(m.thin_fraction, 1, 100),
                }
            )
        _others(row)
        rows.append(row)
    return rows


def _others(row: VisitNumbers) -> None:
    pulls = [t for t in selectors.visit_pull_tests(row.visit) if t.hairs_grasped]
    if pulls:
        worst = max(pulls, key=lambda t: t.share)
        row.pull_pct, row.pull_positive = round(100 * worst.share, 1), worst.positive
    survey = selectors.visit_satisfaction(row.visit)
    row.satisfaction = None if survey is None else round(survey.score)
    assessment = selectors.visit_global_assessment(row.visit)
    if assessment is not None:
        row.global_score, row.global_against = assessment.score, assessment.compared_with


def stored_result(stored: ResponseReview) -> ResponseResult:
    """The stored review as the core's result (information left out: it is shown as stored)."""
    result = stored.result
    return ResponseResult(
        label=stored.label,
        reasons=tuple(Reason.from_json(r) for r in stored.reasons),
        information=(),
        decision=tuple(result.get("decision", ())),
        met=int(result.get("met", 0)),
        evaluable=int(result.get("evaluable", 0)),
    )


def review_view(stored: ResponseReview) -> dict[str, Any]:
    """A stored review, ready for a template."""
    core = stored_result(stored)
    return {
        "review": stored,
        "tag": LABEL_TAGS.get(stored.label, ""),
        "reasons": [reason_row(r) for r in stored.reasons],
        "decision": core.decision,
        "information": stored.result.get("information", []),
        "summary": plain_summary(core),
        "rule": (stored.criteria or {}).get("rule", {}),
        "clinic_changed": (stored.criteria or {}).get("clinic_changed", False),
        "open_flag": stored.flagged_for_plan_review and stored.acknowledged_at is None,
    }


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _signed(value: float) -> str:
    return "0" if value == 0 else f"{value:+g}"


def reason_row(r: dict[str, Any]) -> dict[str, Any]:
    """One stored reason as text: numbers without trailing zeros, signed changes, the
    photographic score in words."""
    change = "—" if r["change"] is None else _signed(r["change"])
    if r.get("change_pct") is not None:
        change += f" ({_signed(r['change_pct'])} %)"
    value = _number(r["value"])
    if r["measure"] == "global_photo" and r["value"] is not None:
        value = f"{int(r['value']):+d} ({PHOTO_WORDS[int(r['value'])]})"
    return {
        "criterion": r["criterion"],
        "label": r["label"],
        "unit": r["unit"],
        "baseline": _number(r["baseline"]),
        "value": value,
        "change": change,
        "threshold": r["threshold"],
        "status": r["status"],
        "status_text": STATUS_WORDS.get(r["status"], r["status"]),
        "note": r["note"],
        "source": r["source"],
        "required": r.get("required", False),
    }
