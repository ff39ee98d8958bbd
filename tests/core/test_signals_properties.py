"""Properties of the signal rules over random histories (Hypothesis): every cluster is backed by
its cases, exposed patients are exactly the lot's patients, planted clusters are always found,
and the output does not depend on input order or on events that are not infection signals."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from anagen.core.adverse_events import load
from anagen.core.signals import (
    LOT,
    PRACTITIONER,
    RATE,
    WEEK,
    CaseRecord,
    History,
    SessionRecord,
    detect,
    exposure,
    iso_week,
)

RULES = load().rules()
START = dt.date(2026, 1, 5)
TODAY = START + dt.timedelta(days=260)
LOTS = [f"L{i}" for i in range(6)]

session_rows = st.lists(
    st.tuples(
        st.integers(0, 9),  # patient
        st.integers(0, 250),  # day
        st.integers(0, 2),  # practitioner
        st.lists(st.sampled_from(LOTS), min_size=1, max_size=3, unique=True),
    ),
    max_size=40,
)
case_rows = st.lists(
    st.tuples(
        st.integers(0, 9),
        st.integers(0, 300),
        st.sampled_from(["nodule", "abscess", "infection", "pain", "bruising"]),
        st.lists(st.integers(0, 39), max_size=2),  # linked session numbers
    ),
    max_size=8,
)


def build(sessions, cases):
    records = [
        SessionRecord(f"s{i}", f"p{p}", START + dt.timedelta(days=d), f"P{w}", tuple(lots))
        for i, (p, d, w, lots) in enumerate(sessions)
    ]
    known = {r.id for r in records}
    events = [
        CaseRecord(
            f"e{i}",
            f"p{p}",
            kind,
            START + dt.timedelta(days=d),
            tuple(f"s{n}" for n in linked if f"s{n}" in known),
        )
        for i, (p, d, kind, linked) in enumerate(cases)
    ]
    return records, events


def group_of(kind, session):
    if kind == LOT:
        return set(session.lots)
    if kind == PRACTITIONER:
        return {session.practitioner}
    return {iso_week(session.day)}


@settings(max_examples=150, deadline=None)
@given(session_rows, case_rows)
def test_every_cluster_is_backed_by_cases_in_enough_patients(sessions, cases):
    records, events = build(sessions, cases)
    history = History(records)
    by_event = {e.event: e for e in events}
    for finding in detect(history, events, TODAY, RULES):
        if finding.kind == RATE:
            continue
        assert len(set(finding.patients)) >= RULES.min_cases
        assert set(finding.patients) <= set(finding.exposed)
        for event_id in finding.cases:
            case = by_event[event_id]
            assert case.type in RULES.counted_types and case.onset <= TODAY
            groups = [group_of(finding.kind, s) for s in exposure(history, case, 84)]
            assert any(finding.key in g for g in groups)


@settings(max_examples=150, deadline=None)
@given(session_rows, case_rows)
def test_a_lot_signal_exposes_exactly_the_patients_who_had_the_lot(sessions, cases):
    records, events = build(sessions, cases)
    for finding in detect(History(records), events, TODAY, RULES):
        if finding.kind == LOT:
            had = {r.patient for r in records if finding.key in r.lots and r.day <= TODAY}
            assert set(finding.exposed) == had


@settings(max_examples=100, deadline=None)
@given(session_rows, case_rows, st.randoms(use_true_random=False))
def test_the_output_does_not_depend_on_input_order(sessions, cases, rng):
    records, events = build(sessions, cases)
    first = detect(History(records), events, TODAY, RULES)
    rng.shuffle(records)
    rng.shuffle(events)
    assert detect(History(records), events, TODAY, RULES) == first


@settings(max_examples=100, deadline=None)
@given(session_rows, case_rows)
def test_events_that_are_not_infection_signals_change_nothing(sessions, cases):
    records, events = build(sessions, cases)
    counted = [e for e in events if e.type in RULES.counted_types]
    history = History(records)
    assert detect(history, events, TODAY, RULES) == detect(history, counted, TODAY, RULES)


@settings(max_examples=100, deadline=None)
@given(session_rows, case_rows)
def test_cases_in_one_patient_make_no_cluster(sessions, cases):
    records, events = build(sessions, [(0, d, kind, linked) for _, d, kind, linked in cases])
    findings = detect(History(records), events, TODAY, RULES)
    assert [f for f in findings if f.kind in (LOT, PRACTITIONER, WEEK)] == []


@settings(max_examples=150, deadline=None)
@given(
    session_rows,
    case_rows,
    st.sampled_from([LOT, PRACTITIONER, WEEK]),
    st.integers(17, 28),
    st.lists(st.integers(0, 6), min_size=2, max_size=4),
    st.lists(st.integers(0, 77), min_size=4, max_size=4),
)
def test_a_planted_cluster_is_always_found(sessions, cases, kind, week, gaps, delays):
    """Two to four new patients, sessions in one ISO week with one lot and one practitioner of
    their own, each with a nodule 0-77 days later (so all onsets lie within 84 days of the
    last): found under the planted key with every planted case, whatever the background."""
    records, events = build(sessions, cases)
    first = 7 * week  # a Monday: START is one
    planted_sessions = [
        SessionRecord(f"x{i}", f"new{i}", START + dt.timedelta(days=first + g), "PX", ("LX",))
        for i, g in enumerate(gaps)
    ]
    onsets = [s.day + dt.timedelta(days=d) for s, d in zip(planted_sessions, delays, strict=False)]
    today = max(onsets)
    planted = [
        CaseRecord(f"x{i}", s.patient, "nodule", onset, (s.id,) if i % 2 else ())
        for i, (s, onset) in enumerate(zip(planted_sessions, onsets, strict=False))
    ]
    history = History(records + planted_sessions)
    findings = detect(history, events + planted, today, RULES)
    key = {LOT: "LX", PRACTITIONER: "PX", WEEK: iso_week(planted_sessions[0].day)}[kind]
    found = next(f for f in findings if f.kind == kind and f.key == key)
    assert {c.event for c in planted} <= set(found.cases)
    assert {s.patient for s in planted_sessions} <= set(found.exposed)
