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
    SESSION_ATTEND = "session.attend", "Run, record and sign treatment sessions"
    SESSION_OVERRIDE = "session.override", "Override a blocking pre-session finding, with a reason"
    CONSENT_TAKE = "consent.take", "Take and withdraw patients' consent"
    CONSENT_TEMPLATES = "consent.templates", "Write the clinic's consent templates"
    INVENTORY_VIEW = "inventory.view", "See products, lots and stock"
    INVENTORY_MANAGE = "inventory.manage", "Add products, receive and adjust stock"
    LOT_RECALL = "lot.recall", "Quarantine, recall and release lots; set the CI-23 product policy"
    RECALL_VIEW = "recall.view", "See who was exposed to a lot, with contact details"
    EVENT_RECORD = "event.record", "Record adverse events and their follow-up"
    SAFETY_VIEW = "safety.view", "See adverse events and safety signals"
    OUTCOME_VIEW = "outcome.view", "See measurement visits, trichoscopy images and clinical photos"
    OUTCOME_RECORD = "outcome.record", "Record measurement visits, images, photos and measurements"
    OUTCOME_REVIEW = "outcome.review", "Assess photographs globally and review the response"
    OUTCOME_CRITERIA = "outcome.criteria", "Set response criteria and trichoscope calibrations"


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
            Perm.CONSENT_TEMPLATES,
            Perm.INVENTORY_VIEW,
            Perm.INVENTORY_MANAGE,
            Perm.LOT_RECALL,
            Perm.RECALL_VIEW,
            Perm.SAFETY_VIEW,
            Perm.OUTCOME_CRITERIA,
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
            Perm.SESSION_OVERRIDE,
            Perm.CONSENT_TAKE,
            Perm.CONSENT_TEMPLATES,
            Perm.INVENTORY_VIEW,
            Perm.INVENTORY_MANAGE,
            Perm.LOT_RECALL,
            Perm.RECALL_VIEW,
            Perm.EVENT_RECORD,
            Perm.SAFETY_VIEW,
            Perm.OUTCOME_VIEW,
            Perm.OUTCOME_RECORD,
            Perm.OUTCOME_REVIEW,
            Perm.OUTCOME_CRITERIA,
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
            Perm.CONSENT_TAKE,
            Perm.INVENTORY_VIEW,
            Perm.INVENTORY_MANAGE,
            Perm.RECALL_VIEW,
            Perm.EVENT_RECORD,
            Perm.SAFETY_VIEW,
            Perm.OUTCOME_VIEW,
            Perm.OUTCOME_RECORD,
        }
    ),
    Role.RECEPTION: frozenset(
        {
            Perm.PATIENT_VIEW,
            Perm.PATIENT_EDIT,
            Perm.SCHEDULE_VIEW,
            Perm.SCHEDULE_BOOK,
            Perm.RECALL_VIEW,
        }
    ),
}


def role_allows(role: str, perm: str) -> bool:
    return perm in ROLE_PERMS.get(role, frozenset())
