import datetime
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from anagen.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    patient_id: UUID | None = None
    action: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def audit_entries(*, clinic: Any, filters: AuditFilter) -> QuerySet[AuditEntry]:
    """The clinic's entries, newest first. Logins have no clinic: those of its staff are shown."""
    staff_ids = clinic.memberships.values("user_id")
    entries = AuditEntry.objects.filter(
        Q(clinic=clinic) | Q(clinic__isnull=True, user_id__in=staff_ids)
    ).select_related("user")
    if filters.user_id:
        entries = entries.filter(user_id=filters.user_id)
    if filters.patient_id:
        entries = entries.filter(patient_id=filters.patient_id)
    if filters.action:
        entries = entries.filter(action__startswith=filters.action)
    if filters.date_from:
        entries = entries.filter(at__date__gte=filters.date_from)
    if filters.date_to:
        entries = entries.filter(at__date__lte=filters.date_to)
    return entries.order_by("-id")
