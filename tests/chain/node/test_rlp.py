"""The node's RLP decoder against the `rlp` package in strict mode."""

from __future__ import annotations

from typing import Any

import pytest
import rlp
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.chain.node.rlp import RlpError, rlp_decode_list, rlp_encode

items = st.recursive(
    st.binary(max_size=80) | st.integers(0, 2**256 - 1),
    lambda children: st.lists(children, max_size=6),
    max_leaves=20,
)


def reference(data: bytes) -> Any:
    """What `rlp` makes of `data`, or None if it refuses it."""
    try:
        return rlp.decode(data, strict=True)
    except Exception:
        return None


def ours(data: bytes) -> Any:
    try:
        return rlp_decode_list(data)[0]
    except RlpError:
        return None


@settings(max_examples=150, deadline=None)
@given(value=st.lists(items, max_size=8))
def test_decodes_what_rlp_encodes_with_item_offsets(value: list[Any]) -> None:
    data = rlp.encode(value)
    decoded, offsets = rlp_decode_list(data)
    assert decoded == rlp.decode(data)
    assert offsets[-1] == len(data)
    assert len(offsets) == len(value) + 1
    for i, item in enumerate(value):
        assert data[offsets[i] : offsets[i + 1]] == rlp_encode(item)


@settings(max_examples=300, deadline=None)
@given(value=st.lists(items, min_size=1, max_size=5), data=st.data())
def test_accepts_and_refuses_exactly_what_strict_rlp_does(value: list[Any], data: Any) -> None:
    encoded = bytearray(rlp.encode(value))
    for _ in range(data.draw(st.integers(0, 2))):
        index = data.draw(st.integers(0, len(encoded) - 1))
        encoded[index] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        encoded = encoded[: data.draw(st.integers(0, len(encoded)))]
    candidate = bytes(encoded) + data.draw(st.binary(max_size=2))
    expected = reference(candidate)
    if not isinstance(expected, list):
        expected = None  # a lone string is refused by the list decoder
    assert ours(candidate) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x80",  # a string, not a list
        b"\xc1\x81\x05",  # 0x05 must be encoded as itself
        b"\xc2\xb8\x01",  # long form for a 1-byte string
        b"\xf8\x01\x80",  # long list form for a 1-byte payload
        b"\xf9\x00\x38" + b"\x80" * 56,  # zero-padded length
        b"\xc3\x80\x80",  # payload shorter than the prefix says
        b"\xc1\x80\x80",  # a trailing byte
        b"\xc2\x82\x01",  # a string running past its list
    ],
)
def test_refuses_malformed_lists(data: bytes) -> None:
    with pytest.raises(RlpError):
        rlp_decode_list(data)


def test_refuses_deep_nesting_without_recursion_error() -> None:
    nested: list[Any] = []
    for _ in range(40):
        nested = [nested]
    with pytest.raises(RlpError):
        rlp_decode_list(rlp_encode(nested))
    shallow: list[Any] = [[[[b"\x01"]]]]
    assert rlp_decode_list(rlp_encode(shallow))[0] == shallow
