"""Every screening rule of contraindications.toml: a case that fires it and a near miss that
does not. No database: the rules are pure functions over an intake document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from anagen.core.knowledge import load
from anagen.core.rules import RULES, TREATMENT_RULES
from anagen.core.screening import TOPICS, Screening, screen_document
from tests.core.intake_builders import (
    born_aged,
    condition,
    days_ago,
    man,
    medication,
    months_ago,
    woman,
)

KB = load()
FIVE_ARI = frozenset({"dutasteride", "finasteride"})
MINOXIDIL = frozenset({"minoxidil"})
SEVERITY_OF_CLASS = {
    "ABS": "absolute",
    "ABS-T": "temporary",
    "REL": "relative",
    "AGENT": "ingredient",
    "INFO": "info",
}


def screen(doc: dict[str, Any]) -> Screening:
    return screen_document(doc, KB)[1]


def requesting(*ingredients: str) -> dict[str, Any]:
    return {"ingredients": list(ingredients)}


@dataclass(frozen=True)
class Fires:
    """``doc`` gives a finding of ``rule`` with ``severity`` that excludes exactly ``excluded``."""

    rule: str
    severity: str
    doc: dict[str, Any]
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Spares:
    """``doc`` gives no finding of ``rule`` with any of ``severities`` and no missing fact from
    it (``severities`` empty: no finding of the rule at all)."""

    rule: str
    doc: dict[str, Any]
    severities: tuple[str, ...] = ()


def case(name: str, value: Fires | Spares) -> Any:
    return pytest.param(value, id=f"{value.rule} {name}")


FIRES = [
    case("pregnant woman", Fires("CI-01", "absolute", woman(patient={"pregnancy": "pregnant"}))),
    case(
        "woman planning a pregnancy",
        Fires(
            "CI-01",
            "ingredient",
            woman(patient={"pregnancy": "planning"}),
            FIVE_ARI | MINOXIDIL,
        ),
    ),
    case(
        "breastfeeding excludes 5-ARIs and minoxidil",
        Fires(
            "CI-02",
            "ingredient",
            woman(patient={"pregnancy": "breastfeeding"}),
            FIVE_ARI | MINOXIDIL,
        ),
    ),
    case(
        "breastfeeding, vitamins only after discussion",
        Fires("CI-02", "relative", woman(patient={"pregnancy": "breastfeeding"})),
    ),
    case(
        "no reliable contraception",
        Fires("CI-03", "ingredient", woman(patient={"reliable_contraception": False}), FIVE_ARI),
    ),
    case(
        "pregnancy test 8 days old",
        Fires(
            "CI-03",
            "ingredient",
            woman(patient={"negative_pregnancy_test_on": days_ago(8)}),
            FIVE_ARI,
        ),
    ),
    case(
        "contraception and a 7-day-old test: counselling",
        Fires("CI-03", "relative", woman(patient={"negative_pregnancy_test_on": days_ago(7)})),
    ),
    case("dutasteride treatment", Fires("CI-04", "info", man())),
    case(
        "already on oral finasteride",
        Fires(
            "CI-04",
            "info",
            man(medications=[medication("G04CB01")], requested=requesting("biotin")),
        ),
    ),
    case(
        "minoxidil allergy", Fires("CI-05", "ingredient", man(allergies=["minoxidil"]), MINOXIDIL)
    ),
    case(
        "active scalp infection",
        Fires("CI-06", "temporary", man(hair_loss={"scalp": ["active_infection"]})),
    ),
    case("sunburn", Fires("CI-06", "temporary", man(hair_loss={"scalp": ["sunburn"]}))),
    case("open wound", Fires("CI-06", "temporary", man(hair_loss={"scalp": ["open_wound"]}))),
    case("tinea on record", Fires("CI-06", "relative", man(conditions=[condition("B35.0")]))),
    case(
        "active scalp psoriasis",
        Fires("CI-07", "temporary", man(hair_loss={"scalp": ["active_psoriasis"]})),
    ),
    case("psoriasis on record", Fires("CI-07", "relative", man(conditions=[condition("L40.0")]))),
    case("aspirin", Fires("CI-08", "relative", man(medications=[medication("B01AC06")]))),
    case(
        "warfarin with INR 3.5",
        Fires("CI-08", "relative", man(medications=[medication("B01AA03")], labs={"inr": 3.5})),
    ),
    case(
        "warfarin with INR 3.6",
        Fires("CI-08", "temporary", man(medications=[medication("B01AA03")], labs={"inr": 3.6})),
    ),
    case(
        "haemophilia without clearance",
        Fires("CI-09", "absolute", man(conditions=[condition("D66")])),
    ),
    case(
        "haemophilia with haematology clearance",
        Fires("CI-09", "relative", man(conditions=[condition("D66")], clearances=["haematology"])),
    ),
    case(
        "platelets 99",
        Fires("CI-09", "absolute", man(labs={"platelets_10e9_per_l": 99})),
    ),
    case(
        "diabetes, HbA1c at the limit",
        Fires(
            "CI-10", "relative", man(conditions=[condition("E11.9")], labs={"hba1c_percent": 8.0})
        ),
    ),
    case(
        "diabetes, HbA1c above the limit",
        Fires(
            "CI-10", "temporary", man(conditions=[condition("E11.9")], labs={"hba1c_percent": 8.1})
        ),
    ),
    case("methotrexate", Fires("CI-11", "relative", man(medications=[medication("L04AX03")]))),
    case("prednisolone", Fires("CI-11", "relative", man(medications=[medication("H02AB06")]))),
    case("HIV", Fires("CI-11", "relative", man(conditions=[condition("B20")]))),
    case(
        "chemotherapy with neutropenia",
        Fires(
            "CI-11",
            "temporary",
            man(medications=[medication("L01BA01")], conditions=[condition("D70")]),
        ),
    ),
    case("isotretinoin now", Fires("CI-12", "relative", man(medications=[medication("D10BA01")]))),
    case(
        "isotretinoin stopped 5 months ago",
        Fires(
            "CI-12", "relative", man(medications=[medication("D10BA01", stopped_on=months_ago(5))])
        ),
    ),
    case("keloid", Fires("CI-13", "relative", man(conditions=[condition("L91.0")]))),
    case(
        "myocardial infarction 5 months ago",
        Fires(
            "CI-14",
            "ingredient",
            man(conditions=[condition("I21.9", onset=months_ago(5))]),
            MINOXIDIL,
        ),
    ),
    case(
        "myocardial infarction, onset unknown",
        Fires("CI-14", "ingredient", man(conditions=[condition("I21.9")]), MINOXIDIL),
    ),
    case(
        "heart failure",
        Fires("CI-14", "ingredient", man(conditions=[condition("I50.9")]), MINOXIDIL),
    ),
    case(
        "unstable angina",
        Fires("CI-14", "ingredient", man(conditions=[condition("I20.0")]), MINOXIDIL),
    ),
    case(
        "stable coronary disease with minoxidil",
        Fires(
            "CI-14",
            "relative",
            man(conditions=[condition("I25.1")], requested=requesting("minoxidil")),
        ),
    ),
    case(
        "hypertension with minoxidil",
        Fires(
            "CI-15",
            "relative",
            man(conditions=[condition("I10")], requested=requesting("minoxidil")),
        ),
    ),
    case(
        "enalapril with minoxidil",
        Fires(
            "CI-15",
            "relative",
            man(medications=[medication("C09AA02")], requested=requesting("minoxidil")),
        ),
    ),
    case("cirrhosis", Fires("CI-16", "relative", man(conditions=[condition("K74.6")]))),
    case("kidney failure", Fires("CI-16", "relative", man(conditions=[condition("N18.5")]))),
    case(
        "lichen planopilaris diagnosed",
        Fires("CI-17", "absolute", man(hair_loss={"diagnosis": "L66.1"})),
    ),
    case(
        "scarring alopecia on record",
        Fires("CI-17", "absolute", man(conditions=[condition("L66.12")])),
    ),
    case(
        "alopecia areata diagnosed",
        Fires(
            "CI-18",
            "absolute",
            man(hair_loss={"diagnosis": "L63.9", "stage": None}),
        ),
    ),
    case(
        "alopecia areata on record",
        Fires("CI-18", "absolute", man(conditions=[condition("L63.0")])),
    ),
    case(
        "age 17",
        Fires(
            "CI-19",
            "ingredient",
            man(patient={"birth_date": born_aged(17)}),
            FIVE_ARI | MINOXIDIL,
        ),
    ),
    case(
        "age 71, above the clinic's upper limit",
        Fires("CI-19", "relative", man(patient={"birth_date": born_aged(71)})),
    ),
    case("no diagnosis", Fires("CI-20", "temporary", man(hair_loss={"diagnosis": None}))),
    case(
        "unspecified non-scarring hair loss",
        Fires("CI-20", "temporary", man(hair_loss={"diagnosis": "L65.9"})),
    ),
    case(
        "drug-induced androgenetic alopecia",
        Fires("CI-20", "relative", man(hair_loss={"diagnosis": "L64.0"})),
    ),
    case("hypothyroidism", Fires("CI-20", "relative", man(conditions=[condition("E03.9")]))),
    case("ferritin 29", Fires("CI-20", "relative", man(labs={"ferritin_ug_per_l": 29}))),
    case("TSH 4.6", Fires("CI-20", "relative", man(labs={"tsh_mu_per_l": 4.6}))),
    case("TSH 0.39", Fires("CI-20", "relative", man(labs={"tsh_mu_per_l": 0.39}))),
    case("breast cancer", Fires("CI-21", "relative", man(conditions=[condition("C50.9")]))),
    case(
        "cancer under chemotherapy",
        Fires(
            "CI-21",
            "temporary",
            man(conditions=[condition("C50.9")], medications=[medication("L01BA01")]),
        ),
    ),
    case(
        "lidocaine allergy",
        Fires("CI-22", "ingredient", man(allergies=["lidocaine"]), frozenset({"lidocaine"})),
    ),
    case(
        "homeopathic vial requested",
        Fires(
            "CI-23",
            "ingredient",
            man(requested=requesting("dutasteride", "homeopathic_multidose")),
            frozenset({"homeopathic_multidose"}),
        ),
    ),
    case(
        "mesoglycan requested",
        Fires(
            "CI-23",
            "ingredient",
            man(requested=requesting("mesoglycan", "biotin")),
            frozenset({"mesoglycan"}),
        ),
    ),
    case(
        "telogen effluvium",
        Fires("DX-01", "absolute", man(hair_loss={"diagnosis": "L65.0", "stage": None})),
    ),
    case(
        "anagen effluvium",
        Fires("DX-01", "absolute", man(hair_loss={"diagnosis": "L65.1", "stage": None})),
    ),
    case(
        "asthma as the diagnosis",
        Fires("DX-01", "absolute", man(hair_loss={"diagnosis": "J45.9", "stage": None})),
    ),
    case(
        "nothing left once allergies are removed",
        Fires(
            "DX-01",
            "absolute",
            man(allergies=[i for i in KB.ingredients if KB.ingredients[i].stocked]),
        ),
    ),
    case(
        "exclamation-mark hairs under AGA",
        Fires(
            "DX-02", "temporary", man(hair_loss={"trichoscopy_signs": ["exclamation_mark_hairs"]})
        ),
    ),
    case(
        "loss of follicular openings under AGA",
        Fires(
            "DX-02",
            "temporary",
            man(hair_loss={"trichoscopy_signs": ["loss_of_follicular_openings"]}),
        ),
    ),
    case(
        "pull test positive in 1 region",
        Fires("DX-03", "relative", man(hair_loss={"pull_test_positive_regions": 1})),
    ),
    case(
        "pull test positive in 3 regions",
        Fires("DX-03", "relative", man(hair_loss={"pull_test_positive_regions": 3})),
    ),
    case(
        "Norwood pattern in a premenopausal woman",
        Fires(
            "DX-04", "relative", woman(hair_loss={"stage": {"scale": "norwood", "value": "III"}})
        ),
    ),
    case(
        "Norwood VI",
        Fires("ADV-01", "relative", man(hair_loss={"stage": {"scale": "norwood", "value": "VI"}})),
    ),
    case(
        "Ludwig III",
        Fires(
            "ADV-01", "relative", woman(hair_loss={"stage": {"scale": "ludwig", "value": "III"}})
        ),
    ),
    case(
        "white dots on trichoscopy",
        Fires("ADV-01", "relative", man(hair_loss={"trichoscopy_signs": ["white_dots"]})),
    ),
    case(
        "vitamin cocktail requested",
        Fires("EV-01", "info", man(requested=requesting("biotin", "dexpanthenol"))),
    ),
    case(
        "every active ingredient excluded",
        Fires("EV-01", "info", man(allergies=["dutasteride", "finasteride", "minoxidil"])),
    ),
    case("on oral finasteride", Fires("RX-01", "info", man(medications=[medication("G04CB01")]))),
    case("on topical minoxidil", Fires("RX-01", "info", man(medications=[medication("D11AX01")]))),
    case("on oral minoxidil", Fires("RX-01", "info", man(medications=[medication("C02DC01")]))),
    case("asthma on record", Fires("UNASSESSED", "info", man(conditions=[condition("J45.9")]))),
    case("salbutamol", Fires("UNASSESSED", "info", man(medications=[medication("R03AC02")]))),
]

SPARES = [
    case("woman not pregnant", Spares("CI-01", woman())),
    case("man", Spares("CI-01", man(patient={"pregnancy": "unknown"}))),
    case(
        "postmenopausal woman without pregnancy status",
        Spares(
            "CI-01",
            woman(
                patient={
                    "birth_date": born_aged(50),
                    "postmenopausal": True,
                    "pregnancy": None,
                }
            ),
        ),
    ),
    case(
        "woman over 55 without pregnancy or menopause status",
        Spares(
            "CI-01",
            woman(patient={"birth_date": born_aged(56), "pregnancy": None, "postmenopausal": None}),
        ),
    ),
    case("woman not breastfeeding", Spares("CI-02", woman())),
    case(
        "pregnancy test 7 days old",
        Spares(
            "CI-03",
            woman(patient={"negative_pregnancy_test_on": days_ago(7)}),
            ("ingredient", "absolute", "temporary"),
        ),
    ),
    case(
        "postmenopausal woman without contraception",
        Spares(
            "CI-03",
            woman(
                patient={
                    "birth_date": born_aged(52),
                    "postmenopausal": True,
                    "reliable_contraception": False,
                    "negative_pregnancy_test_on": None,
                }
            ),
        ),
    ),
    case("man", Spares("CI-03", man())),
    case("vitamin cocktail only", Spares("CI-04", man(requested=requesting("biotin")))),
    case("no allergy", Spares("CI-05", man())),
    case("lidocaine allergy is CI-22's", Spares("CI-05", man(allergies=["lidocaine"]))),
    case("scalp clear", Spares("CI-06", man(hair_loss={"scalp": []}))),
    case(
        "active psoriasis is CI-07's",
        Spares("CI-06", man(hair_loss={"scalp": ["active_psoriasis"]})),
    ),
    case("sunburn is CI-06's", Spares("CI-07", man(hair_loss={"scalp": ["sunburn"]}))),
    case(
        "warfarin with INR 3.5",
        Spares(
            "CI-08",
            man(medications=[medication("B01AA03")], labs={"inr": 3.5}),
            ("temporary", "absolute"),
        ),
    ),
    case("INR without an anticoagulant", Spares("CI-08", man(labs={"inr": 5.0}))),
    case("platelets 100", Spares("CI-09", man(labs={"platelets_10e9_per_l": 100}))),
    case(
        "haemophilia with haematology clearance",
        Spares(
            "CI-09", man(conditions=[condition("D66")], clearances=["haematology"]), ("absolute",)
        ),
    ),
    case(
        "diabetes, HbA1c at the limit",
        Spares(
            "CI-10",
            man(conditions=[condition("E11.9")], labs={"hba1c_percent": 8.0}),
            ("temporary",),
        ),
    ),
    case("HbA1c high without diabetes", Spares("CI-10", man(labs={"hba1c_percent": 9.5}))),
    case(
        "prednisolone stopped yesterday",
        Spares("CI-11", man(medications=[medication("H02AB06", stopped_on=days_ago(1))])),
    ),
    case(
        "chemotherapy with platelets 100",
        Spares(
            "CI-11",
            man(medications=[medication("L01BA01")], labs={"platelets_10e9_per_l": 100}),
            ("temporary",),
        ),
    ),
    case(
        "isotretinoin stopped 7 months ago",
        Spares("CI-12", man(medications=[medication("D10BA01", stopped_on=months_ago(7))])),
    ),
    case(
        "other hypertrophic skin disorder",
        Spares("CI-13", man(conditions=[condition("L91.8")])),
    ),
    case(
        "myocardial infarction 8 months ago",
        Spares(
            "CI-14",
            man(
                conditions=[condition("I21.9", onset=months_ago(8))],
                requested=requesting("minoxidil"),
            ),
            ("ingredient",),
        ),
    ),
    case(
        "stable coronary disease, no minoxidil in the treatment",
        Spares("CI-14", man(conditions=[condition("I25.1")])),
    ),
    case(
        "hypertension, no minoxidil in the treatment",
        Spares("CI-15", man(conditions=[condition("I10")])),
    ),
    case(
        "cirrhosis, vitamin cocktail only",
        Spares("CI-16", man(conditions=[condition("K74.6")], requested=requesting("biotin"))),
    ),
    case("androgenetic alopecia", Spares("CI-17", man())),
    case("androgenetic alopecia", Spares("CI-18", man())),
    case("age 18", Spares("CI-19", man(patient={"birth_date": born_aged(18)}))),
    case("age 70", Spares("CI-19", man(patient={"birth_date": born_aged(70)}))),
    case(
        "ferritin 30, TSH 4.5",
        Spares("CI-20", man(labs={"ferritin_ug_per_l": 30, "tsh_mu_per_l": 4.5})),
    ),
    case("TSH 0.4", Spares("CI-20", man(labs={"tsh_mu_per_l": 0.4}))),
    case(
        "chemotherapy without cancer on record",
        Spares("CI-21", man(medications=[medication("L01BA01")])),
    ),
    case(
        "breast cancer without chemotherapy",
        Spares("CI-21", man(conditions=[condition("C50.9")]), ("temporary",)),
    ),
    case("biotin allergy is CI-05's", Spares("CI-22", man(allergies=["biotin"]))),
    case(
        "licensed ingredients requested",
        Spares("CI-23", man(requested=requesting("dutasteride", "biotin"))),
    ),
    case("androgenetic alopecia", Spares("DX-01", man())),
    case(
        "exclamation-mark hairs under alopecia areata",
        Spares(
            "DX-02",
            man(
                hair_loss={
                    "diagnosis": "L63.9",
                    "stage": None,
                    "trichoscopy_signs": ["exclamation_mark_hairs"],
                }
            ),
        ),
    ),
    case(
        "AGA signs only",
        Spares("DX-02", man(hair_loss={"trichoscopy_signs": ["anisotrichosis", "yellow_dots"]})),
    ),
    case(
        "pull test negative",
        Spares("DX-03", man(hair_loss={"pull_test_positive_regions": 0})),
    ),
    case(
        "Norwood pattern in a postmenopausal woman",
        Spares(
            "DX-04",
            woman(
                patient={"birth_date": born_aged(52), "postmenopausal": True},
                hair_loss={"stage": {"scale": "norwood", "value": "III"}},
            ),
        ),
    ),
    case(
        "Norwood pattern in a man",
        Spares("DX-04", man(hair_loss={"stage": {"scale": "norwood", "value": "III"}})),
    ),
    case(
        "Norwood V",
        Spares("ADV-01", man(hair_loss={"stage": {"scale": "norwood", "value": "V"}})),
    ),
    case(
        "Ludwig II",
        Spares("ADV-01", woman(hair_loss={"stage": {"scale": "ludwig", "value": "II"}})),
    ),
    case("dutasteride treatment", Spares("EV-01", man())),
    case(
        "vitamins with minoxidil",
        Spares("EV-01", man(requested=requesting("minoxidil", "biotin"))),
    ),
    case(
        "finasteride stopped yesterday",
        Spares("RX-01", man(medications=[medication("G04CB01", stopped_on=days_ago(1))])),
    ),
    case(
        "assessed codes only",
        Spares(
            "UNASSESSED",
            man(
                conditions=[condition("E11.9"), condition("L64.9")],
                medications=[medication("B01AC06")],
                labs={"hba1c_percent": 7.0},
            ),
        ),
    ),
    case(
        "warfarin is assessed",
        Spares("UNASSESSED", man(medications=[medication("B01AA03")], labs={"inr": 2.5})),
    ),
]


def _values(params: list[Any]) -> list[Any]:
    return [p.values[0] for p in params]


@pytest.mark.parametrize("fires", FIRES)
def test_the_rule_fires_with_its_severity_and_exclusions(fires: Fires):
    screening = screen(fires.doc)
    matching = [
        f
        for f in screening.findings
        if f.rule == fires.rule
        and f.severity == fires.severity
        and set(f.excluded_ingredients) == fires.excluded
    ]
    shown = [(f.rule, f.severity, f.excluded_ingredients) for f in screening.findings]
    assert matching, f"no {fires.rule} {fires.severity} excluding {sorted(fires.excluded)}: {shown}"
    assert fires.excluded <= screening.excluded
    assert not fires.excluded & screening.treatment


@pytest.mark.parametrize("spares", SPARES)
def test_the_near_miss_does_not_fire_the_rule(spares: Spares):
    screening = screen(spares.doc)
    fired = [
        f
        for f in screening.findings
        if f.rule == spares.rule and (not spares.severities or f.severity in spares.severities)
    ]
    assert not fired, [f.message for f in fired]
    assert not [n for n in screening.missing if n.rule == spares.rule]


@pytest.mark.parametrize(
    ("doc", "rule", "field"),
    [
        pytest.param(
            woman(patient={"pregnancy": None}), "CI-01", "patient.pregnancy", id="CI-01 pregnancy"
        ),
        pytest.param(
            woman(patient={"pregnancy": "unknown"}),
            "CI-01",
            "patient.pregnancy",
            id="CI-01 pregnancy unknown",
        ),
        pytest.param(
            woman(patient={"birth_date": born_aged(12), "pregnancy": None}),
            "CI-01",
            "patient.pregnancy",
            id="CI-01 pregnancy at 12",
        ),
        pytest.param(
            woman(patient={"birth_date": born_aged(55), "pregnancy": None}),
            "CI-01",
            "patient.pregnancy",
            id="CI-01 pregnancy at 55",
        ),
        pytest.param(
            woman(
                patient={"negative_pregnancy_test_on": days_ago(8)},
                requested=requesting("dutasteride"),
            ),
            "CI-03",
            "patient.negative_pregnancy_test_on",
            id="CI-03 stale test with dutasteride requested",
        ),
        pytest.param(
            woman(patient={"reliable_contraception": None}, requested=requesting("dutasteride")),
            "CI-03",
            "patient.reliable_contraception",
            id="CI-03 contraception with dutasteride requested",
        ),
        pytest.param(
            man(medications=[medication("B01AA03")]),
            "CI-08",
            "labs.inr",
            id="CI-08 INR on warfarin",
        ),
        pytest.param(
            man(conditions=[condition("E11.9")]),
            "CI-10",
            "labs.hba1c_percent",
            id="CI-10 HbA1c in diabetes",
        ),
    ],
)
def test_a_missing_fact_makes_the_screening_incomplete(doc, rule, field):
    screening = screen(doc)
    assert (rule, field) in {(n.rule, n.field) for n in screening.missing}
    assert screening.verdict == "incomplete"


def test_a_fact_only_a_5ari_needs_excludes_5aris_when_nothing_is_requested():
    screening = screen(woman(patient={"reliable_contraception": None}))
    assert screening.excluded >= FIVE_ARI
    assert not screening.missing
    assert screening.verdict == "eligible_with_caution"


@pytest.mark.parametrize(
    ("doc", "verdict"),
    [
        pytest.param(man(), "eligible", id="healthy man"),
        pytest.param(woman(), "eligible_with_caution", id="woman of child-bearing potential"),
        pytest.param(woman(patient={"pregnancy": "pregnant"}), "not_eligible", id="pregnant"),
        pytest.param(man(hair_loss={"scalp": ["sunburn"]}), "defer", id="sunburn"),
        pytest.param(man(allergies=["minoxidil"]), "eligible_with_caution", id="allergy only"),
        pytest.param(
            man(conditions=[condition("J45.9")], medications=[medication("R03AC02")]),
            "eligible",
            id="unassessed codes only",
        ),
        pytest.param(
            man(hair_loss={"scalp": ["sunburn"]}, conditions=[condition("L66.1")]),
            "not_eligible",
            id="absolute beats temporary",
        ),
        pytest.param(
            man(hair_loss={"scalp": ["sunburn"]}, conditions=[condition("E11.9")]),
            "defer",
            id="temporary beats missing",
        ),
        pytest.param(
            man(allergies=["minoxidil"], conditions=[condition("E11.9")]),
            "incomplete",
            id="missing beats caution",
        ),
    ],
)
def test_the_verdict_follows_the_precedence(doc, verdict):
    assert screen(doc).verdict == verdict


def test_every_rule_has_exactly_one_function():
    assert set(RULES) | set(TREATMENT_RULES) == set(KB.rules)
    assert not set(RULES) & set(TREATMENT_RULES)


def test_every_rule_has_a_firing_case_and_a_near_miss():
    assert {f.rule for f in _values(FIRES)} == set(KB.rules)
    assert {s.rule for s in _values(SPARES)} == set(KB.rules)


@pytest.mark.parametrize("rule_id", list(KB.rules))
def test_each_rule_fires_at_the_severity_of_its_class(rule_id):
    severities = {f.severity for f in _values(FIRES) if f.rule == rule_id}
    assert SEVERITY_OF_CLASS[KB.rules[rule_id].klass] in severities


def test_every_rule_topic_is_a_screening_topic():
    assert {r.topic for r in KB.rules.values()} <= set(TOPICS)


def test_every_finding_topic_is_a_screening_topic():
    topics = {f.topic for fires in _values(FIRES) for f in screen(fires.doc).findings}
    assert topics <= set(TOPICS)
    assert {"renal", "scarring_alopecia"} <= topics  # topics a finding sets itself


def test_blood_donation_counselling_covers_a_5ari_stopped_recently():
    doc = man(
        medications=[medication("G04CB02", stopped_on=months_ago(2))],
        requested=requesting("biotin"),
    )
    assert "CI-04" in {f.rule for f in screen(doc).findings}


def test_a_telogen_effluvium_on_record_is_shown_to_the_clinician():
    findings = screen(man(conditions=[condition("L65.0")])).findings
    assert any("L65.0" in f.message for f in findings)
