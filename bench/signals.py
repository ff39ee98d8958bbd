"""False alarms and detection of the safety-signal rules over simulated clinic histories.

    uv run --no-sync python bench/signals.py [--histories 200] [--seed 1] [--rates 1,2,3]
                                             [--linked both|yes|no] [--years 3]
                                             [--variant all|issue|three|excess]

(about 30 minutes on one core with the defaults; --histories 20 gives the picture in 3.)

Each history is one clinic over ``--years`` years (the first is a warm-up: courses reach a
steady state and the rate test gets its 12-month baseline): about 40 sessions a week by 3
practitioners; patients arrive for courses of 7 to 11 sessions (the protocols' patterns: weekly
then spaced out, or fortnightly) and see their own practitioner four times in five; every session
uses one lot of each of 3 ingredients, chosen among the 3 or 4 lots open for that ingredient
(about 10 lots in use at a time; a lot holds 30 units and is replaced when empty).

Noise: every session gives a counted case (nodule, abscess, infection) with probability
``rate / 1000``, independently of lot, practitioner and week; onset 7 to 84 days later (NTM onset
1-12 weeks, REFERENCE.md 1.4). No published per-session rate exists for hair mesotherapy; 1-3 per
1,000 sessions is the brief's assumption.

Cases are either linked by staff to the session that caused them (``linked``) or left unlinked,
so that they count for every session of the patient in the 84 days before onset (``unlinked``).

The job runs every day of the years after the warm-up. An alarm is a signal that appears, or an
existing one that gains a case it did not have (staff review and close every alarm, and a closed
signal that gains a case reopens); rate signals that share a case are one signal, as in the
service. False alarms are reported per clinic-year for each kind.

Detection: the same histories with one planted cluster each, of 2 or 3 cases in distinct
patients, onsets 7-84 days after their sessions: sessions that used one lot; sessions of one
practitioner within four weeks; sessions in one ISO week. The rate scenario adds an outbreak at
5 extra cases per 1,000 sessions for 12 weeks. Detected = the planted lot, practitioner or week
raised a signal holding at least two planted cases (for the rate, any rate signal holding a
planted case), within 84 days of the last planted onset.

Variants: ``issue`` is the rule as the issue states it (and as anagen.core.signals runs it);
``three`` asks 3 patients per cluster instead of 2; ``excess`` keeps a cluster only when its
count is unlikely by chance given the sessions at risk (a one-sided Poisson test at 0.05). The
last two are proposals measured here, not what the job does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from anagen.core import adverse_events
from anagen.core.signals import (
    KINDS,
    LOT,
    PRACTITIONER,
    RATE,
    WEEK,
    CaseRecord,
    Finding,
    History,
    SessionRecord,
    SignalRules,
    detect,
    iso_week,
    poisson_tail,
)

START = dt.date(2025, 1, 6)
COURSES = (  # weeks of each session after the first
    (0, 1, 2, 3, 5, 7, 11),
    (0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 15),
    (0, 2, 4, 6, 8, 10, 12, 14),
)
INGREDIENT_LOTS = (3, 3, 4)
LOT_UNITS = 30
PRACTITIONERS = ("P1", "P2", "P3")
ARRIVALS_PER_DAY = 0.65  # about 40 sessions a week at steady state
OUTBREAKS = (5.0, 10.0)  # extra cases per 1,000 sessions for 12 weeks
EXCESS_ALPHA = 0.05


@dataclass
class Clinic:
    sessions: list[SessionRecord]
    days: int


def simulate(rng: random.Random, years: int) -> Clinic:
    """Sessions of one clinic: patients arriving for courses, lots used up and replaced."""
    days = years * 365
    planned: list[tuple[dt.date, str, str]] = []
    for day in range(days):
        for _ in range(_poisson(rng, ARRIVALS_PER_DAY)):
            patient = f"pt{len(planned)}-{day}"
            own = rng.choice(PRACTITIONERS)
            start = START + dt.timedelta(days=day)
            for week in rng.choice(COURSES):
                when = start + dt.timedelta(days=7 * week + rng.randint(-1, 2))
                who = own if rng.random() < 0.8 else rng.choice(PRACTITIONERS)
                if (when - START).days < days:
                    planned.append((when, patient, who))
    planned.sort()
    open_lots = [
        [(f"i{i}-l{n}", LOT_UNITS) for n in range(k)] for i, k in enumerate(INGREDIENT_LOTS)
    ]
    made = [k for k in INGREDIENT_LOTS]
    sessions = []
    for number, (when, patient, who) in enumerate(planned):
        lots = []
        for ingredient, shelf in enumerate(open_lots):
            slot = rng.randrange(len(shelf))
            lot, left = shelf[slot]
            lots.append(lot)
            if left > 1:
                shelf[slot] = (lot, left - 1)
            else:
                shelf[slot] = (f"i{ingredient}-l{made[ingredient]}", LOT_UNITS)
                made[ingredient] += 1
        sessions.append(SessionRecord(f"s{number}", patient, when, who, tuple(lots)))
    return Clinic(sessions, days)


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def noise(rng: random.Random, clinic: Clinic, rate: float, linked: bool) -> list[CaseRecord]:
    cases = []
    for session in clinic.sessions:
        if rng.random() < rate / 1000:
            cases.append(_case(rng, session, linked, f"n{len(cases)}"))
    return cases


def _case(rng: random.Random, session: SessionRecord, linked: bool, name: str) -> CaseRecord:
    onset = session.day + dt.timedelta(days=rng.randint(7, 84))
    return CaseRecord(name, session.patient, "nodule", onset, (session.id,) if linked else ())


# --- Planted clusters ---------------------------------------------------------------------------


def plant(
    rng: random.Random, clinic: Clinic, kind: str, size: int, linked: bool
) -> tuple[str, list[CaseRecord]]:
    """A cluster of ``size`` cases in distinct patients, in the years after the warm-up; the key
    it should be found under, and its cases."""
    first = START + dt.timedelta(days=400)
    last = START + dt.timedelta(days=clinic.days - 120)
    eligible = [s for s in clinic.sessions if first <= s.day <= last]
    anchor = rng.choice(eligible)
    if kind == LOT:
        key = rng.choice(anchor.lots)
        pool = [s for s in eligible if key in s.lots]
    elif kind == PRACTITIONER:
        key = anchor.practitioner
        end = anchor.day + dt.timedelta(days=28)
        pool = [s for s in eligible if s.practitioner == key and anchor.day <= s.day <= end]
    else:
        key = iso_week(anchor.day)
        pool = [s for s in eligible if iso_week(s.day) == key]
    chosen: dict[str, SessionRecord] = {}
    for session in rng.sample(pool, len(pool)):
        chosen.setdefault(session.patient, session)
        if len(chosen) == size:
            break
    picked = sorted(chosen.values(), key=lambda s: s.id)
    return key, [_case(rng, s, linked, f"p{i}") for i, s in enumerate(picked)]


def outbreak(rng: random.Random, clinic: Clinic, linked: bool, extra: float) -> list[CaseRecord]:
    """``extra`` more cases per 1,000 sessions for 12 weeks, after the warm-up."""
    begin = START + dt.timedelta(days=rng.randint(400, clinic.days - 200))
    end = begin + dt.timedelta(days=84)
    return [
        _case(rng, s, linked, f"p{s.id}")
        for s in clinic.sessions
        if begin <= s.day < end and rng.random() < extra / 1000
    ]


# --- Running the job every day ------------------------------------------------------------------

Judge = Callable[[History, list[CaseRecord], Finding, dt.date], bool]


def as_issue_states(
    history: History, cases: list[CaseRecord], finding: Finding, today: dt.date
) -> bool:
    return True


def with_excess_test(rules: SignalRules, alpha: float = EXCESS_ALPHA) -> Judge:
    """The proposed change: a lot, practitioner or week cluster alarms only when its count of
    patients is unlikely by chance, P(X >= k) < ``alpha`` for X ~ Poisson(expected). Expected is
    the clinic's rate (as in the rate test: its own over the year before, at least the floor)
    times the sessions at risk: each exposed patient's sessions from 84 days before their first
    session in the group to 77 days after their last, whose cases could count for it."""

    def judge(history: History, cases: list[CaseRecord], finding: Finding, today: dt.date) -> bool:
        if finding.kind == RATE:
            return True
        per_session = _clinic_rate(history, cases, today, rules) / 1000
        expected = per_session * _at_risk(history, finding, today, rules.window_days)
        return poisson_tail(len(finding.patients), expected) < alpha

    return judge


def _clinic_rate(
    history: History, cases: list[CaseRecord], today: dt.date, rules: SignalRules
) -> float:
    last = today - dt.timedelta(days=rules.window_days)
    first = last - dt.timedelta(days=rules.rate_baseline_days)
    sessions = history.count(first, last)
    patients = {c.patient for c in cases if first <= c.onset <= last}
    own = 1000 * len(patients) / sessions if sessions >= rules.rate_min_baseline_sessions else 0
    return max(own, rules.rate_floor_per_1000)


def _at_risk(history: History, finding: Finding, today: dt.date, window: int) -> int:
    if finding.kind == LOT:
        group = history.by_lot.get(finding.key, [])
    elif finding.kind == WEEK:
        group = history.by_week.get(finding.key, [])
    else:
        group = history.between(finding.first_day, finding.last_day, finding.key)
    days: dict[str, list[dt.date]] = defaultdict(list)
    for session in group:
        if session.day <= today:
            days[session.patient].append(session.day)
    total = 0
    for patient, mine in days.items():
        first = min(mine) - dt.timedelta(days=window)
        last = min(max(mine) + dt.timedelta(days=window - 7), today)
        total += sum(1 for s in history.by_patient[patient] if first <= s.day <= last)
    return total


def alarms(
    history: History,
    cases: list[CaseRecord],
    rules: SignalRules,
    judge: Judge,
    first_day: int,
    days: int,
) -> list[tuple[dt.date, Finding]]:
    """The job's runs from day ``first_day`` to ``days``; the alarms raised (a new signal, or
    new cases for one already raised)."""
    seen: dict[tuple[str, str], set[str]] = {}
    rate_signals: list[set[str]] = []
    raised = []
    onsets = {(c.onset - START).days for c in cases}
    for offset in range(first_day, days):
        # Between onsets the cases do not change, so neither do the clusters: run on the days a
        # case appears, and weekly for the rate test.
        if offset not in onsets and offset % 7:
            continue
        today = START + dt.timedelta(days=offset)
        for finding in detect(history, cases, today, rules):
            if _is_new(finding, seen, rate_signals) and judge(history, cases, finding, today):
                _remember(finding, seen, rate_signals)
                raised.append((today, finding))
    return raised


def _is_new(
    finding: Finding, seen: dict[tuple[str, str], set[str]], rate_signals: list[set[str]]
) -> bool:
    new = set(finding.cases)
    if finding.kind == RATE:
        old = next((s for s in reversed(rate_signals) if s & new), set())
        return not new <= old
    return not new <= seen.get((finding.kind, finding.key), set())


def _remember(
    finding: Finding, seen: dict[tuple[str, str], set[str]], rate_signals: list[set[str]]
) -> None:
    new = set(finding.cases)
    if finding.kind == RATE:
        old = next((s for s in reversed(rate_signals) if s & new), None)
        if old is None:
            rate_signals.append(new)
        else:
            old |= new
        return
    seen[(finding.kind, finding.key)] = seen.get((finding.kind, finding.key), set()) | new


def found_within(
    history: History,
    cases: list[CaseRecord],
    planted: list[CaseRecord],
    rules: SignalRules,
    judge: Judge,
) -> list[tuple[dt.date, Finding]]:
    """The alarms from the first planted onset to 84 days after the last."""
    first = (min(c.onset for c in planted) - START).days
    last = (max(c.onset for c in planted) - START).days + rules.window_days
    return alarms(history, cases + planted, rules, judge, first, last + 1)


def detected(
    kind: str, key: str, planted: list[CaseRecord], raised: list[tuple[dt.date, Finding]]
) -> bool:
    names = {c.event for c in planted}
    for _, finding in raised:
        if finding.kind != kind:
            continue
        if kind == RATE and names & set(finding.cases):
            return True
        if finding.key == key and len(names & set(finding.cases)) >= 2:
            return True
    return False


# --- The table ----------------------------------------------------------------------------------


@dataclass
class Tally:
    alarms: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    quiet: int = 0
    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    tried: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def run(args: argparse.Namespace) -> None:
    rules = adverse_events.load().rules()
    judges = {
        "issue": (rules, as_issue_states),
        "three": (replace(rules, min_cases=3), as_issue_states),
        "excess": (rules, with_excess_test(rules)),
    }
    variants = list(judges) if args.variant == "all" else [args.variant]
    modes = {"both": (False, True), "yes": (True,), "no": (False,)}[args.linked]
    print(
        f"{args.histories} simulated clinic histories per row, {args.years} years each "
        f"(year 1 warm-up); window {rules.window_days} days, {rules.min_cases} patients per "
        f"cluster, rate alpha {rules.rate_alpha}, rate floor {rules.rate_floor_per_1000}/1000; "
        f"excess test alpha {EXCESS_ALPHA}"
    )
    for linked in modes:
        for rate in args.rates:
            began = time.perf_counter()
            tallies = _histories(args, rate, linked, {v: judges[v] for v in variants})
            spent = time.perf_counter() - began
            how = "linked to their session" if linked else "unlinked"
            print(f"\nbase rate {rate:g}/1000, cases {how} ({spent:.0f} s)")
            for variant, tally in tallies.items():
                _print(variant, tally, args)


def _histories(
    args: argparse.Namespace,
    rate: float,
    linked: bool,
    judges: dict[str, tuple[SignalRules, Judge]],
) -> dict[str, Tally]:
    rng = random.Random(f"{args.seed}-{rate}-{linked}")
    tallies = {name: Tally() for name in judges}
    for _ in range(args.histories):
        clinic = simulate(rng, args.years)
        history = History(clinic.sessions)
        cases = noise(rng, clinic, rate, linked)
        plants = [
            (f"{kind} {size}", kind, *plant(rng, clinic, kind, size, linked))
            for kind in (LOT, PRACTITIONER, WEEK)
            for size in (2, 3)
        ]
        for extra in OUTBREAKS:
            plants.append((f"rate +{extra:g}", RATE, "", outbreak(rng, clinic, linked, extra)))
        for name, (rules, judge) in judges.items():
            tally = tallies[name]
            raised = alarms(history, cases, rules, judge, 365, clinic.days)
            for _, finding in raised:
                tally.alarms[finding.kind] += 1
            tally.quiet += not raised
            for label, kind, key, planted in plants:
                if planted:
                    more = found_within(history, cases, planted, rules, judge)
                    tally.tried[label] += 1
                    tally.found[label] += detected(kind, key, planted, more)
    return tallies


def _print(variant: str, tally: Tally, args: argparse.Namespace) -> None:
    years = args.histories * (args.years - 1)
    kinds = "  ".join(f"{k} {tally.alarms[k] / years:.2f}" for k in KINDS)
    total = sum(tally.alarms.values()) / years
    found = "  ".join(
        f"{k} {100 * tally.found[k] / tally.tried[k]:.0f}%"
        for k in sorted(tally.tried)
        if tally.tried[k]
    )
    print(f"  {variant:>6}: false alarms per clinic-year {kinds}  all {total:.2f}")
    print(
        f"          histories with no false alarm in {args.years - 1} years: "
        f"{tally.quiet}/{args.histories}"
    )
    print(f"          detected: {found}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--histories", type=int, default=200)
    parser.add_argument("--seed", default="1")
    parser.add_argument(
        "--rates", type=lambda t: [float(x) for x in t.split(",")], default=[1.0, 2.0, 3.0]
    )
    parser.add_argument("--linked", choices=("both", "yes", "no"), default="both")
    parser.add_argument("--variant", choices=("all", "issue", "three", "excess"), default="all")
    parser.add_argument("--years", type=int, default=3)
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
