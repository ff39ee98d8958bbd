"""Tests for hair-loss staging and its knowledge files (no database, no Django)."""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Callable, Iterator, Mapping
from importlib.resources import files
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anagen.core.invalid import InvalidDocument
from anagen.core.staging import (
    EVIDENCE_TAGS,
    SCALE_NAMES,
    RakowskaMeasurements,
    ScaleBook,
    aa_poor_prognosis,
    advanced_signals,
    parse_rakowska,
    parse_stage,
    pull_test_reading,
    rakowska,
    salt_bands,
    salt_score,
)

KNOWLEDGE = files("anagen.core") / "data" / "knowledge"
MY_FILES = ("scales.toml", "norms.toml")


def _load(name: str) -> dict[str, Any]:
    return tomllib.loads((KNOWLEDGE / name).read_text(encoding="utf-8"))


SCALES = _load("scales.toml")
NORMS = _load("norms.toml")
BOOK = ScaleBook.from_data(SCALES, NORMS)
FIELD = "hair_loss.stage"

# The stages of REFERENCE.md section 3, in order: the oracle the data is checked against.
REFERENCE_STAGES = {
    "norwood": ["I", "II", "IIa", "III", "IIIa", "III vertex", "IV", "IVa", "V", "Va", "VI", "VII"],
    "ludwig": ["I", "II", "III"],
    "sinclair": ["1", "2", "3", "4", "5"],
    "savin": ["I-1", "I-2", "I-3", "I-4", "II-1", "II-2", "III", "advanced", "frontal"],
    "olsen": ["1", "2", "3"],
    "ebling_rook": ["I", "II", "III", "IV", "V"],
    "basp": [
        *["L", "M0", "M1", "M2", "M3", "C0", "C1", "C2", "C3", "U1", "U2", "U3"],
        *["F1", "F2", "F3", "V1", "V2", "V3"],
    ],
}
INTAKE_STAGES = [
    (scale, value) for scale in SCALE_NAMES if scale != "salt" for value in REFERENCE_STAGES[scale]
]


def _stage(scale: object, value: object) -> Any:
    return parse_stage({"scale": scale, "value": value}, field=FIELD, book=BOOK)


def _salt(top: float = 0, back: float = 0, right: float = 0, left: float = 0) -> Any:
    return _stage("salt", {"top": top, "back": back, "right": right, "left": left})


def _invalid(call: Callable[[], object]) -> InvalidDocument:
    with pytest.raises(InvalidDocument) as caught:
        call()
    return caught.value


# --- the scales ---------------------------------------------------------------------------


@pytest.mark.parametrize("scale", sorted(REFERENCE_STAGES))
def test_each_scale_has_the_reference_stages_in_order(scale: str) -> None:
    assert BOOK.stages(scale) == tuple(REFERENCE_STAGES[scale])


@pytest.mark.parametrize(("scale", "value"), INTAKE_STAGES)
def test_every_stage_of_every_intake_scale_parses_to_its_canonical_value(
    scale: str, value: str
) -> None:
    stage = _stage(scale, value)
    assert (stage.scale, stage.value) == (scale, value)
    assert stage.salt_score is None and stage.salt_regions is None and stage.salt_bands is None


@pytest.mark.parametrize(("scale", "value"), INTAKE_STAGES)
def test_case_spaces_and_hyphens_do_not_matter(scale: str, value: str) -> None:
    for variant in (value.lower(), value.upper(), f"  {value} ", value.replace(" ", "-")):
        assert _stage(scale, variant).value == value


@pytest.mark.parametrize(
    ("scale", "written", "canonical"),
    [
        ("norwood", "IIIv", "III vertex"),
        ("norwood", "iii v", "III vertex"),
        ("norwood", "III_vertex", "III vertex"),
        ("savin", "I1", "I-1"),
        ("savin", "ii 2", "II-2"),
        ("savin", "Advanced", "advanced"),
        ("sinclair", 3, "3"),
        ("sinclair", " 5", "5"),
        ("NORWOOD", "vii", "VII"),
        (" Ludwig ", "ii", "II"),
    ],
)
def test_accepted_spellings_give_the_canonical_value(
    scale: str, written: object, canonical: str
) -> None:
    assert _stage(scale, written).value == canonical


def test_the_invalid_norwood_stage_message_names_the_field_and_lists_every_stage() -> None:
    error = _invalid(lambda: _stage("norwood", "IIx"))
    assert error.field == "hair_loss.stage.value"
    assert error.message == (
        "'IIx' is not a Norwood stage; allowed: I, II, IIa, III, IIIa, III vertex, IV, IVa, V, "
        "Va, VI, VII"
    )


@pytest.mark.parametrize(
    ("scale", "value"),
    [
        ("norwood", "3"),  # Arabic numerals are not Norwood stages
        ("norwood", "VIII"),
        ("norwood", "IIv"),
        ("ludwig", "IV"),
        ("ludwig", "1"),
        ("sinclair", "III"),
        ("sinclair", 6),
        ("sinclair", 0),
        ("sinclair", -3),
        ("sinclair", "-3"),
        ("savin", "I-5"),
        ("savin", "8"),
    ],
)
def test_a_value_outside_the_scale_lists_the_allowed_values(scale: str, value: object) -> None:
    error = _invalid(lambda: _stage(scale, value))
    assert error.field == "hair_loss.stage.value"
    assert f"allowed: {', '.join(REFERENCE_STAGES[scale])}" in error.message
    assert BOOK.label(scale) in error.message


@pytest.mark.parametrize("value", [True, 3.0, ["5"], {"v": 5}, None])
def test_a_sinclair_value_must_be_text_or_a_whole_number(value: object) -> None:
    error = _invalid(lambda: _stage("sinclair", value))
    assert error.field == "hair_loss.stage.value"
    assert "allowed: 1, 2, 3, 4, 5" in error.message


@pytest.mark.parametrize("scale", ["olsen", "basp", "hamilton", "", 5, None])
def test_only_the_intake_scales_are_accepted(scale: object) -> None:
    error = _invalid(lambda: _stage(scale, "1"))
    assert error.field == "hair_loss.stage.scale"
    assert "allowed: norwood, ludwig, sinclair, savin, salt" in error.message


def test_a_missing_value_is_named_with_the_allowed_values() -> None:
    error = _invalid(lambda: parse_stage({"scale": "ludwig"}, field=FIELD, book=BOOK))
    assert error.field == "hair_loss.stage.value"
    assert error.message == "is required; allowed: I, II, III"


def test_an_unknown_key_is_an_error() -> None:
    raw = {"scale": "ludwig", "value": "I", "note": "x"}
    error = _invalid(lambda: parse_stage(raw, field=FIELD, book=BOOK))
    assert error.field == "hair_loss.stage.note"
    assert "allowed: scale, value" in error.message


@pytest.mark.parametrize("raw", ["norwood III", ["norwood", "III"], None, 3])
def test_the_stage_must_be_an_object(raw: object) -> None:
    assert _invalid(lambda: parse_stage(raw, field=FIELD, book=BOOK)).field == FIELD


def test_without_a_field_prefix_the_key_alone_is_named() -> None:
    error = _invalid(lambda: parse_stage({"scale": "x", "value": "I"}, field="", book=BOOK))
    assert error.field == "scale"


def test_describe_gives_the_stage_wording_for_any_accepted_spelling() -> None:
    assert BOOK.describe("norwood", "IIIv") == BOOK.describe("norwood", "III vertex")
    assert "vertex" in BOOK.describe("norwood", "III vertex")
    assert "bridge" in BOOK.describe("norwood", "VI").lower()
    assert "S2" in BOOK.describe("salt", "37.5")
    with pytest.raises(ValueError, match="allowed"):
        BOOK.describe("ludwig", "IV")
    with pytest.raises(ValueError, match="unknown scale"):
        BOOK.stages("hamilton")


def test_every_scale_names_its_sources() -> None:
    assert "norwood-1975" in BOOK.sources("norwood")
    assert "olsen-2004-salt" in BOOK.sources("salt")
    assert BOOK.stages("salt") == ()
    for scale in REFERENCE_STAGES:
        assert all(source in BOOK.citations for source in BOOK.sources(scale))


# --- SALT ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regions", "score"),
    [
        ((50, 0, 0, 0), 20.0),
        ((100, 100, 100, 100), 100.0),
        ((0, 0, 0, 0), 0.0),
        ((100, 0, 0, 0), 40.0),
        ((0, 100, 0, 0), 24.0),
        ((0, 0, 100, 0), 18.0),
        ((0, 0, 0, 100), 18.0),
        ((25, 50, 75, 10), 37.3),
        ((99.99, 99.99, 99.99, 99.99), 99.9),  # not totalis: rounding may not reach 100
        ((0.01, 0, 0, 0), 0.1),  # some loss: rounding may not reach 0
    ],
)
def test_salt_is_the_weighted_percentage_of_scalp_hair_lost(
    regions: tuple[float, float, float, float], score: float
) -> None:
    stage = _salt(*regions)
    assert stage.salt_score == score
    assert stage.value == f"{score:.1f}"
    assert dict(stage.salt_regions) == dict(
        zip(("top", "back", "right", "left"), regions, strict=True)
    )
    assert stage.advanced is False


def test_a_salt_stage_carries_the_bands_of_every_scheme() -> None:
    stage = _salt(25, 50, 75, 10)
    assert dict(stage.salt_bands) == {"olsen": "S2", "uk": "moderate", "naaf": "not_severe"}
    assert stage.value == "37.3"


@pytest.mark.parametrize("bad", [-1, 100.5, float("nan"), float("inf"), True, "50", None])
def test_a_salt_region_must_be_a_percentage(bad: object) -> None:
    raw = {"top": bad, "back": 0, "right": 0, "left": 0}
    error = _invalid(lambda: _stage("salt", raw))
    assert error.field == "hair_loss.stage.value.top"
    assert "0 to 100" in error.message


def test_salt_needs_all_four_regions() -> None:
    error = _invalid(lambda: _stage("salt", {"top": 10, "right": 0}))
    assert error.field == "hair_loss.stage.value"
    assert "missing back, left" in error.message
    assert "top, back, right, left" in error.message


def test_salt_rejects_an_unknown_region() -> None:
    raw = {"top": 10, "back": 0, "right": 0, "left": 0, "front": 5}
    error = _invalid(lambda: _stage("salt", raw))
    assert error.field == "hair_loss.stage.value.front"
    assert "allowed: top, back, right, left" in error.message


@pytest.mark.parametrize("raw", [37.5, "37.5", [10, 0, 0, 0]])
def test_salt_needs_the_regions_not_a_score(raw: object) -> None:
    error = _invalid(lambda: _stage("salt", raw))
    assert error.field == "hair_loss.stage.value"
    assert "top, back, right, left" in error.message


@pytest.mark.parametrize(
    ("score", "olsen", "uk", "naaf"),
    [
        (0, "S0", "none", "not_severe"),
        (0.1, "S1", "mild", "not_severe"),
        (1, "S1", "mild", "not_severe"),
        (20, "S1", "mild", "not_severe"),
        (20.1, "S1", "moderate", "not_severe"),
        (21, "S1", "moderate", "not_severe"),
        (24, "S1", "moderate", "not_severe"),
        (24.9, "S1", "moderate", "not_severe"),
        (25, "S2", "moderate", "not_severe"),
        (49, "S2", "moderate", "not_severe"),
        (49.9, "S2", "moderate", "not_severe"),
        (50, "S3", "severe", "severe"),
        (74, "S3", "severe", "severe"),
        (75, "S4", "severe", "severe"),
        (94, "S4", "severe", "severe"),
        (95, "S4", "very_severe", "severe"),
        (99, "S4", "very_severe", "severe"),
        (99.9, "S4", "very_severe", "severe"),
        (100, "S5", "very_severe", "severe"),
    ],
)
def test_salt_bands_at_their_edges(score: float, olsen: str, uk: str, naaf: str) -> None:
    assert salt_bands(score, BOOK) == {"olsen": olsen, "uk": uk, "naaf": naaf}


@pytest.mark.parametrize("score", [-0.1, 100.1, float("nan"), True])
def test_salt_bands_reject_a_score_outside_0_to_100(score: float) -> None:
    with pytest.raises(ValueError):
        salt_bands(score, BOOK)


def test_salt_score_needs_exactly_the_four_regions() -> None:
    with pytest.raises(ValueError, match="top, back, right, left"):
        salt_score({"top": 10.0}, BOOK)
    with pytest.raises(ValueError, match="0 to 100"):
        salt_score({"top": 101.0, "back": 0.0, "right": 0.0, "left": 0.0}, BOOK)


def test_the_jak_trial_success_threshold_is_salt_20_or_less() -> None:
    assert BOOK.salt.trial_success_up_to == 20


PERCENT = st.floats(min_value=0, max_value=100, allow_nan=False)
REGION_NAMES = ("top", "back", "right", "left")


@given(st.tuples(PERCENT, PERCENT, PERCENT, PERCENT))
def test_salt_stays_within_0_and_100_and_is_100_only_for_total_loss(
    values: tuple[float, float, float, float],
) -> None:
    score = salt_score(dict(zip(REGION_NAMES, values, strict=True)), BOOK)
    assert 0 <= score <= 100
    assert (score == 100) == all(v == 100 for v in values)
    assert (score == 0) == all(v == 0 for v in values)
    assert (salt_bands(score, BOOK)["olsen"] == "S5") == (score == 100)


@given(
    st.tuples(PERCENT, PERCENT, PERCENT, PERCENT),
    st.sampled_from(REGION_NAMES),
    PERCENT,
)
def test_salt_never_falls_when_one_region_loses_more_hair(
    values: tuple[float, float, float, float], region: str, other: float
) -> None:
    regions = dict(zip(REGION_NAMES, values, strict=True))
    higher = {**regions, region: max(regions[region], other)}
    assert salt_score(higher, BOOK) >= salt_score(regions, BOOK)


@given(PERCENT)
def test_each_scheme_gives_exactly_one_band_for_any_score(score: float) -> None:
    bands = salt_bands(score, BOOK)
    assert set(bands) == {"olsen", "uk", "naaf"}
    assert (bands["naaf"] == "severe") == (score >= 50)
    assert (bands["olsen"] == "S0") == (score == 0)


# --- advanced signals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "value", "advanced"),
    [
        ("norwood", "VI", True),
        ("norwood", "VII", True),
        ("norwood", "V", False),
        ("norwood", "Va", False),
        ("norwood", "III vertex", False),
        ("ludwig", "III", True),
        ("ludwig", "II", False),
        ("sinclair", "5", True),
        ("sinclair", "4", False),
        ("savin", "advanced", True),
        ("savin", "frontal", False),
        ("savin", "III", False),
    ],
)
def test_advanced_stages_are_flagged(scale: str, value: str, advanced: bool) -> None:
    stage = _stage(scale, value)
    assert stage.advanced is advanced
    assert bool(advanced_signals(stage, [], BOOK)) is advanced


def test_an_advanced_stage_reason_names_the_scale_and_stage() -> None:
    (reason,) = advanced_signals(_stage("norwood", "vi"), [], BOOK)
    assert reason.startswith("Norwood VI: ")
    assert "advanced stage" in reason and "bridge" in reason


def test_white_dots_and_honeycomb_pigment_are_advanced_signals() -> None:
    signs = ["yellow_dots", "honeycomb_pigment", "white_dots"]
    reasons = advanced_signals(None, signs, BOOK)
    assert len(reasons) == 2
    assert "white dots" in reasons[0] and "honeycomb" in reasons[1]
    assert advanced_signals(_stage("ludwig", "III"), signs, BOOK)[0].startswith("Ludwig III")


def test_no_advanced_signal_for_an_early_stage_and_ordinary_signs() -> None:
    assert advanced_signals(_stage("norwood", "V"), ["yellow_dots"], BOOK) == ()
    assert advanced_signals(_salt(100, 100, 100, 100), [], BOOK) == ()


def test_signs_must_be_a_sequence_of_names() -> None:
    with pytest.raises(TypeError):
        advanced_signals(None, "white_dots", BOOK)


def test_alopecia_areata_poor_prognosis_signs_are_described() -> None:
    found = aa_poor_prognosis(["ophiasis", "nail_changes", "unknown"], BOOK)
    assert len(found) == 2
    assert "ophiasis" in found[0]
    assert aa_poor_prognosis([], BOOK) == ()


# --- pull test ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regions", "reading"),
    [(0, "negative"), (1, "one_region"), (2, "several_regions"), (4, "several_regions")],
)
def test_the_pull_test_reads_by_the_number_of_positive_regions(regions: int, reading: str) -> None:
    assert pull_test_reading(regions, BOOK) == reading


def test_the_pull_test_meanings_follow_fpnotebook() -> None:
    assert "alopecia areata" in BOOK.pull_test_meaning("one_region")
    assert "telogen effluvium" in BOOK.pull_test_meaning("several_regions")


@pytest.mark.parametrize("regions", [-1, 5, True, 1.0])
def test_the_pull_test_rejects_impossible_region_counts(regions: int) -> None:
    with pytest.raises(ValueError):
        pull_test_reading(regions, BOOK)


# --- Rakowska -----------------------------------------------------------------------------

# Values that meet / do not meet each criterion (thresholds: > 4, frontal < occipital, > 10 %,
# > 2.0, > 1.5, > 3.0).
MEETS = {
    "yellow_dots_frontal_4_images": 5,
    "thin_hairs_frontal_pct": 10.5,
    "single_hair_units_ratio": 2.1,
    "vellus_ratio": 1.6,
    "perifollicular_discoloration_ratio": 3.5,
}
FAILS = {
    "yellow_dots_frontal_4_images": 4,
    "thin_hairs_frontal_pct": 10,
    "single_hair_units_ratio": 2.0,
    "vellus_ratio": 1.5,
    "perifollicular_discoloration_ratio": 3.0,
}
THINNER_FRONT = {"thickness_frontal_mm": 0.047, "thickness_occipital_mm": 0.052}
EQUAL_THICKNESS = {"thickness_frontal_mm": 0.05, "thickness_occipital_mm": 0.05}


def _rakowska(**values: float | None) -> Any:
    return rakowska(parse_rakowska(values, field="hair_loss.rakowska"), BOOK)


def _measured(meeting: tuple[str, ...], thickness: Mapping[str, float]) -> dict[str, float]:
    return {**{k: MEETS[k] if k in meeting else FAILS[k] for k in MEETS}, **thickness}


def test_two_major_criteria_make_female_aga() -> None:
    result = _rakowska(**_measured(("yellow_dots_frontal_4_images",), THINNER_FRONT))
    assert result.diagnosis == "female_aga"
    assert result.major_met == ("rakowska-yellow-dots", "rakowska-frontal-thinner")
    assert result.minor_met == ()
    assert result.missing == ()


def test_one_major_and_two_minor_criteria_make_female_aga() -> None:
    meeting = ("thin_hairs_frontal_pct", "vellus_ratio", "perifollicular_discoloration_ratio")
    result = _rakowska(**_measured(meeting, EQUAL_THICKNESS))
    assert result.diagnosis == "female_aga"
    assert result.major_met == ("rakowska-thin-hairs",)
    assert result.minor_met == ("rakowska-vellus", "rakowska-perifollicular-discoloration")


def test_one_major_and_one_minor_criterion_are_not_enough() -> None:
    result = _rakowska(
        **_measured(("yellow_dots_frontal_4_images", "vellus_ratio"), EQUAL_THICKNESS)
    )
    assert result.diagnosis == "not_met"
    assert result.missing == ()


def test_values_at_the_thresholds_do_not_meet_the_criteria() -> None:
    result = _rakowska(**_measured((), EQUAL_THICKNESS))
    assert (result.major_met, result.minor_met, result.diagnosis) == ((), (), "not_met")


def test_nothing_measured_is_incomplete() -> None:
    result = rakowska(parse_rakowska(None, field="hair_loss.rakowska"), BOOK)
    assert result.diagnosis == "incomplete"
    assert len(result.missing) == 6
    assert len(result.missing_measures) == 7


def test_missing_minor_criteria_cannot_rescue_no_major_criterion() -> None:
    result = _rakowska(yellow_dots_frontal_4_images=0, thin_hairs_frontal_pct=5, **EQUAL_THICKNESS)
    assert result.diagnosis == "not_met"
    assert len(result.missing) == 3


def test_a_diagnosis_already_reached_stands_whatever_is_missing() -> None:
    result = _rakowska(yellow_dots_frontal_4_images=9, thin_hairs_frontal_pct=25)
    assert result.diagnosis == "female_aga"
    assert "rakowska-frontal-thinner" in result.missing


def test_one_major_one_minor_and_a_missing_minor_is_incomplete() -> None:
    values = _measured(("yellow_dots_frontal_4_images", "vellus_ratio"), EQUAL_THICKNESS)
    values["single_hair_units_ratio"] = None  # type: ignore[assignment]
    result = _rakowska(**values)
    assert result.diagnosis == "incomplete"
    assert result.missing == ("rakowska-single-hair-units",)
    assert result.missing_measures == ("single_hair_units_ratio",)


def test_frontal_thickness_alone_leaves_the_thickness_criterion_missing() -> None:
    result = _rakowska(thickness_frontal_mm=0.04)
    assert "rakowska-frontal-thinner" in result.missing
    assert "thickness_occipital_mm" in result.missing_measures
    assert "thickness_frontal_mm" not in result.missing_measures


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("yellow_dots_frontal_4_images", -1),
        ("yellow_dots_frontal_4_images", 2.5),
        ("yellow_dots_frontal_4_images", True),
        ("thickness_frontal_mm", 0),
        ("thickness_occipital_mm", "0.05"),
        ("thin_hairs_frontal_pct", 101),
        ("vellus_ratio", -0.1),
        ("single_hair_units_ratio", float("nan")),
        ("perifollicular_discoloration_ratio", float("inf")),
    ],
)
def test_a_rakowska_measurement_out_of_range_names_its_field(key: str, bad: object) -> None:
    error = _invalid(lambda: parse_rakowska({key: bad}, field="hair_loss.rakowska"))
    assert error.field == f"hair_loss.rakowska.{key}"


def test_an_unknown_rakowska_key_lists_the_allowed_keys() -> None:
    error = _invalid(lambda: parse_rakowska({"yellow_dots": 5}, field="hair_loss.rakowska"))
    assert error.field == "hair_loss.rakowska.yellow_dots"
    assert "allowed: yellow_dots_frontal_4_images, thickness_frontal_mm" in error.message


def test_rakowska_measurements_read_as_given() -> None:
    parsed = parse_rakowska(
        {"yellow_dots_frontal_4_images": 3, "vellus_ratio": 2, "thin_hairs_frontal_pct": None},
        field="hair_loss.rakowska",
    )
    assert parsed == RakowskaMeasurements(yellow_dots_frontal_4_images=3, vellus_ratio=2.0)
    assert _invalid(lambda: parse_rakowska([1], field="x")).field == "x"


def test_the_rakowska_rule_is_two_major_or_one_major_and_two_minor() -> None:
    assert BOOK.rakowska.any_of == ((2, 0), (1, 2))
    assert BOOK.anisotrichosis_above_pct == 20


# --- the knowledge files ------------------------------------------------------------------


def _tables(node: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from _tables(value)
    elif isinstance(node, list):
        for item in node:
            yield from _tables(item)


def _file_records(document: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for key, value in document.items():
        if key != "source":
            yield from (t for t in _tables(value) if "id" in t or "sources" in t or "evidence" in t)


DOCUMENTS = {"scales.toml": SCALES, "norms.toml": NORMS}
DECLARED = [s["id"] for doc in DOCUMENTS.values() for s in doc["source"]]
RECORDS = [record for doc in DOCUMENTS.values() for record in _file_records(doc)]


def test_every_record_has_an_id_declared_sources_and_an_evidence_tag() -> None:
    assert len(RECORDS) > 100
    for record in RECORDS:
        assert isinstance(record.get("id"), str) and record["id"], record
        assert record["sources"] and set(record["sources"]) <= set(DECLARED), record["id"]
        assert record["evidence"] in EVIDENCE_TAGS, record["id"]


def test_every_stage_and_rule_entry_is_a_record_with_a_description() -> None:
    entries = [stage for scale in SCALES["scale"] for stage in scale["stage"]]
    entries += SCALES["salt"]["region"] + SCALES["rakowska"]["criterion"]
    for entry in entries:
        assert {"id", "sources", "evidence", "description"} <= set(entry), entry
    for table in ("density", "density_flag", "hair_cycle", "rakowska_reference", "shedding"):
        assert all("id" in record and "sources" in record for record in NORMS[table])


def test_record_and_source_ids_are_unique_and_every_source_is_cited() -> None:
    assert len(set(DECLARED)) == len(DECLARED)
    ids = [record["id"] for record in RECORDS]
    assert len(set(ids)) == len(ids)
    cited = {source for record in RECORDS for source in record["sources"]}
    assert cited == set(DECLARED)


def test_every_source_has_a_citation_and_an_evidence_tag() -> None:
    for doc in DOCUMENTS.values():
        for source in doc["source"]:
            assert source["citation"].strip() and source["evidence"] in EVIDENCE_TAGS, source


def test_my_source_ids_are_not_declared_in_the_other_knowledge_files() -> None:
    others = [f for f in KNOWLEDGE.iterdir() if f.name.endswith(".toml") and f.name not in MY_FILES]
    elsewhere = {
        source["id"]
        for f in others
        for source in tomllib.loads(f.read_text(encoding="utf-8")).get("source", [])
    }
    assert not elsewhere & set(DECLARED)


def test_unverified_and_disagreeing_statements_keep_their_marking() -> None:
    by_id = {record["id"]: record for record in RECORDS}
    for record_id in ("sinclair-1", "sinclair-5", "advanced-norwood", "hair-cycle-te-support"):
        assert by_id[record_id]["evidence"] == "U"
    assert by_id["density-flag-frontal-occipital"]["evidence"] == "U"
    assert "U:" in by_id["norwood-ii"]["note"]
    for record_id in ("salt", "pull-test", "rakowska-faga", "hair-cycle-catagen"):
        assert by_id[record_id]["disagreement"]


def test_salt_weights_are_those_of_olsen_2004() -> None:
    assert dict(BOOK.salt.weights) == {"top": 0.40, "back": 0.24, "right": 0.18, "left": 0.18}


def test_the_norms_are_reachable_by_id() -> None:
    assert BOOK.norms["density-flag-frontal-occipital"]["frontal_to_occipital_below"] == 0.8
    assert BOOK.norms["hair-cycle-anagen"]["normal_pct"] == [85, 90]
    assert BOOK.norms["rakowska-ref-thin-hairs"]["female_aga"]["mean"] == 20.9


# --- malformed knowledge files are refused --------------------------------------------------


def _break_stage_sources(s: dict[str, Any], n: dict[str, Any]) -> None:
    del s["scale"][0]["stage"][0]["sources"]


def _bad_evidence(s: dict[str, Any], n: dict[str, Any]) -> None:
    n["density"][0]["evidence"] = "strong"


def _undeclared_source(s: dict[str, Any], n: dict[str, Any]) -> None:
    s["scale"][1]["stage"][0]["sources"] = ["ludwig-1977"]


def _duplicate_source(s: dict[str, Any], n: dict[str, Any]) -> None:
    n["source"].append(dict(s["source"][0]))


def _duplicate_record(s: dict[str, Any], n: dict[str, Any]) -> None:
    n["density"][1]["id"] = "norwood-i"


def _weights(s: dict[str, Any], n: dict[str, Any]) -> None:
    s["salt"]["region"][0]["weight"] = 0.5


def _bands_out_of_order(s: dict[str, Any], n: dict[str, Any]) -> None:
    bands = s["salt"]["band_scheme"][0]["bands"]
    bands[1], bands[2] = bands[2], bands[1]


def _band_without_limit(s: dict[str, Any], n: dict[str, Any]) -> None:
    del s["salt"]["band_scheme"][1]["bands"][1]["up_to"]


def _unknown_advanced_stage(s: dict[str, Any], n: dict[str, Any]) -> None:
    s["advanced_signal"][0]["stages"] = ["VIII"]


def _alias_collision(s: dict[str, Any], n: dict[str, Any]) -> None:
    s["scale"][0]["stage"][0]["aliases"] = ["ii"]


def _missing_scale(s: dict[str, Any], n: dict[str, Any]) -> None:
    s["scale"] = [scale for scale in s["scale"] if scale["key"] != "savin"]


def _pull_test_gap(s: dict[str, Any], n: dict[str, Any]) -> None:
    s["pull_test"]["reading"][2]["min_regions"] = 3


def _rakowska_measure(s: dict[str, Any], n: dict[str, Any]) -> None:
    s["rakowska"]["criterion"][0]["measure"] = "yellow_dots"


@pytest.mark.parametrize(
    "breakage",
    [
        _break_stage_sources,
        _bad_evidence,
        _undeclared_source,
        _duplicate_source,
        _duplicate_record,
        _weights,
        _bands_out_of_order,
        _band_without_limit,
        _unknown_advanced_stage,
        _alias_collision,
        _missing_scale,
        _pull_test_gap,
        _rakowska_measure,
    ],
)
def test_a_malformed_knowledge_file_is_refused(
    breakage: Callable[[dict[str, Any], dict[str, Any]], None],
) -> None:
    scales, norms = copy.deepcopy(SCALES), copy.deepcopy(NORMS)
    breakage(scales, norms)
    with pytest.raises(ValueError):
        ScaleBook.from_data(scales, norms)


def test_the_book_reads_cleanly_from_the_shipped_files() -> None:
    book = ScaleBook.from_data(copy.deepcopy(SCALES), copy.deepcopy(NORMS))
    assert book.stages("norwood") == BOOK.stages("norwood")
    assert math.isclose(sum(book.salt.weights.values()), 1.0)
