"""The tamper-evident audit chain.

Each audit entry carries ``hash = HMAC-SHA256(key, prev_hash, seq, payload)``, where ``prev_hash``
is the hash of the entry before it and ``seq`` its position (1, 2, 3, ...). The key lives outside
the database, so someone who can write to the database can delete, edit, insert or re-order rows,
but cannot make the chain verify again afterwards.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class ChainLink:
    """One stored entry as the verifier sees it."""

    entry_id: int
    seq: int
    payload: Mapping[str, object]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the stored chain stops proving itself."""

    entry_id: int | None
    seq: int
    reason: str

    def describe(self) -> str:
        where = f"entry id {self.entry_id} (position {self.seq})" if self.entry_id else "chain end"
        return f"{where}: {self.reason}"


def canonical_json(payload: Mapping[str, object]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def link_hash(key: bytes, prev_hash: str, seq: int, payload: Mapping[str, object]) -> str:
    message = f"{prev_hash}\n{seq}\n{canonical_json(payload)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def verify_chain(
    key: bytes,
    links: Iterable[ChainLink],
    *,
    head_seq: int | None = None,
    head_hash: str | None = None,
) -> ChainBreak | None:
    """Check links in storage order; return the first break, or None when the chain is intact.

    ``head_seq``/``head_hash`` are the chain end recorded at the last append: they reveal entries
    cut off the end, which the links alone cannot show.
    """
    prev_hash, expected_seq = GENESIS_HASH, 1
    for link in links:
        if link.hash != link_hash(key, link.prev_hash, link.seq, link.payload):
            return ChainBreak(
                link.entry_id, link.seq, "altered: its content does not match its hash"
            )
        if link.seq < expected_seq:
            return ChainBreak(
                link.entry_id,
                link.seq,
                f"out of order: found where position {expected_seq} belongs",
            )
        if link.seq > expected_seq:
            return ChainBreak(
                link.entry_id,
                link.seq,
                f"entries {expected_seq}..{link.seq - 1} before it are missing (deleted)",
            )
        if link.prev_hash != prev_hash:
            return ChainBreak(
                link.entry_id,
                link.seq,
                "does not follow the entry before it (inserted, deleted or re-ordered)",
            )
        prev_hash, expected_seq = link.hash, expected_seq + 1
    last_seq = expected_seq - 1
    if head_seq is not None and head_seq != last_seq:
        return ChainBreak(
            None, last_seq, f"the chain ends at position {last_seq} but {head_seq} were written"
        )
    if head_hash is not None and last_seq and head_hash != prev_hash:
        return ChainBreak(None, last_seq, "the last entry is not the one recorded as the chain end")
    return None
