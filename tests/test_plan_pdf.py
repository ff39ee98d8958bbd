"""The printed treatment plan: what the patient takes home must carry the whole plan, in plain
words, and print whatever a patient or clinic typed exactly as typed."""

import datetime as dt
import shutil
import subprocess
from dataclasses import replace
from typing import Any

import pytest

from anagen.plans.printing import PlanLetterhead, plan_pdf
from tests.conftest import tool_missing


@pytest.fixture(autouse=True)
def _pdftotext() -> None:
    if shutil.which("pdftotext") is None:
        tool_missing("pdftotext not found; install it with apt-get install -y poppler-utils")


PRINTED_ON = dt.date(2026, 12, 18)
LETTERHEAD = PlanLetterhead(
    clinic_name="Kensington Hair Clinic",
    clinic_address="12 Abingdon Road, London W8 6AF",
    patient_name="Maria Oyelaran-Smith",
    patient_number="KEN-000012",
    patient_birth_date=dt.date(1984, 3, 9),
    clinician_name="Dr Helen Achebe",
    created_on=dt.date(2026, 12, 18),
)
FIRST_SESSION = dt.date(2027, 1, 5)
NOTE_OFF_LABEL = (
    "Mesotherapy for hair is off-label: none of these medicines is licensed for injection into "
    "the scalp."
)
EVIDENCE_NOTE = (
    "Small randomised trials (fewer than 100 people each) found more hair after 12 weeks than "
    "with placebo injections; none followed people for longer than a year."
)


def screening(verdict: str = "eligible_with_caution") -> dict[str, Any]:
    return {
        "schema": "anagen.screening/1",
        "verdict": verdict,
        "findings": [
            {
                "rule": "CI-10",
                "topic": "diabetes",
                "severity": "relative",
                "message": "Diabetes: small wounds on the scalp may heal more slowly.",
                "excluded_ingredients": [],
                "sources": ["EADV 2024"],
                "disagreement": "Some guidance says to check blood sugar control first.",
            },
            {
                "rule": "CI-21",
                "topic": "low_blood_pressure",
                "severity": "ingredient",
                "message": "Low blood pressure: minoxidil can lower it further.",
                "excluded_ingredients": ["minoxidil"],
                "sources": ["SmPC minoxidil"],
                "disagreement": None,
            },
        ],
        "excluded_ingredients": ["minoxidil"],
        "missing": [],
        "knowledge_version": "2026.11.1",
    }


def session(number: int) -> dict[str, Any]:
    day = FIRST_SESSION + dt.timedelta(weeks=number - 1)
    return {
        "number": number,
        "date": day.isoformat(),
        "earliest": (day - dt.timedelta(days=2 if number > 1 else 0)).isoformat(),
        "latest": (day + dt.timedelta(days=3)).isoformat(),
        "phase": "induction",
    }


def aftercare(number: int) -> list[dict[str, Any]]:
    day = FIRST_SESSION + dt.timedelta(weeks=number - 1)
    wash = day + dt.timedelta(days=2)
    return [
        {
            "session": number,
            "item": "no_hair_washing",
            "until": wash.isoformat(),
            "text": f"Do not wash your hair until {wash.day} {wash:%B}",
            "basis": "clinic_policy",
        },
        {
            "session": number,
            "item": "report_nodules",
            "until": (day + dt.timedelta(weeks=12)).isoformat(),
            "text": "Tell us about any lump or hard spot under the skin of your scalp",
            "basis": "evidence",
        },
    ]


def full_plan() -> dict[str, Any]:
    return {
        "schema": "anagen.plan/1",
        "screening": screening(),
        "protocol": {
            "id": "dutasteride-vitamins-weekly",
            "name": "Dutasteride with vitamins, weekly induction",
            "sources": ["T3"],
            "evidence_note": EVIDENCE_NOTE,
            "evidence": "RCT",
        },
        "ingredients": [
            {"id": "dutasteride", "name": "Dutasteride", "concentration": "0.05%"},
            {"id": "biotin", "name": "Biotin (vitamin B7)", "concentration": "0.5 mg/ml"},
        ],
        "sessions": [session(n) for n in range(1, 9)],
        "review": {
            "date": "2027-04-06",
            "after_session": 8,
            "measure": (
                "Standardised photographs, hair density and pull test compared with baseline"
            ),
        },
        "maintenance": {
            "every_weeks": 12,
            "sessions": 4,
            "note": "Top-up sessions only if the review shows the course is helping.",
        },
        "aftercare": [item for n in range(1, 9) for item in aftercare(n)],
        "notes": [NOTE_OFF_LABEL, "Stop and call us if you feel faint after a session."],
        "cost": {"currency": "EUR", "total": 1650.0, "per_session": 150.0},
    }


def empty_plan() -> dict[str, Any]:
    return {
        "schema": "anagen.plan/1",
        "screening": screening("not_eligible")
        | {
            "findings": [
                {
                    "rule": "CI-01",
                    "topic": "pregnancy",
                    "severity": "absolute",
                    "message": "Pregnancy: these medicines may harm an unborn baby.",
                    "excluded_ingredients": [],
                    "sources": ["SmPC dutasteride"],
                    "disagreement": None,
                }
            ],
            "excluded_ingredients": [],
        },
        "protocol": None,
        "ingredients": [],
        "sessions": [],
        "review": None,
        "maintenance": None,
        "aftercare": [],
        "notes": ["You are pregnant; we cannot treat you until after the birth and breastfeeding."],
        "cost": {"currency": "EUR", "total": None, "per_session": None},
    }


def words_of(pdf: bytes) -> str:
    """The PDF's text with line breaks and repeated spaces folded into single spaces."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


@pytest.fixture(scope="module")
def full_pdf() -> bytes:
    return plan_pdf(full_plan(), LETTERHEAD, printed_on=PRINTED_ON)


@pytest.fixture(scope="module")
def full_text(full_pdf: bytes) -> str:
    return words_of(full_pdf)


@pytest.fixture(scope="module")
def empty_text() -> str:
    return words_of(plan_pdf(empty_plan(), LETTERHEAD, printed_on=PRINTED_ON))


def test_it_renders_a_pdf(full_pdf: bytes) -> None:
    assert full_pdf.startswith(b"%PDF")


def test_it_names_the_clinic_the_patient_and_the_clinician(full_text: str) -> None:
    for text in ("Kensington Hair Clinic", "Maria Oyelaran-Smith", "KEN-000012", "Dr Helen Achebe"):
        assert text in full_text
    assert "Friday 9 March 1984" in full_text


def test_it_writes_every_session_date_in_full(full_text: str) -> None:
    for number in range(1, 9):
        day = FIRST_SESSION + dt.timedelta(weeks=number - 1)
        assert f"{day:%A} {day.day} {day:%B %Y}" in full_text
    assert "Tuesday 5 January 2027" in full_text
    assert "Tuesday 23 February 2027" in full_text


def test_it_says_how_far_each_session_can_move(full_text: str) -> None:
    assert "Can be moved between Tuesday 5 January and Friday 8 January" in full_text
    assert "Can be moved between Sunday 10 January and Friday 15 January" in full_text


def test_it_asks_to_keep_a_session_that_cannot_move() -> None:
    plan = full_plan()
    plan["sessions"][0]["latest"] = plan["sessions"][0]["date"]
    text = words_of(plan_pdf(plan, LETTERHEAD, printed_on=PRINTED_ON))
    assert "Tuesday 5 January 2027 Please keep to this date" in text


def test_it_gives_the_review_date_and_what_is_measured(full_text: str) -> None:
    assert "Tuesday 6 April 2027" in full_text
    assert "Standardised photographs, hair density and pull test" in full_text


def test_it_prints_the_aftercare_marked_as_medical_or_clinic_advice(full_text: str) -> None:
    assert "Do not wash your hair until 7 January" in full_text
    assert "Do not wash your hair until 25 February" in full_text
    assert "Tell us about any lump or hard spot under the skin of your scalp" in full_text
    assert "Medical advice" in full_text
    assert "Clinic advice" in full_text


def test_it_groups_the_aftercare_by_session() -> None:
    plan = full_plan() | {"aftercare": aftercare(2)}
    text = words_of(plan_pdf(plan, LETTERHEAD, printed_on=PRINTED_ON))
    assert "After session 2 Tuesday 12 January 2027" in text
    assert "After session 1 " not in text


def test_it_gives_the_evidence_honestly(full_text: str) -> None:
    assert EVIDENCE_NOTE in full_text
    assert "off-label" in full_text
    assert NOTE_OFF_LABEL in full_text


def test_it_names_the_findings_in_plain_words(full_text: str) -> None:
    assert "Needs extra care Diabetes: small wounds" in full_text
    assert "One ingredient left out Low blood pressure" in full_text
    assert "Left out of your mixture: Minoxidil" in full_text
    assert "Not all experts agree: Some guidance says" in full_text
    assert "CI-10" not in full_text


def test_it_names_the_part_of_the_course_when_there_is_more_than_one(full_text: str) -> None:
    assert "Starting course" not in full_text
    plan = full_plan()
    plan["sessions"][-1]["phase"] = "maintenance"
    text = words_of(plan_pdf(plan, LETTERHEAD, printed_on=PRINTED_ON))
    assert "Starting course" in text
    assert "Top-up" in text


def test_it_prints_the_cost(full_text: str) -> None:
    assert "€150.00" in full_text
    assert "€1,650.00" in full_text


def test_it_promises_a_price_when_the_clinic_has_none() -> None:
    plan = full_plan() | {"cost": {"currency": "EUR", "total": None, "per_session": None}}
    text = words_of(plan_pdf(plan, LETTERHEAD, printed_on=PRINTED_ON))
    assert "We will tell you the price before your first session" in text
    assert "€" not in text


def test_the_footer_carries_page_numbers_knowledge_version_and_print_date(full_text: str) -> None:
    assert "Page 1 of " in full_text
    assert "Knowledge version 2026.11.1" in full_text
    assert "Printed Friday 18 December 2026" in full_text


def test_a_plan_without_sessions_says_no_course_is_planned_and_why(empty_text: str) -> None:
    assert "No course of treatment is planned at the moment" in empty_text
    assert "we cannot treat you until after the birth and breastfeeding" in empty_text
    assert "Rules out treatment for now Pregnancy: these medicines may harm" in empty_text
    assert "Maria Oyelaran-Smith" in empty_text
    assert "Your appointments" not in empty_text
    assert "Cost" not in empty_text


@pytest.mark.parametrize(
    "name",
    [
        '#eval("1 + 1")',
        "*Bold* _Maria_ $x^2$",
        "O'Brien <label> @ref [x] \\ = #let",
    ],
)
def test_a_name_that_looks_like_typst_prints_literally(name: str) -> None:
    letterhead = replace(LETTERHEAD, patient_name=name, clinic_name=f"Clinic {name}")
    text = words_of(plan_pdf(full_plan(), letterhead, printed_on=PRINTED_ON))
    assert f"Treatment plan for {name}" in text
    assert f"Clinic {name}" in text


def test_it_refuses_a_document_that_is_not_a_plan() -> None:
    with pytest.raises(ValueError, match=r"plan\.schema"):
        plan_pdf({"schema": "anagen.screening/1"}, LETTERHEAD)
