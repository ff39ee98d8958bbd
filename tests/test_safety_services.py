"""Adverse events: recording, changing, following up and closing them, and closing a signal.
Every write is audited with field names; every refusal names its field and writes nothing.

``exposures`` (also used by the other safety test files) builds clinic A with three patients in
booked courses and signed sessions that used lots AB12 and CD34 of dutasteride and V1 of biotin.
"""

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.safety import services
from anagen.safety.models import AdverseEvent, FollowUp, Signal
from anagen.sessions.models import SessionStatus, TreatmentSession
from tests.conftest import ThreeUsers, audit_count, build_three, built_once_per_module
from tests.scheduling_helpers import book, new_plan, other_patient, session, set_up
from tests.session_helpers import make_lot, make_product, recorded_session

pytestmark = pytest.mark.django_db


@dataclass
class Exposures:
    three: ThreeUsers
    setup: Any
    lots: dict[str, Any]
    patients: dict[str, Any]
    sessions: dict[str, list[TreatmentSession]]

    @property
    def clinic(self) -> Any:
        return self.three.clinic_a

    @property
    def actor(self) -> Actor:
        return Actor(user=self.three.a_clinician)


def ago(days: int, hour: int = 10) -> dt.datetime:
    when = timezone.localtime() - dt.timedelta(days=days)
    return when.replace(hour=hour, minute=0, second=0, microsecond=0)


# Who had which lots, how many days ago, and with whom ("prac": the practitioner, else Dr A).
PLAN: dict[str, list[tuple[int, tuple[str, ...], str]]] = {
    "ada": [(60, ("AB12", "V1"), "clin"), (53, ("CD34", "V1"), "clin")],
    "grace": [(58, ("AB12",), "prac"), (51, ("CD34",), "prac")],
    "alan": [(40, ("CD34",), "prac"), (33, ("AB12",), "prac")],
}


def exposures(three: ThreeUsers) -> Exposures:
    setup = set_up(three)
    dutasteride = make_product(three.clinic_a)
    biotin = make_product(three.clinic_a, "biotin")
    lots = {
        "AB12": make_lot(dutasteride, "AB12"),
        "CD34": make_lot(dutasteride, "CD34"),
        "V1": make_lot(biotin, "V1"),
    }
    patients = {
        "ada": three.a_patient,
        "grace": other_patient(three, "Grace"),
        "alan": other_patient(three, "Alan"),
    }
    who = {"clin": setup.clinician, "prac": setup.practitioner}
    sessions: dict[str, list[TreatmentSession]] = {}
    for hour, (name, rows) in enumerate(PLAN.items(), start=9):
        course = book(setup, new_plan(three, patients[name]), hour=hour)
        sessions[name] = [
            recorded_session(
                session(course, number),
                [lots[n] for n in lot_names],
                when=ago(days, hour),
                practitioner=who[by],
            )
            for number, (days, lot_names, by) in enumerate(rows, start=1)
        ]
    return Exposures(three, setup, lots, patients, sessions)


def event_data(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "nodule",
        "onset": timezone.localdate() - dt.timedelta(days=20),
        "severity": "moderate",
        "description": "Firm nodule at the vertex.",
        "actions": "Swab and AFB culture.",
        "culture": "pending",
    } | overrides


def record(world: Exposures, name: str = "ada", **overrides: Any) -> AdverseEvent:
    return services.event_record(
        actor=world.actor, patient=world.patients[name], data=event_data(**overrides)
    )


def last_entry() -> AuditEntry:
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    return entry


def written(world: Exposures) -> tuple[Any, ...]:
    clinic = world.clinic
    return (
        audit_count(),
        list(AdverseEvent.objects.for_clinic(clinic).order_by("pk").values()),
        list(FollowUp.objects.for_clinic(clinic).order_by("pk").values()),
        list(Signal.objects.for_clinic(clinic).order_by("pk").values()),
    )


built_world = built_once_per_module(lambda: exposures(build_three()))


@pytest.fixture
def world(db, built_world):
    """Built once for the module (tests.conftest.built_once_per_module); each test's own copy."""
    return copy.deepcopy(built_world)


@pytest.fixture
def three(world):
    return world.three


# --- Recording --------------------------------------------------------------------------------


def test_an_event_is_recorded_with_its_sessions_and_their_lots(world):
    first = world.sessions["ada"][0]
    event = record(world, sessions=[str(first.pk)])
    assert event.clinic == world.clinic and event.recorded_by == world.three.a_clinician
    assert (event.type, event.severity, event.culture, event.outcome) == (
        "nodule",
        "moderate",
        "pending",
        "ongoing",
    )
    assert list(event.sessions.all()) == [first]
    assert {lot.number for lot in event.lots.all()} == {"AB12", "V1"}
    entry = last_entry()
    assert (entry.action, entry.object_id, entry.patient_id) == (
        "event.record",
        str(event.pk),
        world.patients["ada"].pk,
    )
    assert "Firm nodule" not in str(entry.changes)
    assert {"type", "onset", "severity", "description", "sessions", "lots"} <= set(entry.changes)


def test_lots_given_replace_the_sessions_lots(world):
    first = world.sessions["ada"][0]
    event = record(world, sessions=[first.pk], lots=[world.lots["CD34"].pk])
    assert [lot.number for lot in event.lots.all()] == ["CD34"]


def test_an_event_needs_no_session(world):
    event = record(world, type="headache")
    assert event.sessions.count() == 0 and event.lots.count() == 0


def test_other_names_what_it_was_and_other_types_drop_that_text(world):
    assert record(world, type="other", type_other="Scalp numbness").type_other == "Scalp numbness"
    assert record(world, type="pain", type_other="ignored").type_other == ""


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "sunburn"}, "type"),
        ({"type": "other", "type_other": "  "}, "type_other"),
        ({"onset": timezone.localdate() + dt.timedelta(days=1)}, "onset"),
        ({"onset": dt.date(1985, 12, 9)}, "onset"),  # the day before Ada's birth
        ({"onset": None}, "onset"),
        ({"onset": "not a date"}, "onset"),
        ({"severity": "grade 5"}, "severity"),
        ({"outcome": "cured"}, "outcome"),
        ({"culture": "maybe"}, "culture"),
        ({"organism": "M. abscessus", "culture": "pending"}, "organism"),
        ({"next_follow_up": timezone.localdate() - dt.timedelta(days=1)}, "next_follow_up"),
        ({"type_other": "x" * 121, "type": "other"}, "type_other"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, overrides, field):
    before = written(world)
    with pytest.raises(ValidationError) as refused:
        record(world, **overrides)
    assert field in refused.value.message_dict
    assert written(world) == before


def test_an_organism_is_kept_with_a_positive_culture(world):
    event = record(world, type="infection", culture="positive", organism="M. abscessus")
    assert event.organism == "M. abscessus"


def test_another_patients_session_is_refused(world):
    before = written(world)
    with pytest.raises(ValidationError) as refused:
        record(world, sessions=[world.sessions["grace"][0].pk])
    assert "sessions" in refused.value.message_dict
    assert written(world) == before


def test_an_unsigned_session_is_refused(world):
    first = world.sessions["ada"][0]
    TreatmentSession.objects.for_clinic(world.clinic).filter(pk=first.pk).update(
        status=SessionStatus.OPEN, signed_at=None, signed_by=None
    )
    with pytest.raises(ValidationError) as refused:
        record(world, sessions=[first.pk])
    assert "sessions" in refused.value.message_dict


def test_a_malformed_session_id_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        record(world, sessions=["not-a-uuid"])
    assert "sessions" in refused.value.message_dict


def test_another_clinics_lot_is_refused(world):
    theirs = make_lot(make_product(world.three.clinic_b), "B1")
    before = written(world)
    with pytest.raises(ValidationError) as refused:
        record(world, lots=[theirs.pk])
    assert "lots" in refused.value.message_dict
    assert written(world) == before


# --- Changing ---------------------------------------------------------------------------------


def test_an_update_changes_the_fields_given_and_audits_their_names(world):
    event = record(world)
    services.event_update(
        actor=world.actor, event=event, data={"severity": "severe", "culture": "negative"}
    )
    event.refresh_from_db()
    assert (event.severity, event.culture, event.type) == ("severe", "negative", "nodule")
    entry = last_entry()
    assert (entry.action, sorted(entry.changes)) == ("event.update", ["culture", "severity"])


def test_an_update_relinks_sessions_and_their_lots(world):
    event = record(world, sessions=[world.sessions["ada"][0].pk])
    services.event_update(
        actor=world.actor, event=event, data={"sessions": [world.sessions["ada"][1].pk]}
    )
    assert {lot.number for lot in event.lots.all()} == {"CD34", "V1"}
    assert set(last_entry().changes) == {"sessions", "lots"}


def test_an_update_that_changes_nothing_writes_nothing(world):
    event = record(world)
    before = written(world)
    services.event_update(actor=world.actor, event=event, data={"severity": "moderate"})
    assert written(world) == before


def test_a_past_follow_up_date_does_not_block_other_changes(world):
    event = record(world, next_follow_up=timezone.localdate())
    AdverseEvent.objects.for_clinic(world.clinic).filter(pk=event.pk).update(
        next_follow_up=timezone.localdate() - dt.timedelta(days=3)
    )
    event.refresh_from_db()
    services.event_update(actor=world.actor, event=event, data={"actions": "Clarithromycin."})
    event.refresh_from_db()
    assert event.actions == "Clarithromycin."


def test_a_refused_update_writes_nothing(world):
    event = record(world)
    before = written(world)
    with pytest.raises(ValidationError) as refused:
        services.event_update(actor=world.actor, event=event, data={"severity": "worst"})
    assert "severity" in refused.value.message_dict
    assert written(world) == before


# --- Follow-ups and closing -------------------------------------------------------------------


def test_a_follow_up_is_recorded_and_sets_the_next_date(world):
    event = record(world, next_follow_up=timezone.localdate())
    later = timezone.localdate() + dt.timedelta(days=14)
    follow_up = services.follow_up_add(
        actor=world.actor,
        event=event,
        on=timezone.localdate(),
        note="Smaller.",
        next_follow_up=later,
    )
    event.refresh_from_db()
    assert (follow_up.note, follow_up.by, event.next_follow_up) == (
        "Smaller.",
        world.three.a_clinician,
        later,
    )
    assert last_entry().action == "event.follow_up"


@pytest.mark.parametrize(
    ("on", "note", "next_in", "field"),
    [
        (1, "x", None, "on"),  # tomorrow
        (-30, "x", None, "on"),  # before the onset (20 days ago)
        (None, "x", None, "on"),
        (0, " ", None, "note"),
        (0, "x", 0, "next_follow_up"),  # not after the follow-up itself
        (-5, "x", -1, "next_follow_up"),  # in the past
    ],
)
def test_a_bad_follow_up_names_the_field_and_writes_nothing(world, on, note, next_in, field):
    event = record(world)
    today = timezone.localdate()
    before = written(world)
    with pytest.raises(ValidationError) as refused:
        services.follow_up_add(
            actor=world.actor,
            event=event,
            on=None if on is None else today + dt.timedelta(days=on),
            note=note,
            next_follow_up=None if next_in is None else today + dt.timedelta(days=next_in),
        )
    assert field in refused.value.message_dict
    assert written(world) == before


def test_closing_needs_an_outcome_other_than_ongoing(world):
    event = record(world)
    before = written(world)
    with pytest.raises(ValidationError) as refused:
        services.event_close(actor=world.actor, event=event, outcome="ongoing")
    assert "outcome" in refused.value.message_dict
    assert written(world) == before


def test_a_closed_event_stops_its_follow_ups_and_refuses_changes(world):
    event = record(world, next_follow_up=timezone.localdate())
    services.event_close(actor=world.actor, event=event, outcome="resolved")
    event.refresh_from_db()
    assert event.is_closed and event.next_follow_up is None and event.outcome == "resolved"
    assert (last_entry().action, event.closed_by) == ("event.close", world.three.a_clinician)
    before = written(world)
    for attempt in (
        lambda: services.event_update(actor=world.actor, event=event, data={"severity": "mild"}),
        lambda: services.event_close(actor=world.actor, event=event, outcome="resolved"),
        lambda: services.follow_up_add(
            actor=world.actor, event=event, on=timezone.localdate(), note="x", next_follow_up=None
        ),
    ):
        with pytest.raises(ValidationError):
            attempt()
    assert written(world) == before


def test_reading_an_event_is_audited(world):
    event = record(world)
    services.event_open(actor=world.actor, event=event)
    entry = last_entry()
    assert (entry.action, entry.patient_id) == ("event.view", world.patients["ada"].pk)


# --- Closing a signal ---------------------------------------------------------------------------


def a_signal(world: Exposures) -> Signal:
    now = timezone.now()
    return Signal.objects.for_clinic(world.clinic).create(
        clinic=world.clinic, kind="lot", key=str(world.lots["AB12"].pk), title="2 patients",
        lot=world.lots["AB12"], first_found_at=now, last_found_at=now,
    )  # fmt: skip


def test_a_signal_closes_with_a_note(world):
    signal = a_signal(world)
    services.signal_close(actor=world.actor, signal=signal, note="Lot AB12 quarantined.")
    signal.refresh_from_db()
    assert signal.closed_at and signal.closed_by == world.three.a_clinician
    assert signal.close_note == "Lot AB12 quarantined."
    entry = last_entry()
    assert (entry.action, entry.object_type) == ("signal.close", "signal")
    assert "quarantined" not in str(entry.changes)


def test_a_signal_needs_a_note_to_close_and_closes_once(world):
    signal = a_signal(world)
    before = written(world)
    with pytest.raises(ValidationError) as refused:
        services.signal_close(actor=world.actor, signal=signal, note="  ")
    assert "note" in refused.value.message_dict
    assert written(world) == before
    services.signal_close(actor=world.actor, signal=signal, note="Checked.")
    with pytest.raises(ValidationError):
        services.signal_close(actor=world.actor, signal=signal, note="Again.")
