"""iCalendar (RFC 5545) for patients: one session as a reminder attachment, or a patient's whole
feed. Built with the icalendar library. Events say when and where, and which session of the
course; no diagnosis and no medicine, since calendars are shared and synced to phones."""

import datetime as dt
from collections.abc import Iterable

from icalendar import Calendar, Event

from anagen.scheduling.models import Booking, BookingStatus

PRODID = "-//Anagen//Anagen scheduling//EN"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _event(booking: Booking, stamp: dt.datetime) -> Event:
    clinic = booking.clinic
    count = len(booking.course.plan.document["sessions"])
    event = Event()
    event.add("uid", f"booking-{booking.pk}@anagen")
    event.add("dtstamp", stamp)
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("summary", f"Hair treatment, session {booking.number} of {count} — {clinic.name}")
    if clinic.address:
        event.add("location", clinic.address)
    description = f"Session {booking.number} of {count} of your course at {clinic.name}."
    if clinic.phone:
        description += f" To change it, call {clinic.phone}."
    event.add("description", description)
    cancelled = booking.status in (BookingStatus.CANCELLED, BookingStatus.MOVED)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def booking_ics(booking: Booking, stamp: dt.datetime) -> bytes:
    cal = _calendar(booking.clinic.name)
    cal.add_component(_event(booking, stamp))
    body: bytes = cal.to_ical()
    return body


def feed_ics(name: str, bookings: Iterable[Booking], stamp: dt.datetime) -> bytes:
    cal = _calendar(name)
    for booking in bookings:
        cal.add_component(_event(booking, stamp))
    body: bytes = cal.to_ical()
    return body
