"""Staff roles and what each may do.

One table, read by every view and API endpoint through ``require``. A permission not listed for a
role is denied.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic admin"
    CLINICIAN = "clinician", "Clinician"
    PRACTITIONER = "practitioner", "Practitioner"
    RECEPTION = "reception", "Reception"


class Perm(models.TextChoices):
    PATIENT_VIEW = "patient.view", "See patients' names and contact details"
    PATIENT_EDIT = "patient.edit", "Register patients and edit their contact details"
    PATIENT_ARCHIVE = "patient.archive", "Archive patients"
    CLINICAL_VIEW = "clinical.view", "See medical history"
    CLINICAL_EDIT = "clinical.edit", "Record medical history"
    STAFF_MANAGE = "staff.manage", "Manage staff and security settings"
    AUDIT_VIEW = "audit.view", "Review and export the audit trail"
    CONSULTATION_SIGN = "consultation.sign", "Screen patients and sign consultations"
    PLAN_CREATE = "plan.create", "Create treatment plans"
    POLICY_MANAGE = "policy.manage", "Set the clinic's aftercare policy, limits and prices"
    SCHEDULE_VIEW = "schedule.view", "See the calendar"
    SCHEDULE_BOOK = "schedule.book", "Book, move and cancel sessions"
    SCHEDULE_SETUP = "schedule.setup", "Set rooms, opening hours, staff hours and absences"
    SESSION_ATTEND = "session.attend", "Mark sessions done"


ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {
            Perm.PATIENT_VIEW,
            Perm.PATIENT_EDIT,
            Perm.PATIENT_ARCHIVE,
            Perm.STAFF_MANAGE,
            Perm.AUDIT_VIEW,
            Perm.POLICY_MANAGE,
            Perm.SCHEDULE_VIEW,
            Perm.SCHEDULE_BOOK,
            Perm.SCHEDULE_SETUP,
        }
    ),
    Role.CLINICIAN: frozenset(
        {
            Perm.PATIENT_VIEW,
            Perm.PATIENT_EDIT,
            Perm.PATIENT_ARCHIVE,
            Perm.CLINICAL_VIEW,
            Perm.CLINICAL_EDIT,
            Perm.CONSULTATION_SIGN,
            Perm.PLAN_CREATE,
            Perm.SCHEDULE_VIEW,
            Perm.SCHEDULE_BOOK,
            Perm.SESSION_ATTEND,
        }
    ),
    Role.PRACTITIONER: frozenset(
        {
            Perm.PATIENT_VIEW,
            Perm.PATIENT_EDIT,
            Perm.CLINICAL_VIEW,
            Perm.CLINICAL_EDIT,
            Perm.SCHEDULE_VIEW,
            Perm.SCHEDULE_BOOK,
            Perm.SESSION_ATTEND,
        }
    ),
    Role.RECEPTION: frozenset(
        {Perm.PATIENT_VIEW, Perm.PATIENT_EDIT, Perm.SCHEDULE_VIEW, Perm.SCHEDULE_BOOK}
    ),
}


def role_allows(role: str, perm: str) -> bool:
    return perm in ROLE_PERMS.get(role, frozenset())
