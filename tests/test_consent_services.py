"""Consent services: signing (treatment and photography), refusals that write nothing,
withdrawal, the consent in force for a plan, and versioned templates."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor
from anagen.consent import services
from anagen.consent.defaults import TREATMENT_BODY
from anagen.consent.models import Consent, ConsentTemplate
from anagen.consent.selectors import (
    consent_valid_for_plan,
    patient_consents,
    photo_consent_current,
)
from anagen.core.consent import load_risks
from anagen.patients.services import patient_archive
from anagen.plans.models import TreatmentPlan
from tests.conftest import audit_count
from tests.scheduling_helpers import new_plan, other_patient

SIGNATURE = "M 10 150 L 60 40 L 100 160 L 150 60 L 200 150"


@pytest.fixture
def plan(three):
    return new_plan(three)


def sign(three, plan=None, actor=None, **overrides):
    """A treatment consent for ``plan`` (a photography one when there is no plan), drawn."""
    arguments = {
        "actor": Actor(user=actor or three.a_clinician),
        "patient": plan.patient if plan is not None else three.a_patient,
        "kind": "treatment" if plan is not None else "photography",
        "plan": plan,
        "signer_name": "Ada Lovelace",
        "signature_svg": SIGNATURE,
        "ticked": False,
    } | overrides
    return services.consent_sign(**arguments)


def written(clinic):
    """What a refused write must leave untouched."""
    return (
        audit_count(),
        list(
            Consent.objects.for_clinic(clinic)
            .order_by("signed_at")
            .values_list("id", "withdrawn_at", "withdraw_reason")
        ),
        list(ConsentTemplate.objects.for_clinic(clinic).values()),
    )


def actions_since(count):
    return list(AuditEntry.objects.order_by("seq")[count:].values_list("action", flat=True))


def save_template(three, body, kind="treatment", title="Our consent"):
    return services.consent_template_save(
        actor=Actor(user=three.a_admin), clinic=three.clinic_a, kind=kind, title=title, body=body
    )


# --- signing -------------------------------------------------------------------------------------


def test_a_treatment_consent_is_signed_with_the_plan_filled_in_and_a_pdf(three, plan):
    before = audit_count()
    consent = sign(three, plan)
    consent.refresh_from_db()
    assert (consent.kind, consent.plan_id, consent.patient_id) == (
        "treatment",
        plan.pk,
        plan.patient_id,
    )
    assert consent.witness == three.a_clinician
    assert abs(consent.signed_at - timezone.now()) < dt.timedelta(seconds=30)
    assert consent.signature_svg == SIGNATURE and not consent.ticked
    treatment = consent.document["treatment"]
    assert treatment["session_count"] == len(plan.document["sessions"])
    assert [i["name"] for i in treatment["ingredients"]] == [
        i["name"] for i in plan.document["ingredients"]
    ]
    assert [r["id"] for r in consent.document["risks"]] == [r.id for r in load_risks()]
    pdf = bytes(consent.pdf)
    assert pdf.startswith(b"%PDF") and consent.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    # First use: version 1 of the default text is saved, then the consent.
    assert consent.template.version == 1 and consent.template.body == TREATMENT_BODY
    assert actions_since(before) == ["consent_template.create", "consent.sign"]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.patient_id == plan.patient_id and entry.object_id == str(consent.pk)
    assert "Ada Lovelace" not in " ".join(entry.changes)  # names of fields, never values


def test_the_patient_may_consent_by_a_tick_when_they_cannot_sign(three, plan):
    consent = sign(three, plan, signature_svg="", ticked=True)
    assert consent.ticked and consent.signature_svg == ""
    assert "ticked" in AuditEntry.objects.order_by("-seq").first().changes


def test_a_photography_consent_has_no_plan_and_lists_the_photos_uses(three):
    consent = sign(three)
    assert consent.kind == "photography" and consent.plan is None
    assert "uses" in consent.document["photography"]
    assert photo_consent_current(three.a_patient) == consent


def test_the_drawn_signature_is_stored_as_bare_path_data(three, plan):
    consent = sign(three, plan, signature_svg="M10,150L60.04,40 L100 160")
    assert consent.signature_svg == "M 10 150 L 60 40 L 100 160"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"signer_name": "  "}, "signer_name"),
        ({"signer_name": "x" * 201}, "signer_name"),
        ({"signature_svg": ""}, "signature_svg"),
        ({"signature_svg": '<svg onload="alert(1)"/>'}, "signature_svg"),
        ({"signature_svg": "M 1 1 L 2 2 <script>"}, "signature_svg"),
        ({"signature_svg": "M 5 5 L 900 10"}, "signature_svg"),
        ({"signature_svg": "M 5 5"}, "signature_svg"),
        ({"ticked": True}, "ticked"),
        ({"kind": "video"}, "kind"),
        ({"kind": "photography"}, "plan"),
        ({"shown_version": 2}, "template"),
    ],
)
def test_a_bad_signing_is_refused_and_writes_nothing(three, plan, overrides, field):
    before = written(three.clinic_a)
    with pytest.raises(ValidationError) as error:
        sign(three, plan, **overrides)
    assert field in error.value.message_dict
    assert written(three.clinic_a) == before


def test_a_treatment_consent_without_a_plan_is_refused(three):
    before = written(three.clinic_a)
    with pytest.raises(ValidationError) as error:
        sign(three, None, kind="treatment")
    assert "plan" in error.value.message_dict
    assert written(three.clinic_a) == before


def test_another_patients_plan_is_refused(three, plan):
    grace = other_patient(three)
    before = written(three.clinic_a)
    with pytest.raises(ValidationError, match="not this patient's"):
        sign(three, plan, patient=grace)
    assert written(three.clinic_a) == before


def test_a_void_plan_is_refused(three, plan):
    TreatmentPlan.objects.for_clinic(three.clinic_a).filter(pk=plan.pk).update(
        voided_at=timezone.now(), void_reason="Entered for the wrong patient"
    )
    plan.refresh_from_db()
    before = written(three.clinic_a)
    with pytest.raises(ValidationError, match="void"):
        sign(three, plan)
    assert written(three.clinic_a) == before


def test_an_archived_patient_is_refused(three, plan):
    patient_archive(actor=Actor(user=three.a_clinician), patient=plan.patient, reason="Moved away")
    plan.patient.refresh_from_db()
    before = written(three.clinic_a)
    with pytest.raises(ValidationError, match="archived"):
        sign(three, plan)
    assert written(three.clinic_a) == before


def test_a_text_changed_while_the_patient_read_it_is_refused(three, plan):
    save_template(three, "Version one.")
    shown = 1
    save_template(three, "Version two.")
    before = written(three.clinic_a)
    with pytest.raises(ValidationError, match="changed while the patient was reading"):
        sign(three, plan, shown_version=shown)
    assert written(three.clinic_a) == before
    assert sign(three, plan, shown_version=2).document["body"] == ["Version two."]


# --- withdrawal ----------------------------------------------------------------------------------


def test_a_withdrawn_consent_is_kept_marked_and_no_longer_valid(three, plan):
    consent = sign(three, plan)
    assert consent_valid_for_plan(plan) == consent
    before = audit_count()
    services.consent_withdraw(
        actor=Actor(user=three.a_clinician), consent=consent, reason="Changed her mind"
    )
    consent.refresh_from_db()
    assert consent.is_withdrawn and consent.withdrawn_by == three.a_clinician
    assert consent.withdraw_reason == "Changed her mind"
    assert consent_valid_for_plan(plan) is None
    assert actions_since(before) == ["consent.withdraw"]
    assert list(patient_consents(plan.patient)) == [consent]


def test_an_earlier_consent_does_not_come_back_when_the_latest_is_withdrawn(three, plan):
    first = sign(three, plan)
    second = sign(three, plan)
    assert consent_valid_for_plan(plan) == second
    services.consent_withdraw(actor=Actor(user=three.a_clinician), consent=second, reason="No")
    assert consent_valid_for_plan(plan) is None
    assert not Consent.objects.for_clinic(three.clinic_a).get(pk=first.pk).is_withdrawn
    third = sign(three, plan)
    assert consent_valid_for_plan(plan) == third


def test_withdrawing_needs_a_reason_and_happens_once(three, plan):
    consent = sign(three, plan)
    before = written(three.clinic_a)
    for reason in ("", "   ", "x" * 501):
        with pytest.raises(ValidationError) as error:
            services.consent_withdraw(
                actor=Actor(user=three.a_clinician), consent=consent, reason=reason
            )
        assert "reason" in error.value.message_dict
    assert written(three.clinic_a) == before
    services.consent_withdraw(actor=Actor(user=three.a_clinician), consent=consent, reason="No")
    after = written(three.clinic_a)
    with pytest.raises(ValidationError, match="already withdrawn"):
        services.consent_withdraw(actor=Actor(user=three.a_clinician), consent=consent, reason="x")
    assert written(three.clinic_a) == after


def test_the_photography_consent_in_force_is_the_latest_not_withdrawn(three):
    assert photo_consent_current(three.a_patient) is None
    consent = sign(three)
    services.consent_withdraw(actor=Actor(user=three.a_clinician), consent=consent, reason="No")
    assert photo_consent_current(three.a_patient) is None


# --- templates -----------------------------------------------------------------------------------


def test_saving_a_template_makes_the_next_version_and_never_edits_one(three):
    before = audit_count()
    first = save_template(three, "One.")
    second = save_template(three, "Two.")
    third = save_template(three, "Three.", kind="photography")
    assert (first.version, second.version, third.version) == (1, 2, 1)
    first.refresh_from_db()
    assert first.body == "One."
    assert actions_since(before) == ["consent_template.create"] * 3
    assert not ConsentTemplate.objects.for_clinic(three.clinic_b).exists()


def test_consents_keep_the_text_they_were_signed_with(three, plan):
    save_template(three, "Our first words.")
    old = sign(three, plan)
    save_template(three, "Our new words.")
    new = sign(three, plan)
    old.refresh_from_db()
    assert old.document["body"] == ["Our first words."] and old.template.version == 1
    assert new.document["body"] == ["Our new words."] and new.template.version == 2


def test_a_template_that_changes_nothing_or_is_empty_is_refused(three):
    save_template(three, "Same.")
    before = written(three.clinic_a)
    for title, body, field in (
        ("Our consent", "Same.", "body"),
        ("Our consent", "  ", "body"),
        ("", "New.", "title"),
        ("t" * 151, "New.", "title"),
    ):
        with pytest.raises(ValidationError) as error:
            save_template(three, body, title=title)
        assert field in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        save_template(three, "New.", kind="video")
    assert "kind" in error.value.message_dict
    assert written(three.clinic_a) == before


def test_each_clinic_numbers_its_own_versions(three):
    save_template(three, "A one.")
    save_template(three, "A two.")
    b = services.consent_template_save(
        actor=Actor(user=three.b_clinician),
        clinic=three.clinic_b,
        kind="treatment",
        title="B",
        body="B one.",
    )
    assert b.version == 1
