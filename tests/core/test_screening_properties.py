"""Properties of screening and planning that hold for any valid intake (Hypothesis).

The intakes are drawn at random: either sex, ages 12-90, any pregnancy status, the hair-loss
diagnoses the protocols and rules route, stages on the scale that fits, and histories mixing
codes that trigger rules with codes no rule knows. No database.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from anagen.core.intake import PREGNANCY, SCALP, TRICHOSCOPY_SIGNS
from anagen.core.knowledge import Protocol, load
from anagen.core.planning import Session, build_plan, course_problems, schedule
from anagen.core.screening import SEVERITIES, VERDICTS, Screening, screen_document
from tests.core.intake_builders import born_aged

KB = load()
PROPERTIES = settings(max_examples=300, deadline=None)
TREATABLE = ("eligible", "eligible_with_caution")
VERDICT_OF_SEVERITY = {
    "absolute": "not_eligible",
    "temporary": "defer",
    "relative": "eligible_with_caution",
    "ingredient": "eligible_with_caution",
}

AGA = ("L64.9", "L64.8")
DIAGNOSES = (*AGA, "L65.0", "L63.9", "L66.12", None)
AGA_SIGNS = ("anisotrichosis", "yellow_dots", "short_regrowing_hairs")
# Codes that trigger rules (diabetes, blood pressure, heart, bleeding, skin, liver, kidney,
# cancer, immunity, thyroid, iron) and codes no rule knows (asthma, back pain, reflux, lipids).
CONDITIONS = (
    "E11.9", "E10.9", "I10", "I95.9", "I21.9", "I25.1", "I50.9", "I48.0", "D66", "D69.6",
    "D68.3", "L40.0", "L80", "B35.0", "L91.0", "K74.6", "N18.5", "C50.9", "C91.0", "D70",
    "B20", "Z94.0", "E03.9", "D50.9", "J45.9", "M54.5", "K21.9", "E78.0",
)  # fmt: skip
# Rarely: history that refuses treatment outright.
REFUSING_CONDITIONS = ("L66.1", "L63.0")
MEDICATIONS = (
    "B01AA03", "B01AC06", "B01AF01", "H02AB06", "L04AX03", "L01BA01", "D10BA01", "G04CB01",
    "G04CB02", "D11AX01", "C02DC01", "C09AA02", "C07AB07", "C03CA01", "A10BA02", "R03AC02",
    "N02BE01", "C10AA05",
)  # fmt: skip
INGREDIENTS = tuple(KB.ingredients)
STAGED_SCALES = ("ludwig", "sinclair", "savin", "norwood")
SALT_REGIONS = tuple(KB.scales.salt.weights)


def _lab(low: float, high: float, *edges: float) -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from(edges), st.floats(low, high, allow_nan=False))


LABS = {
    "hba1c_percent": _lab(4.0, 12.0, 8.0, 8.1),
    "inr": _lab(0.8, 5.0, 3.5, 3.6),
    "platelets_10e9_per_l": _lab(20, 400, 99, 100),
    "ferritin_ug_per_l": _lab(5, 200, 29, 30),
    "tsh_mu_per_l": _lab(0.05, 10, 0.4, 4.5, 4.6),
    "haemoglobin_g_per_dl": _lab(8, 17, 10),
}


def sometimes(items: st.SearchStrategy[str], most: int) -> st.SearchStrategy[list[str]]:
    """Often nothing, otherwise up to ``most`` different items."""
    return st.just([]) | st.lists(items, max_size=most, unique=True)


@st.composite
def dates_before(draw: st.DrawFn, day: dt.date, most_days: int) -> str:
    return (day - dt.timedelta(days=draw(st.integers(0, most_days)))).isoformat()


@st.composite
def patients(draw: st.DrawFn, today: dt.date, sex: str, ages: tuple[int, int]) -> dict[str, Any]:
    born = dt.date.fromisoformat(born_aged(draw(st.integers(*ages)), on=today))
    patient: dict[str, Any] = {
        "birth_date": (born - dt.timedelta(days=draw(st.integers(0, 364)))).isoformat(),
        "sex": sex,
    }
    if sex == "female":
        optional = {
            "pregnancy": st.sampled_from(PREGNANCY),
            "postmenopausal": st.booleans(),
            "reliable_contraception": st.booleans(),
            "negative_pregnancy_test_on": dates_before(today, 30),
        }
        for key, values in optional.items():
            value = draw(st.none() | values)
            if value is not None:
                patient[key] = value
    return patient


@st.composite
def stages(draw: st.DrawFn, sex: str, diagnosis: str | None) -> dict[str, Any] | None:
    if draw(st.integers(0, 5)) == 0:
        return None
    if diagnosis == "L63.9":
        percent = st.integers(0, 100)
        return {"scale": "salt", "value": {r: draw(percent) for r in SALT_REGIONS}}
    scale = "norwood" if sex == "male" else draw(st.sampled_from(STAGED_SCALES))
    return {"scale": scale, "value": draw(st.sampled_from(KB.scales.stages(scale)))}


@st.composite
def hair_losses(draw: st.DrawFn, sex: str) -> dict[str, Any]:
    # Half the time androgenetic alopecia, so that many intakes reach a plan.
    diagnosis = draw(st.sampled_from(AGA) | st.sampled_from(DIAGNOSES))
    hair: dict[str, Any] = {
        "diagnosis": diagnosis,
        "stage": draw(stages(sex, diagnosis)),
        "pull_test_positive_regions": draw(st.none() | st.just(0) | st.integers(0, 4)),
        "trichoscopy_signs": draw(
            sometimes(st.sampled_from(AGA_SIGNS) | st.sampled_from(TRICHOSCOPY_SIGNS), 3)
        ),
        "scalp": draw(sometimes(st.sampled_from(SCALP), 2)),
    }
    return {key: value for key, value in hair.items() if value is not None}


@st.composite
def histories(draw: st.DrawFn, today: dt.date) -> tuple[list[Any], list[Any]]:
    codes = draw(sometimes(st.sampled_from(CONDITIONS), 4))
    if draw(st.integers(0, 19)) == 0:
        codes.append(draw(st.sampled_from(REFUSING_CONDITIONS)))
    conditions = []
    for code in codes:
        onset = draw(st.none() | dates_before(today, 3650))
        conditions.append({"icd10": code} if onset is None else {"icd10": code, "onset": onset})
    medications = []
    for atc in draw(sometimes(st.sampled_from(MEDICATIONS), 4)):
        stopped = draw(st.none() | dates_before(today, 400))
        medications.append({"atc": atc} if stopped is None else {"atc": atc, "stopped_on": stopped})
    return conditions, medications


@st.composite
def intakes(
    draw: st.DrawFn, sexes: tuple[str, ...] = ("female", "male"), ages: tuple[int, int] = (12, 90)
) -> dict[str, Any]:
    """A valid ``anagen.intake/1`` document."""
    today = draw(st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)))
    sex = draw(st.sampled_from(sexes))
    conditions, medications = draw(histories(today))
    labs = draw(st.fixed_dictionaries({}, optional=LABS))
    requested = draw(st.none() | st.lists(st.sampled_from(INGREDIENTS), min_size=1, max_size=4))
    doc: dict[str, Any] = {
        "schema": "anagen.intake/1",
        "assessed_on": today.isoformat(),
        "patient": draw(patients(today, sex, ages)),
        "hair_loss": draw(hair_losses(sex)),
        "conditions": conditions,
        "medications": medications,
        "allergies": draw(sometimes(st.sampled_from(INGREDIENTS), 3)),
        "labs": labs,
        "clearances": draw(st.sampled_from(([], ["haematology"]))),
    }
    if requested is not None:
        doc["requested"] = {"ingredients": requested}
    return doc


def screen(doc: dict[str, Any]) -> Screening:
    return screen_document(doc, KB)[1]


def rank(verdict: str) -> int:
    """0 for the strongest verdict (not_eligible), 4 for eligible."""
    return VERDICTS.index(verdict)


def adding_absolute(doc: dict[str, Any], which: str) -> dict[str, Any]:
    changed = copy.deepcopy(doc)
    if which == "pregnant":
        changed["patient"]["pregnancy"] = "pregnant"
    elif which == "scarring alopecia":
        changed["conditions"].append({"icd10": "L66.1"})
    else:  # haemophilia, no haematology clearance
        changed["conditions"].append({"icd10": "D66"})
        changed["clearances"] = []
    return changed


# --- (1) an absolute contraindication never improves the verdict -------------------------------


@PROPERTIES
@given(
    doc=intakes(),
    which=st.sampled_from(("pregnant", "scarring alopecia", "haemophilia")),
)
def test_adding_an_absolute_contraindication_never_improves_the_verdict(doc, which):
    if which == "pregnant" and doc["patient"]["sex"] != "female":
        which = "scarring alopecia"
    before, after = screen(doc), screen(adding_absolute(doc, which))
    assert rank(after.verdict) <= rank(before.verdict)
    assert after.verdict == "not_eligible"


# --- (2) a missing required fact never gives eligible -------------------------------------------


def _premenopausal_without_status(doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
    doc["patient"].pop("pregnancy", None)
    doc["patient"]["postmenopausal"] = False
    return doc, "patient.pregnancy"


def _diabetic_without_hba1c(doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
    doc["conditions"].append({"icd10": "E11.9"})
    doc["labs"].pop("hba1c_percent", None)
    return doc, "labs.hba1c_percent"


def _warfarin_without_inr(doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
    doc["medications"] = [m for m in doc["medications"] if m["atc"] != "B01AA03"]
    doc["medications"].append({"atc": "B01AA03"})
    doc["labs"].pop("inr", None)
    return doc, "labs.inr"


@PROPERTIES
@given(doc=intakes(sexes=("female",), ages=(12, 55)), unknown_menopause=st.booleans())
def test_a_premenopausal_woman_without_a_pregnancy_status_is_never_eligible(doc, unknown_menopause):
    doc, field = _premenopausal_without_status(doc)
    if unknown_menopause:
        del doc["patient"]["postmenopausal"]
    screening = screen(doc)
    assert screening.verdict in ("not_eligible", "defer", "incomplete")
    assert field in {n.field for n in screening.missing}


@PROPERTIES
@given(doc=intakes(), remove=st.sampled_from((_diabetic_without_hba1c, _warfarin_without_inr)))
def test_a_missing_lab_a_rule_needs_never_gives_eligible(doc, remove):
    doc, field = remove(doc)
    screening = screen(doc)
    assert screening.verdict in ("not_eligible", "defer", "incomplete")
    assert field in {n.field for n in screening.missing}


# --- (3) and (4) plans -------------------------------------------------------------------------

START_DATES = st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31))


def plan_for(doc: dict[str, Any], start: dt.date) -> tuple[Screening, dict[str, Any]]:
    ctx, screening = screen_document(doc, KB)
    return screening, build_plan(ctx, screening, start=start)


def course_breaks(sessions: list[tuple[dt.date, dt.date, dt.date]]) -> list[str]:
    """The plan invariants, checked independently of planning.course_problems:
    (date, earliest, latest) for each session."""
    broken = [f"{d} outside [{lo}, {hi}]" for d, lo, hi in sessions if not lo <= d <= hi]
    dates = sorted(d for d, _, _ in sessions)
    broken += [
        f"{a} and {b} under 3 days apart" for a, b in itertools.pairwise(dates) if (b - a).days < 3
    ]
    for first in dates:
        within = [d for d in dates if first <= d < first + dt.timedelta(days=7)]
        if len(within) > 2:
            broken.append(f"{len(within)} sessions in the 7 days from {first}")
    return broken


def sessions_of(plan: dict[str, Any]) -> list[Session]:
    return [
        Session(
            number=s["number"],
            date=dt.date.fromisoformat(s["date"]),
            earliest=dt.date.fromisoformat(s["earliest"]),
            latest=dt.date.fromisoformat(s["latest"]),
            phase=s["phase"],
        )
        for s in plan["sessions"]
    ]


# One property for both, as drawing the intakes is most of the time a property takes.
@PROPERTIES
@given(doc=intakes(), start=START_DATES)
def test_an_excluded_ingredient_never_reaches_the_plan_and_the_course_invariants_hold(doc, start):
    screening, plan = plan_for(doc, start)
    given_ids = {i["id"] for i in plan["ingredients"]}
    assert not given_ids & screening.excluded
    assert not screening.treatment & screening.excluded
    assert set(plan["screening"]["excluded_ingredients"]) == screening.excluded
    if doc.get("requested"):
        assert given_ids <= set(doc["requested"]["ingredients"])

    sessions = sessions_of(plan)
    if screening.verdict not in TREATABLE:
        assert sessions == []
        return
    assert course_problems(sessions) == []
    assert course_breaks([(s.date, s.earliest, s.latest) for s in sessions]) == []
    assert [s.number for s in sessions] == list(range(1, len(sessions) + 1))
    assert all(a.date < b.date for a, b in itertools.pairwise(sessions))
    if sessions:
        assert sessions[0].date == start
        assert len(sessions) == KB.protocols[plan["protocol"]["id"]].session_count


@st.composite
def moved_courses(draw: st.DrawFn) -> tuple[Protocol, list[Session]]:
    """A protocol's course with every session moved to any day inside its window."""
    protocol = draw(st.sampled_from(list(KB.protocols.values())))
    planned = schedule(protocol, draw(START_DATES))
    moved = []
    for session in planned:
        shift = draw(st.integers(0, (session.latest - session.earliest).days))
        moved.append(
            Session(
                number=session.number,
                date=session.earliest + dt.timedelta(days=shift),
                earliest=session.earliest,
                latest=session.latest,
                phase=session.phase,
            )
        )
    return protocol, moved


@PROPERTIES
@given(course=moved_courses())
def test_any_dates_inside_the_windows_keep_the_course_invariants(course):
    """protocols.toml promises its windows are set so; rescheduling relies on it."""
    _, sessions = course
    assert course_problems(sessions) == []
    assert course_breaks([(s.date, s.earliest, s.latest) for s in sessions]) == []


def test_the_independent_check_catches_what_it_should():
    day = dt.date(2027, 1, 4)
    at = [day + dt.timedelta(days=n) for n in (0, 3, 6)]
    assert course_breaks([(d, d, d) for d in at])  # three in 7 days
    assert course_breaks([(day, day, day), (at[0] + dt.timedelta(days=2),) * 3])  # 2 days apart
    assert course_breaks([(day, at[1], at[2])])  # outside its window
    assert not course_breaks([(d, d, d) for d in (day, at[1], day + dt.timedelta(days=7))])


# --- (5) the verdict is the strongest a finding or a missing fact leads to; (6) determinism ---


# One property for (5) and (6), as drawing the intakes is most of the time a property takes.
@PROPERTIES
@given(doc=intakes())
def test_the_verdict_is_the_strongest_the_findings_lead_to_and_screening_is_deterministic(doc):
    original = copy.deepcopy(doc)
    screening = screen(doc)
    assert screening.verdict in VERDICTS
    assert all(f.severity in SEVERITIES for f in screening.findings)
    reached = {VERDICT_OF_SEVERITY[f.severity] for f in screening.findings if f.severity != "info"}
    if screening.missing:
        reached.add("incomplete")
    expected = min(reached, key=rank) if reached else "eligible"
    assert screening.verdict == expected
    if screening.verdict == "eligible":
        assert not screening.missing
        assert {f.severity for f in screening.findings} <= {"info"}
    # An eligible patient always has a treatment.
    if screening.verdict in TREATABLE:
        assert screening.treatment
    # Screening is deterministic and leaves the document alone.
    assert doc == original
    assert screen(copy.deepcopy(doc)).as_json() == screening.as_json()


# --- (6) neither does the order of the history ------------------------------------------------


@PROPERTIES
@given(doc=intakes(), data=st.data())
def test_the_order_of_the_history_does_not_change_the_verdict(doc, data):
    shuffled = copy.deepcopy(doc)
    shuffled["conditions"] = data.draw(st.permutations(doc["conditions"]))
    shuffled["medications"] = data.draw(st.permutations(doc["medications"]))
    before, after = screen(doc), screen(shuffled)
    assert after.verdict == before.verdict
    assert after.excluded == before.excluded
    assert after.treatment == before.treatment
    assert sorted(after.as_json()["missing"]) == sorted(before.as_json()["missing"])
