"""Builders for valid ``anagen.intake/1`` documents, for the core screening tests.

``man()`` is an adult man with androgenetic alopecia, Norwood III; ``woman()`` a premenopausal
woman with female pattern hair loss, Ludwig I, on reliable contraception with a recent negative
pregnancy test. Both are assessed on ``ASSESSED_ON`` and have nothing else on record. Keyword
arguments override a top-level section: a dict is merged into the base's dict (a ``None`` value
removes the key, so the fact becomes unknown), anything else replaces the section.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from anagen.core.intake import INTAKE_SCHEMA

__all__ = [
    "ASSESSED_ON",
    "born_aged",
    "condition",
    "days_ago",
    "man",
    "medication",
    "months_ago",
    "woman",
]

ASSESSED_ON = dt.date(2026, 11, 20)

Document = dict[str, Any]


def man(**sections: Any) -> Document:
    """A 40-year-old man with androgenetic alopecia, Norwood III, nothing else on record."""
    base: Document = {
        "schema": INTAKE_SCHEMA,
        "assessed_on": ASSESSED_ON.isoformat(),
        "patient": {"birth_date": born_aged(40), "sex": "male"},
        "hair_loss": {
            "diagnosis": "L64.9",
            "onset_months_ago": 24,
            "stage": {"scale": "norwood", "value": "III"},
        },
    }
    return _with(base, sections)


def woman(**sections: Any) -> Document:
    """A 32-year-old premenopausal woman with female pattern hair loss, Ludwig I, not pregnant,
    on reliable contraception, with a negative pregnancy test two days ago."""
    base: Document = {
        "schema": INTAKE_SCHEMA,
        "assessed_on": ASSESSED_ON.isoformat(),
        "patient": {
            "birth_date": born_aged(32),
            "sex": "female",
            "pregnancy": "no",
            "postmenopausal": False,
            "reliable_contraception": True,
            "negative_pregnancy_test_on": days_ago(2),
        },
        "hair_loss": {
            "diagnosis": "L64.9",
            "onset_months_ago": 24,
            "stage": {"scale": "ludwig", "value": "I"},
        },
    }
    return _with(base, sections)


def born_aged(years: int, *, on: dt.date = ASSESSED_ON) -> str:
    """A birth date that makes the patient exactly ``years`` old on ``on`` (birthday that day)."""
    try:
        return on.replace(year=on.year - years).isoformat()
    except ValueError:  # born on 29 February, in a year that has none
        return dt.date(on.year - years, 2, 28).isoformat()


def days_ago(days: int) -> str:
    return (ASSESSED_ON - dt.timedelta(days=days)).isoformat()


def months_ago(months: int) -> str:
    """The same day of the month, ``months`` calendar months before ASSESSED_ON."""
    index = ASSESSED_ON.year * 12 + ASSESSED_ON.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(ASSESSED_ON.day, 28)).isoformat()


def condition(icd10: str, *, onset: str | None = None) -> dict[str, str]:
    return {"icd10": icd10} if onset is None else {"icd10": icd10, "onset": onset}


def medication(atc: str, *, stopped_on: str | None = None) -> dict[str, str]:
    return {"atc": atc} if stopped_on is None else {"atc": atc, "stopped_on": stopped_on}


def _with(base: Document, sections: dict[str, Any]) -> Document:
    doc = copy.deepcopy(base)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            merged = {**doc[key], **copy.deepcopy(value)}
            doc[key] = {k: v for k, v in merged.items() if v is not None}
        elif value is None:
            doc.pop(key, None)
        else:
            doc[key] = copy.deepcopy(value)
    return doc
