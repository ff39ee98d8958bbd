"""The patient record as a plain document: the JSON export and the API's patient detail."""

from typing import Any

from anagen.patients.models import Patient
from anagen.patients.selectors import allergies_current, conditions_current, medications_current

RECORD_SCHEMA = "anagen.patient-record/1"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def patient_summary(patient: Patient) -> dict[str, Any]:
    return {
        "id": str(patient.pk),
        "number": patient.number,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": _iso(patient.date_of_birth),
        "sex_at_birth": patient.sex_at_birth,
        "email": patient.email,
        "phone": patient.phone,
        "address": patient.address,
        "preferred_language": patient.preferred_language,
        "archived": patient.is_archived,
        "archive_reason": patient.archive_reason,
        "updated_at": _iso(patient.updated_at),
    }


def patient_history(patient: Patient) -> dict[str, list[dict[str, Any]]]:
    return {
        "conditions": [
            {
                "id": c.pk,
                "code": c.code,
                "title": c.title,
                "status": c.status,
                "onset_date": _iso(c.onset_date),
                "note": c.note,
            }
            for c in conditions_current(patient)
        ],
        "medications": [
            {
                "id": m.pk,
                "atc_code": m.atc_code,
                "name": m.name,
                "dose": m.dose,
                "started_on": _iso(m.started_on),
                "stopped_on": _iso(m.stopped_on),
                "note": m.note,
            }
            for m in medications_current(patient)
        ],
        "allergies": [
            {
                "id": a.pk,
                "substance": a.substance,
                "atc_code": a.atc_code,
                "reaction": a.reaction,
                "severity": a.severity,
                "note": a.note,
            }
            for a in allergies_current(patient)
        ],
    }


def patient_record(patient: Patient, *, include_clinical: bool) -> dict[str, Any]:
    record: dict[str, Any] = {"schema": RECORD_SCHEMA, "patient": patient_summary(patient)}
    if include_clinical:
        record["history"] = patient_history(patient)
    return record
