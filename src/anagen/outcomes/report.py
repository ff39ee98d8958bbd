"""The patient's progress report (PDF): the course, the review result in plain words, the charts,
the numbers of every visit, the review's reasons, and baseline vs latest photos of each view.

Photos go in only while the patient's photography consent is in force; otherwise the report
says they were left out. The layout is outcomes/typst/progress.typ. Everything reaches Typst as
JSON through ``sys.inputs``, never as Typst source; charts and photos go in as SVG text (a photo
as an SVG that wraps the downscaled JPEG), so whatever was typed prints as typed.
"""

import base64
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typst
from django.db import transaction
from PIL import Image

from anagen.audit.services import Actor
from anagen.consent.selectors import photo_consent_current
from anagen.core.outcomes_summary import OVERALL
from anagen.outcomes import selectors
from anagen.outcomes.chart_svg import LineChart
from anagen.outcomes.charts import outcome_charts, session_dates
from anagen.outcomes.files import read_stored
from anagen.outcomes.models import ClinicalPhoto, PhotoView, ResponseReview
from anagen.outcomes.review import patient_reviews, review_date
from anagen.outcomes.review_display import VisitNumbers, numbers_table, review_view
from anagen.outcomes.services.common import audit, clinic_today

TEMPLATE = Path(__file__).parent / "typst" / "progress.typ"
PHOTO_PX = 640  # the longer side of a photo in the report: sharp at 8 cm, small enough to send
NO_CONSENT = "Photos are not included: the patient has no photography consent in force."


@dataclass(frozen=True)
class ProgressReport:
    patient: Any
    plan: Any
    visits: list[VisitNumbers]
    charts: list[LineChart]
    review: ResponseReview | None
    photos: list[tuple[ClinicalPhoto, ClinicalPhoto]]
    photo_note: str
    printed_on: dt.date


def progress_report(patient: Any, plan: Any = None) -> ProgressReport:
    """Gather what the report prints for ``patient`` (about ``plan`` when given)."""
    visits = list(selectors.visit_list(patient).order_by("date", "created_at"))
    reviews = patient_reviews(patient)
    if plan is not None:
        reviews = reviews.filter(plan=plan)
    consent = photo_consent_current(patient)
    return ProgressReport(
        patient=patient,
        plan=plan,
        visits=numbers_table(patient, visits),
        charts=[c for c in outcome_charts(patient, plan) if not c.empty],
        review=reviews.first(),
        photos=_photo_pairs(patient) if consent is not None else [],
        photo_note="" if consent is not None else NO_CONSENT,
        printed_on=clinic_today(patient.clinic),
    )


def _photo_pairs(patient: Any) -> list[tuple[ClinicalPhoto, ClinicalPhoto]]:
    """Per view, the first photo and the latest one, when they come from different visits."""
    pairs = []
    for view in PhotoView.values:
        photos = list(selectors.patient_photos(patient, view))
        if len(photos) >= 2 and photos[0].visit_id != photos[-1].visit_id:
            pairs.append((photos[0], photos[-1]))
    return pairs


@transaction.atomic
def report_print(*, actor: Actor, report: ProgressReport) -> bytes:
    """The PDF, with an audit entry saying who printed whose report."""
    pdf = report_pdf(report)
    audit(actor, report.patient, "outcome.report_print", ["progress_report"], report.patient)
    return pdf


def report_pdf(report: ProgressReport) -> bytes:
    pdf = typst.compile(str(TEMPLATE), sys_inputs={"report": json.dumps(report_document(report))})
    if not isinstance(pdf, bytes):  # a single PDF is always bytes; pages come back only for PNG
        raise TypeError(f"typst returned {type(pdf).__name__}, expected PDF bytes")
    return pdf


# --- the document Typst reads ---------------------------------------------------------------


def report_document(report: ProgressReport) -> dict[str, Any]:
    patient = report.patient
    return {
        "clinic": {"name": patient.clinic.name, "address": patient.clinic.address},
        "patient": {
            "name": f"{patient.given_name} {patient.family_name}",
            "number": patient.number,
            "born": patient.date_of_birth.isoformat(),
        },
        "course": _course(report),
        "review": _review(report.review),
        "charts": [
            {"title": c.title, "svg": c.svg(), "desc": c.description()} for c in report.charts
        ],
        "visits": [_visit(v) for v in report.visits],
        "photos": [_pair(before, after) for before, after in report.photos],
        "photo_note": report.photo_note,
        "printed_on": report.printed_on.isoformat(),
    }


def _course(report: ProgressReport) -> dict[str, Any] | None:
    plan = report.plan
    if plan is None:
        return None
    sessions = session_dates(report.patient, plan)
    milestone = review_date(plan)
    return {
        "name": plan.document["protocol"]["name"],
        "start": plan.start_date.isoformat(),
        "planned": len(plan.document.get("sessions", [])),
        "signed": len(sessions),
        "first": sessions[0].isoformat() if sessions else None,
        "last": sessions[-1].isoformat() if sessions else None,
        "review": milestone.isoformat() if milestone else None,
    }


def _review(stored: ResponseReview | None) -> dict[str, Any] | None:
    if stored is None:
        return None
    view = review_view(stored)
    return {
        "label": stored.label,
        "label_text": stored.get_label_display(),
        "headline": OVERALL[stored.label],
        "summary": list(view["summary"][1:]),  # the headline is printed on its own
        "baseline": stored.baseline.date.isoformat(),
        "visit": stored.visit.date.isoformat(),
        "reviewed_by": stored.reviewed_by.full_name,
        "decision": list(view["decision"]),
        "flagged": stored.flagged_for_plan_review,
        "reasons": view["reasons"],
    }


def _visit(row: VisitNumbers) -> dict[str, Any]:
    return {
        "date": row.visit.date.isoformat(),
        "kind": row.visit.get_kind_display(),
        "sites": [{k: _plain(v) for k, v in site.items()} for site in row.sites],
        "pull": None if row.pull_pct is None else f"{row.pull_pct:g} %",
        "pull_positive": row.pull_positive,
        "satisfaction": None if row.satisfaction is None else f"{row.satisfaction:g} / 100",
        "global": None if row.global_score is None else f"{row.global_score:+d}",
    }


def _plain(value: Any) -> str | None:
    """A number as the report prints it (Typst places text, not numbers)."""
    if value is None or isinstance(value, str):
        return value
    return f"{value:g}"


def _pair(before: ClinicalPhoto, after: ClinicalPhoto) -> dict[str, Any]:
    return {
        "view": before.get_view_display(),
        "before": {"date": before.visit.date.isoformat(), "svg": photo_svg(before)},
        "after": {"date": after.visit.date.isoformat(), "svg": photo_svg(after)},
    }


def photo_svg(photo: ClinicalPhoto) -> str:
    """The photo, downscaled to ``PHOTO_PX`` and wrapped in an SVG Typst can place."""
    with Image.open(io.BytesIO(read_stored(photo.file.name))) as image:
        picture = image.convert("RGB")
    picture.thumbnail((PHOTO_PX, PHOTO_PX))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=82)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    w, h = picture.size
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}"><image width="{w}" height="{h}" '
        f'href="data:image/jpeg;base64,{data}"/></svg>'
    )
