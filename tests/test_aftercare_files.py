"""The aftercare sheet (PDF) and calendar (.ics) of a signed session: the patient's name, each
restriction with its last day, the nodule warning, the clinic's phone, in the patient's language;
calendar events on the right days with no diagnosis or medicine in them.

The three-user fixture makes clinic A's signed session (tests/session_helpers.py)."""

import datetime as dt
import shutil
import subprocess

import pytest
from icalendar import Calendar

from anagen.clinics.models import Clinic
from anagen.core.knowledge import load
from anagen.patients.models import Patient
from anagen.sessions.aftercare import aftercare_for, aftercare_ics, aftercare_pdf, session_day
from anagen.sessions.models import TreatmentSession
from tests.conftest import tool_missing
from tests.scheduling_helpers import book, new_plan, session, set_up
from tests.session_helpers import make_lot, make_product, recorded_session

PRINTED_ON = dt.date(2027, 1, 10)
STAMP = dt.datetime(2027, 1, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def signed(three):
    Clinic.objects.filter(pk=three.clinic_a.pk).update(
        phone="+44 20 7946 0321", address="12 Abingdon Road, London W8 6AF"
    )
    booking = session(book(set_up(three), new_plan(three)), 1)
    lots = [make_lot(make_product(booking.clinic, "dutasteride"))]
    row = recorded_session(booking, lots)
    return TreatmentSession.objects.for_clinic(row.clinic).select_related("clinic").get(pk=row.pk)


def german(row):
    Patient.objects.for_clinic(row.clinic).filter(pk=row.patient_id).update(
        given_name="Jürgen", family_name="Großmann", preferred_language="de"
    )
    return TreatmentSession.objects.for_clinic(row.clinic).get(pk=row.pk)


def words_of(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        tool_missing("pdftotext not found; install it with apt-get install -y poppler-utils")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


def events(ics: bytes):
    return [c for c in Calendar.from_ical(ics).walk() if c.name == "VEVENT"]


# --- the sheet ---------------------------------------------------------------------------------


def test_the_sheet_names_the_patient_the_session_and_the_clinic(signed):
    text = words_of(aftercare_pdf(signed, printed_on=PRINTED_ON))
    patient = signed.patient
    for expected in ("Clinic A", "12 Abingdon Road", "Ada Lovelace", patient.number):
        assert expected in text
    assert "Aftercare after your session" in text
    assert "Call Clinic A on +44 20 7946 0321" in text
    assert "Printed on Sunday 10 January 2027" in text


def test_the_sheet_gives_each_restriction_its_last_day_and_the_nodule_warning(signed):
    text = words_of(aftercare_pdf(signed, printed_on=PRINTED_ON))
    day = session_day(signed)
    for item in aftercare_for(signed):
        assert " ".join(item["text"].split()) in text
    wash = day + dt.timedelta(days=2)
    assert f"{wash:%A} {wash.day} {wash:%B %Y}" in text
    assert "Important for the next 12 weeks" in text
    assert "tell us at once about any lump" in text
    assert "Medical advice" in text and "Clinic advice" in text


def test_a_german_patient_gets_a_german_sheet(signed):
    text = words_of(aftercare_pdf(german(signed), printed_on=PRINTED_ON))
    assert "Jürgen Großmann" in text
    assert "Nachsorge nach Ihrer Sitzung" in text
    assert "Wichtig für die nächsten 12 Wochen" in text
    assert "Knötchen, ein Furunkel oder ein Abszess" in text
    assert "Gedruckt am Sonntag, 10. Januar 2027" in text
    assert "Rufen Sie Clinic A an: +44 20 7946 0321" in text
    assert "tell us at once" not in text


def test_the_sheet_keeps_what_was_stored_at_signing(signed):
    stored = aftercare_for(signed)
    stored[0]["text"] = "Stored at signing: do not wash your hair until the stored day."
    TreatmentSession.objects.for_clinic(signed.clinic).filter(pk=signed.pk).update(aftercare=stored)
    row = TreatmentSession.objects.for_clinic(signed.clinic).get(pk=signed.pk)
    assert "Stored at signing" in words_of(aftercare_pdf(row, printed_on=PRINTED_ON))


def test_a_name_that_looks_like_typst_prints_as_typed(signed):
    Patient.objects.for_clinic(signed.clinic).filter(pk=signed.patient_id).update(
        given_name='#eval("1+1")', family_name="[*Bold*]"
    )
    row = TreatmentSession.objects.for_clinic(signed.clinic).get(pk=signed.pk)
    assert '#eval("1+1") [*Bold*]' in words_of(aftercare_pdf(row, printed_on=PRINTED_ON))


def test_the_sheet_renders_to_one_a4_page(signed, tmp_path):
    if shutil.which("pdftoppm") is None:
        tool_missing("pdftoppm not found; install it with apt-get install -y poppler-utils")
    (tmp_path / "en.pdf").write_bytes(aftercare_pdf(signed, printed_on=PRINTED_ON))
    (tmp_path / "de.pdf").write_bytes(aftercare_pdf(german(signed), printed_on=PRINTED_ON))
    for name in ("en", "de"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "40", tmp_path / f"{name}.pdf", tmp_path / name], check=True
        )
    assert "Großmann" in words_of((tmp_path / "de.pdf").read_bytes())
    assert "Ada Lovelace" in words_of((tmp_path / "en.pdf").read_bytes())
    pages = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pages == ["de-1.png", "en-1.png"]  # one A4 page each
    assert all((tmp_path / p).stat().st_size > 5000 for p in pages)


# --- the calendar ------------------------------------------------------------------------------


def test_the_calendar_has_an_all_day_event_on_each_last_day(signed):
    found = {
        str(e["uid"]): (e.decoded("dtstart"), e.decoded("dtend"), str(e["summary"]))
        for e in events(aftercare_ics(signed, stamp=STAMP))
    }
    day = session_day(signed)
    items = aftercare_for(signed)
    assert len(found) == len(items)
    wash = found[f"aftercare-{signed.pk}-no_hair_washing@anagen"]
    assert wash[0] == day + dt.timedelta(days=2) and wash[1] == day + dt.timedelta(days=3)
    assert not isinstance(wash[0], dt.datetime)  # a date: an all-day event
    assert "you may wash it again" in wash[2]
    watch = found[f"aftercare-{signed.pk}-report_nodules@anagen"]
    assert watch[0] == day + dt.timedelta(days=84)


def test_the_calendar_names_no_medicine_and_no_diagnosis(signed):
    ics = aftercare_ics(signed, stamp=STAMP).decode().casefold()
    kb = load()
    for ingredient in kb.ingredients.values():
        for name in (ingredient.id, ingredient.name, ingredient.patient_name):
            assert name.casefold() not in ics, name
    for word in ("alopecia", "androgenetic", "l64", "lidocaine", "dutasteride"):
        assert word not in ics


def test_a_german_patients_calendar_is_german(signed):
    summaries = [str(e["summary"]) for e in events(aftercare_ics(german(signed), stamp=STAMP))]
    assert "Letzter Tag ohne Alkohol" in summaries
    cal = Calendar.from_ical(aftercare_ics(german(signed), stamp=STAMP))
    assert str(cal["x-wr-calname"]) == "Nachsorge – Clinic A"
