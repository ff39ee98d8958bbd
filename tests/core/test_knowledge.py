"""The knowledge base files: complete, cited, consistent with the rules and the code lists."""

import datetime as dt
import itertools
import re

import pytest

from anagen.core import codes
from anagen.core.invalid import InvalidDocument
from anagen.core.knowledge import load, with_policy
from anagen.core.planning import schedule
from anagen.core.rules import RULES, TREATMENT_RULES
from anagen.core.screening import TOPICS

KB = load()
SECTION_4 = [f"CI-{n:02d}" for n in range(1, 24)]
SEVERITY_CLASSES = {"ABS", "ABS-T", "REL", "AGENT", "INFO"}


def test_every_row_of_reference_section_4_is_a_rule():
    assert [r for r in KB.rules if r.startswith("CI-")] == SECTION_4


def test_every_rule_has_exactly_one_function():
    assert set(RULES) | set(TREATMENT_RULES) == set(KB.rules)
    assert not set(RULES) & set(TREATMENT_RULES)


@pytest.mark.parametrize("rule_id", list(KB.rules))
def test_each_rule_is_readable_and_cited(rule_id):
    rule = KB.rules[rule_id]
    assert rule.topic in TOPICS
    assert rule.klass in SEVERITY_CLASSES
    assert rule.sources, "every rule names its source"
    assert all(s in KB.sources for s in rule.sources)
    assert rule.evidence in KB.evidence_tags
    assert len(rule.rationale) > 20
    assert KB.expand(rule.applies_to), f"{rule_id} applies to no ingredient"


def test_every_record_cites_known_sources_with_an_evidence_tag():
    for key, (kind, record) in KB.raw.items():
        if kind in ("source", "scale"):
            continue
        assert record.get("evidence") in KB.evidence_tags, key
        assert all(s in KB.sources for s in record.get("sources", ())), key


def test_the_ingredients_the_contract_names_exist():
    named = {
        "dutasteride", "finasteride", "minoxidil", "biotin", "dexpanthenol", "pyridoxine",
        "cyanocobalamin", "hyaluronic_acid", "amino_acids", "growth_factors", "lidocaine",
    }  # fmt: skip
    assert named <= set(KB.ingredients)


def test_ingredient_atc_codes_are_well_formed_and_known():
    for ingredient in KB.ingredients.values():
        if ingredient.atc:
            assert codes.normalise("atc", ingredient.atc) == ingredient.atc


def test_clinic_policy_and_evidence_are_told_apart_in_aftercare():
    bases = {item.id: item.basis for item in KB.aftercare}
    assert bases["report_nodules"] == "evidence"
    assert {"no_hair_washing", "no_sauna_or_steam", "no_scalp_massage", "no_sun_or_tanning",
            "no_alcohol"} <= {k for k, v in bases.items() if v == "clinic_policy"}  # fmt: skip
    nodules = next(i for i in KB.aftercare if i.id == "report_nodules")
    assert nodules.days == 12 * 7  # NTM appears 1-12 weeks after the session


def test_indications_without_evidence_route_the_patient():
    for indication_id in (
        "telogen-effluvium",
        "anagen-effluvium",
        "alopecia-areata",
        "scarring-alopecia",
    ):
        indication = KB.indications[indication_id]
        assert indication.protocols == ()
        assert indication.route


@pytest.mark.parametrize("code", ["L64.9", "L64.8", "L65.0", "L65.1", "L63.2", "L66.12", "L66.81"])
def test_hair_diagnoses_map_to_an_indication(code):
    assert KB.indication_for(code) is not None


def test_the_most_specific_indication_wins():
    assert KB.indication_for("L65.0").id == "telogen-effluvium"
    assert KB.indication_for("L65.9").id == "other-nonscarring"


@pytest.mark.parametrize("protocol_id", list(KB.protocols))
def test_any_choice_inside_the_windows_keeps_the_course_invariants(protocol_id):
    """Windows are wide enough to reschedule but never let sessions bunch up (issue 4 relies
    on this): the latest of one session and the earliest of the next stay 3 days apart, and
    no three sessions fit in 7 days."""
    sessions = schedule(KB.protocols[protocol_id], dt.date(2027, 1, 4))
    for before, after in itertools.pairwise(sessions):
        assert (after.earliest - before.latest).days >= 3
    for first, third in zip(sessions, sessions[2:], strict=False):
        assert (third.earliest - first.latest).days >= 7


def test_protocol_session_counts_follow_the_trials():
    assert KB.protocols["dutasteride-weekly"].session_count == 7  # T1: weeks 0,1,2,3,5,7,11
    weekly = schedule(KB.protocols["dutasteride-weekly"], dt.date(2027, 1, 4))
    assert [(s.date - weekly[0].date).days // 7 for s in weekly] == [0, 1, 2, 3, 5, 7, 11]
    assert KB.protocols["dutasteride-quarterly"].review_weeks == 39  # T4: month 9
    assert KB.protocols["dutasteride-vitamins"].review_weeks == 18  # T3: week 18


def test_code_list_screening_tags_name_exactly_the_rules_that_read_the_code():
    """The ICD-10 and ATC lists tag each code with the section-4 rules that read it, so the
    code picker can show it; the tags must not drift from the rules' own trigger lists."""
    for system in ("icd10", "atc"):
        for entry in codes.load(system).codes:
            reading = sorted(
                rule.id
                for rule in KB.rules.values()
                if rule.id.startswith("CI-")
                and getattr(rule, system)
                and entry.code.startswith(getattr(rule, system))
            )
            assert sorted(entry.screening) == reading, entry.code


def test_rule_trigger_codes_are_well_formed():
    for rule in KB.rules.values():
        for prefix in rule.icd10:
            assert re.fullmatch(r"[A-Z](\d{2}(\.\d{1,2})?)?", prefix), (rule.id, prefix)
        for prefix in rule.atc:
            assert codes.normalise("atc", prefix) == prefix


def test_policy_overrides_change_only_policy():
    changed = with_policy(
        KB,
        {
            "parameters": {"hba1c_defer_above_percent": 7.0},
            "aftercare": {"no_hair_washing": {"days": 3}, "no_alcohol": {"enabled": False}},
        },
    )
    assert changed.limit("hba1c_defer_above_percent") == 7.0
    items = {i.id: i for i in changed.aftercare}
    assert items["no_hair_washing"].days == 3
    assert items["no_alcohol"].enabled is False
    assert KB.limit("hba1c_defer_above_percent") == 8.0  # the bundled base is untouched


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"parameters": {"hba1c_defer_above_percent": 20}}, "parameters.hba1c_defer_above_percent"),
        ({"parameters": {"no_such": 1}}, "parameters.no_such"),
        ({"parameters": {"age_upper_caution": True}}, "parameters.age_upper_caution"),
        ({"aftercare": {"report_nodules": {"days": 7}}}, "aftercare.report_nodules"),
        ({"aftercare": {"no_hair_washing": {"days": 99}}}, "aftercare.no_hair_washing.days"),
        ({"aftercare": {"no_hair_washing": {"colour": 1}}}, "aftercare.no_hair_washing.colour"),
        ({"rules": {}}, "rules"),
    ],
)
def test_policy_overrides_outside_the_bounds_are_refused(overrides, field):
    with pytest.raises(InvalidDocument) as error:
        with_policy(KB, overrides)
    assert error.value.field == field
