"""Properties of both scheduling solvers on random small clinics (Hypothesis).

The scenarios are drawn at random: one to three practitioners with random weekly hours and days
off, one or two rooms, short horizons, busy blocks for practitioners, rooms and patients, and
one to six courses with random gaps (same-day sessions included), first windows (some past the
horizon), practitioner restrictions, patient windows, per-session windows and shared patients.
Every result must pass the independent checker of test_scheduling.py, and CP-SAT must never do
worse than greedy. No database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from anagen.core import scheduling
from anagen.core.scheduling import read_scenario, solve
from tests.core.test_scheduling import DAYS, check, run

PROPERTIES = settings(max_examples=25, deadline=None)
SEARCH_ONLY = settings(max_examples=10, deadline=None)
START = dt.date(2027, 1, 4)
TIMES = ("08:00", "09:00", "10:30", "12:00", "13:00", "14:00", "16:00", "17:30", "19:00", "20:00")
PATIENTS = ("ana", "ben", "cai", "dee")


def day(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


@st.composite
def weeklies(draw: st.DrawFn) -> dict[str, list[list[str]]]:
    week = {}
    for weekday in draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=6, unique=True)):
        points = sorted(draw(st.lists(st.sampled_from(TIMES), min_size=2, max_size=4, unique=True)))
        week[weekday] = [[points[i], points[i + 1]] for i in range(0, len(points) - 1, 2)]
    return week


@st.composite
def gaps(draw: st.DrawFn) -> dict[str, int]:
    low = draw(st.sampled_from([0, 1, 2, 3, 5]))
    target = low + draw(st.integers(0, 3))
    return {"min": low, "target": target, "max": target + draw(st.integers(0, 3))}


@st.composite
def windows(draw: st.DrawFn, sessions: int, days: int) -> list[dict[str, str]]:
    out = []
    for _ in range(sessions):
        first = draw(st.integers(0, days - 1))
        out.append({"earliest": day(first), "latest": day(first + draw(st.integers(0, 10)))})
    return out


@st.composite
def courses(draw: st.DrawFn, number: int, staff: list[str], days: int) -> dict[str, Any]:
    first = draw(st.integers(0, days - 1))
    course: dict[str, Any] = {
        "id": f"c{number}",
        "patient": draw(st.sampled_from(PATIENTS)),
        "minutes": draw(st.sampled_from([30, 60, 90])),
        "first": {"earliest": day(first), "latest": day(first + draw(st.integers(0, 6)))},
        "gaps": draw(st.lists(gaps(), max_size=3)),
    }
    if draw(st.booleans()):
        course["practitioners"] = draw(st.lists(st.sampled_from(staff), min_size=1, unique=True))
    if draw(st.integers(0, 3)) == 0:
        course["patient_weekly"] = draw(weeklies())
    if draw(st.integers(0, 4)) == 0:
        course["windows"] = draw(windows(len(course["gaps"]) + 1, days))
    return course


@st.composite
def busy(draw: st.DrawFn, staff: list[str], rooms: list[str], days: int) -> dict[str, Any]:
    kind, names = draw(
        st.sampled_from([("practitioner", staff), ("room", rooms), ("patient", list(PATIENTS))])
    )
    start = f"{day(draw(st.integers(0, days - 1)))}T{draw(st.sampled_from(TIMES[:-1]))}"
    return {
        kind: draw(st.sampled_from(names)),
        "start": start,
        "minutes": draw(st.sampled_from([30, 60, 120])),
    }


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    days = draw(st.integers(7, 28))
    staff = [f"p{i}" for i in range(draw(st.integers(1, 3)))]
    rooms = [f"r{i}" for i in range(draw(st.integers(1, 2)))]
    practitioners = [
        {
            "id": p,
            "weekly": draw(weeklies()),
            "absent": sorted(
                {day(d) for d in draw(st.lists(st.integers(0, days - 1), max_size=3))}
            ),
        }
        for p in staff
    ]
    return {
        "schema": "anagen.schedule-scenario/1",
        "start": START.isoformat(),
        "days": days,
        "slot_minutes": draw(st.sampled_from([15, 30])),
        "practitioners": practitioners,
        "rooms": [{"id": r} for r in rooms],
        "busy": draw(st.lists(busy(staff, rooms, days), max_size=4)),
        "courses": [draw(courses(i, staff, days)) for i in range(draw(st.integers(1, 6)))],
    }


@PROPERTIES
@given(scenarios())
def test_both_solvers_keep_every_rule_and_cp_sat_is_never_worse(doc):
    read_scenario(doc)  # every drawn scenario is valid
    greedy = run(doc, "greedy")
    cpsat = run(doc, "cp-sat", time_limit=2.0)
    assert check(doc, cpsat) == [] and check(doc, greedy) == []
    greedy_key = (greedy["stats"]["courses_scheduled"], -greedy["stats"]["gap_deviation_days"])
    cpsat_key = (cpsat["stats"]["courses_scheduled"], -cpsat["stats"]["gap_deviation_days"])
    assert cpsat_key >= greedy_key


@SEARCH_ONLY
@given(scenarios())
def test_the_neighbourhood_search_alone_keeps_every_rule(doc):
    # Small clinics are normally solved as one model first; here only the neighbourhoods run.
    with patch.object(scheduling, "_WHOLE_MODEL_SESSIONS", -1):
        result = solve(read_scenario(doc), "cp-sat", time_limit=0.5).as_json()
    assert check(doc, result) == []
    assert result["stats"]["status"] == "feasible"
