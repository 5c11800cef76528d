"""Issuing serials: uniqueness across counters, levels and GTINs (QBT-7.1, HW-2, GEN-2)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from suyuan.codes.keys import KeyRing, UnknownKeyId
from suyuan.codes.serials import (
    COUNTER_LIMIT,
    CodeBlock,
    CodeLevel,
    issue_serial,
    issue_serial_chunks,
    issue_serials,
    normalize_serial,
)
from suyuan.errors import InvalidInput
from suyuan.identifiers.gs1 import Gtin

SERIAL = re.compile(r"[A-Z2-7]{17}")


def _all_rows(keyring: KeyRing, block: CodeBlock) -> np.ndarray:
    return np.concatenate(list(issue_serial_chunks(keyring, block)))


def test_a_million_serials_have_no_duplicates(keyring: KeyRing, gtin: Gtin) -> None:
    """QBT-7.1 test: 10^6 generated codes contain no duplicates."""
    rows = _all_rows(keyring, CodeBlock(gtin, CodeLevel.UNIT, 0, 1_000_000, 1))
    assert rows.shape == (1_000_000, 17)
    assert np.unique(rows.view("S17").ravel()).size == 1_000_000


def test_levels_share_one_counter_space_so_bottle_and_cap_never_share_a_serial(
    keyring: KeyRing, gtin: Gtin
) -> None:
    """HW-2: one serial cannot be issued to both a bottle and a cap (disjoint counter blocks)."""
    bottles = _all_rows(keyring, CodeBlock(gtin, CodeLevel.UNIT, 0, 50_000, 1))
    caps = _all_rows(keyring, CodeBlock(gtin, CodeLevel.CAP, 50_000, 50_000, 1))
    both = np.concatenate([bottles, caps])
    assert np.unique(both.view("S17").ravel()).size == 100_000
    bodies = both[:, :9].copy().view("S9").ravel()  # key id + body identify the counter
    assert np.unique(bodies).size == 100_000


def test_the_same_counter_at_two_levels_differs_only_in_the_tag(
    keyring: KeyRing, gtin: Gtin
) -> None:
    """HW-2: the level is bound into the tag, not the body."""
    unit = issue_serial(keyring, gtin=gtin, level=CodeLevel.UNIT, counter=7, key_id=1)
    cap = issue_serial(keyring, gtin=gtin, level=CodeLevel.CAP, counter=7, key_id=1)
    assert unit[:9] == cap[:9]
    assert unit[9:] != cap[9:]


def test_gtins_do_not_share_bodies_at_the_same_counter(
    keyring: KeyRing, gtin: Gtin, other_gtin: Gtin
) -> None:
    """A per-GTIN tweak keeps product A's code #n unrelated to product B's code #n."""
    a = issue_serials(keyring, CodeBlock(gtin, CodeLevel.UNIT, 0, 100, 1))
    b = issue_serials(keyring, CodeBlock(other_gtin, CodeLevel.UNIT, 0, 100, 1))
    assert {s[1:9] for s in a}.isdisjoint({s[1:9] for s in b})


def test_bulk_and_single_issuing_agree(keyring: KeyRing, gtin: Gtin) -> None:
    """The vectorised path and the scalar path produce the same text."""
    block = CodeBlock(gtin, CodeLevel.CASE, COUNTER_LIMIT - 300, 300, 0)
    bulk = issue_serials(keyring, block)
    single = [
        issue_serial(keyring, gtin=gtin, level=CodeLevel.CASE, counter=c, key_id=0)
        for c in range(block.start_counter, block.end_counter)
    ]
    assert bulk == single


def test_serials_are_17_base32_characters_starting_with_the_key_id(
    keyring: KeyRing, gtin: Gtin
) -> None:
    """QBT-7.2: the serial fits [0-9A-Z] and GS1 AI 21 (at most 20 characters)."""
    serials = issue_serials(keyring, CodeBlock(gtin, CodeLevel.UNIT, 0, 1000, 1))
    assert all(SERIAL.fullmatch(s) for s in serials)
    assert {s[0] for s in serials} == {"B"}  # key id 1


def test_chunks_cover_the_block_in_order(keyring: KeyRing, gtin: Gtin) -> None:
    """Chunk boundaries do not change the output."""
    block = CodeBlock(gtin, CodeLevel.UNIT, 10, 1000, 1)
    small = np.concatenate(list(issue_serial_chunks(keyring, block, chunk_size=7)))
    assert np.array_equal(small, _all_rows(keyring, block))


@pytest.mark.parametrize(
    ("start", "count", "key_id"),
    [(-1, 1, 0), (0, -1, 0), (COUNTER_LIMIT - 1, 2, 0), (0, 1, 32), (0, 1, -1)],
)
def test_out_of_range_blocks_are_rejected(gtin: Gtin, start: int, count: int, key_id: int) -> None:
    """GEN-2: out-of-range serials are rejected at issue time."""
    with pytest.raises(InvalidInput):
        CodeBlock(gtin, CodeLevel.UNIT, start, count, key_id)


def test_out_of_range_single_counter_is_rejected(keyring: KeyRing, gtin: Gtin) -> None:
    """GEN-2: a single counter outside the 40-bit space is refused."""
    with pytest.raises(InvalidInput):
        issue_serial(keyring, gtin=gtin, level=CodeLevel.UNIT, counter=COUNTER_LIMIT, key_id=0)


def test_issuing_under_an_unknown_key_fails(keyring: KeyRing, gtin: Gtin) -> None:
    """A block names a key id the ring must hold."""
    with pytest.raises(UnknownKeyId):
        issue_serials(keyring, CodeBlock(gtin, CodeLevel.UNIT, 0, 1, 5))


def test_bad_chunk_size_is_rejected(keyring: KeyRing, gtin: Gtin) -> None:
    """A zero chunk size would never finish."""
    with pytest.raises(InvalidInput):
        next(issue_serial_chunks(keyring, CodeBlock(gtin, CodeLevel.UNIT, 0, 1, 0), chunk_size=0))


def test_block_membership(gtin: Gtin) -> None:
    """The service finds a verified counter's block with ``in``."""
    block = CodeBlock(gtin, CodeLevel.UNIT, 100, 10, 0)
    assert 100 in block
    assert 109 in block
    assert 110 not in block
    assert "100" not in block


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("  bq3x-2mne 7ab1 0cdef8 ", "BQ3X2MNE7ABIOCDEFB"),
        ("ABCDEFGHIJKLMNOPQ", "ABCDEFGHIJKLMNOPQ"),
    ],
)
def test_manual_entry_is_normalised(typed: str, expected: str) -> None:
    """QBT-12.2: hand-typed codes tolerate case, blanks, dashes and 0/1/8 look-alikes."""
    assert normalize_serial(typed) == expected
