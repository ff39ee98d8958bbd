"""Consent documents (``anagen.consent/1``): the exact text a patient reads before signing.

A treatment consent is the clinic's own words, then the plan filled in (course, mixture, dates,
review, the plan's evidence note and notes), then every risk of ``consent_risks.toml`` with its
sources. A photography consent is the clinic's words, what the photos are for and how to
withdraw. The builder is pure: the caller passes the date, the template and the plan, so a
signed consent can be rebuilt and compared, and a later change to a template or to the risks
file never alters what a patient agreed to.

A drawn signature arrives as SVG path data from the browser. It is never trusted as markup:
:func:`read_signature` keeps only absolute move and line commands with numbers inside the
signature box, and :func:`signature_svg` builds the picture from those alone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from anagen.core.invalid import InvalidDocument
from anagen.core.knowledge import load as load_knowledge

__all__ = [
    "CONSENT_SCHEMA",
    "KINDS",
    "RISK_GROUPS",
    "SIGNATURE_HEIGHT",
    "SIGNATURE_WIDTH",
    "ConsentRisk",
    "RiskSource",
    "consent_document",
    "load_risks",
    "read_risks",
    "read_signature",
    "signature_svg",
]

CONSENT_SCHEMA = "anagen.consent/1"
PLAN_SCHEMA = "anagen.plan/1"
KINDS = ("treatment", "photography")
RISK_GROUPS = {
    "common": "Common effects",
    "rare": "Rare but serious risks",
    "about": "About this treatment",
}

PHOTO_USES = (
    "To record how your scalp and hair look before treatment and at each review, so that you "
    "and your clinician can see whether the treatment is working.",
    "To keep in your clinical record, which only the staff caring for you at {clinic} can see.",
    "For nothing else: not for advertising, teaching, publication or social media, unless you "
    "agree to that separately, in writing.",
)
PHOTO_WITHDRAW = (
    "Saying no does not change your treatment. You can withdraw this consent at any time by "
    "telling us; we will then take no more photos. Photos already taken stay in your clinical "
    "record, because a medical record is kept, not deleted, but they are used for nothing new."
)
STATEMENTS = {
    "treatment": (
        "I have read this form, or had it read to me. I have had the chance to ask questions and "
        "I am satisfied with the answers. I understand the risks listed above, that the medicines "
        "are used off-label and that results are not guaranteed. I agree to have this course of "
        "treatment, and I know that I can stop at any time."
    ),
    "photography": (
        "I agree to have clinical photos of my scalp taken and used as described above. I know "
        "that I can withdraw this consent at any time."
    ),
}


# --- Risks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskSource:
    id: str
    citation: str


@dataclass(frozen=True)
class ConsentRisk:
    """One risk or limit the patient is told about; ``frequency`` is empty when unknown."""

    id: str
    group: str
    title: str
    text: str
    frequency: str
    sources: tuple[RiskSource, ...]
    evidence: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "group": self.group,
            "title": self.title,
            "text": self.text,
            "frequency": self.frequency,
            "sources": [{"id": s.id, "citation": s.citation} for s in self.sources],
            "evidence": self.evidence,
        }


def load_risks() -> tuple[ConsentRisk, ...]:
    """The bundled risks, checked against the knowledge base's sources (read once)."""
    return _bundled_risks()


@cache
def _bundled_risks() -> tuple[ConsentRisk, ...]:
    text = (files("anagen.core") / "data" / "knowledge" / "consent_risks.toml").read_text("utf-8")
    kb = load_knowledge()
    citations = {key: source.citation for key, source in kb.sources.items()}
    return read_risks(tomllib.loads(text), citations, kb.evidence_tags)


_RISK_KEYS = frozenset({"id", "group", "title", "text", "frequency", "sources", "evidence", "note"})


def read_risks(
    data: Mapping[str, Any], citations: Mapping[str, str], evidence_tags: Collection[str]
) -> tuple[ConsentRisk, ...]:
    """Read the parsed risks file; ValueError names the record and what is wrong with it."""
    risks: list[ConsentRisk] = []
    for record in data.get("risk", []):
        risk = _risk(record, citations, evidence_tags)
        if any(r.id == risk.id for r in risks):
            raise ValueError(f"consent risk {risk.id!r} is listed twice")
        risks.append(risk)
    if not risks:
        raise ValueError("consent risks: the file lists no risk")
    return tuple(risks)


def _risk(
    r: Mapping[str, Any], citations: Mapping[str, str], evidence_tags: Collection[str]
) -> ConsentRisk:
    name = r.get("id", "?")
    unknown = set(r) - _RISK_KEYS
    if unknown:
        raise ValueError(f"consent risk {name!r}: unknown field {min(unknown)!r}")
    for key in ("id", "title", "text"):
        if not str(r.get(key, "")).strip():
            raise ValueError(f"consent risk {name!r}: {key} is empty")
    if r.get("group") not in RISK_GROUPS:
        raise ValueError(f"consent risk {name!r}: group must be one of {sorted(RISK_GROUPS)}")
    if r.get("evidence") not in evidence_tags:
        raise ValueError(f"consent risk {name!r}: unknown evidence tag {r.get('evidence')!r}")
    sources = tuple(str(s) for s in r.get("sources", ()))
    if not sources:
        raise ValueError(f"consent risk {name!r}: every risk names its sources")
    missing = [s for s in sources if s not in citations]
    if missing:
        raise ValueError(f"consent risk {name!r} cites unknown source {missing[0]!r}")
    return ConsentRisk(
        id=str(r["id"]), group=str(r["group"]), title=str(r["title"]), text=str(r["text"]),
        frequency=str(r.get("frequency", "")),
        sources=tuple(RiskSource(s, citations[s]) for s in sources), evidence=str(r["evidence"]),
    )  # fmt: skip


# --- The document --------------------------------------------------------------------------------


def consent_document(
    *,
    kind: str,
    template_title: str,
    template_body: str,
    template_version: int,
    plan: Mapping[str, Any] | None,
    risks: Sequence[ConsentRisk],
    patient_name: str,
    clinic_name: str,
    today: date,
) -> dict[str, Any]:
    """The ``anagen.consent/1`` document the patient reads and signs.

    A treatment consent needs an ``anagen.plan/1`` plan with sessions and lists every risk; a
    photography consent takes no plan and lists the photos' uses instead. InvalidDocument
    names the argument that is wrong.
    """
    if kind not in KINDS:
        raise InvalidDocument("kind", f"must be one of {', '.join(KINDS)}")
    if kind == "treatment" and plan is None:
        raise InvalidDocument("plan", "is required: a treatment consent is for one plan")
    if kind == "photography" and plan is not None:
        raise InvalidDocument("plan", "must be left out: a photography consent is not for a plan")
    document: dict[str, Any] = {
        "schema": CONSENT_SCHEMA,
        "kind": kind,
        "title": template_title.strip(),
        "template_version": template_version,
        "clinic": clinic_name,
        "patient": patient_name,
        "date": today.isoformat(),
        "body": paragraphs(template_body),
    }
    if plan is not None:
        document["treatment"] = _treatment(plan)
        document["risks"] = [risk.as_json() for risk in risks]
    else:
        document["photography"] = {
            "uses": [use.format(clinic=clinic_name) for use in PHOTO_USES],
            "withdraw": PHOTO_WITHDRAW,
        }
    document["statement"] = STATEMENTS[kind]
    return document


def paragraphs(text: str) -> list[str]:
    """The clinic's text split at blank lines; line breaks inside a paragraph are kept."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [block.strip() for block in blocks if block.strip()]


def _treatment(plan: Mapping[str, Any]) -> dict[str, Any]:
    if plan.get("schema") != PLAN_SCHEMA:
        raise InvalidDocument("plan", f"must be an {PLAN_SCHEMA} document")
    protocol = plan.get("protocol")
    sessions = plan.get("sessions") or []
    if not isinstance(protocol, Mapping) or not sessions:
        raise InvalidDocument(
            "plan", "plans no course of treatment, so there is nothing to consent to"
        )
    review = plan.get("review")
    return {
        "protocol": {
            "id": protocol.get("id", ""),
            "name": protocol.get("name", ""),
            "patient_name": protocol.get("patient_name", ""),
        },
        "ingredients": [
            {"name": i.get("name", i.get("id", "")), "concentration": i.get("concentration", "")}
            for i in plan.get("ingredients", [])
        ],
        "session_count": len(sessions),
        "sessions": [{"number": s["number"], "date": s["date"]} for s in sessions],
        "review": None
        if not isinstance(review, Mapping)
        else {
            "date": review.get("date"),
            "weeks": review.get("weeks"),
            "measure": review.get("measure", ""),
        },
        "evidence": protocol.get("evidence", ""),
        "evidence_note": protocol.get("evidence_note", ""),
        "notes": [str(n) for n in plan.get("notes", [])],
    }


# --- The drawn signature -------------------------------------------------------------------------

# The signature box, in the units of the path data (the browser scales the canvas to it).
SIGNATURE_WIDTH = 600
SIGNATURE_HEIGHT = 200
MAX_SIGNATURE_CHARS = 100_000
MAX_SIGNATURE_POINTS = 5_000
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")


def read_signature(raw: str) -> str:
    """The path data of a drawn signature, rewritten from its commands and numbers alone.

    Accepts absolute ``M`` and ``L`` commands, each followed by one or more x y pairs inside
    the signature box, separated by spaces or commas; at least two points. Anything else
    (markup, other commands, exponents, a point outside the box) raises InvalidDocument.
    The result is canonical: reading it again gives it back unchanged.
    """
    if len(raw) > MAX_SIGNATURE_CHARS:
        raise InvalidDocument("signature", "is too long; clear it and sign again")
    tokens = re.sub(r"([ML])", r" \1 ", raw.replace(",", " ")).split()
    strokes: list[list[tuple[float, float]]] = []
    index = 0
    while index < len(tokens):
        command = tokens[index]
        if command not in ("M", "L") or (command == "L" and not strokes):
            raise InvalidDocument("signature", "is not a drawing made on the signature pad")
        if command == "M":
            strokes.append([])
        index = _read_points(tokens, index + 1, strokes[-1])
    count = sum(len(stroke) for stroke in strokes)
    if count < 2:
        raise InvalidDocument("signature", "is empty; draw the signature or tick the box")
    if count > MAX_SIGNATURE_POINTS:
        raise InvalidDocument("signature", "has too many points; clear it and sign again")
    return " ".join(_stroke_path(stroke) for stroke in strokes)


def _read_points(tokens: list[str], index: int, stroke: list[tuple[float, float]]) -> int:
    start = index
    while index < len(tokens) and tokens[index] not in ("M", "L"):
        if index + 1 >= len(tokens):
            raise InvalidDocument("signature", "has a point without its y coordinate")
        stroke.append(_point(tokens[index], tokens[index + 1]))
        index += 2
    if index == start:
        raise InvalidDocument("signature", "has a command without a point")
    return index


def _point(x_text: str, y_text: str) -> tuple[float, float]:
    if not (_NUMBER.fullmatch(x_text) and _NUMBER.fullmatch(y_text)):
        raise InvalidDocument("signature", "is not a drawing made on the signature pad")
    x, y = round(float(x_text), 1), round(float(y_text), 1)
    if not (0 <= x <= SIGNATURE_WIDTH and 0 <= y <= SIGNATURE_HEIGHT):
        raise InvalidDocument("signature", "goes outside the signature box")
    return x, y


def _stroke_path(stroke: Sequence[tuple[float, float]]) -> str:
    points = [f"{_number(x)} {_number(y)}" for x, y in stroke]
    return "M " + " L ".join(points)


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def signature_svg(path: str) -> str:
    """An SVG picture of a signature read by :func:`read_signature` (it is read again here,
    so nothing but commands and numbers can reach the markup)."""
    clean = read_signature(path)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIGNATURE_WIDTH} '
        f'{SIGNATURE_HEIGHT}" width="{SIGNATURE_WIDTH}" height="{SIGNATURE_HEIGHT}">'
        f'<path d="{clean}" fill="none" stroke="#111" stroke-width="3" '
        'stroke-linecap="round" stroke-linejoin="round"/></svg>'
    )
