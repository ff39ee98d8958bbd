"""The aftercare of a signed session: dated from the session day at the clinic, with the clinic's
policy, in the patient's language; emailed with its sheet and calendar, audited; fixed at signing.

The three-user fixture: the sessions are clinic A's (tests/session_helpers.py makes the signed
rows; the views are in test_aftercare_views.py)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from anagen.audit.services import Actor
from anagen.clinics.models import Clinic
from anagen.consultations.services import clinic_policy_set
from anagen.patients.models import Patient
from anagen.sessions.aftercare import (
    aftercare_for,
    aftercare_given,
    aftercare_print_log,
    aftercare_send,
    session_day,
)
from anagen.sessions.models import SessionStatus, TreatmentSession
from tests.conftest import audit_count
from tests.scheduling_helpers import (
    LONDON,
    book,
    last_audit,
    new_plan,
    session,
    set_up,
)
from tests.session_helpers import make_lot, make_product, recorded_session


@pytest.fixture
def booking(three):
    course = book(set_up(three), new_plan(three))
    return session(course, 1)


@pytest.fixture
def signed(booking):
    return recorded_session(booking, [make_lot(make_product(booking.clinic))])


def by_id(items):
    return {i["id"]: i for i in items}


def german(patient):
    Patient.objects.for_clinic(patient.clinic).filter(pk=patient.pk).update(
        given_name="Jürgen", family_name="Großmann", preferred_language="de"
    )


def reload(session_row):
    return TreatmentSession.objects.for_clinic(session_row.clinic).get(pk=session_row.pk)


# --- what is given -----------------------------------------------------------------------------


def test_the_aftercare_is_dated_from_the_day_the_session_began(signed):
    day = session_day(signed)
    assert day == signed.started_at.astimezone(LONDON).date()
    items = by_id(aftercare_for(signed))
    assert items["no_hair_washing"]["until"] == (day + dt.timedelta(days=2)).isoformat()
    assert items["report_nodules"]["until"] == (day + dt.timedelta(days=84)).isoformat()


def test_the_day_is_the_clinics_day_not_the_servers(booking):
    # 23:30 in London on 1 March is already 2 March in Auckland.
    when = dt.datetime(2027, 3, 1, 23, 30, tzinfo=dt.UTC)
    row = recorded_session(booking, [], when=when)
    assert session_day(row) == dt.date(2027, 3, 1)
    Clinic.objects.filter(pk=row.clinic_id).update(time_zone="Pacific/Auckland")
    row = reload(row)
    assert session_day(row) == dt.date(2027, 3, 2)
    assert by_id(aftercare_for(row))["no_hair_washing"]["until"] == "2027-03-04"


def test_the_clinics_policy_sets_the_days_and_may_switch_an_item_off(three, signed):
    clinic_policy_set(
        actor=Actor(user=three.a_admin),
        clinic=three.clinic_a,
        overrides={"aftercare": {"no_hair_washing": {"days": 5}, "no_alcohol": {"enabled": False}}},
        prices={},
    )
    items = by_id(aftercare_for(signed))
    assert items["no_hair_washing"]["until"] == (session_day(signed) + dt.timedelta(5)).isoformat()
    assert "no_alcohol" not in items
    assert "report_nodules" in items


def test_the_clinic_policy_cannot_switch_off_the_nodule_warning(three):
    with pytest.raises(ValidationError, match="report_nodules"):
        clinic_policy_set(
            actor=Actor(user=three.a_admin),
            clinic=three.clinic_a,
            overrides={"aftercare": {"report_nodules": {"enabled": False}}},
            prices={},
        )


def test_a_german_patient_gets_german_aftercare(signed):
    german(signed.patient)
    items = aftercare_for(reload(signed))
    assert {i["language"] for i in items} == {"de"}
    assert "bis einschließlich" in by_id(items)["no_hair_washing"]["text"]


def test_a_polish_patient_gets_english_aftercare(signed):
    Patient.objects.for_clinic(signed.clinic).filter(pk=signed.patient_id).update(
        preferred_language="pl"
    )
    items = aftercare_for(reload(signed))
    assert {i["language"] for i in items} == {"en"}


def test_what_was_stored_at_signing_is_what_the_patient_keeps(three, signed):
    stored = aftercare_for(signed)
    TreatmentSession.objects.for_clinic(signed.clinic).filter(pk=signed.pk).update(aftercare=stored)
    clinic_policy_set(
        actor=Actor(user=three.a_admin),
        clinic=three.clinic_a,
        overrides={"aftercare": {"no_hair_washing": {"days": 7}}},
        prices={},
    )
    row = reload(signed)
    assert aftercare_given(row) == stored
    assert aftercare_for(row) != stored


def test_a_session_signed_without_stored_aftercare_is_dated_now(signed):
    assert signed.aftercare == []
    assert aftercare_given(signed) == aftercare_for(signed)


# --- sending -----------------------------------------------------------------------------------


def test_the_aftercare_is_emailed_with_its_sheet_and_calendar(three, signed, mailoutbox):
    before = audit_count()
    assert aftercare_send(actor=Actor(user=three.a_clinician), session=signed) is True
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ada@example.net"]
    names = {name: (body, kind) for name, body, kind in message.attachments}
    assert set(names) == {"aftercare.pdf", "aftercare.ics"}
    assert names["aftercare.pdf"][0].startswith(b"%PDF") and names["aftercare.pdf"][1] == (
        "application/pdf"
    )
    assert "BEGIN:VCALENDAR" in names["aftercare.ics"][0]  # text/* comes back as text
    assert "Dear Ada Lovelace," in message.body
    assert "lump" in message.body  # the nodule warning, in the body too
    assert audit_count() == before + 1
    entry = last_audit()
    assert entry.action == "session.aftercare_send"
    assert entry.object_id == str(signed.pk) and entry.patient_id == signed.patient_id
    assert entry.user_id == three.a_clinician.pk


def test_a_german_patient_gets_the_email_in_german(three, signed, mailoutbox):
    german(signed.patient)
    aftercare_send(actor=Actor(user=three.a_clinician), session=reload(signed))
    message = mailoutbox[0]
    assert message.subject.startswith("Ihre Nachsorgehinweise nach der Sitzung am ")
    assert message.body.startswith("Guten Tag Jürgen Großmann,")
    assert "Knötchen" in message.body


def test_no_email_address_sends_nothing_and_audits_nothing(three, signed, mailoutbox):
    Patient.objects.for_clinic(signed.clinic).filter(pk=signed.patient_id).update(email="")
    before = audit_count()
    assert aftercare_send(actor=Actor(user=three.a_clinician), session=reload(signed)) is False
    assert mailoutbox == []
    assert audit_count() == before


def test_an_open_session_has_no_aftercare_to_send(three, signed, mailoutbox):
    TreatmentSession.objects.for_clinic(signed.clinic).filter(pk=signed.pk).update(
        status=SessionStatus.OPEN, signed_at=None, signed_by=None
    )
    before = audit_count()
    with pytest.raises(ValidationError, match="signed"):
        aftercare_send(actor=Actor(user=three.a_clinician), session=reload(signed))
    assert mailoutbox == []
    assert audit_count() == before


def test_a_refused_mail_server_leaves_no_audit_entry(three, signed, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard
    before = audit_count()
    with pytest.raises(OSError):
        aftercare_send(actor=Actor(user=three.a_clinician), session=signed)
    assert audit_count() == before


def test_printing_is_audited_by_file(three, signed):
    before = audit_count()
    aftercare_print_log(actor=Actor(user=three.a_clinician), session=signed, file="ics")
    assert audit_count() == before + 1
    assert last_audit().action == "session.aftercare_print"
    assert list(last_audit().changes) == ["ics"]
    with pytest.raises(ValidationError):
        aftercare_print_log(actor=Actor(user=three.a_clinician), session=signed, file="docx")
    assert audit_count() == before + 1
