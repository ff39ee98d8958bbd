"""Writing and verifying the audit trail.

Every service that changes data calls ``audit_record`` inside its own transaction, so the entry and
the change commit or roll back together. Only field names are recorded, never clinical values.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from anagen.audit.models import AuditEntry, AuditHead
from anagen.core.audit_chain import (
    GENESIS_HASH,
    ChainBreak,
    ChainLink,
    link_hash,
    verify_chain,
)


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from where; every service takes one for its audit entry."""

    user: Any
    ip_address: str | None = None


class AuditOutsideTransactionError(RuntimeError):
    pass


def _key() -> bytes:
    return settings.AUDIT_KEY.encode()


def _payload(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "user": entry.user_id,
        "actor": entry.actor,
        "clinic": entry.clinic_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "patient": str(entry.patient_id) if entry.patient_id else None,
        "changes": list(entry.changes),
        "ip": entry.ip_address,
    }


def _locked_head() -> AuditHead:
    """The chain end, locked until the caller's transaction ends.

    Migration audit/0002 creates the row; it is re-created here only for a database emptied by a
    test flush, where the chain restarts from the genesis hash.
    """
    head, _ = AuditHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"seq": 0, "hash": GENESIS_HASH}
    )
    return head


def audit_record(
    *,
    actor: Any,
    clinic: Any,
    action: str,
    object_type: str = "",
    object_id: object = "",
    patient_id: UUID | None = None,
    changes: Iterable[str] = (),
    ip_address: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain. Must run inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise AuditOutsideTransactionError("audit_record() must run inside transaction.atomic()")
    head = _locked_head()
    user = actor if getattr(actor, "pk", None) else None
    entry = AuditEntry(
        seq=head.seq + 1,
        at=timezone.now(),
        user=user,
        actor=getattr(user, "email", "") if user else str(actor or ""),
        clinic=clinic,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        patient_id=patient_id,
        changes=sorted(set(changes)),
        ip_address=ip_address,
        prev_hash=head.hash,
    )
    entry.hash = link_hash(_key(), entry.prev_hash, entry.seq, _payload(entry))
    entry.save(force_insert=True)
    AuditHead.objects.filter(pk=1).update(seq=entry.seq, hash=entry.hash)
    return entry


@dataclass(frozen=True)
class VerifyReport:
    entries: int
    broken: ChainBreak | None


def _links() -> Iterator[ChainLink]:
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        yield ChainLink(entry.id, entry.seq, _payload(entry), entry.prev_hash, entry.hash)


def audit_verify() -> VerifyReport:
    """Check the whole chain in storage order against the key and the recorded chain end."""
    with transaction.atomic():
        head = AuditHead.objects.filter(pk=1).first() or AuditHead(seq=0, hash=GENESIS_HASH)
        count = AuditEntry.objects.count()
        broken = verify_chain(_key(), _links(), head_seq=head.seq, head_hash=head.hash)
    return VerifyReport(entries=count, broken=broken)
