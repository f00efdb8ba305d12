"""Raw transaction decoding and sender recovery against eth-account's signer."""

from __future__ import annotations

import pytest
import rlp
from eth_account import Account
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.chain.node.jsonrpc import RpcError
from swarmfi.chain.node.transactions import decode_raw_tx, floor_gas, intrinsic_gas, rlp_encode

KEY = "0x" + "4c" * 32
SENDER = Account.from_key(KEY).address.lower()
TO = "0x" + "ab" * 20
TO_CS = to_checksum_address(TO)


def signed(tx: dict) -> tuple[bytes, bytes]:
    result = Account.sign_transaction(tx, KEY)
    return bytes(result.raw_transaction), bytes(result.hash)


def test_eip1559_fields_and_sender() -> None:
    raw, tx_hash = signed(
        {
            "chainId": 31337,
            "nonce": 7,
            "to": TO_CS,
            "value": 5,
            "gas": 50_000,
            "maxFeePerGas": 3 * 10**9,
            "maxPriorityFeePerGas": 10**9,
            "data": "0x1234",
        }
    )
    tx = decode_raw_tx(raw)
    assert (tx.type, tx.chain_id, tx.nonce, tx.to, tx.value, tx.gas) == (2, 31337, 7, TO, 5, 50_000)
    assert (tx.gas_price, tx.max_priority_fee, tx.data) == (3 * 10**9, 10**9, b"\x12\x34")
    assert tx.sender == SENDER
    assert tx.hash == tx_hash
    assert tx.effective_price(1_500_000_000) == 2_500_000_000
    assert tx.effective_price(2_500_000_000) == 3 * 10**9


def test_eip2930_access_list() -> None:
    slot = "0x" + "00" * 31 + "01"
    raw, tx_hash = signed(
        {
            "chainId": 1,
            "nonce": 0,
            "to": TO_CS,
            "value": 0,
            "gas": 30_000,
            "gasPrice": 10**9,
            "accessList": [{"address": TO_CS, "storageKeys": [slot]}],
        }
    )
    tx = decode_raw_tx(raw)
    assert tx.type == 1
    assert tx.access_list == ((TO, (1,)),)
    assert tx.sender == SENDER
    assert tx.hash == tx_hash
    assert intrinsic_gas(tx.data, False, tx.access_list) == 21_000 + 2_400 + 1_900


def test_legacy_eip155_and_unprotected() -> None:
    raw, tx_hash = signed(
        {
            "chainId": 31337,
            "nonce": 1,
            "to": TO_CS,
            "value": 9,
            "gas": 21_000,
            "gasPrice": 2 * 10**9,
        }
    )
    tx = decode_raw_tx(raw)
    assert (tx.type, tx.chain_id, tx.sender, tx.hash) == (0, 31337, SENDER, tx_hash)
    assert tx.v in (31337 * 2 + 35, 31337 * 2 + 36)
    raw, tx_hash = signed({"nonce": 1, "to": TO_CS, "value": 9, "gas": 21_000, "gasPrice": 10**9})
    tx = decode_raw_tx(raw)
    assert (tx.chain_id, tx.sender, tx.hash) == (None, SENDER, tx_hash)
    assert tx.v in (27, 28)


def test_create_has_no_to() -> None:
    raw, _ = signed(
        {
            "chainId": 31337,
            "nonce": 0,
            "to": b"",
            "value": 0,
            "gas": 100_000,
            "gasPrice": 10**9,
            "data": "0x6000",
        }
    )
    tx = decode_raw_tx(raw)
    assert tx.to is None
    assert intrinsic_gas(tx.data, True) == 21_000 + 32_000 + 16 + 4 + 2


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x05\xc0",
        b"\x02",
        b"\x02\xc3\x01\x02\x03",
        b"\xc0",
        b"\xf8\x01",
        b"\x02\xc0\x00",
        b"\x01" + bytes(40),
    ],
)
def test_malformed_raw_is_invalid_params(raw: bytes) -> None:
    with pytest.raises(RpcError) as info:
        decode_raw_tx(raw)
    assert info.value.code == -32602


def test_tampered_signature_is_refused_or_changes_sender() -> None:
    raw, _ = signed(
        {
            "chainId": 31337,
            "nonce": 0,
            "to": TO_CS,
            "value": 1,
            "gas": 21_000,
            "maxFeePerGas": 10**9,
            "maxPriorityFeePerGas": 1,
        }
    )
    tampered = raw[:-40] + bytes([raw[-40] ^ 1]) + raw[-39:]
    try:
        tx = decode_raw_tx(tampered)
    except RpcError as exc:
        assert exc.code == -32602
    else:
        assert tx.sender != SENDER


def test_floor_gas_is_eip7623() -> None:
    assert floor_gas(b"") == 21_000
    assert floor_gas(b"\x00\x01") == 21_000 + 10 * (1 + 4)
    assert intrinsic_gas(b"\x00\x01", False) == 21_000 + 4 + 16


@settings(max_examples=60, deadline=None)
@given(
    nonce=st.integers(0, 2**64 - 1),
    value=st.integers(0, 2**256 - 1),
    gas=st.integers(21_000, 30_000_000),
    data=st.binary(max_size=200),
    kind=st.sampled_from(["legacy", "eip1559"]),
)
def test_roundtrip_any_signed_tx(nonce: int, value: int, gas: int, data: bytes, kind: str) -> None:
    tx = {"chainId": 31337, "nonce": nonce, "to": TO_CS, "value": value, "gas": gas, "data": data}
    if kind == "legacy":
        tx["gasPrice"] = 10**9
    else:
        tx.update(maxFeePerGas=10**10, maxPriorityFeePerGas=10**9)
    raw, tx_hash = signed(tx)
    decoded = decode_raw_tx(raw)
    assert (decoded.nonce, decoded.value, decoded.gas, decoded.data) == (nonce, value, gas, data)
    assert decoded.sender == SENDER
    assert decoded.hash == tx_hash


rlp_items = st.recursive(
    st.binary(max_size=80) | st.integers(0, 2**256 - 1),
    lambda children: st.lists(children, max_size=6),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(item=rlp_items)
def test_rlp_encode_matches_the_rlp_package(item: object) -> None:
    assert rlp_encode(item) == rlp.encode(item)  # type: ignore[arg-type]
