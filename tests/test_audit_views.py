"""The audit page and its CSV export, for clinic admins only."""

import csv
import io

from anagen.audit.models import AuditEntry
from tests.conftest import audit_count


def csv_rows(response):
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_only_clinic_admins_see_the_audit_trail(three):
    assert three.client(three.a_clinician).get("/audit/").status_code == 403
    assert three.client(three.a_reception).get("/audit/export.csv").status_code == 403
    assert three.client(three.b_clinician).get("/audit/").status_code == 403
    assert three.client(three.a_admin).get("/audit/").status_code == 200


def test_the_trail_shows_only_this_clinics_entries(three):
    response = three.client(three.a_admin).get("/audit/")
    entries = list(response.context["page"])
    assert entries and all(e.clinic_id in (three.clinic_a.pk, None) for e in entries)
    assert str(three.b_patient.pk) not in {e.object_id for e in entries}


def test_another_clinics_admin_sees_none_of_this_clinics_entries(three):
    from tests.conftest import make_user

    b_admin = make_user(three.clinic_b, "admin", "admin.b@example.org")
    response = three.client(b_admin).get("/audit/", {"patient": str(three.a_patient.pk)})
    assert list(response.context["page"]) == []
    rows = csv_rows(three.client(b_admin).get("/audit/export.csv"))
    assert str(three.a_patient.pk) not in {r["patient_id"] for r in rows}


def test_filters_narrow_by_user_patient_action_and_dates(three):
    client = three.client(three.a_admin)
    three.client(three.a_reception).get(f"/patients/{three.a_patient.pk}/")
    by_user = client.get("/audit/", {"user": three.a_reception.pk}).context["page"]
    assert {e.user_id for e in by_user} == {three.a_reception.pk}
    by_action = client.get("/audit/", {"action": "patient.view"}).context["page"]
    assert [e.action for e in by_action] == ["patient.view"]
    by_patient = client.get("/audit/", {"patient": str(three.a_patient.pk)}).context["page"]
    assert {e.patient_id for e in by_patient} == {three.a_patient.pk}
    today = AuditEntry.objects.order_by("-id").first().at.date().isoformat()
    assert len(client.get("/audit/", {"date_from": today}).context["page"]) > 0
    assert len(client.get("/audit/", {"date_to": "2000-01-01"}).context["page"]) == 0


def test_bad_filters_are_400_with_the_field_named(three):
    client = three.client(three.a_admin)
    response = client.get("/audit/", {"date_from": "2026-05-01", "date_to": "2026-01-01"})
    assert response.status_code == 400 and "date_to" in response.context["form"].errors
    response = client.get("/audit/", {"patient": "not-a-uuid"})
    assert response.status_code == 400 and "patient" in response.context["form"].errors
    assert client.get("/audit/export.csv", {"date_from": "yesterday"}).status_code == 400


def test_export_is_a_csv_of_the_filtered_entries_and_is_itself_audited(three):
    before = audit_count()
    response = three.client(three.a_admin).get("/audit/export.csv", {"action": "condition."})
    rows = csv_rows(response)
    assert response["Content-Type"].startswith("text/csv")
    assert [r["action"] for r in rows] == ["condition.add"]
    assert rows[0]["changes"] == "code status"
    assert audit_count() == before + 1
    assert AuditEntry.objects.order_by("-id").first().action == "audit.export"
