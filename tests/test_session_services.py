"""The session services: the safety net that web pages and the API share."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from anagen.audit.models import AuditEntry
from anagen.consent.models import Consent
from anagen.consent.services import consent_withdraw
from anagen.inventory.models import Lot, StockMovement
from anagen.inventory.services import lot_status_set
from anagen.scheduling.models import BookingStatus
from anagen.sessions import services
from anagen.sessions.models import LotUse, TreatmentSession
from anagen.sessions.selectors import session_day
from tests.conftest import audit_count
from tests.scheduling_helpers import session, set_up
from tests.session_flow import NO, checked, ready, recorded, started
from tests.session_helpers import make_lot, make_product


@pytest.fixture
def r(three):
    return ready(set_up(three))


def state(r):
    """What a refused write must leave as it was."""
    return (
        audit_count(),
        list(TreatmentSession.objects.for_clinic(r.clinic).values()),
        list(LotUse.objects.for_clinic(r.clinic).values()),
        list(Lot.objects.for_clinic(r.clinic).values("pk", "quantity", "status")),
        list(StockMovement.objects.for_clinic(r.clinic).values("pk")),
        session(r.course, 1).status,
    )


def refusal(call, **kwargs):
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    error = caught.value
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def actions(since):
    return list(AuditEntry.objects.filter(id__gt=since).values_list("action", flat=True))


# --- start ------------------------------------------------------------------------------------


def test_a_session_cannot_start_without_consent_for_its_plan(three):
    r = ready(set_up(three), consent=False)
    before = state(r)
    errors = refusal(services.session_start, actor=r.practitioner, booking=r.booking)
    assert "consent" in errors and "take consent" in errors["consent"][0]
    assert state(r) == before


def test_a_withdrawn_consent_does_not_count(r):
    consent = Consent.objects.for_clinic(r.clinic).get()
    consent_withdraw(actor=r.clinician, consent=consent, reason="Changed her mind")
    before = state(r)
    assert "consent" in refusal(services.session_start, actor=r.practitioner, booking=r.booking)
    assert state(r) == before


def test_starting_opens_one_session_with_its_consent_and_is_audited(r):
    first = started(r)
    assert first.consent == Consent.objects.for_clinic(r.clinic).get()
    assert first.number == 1 and first.practitioner == r.practitioner.user
    assert AuditEntry.objects.order_by("-id").first().action == "session.start"
    count = audit_count()
    assert started(r) == first and audit_count() == count  # the open one, not a second


def test_a_session_cannot_start_days_before_its_booking(r):
    later = session(r.course, 2)
    before = state(r)
    errors = refusal(services.session_start, actor=r.practitioner, booking=later)
    assert "on its day" in errors["__all__"][0]
    assert state(r) == before


# --- pre-session check and override -----------------------------------------------------------


def test_the_pre_session_check_screens_again_and_records_what_blocks(r):
    session_ = checked(r, scalp=["active_infection"])
    assert session_.precheck["scalp"] == ["active_infection"]
    assert [b["rule"] for b in session_.blocking] == ["CI-06"]
    assert session_.precheck_intake["assessed_on"] == dt.date.today().isoformat()
    assert AuditEntry.objects.order_by("-id").first().action == "session.precheck"


def test_an_unanswered_question_is_refused_naming_it(r):
    s = started(r)
    before = state(r)
    answers = {"checks": {k: v for k, v in NO.items() if k != "PS-03"}}
    errors = refusal(services.session_precheck, actor=r.practitioner, session=s, answers=answers)
    assert "checks" in errors and "yes or no" in errors["checks"][0]
    assert state(r) == before


def test_a_blocked_session_cannot_be_signed(r):
    s = recorded(
        r,
    )
    s = services.session_precheck(
        actor=r.practitioner, session=s, answers={"checks": NO | {"PS-02": True}}
    )
    before = state(r)
    errors = refusal(services.session_sign, actor=r.practitioner, session=s)
    assert "blocking finding is unresolved" in errors["precheck"][0]
    assert state(r) == before


def test_only_a_clinician_can_override_and_only_with_a_reason(r):
    s = checked(r, checks=NO | {"PS-01": True})
    before = state(r)
    errors = refusal(services.session_override, actor=r.practitioner, session=s, reason="x" * 20)
    assert "Only a clinician" in errors["__all__"][0]
    errors = refusal(services.session_override, actor=r.clinician, session=s, reason="  ok ")
    assert "reason" in errors
    assert state(r) == before
    s = services.session_override(
        actor=r.clinician, session=s, reason="Afebrile now; the cold has resolved."
    )
    assert s.override_by == r.clinician.user and s.override_at
    assert AuditEntry.objects.order_by("-id").first().action == "session.override"


def test_nothing_to_override_when_nothing_blocks(r):
    s = checked(r)
    assert (
        "nothing to override"
        in refusal(
            services.session_override, actor=r.clinician, session=s, reason="Because I say so"
        )["__all__"][0]
    )


def test_checking_again_drops_the_earlier_override(r):
    s = checked(r, checks=NO | {"PS-01": True})
    services.session_override(actor=r.clinician, session=s, reason="Afebrile now, checked.")
    s = checked(r, checks=NO | {"PS-01": True})
    assert s.override_by is None and s.override_reason == ""


def test_an_overridden_session_can_be_signed(r, django_capture_on_commit_callbacks):
    s = recorded(r)
    s = services.session_precheck(
        actor=r.practitioner, session=s, answers={"checks": NO | {"PS-01": True}}
    )
    services.session_override(actor=r.clinician, session=s, reason="Afebrile now, checked.")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.session_sign(actor=r.practitioner, session=s).is_signed


# --- record -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"injection_map": {"schema": "anagen.injection-map/1", "points": [{"view": "top"}]}},
         "injection_map"),
        ({"technique": "laser"}, "technique"),
        ({"needle_gauge": 12}, "needle_gauge"),
        ({"anaesthetic": "topical"}, "anaesthetic"),  # CI-22: she is allergic to lidocaine
        ({"reactions": ["sneezing"]}, "reactions"),
        ({"ended_at": None, "started_at": None, "lots": [{"ingredient": "minoxidil", "lot": 1}]},
         "lots"),
    ],
)  # fmt: skip
def test_a_bad_record_is_refused_naming_the_field(r, overrides, field):
    s = checked(r)
    before = state(r)
    errors = refusal(
        services.session_record, actor=r.practitioner, session=s, data=r.record(**overrides)
    )
    assert field in errors, errors
    assert state(r) == before


def test_the_lidocaine_allergy_is_named_with_its_rule(r):
    s = checked(r)
    errors = refusal(
        services.session_record,
        actor=r.practitioner,
        session=s,
        data=r.record(anaesthetic="topical"),
    )
    assert errors["anaesthetic"][0].startswith("CI-22")


def test_an_expired_lot_is_refused_when_chosen(r):
    lot = next(iter(r.lots.values()))
    Lot.objects.for_clinic(r.clinic).filter(pk=lot.pk).update(
        expiry=dt.date.today() - dt.timedelta(days=1)
    )
    s = checked(r)
    before = state(r)
    errors = refusal(services.session_record, actor=r.practitioner, session=s, data=r.record())
    assert "expired" in errors["lots"][0]
    assert state(r) == before


def test_a_multi_dose_product_needs_the_clinic_policy(r):
    ingredient = next(iter(r.lots))
    product = make_product(r.clinic, ingredient, name="Multi vial", single_use=False)
    lot = make_lot(product, "MD-1")
    s = checked(r)
    chosen = r.lots | {ingredient: lot}
    lots = [{"ingredient": i, "lot": chosen[i].pk} for i in chosen]
    errors = refusal(
        services.session_record, actor=r.practitioner, session=s, data=r.record(lots=lots)
    )
    assert "CI-23" in errors["lots"][0]


def test_recording_saves_the_map_and_its_total_and_the_lots(r):
    s = recorded(r)
    assert s.total_volume_ml == Decimal("1.10")
    assert s.injection_map["points"][0]["zone"] == "vertex"
    assert {u.ingredient for u in s.lots.all()} == set(r.lots)
    assert AuditEntry.objects.order_by("-id").first().action == "session.record"
    assert not s.is_signed
    assert all(lot.quantity == 20 for lot in Lot.objects.for_clinic(r.clinic))  # not taken yet


# --- sign -------------------------------------------------------------------------------------


def test_signing_takes_the_stock_completes_the_booking_and_sends_the_aftercare(
    r, mailoutbox, django_capture_on_commit_callbacks
):
    s = recorded(r)
    since = AuditEntry.objects.order_by("-id").first().id
    with django_capture_on_commit_callbacks(execute=True):
        s = services.session_sign(actor=r.practitioner, session=s)
    assert s.is_signed and s.signed_by == r.practitioner.user
    assert session(r.course, 1).status == BookingStatus.DONE
    for lot in Lot.objects.for_clinic(r.clinic):
        assert lot.quantity == 19
        assert lot.movements.get().session_id == s.pk
    nodules = next(item for item in s.aftercare if item["id"] == "report_nodules")
    assert nodules["until"] == (session_day(s) + dt.timedelta(days=84)).isoformat()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [r.booking.patient.email]
    done = actions(since)
    assert {"session.sign", "booking.done", "session.aftercare_send"} <= set(done)
    assert any(a.startswith("lot.") or a.startswith("stock.") for a in done), done


def test_a_lot_recalled_after_it_was_chosen_is_refused_at_signing(r):
    s = recorded(r)
    lot = next(iter(r.lots.values()))
    lot_status_set(actor=r.clinician, lot=lot, status="recalled", reason="Maker's recall")
    before = state(r)
    with pytest.raises(ValidationError) as caught:
        services.session_sign(actor=r.practitioner, session=s)
    assert "recalled" in str(caught.value)
    assert state(r) == before


def test_a_session_cannot_be_signed_after_consent_is_withdrawn(r):
    s = recorded(r)
    consent_withdraw(
        actor=r.clinician, consent=Consent.objects.for_clinic(r.clinic).get(), reason="Withdrawn"
    )
    before = state(r)
    assert "consent" in refusal(services.session_sign, actor=r.practitioner, session=s)
    assert state(r) == before


def test_signing_needs_the_map_the_times_and_a_lot_for_every_ingredient(r):
    s = checked(r)
    s = services.session_record(
        actor=r.practitioner,
        session=s,
        data=r.record(injection_map=None, started_at=None, ended_at=None, lots=[], technique=""),
    )
    before = state(r)
    errors = refusal(services.session_sign, actor=r.practitioner, session=s)
    assert set(errors) == {"injection_map", "technique", "started_at", "ended_at", "lots"}
    assert state(r) == before


def test_signing_needs_the_pre_session_check(r):
    s = services.session_record(actor=r.practitioner, session=started(r), data=r.record())
    assert "precheck" in refusal(services.session_sign, actor=r.practitioner, session=s)


def test_a_signed_session_is_locked_and_corrected_by_addenda(r, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        s = services.session_sign(actor=r.practitioner, session=recorded(r))
    before = state(r)
    for call, kwargs in (
        (services.session_record, {"data": r.record()}),
        (services.session_precheck, {"answers": {"checks": NO}}),
        (services.session_sign, {}),
    ):
        assert "locked" in refusal(call, actor=r.practitioner, session=s, **kwargs)["__all__"][0]
    assert state(r) == before
    addendum = services.session_addendum(
        actor=r.practitioner, session=s, text="Vertex points were 0.05 ml, not 0.1 ml."
    )
    assert addendum.by == r.practitioner.user and s.addenda.get() == addendum
    assert AuditEntry.objects.order_by("-id").first().action == "session.addendum"
    s.refresh_from_db()
    assert s.injection_map["points"][0]["volume_ml"] == 0.1  # the signed record is unchanged


def test_an_open_session_takes_no_addendum(r):
    assert (
        "still open"
        in refusal(services.session_addendum, actor=r.practitioner, session=started(r), text="x")[
            "__all__"
        ][0]
    )


def test_every_write_of_a_whole_session_is_audited(r, django_capture_on_commit_callbacks):
    since = AuditEntry.objects.order_by("-id").first().id
    with django_capture_on_commit_callbacks(execute=True):
        services.session_sign(actor=r.practitioner, session=recorded(r))
    done = actions(since)
    for action in ("session.start", "session.precheck", "session.record", "session.sign"):
        assert action in done
    assert all(
        e.patient_id == r.booking.patient_id
        for e in AuditEntry.objects.filter(id__gt=since, action__startswith="session.")
    )


def test_a_patient_without_email_gets_no_email_but_the_session_is_signed(
    r, mailoutbox, django_capture_on_commit_callbacks
):
    patient = r.booking.patient
    type(patient).objects.for_clinic(r.clinic).filter(pk=patient.pk).update(email="")
    with django_capture_on_commit_callbacks(execute=True):
        s = services.session_sign(actor=r.practitioner, session=recorded(r))
    assert s.is_signed and mailoutbox == []
