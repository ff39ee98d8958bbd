"""Course scheduling (contract C5): the scenario reader, both solvers, and the result document.

Every result here goes through :func:`check`, a checker written for these tests from the
contract alone: it reads the scenario and result documents as plain JSON and imports nothing
from the engine. No database.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from collections import defaultdict
from typing import Any

import jsonschema
import pytest

from anagen.core.invalid import InvalidDocument
from anagen.core.knowledge import load
from anagen.core.scheduling import SOLVERS, read_scenario, schedule_document, solve
from anagen.core.schemas import schema

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFFICE = {d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in DAYS[:5]}
KB = load()

# The example of contract C5, verbatim (its course names p2, which it does not define).
CONTRACT_EXAMPLE: dict[str, Any] = {
    "schema": "anagen.schedule-scenario/1",
    "start": "2027-01-04", "days": 182, "slot_minutes": 15,
    "practitioners": [
        {"id": "p1", "weekly": {"mon": [["09:00", "13:00"], ["14:00", "18:00"]]},
         "absent": ["2027-02-01"]},
    ],
    "rooms": [{"id": "r1"}],
    "busy": [{"practitioner": "p1", "start": "2027-01-04T09:00", "minutes": 60},
             {"room": "r1", "start": "2027-01-05T10:00", "minutes": 30}],
    "courses": [{"id": "c1", "patient": "pt1", "minutes": 30,
                 "first": {"earliest": "2027-01-04", "latest": "2027-01-15"},
                 "gaps": [{"min": 5, "target": 7, "max": 10}],
                 "practitioners": ["p1", "p2"],
                 "patient_weekly": {"tue": [["16:00", "19:00"]]}}],
}  # fmt: skip


# --- Building scenarios ----------------------------------------------------------------------


def day(offset: int) -> str:
    """The date ``offset`` days after Monday 4 January 2027."""
    return (dt.date(2027, 1, 4) + dt.timedelta(days=offset)).isoformat()


def at(offset: int, hhmm: str) -> str:
    return f"{day(offset)}T{hhmm}"


def weekly_gaps(count: int) -> list[dict[str, int]]:
    return [{"min": 5, "target": 7, "max": 10}] * count


def course(cid: str, first: int = 0, last: int = 4, **extra: Any) -> dict[str, Any]:
    doc = {
        "id": cid,
        "patient": f"patient-{cid}",
        "minutes": 30,
        "first": {"earliest": day(first), "latest": day(last)},
        "gaps": weekly_gaps(2),
    }
    return {**doc, **extra}


def scenario(*courses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    doc = {
        "schema": "anagen.schedule-scenario/1",
        "start": day(0),
        "days": 35,
        "slot_minutes": 15,
        "practitioners": [{"id": p, "weekly": copy.deepcopy(OFFICE)} for p in ("p1", "p2")],
        "rooms": [{"id": "r1"}],
        "courses": list(courses) or [course("c1")],
    }
    return {**doc, **extra}


def clinic(count: int, seed: int) -> dict[str, Any]:
    """A busier generated clinic: two practitioners, one room, mixed courses."""
    rng = random.Random(seed)
    courses = []
    for i in range(count):
        first = rng.randrange(0, 20)
        extra: dict[str, Any] = {"minutes": rng.choice([30, 45, 60])}
        if rng.random() < 0.3:
            extra["patient_weekly"] = {d: [["12:00", "18:00"]] for d in DAYS[:5]}
        courses.append(
            course(f"c{i}", first, first + 6, gaps=weekly_gaps(rng.randint(1, 4)), **extra)
        )
    return scenario(*courses, days=56)


# --- An independent checker ------------------------------------------------------------------


def _minute(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _within(weekly: dict[str, Any], start: dt.datetime, minutes: int) -> bool:
    begin = start.hour * 60 + start.minute
    blocks = weekly.get(DAYS[start.weekday()], [])
    return any(_minute(a) <= begin and begin + minutes <= _minute(b) for a, b in blocks)


def check(doc: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Every way ``result`` breaks contract C5 for ``doc`` (empty when none)."""
    errors: list[str] = []
    courses = {c["id"]: c for c in doc["courses"]}
    order = [c["id"] for c in doc["courses"]]
    staff = {p["id"]: p for p in doc["practitioners"]}
    rooms = {r["id"] for r in doc["rooms"]}
    slot = doc["slot_minutes"]
    horizon_start = dt.datetime.fromisoformat(doc["start"])
    horizon_end = horizon_start + dt.timedelta(days=doc["days"])
    if result["schema"] != "anagen.schedule-result/1":
        errors.append("wrong schema")
    held: dict[tuple[str, str], list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
    for i, busy in enumerate(doc.get("busy", [])):
        (kind,) = [k for k in ("practitioner", "room", "patient") if k in busy]
        start = dt.datetime.fromisoformat(busy["start"])
        held[kind, busy[kind]].append(
            (start, start + dt.timedelta(minutes=busy["minutes"]), f"busy[{i}]")
        )
    dates: dict[str, dict[int, dt.date]] = defaultdict(dict)
    for s in result["sessions"]:
        c = courses.get(s["course"])
        if c is None:
            errors.append(f"session of unknown course {s['course']}")
            continue
        name = f"{s['course']} session {s['number']}"
        start = dt.datetime.strptime(s["start"], "%Y-%m-%dT%H:%M")
        end = start + dt.timedelta(minutes=c["minutes"])
        if s["number"] in dates[s["course"]]:
            errors.append(f"{name} booked twice")
        dates[s["course"]][s["number"]] = start.date()
        if not horizon_start <= start and end <= horizon_end:
            errors.append(f"{name} outside the horizon")
        if (start.hour * 60 + start.minute) % slot:
            errors.append(f"{name} off the slot grid")
        if s["room"] not in rooms:
            errors.append(f"{name} in an unknown room")
        if s["practitioner"] not in (c.get("practitioners") or list(staff)):
            errors.append(f"{name} with a practitioner the course does not allow")
        practitioner = staff.get(s["practitioner"], {"weekly": {}})
        if start.date().isoformat() in practitioner.get("absent", []):
            errors.append(f"{name} on the practitioner's day off")
        if not _within(practitioner["weekly"], start, c["minutes"]):
            errors.append(f"{name} outside the practitioner's hours")
        if "patient_weekly" in c and not _within(c["patient_weekly"], start, c["minutes"]):
            errors.append(f"{name} outside the patient's windows")
        for key in (
            ("practitioner", s["practitioner"]),
            ("room", s["room"]),
            ("patient", c["patient"]),
        ):
            held[key].append((start, end, name))
    errors += _double_bookings(held)
    errors += _courses(doc, result, dates)
    errors += _order(order, result)
    errors += _stats(doc, result, dates)
    return errors


def _double_bookings(held: dict[tuple[str, str], list[tuple[Any, Any, str]]]) -> list[str]:
    errors = []
    for (kind, who), spans in held.items():
        for i, (a0, a1, x) in enumerate(spans):
            for b0, b1, y in spans[i + 1 :]:
                both_busy = x.startswith("busy[") and y.startswith("busy[")
                if a0 < b1 and b0 < a1 and not both_busy:
                    errors.append(f"{kind} {who} double-booked: {x} and {y}")
    return errors


def _courses(
    doc: dict[str, Any], result: dict[str, Any], dates: dict[str, dict[int, dt.date]]
) -> list[str]:
    errors = []
    unscheduled = [u["course"] for u in result["unscheduled"]]
    for c in doc["courses"]:
        booked = dates.get(c["id"], {})
        count = len(c.get("gaps", [])) + 1
        if booked and c["id"] in unscheduled:
            errors.append(f"{c['id']} is both booked and unscheduled")
        if not booked:
            if unscheduled.count(c["id"]) != 1:
                errors.append(f"{c['id']} is neither booked nor listed once as unscheduled")
            continue
        if sorted(booked) != list(range(1, count + 1)):
            errors.append(f"{c['id']} is not booked whole: sessions {sorted(booked)}")
            continue
        if not c["first"]["earliest"] <= booked[1].isoformat() <= c["first"]["latest"]:
            errors.append(f"{c['id']} session 1 outside its first window")
        for k, window in enumerate(c.get("windows") or [], start=1):
            if not window["earliest"] <= booked[k].isoformat() <= window["latest"]:
                errors.append(f"{c['id']} session {k} outside its window")
        for k, gap in enumerate(c.get("gaps", []), start=1):
            days = (booked[k + 1] - booked[k]).days
            if not gap["min"] <= days <= gap["max"]:
                errors.append(f"{c['id']} sessions {k} and {k + 1} are {days} days apart")
    for u in result["unscheduled"]:
        if not u["reason"].strip():
            errors.append(f"{u['course']} has no reason")
    return errors


def _order(order: list[str], result: dict[str, Any]) -> list[str]:
    keys = [
        (order.index(s["course"]), s["number"]) for s in result["sessions"] if s["course"] in order
    ]
    unscheduled = [order.index(u["course"]) for u in result["unscheduled"] if u["course"] in order]
    errors = []
    if keys != sorted(keys):
        errors.append("sessions are not in course order, then number")
    if unscheduled != sorted(unscheduled):
        errors.append("unscheduled courses are not in input order")
    return errors


def _stats(
    doc: dict[str, Any], result: dict[str, Any], dates: dict[str, dict[int, dt.date]]
) -> list[str]:
    stats, courses = result["stats"], {c["id"]: c for c in doc["courses"]}
    deviation = sum(
        abs((booked[k + 2] - booked[k + 1]).days - gap["target"])
        for cid, booked in dates.items()
        for k, gap in enumerate(courses[cid].get("gaps", []))
        if k + 2 in booked
    )
    errors = []
    if stats["courses_scheduled"] != len(dates):
        errors.append(f"courses_scheduled {stats['courses_scheduled']}, booked {len(dates)}")
    if stats["gap_deviation_days"] != deviation:
        errors.append(f"gap_deviation_days {stats['gap_deviation_days']}, recomputed {deviation}")
    if stats["sessions"] != len(result["sessions"]):
        errors.append("stats.sessions is not the number of sessions")
    mean = round(deviation / len(dates), 3) if dates else 0.0
    if stats["mean_gap_deviation_days"] != mean:
        errors.append(f"mean_gap_deviation_days {stats['mean_gap_deviation_days']}, not {mean}")
    return errors


def booked(result: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(s["course"] for s in result["sessions"]))


def starts(result: dict[str, Any], cid: str) -> list[str]:
    return [s["start"] for s in result["sessions"] if s["course"] == cid]


def run(doc: dict[str, Any], solver: str, time_limit: float = 10.0) -> dict[str, Any]:
    """Solve ``doc`` and insist the result passes the checker and the result schema."""
    result = schedule_document(copy.deepcopy(doc), solver, time_limit)
    assert check(doc, result) == []
    jsonschema.validate(result, schema("schedule-result", KB))
    return result


# --- The checker itself ----------------------------------------------------------------------


def test_the_checker_catches_a_double_booking_and_a_broken_gap():
    doc = scenario(course("c1"), course("c2"))
    result = run(doc, "greedy")
    clash = copy.deepcopy(result)
    first_of_c2 = next(s for s in clash["sessions"] if s["course"] == "c2")
    first_of_c1 = next(s for s in clash["sessions"] if s["course"] == "c1")
    first_of_c2.update(start=first_of_c1["start"], practitioner=first_of_c1["practitioner"])
    assert any("double-booked" in e for e in check(doc, clash))
    stretched = copy.deepcopy(result)
    stretched["sessions"][1]["start"] = at(20, "09:00")
    errors = check(doc, stretched)
    assert any("days apart" in e for e in errors)
    assert any("gap_deviation_days" in e for e in errors)


# --- Reading ---------------------------------------------------------------------------------


def changed(path: str, value: Any, doc: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of ``doc`` (the default scenario) with the dotted ``path`` set to ``value``
    (``...`` deletes it)."""
    out = copy.deepcopy(doc or scenario(course("c1"), course("c2")))
    *parents, last = path.split(".")
    target: Any = out
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is ...:
        del target[last]
    else:
        target[last] = value
    return out


GAP = {"min": 5, "target": 7, "max": 10}
INVALID = [
    ("not an object", [], "", "must be an object"),
    ("wrong schema", changed("schema", "anagen.schedule/1"), "schema", "must be"),
    ("missing schema", changed("schema", ...), "schema", "is required"),
    ("unknown top key", changed("colour", "red"), "colour", "unknown key"),
    ("bad start date", changed("start", "2027-02-30"), "start", "not a date"),
    ("days zero", changed("days", 0), "days", "1 or more"),
    ("days too many", changed("days", 3661), "days", "from 1 to 3660"),
    ("days not an int", changed("days", 7.5), "days", "whole number"),
    ("slot not dividing 60", changed("slot_minutes", 7), "slot_minutes", "allowed: 5, 10"),
    ("slot 45", changed("slot_minutes", 45), "slot_minutes", "not allowed"),
    ("slot as a float", changed("slot_minutes", 15.0), "slot_minutes", "not allowed"),
    ("horizon past 9999", changed("start", "9999-12-20"), "days", "past the year 9999"),
    ("no rooms", changed("rooms", []), "rooms", "at least one room"),
    ("no practitioners", changed("practitioners", []), "practitioners", "at least one"),
    (
        "time off the grid",
        changed("practitioners.0.weekly.mon", [["09:10", "13:00"]]),
        "practitioners[0].weekly.mon[0][0]",
        "15-minute slot grid",
    ),
    (
        "bad time",
        changed("practitioners.0.weekly.mon", [["9:00", "13:00"]]),
        "practitioners[0].weekly.mon[0][0]",
        "not a time",
    ),
    (
        "block ending before it starts",
        changed("practitioners.0.weekly.tue", [["13:00", "09:00"]]),
        "practitioners[0].weekly.tue[0]",
        "must start before it ends",
    ),
    (
        "empty block",
        changed("practitioners.0.weekly.tue", [["13:00", "13:00"]]),
        "practitioners[0].weekly.tue[0]",
        "must start before it ends",
    ),
    (
        "block not a pair",
        changed("practitioners.1.weekly.wed", [["09:00"]]),
        "practitioners[1].weekly.wed[0]",
        "[start, end] pair",
    ),
    (
        "overlapping blocks",
        changed("practitioners.1.weekly.mon", [["09:00", "13:00"], ["12:00", "15:00"]]),
        "practitioners[1].weekly.mon[1]",
        "overlaps mon[0]",
    ),
    (
        "unknown weekday",
        changed("practitioners.0.weekly.monday", [["09:00", "13:00"]]),
        "practitioners[0].weekly.monday",
        "unknown key; allowed: mon, tue",
    ),
    (
        "bad absence",
        changed("practitioners.0.absent", ["2027-13-01"]),
        "practitioners[0].absent[0]",
        "not a date",
    ),
    (
        "duplicate practitioner",
        changed("practitioners.1.id", "p1"),
        "practitioners[1].id",
        "duplicate id 'p1'",
    ),
    (
        "duplicate room",
        changed("rooms", [{"id": "r1"}, {"id": "r1"}]),
        "rooms[1].id",
        "duplicate id 'r1'",
    ),
    ("duplicate course", changed("courses.1.id", "c1"), "courses[1].id", "duplicate id 'c1'"),
    (
        "unknown practitioner in a course",
        changed("courses.0.practitioners", ["p1", "p9"]),
        "courses[0].practitioners[1]",
        "unknown practitioner 'p9'",
    ),
    (
        "no practitioner in a course",
        changed("courses.0.practitioners", []),
        "courses[0].practitioners",
        "at least one",
    ),
    (
        "unknown practitioner in busy",
        changed("busy", [{"practitioner": "p9", "start": at(0, "09:00"), "minutes": 30}]),
        "busy[0].practitioner",
        "unknown practitioner 'p9'",
    ),
    (
        "unknown room in busy",
        changed("busy", [{"room": "r9", "start": at(0, "09:00"), "minutes": 30}]),
        "busy[0].room",
        "unknown room 'r9'",
    ),
    (
        "busy naming nobody",
        changed("busy", [{"start": at(0, "09:00"), "minutes": 30}]),
        "busy[0]",
        "exactly one of practitioner, room, patient",
    ),
    (
        "busy naming two",
        changed("busy", [{"room": "r1", "patient": "x", "start": at(0, "09:00"), "minutes": 30}]),
        "busy[0]",
        "exactly one of practitioner, room, patient",
    ),
    (
        "busy start off the grid",
        changed("busy", [{"room": "r1", "start": at(0, "09:05"), "minutes": 30}]),
        "busy[0].start",
        "slot grid",
    ),
    (
        "busy start not a date and time",
        changed("busy", [{"room": "r1", "start": "2027-01-04 09:00", "minutes": 30}]),
        "busy[0].start",
        "YYYY-MM-DDTHH:MM",
    ),
    (
        "busy minutes off the grid",
        changed("busy", [{"room": "r1", "start": at(0, "09:00"), "minutes": 20}]),
        "busy[0].minutes",
        "slot grid",
    ),
    ("course minutes off the grid", changed("courses.0.minutes", 25), "courses[0].minutes", "grid"),
    ("course minutes zero", changed("courses.1.minutes", 0), "courses[1].minutes", "1 or more"),
    ("course minutes negative", changed("courses.0.minutes", -30), "courses[0].minutes", "1 or"),
    (
        "gap with min over max",
        changed("courses.0.gaps", [{"min": 9, "target": 9, "max": 7}]),
        "courses[0].gaps[0]",
        "min (9) is more than max (7)",
    ),
    (
        "gap target outside",
        changed("courses.0.gaps", [GAP, {"min": 5, "target": 11, "max": 10}]),
        "courses[0].gaps[1]",
        "target (11) must lie from min (5) to max (10)",
    ),
    (
        "gap min negative",
        changed("courses.0.gaps", [{"min": -1, "target": 7, "max": 10}]),
        "courses[0].gaps[0].min",
        "0 or more",
    ),
    (
        "gap missing target",
        changed("courses.0.gaps", [{"min": 5, "max": 10}]),
        "courses[0].gaps[0].target",
        "is required",
    ),
    (
        "first window backwards",
        changed("courses.0.first", {"earliest": day(5), "latest": day(1)}),
        "courses[0].first",
        "is after latest",
    ),
    (
        "windows of the wrong length",
        changed("courses.0.windows", [{"earliest": day(0), "latest": day(4)}]),
        "courses[0].windows",
        "one window per session: 3, not 1",
    ),
    (
        "window backwards",
        changed(
            "courses.0.windows",
            [{"earliest": day(0), "latest": day(4)}, {"earliest": day(9), "latest": day(6)}, {}],
        ),
        "courses[0].windows[1]",
        "is after latest",
    ),
    (
        "patient windows overlapping",
        changed("courses.1.patient_weekly", {"tue": [["16:00", "19:00"], ["18:00", "20:00"]]}),
        "courses[1].patient_weekly.tue[1]",
        "overlaps tue[0]",
    ),
    ("unknown course key", changed("courses.0.colour", "red"), "courses[0].colour", "unknown"),
    (
        "unknown gap key",
        changed("courses.0.gaps", [{**GAP, "ideal": 7}]),
        "courses[0].gaps[0].ideal",
        "unknown",
    ),
    (
        "course without a patient",
        changed("courses.1.patient", ...),
        "courses[1].patient",
        "required",
    ),
    ("blank patient", changed("courses.1.patient", " "), "courses[1].patient", "non-empty id"),
]


@pytest.mark.parametrize(("case", "doc", "field", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_the_reader_names_the_field_of_each_problem(case, doc, field, message):
    with pytest.raises(InvalidDocument) as caught:
        read_scenario(doc)
    assert caught.value.field == field
    assert message in caught.value.message


def test_the_reader_names_the_undefined_practitioner_of_the_contract_example():
    with pytest.raises(InvalidDocument) as caught:
        read_scenario(CONTRACT_EXAMPLE)
    assert caught.value.field == "courses[0].practitioners[1]"


def test_the_contract_example_validates_against_the_scenario_schema():
    validator = jsonschema.Draft202012Validator(schema("schedule-scenario", KB))
    assert not list(validator.iter_errors(CONTRACT_EXAMPLE))
    assert list(validator.iter_errors({**CONTRACT_EXAMPLE, "colour": "red"}))
    bad_busy = copy.deepcopy(CONTRACT_EXAMPLE)
    bad_busy["busy"][0]["room"] = "r1"  # now names two
    assert list(validator.iter_errors(bad_busy))


def test_the_schemas_are_valid_json_schemas():
    for name in ("schedule-scenario", "schedule-result"):
        jsonschema.Draft202012Validator.check_schema(schema(name, KB))


def test_absent_practitioners_mean_any_and_the_reader_keeps_order():
    read = read_scenario(scenario(course("c2"), course("c1", practitioners=["p2"])))
    assert [c.id for c in read.courses] == ["c2", "c1"]
    assert read.courses[0].practitioners == ("p1", "p2")
    assert read.courses[1].practitioners == ("p2",)
    assert read.courses[0].sessions == 3


def test_solve_refuses_an_unknown_solver_and_a_time_limit_of_zero():
    read = read_scenario(scenario())
    with pytest.raises(ValueError, match="unknown solver"):
        solve(read, "simplex")
    with pytest.raises(ValueError, match="above 0"):
        solve(read, "cp-sat", 0)


# --- Solving ---------------------------------------------------------------------------------


def test_the_contract_example_with_its_second_practitioner_is_booked_on_tuesday_evenings():
    doc = copy.deepcopy(CONTRACT_EXAMPLE)
    doc["practitioners"].append({"id": "p2", "weekly": {"tue": [["09:00", "19:00"]]}})
    greedy = run(doc, "greedy")
    assert starts(greedy, "c1") == ["2027-01-05T16:00", "2027-01-12T16:00"]
    cpsat = run(doc, "cp-sat")
    assert [s[:10] for s in starts(cpsat, "c1")] == ["2027-01-05", "2027-01-12"]
    for result in (greedy, cpsat):
        assert {s["practitioner"] for s in result["sessions"]} == {"p2"}


@pytest.mark.parametrize(
    "doc",
    [
        scenario(course("c1"), course("c2"), course("c3")),
        scenario(course("c1", gaps=[]), course("c2", first=2, last=2)),
        scenario(course("c1", practitioners=["p2"]), course("c2", minutes=60)),
    ],
    ids=["three weekly courses", "single sessions", "restricted and long"],
)
def test_both_solvers_agree_on_easy_scenarios(doc):
    greedy = run(doc, "greedy")
    cpsat = run(doc, "cp-sat")
    assert booked(greedy) == booked(cpsat) == [c["id"] for c in doc["courses"]]
    assert greedy["stats"]["gap_deviation_days"] == cpsat["stats"]["gap_deviation_days"] == 0
    assert cpsat["stats"]["status"] == "optimal"


def test_greedy_books_the_earliest_slot_in_input_order():
    result = run(scenario(course("c1"), course("c2")), "greedy")
    assert starts(result, "c1") == [at(0, "09:00"), at(7, "09:00"), at(14, "09:00")]
    assert starts(result, "c2") == [at(0, "09:30"), at(7, "09:30"), at(14, "09:30")]
    assert result["stats"]["status"] == "greedy"


def test_cp_sat_books_a_course_that_first_fit_shuts_out():
    # One room, Monday 09:00-10:00 and Tuesday. The first course takes Monday 09:00 first-fit;
    # the second can only come Monday before 09:30. Moving the first makes room for both.
    hours = {"mon": [["09:00", "10:00"]], "tue": [["09:00", "10:00"]]}
    doc = scenario(
        course("flexible", 0, 1, gaps=[]),
        course("monday-early", 0, 0, gaps=[], patient_weekly={"mon": [["09:00", "09:30"]]}),
        practitioners=[{"id": "p1", "weekly": hours}],
        days=7,
    )
    greedy = run(doc, "greedy")
    assert booked(greedy) == ["flexible"]
    assert "clashes" in greedy["unscheduled"][0]["reason"]
    cpsat = run(doc, "cp-sat")
    assert booked(cpsat) == ["flexible", "monday-early"]
    assert starts(cpsat, "monday-early") == [at(0, "09:00")]


def test_cp_sat_keeps_gaps_on_target_where_first_fit_drifts():
    # One half-hour a day, Monday to Thursday. First-fit books the flexible course on Monday
    # and its second session on the Tuesday a week later, which the Tuesday course needs for
    # its own second session: that one drifts a day. Starting the flexible course on the
    # Wednesday keeps both on target.
    hours = {d: [["09:00", "09:30"]] for d in ("mon", "tue", "wed", "thu")}
    doc = scenario(
        course("flexible", 0, 2, gaps=[{"min": 7, "target": 8, "max": 9}]),
        course("tuesdays", 1, 1, gaps=[{"min": 6, "target": 7, "max": 8}]),
        practitioners=[{"id": "p1", "weekly": hours}],
        days=21,
    )
    greedy = run(doc, "greedy")
    cpsat = run(doc, "cp-sat")
    assert booked(greedy) == booked(cpsat) == ["flexible", "tuesdays"]
    assert starts(greedy, "tuesdays") == [at(1, "09:00"), at(7, "09:00")]
    assert greedy["stats"]["gap_deviation_days"] == 1
    assert cpsat["stats"]["gap_deviation_days"] == 0
    assert starts(cpsat, "flexible") == [at(2, "09:00"), at(10, "09:00")]


def test_a_course_is_booked_whole_or_not_at_all():
    # The second session would fall in the practitioner's holiday week, and the course allows
    # no one else: none of its sessions may be booked.
    absent = [day(d) for d in range(5, 14)]
    doc = scenario(
        course("holiday", 0, 2, gaps=weekly_gaps(1), practitioners=["p1"]),
        course("other", 0, 2, gaps=weekly_gaps(1)),
        practitioners=[
            {"id": "p1", "weekly": OFFICE, "absent": absent},
            {"id": "p2", "weekly": OFFICE},
        ],
    )
    for solver in SOLVERS:
        result = run(doc, solver)
        assert booked(result) == ["other"]
        assert [u["course"] for u in result["unscheduled"]] == ["holiday"]
        assert "hours" in result["unscheduled"][0]["reason"]


def test_session_windows_are_honoured():
    windows = [
        {"earliest": day(0), "latest": day(0)},
        {"earliest": day(9), "latest": day(10)},  # later than the 7-day target
        {"earliest": day(14), "latest": day(20)},
    ]
    doc = scenario(course("c1", windows=windows))
    for solver in SOLVERS:
        dates = [s[:10] for s in starts(run(doc, solver), "c1")]
        assert dates[0] == day(0)
        assert dates[1] == day(9)  # nearest the target inside its window
        assert day(14) <= dates[2] <= day(20)


def test_busy_practitioner_room_and_patient_time_is_left_alone():
    doc = scenario(
        course("c1", 0, 0, gaps=[], practitioners=["p1"]),
        course("c2", 0, 0, gaps=[], practitioners=["p1"]),
        busy=[
            {"practitioner": "p1", "start": at(0, "09:00"), "minutes": 60},
            {"room": "r1", "start": at(0, "10:00"), "minutes": 30},
            {"patient": "patient-c1", "start": at(0, "10:30"), "minutes": 60},
        ],
    )
    for solver in SOLVERS:
        result = run(doc, solver)
        assert starts(result, "c1")[0] not in (
            at(0, "09:00"),
            at(0, "10:00"),
            at(0, "10:30"),
            at(0, "11:00"),
        )
        assert starts(result, "c2")[0] >= at(0, "10:30")
    greedy = run(doc, "greedy")
    assert starts(greedy, "c1") == [at(0, "11:30")]
    assert starts(greedy, "c2") == [at(0, "10:30")]


def test_one_patient_is_never_booked_twice_at_once():
    shared = {"patient": "same", "gaps": [], "practitioners": ["p1"]}
    doc = scenario(
        course("c1", 0, 0, **shared),
        course("c2", 0, 0, **{**shared, "practitioners": ["p2"]}),
        rooms=[{"id": "r1"}, {"id": "r2"}],
    )
    for solver in SOLVERS:
        result = run(doc, solver)
        assert starts(result, "c1") != starts(result, "c2")


def test_reasons_say_why_a_course_cannot_be_booked():
    doc = scenario(
        course("late", 40, 45),
        course("saturday", patient_weekly={"sat": [["09:00", "12:00"]]}),
    )
    result = run(doc, "cp-sat")
    reasons = {u["course"]: u["reason"] for u in result["unscheduled"]}
    assert "outside the planning horizon" in reasons["late"]
    assert "the patient's windows" in reasons["saturday"]


def test_a_short_time_limit_still_gives_a_valid_plan_no_worse_than_greedy():
    doc = clinic(60, seed=3)
    greedy = run(doc, "greedy")
    cpsat = run(doc, "cp-sat", time_limit=1.0)
    assert len(booked(greedy)) < 60  # the clinic is over-full, so there is work to do
    assert (len(booked(cpsat)), -cpsat["stats"]["gap_deviation_days"]) >= (
        len(booked(greedy)),
        -greedy["stats"]["gap_deviation_days"],
    )


def test_cp_sat_improves_a_busy_clinic():
    doc = clinic(60, seed=3)
    greedy = run(doc, "greedy")
    cpsat = run(doc, "cp-sat", time_limit=8.0)
    better_count = len(booked(cpsat)) > len(booked(greedy))
    same_count = len(booked(cpsat)) == len(booked(greedy))
    less_drift = cpsat["stats"]["gap_deviation_days"] < greedy["stats"]["gap_deviation_days"]
    assert better_count or (same_count and less_drift)


def test_greedy_is_deterministic():
    doc = clinic(40, seed=5)
    first, second = run(doc, "greedy"), run(doc, "greedy")
    assert first["sessions"] == second["sessions"]
    assert first["unscheduled"] == second["unscheduled"]


def test_the_result_document_round_trips_through_json():
    result = run(scenario(course("c1"), course("c2", minutes=45)), "cp-sat")
    assert json.loads(json.dumps(result)) == result
    first = result["sessions"][0]
    assert first["end"] == at(0, "09:30")
