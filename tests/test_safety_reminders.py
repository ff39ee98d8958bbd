"""Adverse-event follow-up reminders: an email to whoever recorded the event when its next
follow-up is due, once per due date, until the event is closed; sent by ``anagen reminders``
next to the session reminders."""

import copy
import datetime as dt

import pytest
from django.utils import timezone

from anagen import cli
from anagen.audit.models import AuditEntry
from anagen.safety import services
from anagen.safety.models import AdverseEvent
from anagen.safety.reminders import send_follow_up_reminders
from tests.conftest import build_three, built_once_per_module
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


def in_days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


def test_a_due_follow_up_is_emailed_once_to_whoever_recorded_it(world, mailoutbox, three):
    event = record(world, next_follow_up=in_days(3))
    assert send_follow_up_reminders(at(in_days(2))).sent == 0  # not due yet
    run = send_follow_up_reminders(at(in_days(3)))
    assert (run.sent, run.no_recipient) == (1, 0)
    (mail,) = mailoutbox
    assert mail.to == [three.a_clinician.email]
    assert three.a_patient.number in mail.subject
    assert f"/events/{event.pk}/" in mail.body
    assert "Lovelace" not in mail.body and "Firm nodule" not in mail.body  # no name, no detail
    event.refresh_from_db()
    assert event.follow_up_reminded_on == in_days(3)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor) == ("event.remind", "reminders")
    assert send_follow_up_reminders(at(in_days(4))).sent == 0  # once per due date


def test_a_new_follow_up_date_is_reminded_again(world, mailoutbox):
    event = record(world, next_follow_up=in_days(0))
    send_follow_up_reminders(at(in_days(0)))
    AdverseEvent.objects.for_clinic(world.clinic).filter(pk=event.pk).update(
        next_follow_up=in_days(7)
    )
    assert send_follow_up_reminders(at(in_days(7))).sent == 1
    assert len(mailoutbox) == 2


def test_a_closed_event_is_not_reminded(world, mailoutbox):
    event = record(world, next_follow_up=in_days(0))
    services.event_close(actor=world.actor, event=event, outcome="resolved")
    assert send_follow_up_reminders(at(in_days(1))).sent == 0
    assert mailoutbox == []


def test_an_event_without_a_follow_up_date_is_not_reminded(world, mailoutbox):
    record(world)
    assert send_follow_up_reminders(at(in_days(30))).sent == 0


def test_a_recorder_who_left_is_counted_not_emailed(world, mailoutbox, three):
    record(world, next_follow_up=in_days(0))
    three.a_clinician.is_active = False
    three.a_clinician.save()
    run = send_follow_up_reminders(at(in_days(0)))
    assert (run.sent, run.no_recipient, mailoutbox) == (0, 1, [])


def test_the_reminders_command_sends_follow_up_reminders_too(world, mailoutbox, capsys):
    record(world, next_follow_up=in_days(0))
    assert cli.main(["reminders"]) == 0
    out = capsys.readouterr().out
    assert "0 reminders sent; 0 patients without an email address skipped." in out
    assert (
        "1 adverse-event follow-up reminders sent to staff; 0 without an active recipient." in out
    )
    assert len(mailoutbox) == 1
