"""Safety pages: the safety page, recording and editing an event (severity definitions beside
the choices), following up and closing it, a signal with its lot, cases and exposed patients,
and the dashboard and chart partials.

The three-user fixture: clinic B's clinician gets 404 on clinic A's events and signals;
reception gets 403 (no safety permissions); clinic A's admin may look but not record.
"""

import copy
import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from anagen.audit.models import AuditEntry
from anagen.safety.detection import signals_detect
from anagen.safety.models import AdverseEvent, Signal
from anagen.safety.selectors import dashboard_safety, patient_events
from tests.conftest import audit_count, build_three, built_once_per_module
from tests.test_safety_services import exposures, record, written

pytestmark = pytest.mark.django_db


built_world = built_once_per_module(lambda: exposures(build_three()))


@pytest.fixture
def world(db, built_world):
    """Built once for the module (tests.conftest.built_once_per_module); each test's own copy."""
    return copy.deepcopy(built_world)


@pytest.fixture
def three(world):
    return world.three


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def lot_signal(world) -> Signal:
    record(world, "ada", onset=days_ago(30), sessions=[world.sessions["ada"][0].pk])
    record(world, "grace", type="abscess", onset=days_ago(45))
    signals_detect(clinic=world.clinic, today=timezone.localdate())
    return Signal.objects.for_clinic(world.clinic).get(kind="lot")


FORM = {
    "type": "nodule",
    "type_other": "",
    "severity": "moderate",
    "description": "Tender nodule, left parietal.",
    "outcome": "ongoing",
    "culture": "pending",
    "organism": "",
    "actions": "",
}


# --- The safety page ------------------------------------------------------------------------------


def test_the_safety_page_lists_open_events_follow_ups_due_and_open_signals(world, three):
    signal = lot_signal(world)
    record(world, "alan", type="headache", onset=days_ago(3), next_follow_up=timezone.localdate())
    page = text(three.client(three.a_clinician).get("/safety/"))
    assert signal.title in page and f"/safety/signals/{signal.pk}/" in page
    assert "Follow-ups due" in page and "Headache" in page
    assert page.count("/events/") >= 3


def test_reception_may_not_see_the_safety_pages(world, three):
    signal = lot_signal(world)
    event = AdverseEvent.objects.for_clinic(world.clinic).first()
    client = three.client(three.a_reception)
    for url in (
        "/safety/",
        f"/safety/signals/{signal.pk}/",
        f"/events/{event.pk}/",
        f"/patients/{three.a_patient.pk}/events/new/",
    ):
        assert client.get(url).status_code == 403, url


def test_another_clinic_sees_none_of_clinic_as_safety_records(world, three):
    signal = lot_signal(world)
    event = AdverseEvent.objects.for_clinic(world.clinic).first()
    client = three.client(three.b_clinician)
    assert signal.title not in text(client.get("/safety/"))
    for url in (
        f"/safety/signals/{signal.pk}/",
        f"/events/{event.pk}/",
        f"/events/{event.pk}/edit/",
        f"/patients/{three.a_patient.pk}/events/new/",
    ):
        assert client.get(url).status_code == 404, url
    before = written(world)
    for url, data in (
        (f"/safety/signals/{signal.pk}/close/", {"note": "x"}),
        (f"/events/{event.pk}/close/", {"outcome": "resolved"}),
        (f"/events/{event.pk}/follow-up/", {"on": "2026-01-01", "note": "x"}),
        (f"/events/{event.pk}/edit/", FORM | {"onset": "2026-01-01"}),
        (f"/patients/{three.a_patient.pk}/events/new/", FORM | {"onset": "2026-01-01"}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert written(world) == before


# --- Recording an event ------------------------------------------------------------------------


def test_the_event_form_shows_each_severity_grade_with_its_definition(world, three):
    page = text(three.client(three.a_clinician).get(f"/patients/{three.a_patient.pk}/events/new/"))
    assert "CTCAE v5.0" in page
    for label, words in (
        ("Mild", "intervention not indicated"),
        ("Moderate", "instrumental activities of daily living"),
        ("Severe", "hospitalisation"),
        ("Life-threatening", "urgent intervention indicated"),
    ):
        assert re.search(rf"<strong>{label}</strong>.{{0,200}}{words}", page), label
    assert "Hair loss at injection site" in page and "Syncope" in page


def test_a_session_in_the_address_is_ticked(world, three):
    first = world.sessions["ada"][0]
    url = f"/patients/{three.a_patient.pk}/events/new/?session={first.pk}"
    page = text(three.client(three.a_clinician).get(url))
    assert re.search(rf'value="{first.pk}"[^>]*checked', page)
    other = world.sessions["ada"][1]
    assert not re.search(rf'value="{other.pk}"[^>]*checked', page)


def test_recording_an_event_from_the_form(world, three):
    first = world.sessions["ada"][0]
    data = FORM | {"onset": days_ago(10).isoformat(), "sessions": [str(first.pk)]}
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/events/new/", data
    )
    event = AdverseEvent.objects.for_clinic(world.clinic).get()
    assert response.status_code == 302 and response["Location"] == f"/events/{event.pk}/"
    assert {lot.number for lot in event.lots.all()} == {"AB12", "V1"}
    assert event.recorded_by == three.a_clinician


def test_a_refused_event_shows_the_error_beside_its_field_and_writes_nothing(world, three):
    before = written(world)
    data = FORM | {"onset": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}
    response = three.client(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/events/new/", data
    )
    assert response.status_code == 200
    assert response.context["form"].errors["onset"] == ["The onset cannot be in the future."]
    assert "The onset cannot be in the future." in text(response)
    assert written(world) == before


def test_the_admin_may_look_but_not_record(world, three):
    event = record(world)
    client = three.client(three.a_admin)
    page = client.get(f"/events/{event.pk}/")
    assert page.status_code == 200 and "Record a follow-up" not in text(page)
    assert client.get(f"/patients/{three.a_patient.pk}/events/new/").status_code == 403
    assert client.post(f"/events/{event.pk}/close/", {"outcome": "resolved"}).status_code == 403


# --- An event's page ---------------------------------------------------------------------------


def test_an_events_page_shows_it_and_is_audited(world, three):
    first = world.sessions["ada"][0]
    event = record(world, sessions=[first.pk], type="infection", culture="positive",
                   organism="M. abscessus")  # fmt: skip
    before = audit_count()
    page = text(three.client(three.a_clinician).get(f"/events/{event.pk}/"))
    assert "Infection" in page and "M. abscessus" in page and "Moderate" in page
    assert "counts towards infection signals" in page
    assert "AB12" in page and f"/sessions/{first.pk}/" in page
    entry = AuditEntry.objects.order_by("-seq").first()
    assert audit_count() == before + 1 and entry.action == "event.view"


def test_editing_an_event(world, three):
    event = record(world)
    data = FORM | {"onset": event.onset.isoformat(), "severity": "severe"}
    response = three.client(three.a_clinician).post(f"/events/{event.pk}/edit/", data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.severity == "severe"


def test_a_follow_up_from_the_events_page(world, three):
    event = record(world, next_follow_up=timezone.localdate())
    client = three.client(three.a_clinician)
    later = timezone.localdate() + dt.timedelta(days=7)
    data = {"on": timezone.localdate().isoformat(), "note": "Draining.", "next_follow_up": later}
    assert client.post(f"/events/{event.pk}/follow-up/", data).status_code == 302
    event.refresh_from_db()
    assert event.next_follow_up == later and event.follow_ups.get().note == "Draining."
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    refused = client.post(f"/events/{event.pk}/follow-up/", data | {"on": tomorrow})
    assert refused.status_code == 200
    assert "The follow-up cannot be in the future." in text(refused)
    assert event.follow_ups.count() == 1


def test_closing_an_event_from_its_page(world, three):
    event = record(world)
    client = three.client(three.a_clinician)
    response = client.post(f"/events/{event.pk}/close/", {"outcome": "resolved"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.is_closed
    page = text(client.get(f"/events/{event.pk}/"))
    assert "closed" in page and "Close the event" not in page
    assert client.get(f"/events/{event.pk}/edit/").status_code == 302


# --- A signal's page ---------------------------------------------------------------------------


def test_a_signal_names_the_lot_the_cases_and_the_exposed_patients(world, three):
    signal = lot_signal(world)
    page = text(three.client(three.a_clinician).get(f"/safety/signals/{signal.pk}/"))
    assert "lot AB12" in page and "Dutasteride solution" in page
    for name in ("Lovelace, Ada", "Hopper, Grace", "Hopper, Alan"):
        assert name in page
    assert "Cases (2)" in page and "Exposed patients (3)" in page
    assert f"/lots/{world.lots['AB12'].pk}/recall/" in page
    assert AuditEntry.objects.order_by("-seq").first().action == "signal.view"


def test_closing_a_signal_from_its_page(world, three):
    signal = lot_signal(world)
    client = three.client(three.a_clinician)
    assert client.post(f"/safety/signals/{signal.pk}/close/", {"note": " "}).status_code == 200
    response = client.post(f"/safety/signals/{signal.pk}/close/", {"note": "AB12 recalled."})
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.close_note == "AB12 recalled."
    assert (
        three.client(three.a_admin)
        .post(f"/safety/signals/{signal.pk}/close/", {"note": "x"})
        .status_code
        == 403
    )


# --- Partials for the dashboard and the chart ----------------------------------------------------


def render(template, context, user, perms):
    request = RequestFactory().get("/")
    request.user = user
    return re.sub(r"\s+", " ", render_to_string(template, context | {"perms_here": perms}, request))


def test_the_dashboard_partial_lists_open_signals_and_follow_ups_due(world, three):
    signal = lot_signal(world)
    record(world, "alan", type="headache", onset=days_ago(3), next_follow_up=timezone.localdate())
    safety = dashboard_safety(world.clinic, timezone.localdate())
    html = render("safety/_dashboard.html", {"safety": safety}, three.a_clinician, set())
    assert signal.title in html and f'href="/safety/signals/{signal.pk}/"' in html
    assert "Follow-ups due" in html and "Headache" in html and "Hopper, Alan" in html


def test_the_dashboard_partial_says_when_all_is_quiet(world, three):
    safety = dashboard_safety(world.clinic, timezone.localdate())
    html = render("safety/_dashboard.html", {"safety": safety}, three.a_clinician, set())
    assert "No open safety signals." in html and "No adverse-event follow-ups due." in html


def test_the_chart_partial_lists_the_patients_events_with_a_link_to_record_one(world, three):
    event = record(world, type="bruising")
    patient = three.a_patient
    context = {"patient": patient, "events": patient_events(patient)}
    html = render("safety/_patient_events.html", context, three.a_clinician,
                  {"event.record", "safety.view"})  # fmt: skip
    assert "Bruising" in html and f"/events/{event.pk}/" in html
    assert f"/patients/{patient.pk}/events/new/" in html and "Record an adverse event" in html
    quiet = render("safety/_patient_events.html", context, three.a_reception, set())
    assert "Record an adverse event" not in quiet and f"/events/{event.pk}/" not in quiet
