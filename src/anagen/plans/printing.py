"""Print a treatment plan ("anagen.plan/1") as a PDF the patient takes home.

A pure renderer: it reads a plan document and a letterhead and returns PDF bytes. The text comes
from plans/typst/plan.typ. All patient and clinic text reaches Typst as JSON through
`sys.inputs`, never as Typst source, so a name such as `#eval("...")` prints as written.
"""

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import typst

PLAN_SCHEMA = "anagen.plan/1"
TEMPLATE = Path(__file__).parent / "typst" / "plan.typ"


@dataclass(frozen=True)
class PlanLetterhead:
    """What the page header and the patient box show."""

    clinic_name: str
    clinic_address: str
    patient_name: str
    patient_number: str
    patient_birth_date: date
    clinician_name: str
    created_on: date


def plan_pdf(
    plan: Mapping[str, Any], letterhead: PlanLetterhead, *, printed_on: date | None = None
) -> bytes:
    """Render `plan` as an A4 PDF for the patient.

    `printed_on` is the date in the footer; it defaults to today. Raises ValueError when the
    plan is not an "anagen.plan/1" document, and typst.TypstError when the template fails.
    """
    if plan.get("schema") != PLAN_SCHEMA:
        raise ValueError(f"plan.schema must be {PLAN_SCHEMA!r}, not {plan.get('schema')!r}")
    inputs = {
        "plan": json.dumps(plan),
        "letterhead": json.dumps(asdict(letterhead), default=_iso_date),
        "printed_on": (printed_on or date.today()).isoformat(),
    }
    pdf = typst.compile(str(TEMPLATE), sys_inputs=inputs)
    if not isinstance(pdf, bytes):  # a single PDF is always bytes; pages come back only for PNG
        raise TypeError(f"typst returned {type(pdf).__name__}, expected PDF bytes")
    return pdf


def _iso_date(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} into the plan letterhead")
