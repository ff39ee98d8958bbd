"""Calendar, course booking from a plan, the course page, and moving, cancelling or marking a
no-show with the rest of the course re-planned (shown before it is saved)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from anagen.clinics.access import can, clinic_member, public
from anagen.clinics.models import Clinic
from anagen.clinics.roles import Perm
from anagen.patients.selectors import patient_get
from anagen.plans.selectors import plan_get
from anagen.scheduling import selectors, services
from anagen.scheduling.calendar_setup import (
    WEEKDAYS,
    clinic_schedule,
    clinic_zone,
    local,
    practitioners,
    treating_staff,
    within_reach,
)
from anagen.scheduling.forms import ReasonForm, read_choices
from anagen.scheduling.ical import feed_ics
from anagen.scheduling.models import BookingStatus, CalendarFeed
from anagen.scheduling.planner import Choice, Proposal, plan_windows
from anagen.scheduling.proposals import change_proposal, change_scope, course_proposal
from anagen.sessions.selectors import session_of_booking
from anagen.web.request_info import actor_of

SLOT_PX = 14  # height of one grid slot on the calendar


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


def _errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"__all__": error.messages}


# Calendar --------------------------------------------------------------------------------------


@dataclass
class Block:
    booking: Any
    top: int
    height: int
    count: int


@dataclass
class Column:
    title: str
    day: dt.date
    practitioner_id: int | None
    room_id: int | None
    blocks: list[Block]
    working: list[tuple[int, int]]  # (top, height) of working hours
    slots: list[str]  # wall-clock start of each slot, for dropping and clicking


def _day_param(request: HttpRequest, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return today
    return day if within_reach(day, today) else today


def _int_param(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


@clinic_member(Perm.SCHEDULE_VIEW)
def calendar(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(request)
    zone = clinic_zone(clinic)
    today = local(timezone.now(), zone).date()
    day = _day_param(request, today)
    view = request.GET.get("view") if request.GET.get("view") in ("day", "week") else "week"
    by = (
        request.GET.get("by")
        if request.GET.get("by") in ("practitioner", "room")
        else "practitioner"
    )
    setup = clinic_schedule(clinic)
    slot = setup.slot_minutes
    opening = [b for blocks in setup.opening.values() for b in blocks] or [["09:00", "18:00"]]
    grid_start = min(_minutes(a) for a, _ in opening)
    grid_end = max(_minutes(b) for _, b in opening)
    first = day - dt.timedelta(days=day.weekday()) if view == "week" else day
    days = [first + dt.timedelta(days=i) for i in range(7 if view == "week" else 1)]
    staff = practitioners(clinic, days[0], days[-1])
    rooms = selectors.rooms(clinic)
    who = _int_param(request, "who")
    if by == "practitioner":
        people = staff if who is None else [p for p in staff if p.user.pk == who]
        if view == "week" and not who and staff:
            people, who = staff[:1], staff[0].user.pk
        columns_for: list[tuple[dt.date, Any, Any]] = [(d, p, None) for d in days for p in people]
    else:
        chosen = rooms if who is None else [r for r in rooms if r.pk == who]
        if view == "week" and not who and rooms:
            chosen, who = rooms[:1], rooms[0].pk
        columns_for = [(d, None, r) for d in days for r in chosen]
    bookings = selectors.calendar_bookings(clinic, days[0], days[-1])
    columns = []
    for d, person, room in columns_for:
        mine = [
            b
            for b in bookings
            if local(b.start, zone).date() == d
            and (person is None or b.practitioner_id == person.user.pk)
            and (room is None or b.room_id == room.pk)
        ]
        blocks = []
        for b in mine:
            start = local(b.start, zone)
            minutes = (b.end - b.start).total_seconds() / 60
            top = (start.hour * 60 + start.minute - grid_start) * SLOT_PX // slot
            blocks.append(
                Block(b, top, max(SLOT_PX, int(minutes) * SLOT_PX // slot), b.course.session_count)
            )
        working = []
        if person is not None and d not in person.absent:
            for a, z in person.weekly.get(WEEKDAYS[d.weekday()], []):
                working.append(
                    (
                        (_minutes(a) - grid_start) * SLOT_PX // slot,
                        (_minutes(z) - _minutes(a)) * SLOT_PX // slot,
                    )
                )
        title = person.user.full_name if person is not None else room.name
        columns.append(
            Column(
                title=title,
                day=d,
                practitioner_id=person.user.pk if person is not None else None,
                room_id=room.pk if room is not None else None,
                blocks=blocks,
                working=working,
                slots=[
                    f"{d.isoformat()}T{m // 60:02d}:{m % 60:02d}"
                    for m in range(grid_start, grid_end, slot)
                ],
            )
        )
    step = dt.timedelta(days=7 if view == "week" else 1)
    hours = [
        ((m - grid_start) * SLOT_PX // slot, f"{m // 60:02d}:00")
        for m in range(grid_start, grid_end)
        if m % 60 == 0
    ]
    context = {
        "view": view,
        "by": by,
        "who": who,
        "day": day,
        "days": days,
        "today": today,
        "columns": columns,
        "staff": staff,
        "rooms": rooms,
        "hours": hours,
        "height": (grid_end - grid_start) * SLOT_PX // slot,
        "slot_px": SLOT_PX,
        "prev": (day - step).isoformat(),
        "next": (day + step).isoformat(),
        "can_book": can(request, Perm.SCHEDULE_BOOK),
        "no_setup": not staff or not rooms,
    }
    return render(request, "scheduling/calendar.html", context)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


# Bookings and courses ---------------------------------------------------------------------------


@clinic_member(Perm.SCHEDULE_VIEW)
def booking_detail(request: HttpRequest, booking_id: object) -> HttpResponse:
    booking = selectors.booking_get(clinic=_clinic(request), booking_id=booking_id)
    now = timezone.now()
    context = {
        "booking": booking,
        "treatment_session": session_of_booking(booking),
        "course": booking.course,
        "patient": booking.patient,
        "wall": local(booking.start, clinic_zone(booking.clinic)),
        "can_book": can(request, Perm.SCHEDULE_BOOK) and booking.status == BookingStatus.BOOKED,
        "can_attend": can(request, Perm.SESSION_ATTEND)
        and booking.status == BookingStatus.BOOKED
        and booking.start <= now + dt.timedelta(hours=1),
        "past": booking.start <= now,
    }
    return render(request, "scheduling/booking.html", context)


@clinic_member(Perm.SCHEDULE_VIEW)
def course_detail(request: HttpRequest, course_id: object) -> HttpResponse:
    course = selectors.course_get(clinic=_clinic(request), course_id=course_id)
    today = local(timezone.now(), clinic_zone(course.clinic)).date()
    sessions = selectors.course_sessions(course, today)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and can(request, Perm.SCHEDULE_BOOK) and form.is_valid():
        try:
            count = services.course_cancel(
                actor=actor_of(request), course=course, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error("reason" if "reason" in _errors(error) else None, error.messages)
        else:
            messages.success(request, f"Course stopped; {count} booked sessions cancelled.")
            return redirect("course_detail", course.pk)
    context = {
        "course": course,
        "patient": course.patient,
        "plan": course.plan,
        "sessions": sessions,
        "remaining": selectors.remaining(sessions),
        "done": sum(1 for s in sessions if s.state == "done"),
        "form": form,
        "can_book": can(request, Perm.SCHEDULE_BOOK),
        "can_clinical": can(request, Perm.CLINICAL_VIEW),
        "zone": clinic_zone(course.clinic),
    }
    return render(request, "scheduling/course.html", context, status=422 if form.errors else 200)


@dataclass
class Row:
    number: int
    window: Any
    choice: Choice | None
    wall: dt.datetime | None
    outside: bool
    booked: Any  # the booking it replaces, if any
    errors: list[str]


def _rows(
    proposal: Proposal,
    choices: list[Choice],
    numbers: list[int],
    zone: Any,
    errors: dict[str, list[str]],
    current: dict[int, Any],
) -> list[Row]:
    by_number = {c.number: c for c in choices}
    rows = []
    for n in numbers:
        choice = by_number.get(n)
        wall = local(choice.start, zone) if choice else None
        window = proposal.windows.get(n)
        rows.append(
            Row(
                n,
                window,
                choice,
                wall,
                bool(wall and window and not window.holds(wall.date())),
                current.get(n),
                errors.get(f"session-{n}", []),
            )
        )
    return rows


def _sessions_context(clinic: Any, rows: list[Row], errors: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "rows": rows,
        "staff": [m.user for m in treating_staff(clinic)],
        "rooms": selectors.rooms(clinic),
        "general_errors": errors.get("__all__", []),
        "any_outside": any(r.outside for r in rows),
    }


@clinic_member(Perm.SCHEDULE_BOOK)
def plan_book(request: HttpRequest, plan_id: object) -> HttpResponse:
    """Book a plan's whole course: the engine proposes, reception adjusts and confirms."""
    clinic = _clinic(request)
    plan = plan_get(clinic=clinic, plan_id=plan_id)
    existing = selectors.course_for_plan(plan)
    if existing is not None:
        return redirect("course_detail", existing.pk)
    zone = clinic_zone(clinic)
    windows = plan_windows(plan)
    numbers = [w.number for w in windows]
    minutes = services.course_minutes(clinic, plan.protocol_id)
    preferred = _int_param(request, "practitioner")
    proposal = Proposal(windows={w.number: w for w in windows})
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            choices = read_choices(request.POST, numbers, zone)
            course = services.course_book(
                actor=actor_of(request),
                plan=plan,
                choices=choices,
                allow_outside_window=request.POST.get("allow_outside") == "on",
            )
        except ValidationError as error:
            errors = _errors(error)
            choices = _posted(request, numbers, zone)
        else:
            messages.success(request, f"Course booked: {len(choices)} sessions.")
            return redirect("course_detail", course.pk)
    else:
        proposal = course_proposal(plan, timezone.now(), preferred)
        choices = proposal.choices
    rows = _rows(proposal, choices, numbers, zone, errors, {})
    context = {
        "plan": plan,
        "patient": plan.patient,
        "minutes": minutes,
        "proposal": proposal,
        "preferred": preferred,
        **_sessions_context(clinic, rows, errors),
    }
    return render(request, "scheduling/book.html", context, status=422 if errors else 200)


def _posted(request: HttpRequest, numbers: list[int], zone: Any) -> list[Choice]:
    """The rows as posted, as far as they read, to show them again beside their errors."""
    choices = []
    for n in numbers:
        try:
            choices += read_choices(request.POST, [n], zone)
        except ValidationError:
            continue
    return choices


CHANGE_TITLES = {"move": "Move session", "cancel": "Cancel session", "no_show": "No-show"}


@clinic_member(Perm.SCHEDULE_BOOK)
def booking_change(request: HttpRequest, booking_id: object) -> HttpResponse:
    """Move, cancel or mark a no-show; the sessions after it are re-planned inside their windows
    and shown for checking before anything is saved."""
    clinic = _clinic(request)
    booking = selectors.booking_get(clinic=clinic, booking_id=booking_id)
    kind = request.GET.get("kind") or request.POST.get("kind") or "move"
    if kind not in CHANGE_TITLES:
        raise Http404("No such change")
    if booking.status != BookingStatus.BOOKED:
        messages.error(request, "Only a booked session can be changed.")
        return redirect("booking_detail", booking.pk)
    zone = clinic_zone(clinic)
    course = booking.course
    errors: dict[str, list[str]] = {}
    moved: Choice | None = None
    if kind == "move" and request.method != "POST":
        moved = _moved_choice(request, booking, zone)
        if moved is None:
            return _move_form(request, booking, zone)
    scope = change_scope(course, booking.number, local(timezone.now(), zone).date())
    later, current = scope.numbers, scope.current
    proposal = Proposal(windows=scope.windows)
    if request.method == "POST":
        numbers = later if request.POST.get("rebook", "yes") == "yes" else []
        try:
            choices = read_choices(request.POST, numbers, zone)
            services.course_change(
                actor=actor_of(request),
                booking=booking,
                kind=kind,
                choices=choices,
                reason=request.POST.get("reason", ""),
                allow_outside_window=request.POST.get("allow_outside") == "on",
            )
        except ValidationError as error:
            errors = _errors(error)
            choices = _posted(request, later, zone)
        else:
            messages.success(request, f"{CHANGE_TITLES[kind]} {booking.number}: saved.")
            return redirect("course_detail", course.pk)
    else:
        proposal = change_proposal(course, booking.number, timezone.now(), moved).proposal
        choices = proposal.choices
    rows = _rows(proposal, choices, later, zone, errors, current)
    context = {
        "booking": booking,
        "course": course,
        "patient": course.patient,
        "kind": kind,
        "title": CHANGE_TITLES[kind],
        "proposal": proposal,
        "wall": local(booking.start, zone),
        "reason": request.POST.get("reason", ""),
        "reason_errors": errors.get("reason", []),
        **_sessions_context(clinic, rows, errors),
    }
    return render(request, "scheduling/change.html", context, status=422 if errors else 200)


def _moved_choice(request: HttpRequest, booking: Any, zone: Any) -> Choice | None:
    """The new time asked for (from the move form or a drop on the calendar), if it reads."""
    try:
        start = dt.datetime.fromisoformat(request.GET.get("start", "")).replace(tzinfo=zone)
        who = int(request.GET.get("practitioner") or booking.practitioner_id)
        room = int(request.GET.get("room") or booking.room_id)
    except ValueError:
        return None
    if not within_reach(start.date(), timezone.now().date()):
        return None
    return Choice(booking.number, start, who, room)


def _move_form(request: HttpRequest, booking: Any, zone: Any) -> HttpResponse:
    clinic = booking.clinic
    context = {
        "booking": booking,
        "treatment_session": session_of_booking(booking),
        "course": booking.course,
        "patient": booking.patient,
        "wall": local(booking.start, zone),
        "staff": [m.user for m in treating_staff(clinic)],
        "rooms": selectors.rooms(clinic),
        "error": "Give the new date and time." if request.GET.get("start") is not None else "",
    }
    return render(request, "scheduling/move.html", context)


# Patient calendar feed ----------------------------------------------------------------------------


@clinic_member(Perm.SCHEDULE_BOOK)
def patient_feed(request: HttpRequest, patient_id: object) -> HttpResponse:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    if request.method == "POST":
        services.feed_get(actor=actor_of(request), patient=patient, reset=True)
        messages.success(request, "New calendar link made; the old one no longer works.")
        return redirect("patient_feed", patient.pk)
    feed = services.feed_get(actor=actor_of(request), patient=patient)
    url = request.build_absolute_uri(
        reverse("calendar_feed", args=[patient.clinic.slug, feed.token])
    )
    courses = selectors.courses_for_patient(patient)
    return render(
        request, "scheduling/feed.html", {"patient": patient, "url": url, "courses": courses}
    )


@public
def calendar_feed(request: HttpRequest, clinic_slug: str, token: str) -> HttpResponse:
    """A patient's sessions as iCalendar, for their phone. The token is the only key."""
    clinic = Clinic.objects.filter(slug=clinic_slug).first()
    feed = (
        CalendarFeed.objects.for_clinic(clinic)
        .select_related("patient")
        .filter(token=token)
        .first()
        if clinic is not None
        else None
    )
    if feed is None or feed.patient.is_archived:
        raise Http404("No such calendar")
    bookings = selectors.patient_bookings(feed.patient)
    body = feed_ics(feed.clinic.name, bookings, timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@clinic_member(Perm.SCHEDULE_BOOK)
def course_rebook(request: HttpRequest, course_id: object) -> HttpResponse:
    """Book the sessions left without a booking (cancelled or missed and not rebooked), with the
    booked ones after them re-planned."""
    clinic = _clinic(request)
    course = selectors.course_get(clinic=clinic, course_id=course_id)
    zone = clinic_zone(clinic)
    today = local(timezone.now(), zone).date()
    open_numbers = [
        s.number for s in selectors.course_sessions(course, today) if s.state in ("due", "overdue")
    ]
    if not open_numbers or course.status != "active":
        messages.error(request, "Every session of this course is booked or done.")
        return redirect("course_detail", course.pk)
    scope = change_scope(course, open_numbers[0], today)
    errors: dict[str, list[str]] = {}
    proposal = Proposal(windows=scope.windows)
    if request.method == "POST":
        try:
            choices = read_choices(request.POST, scope.numbers, zone)
            services.course_rebook(
                actor=actor_of(request),
                course=course,
                choices=choices,
                allow_outside_window=request.POST.get("allow_outside") == "on",
            )
        except ValidationError as error:
            errors = _errors(error)
            choices = _posted(request, scope.numbers, zone)
        else:
            messages.success(request, f"{len(choices)} sessions booked.")
            return redirect("course_detail", course.pk)
    else:
        proposal = change_proposal(course, open_numbers[0], timezone.now()).proposal
        choices = proposal.choices
    rows = _rows(proposal, choices, scope.numbers, zone, errors, scope.current)
    context = {
        "course": course,
        "patient": course.patient,
        "proposal": proposal,
        **_sessions_context(clinic, rows, errors),
    }
    return render(request, "scheduling/rebook.html", context, status=422 if errors else 200)
