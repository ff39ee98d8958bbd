"""Treatment plans (``anagen.plan/1``): a protocol turned into dated sessions and advice.

A plan is built only for a screening verdict of ``eligible`` or ``eligible_with_caution``;
otherwise its sessions are empty and its notes say why. Dates come from the caller's start
date, never the clock. Every session lies inside its window, sessions are at least 3 days
apart and at most 2 fall in any 7 days: the protocol windows in protocols.toml are set so,
and :func:`course_problems` checks it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from anagen.core.aftercare import ENGLISH, session_aftercare
from anagen.core.invalid import InvalidDocument
from anagen.core.knowledge import AftercareItem, Knowledge, Protocol
from anagen.core.rules import Context
from anagen.core.screening import Screening, screen_document, usable_protocols

__all__ = [
    "MIN_DAYS_APART",
    "PLAN_SCHEMA",
    "PriceList",
    "Session",
    "build_plan",
    "course_problems",
    "long_date",
    "plan_document",
    "read_prices",
    "schedule",
]

PLAN_SCHEMA = "anagen.plan/1"
MIN_DAYS_APART = 3
MAX_PER_7_DAYS = 2
MAX_PRICE = 1_000_000  # per session; a typo beyond this would print an absurd total
_TREATABLE = ("eligible", "eligible_with_caution")
_OFF_LABEL = (
    "Mesotherapy for hair is off-label and no protocol is standardised; the trials are small "
    "and short (S1, S2). Results are not guaranteed."
)
_SINGLE_USE = (
    "Single-use, sterile, licensed products only, with every lot number recorded (CI-23: "
    "multi-dose and homeopathic vials caused mycobacterial outbreaks)."
)


@dataclass(frozen=True)
class Session:
    number: int
    date: dt.date
    earliest: dt.date
    latest: dt.date
    phase: str

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "date": self.date.isoformat(),
            "earliest": self.earliest.isoformat(),
            "latest": self.latest.isoformat(),
            "phase": self.phase,
        }


@dataclass(frozen=True)
class PriceList:
    currency: str
    per_session: Mapping[str, float]  # protocol id -> price of one session
    default: float | None


def long_date(day: dt.date) -> str:
    """``Thursday 7 January 2027``: the way dates are written for patients."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def schedule(protocol: Protocol, start: dt.date) -> list[Session]:
    """The protocol's sessions from ``start``: planned dates and the window each may move in."""
    sessions: list[Session] = []
    planned = start
    for phase in protocol.phases:
        for _ in range(phase.count):
            if sessions:
                planned += dt.timedelta(weeks=phase.every_weeks)
            earliest = planned + dt.timedelta(days=phase.window_before)
            sessions.append(
                Session(
                    number=len(sessions) + 1,
                    date=planned,
                    earliest=max(earliest, start),
                    latest=planned + dt.timedelta(days=phase.window_after),
                    phase=phase.name,
                )
            )
    return sessions


def course_problems(sessions: Sequence[Session]) -> list[str]:
    """What breaks the course invariants (empty when none): dates outside their windows,
    sessions fewer than 3 days apart, more than 2 sessions in any 7 days."""
    problems = [
        f"session {s.number} is outside its window"
        for s in sessions
        if not s.earliest <= s.date <= s.latest
    ]
    dates = sorted(s.date for s in sessions)
    for first, second in itertools.pairwise(dates):
        if (second - first).days < MIN_DAYS_APART:
            problems.append(f"sessions on {first} and {second} are under 3 days apart")
    for first, third in zip(dates, dates[MAX_PER_7_DAYS:], strict=False):
        if (third - first).days < 7:
            problems.append(f"more than 2 sessions in the 7 days from {first}")
    return problems


def build_plan(
    ctx: Context,
    screening: Screening,
    *,
    start: dt.date,
    protocol_id: str | None = None,
    prices: PriceList | None = None,
) -> dict[str, Any]:
    """The ``anagen.plan/1`` document for a screened intake."""
    plan = _empty(screening, prices)
    if screening.verdict not in _TREATABLE:
        plan["notes"] = _why_not(screening)
        return plan
    protocol, why = _choose(ctx, screening, protocol_id)
    if protocol is None:
        plan["notes"] = [why]
        return plan
    ingredients = _ingredients(ctx, screening, protocol)
    try:
        sessions = schedule(protocol, start)
        maintenance = _maintenance(protocol, sessions)
    except OverflowError:
        raise InvalidDocument("start", "is too far in the future for the course to fit") from None
    plan.update(
        protocol=_protocol_json(protocol),
        ingredients=ingredients,
        sessions=[s.as_json() for s in sessions],
        review=_review(protocol, sessions, start),
        maintenance=maintenance,
        aftercare=_aftercare(ctx.kb.aftercare, sessions),
        notes=_notes(ctx, screening, protocol, ingredients),
        cost=_cost(prices, protocol, len(sessions)),
    )
    return plan


def plan_document(
    doc: object,
    kb: Knowledge,
    *,
    start: dt.date,
    protocol_id: str | None = None,
    prices: PriceList | None = None,
) -> dict[str, Any]:
    """Read and screen an intake document, then plan it (InvalidDocument if it is bad)."""
    ctx, screening = screen_document(doc, kb)
    return build_plan(ctx, screening, start=start, protocol_id=protocol_id, prices=prices)


def _empty(screening: Screening, prices: PriceList | None) -> dict[str, Any]:
    return {
        "schema": PLAN_SCHEMA,
        "screening": screening.as_json(),
        "protocol": None,
        "ingredients": [],
        "sessions": [],
        "review": None,
        "maintenance": None,
        "aftercare": [],
        "notes": [],
        "cost": {"currency": prices.currency if prices else None, "total": None},
    }


def _why_not(screening: Screening) -> list[str]:
    reasons = {
        "not_eligible": "No course is planned: mesotherapy is not suitable for this patient.",
        "defer": "No course is planned yet: treatment is deferred until the issues below resolve.",
        "incomplete": "No course is planned yet: facts the screening needs are missing.",
    }
    notes = [reasons[screening.verdict]]
    notes += [f.message for f in screening.findings if f.severity in ("absolute", "temporary")]
    notes += [f"Missing: {n.field}. {n.reason}" for n in screening.missing]
    return notes


def _choose(
    ctx: Context, screening: Screening, protocol_id: str | None
) -> tuple[Protocol | None, str]:
    usable = usable_protocols(ctx, screening.excluded)
    if protocol_id is not None:
        if protocol_id not in ctx.kb.protocols:
            allowed = ", ".join(ctx.kb.protocols)
            raise InvalidDocument(
                "protocol", f"unknown protocol {protocol_id!r}; allowed: {allowed}"
            )
        chosen = next((p for p in usable if p.id == protocol_id), None)
        why = f"Protocol {protocol_id} does not fit this patient's diagnosis, sex or screening."
        return chosen, why
    requested = ctx.intake.requested
    if requested is None:
        return screening.protocol, "No protocol fits this patient."
    wanted = frozenset(requested) - screening.excluded
    for protocol in usable:
        actives = {i.id for i in protocol.ingredients if i.role == "active"}
        if actives <= wanted and wanted & {i.id for i in protocol.ingredients}:
            return protocol, ""
    return None, "No protocol in the knowledge base gives the requested ingredients."


def _ingredients(ctx: Context, screening: Screening, protocol: Protocol) -> list[dict[str, str]]:
    keep = screening.treatment if ctx.intake.requested is not None else None
    return [
        {"id": i.id, "name": ctx.kb.ingredients[i.id].name, "concentration": i.concentration}
        for i in protocol.ingredients
        if i.id not in screening.excluded and (keep is None or i.id in keep)
    ]


def _protocol_json(protocol: Protocol) -> dict[str, Any]:
    return {
        "id": protocol.id,
        "name": protocol.name,
        "patient_name": protocol.patient_name,
        "sources": list(protocol.sources),
        "evidence": protocol.evidence,
        "evidence_note": protocol.evidence_note,
        "volume_ml": protocol.volume_ml,
        "technique": protocol.technique,
    }


def _review(protocol: Protocol, sessions: Sequence[Session], start: dt.date) -> dict[str, Any]:
    day = start + dt.timedelta(weeks=protocol.review_weeks)
    after = max(s.number for s in sessions if s.date <= day)
    return {
        "date": day.isoformat(),
        "after_session": after,
        "weeks": protocol.review_weeks,
        "measure": protocol.review_measure,
    }


def _maintenance(protocol: Protocol, sessions: Sequence[Session]) -> dict[str, Any]:
    every = int(protocol.maintenance["every_weeks"])
    first = sessions[-1].date + dt.timedelta(weeks=every)
    return {
        "every_weeks": every,
        "sessions": int(protocol.maintenance["sessions"]),
        "first": first.isoformat(),
        "note": str(protocol.maintenance.get("note", "")),
    }


def _aftercare(items: Sequence[AftercareItem], sessions: Sequence[Session]) -> list[dict[str, Any]]:
    return [
        {
            "session": session.number,
            "item": a["id"],
            "until": a["until"],
            "text": a["text"],
            "basis": a["basis"],
            "sources": a["sources"],
        }
        for session in sessions
        for a in session_aftercare(items, session.date, ENGLISH)
    ]


def _notes(
    ctx: Context, screening: Screening, protocol: Protocol, ingredients: Sequence[Mapping[str, str]]
) -> list[str]:
    kb, given = ctx.kb, {i["id"] for i in ingredients}
    notes = [_OFF_LABEL]  # the protocol's own evidence note is plan["protocol"]["evidence_note"]
    if protocol.disagreement:
        notes.append(f"Where sources disagree: {protocol.disagreement}")
    dropped = [i.id for i in protocol.ingredients if i.id not in given]
    if dropped:
        notes.append(f"Left out of the protocol's cocktail: {', '.join(_names(kb, dropped))}.")
    notes += _adjuncts(ctx, screening, given)
    notes.append(_SINGLE_USE)
    return notes


def _adjuncts(ctx: Context, screening: Screening, given: set[str]) -> list[str]:
    sex = ctx.intake.patient.sex
    return [
        f"Alongside: {a.text}"
        for a in ctx.kb.adjuncts
        if a.ingredient not in screening.excluded
        and (not a.sexes or sex in a.sexes)
        and (not a.with_ingredient or a.with_ingredient in given)
        and not (a.ingredient == "finasteride" and ctx.childbearing)
    ]


def _names(kb: Knowledge, ids: Sequence[str]) -> list[str]:
    return [kb.ingredients[i].name for i in ids]


def _cost(prices: PriceList | None, protocol: Protocol, count: int) -> dict[str, Any]:
    if prices is None:
        return {"currency": None, "total": None, "per_session": None}
    each = prices.per_session.get(protocol.id, prices.default)
    total = None if each is None else round(each * count, 2)
    return {"currency": prices.currency, "total": total, "per_session": each}


def read_prices(doc: object, field: str = "prices") -> PriceList:
    """A price list ``{"currency": "EUR", "per_session": {protocol: price}, "default": price}``."""
    if not isinstance(doc, Mapping):
        raise InvalidDocument(field, "must be an object")
    unknown = set(doc) - {"currency", "per_session", "default"}
    if unknown:
        raise InvalidDocument(
            f"{field}.{min(unknown)}", "unknown key; allowed: currency, per_session, default"
        )
    currency = doc.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise InvalidDocument(f"{field}.currency", "must be a three-letter ISO 4217 code, e.g. EUR")
    per_session = doc.get("per_session", {})
    if not isinstance(per_session, Mapping):
        raise InvalidDocument(f"{field}.per_session", "must be an object of protocol: price")
    prices = {str(k): _price(v, f"{field}.per_session.{k}") for k, v in per_session.items()}
    default = doc.get("default")
    return PriceList(
        currency.upper(), prices, None if default is None else _price(default, f"{field}.default")
    )


def _price(value: object, field: str) -> float:
    finite = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not finite or not 0 <= value <= MAX_PRICE:  # type: ignore[operator]
        raise InvalidDocument(field, f"must be a price from 0 to {MAX_PRICE:,}")
    return float(value)  # type: ignore[arg-type]
