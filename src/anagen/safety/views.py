"""Safety pages: open events, follow-ups due and signals; recording, editing, following up and
closing an adverse event; a signal with its cases and exposed patients, and closing it."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from anagen.clinics.access import can, clinic_member
from anagen.clinics.roles import Perm
from anagen.core import adverse_events
from anagen.patients.selectors import patient_get
from anagen.safety import selectors, services
from anagen.safety.forms import CloseForm, EventForm, FollowUpForm, SignalCloseForm
from anagen.safety.models import AdverseEvent
from anagen.web.forms_errors import apply_errors
from anagen.web.request_info import actor_of


def _clinic(request: HttpRequest) -> Any:
    return request.clinic  # type: ignore[attr-defined]


@clinic_member(Perm.SAFETY_VIEW)
def safety_home(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(request)
    today = services.clinic_today(clinic)
    context = {
        "today": today,
        "events": selectors.events_open(clinic),
        "due": selectors.follow_ups_due(clinic, today),
        "signals": selectors.signals_open(clinic),
        "closed_signals": selectors.signals_all(clinic).filter(closed_at__isnull=False)[:20],
    }
    return render(request, "safety/home.html", context)


@clinic_member(Perm.EVENT_RECORD)
def event_new(request: HttpRequest, patient_id: object) -> HttpResponse:
    patient = patient_get(clinic=_clinic(request), patient_id=patient_id)
    sessions = list(selectors.signed_sessions(patient))
    chosen = [str(s.pk) for s in sessions if str(s.pk) == request.GET.get("session")]
    initial = {"sessions": chosen, "onset": services.clinic_today(patient.clinic)}
    form = EventForm(request.POST or None, sessions=sessions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_record(
                actor=actor_of(request), patient=patient, data=form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Adverse event recorded.")
            return redirect("event_detail", event.pk)
    return _form_page(request, form, patient, None)


def _form_page(request: HttpRequest, form: EventForm, patient: Any, event: Any) -> HttpResponse:
    context = {
        "form": form,
        "patient": patient,
        "event": event,
        "types": adverse_events.load().types.values(),
        "counted": sorted(adverse_events.load().counted_types),
    }
    return render(request, "safety/event_form.html", context)


@clinic_member(Perm.EVENT_RECORD)
def event_edit(request: HttpRequest, event_id: object) -> HttpResponse:
    event = selectors.event_get(clinic=_clinic(request), event_id=event_id)
    if event.is_closed:
        messages.error(request, "This event is closed.")
        return redirect("event_detail", event.pk)
    sessions = list(selectors.signed_sessions(event.patient))
    form = EventForm(
        request.POST or None, sessions=sessions, lots=event.lots.all(), initial=_initial(event)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=actor_of(request), event=event, data=form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Adverse event updated.")
            return redirect("event_detail", event.pk)
    return _form_page(request, form, event.patient, event)


def _initial(event: AdverseEvent) -> dict[str, Any]:
    fields = {f: getattr(event, f) for f in services.FIELDS}
    sessions = [str(pk) for pk in event.sessions.values_list("pk", flat=True)]
    return fields | {
        "sessions": sessions,
        "lots": [str(pk) for pk in event.lots.values_list("pk", flat=True)],
    }


def _detail_page(
    request: HttpRequest,
    event: AdverseEvent,
    follow_up: FollowUpForm | None = None,
    close: CloseForm | None = None,
) -> HttpResponse:
    book = adverse_events.load()
    today = services.clinic_today(event.clinic)
    context = {
        "event": event,
        "patient": event.patient,
        "type": book.types.get(event.type),
        "grade": book.severities.get(event.severity),
        "counted": event.type in book.counted_types,
        "sessions": selectors.event_sessions(event),
        "lots": selectors.event_lots(event),
        "follow_ups": event.follow_ups.select_related("by"),
        "can_record": can(request, Perm.EVENT_RECORD) and not event.is_closed,
        "follow_up_form": follow_up or FollowUpForm(initial={"on": today}),
        "close_form": close or CloseForm(),
        "due": event.next_follow_up is not None and event.next_follow_up <= today,
    }
    return render(request, "safety/event_detail.html", context)


@clinic_member(Perm.SAFETY_VIEW)
def event_detail(request: HttpRequest, event_id: object) -> HttpResponse:
    event = selectors.event_get(clinic=_clinic(request), event_id=event_id)
    services.event_open(actor=actor_of(request), event=event)
    return _detail_page(request, event)


@clinic_member(Perm.EVENT_RECORD)
@require_POST
def event_follow_up(request: HttpRequest, event_id: object) -> HttpResponse:
    event = selectors.event_get(clinic=_clinic(request), event_id=event_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_add(actor=actor_of(request), event=event, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Follow-up recorded.")
            return redirect("event_detail", event.pk)
    return _detail_page(request, event, follow_up=form)


@clinic_member(Perm.EVENT_RECORD)
@require_POST
def event_close(request: HttpRequest, event_id: object) -> HttpResponse:
    event = selectors.event_get(clinic=_clinic(request), event_id=event_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.event_close(
                actor=actor_of(request), event=event, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Adverse event closed.")
            return redirect("event_detail", event.pk)
    return _detail_page(request, event, close=form)


def _day(text: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None


def _signal_page(request: HttpRequest, signal: Any, form: SignalCloseForm | None) -> HttpResponse:
    view = selectors.signal_view(signal)
    context = {
        "view": view,
        "signal": signal,
        "detail": signal.detail,
        "first_day": _day(signal.detail.get("first_day")),
        "last_day": _day(signal.detail.get("last_day")),
        "figures": signal.detail.get("figures", {}),
        "can_close": can(request, Perm.EVENT_RECORD) and signal.closed_at is None,
        "form": form or SignalCloseForm(),
    }
    return render(request, "safety/signal_detail.html", context)


@clinic_member(Perm.SAFETY_VIEW)
def signal_detail(request: HttpRequest, signal_id: int) -> HttpResponse:
    signal = selectors.signal_get(clinic=_clinic(request), signal_id=signal_id)
    services.signal_open(actor=actor_of(request), signal=signal)
    return _signal_page(request, signal, None)


@clinic_member(Perm.EVENT_RECORD)
@require_POST
def signal_close(request: HttpRequest, signal_id: int) -> HttpResponse:
    signal = selectors.signal_get(clinic=_clinic(request), signal_id=signal_id)
    form = SignalCloseForm(request.POST)
    if form.is_valid():
        try:
            services.signal_close(
                actor=actor_of(request), signal=signal, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Signal closed. It reopens if it gains a new case.")
            return redirect("signal_detail", signal.pk)
    return _signal_page(request, signal, form)
