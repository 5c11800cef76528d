"""The counter permutation: invertible, injective, and its two implementations agree (GEN-32)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from suyuan.codes.feistel import permute, permute_one, unpermute, unpermute_one
from suyuan.codes.keys import FEISTEL_ROUNDS, HALF_BITS, KeyRing
from suyuan.codes.serials import COUNTER_LIMIT

counters = st.integers(min_value=0, max_value=COUNTER_LIMIT - 1)


@settings(max_examples=300, deadline=None)
@given(value=counters)
def test_scalar_inverse_round_trips(keyring: KeyRing, value: int) -> None:
    """unpermute(permute(x)) == x and permute stays within 40 bits."""
    views = keyring.material(1).round_views()
    body = permute_one(views, value)
    assert 0 <= body < COUNTER_LIMIT
    assert unpermute_one(views, body) == value


@settings(max_examples=50, deadline=None)
@given(values=st.lists(counters, min_size=1, max_size=64))
def test_vector_and_scalar_paths_agree(keyring: KeyRing, values: list[int]) -> None:
    """The numpy path equals the scalar path, both ways."""
    material = keyring.material(0)
    array = np.array(values, dtype=np.uint64)
    forward = permute(material.round_tables(), array)
    assert forward.tolist() == [permute_one(material.round_views(), v) for v in values]
    assert unpermute(material.round_tables(), forward).tolist() == values


def test_a_million_random_inputs_map_to_a_million_outputs(keyring: KeyRing) -> None:
    """Injective on a large random sample (a Feistel network is a permutation by construction)."""
    rng = np.random.default_rng(7)
    inputs = np.unique(rng.integers(0, COUNTER_LIMIT, size=1_000_000, dtype=np.uint64))
    outputs = permute(keyring.material(1).round_tables(), inputs)
    assert np.unique(outputs).size == inputs.size


def test_round_tables_have_the_documented_shape_and_depend_on_the_key(keyring: KeyRing) -> None:
    """8 tables of 2^20 entries of 20 bits; different secrets give different tables."""
    a = keyring.material(0).round_tables()
    b = keyring.material(1).round_tables()
    assert a.shape == (FEISTEL_ROUNDS, 1 << HALF_BITS)
    assert int(a.max()) < 1 << HALF_BITS
    assert not np.array_equal(a, b)


def test_sequential_counters_do_not_give_sequential_bodies(keyring: KeyRing) -> None:
    """Bodies do not reveal production volume: consecutive counters scatter."""
    bodies = permute(keyring.material(1).round_tables(), np.arange(1000, dtype=np.uint64))
    gaps = np.abs(np.diff(bodies.astype(np.int64)))
    assert int(np.median(gaps)) > 1 << 30
