import dataclasses
import datetime as dt
import enum
import json
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.errors import BugError
from swarmfi.ledger.hashing import GENESIS_HASH, canonical, normalize, record_hash


def test_sorted_keys_no_whitespace_utf8():
    assert canonical({"b": 1, "a": [1, 2], "中": "文"}) == '{"a":[1,2],"b":1,"中":"文"}'.encode()


def test_numbers():
    assert canonical({"d": Decimal("1.50"), "f": 0.1, "i": 10**30, "neg": -3}) == (
        b'{"d":"1.50","f":"0.1","i":1000000000000000000000000000000,"neg":-3}'
    )


def test_other_types():
    class Side(enum.Enum):
        BUY = "buy"

    @dataclasses.dataclass(frozen=True)
    class Step:
        label: str
        amount: Decimal

    value = {
        "raw": b"\x01\xab",
        "side": Side.BUY,
        "when": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "step": Step("swap", Decimal("2")),
        "pair": ("ETH", "USDC"),
        "flag": True,
        "none": None,
    }
    assert normalize(value) == {
        "raw": "0x01ab",
        "side": "buy",
        "when": "2026-01-02T03:04:05+00:00",
        "step": {"label": "swap", "amount": "2"},
        "pair": ["ETH", "USDC"],
        "flag": True,
        "none": None,
    }


def test_pydantic_models_are_dumped():
    from pydantic import BaseModel

    class Quote(BaseModel):
        symbol: str
        price: Decimal

    assert canonical({"q": Quote(symbol="ETH", price=Decimal("2500.5"))}) == (
        b'{"q":{"price":"2500.5","symbol":"ETH"}}'
    )


@pytest.mark.parametrize(
    "bad",
    [{"x": float("nan")}, {"x": Decimal("Infinity")}, {"x": {1, 2}}, {1: "a"}, {"x": object()}],
)
def test_unhashable_values_are_bugs(bad):
    with pytest.raises(BugError, match="ledger"):
        canonical(bad)


def test_record_hash_covers_every_field():
    base = {
        "seq": 1,
        "kind": "note",
        "run_id": "r",
        "ts": "2026-01-01T00:00:00.000000Z",
        "payload": {"a": 1},
        "prev_hash": GENESIS_HASH,
        "cid": "bafkrei",
    }
    changed = {
        "seq": 2,
        "kind": "plan",
        "run_id": None,
        "ts": "2026-01-01T00:00:00.000001Z",
        "payload": {"a": 2},
        "prev_hash": "1" * 64,
        "cid": "bafkrej",
    }
    digest = record_hash(**base)
    assert len(digest) == 64
    for key, value in changed.items():
        assert record_hash(**{**base, key: value}) != digest, key


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.text(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False, places=4),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=20,
)


def _shuffled(value, rng):
    if isinstance(value, dict):
        items = [(k, _shuffled(v, rng)) for k, v in value.items()]
        rng.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=6), st.randoms())
def test_hash_independent_of_key_order(payload, rng):
    other = _shuffled(payload, rng)
    fields = {"seq": 1, "kind": "note", "run_id": None, "ts": "t", "prev_hash": GENESIS_HASH}
    assert canonical(other) == canonical(payload)
    assert record_hash(**fields, payload=other, cid="c") == record_hash(
        **fields, payload=payload, cid="c"
    )


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_canonical_is_a_fixed_point(value):
    text = canonical(value)
    assert canonical(json.loads(text)) == text


def test_shuffle_helper_really_reorders():
    payload = {str(i): i for i in range(20)}
    assert list(_shuffled(payload, random.Random(1))) != list(payload)
