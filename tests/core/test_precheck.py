"""The pre-session check: answers read strictly, the intake brought up to date and screened
again, and exactly what is new and serious blocks the session."""

import datetime as dt

import pytest

from anagen.core.invalid import InvalidDocument
from anagen.core.knowledge import load
from anagen.core.precheck import load_checks, needs_pregnancy_answer, precheck
from anagen.core.screening import screen_document
from tests.core.intake_builders import ASSESSED_ON, man, medication, woman

KB = load()
TODAY = ASSESSED_ON + dt.timedelta(days=14)
NO = {c.id: False for c in load_checks(KB)}


def run(intake, answers, *, medications=None, conditions=None, plan=None):
    _ctx, screening = screen_document(intake, KB)
    return precheck(
        {"checks": NO} | answers,
        consulted_intake=intake,
        consulted_result=screening.as_json(),
        conditions=intake.get("conditions", []) if conditions is None else conditions,
        medications=intake.get("medications", []) if medications is None else medications,
        plan_ingredients=plan or screening.treatment,
        today=TODAY,
        kb=KB,
    )


def rules(found):
    return [f["rule"] for f in found]


def test_nothing_changed_blocks_nothing_and_screens_on_the_day():
    check = run(man(), {})
    assert check.blocking == [] and check.findings == []
    assert check.intake["assessed_on"] == TODAY.isoformat()
    assert check.result["verdict"] == "eligible"


def test_every_question_must_be_answered_yes_or_no():
    unanswered = dict(NO)
    del unanswered["PS-02"]
    with pytest.raises(InvalidDocument) as caught:
        run(man(), {"checks": unanswered})
    assert caught.value.field == "checks.PS-02"
    with pytest.raises(InvalidDocument) as caught:
        run(man(), {"checks": NO | {"PS-01": "no"}})
    assert caught.value.field == "checks.PS-01"


def test_a_woman_of_child_bearing_age_is_asked_about_pregnancy_again():
    assert needs_pregnancy_answer(woman(), TODAY)
    assert not needs_pregnancy_answer(man(), TODAY)
    assert not needs_pregnancy_answer(woman(patient={"postmenopausal": True}), TODAY)
    with pytest.raises(InvalidDocument) as caught:
        run(woman(), {})
    assert caught.value.field == "pregnancy"


def test_a_new_pregnancy_blocks_the_session():
    check = run(woman(), {"pregnancy": "pregnant"})
    assert "CI-01" in rules(check.blocking)
    assert check.intake["patient"]["pregnancy"] == "pregnant"


def test_an_infected_scalp_today_blocks_until_it_has_healed():
    check = run(man(), {"scalp": ["active_infection"]})
    assert [f["severity"] for f in check.blocking] == ["temporary"]
    assert check.intake["hair_loss"]["scalp"] == ["active_infection"]


def test_a_new_medicine_on_the_chart_is_screened():
    # Isotretinoin started since the consultation: relative, noted but not blocking.
    check = run(man(), {}, medications=[medication("D10BA01")])
    assert "CI-12" in rules(check.result["findings"])
    assert check.blocking == []


def test_a_lump_at_earlier_injection_sites_blocks_and_cites_the_ntm_sources():
    check = run(man(), {"checks": NO | {"PS-02": True}})
    (block,) = check.blocking
    assert block["rule"] == "PS-02" and "mycobacterial" in block["message"]
    assert "singsing-2022" in block["sources"]


def test_a_minor_reaction_is_noted_without_blocking():
    check = run(man(), {"checks": NO | {"PS-05": True}})
    assert rules(check.findings) == ["PS-05"] and check.blocking == []


def test_an_ingredient_of_the_plan_newly_excluded_blocks_the_session():
    # Planning a pregnancy now: the 5-alpha-reductase inhibitors are excluded (CI-01).
    plan = {"dutasteride", "biotin"}
    check = run(woman(), {"pregnancy": "planning"}, plan=plan)
    assert any("dutasteride" in f.get("excluded_ingredients", []) for f in check.blocking)


def test_a_fact_the_screening_now_lacks_blocks_the_session_fail_closed():
    # The pregnancy test of the consultation is now too old for a woman on dutasteride.
    intake = woman(patient={"negative_pregnancy_test_on": ASSESSED_ON.isoformat()})
    check = run(intake, {"pregnancy": "no"}, plan={"dutasteride"})
    assert check.blocking, check.result
    assert all(f["severity"] in ("incomplete", "ingredient", "temporary") for f in check.blocking)


def test_a_finding_the_consultation_already_had_does_not_block_again():
    intake = man(medications=[medication("B01AA03")])  # warfarin: relative at the consultation
    check = run(intake, {})
    assert check.blocking == []


def test_every_question_cites_sources_the_knowledge_base_knows():
    for check in load_checks(KB):
        assert check.sources and all(s in KB.sources for s in check.sources)
