"""The intake reader and the clinic-policy reader: a bad document is refused with the exact
dotted path of the field and a message that names the problem. No database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from anagen.core.intake import read_intake
from anagen.core.invalid import InvalidDocument
from anagen.core.knowledge import load, with_policy
from anagen.core.screening import screen_document
from tests.core.intake_builders import ASSESSED_ON, condition, man, medication, woman

KB = load()
TOMORROW = (ASSESSED_ON + dt.timedelta(days=1)).isoformat()


def read(doc: object) -> Any:
    return read_intake(doc, ingredients=tuple(KB.ingredients), scales=KB.scales)


def refused(doc: object) -> InvalidDocument:
    with pytest.raises(InvalidDocument) as caught:
        read(doc)
    return caught.value


INVALID = [
    pytest.param(man(colour="red"), "colour", "unknown key", id="unknown top-level key"),
    pytest.param(
        man(patient={"eye": "blue"}), "patient.eye", "unknown key", id="unknown patient key"
    ),
    pytest.param(man(labs={"potassium": 4.1}), "labs.potassium", "unknown key", id="unknown lab"),
    pytest.param(
        man(medications=[medication("B01AC06"), {"atc": "B01AC06", "dose": "75 mg"}]),
        "medications[1].dose",
        "unknown key",
        id="unknown key in a medication",
    ),
    pytest.param(
        man(hair_loss={"stage": {"scale": "norwood", "value": "III", "side": "left"}}),
        "hair_loss.stage.side",
        "allowed: scale, value",
        id="unknown key in the stage",
    ),
    pytest.param(man(assessed_on="2026-13-01"), "assessed_on", "not a date", id="month 13"),
    pytest.param(man(assessed_on="2026-1-05"), "assessed_on", "YYYY-MM-DD", id="unpadded date"),
    pytest.param(man(assessed_on="20261105"), "assessed_on", "YYYY-MM-DD", id="basic ISO date"),
    pytest.param(man(assessed_on=20261105), "assessed_on", "YYYY-MM-DD", id="date as a number"),
    pytest.param(
        man(conditions=[condition("E11.9", onset="2026-02-30")]),
        "conditions[0].onset",
        "not a date",
        id="30 February",
    ),
    pytest.param(
        man(patient={"birth_date": TOMORROW}),
        "patient.birth_date",
        "after assessed_on",
        id="born after the assessment",
    ),
    pytest.param(
        man(conditions=[condition("J45.9"), condition("E11.9", onset=TOMORROW)]),
        "conditions[1].onset",
        "after assessed_on",
        id="condition onset after the assessment",
    ),
    pytest.param(
        woman(patient={"negative_pregnancy_test_on": TOMORROW}),
        "patient.negative_pregnancy_test_on",
        "after assessed_on",
        id="pregnancy test after the assessment",
    ),
    pytest.param(
        man(conditions=[condition("E11.9"), condition("L6")]),
        "conditions[1].icd10",
        "not an ICD-10 code",
        id="ICD-10 too short",
    ),
    pytest.param(
        man(hair_loss={"diagnosis": "64.9"}),
        "hair_loss.diagnosis",
        "not an ICD-10 code",
        id="ICD-10 without its letter",
    ),
    pytest.param(
        man(conditions=[{"icd10": 64.9}]),
        "conditions[0].icd10",
        "as text",
        id="ICD-10 as a number",
    ),
    pytest.param(
        man(medications=[medication("Z99")]),
        "medications[0].atc",
        "not an ATC code",
        id="ATC with no such anatomical group",
    ),
    pytest.param(
        man(medications=[medication("B01AC6")]),
        "medications[0].atc",
        "not an ATC code",
        id="ATC with one digit",
    ),
    pytest.param(
        man(hair_loss={"stage": {"scale": "norwood", "value": "VIII"}}),
        "hair_loss.stage.value",
        "allowed: I, II, IIa, III, IIIa, III vertex, IV, IVa, V, Va, VI, VII",
        id="Norwood VIII",
    ),
    pytest.param(
        woman(hair_loss={"stage": {"scale": "ludwig", "value": "IV"}}),
        "hair_loss.stage.value",
        "allowed: I, II, III",
        id="Ludwig IV",
    ),
    pytest.param(
        man(hair_loss={"stage": {"scale": "hamilton", "value": "IV"}}),
        "hair_loss.stage.scale",
        "allowed: norwood, ludwig, sinclair, savin, salt",
        id="unknown scale",
    ),
    pytest.param(
        man(hair_loss={"stage": {"scale": "salt", "value": {"top": 10, "back": 0, "right": 0}}}),
        "hair_loss.stage.value",
        "left",
        id="SALT without a region",
    ),
    pytest.param(
        man(patient={"sex": "other"}), "patient.sex", "allowed: female, male", id="wrong sex"
    ),
    pytest.param(
        woman(patient={"pregnancy": "maybe"}),
        "patient.pregnancy",
        "allowed: pregnant, breastfeeding, planning, no, unknown",
        id="wrong pregnancy status",
    ),
    pytest.param(
        man(hair_loss={"scalp": ["dandruff"]}),
        "hair_loss.scalp[0]",
        "allowed: active_psoriasis",
        id="unknown scalp state",
    ),
    pytest.param(
        man(hair_loss={"trichoscopy_signs": ["yellow_dots", "spots"]}),
        "hair_loss.trichoscopy_signs[1]",
        "allowed: yellow_dots",
        id="unknown trichoscopy sign",
    ),
    pytest.param(
        man(clearances=["cardiology"]), "clearances[0]", "allowed: haematology", id="clearance"
    ),
    pytest.param([], "", "must be an object", id="document is a list"),
    pytest.param("intake", "", "must be an object", id="document is text"),
    pytest.param(man(patient="a man"), "patient", "must be an object", id="patient is text"),
    pytest.param(man(labs=[7.1]), "labs", "must be an object", id="labs is a list"),
    pytest.param(
        man(conditions={"icd10": "E11.9"}), "conditions", "must be a list", id="conditions object"
    ),
    pytest.param(
        man(medications=["B01AC06"]), "medications[0]", "must be an object", id="medication text"
    ),
    pytest.param(man(labs={"inr": True}), "labs.inr", "must be a number", id="bool lab"),
    pytest.param(man(labs={"inr": "2.5"}), "labs.inr", "must be a number", id="lab as text"),
    pytest.param(
        man(labs={"hba1c_percent": -1}), "labs.hba1c_percent", "zero or more", id="lab <0"
    ),
    pytest.param(
        man(hair_loss={"onset_months_ago": True}),
        "hair_loss.onset_months_ago",
        "whole number",
        id="bool onset",
    ),
    pytest.param(
        man(hair_loss={"onset_months_ago": 2.5}),
        "hair_loss.onset_months_ago",
        "whole number",
        id="fractional onset",
    ),
    pytest.param(
        man(hair_loss={"pull_test_positive_regions": True}),
        "hair_loss.pull_test_positive_regions",
        "whole number",
        id="bool pull test",
    ),
    pytest.param(
        man(hair_loss={"pull_test_positive_regions": 5}),
        "hair_loss.pull_test_positive_regions",
        "0 to 4",
        id="pull test in 5 regions",
    ),
    pytest.param(
        man(
            hair_loss={
                "stage": {
                    "scale": "salt",
                    "value": {**dict.fromkeys(("top", "back", "right", "left"), 0), "top": True},
                }
            }
        ),
        "hair_loss.stage.value.top",
        "% hair loss",
        id="bool SALT region",
    ),
    pytest.param(
        woman(patient={"postmenopausal": "no"}),
        "patient.postmenopausal",
        "true or false",
        id="menopause as text",
    ),
    pytest.param(
        woman(patient={"reliable_contraception": 1}),
        "patient.reliable_contraception",
        "true or false",
        id="contraception as a number",
    ),
    pytest.param(
        man(allergies=["penicillin"]),
        "allergies[0]",
        "'penicillin' is not allowed; allowed: dutasteride",
        id="unknown allergy",
    ),
    pytest.param(
        man(requested={"ingredients": ["dutasteride", "unobtainium"]}),
        "requested.ingredients[1]",
        "allowed: dutasteride",
        id="unknown requested ingredient",
    ),
    pytest.param(
        man(requested={"ingredients": []}),
        "requested.ingredients",
        "at least one",
        id="nothing requested",
    ),
    pytest.param(
        man(patient={"birth_date": None}), "patient.birth_date", "required", id="no birth date"
    ),
    pytest.param(man(patient=None), "patient", "required", id="no patient"),
    pytest.param(
        man(schema="anagen.intake/2"), "schema", "anagen.intake/1", id="wrong schema version"
    ),
    pytest.param(
        man(medications=[{"atc": "B01AC06", "name": 75}]),
        "medications[0].name",
        "text",
        id="medication name as a number",
    ),
]


@pytest.mark.parametrize(("doc", "field", "words"), INVALID)
def test_a_bad_intake_is_refused_naming_the_field(doc, field, words):
    error = refused(doc)
    assert error.field == field
    assert words in error.message


def test_the_error_text_starts_with_the_field():
    error = refused(man(medications=[medication("Z99")]))
    assert str(error).startswith("medications[0].atc: ")


def test_a_wrong_scale_value_lists_every_allowed_stage():
    error = refused(man(hair_loss={"stage": {"scale": "savin", "value": "IX"}}))
    for stage in KB.scales.stages("savin"):
        assert stage in error.message


def test_an_unknown_allergy_lists_every_ingredient():
    error = refused(man(allergies=["penicillin"]))
    for ingredient in KB.ingredients:
        assert ingredient in error.message


def test_a_medication_stopping_after_the_assessment_counts_as_taken_now():
    """A planned stop date is not an error: until then the patient still takes it."""
    _, screening = screen_document(
        man(medications=[medication("D10BA01", stopped_on=TOMORROW)]), KB
    )
    assert "CI-12" in {f.rule for f in screening.findings}


@pytest.mark.parametrize("lab", ["platelets_10e9_per_l", "inr", "hba1c_percent"])
def test_a_lab_that_is_not_a_number_is_refused(lab):
    error = refused(man(labs={lab: float("nan")}))
    assert error.field == f"labs.{lab}"


def test_a_valid_document_reads_with_codes_in_canonical_form():
    intake = read(
        man(
            hair_loss={"diagnosis": "l649"},
            conditions=[condition(" e11 9 ")],
            medications=[medication("b01ac06")],
        )
    )
    assert intake.hair_loss.diagnosis == "L64.9"
    assert intake.conditions[0].icd10 == "E11.9"
    assert intake.medications[0].atc == "B01AC06"


def test_a_well_formed_unknown_code_is_accepted_and_reported_unassessed():
    _, screening = screen_document(
        man(conditions=[condition("J45.9")], medications=[medication("R03AC02")]), KB
    )
    unassessed = [f for f in screening.findings if f.rule == "UNASSESSED"]
    assert [f.severity for f in unassessed] == ["info", "info"]
    assert any("J45.9" in f.message for f in unassessed)
    assert any("R03AC02" in f.message for f in unassessed)
    assert screening.verdict == "eligible"


# --- Clinic policy ----------------------------------------------------------------------


def policy_refused(overrides: Any) -> InvalidDocument:
    with pytest.raises(InvalidDocument) as caught:
        with_policy(KB, overrides)
    return caught.value


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        pytest.param(
            {"parameters": {"hba1c_limit": 7.5}},
            "parameters.hba1c_limit",
            "unknown parameter; allowed: age_upper_caution",
            id="unknown parameter",
        ),
        pytest.param(
            {"parameters": {"inr_max": 4.5}},
            "parameters.inr_max",
            "between 2 and 4",
            id="INR limit above its bound",
        ),
        pytest.param(
            {"parameters": {"platelets_min_10e9_per_l": 49}},
            "parameters.platelets_min_10e9_per_l",
            "between 50 and 150",
            id="platelet limit below its bound",
        ),
        pytest.param(
            {"parameters": {"inr_max": float("nan")}},
            "parameters.inr_max",
            "between",
            id="NaN limit",
        ),
        pytest.param(
            {"parameters": {"inr_max": True}},
            "parameters.inr_max",
            "must be a number",
            id="bool limit",
        ),
        pytest.param(
            {"aftercare": {"report_nodules": {"days": 14}}},
            "aftercare.report_nodules",
            "evidence-based",
            id="shorten the nodule warning",
        ),
        pytest.param(
            {"aftercare": {"report_nodules": {"enabled": False}}},
            "aftercare.report_nodules",
            "evidence-based",
            id="switch off the nodule warning",
        ),
        pytest.param(
            {"aftercare": {"no_alcohol": {"days": 8}}},
            "aftercare.no_alcohol.days",
            "between 0 and 7",
            id="aftercare days out of bounds",
        ),
        pytest.param(
            {"aftercare": {"no_alcohol": {"weeks": 1}}},
            "aftercare.no_alcohol.weeks",
            "unknown key",
            id="unknown aftercare key",
        ),
        pytest.param(
            {"aftercare": {"no_smoking": {"days": 2}}},
            "aftercare.no_smoking",
            "unknown item",
            id="unknown aftercare item",
        ),
        pytest.param({"rules": {}}, "rules", "unknown key", id="unknown section"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field(overrides, field, words):
    error = policy_refused(overrides)
    assert error.field == field
    assert words in error.message


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"parameters": 5}, "parameters", id="parameters is a number"),
        pytest.param({"aftercare": ["no_alcohol"]}, "aftercare", id="aftercare is a list"),
        pytest.param(
            {"aftercare": {"no_alcohol": 3}}, "aftercare.no_alcohol", id="aftercare change number"
        ),
    ],
)
def test_a_policy_section_that_is_not_an_object_is_refused(overrides, field):
    assert policy_refused(overrides).field == field


def test_a_policy_within_bounds_changes_the_limit_a_rule_uses():
    diabetic = man(conditions=[condition("E11.9")], labs={"hba1c_percent": 7.5})
    strict = with_policy(KB, {"parameters": {"hba1c_defer_above_percent": 7.0}})
    assert screen_document(diabetic, KB)[1].verdict == "eligible_with_caution"
    assert screen_document(diabetic, strict)[1].verdict == "defer"
    assert KB.limit("hba1c_defer_above_percent") == 8.0  # the bundled base is left alone


def test_a_clinic_may_change_a_clinic_policy_aftercare_item():
    changed = with_policy(KB, {"aftercare": {"no_alcohol": {"days": 7, "enabled": False}}})
    item = next(i for i in changed.aftercare if i.id == "no_alcohol")
    assert (item.days, item.enabled) == (7, False)
    nodules = next(i for i in changed.aftercare if i.id == "report_nodules")
    assert (nodules.days, nodules.enabled) == (84, True)
