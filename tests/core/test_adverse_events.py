"""The adverse-event knowledge: the issue's type list, CTCAE grades 1-4 with their definitions,
the signal parameters with sources, and a reader that refuses a broken file."""

import copy
import tomllib
from importlib.resources import files

import pytest

from anagen.core import adverse_events, knowledge

ISSUE_TYPES = {
    "pain": "Pain",
    "oedema": "Oedema",
    "bruising": "Bruising",
    "haematoma": "Haematoma",
    "headache": "Headache",
    "itching": "Itching",
    "burning": "Burning",
    "nodule": "Nodule",
    "abscess": "Abscess",
    "infection": "Infection",
    "injection_site_hair_loss": "Hair loss at injection site",
    "allergic_reaction": "Allergic reaction",
    "syncope": "Syncope (fainting)",
    "other": "Other",
}


def raw():
    text = (files("anagen.core") / "data" / "knowledge" / "adverse_events.toml").read_text()
    return tomllib.loads(text)


def build(data):
    kb = knowledge.load()
    return adverse_events.build(data, frozenset(kb.sources), frozenset(kb.evidence_tags))


def test_the_types_are_the_issues_list_in_its_order():
    book = adverse_events.load()
    assert {t.id: t.label for t in book.types.values()} == ISSUE_TYPES
    assert list(book.types) == list(ISSUE_TYPES)


def test_type_ids_fit_the_database_column():
    assert max(len(t) for t in adverse_events.load().types) <= 24


def test_only_the_ntm_presentations_count_towards_infection_signals():
    assert adverse_events.load().counted_types == {"nodule", "abscess", "infection"}


def test_the_severity_grades_are_ctcae_grades_1_to_4_with_definitions():
    grades = adverse_events.load().severities
    assert [(g.id, g.grade) for g in grades.values()] == [
        ("mild", 1),
        ("moderate", 2),
        ("severe", 3),
        ("life_threatening", 4),
    ]
    assert all(g.sources == ("ctcae-5",) and g.definition for g in grades.values())
    assert "intervention not indicated" in grades["mild"].definition
    assert "urgent intervention" in grades["life_threatening"].definition


def test_the_ctcae_source_is_in_the_knowledge_base():
    source = knowledge.load().sources["ctcae-5"]
    assert "Common Terminology Criteria for Adverse Events" in source.citation
    assert "5.0" in source.citation and "2017" in source.citation


def test_the_window_cites_the_ntm_onset_sources():
    window = adverse_events.load().parameters["window_days"]
    assert window.value == 84
    assert {"ntm-series-17550571", "lam-2024-ntm"} <= set(window.sources)


def test_every_record_cites_known_sources():
    kb = knowledge.load()
    book = adverse_events.load()
    records = [*book.types.values(), *book.severities.values(), *book.parameters.values()]
    for record in records:
        assert record.sources and set(record.sources) <= set(kb.sources), record.id
        assert record.evidence in kb.evidence_tags, record.id


def test_labels_fall_back_to_the_stored_id():
    book = adverse_events.load()
    assert book.type_label("nodule") == "Nodule"
    assert book.type_label("retired") == "retired"
    assert book.severity_label("life_threatening") == "Life-threatening"


def broken(change):
    data = copy.deepcopy(raw())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["type"][0].update(sources=["nobody-2099"]), "unknown source"),
        (lambda d: d["type"][0].update(evidence="ZZ"), "unknown evidence tag"),
        (lambda d: d["type"].append(dict(d["type"][0])), "used twice"),
        (lambda d: d["type"].pop(), "'other' type"),
        (lambda d: d["severity"].reverse(), "grades must run"),
        (lambda d: d["parameter"].pop(0), "missing parameters window_days"),
        (lambda d: d["parameter"][0].update(value="84"), "needs a number"),
        (lambda d: d["type"][0].pop("counts_for_infection"), "counts_for_infection"),
        (lambda d: d["severity"][0].update(definition=""), "definition"),
        (lambda d: d.pop("severity"), "no [[severity]]"),
    ],
)
def test_a_broken_file_is_refused_naming_what_is_wrong(change, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        build(broken(change))


def test_the_file_as_shipped_builds():
    assert build(raw()).rules() == adverse_events.load().rules()
