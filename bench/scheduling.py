"""Book generated clinic scenarios with both solvers and print a comparison table.

    uv run --no-sync python bench/scheduling.py [--only NAME] [--time-limit 30] [--seed 1]
                                                [--write DIR]

Scenarios (seeded, 26 weeks from Monday 4 January 2027, 15-minute slots):

- small: 2 practitioners, 1 room, 20 courses;
- medium: 6 practitioners, 3 rooms, 300 courses of 8-12 sessions;
- saturated: the medium clinic with courses added until demand is about 110 % of capacity;
- large: 12 practitioners, 6 rooms, 1,000 courses.

Capacity is the bookable minutes of the horizon: the smaller of (a) the practitioners' weekly
hours over the horizon less absences and busy blocks, and (b) the rooms' minutes while any
practitioner is working, less room busy blocks. Demand is the sum of every course's sessions
times their minutes. Patient windows and practitioner restrictions make the real capacity
smaller still, so "110 %" is a lower bound on how overbooked the saturated clinic is.

Courses mix the protocols' gap patterns: weekly x8 then fortnightly; fortnightly; weekly then
monthly; weekly induction then a maintenance session about three months later (wide
tolerance). First windows (one or two weeks) are staggered over the horizon so that each
course can finish inside it. About a third of patients can come only at certain times
(evenings, Saturdays, mornings), a quarter of courses are tied to one or two practitioners,
every practitioner has a holiday week, odd days off and other appointments (busy blocks), and
rooms have maintenance slots.

Every result is checked by an independent checker written here (hard constraints, whole
courses, the statistics recomputed); the "valid" column says whether it passed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from anagen.core.scheduling import read_scenario, solve

NAMES = ("small", "medium", "saturated", "large")
START = dt.date(2027, 1, 4)
DAYS = 182
SLOT = 15
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

WEEKLY = {  # practitioner rota patterns
    "full": {d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in WEEKDAYS[:5]},
    "late": {d: [["11:00", "14:00"], ["15:00", "20:00"]] for d in WEEKDAYS[:5]},
    "part": {
        **{d: [["08:30", "12:30"], ["13:30", "17:30"]] for d in ("mon", "wed", "thu")},
        "sat": [["09:00", "13:00"]],
    },
    "long": {
        **{d: [["08:00", "14:00"], ["15:00", "19:00"]] for d in ("tue", "thu")},
        **{d: [["12:00", "20:00"]] for d in ("wed", "fri")},
        "sat": [["09:00", "14:00"]],
    },
}
PATIENT_WINDOWS = [
    {d: [["17:00", "20:00"]] for d in WEEKDAYS[:5]},  # after work
    {"sat": [["09:00", "14:00"]], "wed": [["17:30", "20:00"]]},
    {d: [["09:00", "12:00"]] for d in ("tue", "thu", "fri")},  # mornings
    {d: [["12:00", "14:30"]] for d in WEEKDAYS[:5]},  # lunchtime
    {d: [["08:00", "20:00"]] for d in ("mon", "wed", "fri")},  # three days a week
]
WEEKLY_GAP = {"min": 5, "target": 7, "max": 10}
FORTNIGHTLY_GAP = {"min": 11, "target": 14, "max": 17}
MONTHLY_GAP = {"min": 24, "target": 28, "max": 35}
QUARTERLY_GAP = {"min": 70, "target": 91, "max": 112}


def gap_pattern(rng: random.Random) -> list[dict[str, int]]:
    """8-12 sessions in one of the protocols' patterns."""
    kind = rng.choices(
        ["weekly-fortnightly", "fortnightly", "monthly", "maintenance"], [4, 3, 2, 2]
    )[0]
    if kind == "weekly-fortnightly":
        return [WEEKLY_GAP] * 7 + [FORTNIGHTLY_GAP] * rng.randint(2, 4)
    if kind == "fortnightly":
        return [FORTNIGHTLY_GAP] * rng.randint(7, 9)
    if kind == "monthly":
        return [WEEKLY_GAP] * 6 + [MONTHLY_GAP] * rng.randint(1, 3)
    return [WEEKLY_GAP] * 7 + [QUARTERLY_GAP] * rng.randint(0, 1) + [WEEKLY_GAP] * rng.randint(0, 2)


def practitioners(rng: random.Random, count: int) -> list[dict[str, Any]]:
    rotas = ["full", "late", "part", "full", "long", "late"]
    out = []
    for i in range(count):
        holiday = rng.randrange(DAYS // 7) * 7
        absent = {START + dt.timedelta(days=holiday + d) for d in range(7)}
        absent |= {START + dt.timedelta(days=rng.randrange(DAYS)) for _ in range(3)}
        out.append(
            {
                "id": f"p{i + 1}",
                "weekly": WEEKLY[rotas[i % len(rotas)]],
                "absent": sorted(d.isoformat() for d in absent),
            }
        )
    return out


def busy(rng: random.Random, staff: list[dict[str, Any]], rooms: int) -> list[dict[str, Any]]:
    blocks = []
    for p in staff:
        for week in range(DAYS // 7):
            for _ in range(rng.choice([1, 1, 2, 2, 3])):  # consultations, meetings, training
                day = START + dt.timedelta(days=week * 7 + rng.randrange(7))
                hours = p["weekly"].get(WEEKDAYS[day.weekday()])
                if not hours:
                    continue
                first, last = rng.choice(hours)
                start = _minutes(first) + 15 * rng.randrange(
                    (_minutes(last) - _minutes(first)) // 15
                )
                length = min(rng.choice([30, 60, 60, 90]), _minutes(last) - start)
                blocks.append(
                    {"practitioner": p["id"], "start": _at(day, start), "minutes": length}
                )
    for r in range(rooms):
        for month in range(DAYS // 28):
            day = START + dt.timedelta(days=month * 28 + rng.randrange(5))
            blocks.append({"room": f"r{r + 1}", "start": _at(day, 8 * 60), "minutes": 120})
    return blocks


def course(rng: random.Random, number: int, staff: list[dict[str, Any]]) -> dict[str, Any]:
    gaps = gap_pattern(rng)
    span = sum(g["target"] for g in gaps)
    earliest = rng.randrange(max(1, DAYS - span - 14))
    doc: dict[str, Any] = {
        "id": f"c{number}",
        "patient": f"pt{number}",
        "minutes": rng.choice([30, 30, 45, 45, 60]),
        "first": {"earliest": _day(earliest), "latest": _day(earliest + rng.choice([6, 13]))},
        "gaps": gaps,
    }
    if rng.random() < 0.25:
        doc["practitioners"] = [p["id"] for p in rng.sample(staff, rng.randint(1, 2))]
    if rng.random() < 0.33:
        doc["patient_weekly"] = rng.choice(PATIENT_WINDOWS)
    return doc


def scenario(name: str, seed: int) -> dict[str, Any]:
    shape = {
        "small": (2, 1, 20),
        "medium": (6, 3, 300),
        "saturated": (6, 3, None),
        "large": (12, 6, 1000),
    }
    staff_count, room_count, courses = shape[name]
    rng = random.Random(f"{name}-{seed}")
    staff = practitioners(rng, staff_count)
    doc: dict[str, Any] = {
        "schema": "anagen.schedule-scenario/1",
        "start": START.isoformat(),
        "days": DAYS,
        "slot_minutes": SLOT,
        "practitioners": staff,
        "rooms": [{"id": f"r{i + 1}"} for i in range(room_count)],
        "busy": busy(rng, staff, room_count),
        "courses": [],
    }
    wanted = 1.1 * capacity(doc) if courses is None else None
    while len(doc["courses"]) < (courses or 10**6):
        doc["courses"].append(course(rng, len(doc["courses"]) + 1, staff))
        if wanted is not None and demand(doc) >= wanted:
            break
    for i, c in enumerate(doc["courses"]):
        if i % 40 == 7:  # a few patients already have an appointment elsewhere
            first = dt.date.fromisoformat(c["first"]["earliest"])
            doc["busy"].append(
                {"patient": c["patient"], "start": _at(first, 17 * 60), "minutes": 120}
            )
    return doc


def capacity(doc: dict[str, Any]) -> int:
    """Bookable minutes: min(practitioner minutes, room minutes while anyone works)."""
    staff_minutes, open_minutes = 0, 0
    for d in range(doc["days"]):
        day = START + dt.timedelta(days=d)
        covered: set[int] = set()
        for p in doc["practitioners"]:
            if day.isoformat() in p["absent"]:
                continue
            for first, last in p["weekly"].get(WEEKDAYS[day.weekday()], []):
                staff_minutes += _minutes(last) - _minutes(first)
                covered |= set(range(_minutes(first), _minutes(last)))
        open_minutes += len(covered)
    staff_busy = sum(b["minutes"] for b in doc["busy"] if "practitioner" in b)
    room_busy = sum(b["minutes"] for b in doc["busy"] if "room" in b)
    return min(staff_minutes - staff_busy, open_minutes * len(doc["rooms"]) - room_busy)


def demand(doc: dict[str, Any]) -> int:
    return sum(c["minutes"] * (len(c["gaps"]) + 1) for c in doc["courses"])


# --- An independent check of a result --------------------------------------------------------


def check(doc: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Every way ``result`` breaks the scenario's rules (empty when none)."""
    problems: list[str] = []
    courses = {c["id"]: c for c in doc["courses"]}
    staff = {p["id"]: p for p in doc["practitioners"]}
    start = dt.datetime.fromisoformat(doc["start"])
    end = start + dt.timedelta(days=doc["days"])
    taken: dict[tuple[str, str], list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
    for b in doc.get("busy", []):
        kind = next(k for k in ("practitioner", "room", "patient") if k in b)
        at = dt.datetime.fromisoformat(b["start"])
        taken[kind, b[kind]].append((at, at + dt.timedelta(minutes=b["minutes"]), "busy"))
    by_course: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in result["sessions"]:
        by_course[s["course"]].append(s)
        c = courses[s["course"]]
        at = dt.datetime.fromisoformat(s["start"])
        until = at + dt.timedelta(minutes=c["minutes"])
        label = f"{s['course']}#{s['number']}"
        if not start <= at < until <= end or at.date() != (until - dt.timedelta(minutes=1)).date():
            problems.append(f"{label} outside the horizon or crosses midnight")
        allowed = c.get("practitioners") or list(staff)
        if s["practitioner"] not in allowed:
            problems.append(f"{label} with a practitioner not allowed")
        p = staff[s["practitioner"]]
        if at.date().isoformat() in p.get("absent", []):
            problems.append(f"{label} on a day the practitioner is absent")
        if not _inside(p["weekly"], at, until):
            problems.append(f"{label} outside the practitioner's hours")
        if c.get("patient_weekly") and not _inside(c["patient_weekly"], at, until):
            problems.append(f"{label} outside the patient's windows")
        for key in (
            ("practitioner", s["practitioner"]),
            ("room", s["room"]),
            ("patient", c["patient"]),
        ):
            taken[key].append((at, until, label))
    for key, spans in taken.items():
        spans.sort()
        for i, (_, a1, x) in enumerate(spans):
            for b0, _, y in spans[i + 1 :]:
                if b0 >= a1:
                    break
                if "busy" not in (x, y) or x != y:  # busy blocks may overlap each other
                    problems.append(f"{key[0]} {key[1]} double-booked: {x} and {y}")
    deviation = 0
    for cid, sessions in by_course.items():
        c = courses[cid]
        sessions.sort(key=lambda s: s["number"])
        if [s["number"] for s in sessions] != list(range(1, len(c["gaps"]) + 2)):
            problems.append(f"{cid} is not booked whole")
            continue
        dates = [dt.date.fromisoformat(s["start"][:10]) for s in sessions]
        first = c["first"]
        if not first["earliest"] <= dates[0].isoformat() <= first["latest"]:
            problems.append(f"{cid} session 1 outside its first window")
        for k, w in enumerate(c.get("windows") or []):
            if not w["earliest"] <= dates[k].isoformat() <= w["latest"]:
                problems.append(f"{cid} session {k + 1} outside its window")
        for k, g in enumerate(c["gaps"]):
            days = (dates[k + 1] - dates[k]).days
            deviation += abs(days - g["target"])
            if not g["min"] <= days <= g["max"]:
                problems.append(f"{cid} gap {k + 1} is {days} days")
    listed = [u["course"] for u in result["unscheduled"]]
    if sorted(listed + list(by_course)) != sorted(courses):
        problems.append("booked and unscheduled courses do not add up to the scenario's")
    stats = result["stats"]
    if stats["courses_scheduled"] != len(by_course) or stats["gap_deviation_days"] != deviation:
        problems.append("stats disagree with the sessions")
    return problems


def _inside(weekly: dict[str, list[list[str]]], at: dt.datetime, until: dt.datetime) -> bool:
    begin = at.hour * 60 + at.minute
    finish = begin + (until - at) // dt.timedelta(minutes=1)
    blocks = weekly.get(WEEKDAYS[at.weekday()], [])
    return any(_minutes(a) <= begin and finish <= _minutes(b) for a, b in blocks)


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _day(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


def _at(day: dt.date, minutes: int) -> str:
    return f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}"


# --- Main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=NAMES)
    parser.add_argument("--time-limit", type=float, default=30.0, metavar="S")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", metavar="DIR", help="also write the scenarios as JSON files")
    args = parser.parse_args()
    print(f"time limit {args.time_limit:g} s, seed {args.seed}, {os.cpu_count()} CPUs")
    print(
        f"{'scenario':<10} {'solver':<7} {'courses':>7} {'sessions':>8} {'load':>5} "
        f"{'booked':>6} {'mean |gap-target|':>17} {'mean practitioners':>18} {'seconds':>8} valid"
    )
    verdicts, failed = [], False
    for name in [args.only] if args.only else NAMES:
        doc = json.loads(json.dumps(scenario(name, args.seed)))  # exactly what a file would hold
        if args.write:
            Path(args.write).mkdir(parents=True, exist_ok=True)
            (Path(args.write) / f"{name}.json").write_text(json.dumps(doc, indent=1))
        stats = {}
        for solver in ("greedy", "cp-sat"):
            result = solve(read_scenario(doc), solver, args.time_limit, seed=args.seed).as_json()
            stats[solver], problems = result["stats"], check(doc, result)
            print(_row(name, solver, doc, stats[solver], problems), flush=True)
            failed = failed or bool(problems)
        verdicts.append(_verdict(name, stats["greedy"], stats["cp-sat"]))
    for verdict in filter(None, verdicts):
        print(verdict)
    if failed:
        sys.exit(1)


def _row(
    name: str, solver: str, doc: dict[str, Any], stats: dict[str, Any], problems: list[str]
) -> str:
    sessions = sum(len(c["gaps"]) + 1 for c in doc["courses"])
    load = demand(doc) / capacity(doc)
    valid = "yes" if not problems else "NO: " + "; ".join(problems[:3])
    return (
        f"{name:<10} {solver:<7} {len(doc['courses']):>7} {sessions:>8} {load:>5.0%} "
        f"{stats['courses_scheduled']:>6} {stats['mean_gap_deviation_days']:>17.3f} "
        f"{stats['mean_distinct_practitioners']:>18.3f} {stats['seconds']:>8.2f} {valid}"
    )


def _verdict(name: str, greedy: dict[str, Any], cpsat: dict[str, Any]) -> str:
    """The acceptance targets: on medium, at least as many courses with at most half the mean
    deviation in under 60 s; on saturated, more courses."""
    booked = (greedy["courses_scheduled"], cpsat["courses_scheduled"])
    if name == "medium":
        drift = (greedy["mean_gap_deviation_days"], cpsat["mean_gap_deviation_days"])
        met = booked[1] >= booked[0] and drift[1] <= drift[0] / 2 and cpsat["seconds"] < 60
        return (
            f"medium target {'MET' if met else 'MISSED'}: booked {booked[1]} >= {booked[0]}, "
            f"mean deviation {drift[1]:.3f} <= {drift[0] / 2:.3f} (half of greedy's), "
            f"{cpsat['seconds']:.1f} s < 60 s"
        )
    if name == "saturated":
        met = booked[1] > booked[0]
        return f"saturated target {'MET' if met else 'MISSED'}: booked {booked[1]} > {booked[0]}"
    return ""


if __name__ == "__main__":
    main()
