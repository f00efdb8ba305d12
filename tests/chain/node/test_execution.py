"""Snapshots undo everything: balances and nonces follow a plain model through
random sequences of transfers, deploys, funding, snapshots and reverts."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address
from hypothesis import example, given, settings
from hypothesis import strategies as st

from swarmfi.chain.node import DEFAULT_COINBASE, DevnetNode
from swarmfi.chain.node.jsonrpc import RpcError
from swarmfi.chain.wallet import test_accounts

SIGNERS = test_accounts(3)
FRESH = ["0x" + "77" * 20, "0x" + "88" * 20]
TARGETS = [s.address.lower() for s in SIGNERS] + FRESH + [DEFAULT_COINBASE]
PRICE = 10**9
INIT_CODE = "0x600a600c600039600a6000f3" + "602a60005260206000f3"  # deploys "return 42"

op = st.one_of(
    st.tuples(st.just("send"), st.integers(0, 2), st.integers(0, 5), st.integers(0, 10**18)),
    st.tuples(st.just("deploy"), st.integers(0, 2), st.just(0), st.just(0)),
    st.tuples(st.just("fund"), st.integers(0, 5), st.integers(0, 5), st.integers(0, 10**21)),
    st.tuples(st.just("snapshot"), st.just(0), st.just(0), st.just(0)),
    st.tuples(st.just("revert"), st.integers(0, 3), st.just(0), st.just(0)),
)


class Model:
    def __init__(self, node: DevnetNode) -> None:
        self.balances = {a: node.state.balance(a) for a in TARGETS}
        self.nonces = {a: 0 for a in TARGETS}
        self.height = node.head.number

    def copy(self) -> dict:
        return {"b": dict(self.balances), "n": dict(self.nonces), "h": self.height}

    def restore(self, saved: dict) -> None:
        self.balances, self.nonces, self.height = dict(saved["b"]), dict(saved["n"]), saved["h"]


def sign(node: DevnetNode, index: int, tx: dict) -> bytes:
    signer = SIGNERS[index]
    nonce = node.state.nonce(signer.address.lower())
    return signer.sign_tx({"chainId": 31337, "gasPrice": PRICE, "value": 0, "nonce": nonce, **tx})


def apply(node: DevnetNode, model: Model, stack: list, step: tuple) -> None:
    kind, a, b, amount = step
    sender = TARGETS[a]
    if kind in ("send", "deploy") and model.balances[sender] < 100_000 * PRICE + amount:
        with pytest.raises(RpcError, match="insufficient funds"):
            node.send_raw_transaction(sign(node, a, {"to": b"", "value": amount, "gas": 100_000}))
    elif kind == "send":
        to = TARGETS[b]
        tx = {"to": to_checksum_address(to), "value": amount, "gas": 21_000}
        node.send_raw_transaction(sign(node, a, tx))
        model.balances[sender] -= amount + 21_000 * PRICE
        model.balances[to] += amount
        model.balances[DEFAULT_COINBASE] += 21_000 * PRICE
        model.nonces[sender] += 1
        model.height += 1
    elif kind == "deploy":
        node.send_raw_transaction(sign(node, a, {"to": b"", "data": INIT_CODE, "gas": 100_000}))
        used = node.head.gas_used
        model.balances[sender] -= used * PRICE
        model.balances[DEFAULT_COINBASE] += used * PRICE
        model.nonces[sender] += 1
        model.height += 1
    elif kind == "fund":
        node.fund(TARGETS[a], amount)
        model.balances[TARGETS[a]] = amount
    elif kind == "snapshot":
        stack.append((node.snapshot(), model.copy()))
    elif stack:
        depth = min(a, len(stack) - 1)
        snapshot_id, saved = stack[depth]
        assert node.revert(snapshot_id) is True
        del stack[depth:]
        model.restore(saved)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(op, max_size=14))
@example(steps=[("snapshot", 0, 0, 0), ("send", 1, 0, 1), ("fund", 0, 0, 0), ("revert", 0, 0, 0)])
def test_snapshots_restore_balances_nonces_and_height(steps: list[tuple]) -> None:
    node = DevnetNode(base_fee=0)
    for signer in SIGNERS:
        node.fund(signer.address, 10**22)
    model = Model(node)
    stack: list = []
    for step in steps:
        apply(node, model, stack, step)
        assert {a: node.state.balance(a) for a in TARGETS} == model.balances
        assert {a: node.state.nonce(a) for a in TARGETS} == model.nonces
        assert node.head.number == model.height


def test_revert_of_outer_snapshot_drops_inner_ones() -> None:
    node = DevnetNode()
    outer, inner = node.snapshot(), node.snapshot()
    node.fund(FRESH[0], 5)
    assert node.revert(outer) is True
    assert node.revert(inner) is False
    assert node.state.balance(FRESH[0]) == 0
