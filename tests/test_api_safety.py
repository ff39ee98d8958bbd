"""Adverse events and signals over the JSON API: a patient's events (list, record), one event
(read, change), the clinic's signals. Bad input is a 422 naming the field and writes nothing;
clinic B's clinician gets 404 on clinic A's objects; reception gets 403."""

import copy
import datetime as dt

import pytest
from django.utils import timezone

from anagen.audit.models import AuditEntry
from anagen.safety.detection import signals_detect
from anagen.safety.models import AdverseEvent
from anagen.safety.services import signal_close
from tests.conftest import build_three, built_once_per_module
from tests.test_api import error_fields, with_token
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


def days_ago(n: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=n)).isoformat()


BODY = {"type": "abscess", "severity": "moderate", "culture": "pending"}


def test_recording_an_event_links_its_sessions_and_their_lots(world, three):
    first = world.sessions["ada"][0]
    response = with_token(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/events",
        BODY | {"onset": days_ago(12), "sessions": [str(first.pk)]},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["type"], body["outcome"], body["sessions"]) == (
        "abscess",
        "ongoing",
        [str(first.pk)],
    )
    assert set(body["lots"]) == {world.lots["AB12"].pk, world.lots["V1"].pk}
    assert AdverseEvent.objects.for_clinic(world.clinic).get().pk.hex == body["id"].replace("-", "")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "rash"}, "type"),
        ({"severity": "grade 5"}, "severity"),
        ({"onset": "2999-01-01"}, "onset"),
        ({"organism": "M. chelonae"}, "organism"),
        ({"lots": [999999]}, "lots"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(world, three, change, field):
    api = with_token(three.a_clinician)
    before = written(world)
    response = api.post(
        f"/patients/{three.a_patient.pk}/events", BODY | {"onset": days_ago(3)} | change
    )
    assert response.status_code == 422
    assert field in error_fields(response)
    assert written(world) == before


def test_another_patients_session_is_a_422(world, three):
    grace = world.sessions["grace"][0]
    response = with_token(three.a_clinician).post(
        f"/patients/{three.a_patient.pk}/events",
        BODY | {"onset": days_ago(3), "sessions": [str(grace.pk)]},
    )
    assert response.status_code == 422 and "sessions" in error_fields(response)


def test_listing_and_reading_a_patients_events(world, three):
    event = record(world)
    api = with_token(three.a_clinician)
    listed = api.get(f"/patients/{three.a_patient.pk}/events").json()
    assert [e["id"] for e in listed] == [str(event.pk)]
    read = api.get(f"/events/{event.pk}")
    assert read.status_code == 200 and read.json()["severity"] == "moderate"
    assert AuditEntry.objects.order_by("-seq").first().action == "event.view"


def test_changing_an_event(world, three):
    event = record(world, next_follow_up=timezone.localdate())
    api = with_token(three.a_clinician)
    response = api.patch(
        f"/events/{event.pk}",
        {"culture": "positive", "organism": "M. abscessus", "next_follow_up": None},
    )
    assert response.status_code == 200
    assert (response.json()["organism"], response.json()["next_follow_up"]) == (
        "M. abscessus",
        None,
    )
    refused = api.patch(f"/events/{event.pk}", {"severity": None})
    assert refused.status_code == 422 and "severity" in error_fields(refused)


def test_a_closed_event_cannot_be_changed(world, three):
    event = record(world)
    event.closed_at = timezone.now()
    event.outcome = "resolved"
    event.save()
    response = with_token(three.a_clinician).patch(f"/events/{event.pk}", {"severity": "mild"})
    assert response.status_code == 422


def test_the_signals_list_open_closed_or_all(world, three):
    record(world, "ada", onset=timezone.localdate() - dt.timedelta(days=30),
           sessions=[world.sessions["ada"][0].pk])  # fmt: skip
    record(world, "grace", type="abscess", onset=timezone.localdate() - dt.timedelta(days=45))
    found = signals_detect(clinic=world.clinic, today=timezone.localdate())
    api = with_token(three.a_clinician)
    listed = api.get("/signals").json()
    assert {s["id"] for s in listed} == {s.pk for s in found}
    lot = next(s for s in listed if s["kind"] == "lot")
    assert lot["lot"] == world.lots["AB12"].pk and len(lot["cases"]) == 2
    assert len(lot["exposed"]) == 3
    signal_close(actor=world.actor, signal=found[0], note="Checked.")
    assert len(api.get("/signals").json()) == len(found) - 1
    assert [s["id"] for s in api.get("/signals?state=closed").json()] == [found[0].pk]
    assert len(api.get("/signals?state=all").json()) == len(found)
    bad = api.get("/signals?state=new")
    assert bad.status_code == 422 and "state" in error_fields(bad)


def test_another_clinic_gets_404_and_sees_no_signals(world, three):
    event = record(world)
    record(
        world, "grace", type="nodule", onset=event.onset, sessions=[world.sessions["grace"][0].pk]
    )
    record(world, "ada", type="nodule", onset=event.onset, sessions=[world.sessions["ada"][0].pk])
    signals_detect(clinic=world.clinic, today=timezone.localdate())
    api = with_token(three.b_clinician)
    before = written(world)
    assert api.get(f"/patients/{three.a_patient.pk}/events").status_code == 404
    assert (
        api.post(
            f"/patients/{three.a_patient.pk}/events", BODY | {"onset": days_ago(1)}
        ).status_code
        == 404
    )
    assert api.get(f"/events/{event.pk}").status_code == 404
    assert api.patch(f"/events/{event.pk}", {"severity": "mild"}).status_code == 404
    assert api.get("/signals").json() == []
    assert written(world) == before


def test_reception_may_not_use_the_safety_endpoints(world, three):
    event = record(world)
    api = with_token(three.a_reception)
    before = written(world)
    assert api.get(f"/patients/{three.a_patient.pk}/events").status_code == 403
    assert (
        api.post(
            f"/patients/{three.a_patient.pk}/events", BODY | {"onset": days_ago(1)}
        ).status_code
        == 403
    )
    assert api.get(f"/events/{event.pk}").status_code == 403
    assert api.patch(f"/events/{event.pk}", {"severity": "mild"}).status_code == 403
    assert api.get("/signals").status_code == 403
    assert written(world) == before


def test_the_admin_may_read_but_not_record(world, three):
    event = record(world)
    api = with_token(three.a_admin)
    assert api.get(f"/events/{event.pk}").status_code == 200
    assert api.patch(f"/events/{event.pk}", {"severity": "mild"}).status_code == 403
