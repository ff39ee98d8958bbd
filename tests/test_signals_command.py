"""``anagen signals`` and ``anagen manage detect_signals``: the daily job over every clinic,
printing what it found; exit 0."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from anagen import cli
from anagen.safety.models import Signal
from tests.test_safety_services import exposures, record

pytestmark = pytest.mark.django_db


def seeded_cluster(three):
    world = exposures(three)
    onset = timezone.localdate() - dt.timedelta(days=30)
    record(world, "ada", onset=onset, sessions=[world.sessions["ada"][0].pk])
    record(world, "grace", type="abscess", onset=onset - dt.timedelta(days=15))
    return world


def test_anagen_signals_finds_the_cluster_and_prints_it(three, capsys):
    world = seeded_cluster(three)
    assert cli.main(["signals"]) == 0
    out = capsys.readouterr().out
    assert "Clinic A:" in out and "Clinic B: 0 signals found" in out
    assert "[lot, open]" in out and "lot AB12" in out
    lot = Signal.objects.for_clinic(world.clinic).get(kind="lot")
    assert lot.lot == world.lots["AB12"]


def test_the_management_command_runs_the_same_job_without_repeating_signals(three, capsys):
    world = seeded_cluster(three)
    call_command("detect_signals")
    first = Signal.objects.for_clinic(world.clinic).count()
    call_command("detect_signals")
    out = capsys.readouterr().out
    assert out.count("lot AB12") == 2
    assert Signal.objects.for_clinic(world.clinic).count() == first > 0


def test_a_quiet_clinic_prints_no_signal(three, capsys):
    assert cli.main(["signals"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Clinic A: 0 signals found",
        "Clinic B: 0 signals found",
    ]
