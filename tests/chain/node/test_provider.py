"""The in-process web3 providers hand the node what a JSON round trip would."""

from __future__ import annotations

import asyncio
import enum
import json
from typing import Any

from hexbytes import HexBytes
from hypothesis import given, settings
from hypothesis import strategies as st
from web3 import AsyncWeb3, Web3
from web3.datastructures import AttributeDict
from web3.types import RPCEndpoint

from swarmfi.chain.node import DevnetNode
from swarmfi.chain.node.provider import NOT_PLAIN, AsyncDevnetProvider, DevnetProvider, as_json
from swarmfi.chain.wallet import test_accounts

ALICE, BOB = test_accounts(2)

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(value=json_like)
def test_plain_values_come_out_as_a_json_round_trip_gives_them(value: Any) -> None:
    assert as_json(value) == json.loads(json.dumps(value))


class Flag(enum.IntEnum):
    ON = 1


def test_values_json_would_change_are_not_plain() -> None:
    for value in (b"\x01", HexBytes("0x01"), AttributeDict({"a": 1}), Flag.ON, {1: "a"}):
        assert as_json(value) is NOT_PLAIN
        assert as_json(["0x1", {"to": [value]}]) is NOT_PLAIN


def funded_node() -> tuple[DevnetNode, str]:
    node = DevnetNode()
    node.fund(ALICE.address, 10**21)
    raw = ALICE.sign_tx(
        {"chainId": 31337, "nonce": 0, "to": BOB.address, "value": 7, "gas": 21_000,
         "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9}
    )  # fmt: skip
    return node, "0x" + node.send_raw_transaction(raw).hex()


def test_plain_and_encoded_params_get_the_same_answers() -> None:
    node, tx_hash = funded_node()
    provider = DevnetProvider(node)
    method = RPCEndpoint("eth_getTransactionByHash")
    plain = provider.make_request(method, (tx_hash,))
    encoded = provider.make_request(method, [HexBytes(tx_hash)])
    assert plain["result"] == encoded["result"]
    assert plain["result"]["value"] == "0x7"
    assert (plain["id"], encoded["id"]) == (0, 1)
    call = {"to": BOB.address, "data": HexBytes("0x")}
    answer = provider.make_request(RPCEndpoint("eth_call"), [AttributeDict(call), "latest"])
    assert answer["result"] == "0x"


def test_web3_reads_through_both_providers() -> None:
    node, tx_hash = funded_node()
    w3 = Web3(DevnetProvider(node))
    assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
    assert w3.eth.get_balance(BOB.address) == 7
    aw3 = AsyncWeb3(AsyncDevnetProvider(node))
    receipt = asyncio.run(aw3.eth.get_transaction_receipt(HexBytes(tx_hash)))
    assert receipt["to"] == BOB.address
