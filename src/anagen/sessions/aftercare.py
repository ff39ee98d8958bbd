"""Aftercare after a signed session: the dated sheet (PDF), a calendar file with the last day of
each restriction (.ics), and the email that takes both to the patient.

What the patient was given is fixed when the session is signed (``session.aftercare``, from
:func:`aftercare_for`); the sheet, the calendar and the email use that, so a later change of the
clinic's policy never rewrites it. Only a session with nothing stored is dated afresh. Patient and
clinic text reaches Typst as JSON through ``sys.inputs``, never as Typst source.
"""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typst
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from anagen.audit.services import Actor, audit_record
from anagen.consultations.services import clinic_knowledge
from anagen.core.aftercare import ENGLISH, Language, session_aftercare, sheet_words
from anagen.sessions.models import TreatmentSession
from anagen.sessions.selectors import session_day

TEMPLATE = Path(__file__).parent / "typst" / "aftercare.typ"
PRODID = "-//Anagen//Anagen aftercare//EN"
PRINTED_FILES = ("pdf", "ics")


def aftercare_for(session: TreatmentSession) -> list[dict[str, Any]]:
    """The aftercare for this session under the clinic's policy now, in the patient's language;
    the signing service stores it in ``session.aftercare``."""
    kb = clinic_knowledge(session.clinic)
    language = session.patient.preferred_language
    return session_aftercare(kb.aftercare, session_day(session), language)


def aftercare_given(session: TreatmentSession) -> list[dict[str, Any]]:
    """What the patient was given: the items stored at signing, or, if none were, today's."""
    return list(session.aftercare) or aftercare_for(session)


def _language(items: list[dict[str, Any]]) -> Language:
    # The sheet speaks the language its items were written in at signing, not a later preference.
    written = (item.get("language", ENGLISH) for item in items)
    return sheet_words(next((code for code in written if code != ENGLISH), ENGLISH))


def _date(words: Language, iso: str) -> str:
    return words.long_date(dt.date.fromisoformat(iso))


def _call(words: Language, session: TreatmentSession) -> str:
    clinic = session.clinic
    if clinic.phone:
        return words.sheet["call"].format(clinic=clinic.name, phone=clinic.phone)
    return words.sheet["call_no_phone"].format(clinic=clinic.name)


def _watch_weeks(session: TreatmentSession, items: list[dict[str, Any]]) -> int:
    day = session_day(session)
    days = [(dt.date.fromisoformat(i["until"]) - day).days for i in items if _is_watch(i)]
    return round(max(days, default=0) / 7)


def _is_watch(item: dict[str, Any]) -> bool:
    return bool(item["basis"] == "evidence")


# --- The sheet -------------------------------------------------------------------------------


def _sheet(session: TreatmentSession, printed_on: dt.date) -> dict[str, Any]:
    items = aftercare_given(session)
    words, patient, clinic = _language(items), session.patient, session.clinic
    w = words.sheet
    return {
        "lang": words.code,
        "clinic": {"name": clinic.name, "address": clinic.address},
        "patient": {"name": str(patient), "number": patient.number},
        "session": {"number": str(session.number), "date": words.long_date(session_day(session))},
        "words": {
            **{key: w[key] for key in _PLAIN_WORDS},
            "watch_title": w["watch_title"].format(weeks=_watch_weeks(session, items)),
            "call": _call(words, session),
            "printed": w["printed"].format(date=words.long_date(printed_on)),
        },
        "advice": [_row(words, i) for i in items if not _is_watch(i)],
        "watch": [i["text"] for i in items if _is_watch(i)],
    }


_PLAIN_WORDS = (
    "title", "name", "patient_number", "session", "session_date", "intro", "advice", "until",
    "watch_note", "page", "clinic_advice", "medical_advice",
)  # fmt: skip


def _row(words: Language, item: dict[str, Any]) -> dict[str, str]:
    return {"text": item["text"], "until": _date(words, item["until"])}


def aftercare_pdf(session: TreatmentSession, *, printed_on: dt.date | None = None) -> bytes:
    """The A4 aftercare sheet; ``printed_on`` (default: today) is the date in its footer."""
    sheet = _sheet(session, printed_on or timezone.localdate())
    pdf = typst.compile(str(TEMPLATE), sys_inputs={"sheet": json.dumps(sheet)})
    if not isinstance(pdf, bytes):  # a single PDF is always bytes; pages come back only for PNG
        raise TypeError(f"typst returned {type(pdf).__name__}, expected PDF bytes")
    return pdf


# --- The calendar ----------------------------------------------------------------------------


def aftercare_ics(session: TreatmentSession, *, stamp: dt.datetime | None = None) -> bytes:
    """One all-day event on the last day of each restriction and of the nodule watch. Like the
    appointment calendar, no diagnosis and no medicine: calendars are shared and synced."""
    items = aftercare_given(session)
    words = _language(items)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", words.sheet["calendar_name"].format(clinic=session.clinic.name))
    call = _call(words, session)
    for item in items:
        cal.add_component(_event(session, item, call, stamp or timezone.now()))
    body: bytes = cal.to_ical()
    return body


def _event(session: TreatmentSession, item: dict[str, Any], call: str, stamp: dt.datetime) -> Event:
    last_day = dt.date.fromisoformat(item["until"])
    event = Event()
    event.add("uid", f"aftercare-{session.pk}-{item['id']}@anagen")
    event.add("dtstamp", stamp)
    event.add("dtstart", last_day)
    event.add("dtend", last_day + dt.timedelta(days=1))  # all-day: the end is exclusive
    event.add("summary", item["ends"])
    event.add("description", f"{item['text']}\n\n{call}")
    event.add("transp", "TRANSPARENT")  # a reminder, not a busy day
    return event


# --- The email and the audit trail -----------------------------------------------------------


def aftercare_message(session: TreatmentSession) -> EmailMessage:
    """The email to the patient, in the sheet's language, with the sheet and the calendar."""
    items = aftercare_given(session)
    words, clinic, patient = _language(items), session.clinic, session.patient
    w, day = words.sheet, words.long_date(session_day(session))
    lines = [
        w["email_greeting"].format(name=str(patient)),
        "",
        w["email_body"].format(number=session.number, clinic=clinic.name, date=day),
        "",
        w["email_important"],
        *[i["text"] for i in items if _is_watch(i)],
        "",
        _call(words, session),
        "",
        w["email_closing"],
        clinic.name,
    ]
    message = EmailMessage(
        subject=w["email_subject"].format(date=day),
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[patient.email],
    )
    message.attach("aftercare.pdf", aftercare_pdf(session), "application/pdf")
    message.attach("aftercare.ics", aftercare_ics(session), "text/calendar")
    return message


def _audit(actor: Actor, session: TreatmentSession, action: str, changes: list[str]) -> None:
    audit_record(
        actor=actor.user,
        clinic=session.clinic,
        action=action,
        object_type="treatmentsession",
        object_id=session.pk,
        patient_id=session.patient_id,
        changes=changes,
        ip_address=actor.ip_address,
    )


def _signed(session: TreatmentSession) -> None:
    if not session.is_signed:
        raise ValidationError("The aftercare is given once the session is signed.")


@transaction.atomic
def aftercare_send(*, actor: Actor, session: TreatmentSession) -> bool:
    """Email the aftercare sheet and calendar to the patient. False, with nothing sent or
    audited, when the patient has no email address."""
    _signed(session)
    if not session.patient.email:
        return False
    message = aftercare_message(session)
    _audit(actor, session, "session.aftercare_send", ["email"])
    # Sent last, inside the transaction: if the mail server refuses it, the audit entry that
    # says it was sent rolls back too.
    message.send()
    return True


@transaction.atomic
def aftercare_print_log(*, actor: Actor, session: TreatmentSession, file: str) -> None:
    """Log that someone printed or downloaded the aftercare (``file``: "pdf" or "ics")."""
    _signed(session)
    if file not in PRINTED_FILES:
        raise ValidationError({"file": f"Must be one of: {', '.join(PRINTED_FILES)}."})
    _audit(actor, session, "session.aftercare_print", [file])
