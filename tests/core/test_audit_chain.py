"""The pure hash-chain verifier, without a database."""

from hypothesis import given
from hypothesis import strategies as st

from anagen.core.audit_chain import GENESIS_HASH, ChainLink, link_hash, verify_chain

KEY = b"k" * 32


def build(n: int, key: bytes = KEY) -> list[ChainLink]:
    links, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        payload = {"action": f"a{seq}", "object_id": str(seq * 7)}
        digest = link_hash(key, prev, seq, payload)
        links.append(ChainLink(seq * 10, seq, payload, prev, digest))
        prev = digest
    return links


def head(links: list[ChainLink]) -> dict:
    return {"head_seq": len(links), "head_hash": links[-1].hash if links else None}


def test_an_intact_chain_verifies():
    links = build(5)
    assert verify_chain(KEY, links, **head(links)) is None


def test_an_empty_chain_verifies():
    assert verify_chain(KEY, [], head_seq=0, head_hash=GENESIS_HASH) is None


def test_the_wrong_key_fails_at_the_first_entry():
    links = build(3)
    broken = verify_chain(b"x" * 32, links)
    assert broken is not None and broken.seq == 1 and "altered" in broken.reason


def test_an_edited_entry_is_named():
    links = build(5)
    edited = links[2]
    links[2] = ChainLink(
        edited.entry_id, edited.seq, {"action": "other"}, edited.prev_hash, edited.hash
    )
    broken = verify_chain(KEY, links)
    assert broken is not None and broken.entry_id == 30 and "altered" in broken.reason


def test_a_deleted_entry_is_named_at_the_entry_after_it():
    links = build(5)
    del links[1]
    broken = verify_chain(KEY, links)
    assert broken is not None and broken.entry_id == 30 and "missing" in broken.reason


def test_a_deleted_last_entry_is_caught_by_the_recorded_chain_end():
    links = build(5)
    recorded = head(links)
    broken = verify_chain(KEY, links[:-1], **recorded)
    assert broken is not None and "5 were written" in broken.reason


def test_an_inserted_entry_with_a_forged_hash_is_named():
    links = build(4)
    forged = ChainLink(25, 3, {"action": "forged"}, links[1].hash, "f" * 64)
    links.insert(2, forged)
    broken = verify_chain(KEY, links)
    assert broken is not None and broken.entry_id == 25


def test_a_reordered_pair_is_named():
    links = build(5)
    links[1], links[2] = links[2], links[1]
    broken = verify_chain(KEY, links)
    assert broken is not None and broken.entry_id == 30 and "missing" in broken.reason


def test_describe_names_the_entry_and_position():
    links = build(3)
    del links[0]
    broken = verify_chain(KEY, links)
    assert broken is not None
    assert broken.describe().startswith("entry id 20 (position 2)")


@st.composite
def tampered(draw):
    n = draw(st.integers(min_value=2, max_value=12))
    links = build(n)
    i = draw(st.integers(min_value=0, max_value=n - 1))
    kind = draw(st.sampled_from(["edit", "delete", "swap", "insert", "truncate"]))
    if kind == "edit":
        old = links[i]
        links[i] = ChainLink(
            old.entry_id, old.seq, {**old.payload, "action": "x"}, old.prev_hash, old.hash
        )
    elif kind == "delete":
        del links[i]
    elif kind == "swap":
        j = (i + 1) % n
        links[i], links[j] = links[j], links[i]
    elif kind == "insert":
        links.insert(i, ChainLink(999, i + 1, {"action": "forged"}, GENESIS_HASH, "0" * 64))
    else:
        links = links[:i]
    return n, build(n)[-1].hash, links


@given(tampered())
def test_any_single_tampering_is_detected(case):
    n, head_hash, links = case
    assert verify_chain(KEY, links, head_seq=n, head_hash=head_hash) is not None


@given(st.integers(min_value=0, max_value=30))
def test_untouched_chains_of_any_length_verify(n):
    links = build(n)
    assert verify_chain(KEY, links, head_seq=n, head_hash=links[-1].hash if links else None) is None
