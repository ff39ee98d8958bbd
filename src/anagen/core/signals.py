"""Safety signals: clusters of infections and nodules after sessions, and an unusual rate.

Mycobacterial infections after mesotherapy came in outbreaks traced to one contaminated product
or one centre (REFERENCE.md section 1.4: Lima, Spain, Hong Kong), with onset 1-12 weeks after the
session. This module looks, as of ``today``, for:

- ``lot``: cases in ``min_cases`` or more patients that count for sessions which used one lot;
- ``practitioner``: the same for one practitioner's sessions, among the cases whose onset lies in
  the last ``window_days`` (a practitioner works for years: without the window any two cases in
  a career would be a cluster);
- ``week``: the same for sessions in one ISO week;
- ``rate``: counted cases per 1,000 sessions in the last ``window_days`` against the clinic's own
  rate in the ``rate_baseline_days`` before, by a one-sided Poisson test.

A case counts for a session when its onset is 0 to ``window_days`` days after it. A case linked
to sessions counts for those; one without linked sessions counts for every session its patient
had in the window before onset. Only the types the knowledge base marks ``counts_for_infection``
are cases. The rules and their sources are in ``data/knowledge/adverse_events.toml``.

Pure and deterministic: the same input in any order gives the same output.
"""

import bisect
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

LOT, PRACTITIONER, WEEK, RATE = "lot", "practitioner", "week", "rate"
KINDS = (LOT, PRACTITIONER, WEEK, RATE)


@dataclass(frozen=True)
class SessionRecord:
    """A signed session: when, for whom, by whom, and the lots it used."""

    id: str
    patient: str
    day: dt.date
    practitioner: str
    lots: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseRecord:
    """An adverse event: its type id, onset and the sessions staff linked it to (may be none)."""

    event: str
    patient: str
    type: str
    onset: dt.date
    sessions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignalRules:
    """The parameters of adverse_events.toml, with the counted event types."""

    counted_types: frozenset[str]
    window_days: int = 84
    min_cases: int = 2
    rate_baseline_days: int = 365
    rate_alpha: float = 0.01
    rate_min_cases: int = 3
    rate_floor_per_1000: float = 1.0
    rate_min_baseline_sessions: int = 500


@dataclass(frozen=True)
class Finding:
    """One signal: what it is about (kind and key), the cases (event ids) and their patients,
    the sessions those cases count for in this group, the exposed patients, and the period of the
    group's sessions that exposed them. ``figures`` holds the rate test's numbers."""

    kind: str
    key: str
    cases: tuple[str, ...]
    patients: tuple[str, ...]
    sessions: tuple[str, ...]
    exposed: tuple[str, ...]
    first_day: dt.date
    last_day: dt.date
    figures: Mapping[str, float | None] = field(default_factory=dict)


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class History:
    """A clinic's signed sessions, indexed once for many questions (the bench asks daily)."""

    def __init__(self, sessions: Iterable[SessionRecord]) -> None:
        ordered = sorted(sessions, key=lambda s: (s.day, s.id))
        self.by_id = {s.id: s for s in ordered}
        self.days = [s.day for s in ordered]
        self.by_patient = _index(ordered, lambda s: (s.patient,))
        self.by_lot = _index(ordered, lambda s: s.lots)
        self.by_practitioner = _index(ordered, lambda s: (s.practitioner,))
        self.by_week = _index(ordered, lambda s: (iso_week(s.day),))
        self._ordered = ordered
        self._practitioner_days = {
            key: [s.day for s in rows] for key, rows in self.by_practitioner.items()
        }

    def count(self, first: dt.date, last: dt.date) -> int:
        """Sessions from ``first`` to ``last``, both included."""
        return bisect.bisect_right(self.days, last) - bisect.bisect_left(self.days, first)

    def between(
        self, first: dt.date, last: dt.date, practitioner: str | None = None
    ) -> list[SessionRecord]:
        """Sessions from ``first`` to ``last``, both included, of one practitioner if named."""
        if practitioner is None:
            days, pool = self.days, self._ordered
        else:
            days = self._practitioner_days.get(practitioner, [])
            pool = self.by_practitioner.get(practitioner, [])
        return pool[bisect.bisect_left(days, first) : bisect.bisect_right(days, last)]


def _index(
    sessions: Sequence[SessionRecord], keys: Callable[[SessionRecord], Iterable[str]]
) -> dict[str, list[SessionRecord]]:
    out: dict[str, list[SessionRecord]] = defaultdict(list)
    for session in sessions:
        for key in keys(session):
            out[key].append(session)
    return dict(out)


def exposure(history: History, case: CaseRecord, window_days: int) -> tuple[SessionRecord, ...]:
    """The sessions a case counts for: onset 0 to ``window_days`` days after the session, among
    its linked sessions, or its patient's sessions when none of its links is a known session of
    that patient (a link to someone else's session is ignored)."""
    own = [history.by_id.get(s) for s in case.sessions]
    linked = [s for s in own if s is not None and s.patient == case.patient]
    pool = linked or history.by_patient.get(case.patient, [])
    return tuple(
        sorted(
            (s for s in pool if 0 <= (case.onset - s.day).days <= window_days),
            key=lambda s: (s.day, s.id),
        )
    )


def detect(
    history: History, cases: Iterable[CaseRecord], today: dt.date, rules: SignalRules
) -> tuple[Finding, ...]:
    """Every signal as of ``today`` (sessions and onsets after it are ignored), ordered by kind
    then key."""
    counted = sorted(
        (c for c in cases if c.type in rules.counted_types and c.onset <= today),
        key=lambda c: (c.onset, c.event),
    )
    exposures = {c.event: exposure(history, c, rules.window_days) for c in counted}
    recent_from = today - dt.timedelta(days=rules.window_days - 1)
    recent = [c for c in counted if c.onset >= recent_from]
    findings = [
        *_clusters(LOT, counted, exposures, lambda s: s.lots, rules),
        *_clusters(PRACTITIONER, recent, exposures, lambda s: (s.practitioner,), rules),
        *_clusters(WEEK, counted, exposures, lambda s: (iso_week(s.day),), rules),
    ]
    found = [_with_exposed(history, f, today) for f in findings]
    rate = _rate(history, counted, today, rules)
    every = [*found, *([rate] if rate else [])]
    return tuple(sorted(every, key=lambda f: (KINDS.index(f.kind), f.key)))


def _clusters(
    kind: str,
    cases: Sequence[CaseRecord],
    exposures: Mapping[str, tuple[SessionRecord, ...]],
    groups: Callable[[SessionRecord], Iterable[str]],
    rules: SignalRules,
) -> list[Finding]:
    """Groups whose sessions have cases in ``min_cases`` or more patients. The period is from
    ``window_days`` before the first case's onset to the last case's onset: when the cases could
    have been caught."""
    members: dict[str, dict[str, CaseRecord]] = defaultdict(dict)
    sessions: dict[str, set[str]] = defaultdict(set)
    for case in cases:
        for session in exposures[case.event]:
            for key in groups(session):
                members[key][case.event] = case
                sessions[key].add(session.id)
    out = []
    for key, group in members.items():
        patients = sorted({c.patient for c in group.values()})
        if len(patients) < rules.min_cases:
            continue
        onsets = [c.onset for c in group.values()]
        out.append(
            Finding(
                kind,
                key,
                tuple(sorted(group)),
                tuple(patients),
                tuple(sorted(sessions[key])),
                (),
                min(onsets) - dt.timedelta(days=rules.window_days),
                max(onsets),
            )
        )
    return out


def _with_exposed(history: History, finding: Finding, today: dt.date) -> Finding:
    """Fill in the exposed patients and the period of their sessions: every patient who had a
    session with the lot; the patients of the week's sessions; the patients of the
    practitioner's sessions in the period when the cases could have been caught."""
    if finding.kind == LOT:
        pool = history.by_lot.get(finding.key, [])
    elif finding.kind == WEEK:
        pool = history.by_week.get(finding.key, [])
    else:
        pool = history.between(finding.first_day, finding.last_day, finding.key)
    pool = [s for s in pool if s.day <= today]
    days = [s.day for s in pool]
    return Finding(
        finding.kind,
        finding.key,
        finding.cases,
        finding.patients,
        finding.sessions,
        tuple(sorted({s.patient for s in pool} | set(finding.patients))),
        min(days),
        max(days),
    )


def _rate(
    history: History, counted: Sequence[CaseRecord], today: dt.date, rules: SignalRules
) -> Finding | None:
    start = today - dt.timedelta(days=rules.window_days - 1)
    base_first = start - dt.timedelta(days=rules.rate_baseline_days)
    base_last = start - dt.timedelta(days=1)
    recent = [c for c in counted if start <= c.onset <= today]
    k = len({c.patient for c in recent})
    if k < rules.rate_min_cases:
        return None
    n = history.count(start, today)
    n0 = history.count(base_first, base_last)
    k0 = len({c.patient for c in counted if base_first <= c.onset <= base_last})
    own = 1000 * k0 / n0 if n0 >= rules.rate_min_baseline_sessions else 0.0
    used = max(own, rules.rate_floor_per_1000)
    expected = used * n / 1000
    p = poisson_tail(k, expected)
    if p >= rules.rate_alpha:
        return None
    pool = history.between(start, today)
    figures: dict[str, float | None] = {
        "cases": float(k),
        "sessions": float(n),
        "per_1000": 1000 * k / n if n else None,
        "baseline_cases": float(k0),
        "baseline_sessions": float(n0),
        "baseline_per_1000": 1000 * k0 / n0 if n0 else 0.0,
        "rate_used_per_1000": used,
        "expected": expected,
        "p": p,
    }
    return Finding(
        RATE,
        f"{start.isoformat()}/{today.isoformat()}",
        tuple(sorted(c.event for c in recent)),
        tuple(sorted({c.patient for c in recent})),
        tuple(s.id for s in pool),
        tuple(sorted({s.patient for s in pool})),
        start,
        today,
        figures,
    )


def poisson_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean).

    Computed with the math module, term by term in log space (``lgamma``): the project has no
    scipy, and the counts here are small. The shorter of the two sums is used: the upper tail
    directly when k is above the mean, one minus the lower sum otherwise.
    """
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    log_mean = math.log(mean)

    def term(i: int) -> float:
        return math.exp(i * log_mean - mean - math.lgamma(i + 1))

    if k <= mean:
        return max(0.0, 1.0 - math.fsum(term(i) for i in range(k)))
    terms = []
    running = 0.0
    i = k
    while True:  # the terms fall faster than geometrically once i is above the mean
        value = term(i)
        terms.append(value)
        running += value
        if value <= running * 1e-17:
            return min(1.0, math.fsum(terms))
        i += 1
