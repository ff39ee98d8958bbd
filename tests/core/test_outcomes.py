"""The response review: each criterion compared with baseline, the label and its reasons, the
clinic's criteria document, and the plain-language summary. No database."""

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anagen.core.invalid import InvalidDocument
from anagen.core.knowledge import load
from anagen.core.outcomes import (
    LABELS,
    ImageMeasures,
    PullTest,
    VisitMeasures,
    criteria_with,
    default_criteria,
    pool_site,
    review,
)
from anagen.core.outcomes_summary import plain_summary

DEFAULTS = default_criteria()
START, WEEK_16 = dt.date(2026, 1, 5), dt.date(2026, 4, 27)
RANK = {"non_responder": 0, "partial": 1, "responder": 2}


def visit(day, *, frontal=None, vertex=None, occipital=None, pulled=None, **others):
    """A visit with one field per site given as (density, diameter µm, vellus fraction)."""
    images = [
        ImageMeasures(site, 40, density, diameter, vellus, vellus)
        for site, numbers in (("frontal", frontal), ("vertex", vertex), ("occipital", occipital))
        if numbers is not None
        for density, diameter, vellus in [numbers]
    ]
    pulls = () if pulled is None else (PullTest("vertex", 50, pulled),)
    return VisitMeasures.from_images(day, images, pull_tests=pulls, **others)


BASELINE = visit(
    START, frontal=(120.0, 52.0, 0.25), vertex=(100.0, 50.0, 0.30), occipital=(200.0, 60.0, 0.05),
    pulled=9, satisfaction=30.0,
)  # fmt: skip


def reason(result, criterion_id):
    return next(r for r in result.reasons if r.criterion == criterion_id)


def test_a_clear_improvement_is_a_responder_with_every_reason_sourced():
    after = visit(
        WEEK_16, frontal=(150.0, 57.0, 0.15), vertex=(115.0, 55.0, 0.22), pulled=3,
        satisfaction=75.0, global_photo=2,
    )  # fmt: skip
    result = review(BASELINE, after, DEFAULTS)
    assert result.label == "responder"
    assert result.met == 9 and result.evaluable == 9
    density = reason(result, "density_frontal")
    assert (density.baseline, density.value, density.change) == (90.0, 127.5, 37.5)
    assert density.change_pct == pytest.approx(41.7)
    assert density.met is True
    assert "T1" in density.source and "clinic policy (U)" in density.source
    assert "RCT" in reason(result, "global_photo").source
    assert not result.flagged_for_plan_review


def test_density_must_rise_by_the_percentage_and_the_absolute_number():
    small_base = visit(START, frontal=(20.0, 50.0, 0.0))
    small_gain = visit(WEEK_16, frontal=(26.0, 50.0, 0.0))  # +30 % but only +6 hairs/cm²
    assert reason(review(small_base, small_gain, DEFAULTS), "density_frontal").met is False
    big_base = visit(START, frontal=(300.0, 50.0, 0.0))
    big_gain = visit(WEEK_16, frontal=(320.0, 50.0, 0.0))  # +20 hairs/cm² but only +6.7 %
    assert reason(review(big_base, big_gain, DEFAULTS), "density_frontal").met is False


def test_no_change_is_a_non_responder_flagged_for_a_plan_review():
    same = visit(
        WEEK_16, frontal=(121.0, 52.0, 0.25), vertex=(99.0, 50.0, 0.31), pulled=9,
        satisfaction=40.0, global_photo=0,
    )  # fmt: skip
    result = review(BASELINE, same, DEFAULTS)
    assert result.label == "non_responder"
    assert result.flagged_for_plan_review
    assert "Flagged for a plan review." in result.decision
    assert reason(result, "pull_test").status == "not_met"  # 18 % pulled, still positive


def test_some_criteria_met_without_enough_for_responder_is_partial():
    some = visit(
        WEEK_16, frontal=(140.0, 52.0, 0.25), vertex=(100.0, 50.0, 0.30), satisfaction=40.0,
        global_photo=1,
    )  # fmt: skip
    result = review(BASELINE, some, DEFAULTS)
    assert result.label == "partial"
    assert result.met == 2
    assert not result.flagged_for_plan_review


def test_a_positive_pull_test_that_turns_negative_is_met():
    base = dataclasses.replace(BASELINE, pull_tests=(PullTest("vertex", 50, 12),))
    after = visit(WEEK_16, frontal=(120.0, 52.0, 0.25), pulled=2)
    pull = reason(review(base, after, DEFAULTS), "pull_test")
    assert (pull.baseline, pull.value, pull.met) == (24.0, 4.0, True)
    negative = dataclasses.replace(BASELINE, pull_tests=(PullTest("vertex", 50, 4),))
    pull = reason(review(negative, after, DEFAULTS), "pull_test")
    assert (pull.status, pull.met) == ("not_applicable", None)


@pytest.mark.parametrize(
    ("baseline", "after", "words"),
    [
        (None, visit(WEEK_16, frontal=(200.0, 60.0, 0.1)), "No baseline visit"),
        (BASELINE, None, "No review visit"),
        (BASELINE, visit(START, frontal=(200.0, 60.0, 0.1)), "not after the baseline"),
    ],
)
def test_without_a_baseline_or_a_later_review_there_is_no_label(baseline, after, words):
    result = review(baseline, after, DEFAULTS)
    assert result.label == "insufficient_data"
    assert words in result.decision[0]


def test_uncalibrated_images_fail_closed_even_when_everything_else_improved():
    uncalibrated = visit(
        WEEK_16, frontal=(None, None, None), pulled=1, satisfaction=95.0, global_photo=3
    )
    result = review(BASELINE, uncalibrated, DEFAULTS)
    assert result.label == "insufficient_data"
    assert any("hair density" in line for line in result.decision)
    assert reason(result, "density_frontal").note.startswith("No calibrated frontal")


def test_a_required_criterion_without_data_fails_closed():
    criteria = criteria_with(DEFAULTS, {"criteria": {"global_photo": {"required": True}}})
    after = visit(WEEK_16, frontal=(150.0, 57.0, 0.15), vertex=(115.0, 54.0, 0.22))
    result = review(BASELINE, after, criteria)
    assert result.label == "insufficient_data"
    assert "Required criterion without data: Global photographic assessment." in result.decision


def test_information_compares_frontal_with_the_patients_own_occiput():
    after = visit(WEEK_16, frontal=(130.0, 54.0, 0.2), occipital=(200.0, 60.0, 0.05))
    info = {i.id: i for i in review(BASELINE, after, DEFAULTS).information}
    ratio = info["frontal_occipital_density"]
    assert (ratio.baseline, ratio.value, ratio.flagged) == (0.6, 0.65, True)
    thin = info["thin_hairs_frontal"]
    assert (thin.baseline, thin.value, thin.flagged) == (25.0, 20.0, True)  # Rakowska > 10 %
    assert info["frontal_occipital_diameter"].value == 0.9


def test_a_site_pools_its_fields_weighting_diameter_by_hair_count():
    site = pool_site(
        "vertex",
        [
            ImageMeasures("vertex", 30, 100.0, 40.0, 0.5),
            ImageMeasures("vertex", 10, 80.0, 80.0, 0.1),
        ],
    )
    assert (site.images, site.hair_count, site.density_per_cm2) == (2, 40, 90.0)
    assert site.mean_diameter_um == pytest.approx(50.0)
    assert site.vellus_fraction == pytest.approx(0.4)
    assert site.terminal_density == pytest.approx(54.0)
    empty = pool_site("vertex", [ImageMeasures("vertex", 0, 0.0)])
    assert empty.terminal_density == 0.0


def test_the_criteria_file_cites_the_knowledge_base_and_says_which_thresholds_are_judgement():
    kb = load()
    for criterion in DEFAULTS.criteria:
        assert criterion.sources and all(s in kb.sources for s in criterion.sources)
        assert criterion.evidence in kb.evidence_tags
        assert kb.raw[criterion.id][0] == "response criterion"
        if criterion.evidence == "policy":
            assert "clinic policy (U)" in criterion.basis, criterion.id
    assert {c.id for c in DEFAULTS.criteria if c.primary} == {"density_frontal", "density_vertex"}


def test_a_clinic_changes_thresholds_and_counts_and_the_change_is_marked():
    criteria = criteria_with(
        DEFAULTS,
        {
            "rule": {"responder_min_met": 2, "min_evaluable": 2},
            "criteria": {
                "density_frontal": {"min_change_pct": 20},
                "satisfaction": {"enabled": False},
            },
        },
    )
    assert criteria.rule.responder_min_met == 2 and criteria.clinic_changed
    assert criteria_with(DEFAULTS, {"vellus_um": 40}).vellus_um == 40.0
    frontal = criteria.get("density_frontal")
    assert frontal.value("min_change_pct") == 20.0 and frontal.changed == ("min_change_pct",)
    assert "satisfaction" not in {c.id for c in criteria.enabled}
    snapshot = criteria.as_json()
    assert snapshot["criteria"][0]["thresholds"]["min_change_pct"] == 20.0
    result = review(BASELINE, visit(WEEK_16, frontal=(130.0, 52.0, 0.25)), criteria)
    assert reason(result, "density_frontal").source.endswith("threshold set by this clinic")


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ([], ""),
        ({"colour": 1}, "colour"),
        ({"schema": "other/1"}, "schema"),
        ({"criteria": {"hair_shine": {}}}, "criteria.hair_shine"),
        (
            {"criteria": {"density_frontal": {"min_change_pct": 150}}},
            "criteria.density_frontal.min_change_pct",
        ),
        (
            {"criteria": {"density_frontal": {"min_change_pct": "ten"}}},
            "criteria.density_frontal.min_change_pct",
        ),
        ({"criteria": {"density_frontal": {"min_score": 1}}}, "criteria.density_frontal.min_score"),
        ({"criteria": {"pull_test": {"enabled": "yes"}}}, "criteria.pull_test.enabled"),
        (
            {"criteria": {"pull_test": {"required": True, "enabled": False}}},
            "criteria.pull_test.required",
        ),
        ({"vellus_um": 5}, "vellus_um"),
        ({"vellus_um": "thin"}, "vellus_um"),
        ({"rule": {"responder_min_met": 0}}, "rule.responder_min_met"),
        ({"rule": {"responder_min_met": True}}, "rule.responder_min_met"),
        ({"rule": {"responder_min_met": 10}}, "rule.responder_min_met"),
        ({"rule": {"partial_min_met": 4}}, "rule.partial_min_met"),
        ({"rule": {"min_evaluable": 12}}, "rule.min_evaluable"),
        (
            {
                "criteria": {
                    "density_frontal": {"enabled": False},
                    "density_vertex": {"enabled": False},
                }
            },
            "rule.need_primary",
        ),
    ],
)
def test_a_bad_criteria_document_names_the_field(document, field):
    with pytest.raises(InvalidDocument) as raised:
        criteria_with(DEFAULTS, document)
    assert raised.value.field == field


def test_the_summary_says_what_changed_and_what_did_not_without_promises():
    after = visit(
        WEEK_16, frontal=(150.0, 57.0, 0.15), vertex=(100.0, 50.0, 0.30), global_photo=1,
        satisfaction=70.0,
    )  # fmt: skip
    lines = plain_summary(review(BASELINE, after, DEFAULTS))
    text = " ".join(lines)
    assert lines[0].startswith("By the criteria your clinic uses, your hair has responded")
    assert "at the front of the scalp rose from 90 to 127.5 (+42 %)" in text
    assert "at the crown did not change (70)" in text
    assert "scored +1 on a scale from -3 to +3 (slightly better)" in text
    assert "not a promise" in lines[-1]
    flat = plain_summary(review(BASELINE, visit(WEEK_16, frontal=(118.0, 52.0, 0.26)), DEFAULTS))
    assert "review the treatment plan" in flat[0] or "not yet enough" in flat[0]


# --- properties -----------------------------------------------------------------------------

numbers = st.one_of(st.none(), st.floats(0, 400))
fractions = st.one_of(st.none(), st.floats(0, 1))
site = st.one_of(st.none(), st.tuples(numbers, st.one_of(st.none(), st.floats(10, 100)), fractions))
visits = st.builds(
    lambda f, v, pulled, satisfaction, photo: visit(
        WEEK_16, frontal=f, vertex=v, pulled=pulled, satisfaction=satisfaction, global_photo=photo
    ),
    site, site, st.one_of(st.none(), st.integers(0, 50)),
    st.one_of(st.none(), st.floats(0, 100)), st.one_of(st.none(), st.integers(-3, 3)),
)  # fmt: skip


def better(v: VisitMeasures) -> VisitMeasures:
    """The same visit with every measured number improved."""
    sites = {
        key: dataclasses.replace(
            s,
            density_per_cm2=None if s.density_per_cm2 is None else s.density_per_cm2 * 1.5 + 20,
            mean_diameter_um=None if s.mean_diameter_um is None else s.mean_diameter_um + 10,
            vellus_fraction=None if s.vellus_fraction is None else s.vellus_fraction * 0.5,
        )
        for key, s in v.sites.items()
    }
    return dataclasses.replace(
        v,
        sites=sites,
        pull_tests=tuple(dataclasses.replace(t, pulled=0) for t in v.pull_tests),
        satisfaction=None if v.satisfaction is None else min(100.0, v.satisfaction + 30),
        global_photo=None if v.global_photo is None else min(3, v.global_photo + 2),
    )


@settings(max_examples=150, deadline=None)
@given(visits)
def test_improving_every_measure_never_lowers_the_label(after):
    before, improved = review(BASELINE, after, DEFAULTS), review(BASELINE, better(after), DEFAULTS)
    assert before.label in LABELS
    if before.label == "insufficient_data":
        assert improved.label == "insufficient_data"  # data, not numbers, decide this
    else:
        assert RANK[improved.label] >= RANK[before.label]


@settings(max_examples=150, deadline=None)
@given(visits)
def test_responder_always_rests_on_a_measured_density_rise(after):
    result = review(BASELINE, after, DEFAULTS)
    if result.label == "responder":
        assert any(r.primary and r.met for r in result.reasons)
        assert result.met >= DEFAULTS.rule.responder_min_met
    assert review(None, after, DEFAULTS).label == "insufficient_data"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 200)
    | st.floats(allow_nan=True)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=8,
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "rule": st.dictionaries(
            st.sampled_from(
                ["responder_min_met", "partial_min_met", "min_evaluable", "need_primary", "x"]
            ),
            json_values,
        ),
        "criteria": st.dictionaries(
            st.sampled_from([c.id for c in DEFAULTS.criteria] + ["nope"]),
            st.dictionaries(
                st.sampled_from(["enabled", "required", "min_change_pct", "min_score"]), json_values
            ),
        ),
    },
)


@settings(max_examples=120, deadline=None)
@given(documents)
def test_any_document_is_either_accepted_whole_or_refused_with_a_field(document):
    try:
        criteria = criteria_with(DEFAULTS, document)
    except InvalidDocument as error:
        assert error.field is not None and error.message
    else:
        assert criteria.rule.partial_min_met <= criteria.rule.responder_min_met
        assert len(criteria.enabled) >= criteria.rule.min_evaluable
