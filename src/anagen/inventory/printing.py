"""The recall list on paper (PDF, Typst) and as a spreadsheet (CSV).

Both are made from one ``recall_document``: the lot, its product, why it is recalled, and each
exposed patient with contact details and sessions, so reception can call them. Text reaches Typst
as JSON through ``sys_inputs``, never as Typst source (as plans/printing.py does), so a name such
as ``#eval("...")`` prints as written.
"""

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typst

from anagen.clinics.models import Clinic
from anagen.inventory.models import Lot
from anagen.inventory.selectors import ExposedPatient

TEMPLATE = Path(__file__).parent / "typst" / "recall.typ"
CSV_COLUMNS = [
    "clinic",
    "family name",
    "given name",
    "patient number",
    "date of birth",
    "phone",
    "email",
    "sessions",
    "first exposure",
    "last exposure",
    "session details",
]
_PHONE = re.compile(r"^[+\-]?[\d\s()./-]+$")


def recall_document(
    clinic: Clinic, lot: Lot, rows: Sequence[ExposedPatient], *, printed_on: dt.date, chain: bool
) -> dict[str, Any]:
    product = lot.product
    return {
        "clinic": clinic.name,
        "printed_on": printed_on.isoformat(),
        "chain": chain,
        "lot": {
            "number": lot.number,
            "expiry": lot.expiry.isoformat(),
            "status": lot.status,
            "status_label": lot.get_status_display(),
            "reason": lot.status_reason,
            "product": str(product),
            "maker": product.maker,
            "ingredient": product.ingredient,
        },
        "patients": [_patient(row) for row in rows],
    }


def _patient(row: ExposedPatient) -> dict[str, Any]:
    p = row.patient
    return {
        "clinic": row.clinic.name,
        "name": f"{p.given_name} {p.family_name}",
        "family_name": p.family_name,
        "given_name": p.given_name,
        "number": p.number,
        "birth_date": p.date_of_birth.isoformat(),
        "phone": p.phone,
        "email": p.email,
        "sessions": [
            {
                "date": s.day.isoformat(),
                "number": s.number,
                "practitioner": s.practitioner,
                "lot": s.lot_number,
            }
            for s in row.sessions
        ],
    }


def recall_pdf(document: dict[str, Any]) -> bytes:
    """Render a ``recall_document`` as an A4 PDF. Raises typst.TypstError when the template
    fails."""
    pdf = typst.compile(str(TEMPLATE), sys_inputs={"recall": json.dumps(document)})
    if not isinstance(pdf, bytes):
        raise TypeError(f"typst returned {type(pdf).__name__}, expected PDF bytes")
    return pdf


def _cell(value: str) -> str:
    """A spreadsheet must not run what a patient typed as a formula; phone numbers stay as
    written."""
    if value[:1] in ("=", "@", "\t", "\r") or (value[:1] in "+-" and not _PHONE.match(value)):
        return "'" + value
    return value


def recall_csv(document: dict[str, Any]) -> str:
    """One row per exposed patient, with the sessions that used the lot."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for p in document["patients"]:
        sessions = p["sessions"]
        details = "; ".join(
            f"{s['date']} session {s['number']} ({s['practitioner']}, lot {s['lot']})"
            for s in sessions
        )
        row = [p["clinic"], p["family_name"], p["given_name"], p["number"], p["birth_date"]]
        row += [p["phone"], p["email"], str(len(sessions))]
        row += [sessions[0]["date"], sessions[-1]["date"], details]
        writer.writerow([_cell(str(v)) for v in row])
    return out.getvalue()
