"""The audit trail: one entry per write, chained with an HMAC, append-only on PostgreSQL."""

import datetime
import io
from contextlib import contextmanager, redirect_stdout

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError, InternalError

from anagen.accounts import services as account_services
from anagen.audit.models import AuditEntry
from anagen.audit.services import Actor, AuditOutsideTransactionError, audit_record, audit_verify
from anagen.cli import main
from anagen.clinics.roles import Role
from anagen.patients import services
from anagen.patients.models import Condition
from tests.conftest import audit_count, make_patient

POSTGRES = connection.vendor == "postgresql"


def one_entry(call, action):
    before = audit_count()
    result = call()
    assert audit_count() == before + 1
    assert AuditEntry.objects.order_by("-id").first().action == action
    return result


def test_every_patient_write_service_writes_exactly_one_entry(three):
    actor = Actor(user=three.a_clinician, ip_address="10.0.0.1")
    p = one_entry(lambda: make_patient(three.clinic_a, three.a_clinician), "patient.create")
    one_entry(
        lambda: services.patient_update(actor=actor, patient=p, data={"phone": "123"}),
        "patient.update",
    )
    one_entry(lambda: services.patient_record_open(actor=actor, patient=p), "patient.view")
    one_entry(
        lambda: services.patient_export_log(actor=actor, patient=p, export_format="json"),
        "patient.export",
    )
    c = one_entry(
        lambda: services.condition_add(actor=actor, patient=p, data={"code": "L65.0"}),
        "condition.add",
    )
    one_entry(
        lambda: services.medication_add(actor=actor, patient=p, data={"atc_code": "G04CB01"}),
        "medication.add",
    )
    one_entry(
        lambda: services.allergy_add(actor=actor, patient=p, data={"substance": "Latex"}),
        "allergy.add",
    )
    one_entry(
        lambda: services.history_item_void(actor=actor, item=c, reason="entered in error"),
        "condition.void",
    )
    one_entry(
        lambda: services.patient_archive(actor=actor, patient=p, reason="moved"), "patient.archive"
    )
    one_entry(lambda: services.patient_restore(actor=actor, patient=p), "patient.restore")


def test_every_staff_write_service_writes_exactly_one_entry(three):
    actor = Actor(user=three.a_admin)
    m = one_entry(
        lambda: account_services.staff_create(
            actor=actor,
            clinic=three.clinic_a,
            email="new@example.org",
            full_name="New Person",
            role=Role.PRACTITIONER,
            password="a-long-unusual-passphrase",
        ),
        "membership.create",
    )
    one_entry(
        lambda: account_services.membership_change_role(
            actor=actor, membership=m, role=Role.CLINICIAN
        ),
        "membership.role_change",
    )
    one_entry(
        lambda: account_services.membership_set_active(actor=actor, membership=m, active=False),
        "membership.deactivate",
    )
    one_entry(
        lambda: account_services.clinic_two_factor_roles_set(
            actor=actor, clinic=three.clinic_a, roles=["clinician"]
        ),
        "clinic.two_factor_roles",
    )
    one_entry(
        lambda: account_services.api_token_create(actor=actor, membership=m, name="tool"),
        "api_token.create",
    )


def test_an_update_that_changes_nothing_writes_nothing(three):
    before = audit_count()
    services.patient_update(
        actor=Actor(user=three.a_clinician),
        patient=three.a_patient,
        data={"given_name": three.a_patient.given_name},
    )
    assert audit_count() == before


def test_entries_name_fields_never_clinical_values(three):
    services.patient_update(
        actor=Actor(user=three.a_clinician),
        patient=three.a_patient,
        data={"family_name": "Byron", "phone": "+44 1"},
    )
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.changes == ["family_name", "phone"]
    stored = " ".join(
        str(v) for v in AuditEntry.objects.values_list("changes", "object_id", "actor", "action")
    )
    for value in ("Byron", "+44 1", "L64.9", "Lidocaine", "Lovelace"):
        assert value not in stored


def test_a_failed_write_leaves_no_entry(three):
    before = audit_count()
    with pytest.raises(Exception, match="date"):
        services.patient_update(
            actor=Actor(user=three.a_clinician),
            patient=three.a_patient,
            data={"date_of_birth": datetime.date(2999, 1, 1)},
        )
    assert audit_count() == before


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_run_outside_a_transaction(three):
    with pytest.raises(AuditOutsideTransactionError):
        audit_record(actor=three.a_clinician, clinic=three.clinic_a, action="x")


def test_entries_record_time_in_utc_actor_clinic_and_object(three):
    entry = AuditEntry.objects.filter(action="patient.create", clinic=three.clinic_a).first()
    assert entry.at.utcoffset() == datetime.timedelta(0)
    assert entry.user == three.a_clinician and entry.actor == three.a_clinician.email
    assert entry.object_type == "patient" and entry.object_id == str(three.a_patient.pk)
    assert entry.patient_id == three.a_patient.pk


# --- verify -------------------------------------------------------------------------------


def verify_cli() -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["audit", "verify"])
    return code, out.getvalue()


@contextmanager
def tampering():
    """Act as someone with raw database access. On PostgreSQL that needs the trigger off."""
    with connection.cursor() as cursor:
        if POSTGRES:
            # Flush Django's deferred foreign-key checks first: ALTER TABLE refuses to run while
            # trigger events are pending in the transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        yield cursor
        if POSTGRES:
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


def ids() -> list[int]:
    return list(AuditEntry.objects.order_by("id").values_list("id", flat=True))


def test_verify_passes_on_an_intact_chain(three):
    report = audit_verify()
    assert report.broken is None and report.entries == audit_count() == 5
    code, out = verify_cli()
    assert code == 0 and "intact" in out


def test_verify_names_an_edited_entry(three):
    target = ids()[3]
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET action = 'patient.view' WHERE id = %s", [target]
        )
    code, out = verify_cli()
    assert code == 1 and f"entry id {target} " in out and "altered" in out


def test_verify_names_the_entry_after_a_deleted_one(three):
    all_ids = ids()
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [all_ids[2]])
    code, out = verify_cli()
    assert code == 1 and f"entry id {all_ids[3]} " in out and "missing" in out


def test_verify_detects_an_inserted_entry(three):
    last = AuditEntry.objects.order_by("-id").first()
    with tampering() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditentry (seq, at, actor, action, object_type, object_id, "
            "changes, prev_hash, hash) VALUES (%s, %s, 'intruder', 'patient.view', 'patient', "
            "'x', '[]', %s, %s)",
            [last.seq + 1, last.at, last.hash, "a" * 64],
        )
    code, out = verify_cli()
    inserted = ids()[-1]
    assert code == 1 and f"entry id {inserted} " in out


def test_verify_detects_a_reordered_pair(three):
    first, second = ids()[2:4]
    with tampering() as cursor:
        for old, new in ((first, -1), (second, first), (-1, second)):
            cursor.execute("UPDATE audit_auditentry SET id = %s WHERE id = %s", [new, old])
    code, out = verify_cli()
    assert code == 1 and f"entry id {first} " in out


def test_verify_detects_entries_cut_off_the_end(three):
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [ids()[-1]])
    code, out = verify_cli()
    assert code == 1 and "were written" in out


@pytest.mark.skipif(not POSTGRES, reason="the append-only trigger exists on PostgreSQL only")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'x'",
        "DELETE FROM audit_auditentry",
    ],
)
def test_postgres_refuses_update_and_delete_of_entries(three, sql):
    with (
        pytest.raises((InternalError, DatabaseError, IntegrityError), match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert Condition.objects.for_clinic(three.clinic_a).count() == 1
