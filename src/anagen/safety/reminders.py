"""Adverse-event follow-up reminders: an email to the staff member who recorded the event when
its next follow-up is due, once per due date, until the event is closed. ``anagen reminders``
sends them with the session reminders."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.urls import reverse

from anagen.clinics.models import Clinic
from anagen.core import adverse_events
from anagen.safety.models import AdverseEvent
from anagen.safety.services import follow_up_reminded
from anagen.scheduling.calendar_setup import clinic_zone, local


@dataclass(frozen=True)
class FollowUpRun:
    sent: int
    no_recipient: int  # the recorder's account is inactive or has no email address


def follow_up_message(event: AdverseEvent) -> EmailMessage:
    """Only the patient's number reaches the email, not their name or the clinical detail."""
    kind = adverse_events.load().type_label(event.type).lower()
    due = event.next_follow_up
    lines = [
        f"Dear {event.recorded_by.full_name or event.recorded_by.email},",
        "",
        f"A follow-up is due{f' since {due:%d %b %Y}' if due else ''} for the {kind} you "
        f"recorded for patient {event.patient.number} (onset {event.onset:%d %b %Y}) at "
        f"{event.clinic.name}.",
        "",
        "Record the follow-up, or close the event, in Anagen: "
        f"{reverse('event_detail', args=[event.pk])}",
        "",
        "You will be reminded again after each new follow-up date until the event is closed.",
    ]
    return EmailMessage(
        subject=f"Adverse event follow-up due: patient {event.patient.number}",
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[event.recorded_by.email],
    )


def due_events(clinic: Clinic, today: dt.date) -> list[AdverseEvent]:
    """Open events due on or before ``today`` whose reminder for that due date has not gone."""
    return list(
        AdverseEvent.objects.for_clinic(clinic)
        .filter(closed_at__isnull=True, next_follow_up__lte=today)
        .filter(
            Q(follow_up_reminded_on__isnull=True) | ~Q(follow_up_reminded_on=F("next_follow_up"))
        )
        .select_related("patient", "recorded_by", "clinic")
        .order_by("next_follow_up", "pk")
    )


def send_follow_up_reminders(now: dt.datetime) -> FollowUpRun:
    sent = no_recipient = 0
    for clinic in Clinic.objects.all():
        today = local(now, clinic_zone(clinic)).date()
        for event in due_events(clinic, today):
            if not (event.recorded_by.is_active and event.recorded_by.email):
                no_recipient += 1
                continue
            due = event.next_follow_up
            if due is None:  # not for the query above; for the type checker
                continue
            follow_up_message(event).send()
            follow_up_reminded(event=event, due=due)
            sent += 1
    return FollowUpRun(sent, no_recipient)
