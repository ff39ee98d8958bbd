"""The signal rules on small hand-made histories: a planted cluster of each kind is found with
its key, cases and exposed patients; what does not count stays quiet; the Poisson tail."""

import datetime as dt
import math

import pytest

from anagen.core.adverse_events import load
from anagen.core.signals import (
    LOT,
    PRACTITIONER,
    RATE,
    WEEK,
    CaseRecord,
    History,
    SessionRecord,
    SignalRules,
    detect,
    exposure,
    iso_week,
    poisson_tail,
)

RULES = load().rules()
MONDAY = dt.date(2026, 8, 10)  # ISO week 2026-W33
TODAY = dt.date(2026, 10, 1)


def day(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


def session(sid: str, patient: str, when: dt.date, who: str = "P1", lots=("L1",)) -> SessionRecord:
    return SessionRecord(sid, patient, when, who, tuple(lots))


def case(event: str, patient: str, onset: dt.date, linked=(), kind: str = "nodule") -> CaseRecord:
    return CaseRecord(event, patient, kind, onset, tuple(linked))


def kinds(findings):
    return [(f.kind, f.key) for f in findings]


def test_the_knowledge_base_gives_the_issues_rules():
    assert RULES.window_days == 84
    assert RULES.min_cases == 2
    assert RULES.counted_types == {"nodule", "abscess", "infection"}


def test_two_cases_after_sessions_sharing_a_lot_are_a_lot_signal():
    history = History(
        [
            session("s1", "a", day(0), "P1", ["L7", "L1"]),
            session("s2", "b", day(1), "P2", ["L7", "L2"]),
            session("s3", "c", day(2), "P3", ["L7", "L3"]),  # exposed, no case
            session("s4", "d", day(3), "P3", ["L9"]),  # not exposed
        ]
    )
    cases = [case("e1", "a", day(20), ["s1"]), case("e2", "b", day(40), ["s2"])]
    findings = detect(history, cases, TODAY, RULES)
    lot = next(f for f in findings if f.kind == LOT)
    assert lot.key == "L7"
    assert lot.cases == ("e1", "e2")
    assert lot.patients == ("a", "b")
    assert lot.sessions == ("s1", "s2")
    assert lot.exposed == ("a", "b", "c")
    assert (lot.first_day, lot.last_day) == (day(0), day(2))


def test_two_cases_after_one_practitioners_sessions_are_a_practitioner_signal():
    history = History(
        [
            session("s1", "a", day(0), "P1", ["L1"]),
            session("s2", "b", day(14), "P1", ["L2"]),
            session("s3", "c", day(21), "P1", ["L3"]),  # the practitioner's other patient
            session("s4", "d", day(21), "P2", ["L4"]),
        ]
    )
    cases = [case("e1", "a", day(30), ["s1"]), case("e2", "b", day(50), ["s2"])]
    findings = detect(history, cases, day(60), RULES)
    assert (PRACTITIONER, "P1") in kinds(findings)
    found = next(f for f in findings if f.kind == PRACTITIONER)
    assert found.cases == ("e1", "e2")
    assert found.exposed == ("a", "b", "c")


def test_a_practitioner_cluster_needs_both_onsets_in_the_last_twelve_weeks():
    history = History(
        [session("s1", "a", day(0), "P1", ["L1"]), session("s2", "b", day(100), "P1", ["L2"])]
    )
    cases = [case("e1", "a", day(40), ["s1"]), case("e2", "b", day(120), ["s2"])]

    def found(today):
        return PRACTITIONER in [f.kind for f in detect(history, cases, today, RULES)]

    assert found(day(120)) and found(day(123))  # onsets 80 days apart: both in the window
    assert not found(day(124))  # the first onset has left the last 84 days


def test_two_cases_after_sessions_in_one_iso_week_are_a_week_signal():
    history = History(
        [
            session("s1", "a", day(0), "P1", ["L1"]),  # Monday
            session("s2", "b", day(6), "P2", ["L2"]),  # Sunday, same week
            session("s3", "c", day(3), "P3", ["L3"]),
            session("s4", "d", day(7), "P3", ["L3"]),  # next week
        ]
    )
    cases = [case("e1", "a", day(30), ["s1"]), case("e2", "b", day(35), ["s2"])]
    findings = detect(history, cases, TODAY, RULES)
    assert kinds(findings) == [(WEEK, "2026-W33")]
    assert findings[0].exposed == ("a", "b", "c")
    assert (findings[0].first_day, findings[0].last_day) == (day(0), day(6))


def test_iso_weeks_are_written_with_their_iso_year():
    assert iso_week(dt.date(2026, 8, 10)) == "2026-W33"
    assert iso_week(dt.date(2027, 1, 1)) == "2026-W53"
    assert iso_week(dt.date(2024, 12, 30)) == "2025-W01"


def test_one_case_is_no_cluster():
    history = History([session("s1", "a", day(0)), session("s2", "b", day(1))])
    assert detect(history, [case("e1", "a", day(20), ["s1"])], TODAY, RULES) == ()


def test_two_events_in_one_patient_are_one_case():
    history = History([session("s1", "a", day(0)), session("s2", "b", day(1))])
    cases = [case("e1", "a", day(20), ["s1"]), case("e2", "a", day(30), ["s1"], "abscess")]
    assert detect(history, cases, TODAY, RULES) == ()


def test_events_that_are_not_infection_signals_do_not_count():
    history = History([session("s1", "a", day(0)), session("s2", "b", day(1))])
    cases = [case("e1", "a", day(2), ["s1"], "bruising"), case("e2", "b", day(3), ["s2"], "pain")]
    assert detect(history, cases, TODAY, RULES) == ()


@pytest.mark.parametrize("kind", ["nodule", "abscess", "infection"])
def test_nodules_abscesses_and_infections_count(kind):
    history = History([session("s1", "a", day(0)), session("s2", "b", day(1))])
    cases = [case("e1", "a", day(20), ["s1"], kind), case("e2", "b", day(21), ["s2"], "nodule")]
    assert (LOT, "L1") in kinds(detect(history, cases, TODAY, RULES))


def test_a_case_counts_for_a_session_from_0_to_84_days_before_onset():
    history = History([session("s1", "a", day(0))])
    assert exposure(history, case("e", "a", day(0), ["s1"]), 84) != ()
    assert exposure(history, case("e", "a", day(84), ["s1"]), 84) != ()
    assert exposure(history, case("e", "a", day(85), ["s1"]), 84) == ()
    assert exposure(history, case("e", "a", day(-1), ["s1"]), 84) == ()


def test_an_unlinked_case_counts_for_its_patients_sessions_in_the_window():
    history = History(
        [
            session("s0", "a", day(-100)),
            session("s1", "a", day(0)),
            session("s2", "a", day(7)),
            session("s3", "a", day(40)),  # after onset
            session("s4", "b", day(7)),
        ]
    )
    found = exposure(history, case("e", "a", day(30)), 84)
    assert [s.id for s in found] == ["s1", "s2"]


def test_a_linked_case_counts_only_for_its_linked_sessions():
    history = History([session("s1", "a", day(0)), session("s2", "a", day(7))])
    assert [s.id for s in exposure(history, case("e", "a", day(30), ["s2"]), 84)] == ["s2"]


def test_links_to_unknown_sessions_fall_back_to_the_patients_sessions():
    history = History([session("s1", "a", day(0))])
    assert [s.id for s in exposure(history, case("e", "a", day(30), ["gone"]), 84)] == ["s1"]


def test_sessions_and_onsets_after_today_are_ignored():
    history = History([session("s1", "a", day(0)), session("s2", "b", day(1))])
    cases = [case("e1", "a", day(20), ["s1"]), case("e2", "b", day(30), ["s2"])]
    assert detect(history, cases, day(25), RULES) == ()
    assert detect(history, cases, day(30), RULES) != ()


def test_a_lot_signal_lists_every_patient_who_had_the_lot_until_today():
    history = History(
        [
            session("s1", "a", day(0)),
            session("s2", "b", day(1)),
            session("s3", "c", day(60)),
            session("s4", "d", day(90)),  # after today
        ]
    )
    cases = [case("e1", "a", day(20), ["s1"]), case("e2", "b", day(30), ["s2"])]
    lot = next(f for f in detect(history, cases, day(80), RULES) if f.kind == LOT)
    assert lot.exposed == ("a", "b", "c")


# --- Rate ----------------------------------------------------------------------------------------


def steady(weeks: int, per_week: int, end: dt.date) -> list[SessionRecord]:
    start = end - dt.timedelta(weeks=weeks)
    return [
        session(f"s{w}-{i}", f"p{w}-{i}", start + dt.timedelta(days=7 * w + i % 7), "P1", ["L"])
        for w in range(weeks)
        for i in range(per_week)
    ]


def test_an_unusual_rate_against_the_clinics_own_baseline_is_a_rate_signal():
    history = History(steady(70, 40, TODAY))
    sessions = history.between(TODAY - dt.timedelta(days=83), TODAY)
    cases = [  # 5 patients in 12 weeks where the floor expects about 0.5
        case(f"e{i}", s.patient, min(s.day + dt.timedelta(days=10), TODAY), [s.id])
        for i, s in enumerate(sessions[::90][:5])
    ]
    findings = [f for f in detect(history, cases, TODAY, RULES) if f.kind == RATE]
    assert len(findings) == 1
    rate = findings[0]
    assert rate.key == f"{TODAY - dt.timedelta(days=83)}/{TODAY}"
    assert rate.figures["cases"] == 5
    assert rate.figures["sessions"] == len(sessions)
    assert rate.figures["rate_used_per_1000"] == RULES.rate_floor_per_1000
    assert rate.figures["p"] < RULES.rate_alpha


def test_the_same_rate_in_the_baseline_year_is_not_unusual():
    history = History(steady(70, 40, TODAY))
    every = history.between(dt.date.min, TODAY)
    # The same density of cases (about 5 per 480 sessions) all year long.
    cases = [
        case(f"e{i}", s.patient, min(s.day + dt.timedelta(days=10), TODAY), [s.id])
        for i, s in enumerate(every[::96])
    ]
    assert [f for f in detect(history, cases, TODAY, RULES) if f.kind == RATE] == []


def test_fewer_cases_than_the_minimum_never_test_the_rate():
    history = History(steady(14, 5, TODAY))  # few sessions: expected is tiny
    sessions = history.between(TODAY - dt.timedelta(days=83), TODAY)
    cases = [case(f"e{i}", s.patient, TODAY, [s.id]) for i, s in enumerate(sessions[:2])]
    assert [f for f in detect(history, cases, TODAY, RULES) if f.kind == RATE] == []


def test_a_rate_signal_with_no_sessions_in_the_window_is_still_written_as_json_numbers():
    rules = SignalRules(counted_types=frozenset({"nodule"}), rate_min_cases=1)
    findings = detect(History([]), [case("e", "a", TODAY)], TODAY, rules)
    assert findings[0].figures["per_1000"] is None
    assert all(v is None or math.isfinite(v) for v in findings[0].figures.values())


@pytest.mark.parametrize(
    ("k", "mean", "expected"),
    [
        (0, 3.0, 1.0),
        (1, 1.0, 1 - math.exp(-1)),
        (3, 1.0, 1 - math.exp(-1) * 2.5),
        (2, 0.0, 0.0),
        (10, 0.5, 1.70967e-10),
        (5, 5.0, 0.5595067),
    ],
)
def test_the_poisson_tail(k, mean, expected):
    assert poisson_tail(k, mean) == pytest.approx(expected, rel=1e-4)


def test_the_poisson_tail_falls_as_k_rises():
    tails = [poisson_tail(k, 2.3) for k in range(15)]
    assert tails == sorted(tails, reverse=True)
    assert tails[0] == 1.0
