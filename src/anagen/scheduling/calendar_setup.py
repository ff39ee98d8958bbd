"""A clinic's scheduling set-up as the engine sees it: opening hours, practitioners and their hours.

Weekly hours are written in forms as ``09:00-13:00, 14:00-18:00`` per weekday and stored in the
contract's shape; ``read_weekly`` checks them with the core scenario reader, so the web set-up
refuses exactly what ``anagen schedule`` refuses.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from anagen.clinics.models import Clinic, Membership
from anagen.clinics.roles import Role
from anagen.core.invalid import InvalidDocument
from anagen.core.scheduling import read_scenario
from anagen.scheduling.models import Absence, ClinicSchedule, WorkingHours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = dict(
    zip(
        WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
TREATING_ROLES = (Role.CLINICIAN, Role.PRACTITIONER)
DEFAULT_OPENING = {day: [["09:00", "18:00"]] for day in WEEKDAYS[:5]}
_BLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")

Weekly = dict[str, list[list[str]]]


def clinic_schedule(clinic: Clinic) -> ClinicSchedule:
    schedule: ClinicSchedule
    schedule, _ = ClinicSchedule.objects.for_clinic(clinic).get_or_create(
        clinic=clinic, defaults={"opening": DEFAULT_OPENING}
    )
    return schedule


def clinic_zone(clinic: Clinic) -> ZoneInfo:
    return ZoneInfo(clinic.time_zone)


def local(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Wall-clock time at the clinic, naive, as the scheduling contract writes it."""
    return moment.astimezone(zone).replace(tzinfo=None)


def aware(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return wall.replace(tzinfo=zone)


# Dates further than this from today are typing mistakes (and overflow date arithmetic at 9999).
MAX_YEARS_AWAY = 5


def within_reach(day: dt.date, today: dt.date) -> bool:
    return abs((day - today).days) <= MAX_YEARS_AWAY * 366


def parse_blocks(text: str, field: str) -> list[list[str]]:
    """``09:00-13:00, 14:00-18:00`` -> ``[["09:00", "13:00"], ["14:00", "18:00"]]``."""
    blocks = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        match = _BLOCK.match(part)
        if not match:
            raise ValidationError(
                {field: f"Write hours as 09:00-13:00, 14:00-18:00 (not {part!r})."}
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        blocks.append([f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"])
    return blocks


def format_blocks(blocks: list[list[str]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in blocks)


def check_weekly(weekly: Weekly, slot_minutes: int, field_prefix: str = "") -> Weekly:
    """The hours as the engine reads them, or a ValidationError naming the weekday."""
    doc = {
        "schema": "anagen.schedule-scenario/1",
        "start": "2027-01-04",
        "days": 7,
        "slot_minutes": slot_minutes,
        "practitioners": [{"id": "x", "weekly": weekly}],
        "rooms": [{"id": "r"}],
        "courses": [],
    }
    try:
        read_scenario(doc)
    except InvalidDocument as error:
        # practitioners[0].weekly.mon[1] -> mon
        day = next((d for d in WEEKDAYS if f".{d}" in error.field), "")
        raise ValidationError({f"{field_prefix}{day}" or "__all__": error.message}) from None
    return {day: blocks for day, blocks in weekly.items() if blocks}


def outside_opening(weekly: Weekly, opening: Weekly) -> list[str]:
    """Weekdays on which the hours go beyond the clinic's opening hours."""
    bad = []
    for day, blocks in weekly.items():
        open_blocks = opening.get(day, [])
        for start, end in blocks:
            if not any(o_start <= start and end <= o_end for o_start, o_end in open_blocks):
                bad.append(day)
                break
    return bad


@dataclass(frozen=True)
class Practitioner:
    user: Any
    weekly: Weekly
    absent: frozenset[dt.date]

    @property
    def key(self) -> str:
        return f"u{self.user.pk}"


def treating_staff(clinic: Clinic) -> list[Membership]:
    return list(
        Membership.objects.filter(clinic=clinic, is_active=True, role__in=TREATING_ROLES)
        .select_related("user")
        .order_by("user__full_name")
    )


def practitioners(clinic: Clinic, first: dt.date, last: dt.date) -> list[Practitioner]:
    """Treating staff with weekly hours, each with the days they are away in [first, last]."""
    hours = {
        h.practitioner_id: h.weekly
        for h in WorkingHours.objects.for_clinic(clinic).filter(
            practitioner__in=[m.user for m in treating_staff(clinic)]
        )
    }
    away: dict[int, set[dt.date]] = {}
    for absence in Absence.objects.for_clinic(clinic).filter(
        first_day__lte=last, last_day__gte=first
    ):
        day = max(absence.first_day, first)
        while day <= min(absence.last_day, last):
            away.setdefault(absence.practitioner_id, set()).add(day)
            day += dt.timedelta(days=1)
    return [
        Practitioner(m.user, hours[m.user.pk], frozenset(away.get(m.user.pk, ())))
        for m in treating_staff(clinic)
        if hours.get(m.user.pk)
    ]


def works_at(practitioner: Practitioner, start: dt.datetime, minutes: int) -> bool:
    """Whether a session from wall-clock ``start`` lies inside one block of the hours."""
    if start.date() in practitioner.absent:
        return False
    begin = f"{start:%H:%M}"
    end_time = start + dt.timedelta(minutes=minutes)
    if end_time.date() != start.date() and end_time.time() != dt.time():
        return False
    end = "24:00" if end_time.date() != start.date() else f"{end_time:%H:%M}"
    return any(
        a <= begin and end <= b for a, b in practitioner.weekly.get(WEEKDAYS[start.weekday()], [])
    )
