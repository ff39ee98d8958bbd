"""Session reminders: an email with the session as an iCalendar attachment, sent once per booking
when its start comes within the clinic's reminder period. ``anagen reminders`` runs it (cron it
every quarter of an hour); patients without an email address are skipped and counted."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage

from anagen.clinics.models import Clinic
from anagen.core.planning import long_date
from anagen.scheduling.calendar_setup import clinic_schedule, clinic_zone, local
from anagen.scheduling.ical import booking_ics
from anagen.scheduling.models import Booking, BookingStatus
from anagen.scheduling.services import reminder_sent


@dataclass(frozen=True)
class ReminderRun:
    sent: int
    no_email: int


def reminder_message(booking: Booking, now: dt.datetime) -> EmailMessage:
    clinic = booking.clinic
    wall = local(booking.start, clinic_zone(clinic))
    count = len(booking.course.plan.document["sessions"])
    patient = booking.patient
    lines = [
        f"Dear {patient.given_name} {patient.family_name},",
        "",
        f"This is a reminder of session {booking.number} of {count} of your hair treatment at "
        f"{clinic.name} on {long_date(wall.date())} at {wall:%H:%M}, with "
        f"{booking.practitioner.full_name}.",
        "",
        "Please come with clean, dry hair and no styling products, and tell us before the session "
        "about any new medicine, illness or reaction since your last visit.",
    ]
    if clinic.phone:
        lines += ["", f"To change the appointment, call {clinic.phone}."]
    if clinic.address:
        lines += ["", clinic.address]
    lines += ["", "The attached calendar file adds the appointment to your calendar."]
    message = EmailMessage(
        subject=f"Your appointment at {clinic.name} on {long_date(wall.date())} at {wall:%H:%M}",
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[patient.email],
    )
    message.attach("appointment.ics", booking_ics(booking, now), "text/calendar")
    return message


def send_reminders(now: dt.datetime) -> ReminderRun:
    sent = no_email = 0
    for clinic in Clinic.objects.all():
        horizon = now + dt.timedelta(hours=clinic_schedule(clinic).reminder_hours)
        due = (
            Booking.objects.for_clinic(clinic)
            .filter(
                status=BookingStatus.BOOKED, reminded_at=None, start__gt=now, start__lte=horizon
            )
            .select_related("patient", "practitioner", "course__plan", "clinic")
        )
        for booking in due:
            if booking.patient.is_archived:
                continue
            if not booking.patient.email:
                no_email += 1
                continue
            reminder_message(booking, now).send()
            reminder_sent(booking=booking, when=now)
            sent += 1
    return ReminderRun(sent, no_email)
