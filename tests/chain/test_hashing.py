"""The node's Keccak-256 against eth-utils'."""

from __future__ import annotations

from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.chain.hashing import keccak256


def test_known_digests() -> None:
    empty = keccak256(b"").hex()
    assert empty == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    transfer = keccak256(b"Transfer(address,address,uint256)").hex()
    assert transfer == "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=600))
def test_matches_eth_utils(data: bytes) -> None:
    assert keccak256(data) == keccak(data)
