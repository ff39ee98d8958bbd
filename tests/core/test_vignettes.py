"""Clinical vignettes: realistic patients and the decision a careful clinician reaches.

Each ``vignettes/*.json`` holds an ``anagen.intake/1`` document and the expectation, written from
``REFERENCE.md`` before the engine was run on it (the ``rationale`` cites the rows). The test
screens the intake with the bundled knowledge base and plans it from 2027-01-05.

A vignette whose expectation the engine does not meet yet, where the engine is believed wrong,
carries ``"known_gap": "why"``: its test is a strict xfail, so fixing the engine turns it into an
unexpected pass that asks for the marker to be removed. Expectations are never bent to the engine.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from anagen.core import knowledge
from anagen.core.planning import build_plan
from anagen.core.screening import TOPICS, VERDICTS, screen_document

VIGNETTES = Path(__file__).parent / "vignettes"
FILES = sorted(VIGNETTES.glob("*.json"))
START = date(2027, 1, 5)
TREATABLE = ("eligible", "eligible_with_caution")

_TOP_KEYS = {"title", "rationale", "intake", "expect", "known_gap"}
_EXPECT_KEYS = {"verdict", "rules", "topics", "excluded", "not_excluded", "missing", "protocol"}
_LIST_KEYS = ("rules", "topics", "excluded", "not_excluded", "missing")


def _read(path: Path) -> dict[str, Any]:
    vignette: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return vignette


def _cases() -> list[Any]:
    cases = []
    for path in FILES:
        gap = _read(path).get("known_gap")
        marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
        cases.append(pytest.param(path, id=path.stem, marks=marks))
    return cases


@pytest.fixture(scope="module")
def kb() -> knowledge.Knowledge:
    return knowledge.load()


def test_there_are_enough_vignettes() -> None:
    assert len(FILES) >= 24


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vignette_is_well_formed(path: Path) -> None:
    """Checked apart from the screening, so a known gap never hides a malformed file."""
    vignette = _read(path)
    assert set(vignette) <= _TOP_KEYS, set(vignette) - _TOP_KEYS
    assert {"title", "rationale", "intake", "expect"} <= set(vignette)
    assert vignette["title"].strip() and vignette["rationale"].strip()
    assert vignette.get("known_gap", "x").strip(), "known_gap must say why"
    expect = vignette["expect"]
    assert set(expect) <= _EXPECT_KEYS, set(expect) - _EXPECT_KEYS
    assert expect["verdict"] in VERDICTS
    assert set(expect.get("topics", [])) <= set(TOPICS)
    for key in _LIST_KEYS:
        assert isinstance(expect.get(key, []), list), key
    assert not set(expect.get("excluded", [])) & set(expect.get("not_excluded", []))
    if expect["verdict"] not in TREATABLE:
        assert expect.get("protocol") is None, "an untreatable verdict plans no protocol"
    assert vignette["intake"]["assessed_on"].startswith("2026-")


@pytest.mark.parametrize("path", _cases())
def test_vignette(path: Path, kb: knowledge.Knowledge) -> None:
    vignette = _read(path)
    expect = vignette["expect"]
    ctx, screening = screen_document(vignette["intake"], kb)
    result = screening.as_json()
    rules = {f["rule"] for f in result["findings"]}
    topics = {f["topic"] for f in result["findings"]}
    excluded = set(result["excluded_ingredients"])
    summary = (
        f"verdict={result['verdict']} rules={sorted(rules)} topics={sorted(topics)} "
        f"excluded={sorted(excluded)} missing={result['missing']}"
    )

    assert result["verdict"] == expect["verdict"], summary
    assert set(expect.get("rules", [])) <= rules, summary
    assert set(expect.get("topics", [])) <= topics, summary
    assert set(expect.get("excluded", [])) <= excluded, summary
    assert not set(expect.get("not_excluded", [])) & excluded, summary
    assert set(expect.get("missing", [])) <= set(result["missing"]), summary

    plan = build_plan(ctx, screening, start=START)
    chosen = plan["protocol"]["id"] if plan["protocol"] else None
    if result["verdict"] not in TREATABLE:
        assert plan["sessions"] == [], "an untreatable verdict must plan no session"
        assert chosen is None
    if "protocol" in expect:
        assert chosen == expect["protocol"], f"plan chose {chosen}; {summary}"
        if expect["protocol"] is None:
            assert plan["sessions"] == []
        else:
            assert plan["sessions"], "a chosen protocol must have sessions"


def test_vignettes_cover_every_topic_and_verdict() -> None:
    expects = [_read(path)["expect"] for path in FILES]
    topics = {t for e in expects for t in e.get("topics", [])}
    verdicts = {e["verdict"] for e in expects}
    assert set(TOPICS) - topics == set(), "topics no vignette expects"
    assert set(VERDICTS) - verdicts == set(), "verdicts no vignette expects"
