"""Consent documents and the drawn signature, in the pure core (no database)."""

import datetime as dt
import re
import tomllib
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anagen.core.consent import (
    MAX_SIGNATURE_POINTS,
    SIGNATURE_HEIGHT,
    SIGNATURE_WIDTH,
    consent_document,
    load_risks,
    paragraphs,
    read_risks,
    read_signature,
    signature_svg,
)
from anagen.core.invalid import InvalidDocument
from anagen.core.knowledge import load
from anagen.core.planning import plan_document
from tests.core.intake_builders import man, woman

KB = load()
RISKS = load_risks()
TODAY = dt.date(2026, 11, 25)
PLAN = plan_document(woman(), KB, start=dt.date(2026, 12, 1))
CITATIONS = {key: s.citation for key, s in KB.sources.items()}
RAW = tomllib.loads(
    (files("anagen.core") / "data" / "knowledge" / "consent_risks.toml").read_text("utf-8")
)
# The risks issue 5 and the brief require on every treatment consent.
REQUIRED = {
    "pain",
    "bruising",
    "swelling",
    "headache",
    "infection",
    "hair_loss_at_injection_sites",
    "allergic_reaction",
    "off_label",
    "evidence_limits",
}
NO_PATH_MARKUP = re.compile(r"^[ML0-9. -]+$")


def treatment(plan=PLAN, body="Our words.\n\nSecond paragraph.", risks=RISKS):
    return consent_document(
        kind="treatment",
        template_title="Consent to scalp mesotherapy",
        template_body=body,
        template_version=3,
        plan=plan,
        risks=risks,
        patient_name="Ada Lovelace",
        clinic_name="Clinic A",
        today=TODAY,
    )


def photography(**overrides):
    arguments = {
        "kind": "photography",
        "template_title": "Consent to clinical photographs",
        "template_body": "We take photos.",
        "template_version": 1,
        "plan": None,
        "risks": (),
        "patient_name": "Ada Lovelace",
        "clinic_name": "Clinic A",
        "today": TODAY,
    } | overrides
    return consent_document(**arguments)


# --- the risks file ------------------------------------------------------------------------------


def test_every_required_risk_is_listed():
    assert {r.id for r in RISKS} >= REQUIRED


@pytest.mark.parametrize("risk", RISKS, ids=lambda r: r.id)
def test_each_risk_is_plain_cited_and_tagged(risk):
    assert risk.sources, "every risk names its source"
    assert all(s.id in KB.sources and s.citation == CITATIONS[s.id] for s in risk.sources)
    assert risk.evidence in KB.evidence_tags
    assert len(risk.text) > 40
    # The patient reads this: no source ids or rule codes in the text itself.
    assert not re.search(r"\b(CI-\d+|[ST]\d+)\b", risk.text), risk.text


def test_the_mycobacterial_risk_gives_the_delayed_onset_and_what_to_report():
    infection = next(r for r in RISKS if r.id == "infection")
    assert "mycobacteria" in infection.text
    assert "1 to 12 weeks" in infection.text and "3 months" in infection.text
    assert "lump" in infection.text
    assert {"singsing-2022", "ntm-series-17550571", "lam-2024-ntm"} <= {
        s.id for s in infection.sources
    }


def test_hair_loss_at_injection_sites_cites_the_case_reports_and_mentions_scarring():
    hair_loss = next(r for r in RISKS if r.id == "hair_loss_at_injection_sites")
    assert {s.id for s in hair_loss.sources} == {"duque-estrada-2009", "reguero-2022"}
    assert "scarred" in hair_loss.text


def test_pain_gives_the_rate_from_the_largest_series():
    pain = next(r for r in RISKS if r.id == "pain")
    assert "246 of 541" in pain.frequency


def test_a_risk_citing_an_unknown_source_is_refused():
    data = {"risk": [dict(RAW["risk"][0], sources=["no-such-source"])]}
    with pytest.raises(ValueError, match="unknown source 'no-such-source'"):
        read_risks(data, CITATIONS, KB.evidence_tags)


def test_a_risk_without_sources_is_refused():
    data = {"risk": [dict(RAW["risk"][0], sources=[])]}
    with pytest.raises(ValueError, match="names its sources"):
        read_risks(data, CITATIONS, KB.evidence_tags)


def test_a_risk_listed_twice_is_refused():
    data = {"risk": [RAW["risk"][0], RAW["risk"][0]]}
    with pytest.raises(ValueError, match="listed twice"):
        read_risks(data, CITATIONS, KB.evidence_tags)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("group", "sometimes", "group must be"),
        ("evidence", "XYZ", "unknown evidence tag"),
        ("text", "  ", "text is empty"),
        ("colour", "red", "unknown field"),
    ],
)
def test_a_malformed_risk_is_refused(field, value, message):
    data = {"risk": [dict(RAW["risk"][0], **{field: value})]}
    with pytest.raises(ValueError, match=message):
        read_risks(data, CITATIONS, KB.evidence_tags)


# --- the treatment consent -----------------------------------------------------------------------


def test_a_treatment_consent_lists_every_risk_with_its_sources():
    document = treatment()
    listed = {r["id"]: r for r in document["risks"]}
    assert list(listed) == [r.id for r in RISKS]
    for risk in RISKS:
        assert listed[risk.id]["text"] == risk.text
        assert [s["id"] for s in listed[risk.id]["sources"]] == [s.id for s in risk.sources]
        assert all(s["citation"] for s in listed[risk.id]["sources"])


def test_a_treatment_consent_fills_in_the_plan():
    document = treatment()
    t = document["treatment"]
    assert t["protocol"]["name"] == PLAN["protocol"]["name"]
    assert t["ingredients"] == [
        {"name": i["name"], "concentration": i["concentration"]} for i in PLAN["ingredients"]
    ]
    assert t["session_count"] == len(PLAN["sessions"]) > 1
    assert [s["date"] for s in t["sessions"]] == [s["date"] for s in PLAN["sessions"]]
    assert t["review"]["date"] == PLAN["review"]["date"]
    assert t["evidence_note"] == PLAN["protocol"]["evidence_note"]
    assert t["notes"] == PLAN["notes"]


def test_the_clinics_words_come_first_as_paragraphs_then_the_statement():
    document = treatment(body="First line\nsame paragraph.\n\n\n  Second.  \n")
    assert document["body"] == ["First line\nsame paragraph.", "Second."]
    assert document["title"] == "Consent to scalp mesotherapy"
    assert document["template_version"] == 3
    assert (document["patient"], document["clinic"], document["date"]) == (
        "Ada Lovelace",
        "Clinic A",
        "2026-11-25",
    )
    assert "stop at any time" in document["statement"]
    assert "photography" not in document


def test_a_plan_without_a_course_has_no_consent():
    no_course = dict(PLAN, sessions=[], protocol=None)
    with pytest.raises(InvalidDocument) as error:
        treatment(plan=no_course)
    assert error.value.field == "plan"


def test_something_that_is_not_a_plan_is_refused():
    with pytest.raises(InvalidDocument, match=r"anagen\.plan/1"):
        treatment(plan={"schema": "anagen.intake/1"})


def test_a_treatment_consent_needs_a_plan_and_a_photography_consent_takes_none():
    with pytest.raises(InvalidDocument, match="required"):
        treatment(plan=None)
    with pytest.raises(InvalidDocument, match="left out"):
        photography(plan=PLAN)
    with pytest.raises(InvalidDocument) as error:
        photography(kind="video")
    assert error.value.field == "kind"


# --- the photography consent ---------------------------------------------------------------------


def test_a_photography_consent_lists_the_uses_and_how_to_withdraw():
    document = photography()
    uses = " ".join(document["photography"]["uses"])
    assert "clinical record" in uses and "Clinic A" in uses
    assert "not for advertising" in uses
    assert "withdraw" in document["photography"]["withdraw"]
    assert "withdraw this consent at any time" in document["statement"]
    assert "risks" not in document and "treatment" not in document


# --- the drawn signature -------------------------------------------------------------------------


def test_a_drawn_signature_is_rewritten_from_its_commands_and_numbers():
    raw = "M10,150 L60.04 40 L 100.26,160M250 100L400 110"
    assert read_signature(raw) == "M 10 150 L 60 40 L 100.3 160 M 250 100 L 400 110"


@pytest.mark.parametrize(
    "raw",
    [
        '<path d="M 1 1 L 2 2"/>',
        "M 1 1 L 2 2 <script>alert(1)</script>",
        "M 1 1 C 2 2 3 3 4 4",
        "M 1 1 l 2 2",
        "L 1 1 L 2 2",
        "M 1e2 1 L 2 2",
        "M 1 1 L 2",
        "M 1 1 L",
        "M NaN 1 L 2 2",
        'M 1 1 L 2 2"/><svg onload=alert(1)>',
    ],
)
def test_anything_but_move_and_line_commands_is_refused(raw):
    with pytest.raises(InvalidDocument) as error:
        read_signature(raw)
    assert error.value.field == "signature"


@pytest.mark.parametrize("raw", ["M -1 5 L 10 10", "M 5 5 L 601 10", "M 5 5 L 10 200.1"])
def test_a_point_outside_the_signature_box_is_refused(raw):
    with pytest.raises(InvalidDocument, match="outside"):
        read_signature(raw)


def test_an_empty_or_single_point_signature_is_refused():
    for raw in ("", "   ", "M 5 5"):
        with pytest.raises(InvalidDocument, match="is empty"):
            read_signature(raw)


def test_a_signature_with_too_many_points_is_refused():
    points = " L ".join("10 10" for _ in range(MAX_SIGNATURE_POINTS))
    with pytest.raises(InvalidDocument, match="too many points"):
        read_signature(f"M 5 5 L {points}")


def test_the_signature_picture_holds_only_the_rewritten_path():
    svg = signature_svg("M10,150 L60 40")
    assert svg.count("<path") == 1
    assert 'd="M 10 150 L 60 40"' in svg
    with pytest.raises(InvalidDocument):
        signature_svg('M 1 1 L 2 2"/><script>')


coordinate_x = st.floats(0, SIGNATURE_WIDTH, allow_nan=False)
coordinate_y = st.floats(0, SIGNATURE_HEIGHT, allow_nan=False)
strokes = st.lists(
    st.lists(st.tuples(coordinate_x, coordinate_y), min_size=2, max_size=20),
    min_size=1,
    max_size=6,
)


def as_path(drawn, separator=" "):
    return " ".join(
        "M " + " L ".join(f"{x:.3f}{separator}{y:.3f}" for x, y in stroke) for stroke in drawn
    )


@given(strokes, st.sampled_from([" ", ",", " , "]))
def test_any_drawing_inside_the_box_is_kept_point_for_point(drawn, separator):
    path = read_signature(as_path(drawn, separator))
    assert NO_PATH_MARKUP.match(path)
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", path)]
    expected = [round(round(v, 3), 1) for stroke in drawn for point in stroke for v in point]
    assert numbers == pytest.approx(expected, abs=1e-9)
    assert path.count("M") == len(drawn)


@given(st.text(max_size=300))
def test_any_text_is_refused_or_becomes_bare_path_data(raw):
    try:
        path = read_signature(raw)
    except InvalidDocument:
        return
    assert NO_PATH_MARKUP.match(path)
    assert read_signature(path) == path


@given(strokes)
def test_reading_a_signature_twice_changes_nothing(drawn):
    once = read_signature(as_path(drawn))
    assert read_signature(once) == once


# --- properties of the document ------------------------------------------------------------------


@given(st.integers(1, 24), st.integers(1, 5))
def test_the_session_count_and_ingredients_are_the_plans_own(count, ingredients):
    plan = dict(
        PLAN,
        sessions=[
            {"number": n, "date": (TODAY + dt.timedelta(weeks=n)).isoformat()}
            for n in range(1, count + 1)
        ],
        ingredients=[
            {"id": f"i{n}", "name": f"Ingredient {n}", "concentration": f"0.0{n}%"}
            for n in range(ingredients)
        ],
    )
    t = treatment(plan=plan)["treatment"]
    assert t["session_count"] == count == len(t["sessions"])
    assert [i["name"] for i in t["ingredients"]] == [f"Ingredient {n}" for n in range(ingredients)]


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40)))
def test_no_word_of_the_clinics_text_is_lost(blocks):
    body = "\n\n".join(blocks)
    kept = paragraphs(body)
    assert all(p == p.strip() and p for p in kept)
    assert " ".join(kept).split() == body.split()


def test_a_man_and_a_woman_get_their_own_plans_ingredients():
    for intake in (man(), woman()):
        plan = plan_document(intake, KB, start=dt.date(2026, 12, 1))
        names = [i["name"] for i in treatment(plan=plan)["treatment"]["ingredients"]]
        assert names == [i["name"] for i in plan["ingredients"]]
