"""Clinic scheduling set-up (admin): opening hours, booking grid, session lengths, rooms, each
practitioner's weekly hours and absences."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from anagen.clinics.access import clinic_member
from anagen.clinics.roles import Perm
from anagen.scheduling import services
from anagen.scheduling.calendar_setup import (
    WEEKDAYS,
    clinic_schedule,
    format_blocks,
    treating_staff,
)
from anagen.scheduling.forms import AbsenceForm, RoomForm, ScheduleForm, WeeklyForm
from anagen.scheduling.models import Absence, Room, WorkingHours
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


@clinic_member(Perm.SCHEDULE_SETUP)
def setup(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(request)
    schedule = clinic_schedule(clinic)
    initial = {
        "slot_minutes": schedule.slot_minutes,
        "session_minutes": schedule.session_minutes,
        "reminder_hours": schedule.reminder_hours,
    }
    data = request.POST if request.POST.get("form") == "schedule" else None
    form = ScheduleForm(data, initial=initial, weekly=schedule.opening)
    room_form = RoomForm(request.POST if request.POST.get("form") == "room" else None)
    if data is not None and form.is_valid():
        try:
            services.schedule_save(
                actor=actor_of(request),
                clinic=clinic,
                opening=form.weekly(),
                slot_minutes=form.cleaned_data["slot_minutes"],
                session_minutes=form.cleaned_data["session_minutes"],
                protocol_minutes=schedule.protocol_minutes,
                reminder_hours=form.cleaned_data["reminder_hours"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Opening hours and session lengths saved.")
            return redirect("schedule_setup")
    if request.POST.get("form") == "room" and room_form.is_valid():
        try:
            services.room_save(
                actor=actor_of(request), clinic=clinic, name=room_form.cleaned_data["name"]
            )
        except ValidationError as error:
            apply_errors(room_form, error)
        else:
            messages.success(request, "Room added.")
            return redirect("schedule_setup")
    hours = {h.practitioner_id: h.weekly for h in WorkingHours.objects.for_clinic(clinic)}
    staff = [
        (m, [(day, format_blocks(hours.get(m.user_id, {}).get(day, []))) for day in WEEKDAYS])
        for m in treating_staff(clinic)
    ]
    context = {
        "form": form,
        "room_form": room_form,
        "rooms": Room.objects.for_clinic(clinic),
        "staff": staff,
        "weekdays": WEEKDAYS,
    }
    status = 422 if (form.errors or room_form.errors) else 200
    return render(request, "scheduling/setup.html", context, status=status)


@clinic_member(Perm.SCHEDULE_SETUP)
@require_POST
def room_edit(request: HttpRequest, room_id: int) -> HttpResponse:
    clinic = _clinic(request)
    room = Room.objects.for_clinic(clinic).filter(pk=room_id).first()
    if room is None:
        raise Http404("No such room")
    try:
        services.room_save(
            actor=actor_of(request),
            clinic=clinic,
            room=room,
            name=request.POST.get("name", room.name),
            is_active=request.POST.get("is_active") == "on",
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"Room: {message}")
    else:
        messages.success(request, f"Room {room.name} saved.")
    return redirect("schedule_setup")


@clinic_member(Perm.SCHEDULE_SETUP)
def hours_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    clinic = _clinic(request)
    member = next((m for m in treating_staff(clinic) if m.user_id == user_id), None)
    if member is None:
        raise Http404("No such practitioner")
    user = member.user
    current = WorkingHours.objects.for_clinic(clinic).filter(practitioner=user).first()
    which = request.POST.get("form")
    form = WeeklyForm(
        request.POST if which == "hours" else None, weekly=current.weekly if current else {}
    )
    absence_form = AbsenceForm(request.POST if which == "absence" else None)
    if which == "hours" and form.is_valid():
        try:
            services.hours_save(
                actor=actor_of(request), clinic=clinic, practitioner=user, weekly=form.weekly()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Hours for {user.full_name} saved.")
            return redirect("hours_edit", user.pk)
    if which == "absence" and absence_form.is_valid():
        try:
            services.absence_add(
                actor=actor_of(request),
                clinic=clinic,
                practitioner=user,
                **absence_form.cleaned_data,
            )
        except ValidationError as error:
            apply_errors(absence_form, error)
        else:
            messages.success(request, "Absence recorded. Move any sessions booked in it.")
            return redirect("hours_edit", user.pk)
    absences = Absence.objects.for_clinic(clinic).filter(practitioner=user)
    context = {
        "member": member,
        "practitioner": user,
        "form": form,
        "absence_form": absence_form,
        "absences": absences,
        "opening": clinic_schedule(clinic).opening,
    }
    status = 422 if (form.errors or absence_form.errors) else 200
    return render(request, "scheduling/hours.html", context, status=status)


@clinic_member(Perm.SCHEDULE_SETUP)
@require_POST
def absence_delete(request: HttpRequest, absence_id: int) -> HttpResponse:
    absence = Absence.objects.for_clinic(_clinic(request)).filter(pk=absence_id).first()
    if absence is None:
        raise Http404("No such absence")
    user_id = absence.practitioner_id
    services.absence_delete(actor=actor_of(request), absence=absence)
    messages.success(request, "Absence removed.")
    return redirect("hours_edit", user_id)
