"""Aftercare dated from the session day, in the patient's language where translated; the nodule
warning (evidence) always on it, whatever the clinic's policy."""

import copy
import dataclasses
import datetime as dt
import tomllib
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anagen.core.aftercare import (
    long_date,
    read_translations,
    session_aftercare,
    sheet_words,
    translations,
)
from anagen.core.invalid import InvalidDocument
from anagen.core.knowledge import load, with_policy
from anagen.core.planning import long_date as plan_date
from anagen.core.planning import plan_document
from tests.core.intake_builders import woman

KB = load()
DAY = dt.date(2027, 1, 4)  # a Monday
TRANSLATED = ("de", "fr", "es")
RAW = tomllib.loads(
    (files("anagen.core") / "data" / "knowledge" / "aftercare_translations.toml").read_text("utf-8")
)


def by_id(items):
    return {i["id"]: i for i in items}


def test_each_item_is_dated_from_the_session_day():
    items = by_id(session_aftercare(KB.aftercare, DAY, "en"))
    assert items["no_hair_washing"]["until"] == "2027-01-06"
    assert items["no_sauna_or_steam"]["until"] == "2027-01-18"
    assert items["no_hair_washing"]["text"] == (
        "Do not wash your hair, or use dry shampoo or styling products, until "
        "Wednesday 6 January 2027."
    )
    assert items["no_hair_washing"]["language"] == "en"
    assert items["no_hair_washing"]["basis"] == "clinic_policy"
    assert items["no_hair_washing"]["sources"] == ["mkt-003"]


def test_the_nodule_warning_runs_84_days_and_rests_on_evidence():
    nodules = by_id(session_aftercare(KB.aftercare, DAY, "en"))["report_nodules"]
    assert nodules["until"] == (DAY + dt.timedelta(days=84)).isoformat() == "2027-03-29"
    assert nodules["basis"] == "evidence"
    assert "lump" in nodules["text"] and "Monday 29 March 2027" in nodules["text"]
    assert set(nodules["sources"]) >= {"singsing-2022", "lam-2024-ntm"}


def test_the_clinics_days_are_honoured_and_a_switched_off_item_is_left_out():
    kb = with_policy(
        KB,
        {"aftercare": {"no_hair_washing": {"days": 5}, "no_alcohol": {"enabled": False}}},
    )
    items = by_id(session_aftercare(kb.aftercare, DAY, "en"))
    assert items["no_hair_washing"]["until"] == "2027-01-09"
    assert "no_alcohol" not in items
    assert "report_nodules" in items


def test_no_clinic_policy_can_switch_off_or_shorten_the_nodule_warning():
    for change in ({"enabled": False}, {"days": 14}, {"days": 84, "enabled": False}):
        with pytest.raises(InvalidDocument) as error:
            with_policy(KB, {"aftercare": {"report_nodules": change}})
        assert error.value.field == "aftercare.report_nodules"


def test_every_clinic_item_switched_off_still_leaves_the_nodule_warning():
    off = {i.id: {"enabled": False} for i in KB.aftercare if i.basis == "clinic_policy"}
    kb = with_policy(KB, {"aftercare": off})
    items = session_aftercare(kb.aftercare, DAY, "de")
    assert [i["id"] for i in items] == ["report_nodules"]


def test_an_evidence_item_is_given_even_if_marked_disabled():
    # with_policy refuses it; this is the second line of defence, should a record ever say so.
    items = [dataclasses.replace(i, enabled=False) for i in KB.aftercare]
    assert [i["id"] for i in session_aftercare(items, DAY, "en")] == ["report_nodules"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Bitte waschen Sie Ihre Haare bis einschließlich Mittwoch, 6. Januar 2027"),
        ("fr", "jusqu'au mercredi 6 janvier 2027 inclus"),
        ("es", "hasta el miércoles 6 de enero de 2027 inclusive"),
    ],
)
def test_german_french_and_spanish_patients_read_their_own_language(language, words):
    items = by_id(session_aftercare(KB.aftercare, DAY, language))
    assert words in items["no_hair_washing"]["text"]
    assert all(i["language"] == language for i in items.values())


def test_a_language_without_a_translation_gets_english():
    items = session_aftercare(KB.aftercare, DAY, "pl")
    assert {i["language"] for i in items} == {"en"}
    assert items == session_aftercare(KB.aftercare, DAY, "en")
    assert sheet_words("pl").code == "en"


def test_a_regional_code_finds_its_language():
    assert sheet_words("de-AT").code == "de"
    assert sheet_words("ES_mx").code == "es"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_item_and_every_heading_is_translated(language):
    words = translations().languages[language]
    assert set(words.texts) == {i.id for i in KB.aftercare}
    assert set(words.ends) == {i.id for i in KB.aftercare}
    assert set(words.sheet) == set(translations().languages["en"].sheet)
    for item in KB.aftercare:
        assert words.texts[item.id] != item.text


def test_english_has_a_calendar_line_for_every_item():
    english = translations().languages["en"]
    assert set(english.ends) == {i.id for i in KB.aftercare}


def test_the_header_asks_a_native_speaking_clinician_to_review():
    text = (files("anagen.core") / "data" / "knowledge" / "aftercare_translations.toml").read_text(
        "utf-8"
    )
    assert "native-speaking clinician must review" in " ".join(text.replace("#", "").split())


@pytest.mark.parametrize(
    ("day", "language", "written"),
    [
        (dt.date(2027, 1, 7), "en", "Thursday 7 January 2027"),
        (dt.date(2027, 1, 7), "de", "Donnerstag, 7. Januar 2027"),
        (dt.date(2027, 4, 1), "fr", "jeudi 1er avril 2027"),
        (dt.date(2027, 8, 15), "fr", "dimanche 15 août 2027"),
        (dt.date(2027, 3, 3), "es", "miércoles 3 de marzo de 2027"),
        (dt.date(2027, 3, 3), "pl", "Wednesday 3 March 2027"),
    ],
)
def test_dates_are_written_in_the_language_without_the_system_locale(day, language, written):
    assert long_date(day, language) == written


# --- the file's checks ------------------------------------------------------------------------


def broken(change):
    data = copy.deepcopy(RAW)
    change(data)
    return data


def test_the_bundled_file_passes_its_checks():
    assert set(read_translations(RAW).languages) >= {"en", *TRANSLATED}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["de"]["text"].update(no_alcohol="Bitte verzichten Sie auf Alkohol."),
            "de] text.no_alcohol: must keep {until}",
        ),
        (
            lambda d: d["fr"]["text"].update(no_alcohol="Évitez l'alcool jusqu'au {jusqu}."),
            "fr] text.no_alcohol: must keep {until}",
        ),
        (
            lambda d: d["es"]["text"].update(no_alcohol="Hasta el {until} y {until2}."),
            "es] text.no_alcohol",
        ),
        (lambda d: d["de"]["sheet"].pop("watch_title"), "de] sheet.watch_title: missing"),
        (
            lambda d: d["de"]["sheet"].update(call="Rufen Sie uns an."),
            "de] sheet.call: must use the fields of the English",
        ),
        (lambda d: d["de"]["ends"].pop("no_alcohol"), "de] ends.no_alcohol"),
        (lambda d: d["es"].update(months=["enero"]), "es] months: must list 12 names"),
        (lambda d: d["de"].update(date="{weekday} {hour}"), "de] date"),
        (lambda d: d["en"].update(text={"no_alcohol": "x {until}"}), "English item texts"),
        (lambda d: d.pop("en"), "[en] is missing"),
        (
            lambda d: d["de"]["text"].update(no_alcohol="Bis {until"),
            "de] text.no_alcohol: expected",
        ),
    ],
)
def test_a_broken_translation_is_refused_when_read(change, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("{", r"\{")):
        read_translations(broken(change))


# --- properties ------------------------------------------------------------------------------

days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2200, 12, 31))
languages = st.sampled_from(["en", "de", "fr", "es", "pl", "zh", "de-CH", "", "xx"])


@given(day=days, language=languages)
def test_the_nodule_warning_is_always_there_and_every_date_follows_the_session(day, language):
    items = session_aftercare(KB.aftercare, day, language)
    nodules = [i for i in items if i["id"] == "report_nodules"]
    assert len(nodules) == 1
    assert dt.date.fromisoformat(nodules[0]["until"]) == day + dt.timedelta(days=84)
    for item in items:
        assert dt.date.fromisoformat(item["until"]) >= day
        assert "{" not in item["text"] and "}" not in item["text"]
        assert str(dt.date.fromisoformat(item["until"]).year) in item["text"]
        assert item["language"] in {"en", "de", "fr", "es"}
        assert item["ends"]


@given(day=days, off=st.sets(st.sampled_from([i.id for i in KB.aftercare[:-1]])))
def test_exactly_the_switched_off_clinic_items_are_missing(day, off):
    kb = with_policy(KB, {"aftercare": {item: {"enabled": False} for item in off}})
    ids = {i["id"] for i in session_aftercare(kb.aftercare, day, "fr")}
    assert ids == {i.id for i in KB.aftercare} - off


@given(day=days)
def test_english_aftercare_reads_as_the_plan_has_always_written_it(day):
    # core.planning dates its sessions' aftercare through session_aftercare; its text must stay
    # what it was before: the item's text with planning.long_date.
    for item, dated in zip(KB.aftercare, session_aftercare(KB.aftercare, day, "en"), strict=True):
        until = day + dt.timedelta(days=item.days)
        assert dated["text"] == item.text.format(until=plan_date(until))


def test_a_plan_dates_each_sessions_aftercare_as_it_always_has():
    kb = with_policy(KB, {"aftercare": {"no_alcohol": {"enabled": False}}})
    plan = plan_document(woman(), kb, start=dt.date(2026, 12, 1))
    expected = [
        {
            "session": s["number"],
            "item": item.id,
            "until": (dt.date.fromisoformat(s["date"]) + dt.timedelta(days=item.days)).isoformat(),
            "text": item.text.format(
                until=plan_date(dt.date.fromisoformat(s["date"]) + dt.timedelta(days=item.days))
            ),
            "basis": item.basis,
            "sources": list(item.sources),
        }
        for s in plan["sessions"]
        for item in kb.aftercare
        if item.enabled
    ]
    assert plan["sessions"] and plan["aftercare"] == expected
