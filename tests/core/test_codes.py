"""Tests for the bundled code lists and their loader (no database, no Django)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anagen.core.codes import SYSTEMS, Code, CodeSystem, _from_toml, load, normalise

SCREENING_ID = re.compile(r"CI-(?:0[1-9]|1\d|2[0-3])")

# REFERENCE.md section 5.1 (WHO ICD-10 2019, block L60-L75), with the WHO titles.
REFERENCE_5_1 = {
    "L63": "Alopecia areata",
    "L63.0": "Alopecia (capitis) totalis",
    "L63.1": "Alopecia universalis",
    "L63.2": "Ophiasis",
    "L63.8": "Other alopecia areata",
    "L63.9": "Alopecia areata, unspecified",
    "L64": "Androgenic alopecia",
    "L64.0": "Drug-induced androgenic alopecia",
    "L64.8": "Other androgenic alopecia",
    "L64.9": "Androgenic alopecia, unspecified",
    "L65": "Other nonscarring hair loss",
    "L65.0": "Telogen effluvium",
    "L65.1": "Anagen effluvium",
    "L65.2": "Alopecia mucinosa",
    "L65.8": "Other specified nonscarring hair loss",
    "L65.9": "Nonscarring hair loss, unspecified",
    "L66": "Cicatricial alopecia [scarring hair loss]",
    "L66.0": "Pseudopelade",
    "L66.1": "Lichen planopilaris",
    "L66.2": "Folliculitis decalvans",
    "L66.3": "Perifolliculitis capitis abscedens",
    "L66.4": "Folliculitis ulerythematosa reticulata",
    "L66.8": "Other cicatricial alopecia",
    "L66.9": "Cicatricial alopecia, unspecified",
}

VALID_META = """
[meta]
system = "icd10"
title = "Test list"
source = "WHO"
version = "2019"
licence_note = "Quoted for look-up."
scope = "Tests."
"""


@pytest.fixture(scope="module")
def icd10() -> CodeSystem:
    return load("icd10")


@pytest.fixture(scope="module")
def atc() -> CodeSystem:
    return load("atc")


def _codes(results: list[Code]) -> list[str]:
    return [c.code for c in results]


# --- loading ---------------------------------------------------------------------


def test_load_is_cached_and_carries_meta(icd10: CodeSystem, atc: CodeSystem) -> None:
    assert load("icd10") is icd10
    assert icd10.system == "icd10"
    assert icd10.version == "2019"
    assert icd10.source == "WHO ICD-10 Version:2019, https://icd.who.int/browse10/2019/en"
    assert atc.system == "atc"
    assert atc.source == (
        "WHO Collaborating Centre for Drug Statistics Methodology, ATC/DDD Index, "
        "https://atcddd.fhi.no/atc_ddd_index/"
    )
    assert icd10.title and atc.title and atc.version


def test_load_rejects_unknown_system() -> None:
    with pytest.raises(ValueError, match="unknown code system 'snomed'"):
        load("snomed")


# --- look-up ---------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["L64.9", " L64.9 ", "l649", "l64.9\n", "L 64 . 9", "\tl64 9"])
def test_get_accepts_messy_icd10_input(icd10: CodeSystem, raw: str) -> None:
    found = icd10.get(raw)
    assert found == Code("icd10", "L64.9", "Androgenic alopecia, unspecified")


@pytest.mark.parametrize("raw", ["B01AC06", "b01ac06", " B01 AC 06 ", "b01AC06\n"])
def test_get_accepts_messy_atc_input(atc: CodeSystem, raw: str) -> None:
    found = atc.get(raw)
    assert found is not None
    assert (found.code, found.title, found.screening) == (
        "B01AC06",
        "acetylsalicylic acid",
        ("CI-08",),
    )


def test_get_strips_dagger_and_asterisk(icd10: CodeSystem) -> None:
    found = icd10.get("L62.0*")
    assert found is not None and found.code == "L62.0"


@pytest.mark.parametrize("raw", ["L64.5", "Z99.9", "hello", "", "   ", "L64-L66", "B01AC06"])
def test_get_returns_none_for_unknown_or_malformed_icd10(icd10: CodeSystem, raw: str) -> None:
    assert icd10.get(raw) is None


@pytest.mark.parametrize("raw", ["B01AC99", "L64.9", "E01", "warfarin", ""])
def test_get_returns_none_for_unknown_or_malformed_atc(atc: CodeSystem, raw: str) -> None:
    assert atc.get(raw) is None


def test_contains_and_len(icd10: CodeSystem, atc: CodeSystem) -> None:
    assert "l63.0" in icd10
    assert "L63.5" not in icd10
    assert "b01aa03" in atc
    assert len(icd10) == len(icd10.codes) > 0
    assert len(atc) == len(atc.codes) > 0


# --- search ----------------------------------------------------------------------


def test_search_by_code_prefix(icd10: CodeSystem, atc: CodeSystem) -> None:
    assert _codes(icd10.search("L63")) == ["L63", "L63.0", "L63.1", "L63.2", "L63.8", "L63.9"]
    assert _codes(icd10.search("l64.")) == ["L64", "L64.0", "L64.8", "L64.9"]
    assert _codes(icd10.search("L66.1")) == ["L66.1"]
    assert _codes(atc.search("b01af")) == ["B01AF", "B01AF01", "B01AF02", "B01AF03"]
    assert _codes(atc.search("G04CB")) == ["G04CB", "G04CB01", "G04CB02"]


def test_search_by_words_needs_every_word(icd10: CodeSystem, atc: CodeSystem) -> None:
    assert _codes(icd10.search("alopecia areata")) == ["L63", "L63.8", "L63.9"]
    assert _codes(icd10.search("ALOPECIA, unspecified")) == ["L63.9", "L64.9", "L66.9"]
    assert _codes(icd10.search("areata androgenic")) == []
    assert _codes(atc.search("warfarin")) == ["B01AA03"]
    assert _codes(atc.search("finasteride")) == ["D11AX10", "G04CB01"]


def test_search_ignores_accents(icd10: CodeSystem) -> None:
    assert _codes(icd10.search("acne excoriee")) == ["L70.5"]
    assert _codes(icd10.search("Acné excoriée")) == ["L70.5"]


def test_search_puts_code_matches_first_then_orders_by_code(atc: CodeSystem) -> None:
    results = atc.search("a", limit=10_000)
    prefix = [c for c in results if c.code.startswith("A")]
    assert results[: len(prefix)] == prefix, "code prefix matches come first"
    rest = results[len(prefix) :]
    assert rest, "title matches follow"
    assert all("a" in c.title.casefold() for c in rest)
    assert _codes(prefix) == sorted(_codes(prefix))
    assert _codes(rest) == sorted(_codes(rest))
    assert len(set(_codes(results))) == len(results)


@pytest.mark.parametrize("query", ["", "   ", "...", "\n\t"])
def test_search_empty_query_gives_nothing(icd10: CodeSystem, query: str) -> None:
    assert icd10.search(query) == []


def test_search_limit(icd10: CodeSystem) -> None:
    assert len(icd10.search("L")) == 20
    assert len(icd10.search("L", limit=5)) == 5
    assert icd10.search("L", limit=0) == []
    assert _codes(icd10.search("L6", limit=3)) == ["L60", "L60.0", "L60.1"]


# --- parents ---------------------------------------------------------------------


def test_parents(icd10: CodeSystem, atc: CodeSystem) -> None:
    assert _codes(icd10.parents("L64.9")) == ["L64"]
    assert _codes(icd10.parents("l649")) == ["L64"]
    assert icd10.parents("L64") == []
    assert _codes(icd10.parents("L64.5")) == ["L64"], "known ancestors of an unlisted code"
    assert icd10.parents("not a code") == []
    assert _codes(atc.parents("B01AC06")) == ["B01AC", "B01A", "B01", "B"]
    assert _codes(atc.parents("b01a")) == ["B01", "B"]
    assert atc.parents("B") == []
    assert atc.parents("E01") == []


# --- normalise -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "raw", "expected"),
    [
        ("icd10", "L64", "L64"),
        ("icd10", "l64", "L64"),
        ("icd10", "l649", "L64.9"),
        ("icd10", " L64.9 ", "L64.9"),
        ("icd10", "m8005", "M80.05"),
        ("icd10", "L62.0*", "L62.0"),
        ("icd10", "A17.0†", "A17.0"),
        ("atc", "b", "B"),
        ("atc", "b01", "B01"),
        ("atc", "b01a", "B01A"),
        ("atc", "b01ac", "B01AC"),
        ("atc", " b01 ac 06 ", "B01AC06"),
    ],
)
def test_normalise_examples(system: str, raw: str, expected: str) -> None:
    assert normalise(system, raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "   ", "L6", "L", "64.9", "LL64", "L64.123", "L64.X", "L649X", "L64-L66", "L.64"]
)
def test_normalise_rejects_bad_icd10(raw: str) -> None:
    with pytest.raises(ValueError, match="is not an ICD-10 code") as excinfo:
        normalise("icd10", raw)
    assert repr(raw) in str(excinfo.value)
    assert "e.g. 'L64' or 'L64.9'" in str(excinfo.value)


@pytest.mark.parametrize(
    "raw", ["", "B0", "B01A0", "B01AC6", "B01AC066", "E01", "1B01", "B01.AC.06", "warfarin"]
)
def test_normalise_rejects_bad_atc(raw: str) -> None:
    with pytest.raises(ValueError, match="is not an ATC code") as excinfo:
        normalise("atc", raw)
    assert repr(raw) in str(excinfo.value)


def test_normalise_rejects_unknown_system() -> None:
    with pytest.raises(ValueError, match="unknown code system 'icd11'"):
        normalise("icd11", "ED70.2")


# --- data integrity ----------------------------------------------------------------


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_code_is_canonical_unique_and_titled(system: str) -> None:
    code_system = load(system)
    codes = [c.code for c in code_system.codes]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    for entry in code_system.codes:
        assert entry.system == system
        assert normalise(system, entry.code) == entry.code
        assert entry.title == entry.title.strip() != ""


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_screening_tag_is_a_rule_id(system: str) -> None:
    tagged = [c for c in load(system).codes if c.screening]
    assert tagged
    for entry in tagged:
        for rule in entry.screening:
            assert SCREENING_ID.fullmatch(rule), f"{entry.code}: {rule!r}"
        assert len(set(entry.screening)) == len(entry.screening)


@pytest.mark.parametrize("system", SYSTEMS)
def test_hierarchy_is_closed(system: str) -> None:
    """Every listed code's immediate parent is listed too, so parents() is complete."""
    code_system = load(system)
    for entry in code_system.codes:
        if system == "icd10":
            parent = entry.code[:3] if "." in entry.code else None
        else:
            parent = {1: None, 3: entry.code[:1], 4: entry.code[:3], 5: entry.code[:4]}.get(
                len(entry.code), entry.code[:5]
            )
        if parent is not None:
            assert code_system.get(parent) is not None, f"{entry.code}: parent {parent} missing"


def test_reference_section_5_1_codes_present_with_titles(icd10: CodeSystem) -> None:
    for code, title in REFERENCE_5_1.items():
        entry = icd10.get(code)
        assert entry is not None, code
        assert entry.title == title


def test_whole_block_l60_l75_present(icd10: CodeSystem) -> None:
    three_char = {c.code for c in icd10.codes if "." not in c.code and "L60" <= c.code <= "L75"}
    assert three_char == {
        "L60", "L62", "L63", "L64", "L65", "L66", "L67", "L68",
        "L70", "L71", "L72", "L73", "L74", "L75",
    }  # fmt: skip
    assert _codes(icd10.search("L66.")) == [
        "L66", "L66.0", "L66.1", "L66.2", "L66.3", "L66.4", "L66.8", "L66.9",
    ]  # fmt: skip


def test_no_icd10_cm_extension_codes(icd10: CodeSystem) -> None:
    # ICD-10-CM (US) adds codes such as L66.12 (frontal fibrosing alopecia), L66.81
    # (CCCA) and Z33.1; none of them exist in WHO ICD-10 2019.
    for cm_only in ("L66.12", "L66.81", "L66.10", "L66.89", "Z33.1", "Z79.01"):
        assert icd10.get(cm_only) is None
    assert all(len(c.code) <= 5 for c in icd10.codes)


def test_key_screening_links(icd10: CodeSystem, atc: CodeSystem) -> None:
    def tags(system: CodeSystem, code: str) -> tuple[str, ...]:
        entry = system.get(code)
        assert entry is not None, code
        return entry.screening

    assert "CI-18" in tags(icd10, "L63.0")
    assert "CI-17" in tags(icd10, "L66.1")
    assert "CI-07" in tags(icd10, "L40.0")
    assert "CI-10" in tags(icd10, "E11")
    assert "CI-09" in tags(icd10, "D68.0")
    assert "CI-01" in tags(icd10, "Z33")
    assert tags(icd10, "L64.9") == ()
    assert "CI-08" in tags(atc, "B01AA03")
    assert "CI-08" in tags(atc, "B01AF02")
    # Tags name the rules that read the code (test_knowledge keeps them in step with the
    # rules): 5-ARIs feed the blood-donation rule; an anaesthetic taken is not a trigger,
    # only an allergy to it (CI-22, by ingredient).
    assert tags(atc, "G04CB02") == ("CI-04",)
    assert "CI-12" in tags(atc, "D10BA01")
    assert "CI-11" in tags(atc, "L04AF02")
    assert tags(atc, "N01BB02") == ()


# --- validation of the files -------------------------------------------------------


def _entry(code: str, title: str | None = "A title", extra: str = "") -> str:
    lines = ["[[code]]", f'code = "{code}"']
    if title is not None:
        lines.append(f'title = "{title}"')
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


def test_validation_accepts_a_good_list() -> None:
    parsed = _from_toml("icd10", VALID_META + _entry("L64.9") + _entry("L64"))
    assert _codes(list(parsed.codes)) == ["L64", "L64.9"]


def test_validation_rejects_duplicates() -> None:
    with pytest.raises(ValueError, match=r"duplicate code 'L64\.9'"):
        _from_toml("icd10", VALID_META + _entry("L64.9") + _entry("L64.9"))


@pytest.mark.parametrize("code", ["l64.9", "L649", "L64.", "64.9", "L64.9 "])
def test_validation_rejects_malformed_codes(code: str) -> None:
    with pytest.raises(ValueError, match="malformed") as excinfo:
        _from_toml("icd10", VALID_META + _entry(code))
    assert repr(code) in str(excinfo.value)


@pytest.mark.parametrize("title", [None, "", "   "])
def test_validation_rejects_missing_title(title: str | None) -> None:
    with pytest.raises(ValueError, match=r"code 'L64\.9' has no title"):
        _from_toml("icd10", VALID_META + _entry("L64.9", title))


@pytest.mark.parametrize(
    "screening", ['["CI-24"]', '["CI-00"]', '["CI-1"]', '["X-01"]', '"CI-01"', '["CI-01", "CI-01"]']
)
def test_validation_rejects_bad_screening(screening: str) -> None:
    with pytest.raises(ValueError, match=r"code 'L64\.9'"):
        _from_toml("icd10", VALID_META + _entry("L64.9", extra=f"screening = {screening}"))


def test_validation_rejects_bad_meta() -> None:
    with pytest.raises(ValueError, match="system is 'icd10', expected 'atc'"):
        _from_toml("atc", VALID_META + _entry("B01"))
    without_scope = VALID_META.replace('scope = "Tests."', "")
    with pytest.raises(ValueError, match="scope is missing"):
        _from_toml("icd10", without_scope + _entry("L64"))
    with pytest.raises(ValueError, match="no \\[\\[code\\]\\] entries"):
        _from_toml("icd10", VALID_META)
    with pytest.raises(ValueError, match="unexpected keys"):
        _from_toml("icd10", VALID_META + _entry("L64", extra='note = "x"'))
    with pytest.raises(ValueError, match="not valid TOML"):
        _from_toml("icd10", VALID_META + "[[code]\n")


# --- properties ----------------------------------------------------------------------

ALL_CODES = [c for system in SYSTEMS for c in load(system).codes]


def _messy(code: str, data: st.DataObject) -> str:
    """Re-spell a canonical code: random case, optional dot removal, stray spaces."""
    text = code
    if "." in text and data.draw(st.booleans(), label="drop dot"):
        text = text.replace(".", "")
    chars = [ch.lower() if data.draw(st.booleans(), label="lower") else ch for ch in text]
    pad = st.sampled_from(["", " ", "\t", "\n", "  "])
    return data.draw(pad) + "".join(ch + data.draw(pad) for ch in chars)


@given(st.sampled_from(ALL_CODES), st.data())
def test_normalise_is_idempotent_on_loaded_codes(entry: Code, data: st.DataObject) -> None:
    system = load(entry.system)
    assert normalise(entry.system, entry.code) == entry.code
    messy = _messy(entry.code, data)
    assert normalise(entry.system, messy) == entry.code
    assert system.get(messy) == entry
    for parent in system.parents(messy):
        assert entry.code.replace(".", "").startswith(parent.code.replace(".", ""))


icd10_like = st.builds(
    lambda letter, digits, detail, dot: letter + digits + (dot + detail if detail else ""),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
    st.from_regex(r"\A[0-9]{2}\Z"),
    st.one_of(st.just(""), st.from_regex(r"\A[0-9]{1,2}\Z")),
    st.sampled_from([".", "", " . "]),
)
atc_like = st.from_regex(
    r"\A\s?[ABCDGHJLMNPRSVabcdghjlmnprsv]([0-9]{2}([A-Za-z]([A-Za-z]([0-9]{2})?)?)?)?\s?\Z"
)


@given(icd10_like)
def test_valid_looking_icd10_codes_normalise_consistently(raw: str) -> None:
    canonical = normalise("icd10", raw)
    assert normalise("icd10", canonical) == canonical
    assert re.fullmatch(r"[A-Z]\d{2}(\.\d{1,2})?", canonical)
    assert load("icd10").get(raw) == load("icd10").get(canonical)


@given(atc_like)
def test_valid_looking_atc_codes_normalise_consistently(raw: str) -> None:
    canonical = normalise("atc", raw)
    assert normalise("atc", canonical) == canonical
    assert canonical == canonical.upper() and len(canonical) in (1, 3, 4, 5, 7)
    assert load("atc").get(raw) == load("atc").get(canonical)


@given(st.sampled_from(SYSTEMS), st.text(max_size=12))
def test_any_text_either_fails_cleanly_or_normalises_idempotently(system: str, raw: str) -> None:
    code_system = load(system)
    try:
        canonical = normalise(system, raw)
    except ValueError:
        assert code_system.get(raw) is None
        assert code_system.parents(raw) == []
    else:
        assert normalise(system, canonical) == canonical
        assert code_system.get(raw) == code_system.get(canonical)


@given(st.sampled_from(SYSTEMS), st.text(max_size=20), st.integers(min_value=0, max_value=50))
def test_search_results_are_listed_unique_and_limited(system: str, query: str, limit: int) -> None:
    code_system = load(system)
    results = code_system.search(query, limit=limit)
    assert len(results) <= limit
    assert len({c.code for c in results}) == len(results)
    assert all(code_system.get(c.code) == c for c in results)
