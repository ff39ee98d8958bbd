"""Forms for the scheduling pages. A course's sessions are a table of rows (start, practitioner,
room) named ``session-N-start`` and so on; ``read_choices`` turns a posted table into choices and
names the row of any bad value."""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from anagen.scheduling.calendar_setup import (
    MAX_YEARS_AWAY,
    WEEKDAY_NAMES,
    WEEKDAYS,
    Weekly,
    format_blocks,
    parse_blocks,
    within_reach,
)
from anagen.scheduling.planner import Choice


def read_choices(data: Mapping[str, Any], numbers: Sequence[int], zone: ZoneInfo) -> list[Choice]:
    choices, errors = [], {}
    for number in numbers:
        prefix = f"session-{number}"
        text = (data.get(f"{prefix}-start") or "").strip()
        try:
            start = dt.datetime.fromisoformat(text).replace(tzinfo=zone, second=0, microsecond=0)
            who = int(data.get(f"{prefix}-practitioner") or "")
            room = int(data.get(f"{prefix}-room") or "")
        except ValueError:
            errors[prefix] = "Give a date and time, a practitioner and a room."
            continue
        if not within_reach(start.date(), dt.datetime.now(zone).date()):
            errors[prefix] = f"Choose a date within {MAX_YEARS_AWAY} years of today."
            continue
        choices.append(Choice(number, start, who, room))
    if errors:
        raise ValidationError(errors)
    return choices


class WeeklyForm(forms.Form):
    """Hours per weekday, written ``09:00-13:00, 14:00-18:00``; empty for a day off."""

    def __init__(self, *args: Any, weekly: Weekly | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in WEEKDAYS:
            self.fields[day] = forms.CharField(
                label=WEEKDAY_NAMES[day],
                required=False,
                initial=format_blocks((weekly or {}).get(day, [])),
                widget=forms.TextInput(attrs={"placeholder": "day off"}),
            )

    def weekly(self) -> Weekly:
        result: Weekly = {}
        errors = {}
        for day in WEEKDAYS:
            try:
                blocks = parse_blocks(self.cleaned_data.get(day) or "", day)
            except ValidationError as error:
                errors.update(error.message_dict)
                continue
            if blocks:
                result[day] = blocks
        if errors:
            raise ValidationError(errors)
        return result


class ScheduleForm(WeeklyForm):
    slot_minutes = forms.TypedChoiceField(
        label="Booking grid (minutes)",
        choices=[(m, m) for m in (5, 10, 15, 20, 30, 60)],
        coerce=int,
    )
    session_minutes = forms.IntegerField(
        label="Session length (minutes)", min_value=5, max_value=240
    )
    reminder_hours = forms.IntegerField(
        label="Send reminders this many hours before", min_value=1, max_value=168
    )


class AbsenceForm(forms.Form):
    first_day = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="Reason", required=False, max_length=120)


class RoomForm(forms.Form):
    name = forms.CharField(label="Room name", max_length=60)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", required=False, max_length=250)
