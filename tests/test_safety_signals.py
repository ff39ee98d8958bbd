"""The signal job on the database: a seeded cluster is found and linked to its lot; a history
without one stays quiet; a re-run updates instead of repeating; a closed signal stays closed
until it gains a case, then reopens; every write is audited with the job as the actor."""

import copy
import datetime as dt

import pytest
from django.utils import timezone

from anagen.audit.models import AuditEntry
from anagen.core.signals import Finding
from anagen.safety import detection
from anagen.safety.detection import clinic_history, job_report, signals_detect, signals_detect_all
from anagen.safety.models import Signal
from anagen.safety.services import clinic_today, signal_close
from anagen.sessions.models import TreatmentSession
from tests.conftest import audit_count, build_three, built_once_per_module
from tests.test_safety_services import exposures, record

pytestmark = pytest.mark.django_db


built_world = built_once_per_module(lambda: exposures(build_three()))


@pytest.fixture
def world(db, built_world):
    """Built once for the module (tests.conftest.built_once_per_module); each test's own copy."""
    return copy.deepcopy(built_world)


@pytest.fixture
def three(world):
    return world.three


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def cluster(world):
    """Ada's nodule after her session with AB12 (linked), Grace's abscess unlinked: AB12 is the
    lot both had in the 12 weeks before onset."""
    record(world, "ada", onset=days_ago(30), sessions=[world.sessions["ada"][0].pk])
    record(world, "grace", type="abscess", onset=days_ago(45))


def detect(world):
    return signals_detect(clinic=world.clinic, today=clinic_today(world.clinic))


def signals(world, kind=None):
    rows = Signal.objects.for_clinic(world.clinic).order_by("kind", "key")
    return list(rows.filter(kind=kind) if kind else rows)


def test_the_history_holds_the_signed_sessions_with_their_lots_and_days(world):
    history = clinic_history(world.clinic)
    ada = world.sessions["ada"][0]
    record_ = history.by_id[str(ada.pk)]
    assert record_.day == timezone.localtime(ada.started_at).date() == days_ago(60)
    assert set(record_.lots) == {str(world.lots["AB12"].pk), str(world.lots["V1"].pk)}
    assert len(history.by_id) == 6


def test_a_seeded_cluster_is_found_and_linked_to_its_lot(world):
    cluster(world)
    found = detect(world)
    lot = world.lots["AB12"]
    (signal,) = signals(world, "lot")
    assert signal in found
    assert (signal.key, signal.lot) == (str(lot.pk), lot)
    assert "lot AB12" in signal.title and signal.closed_at is None
    assert set(signal.detail["patients"]) == {str(world.patients[n].pk) for n in ("ada", "grace")}
    assert len(signal.detail["cases"]) == 2
    # Exposed: everyone who had AB12, Alan included (33 days ago, after both cases' sessions).
    assert set(signal.detail["exposed"]) == {str(p.pk) for p in world.patients.values()}
    entry = AuditEntry.objects.filter(action="signal.raise", object_id=str(signal.pk)).get()
    assert (entry.actor, entry.user) == ("signal job", None)


def test_a_history_without_a_cluster_stays_quiet(world):
    record(world, "ada", onset=days_ago(30), sessions=[world.sessions["ada"][0].pk])
    record(world, "grace", type="bruising", onset=days_ago(50))
    record(world, "alan", type="headache", onset=days_ago(30))
    before = audit_count()
    assert detect(world) == []
    assert signals(world) == [] and audit_count() == before


def test_a_re_run_updates_the_signals_it_found_without_repeating_them(world):
    cluster(world)
    first = {(s.kind, s.key): s.last_found_at for s in detect(world)}
    second = detect(world)
    assert {(s.kind, s.key) for s in second} == set(first)
    assert len(signals(world)) == len(first)
    assert all(s.last_found_at >= first[(s.kind, s.key)] for s in second)
    lot = signals(world, "lot")[0]
    assert AuditEntry.objects.filter(object_type="signal", object_id=str(lot.pk)).count() == 2


def test_a_closed_signal_stays_closed_until_it_gains_a_case(world, three):
    cluster(world)
    detect(world)
    (signal,) = signals(world, "lot")
    signal_close(actor=world.actor, signal=signal, note="AB12 quarantined; cultures taken.")
    entries = AuditEntry.objects.filter(object_type="signal", object_id=str(signal.pk)).count()
    detect(world)
    signal.refresh_from_db()
    assert signal.closed_at is not None
    assert AuditEntry.objects.filter(object_type="signal", object_id=str(signal.pk)).count() == (
        entries
    )
    # Alan, treated with AB12 33 days ago, now has a nodule linked to that session.
    record(
        world, "alan", type="infection", onset=days_ago(5), sessions=[world.sessions["alan"][1].pk]
    )
    detect(world)
    signal.refresh_from_db()
    assert signal.closed_at is None and signal.close_note == ""
    assert len(signal.detail["cases"]) == 3
    assert signal.detail["closed_before"][0]["note"] == "AB12 quarantined; cultures taken."
    assert AuditEntry.objects.filter(action="signal.reopen", object_id=str(signal.pk)).count() == 1


def test_sessions_sharing_a_practitioner_make_a_practitioner_signal(world):
    # Grace's and Alan's sessions were all with the practitioner.
    record(world, "grace", onset=days_ago(40), sessions=[world.sessions["grace"][1].pk])
    record(world, "alan", onset=days_ago(20), sessions=[world.sessions["alan"][0].pk])
    detect(world)
    (signal,) = signals(world, "practitioner")
    assert signal.key == str(world.setup.practitioner.pk)
    assert "Practitioner A" in signal.title
    assert signals(world, "lot")[0].key == str(world.lots["CD34"].pk)


def test_only_signed_sessions_count(world):
    grace = world.sessions["grace"][0]
    TreatmentSession.objects.for_clinic(world.clinic).filter(pk=grace.pk).update(
        status="open", signed_at=None, signed_by=None
    )
    record(world, "ada", onset=days_ago(30), sessions=[world.sessions["ada"][0].pk])
    record(world, "grace", type="abscess", onset=days_ago(45))  # her only earlier session: unsigned
    detect(world)
    assert signals(world, "lot") == []


def test_other_clinics_are_neither_read_nor_written(world, three):
    cluster(world)
    assert signals_detect(clinic=three.clinic_b, today=timezone.localdate()) == []
    assert Signal.objects.for_clinic(three.clinic_b).count() == 0


def test_the_job_runs_every_clinic_and_reports_what_it_found(world, three):
    cluster(world)
    results = signals_detect_all()
    assert [clinic.name for clinic, _ in results] == ["Clinic A", "Clinic B"]
    lines = job_report(results)
    assert lines[0].startswith("Clinic A: ") and "signals found" in lines[0]
    assert any("[lot, open]" in line and "lot AB12" in line for line in lines)
    assert "Clinic B: 0 signals found" in lines


def rate_finding(today: dt.date, cases: tuple[str, ...]) -> Finding:
    start = today - dt.timedelta(days=83)
    figures = {"per_1000": 9.0, "rate_used_per_1000": 1.0, "p": 0.001}
    return Finding("rate", f"{start}/{today}", cases, cases, (), (), start, today, figures)


def test_a_rate_signal_keeps_one_row_as_its_window_slides(world):
    today = timezone.localdate()
    first = detection._keep(world.clinic, rate_finding(today, ("e1", "e2", "e3")), "rate")
    later = today + dt.timedelta(days=1)
    second = detection._keep(world.clinic, rate_finding(later, ("e2", "e3", "e4")), "rate")
    assert second.pk == first.pk and signals(world, "rate") == [second]
    assert second.detail["cases"] == ["e2", "e3", "e4"]
    signal_close(actor=world.actor, signal=second, note="Reviewed.")
    later += dt.timedelta(days=1)
    same = detection._keep(world.clinic, rate_finding(later, ("e3", "e4")), "rate")
    assert same.pk == first.pk and same.closed_at is not None
    later += dt.timedelta(days=1)
    reopened = detection._keep(world.clinic, rate_finding(later, ("e4", "e5", "e6")), "rate")
    assert reopened.pk == first.pk and reopened.closed_at is None
    unrelated = detection._keep(
        world.clinic, rate_finding(later + dt.timedelta(days=200), ("e7", "e8", "e9")), "rate"
    )
    assert unrelated.pk == first.pk  # the open one takes it; it was reopened above
