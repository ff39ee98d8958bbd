"""The aftercare pages of a signed session: its sheet (PDF), its calendar file, and sending both.

The three-user fixture: clinic A's clinician may print and send; clinic A's reception may do
neither (403); clinic B's clinician gets 404 for clinic A's session. An open session has no
aftercare yet."""

import pytest
from django.urls import reverse
from icalendar import Calendar

from anagen.patients.models import Patient
from anagen.sessions.models import SessionStatus, TreatmentSession
from tests.conftest import audit_count
from tests.scheduling_helpers import book, last_audit, new_plan, session, set_up
from tests.session_helpers import make_lot, make_product, recorded_session


@pytest.fixture
def signed(three):
    booking = session(book(set_up(three), new_plan(three)), 1)
    return recorded_session(booking, [make_lot(make_product(booking.clinic))])


def url(name, row):
    return reverse(name, args=[row.pk])


def reopen(row):
    TreatmentSession.objects.for_clinic(row.clinic).filter(pk=row.pk).update(
        status=SessionStatus.OPEN, signed_at=None, signed_by=None
    )


# --- the files ---------------------------------------------------------------------------------


def test_the_clinician_prints_the_sheet_and_it_is_audited(three, signed):
    before = audit_count()
    response = three.client(three.a_clinician).get(url("session_aftercare_pdf", signed))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"aftercare-{signed.patient.number}-session-1.pdf" in response["Content-Disposition"]
    assert audit_count() == before + 1
    entry = last_audit()
    assert (entry.action, list(entry.changes)) == ("session.aftercare_print", ["pdf"])
    assert entry.object_id == str(signed.pk)


def test_the_clinician_downloads_the_calendar_and_it_is_audited(three, signed):
    before = audit_count()
    response = three.client(three.a_clinician).get(url("session_aftercare_ics", signed))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(response.content).walk() if c.name == "VEVENT"]
    assert len(events) == 6
    assert audit_count() == before + 1
    assert list(last_audit().changes) == ["ics"]


@pytest.mark.parametrize("name", ["session_aftercare_pdf", "session_aftercare_ics"])
def test_reception_may_not_read_the_aftercare(three, signed, name):
    before = audit_count()
    assert three.client(three.a_reception).get(url(name, signed)).status_code == 403
    assert audit_count() == before


@pytest.mark.parametrize("name", ["session_aftercare_pdf", "session_aftercare_ics"])
def test_another_clinics_session_is_not_found(three, signed, name):
    before = audit_count()
    assert three.client(three.b_clinician).get(url(name, signed)).status_code == 404
    assert audit_count() == before


@pytest.mark.parametrize("name", ["session_aftercare_pdf", "session_aftercare_ics"])
def test_an_open_session_has_no_aftercare_files(three, signed, name):
    reopen(signed)
    before = audit_count()
    assert three.client(three.a_clinician).get(url(name, signed)).status_code == 404
    assert audit_count() == before


# --- sending -----------------------------------------------------------------------------------


def test_the_clinician_sends_the_aftercare(three, signed, mailoutbox):
    before = audit_count()
    response = three.client(three.a_clinician).post(url("session_aftercare_send", signed))
    assert response.status_code == 302
    assert response["Location"] == url("session_detail", signed)
    assert [m.to for m in mailoutbox] == [["ada@example.net"]]
    assert audit_count() == before + 1
    assert last_audit().action == "session.aftercare_send"


def test_sending_says_so_when_the_patient_has_no_email(three, signed, mailoutbox):
    Patient.objects.for_clinic(signed.clinic).filter(pk=signed.patient_id).update(email="")
    before = audit_count()
    client = three.client(three.a_clinician)
    response = client.post(url("session_aftercare_send", signed))
    assert response["Location"] == url("session_detail", signed)
    assert mailoutbox == []
    assert audit_count() == before
    stored = [str(m) for m in response.wsgi_request._messages]
    assert stored == ["The patient has no email address; print the aftercare."]


def test_an_open_session_cannot_be_sent(three, signed, mailoutbox):
    reopen(signed)
    before = audit_count()
    response = three.client(three.a_clinician).post(url("session_aftercare_send", signed))
    assert response["Location"] == url("session_detail", signed)
    assert [str(m) for m in response.wsgi_request._messages] == [
        "The aftercare is given once the session is signed."
    ]
    assert mailoutbox == [] and audit_count() == before


def test_reception_may_not_send_the_aftercare(three, signed, mailoutbox):
    before = audit_count()
    response = three.client(three.a_reception).post(url("session_aftercare_send", signed))
    assert response.status_code == 403
    assert mailoutbox == [] and audit_count() == before


def test_another_clinic_cannot_send_the_aftercare(three, signed, mailoutbox):
    before = audit_count()
    response = three.client(three.b_clinician).post(url("session_aftercare_send", signed))
    assert response.status_code == 404
    assert mailoutbox == [] and audit_count() == before


def test_sending_needs_a_post(three, signed, mailoutbox):
    response = three.client(three.a_clinician).get(url("session_aftercare_send", signed))
    assert response.status_code == 405
    assert mailoutbox == []
