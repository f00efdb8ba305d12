"""JSON-RPC conformance suite, driven through web3.py, for any endpoint that
serves a devnet node.

A test module provides a fixture named `rpc` returning an `RpcTarget` (a Web3
connected to the endpoint, funded signers, the chain id), then pulls the tests
in with ``from .conformance import *``. `node/test_conformance.py` runs them
against the in-process provider and the HTTP server on loopback; the RPC
backend reuses them against the HTTP server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3RPCError

from swarmfi.chain.compile import compile_contract
from swarmfi.chain.wallet import LocalSigner

DATA = Path(__file__).parent / "data"
TEN_ETH = 10 * 10**18
TIP = 10**9


@dataclass
class RpcTarget:
    """What a conformance test needs: web3 on the endpoint and funded signers."""

    w3: Web3
    signers: list[LocalSigner]
    chain_id: int = 31337

    def raw(self, method: str, params: list[Any]) -> dict[str, Any]:
        """One request with web3's formatting bypassed: the endpoint's own answer."""
        return dict(self.w3.provider.make_request(method, params))  # type: ignore[arg-type]


def probe_artifact() -> Any:
    return compile_contract("Probe", DATA)


def fees(w3: Web3) -> dict[str, int]:
    base = w3.eth.get_block("pending")["baseFeePerGas"]
    return {"maxFeePerGas": 2 * base + TIP, "maxPriorityFeePerGas": TIP}


def send(rpc: RpcTarget, signer: LocalSigner, tx: dict[str, Any]) -> Any:
    """Fill nonce, chain id and EIP-1559 fees, sign, send, wait for the receipt."""
    w3 = rpc.w3
    full = {"chainId": rpc.chain_id, "nonce": w3.eth.get_transaction_count(signer.address)}
    if "gasPrice" not in tx:
        full.update(fees(w3))
    full.update(tx)
    if "gas" not in full:
        full["gas"] = w3.eth.estimate_gas({**full, "from": signer.address})  # type: ignore[arg-type]
    tx_hash = w3.eth.send_raw_transaction(signer.sign_tx(full))
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=10)


def deploy_probe(rpc: RpcTarget) -> Any:
    art = probe_artifact()
    receipt = send(rpc, rpc.signers[0], {"data": "0x" + art.bytecode.hex(), "value": 0})
    assert receipt.status == 1
    return rpc.w3.eth.contract(address=receipt.contractAddress, abi=art.abi)


def call_tx(fn: Any, **extra: Any) -> dict[str, Any]:
    return {"to": fn.address, "data": fn._encode_transaction_data(), "value": 0, **extra}


# -- identity --------------------------------------------------------------------


def test_identity_methods(rpc: RpcTarget) -> None:
    w3 = rpc.w3
    assert w3.eth.chain_id == rpc.chain_id
    assert w3.net.version == str(rpc.chain_id)
    assert w3.is_connected()
    assert "swarmfi" in w3.client_version
    assert w3.eth.syncing is False
    assert w3.eth.block_number >= 0
    assert w3.eth.get_balance(rpc.signers[0].address) > TEN_ETH


# -- deploy, call, send ----------------------------------------------------------------


def test_deploy_then_call(rpc: RpcTarget) -> None:
    probe = deploy_probe(rpc)
    code = rpc.w3.eth.get_code(probe.address)
    assert len(code) > 100
    assert probe.functions.value().call() == 0
    assert rpc.w3.eth.get_transaction_count(rpc.signers[0].address) == 1


def test_eip1559_tx_nonce_and_gas_accounting(rpc: RpcTarget) -> None:
    w3, alice = rpc.w3, rpc.signers[0]
    probe = deploy_probe(rpc)
    coinbase = w3.eth.get_block("latest")["miner"]
    before, nonce_before = (
        w3.eth.get_balance(alice.address),
        w3.eth.get_transaction_count(alice.address),
    )
    coinbase_before = w3.eth.get_balance(coinbase)
    receipt = send(rpc, alice, call_tx(probe.functions.store(7)))
    assert receipt.status == 1
    assert receipt.type == 2
    block = w3.eth.get_block(receipt.blockNumber)
    price = receipt.effectiveGasPrice
    assert price == block["baseFeePerGas"] + TIP
    assert w3.eth.get_balance(alice.address) == before - receipt.gasUsed * price
    assert w3.eth.get_balance(coinbase) == coinbase_before + receipt.gasUsed * TIP
    assert w3.eth.get_transaction_count(alice.address) == nonce_before + 1
    assert receipt.cumulativeGasUsed == receipt.gasUsed == block["gasUsed"]
    assert probe.functions.value().call() == 7


def test_legacy_value_transfer(rpc: RpcTarget) -> None:
    w3, alice, bob = rpc.w3, rpc.signers[0], rpc.signers[1]
    price = w3.eth.gas_price
    before_a, before_b = w3.eth.get_balance(alice.address), w3.eth.get_balance(bob.address)
    receipt = send(rpc, alice, {"to": bob.address, "value": 12345, "gasPrice": price, "gas": 21000})
    assert receipt.status == 1
    assert receipt.type == 0
    assert receipt.gasUsed == 21000
    assert receipt.effectiveGasPrice == price
    assert w3.eth.get_balance(alice.address) == before_a - 12345 - 21000 * price
    assert w3.eth.get_balance(bob.address) == before_b + 12345
    tx = w3.eth.get_transaction(receipt.transactionHash)
    assert tx["from"] == alice.address
    assert tx["to"] == bob.address
    assert tx["value"] == 12345
    assert tx["blockNumber"] == receipt.blockNumber


def test_access_list_tx(rpc: RpcTarget) -> None:
    w3, alice = rpc.w3, rpc.signers[0]
    probe = deploy_probe(rpc)
    tx = call_tx(
        probe.functions.store(3),
        gas=100_000,
        type=1,
        gasPrice=w3.eth.gas_price,
        accessList=[{"address": probe.address, "storageKeys": ["0x" + "00" * 32]}],
    )
    receipt = send(rpc, alice, tx)
    assert receipt.status == 1
    assert receipt.type == 1
    assert probe.functions.value().call() == 3


# -- receipts, logs, blocks -------------------------------------------------------------


def test_logs_in_receipt_and_get_logs(rpc: RpcTarget) -> None:
    w3, alice, bob = rpc.w3, rpc.signers[0], rpc.signers[1]
    probe = deploy_probe(rpc)
    first = send(rpc, alice, call_tx(probe.functions.store(5)))
    send(rpc, bob, call_tx(probe.functions.store(6)))
    send(rpc, alice, call_tx(probe.functions.pay(), value=99))
    (event,) = probe.events.Stored().process_receipt(first)
    assert event.args.who == alice.address
    assert event.args.value == 5
    stored = probe.events.Stored().get_logs(from_block=first.blockNumber)
    assert [e.args.value for e in stored] == [5, 6]
    by_bob = probe.events.Stored().get_logs(from_block=0, argument_filters={"who": bob.address})
    assert [e.args.value for e in by_bob] == [6]
    everything = w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": probe.address})
    assert len(everything) == 3
    paid = probe.events.Paid().get_logs(from_block=0)
    assert paid[0].args.amount == 99
    assert (
        w3.eth.get_logs(
            {
                "fromBlock": first.blockNumber,
                "toBlock": first.blockNumber,
                "address": rpc.signers[2].address,
            }
        )
        == []
    )


def test_blocks_by_number_and_hash(rpc: RpcTarget) -> None:
    w3, alice = rpc.w3, rpc.signers[0]
    receipt = send(rpc, alice, {"to": rpc.signers[1].address, "value": 1})
    block = w3.eth.get_block(receipt.blockNumber, full_transactions=True)
    assert block["hash"] == receipt.blockHash
    assert block["transactions"][0]["hash"] == receipt.transactionHash
    assert w3.eth.get_block(receipt.blockHash)["number"] == receipt.blockNumber
    parent = w3.eth.get_block(receipt.blockNumber - 1)
    assert block["parentHash"] == parent["hash"]
    assert block["timestamp"] >= parent["timestamp"]
    assert w3.eth.get_block("latest")["number"] == w3.eth.block_number
    assert w3.eth.get_transaction_receipt(receipt.transactionHash)["status"] == 1


def test_fee_methods(rpc: RpcTarget) -> None:
    w3 = rpc.w3
    send(rpc, rpc.signers[0], {"to": rpc.signers[1].address, "value": 1})
    pending_base = w3.eth.get_block("pending")["baseFeePerGas"]
    assert w3.eth.max_priority_fee > 0
    assert w3.eth.gas_price >= pending_base
    history = w3.eth.fee_history(2, "latest", [10, 90])
    assert len(history["baseFeePerGas"]) == 3
    assert history["baseFeePerGas"][-1] == pending_base
    assert history["reward"][-1] == [TIP, TIP]
    assert 0 < history["gasUsedRatio"][-1] < 1


# -- reverts -----------------------------------------------------------------------------


def test_call_revert_has_reason(rpc: RpcTarget) -> None:
    probe = deploy_probe(rpc)
    alice = rpc.signers[0].address
    with pytest.raises(ContractLogicError, match="execution reverted: Probe: unlucky number"):
        probe.functions.store(13).call({"from": alice})
    with pytest.raises(ContractLogicError, match="execution reverted: Probe: unlucky number"):
        probe.functions.store(13).estimate_gas({"from": alice})
    answer = rpc.raw(
        "eth_call",
        [
            {
                "to": probe.address,
                "from": alice,
                "data": probe.functions.store(13)._encode_transaction_data(),
            },
            "latest",
        ],
    )
    assert answer["error"]["code"] == 3
    assert answer["error"]["data"].startswith("0x08c379a0")
    with pytest.raises(ContractLogicError, match="execution reverted"):
        probe.functions.fail_silently().call({"from": alice})


def test_mined_revert_has_status_0_and_costs_gas(rpc: RpcTarget) -> None:
    w3, alice = rpc.w3, rpc.signers[0]
    probe = deploy_probe(rpc)
    before, nonce = w3.eth.get_balance(alice.address), w3.eth.get_transaction_count(alice.address)
    receipt = send(rpc, alice, call_tx(probe.functions.store(13), gas=80_000))
    assert receipt.status == 0
    assert 21_000 < receipt.gasUsed < 80_000
    assert w3.eth.get_balance(alice.address) == before - receipt.gasUsed * receipt.effectiveGasPrice
    assert w3.eth.get_transaction_count(alice.address) == nonce + 1
    assert receipt.logs == []
    assert probe.functions.stores().call() == 0


def test_estimate_gas_is_enough_and_tight(rpc: RpcTarget) -> None:
    alice = rpc.signers[0]
    probe = deploy_probe(rpc)
    estimate = probe.functions.burn_gas(20).estimate_gas({"from": alice.address})
    tight = call_tx(probe.functions.burn_gas(20), gas=estimate - 1)
    receipt = send(rpc, alice, tight)
    assert receipt.status == 0
    receipt = send(rpc, alice, call_tx(probe.functions.burn_gas(20), gas=estimate))
    assert receipt.status == 1


# -- devnet controls -----------------------------------------------------------------------


def test_snapshot_and_revert(rpc: RpcTarget) -> None:
    w3, alice, bob = rpc.w3, rpc.signers[0], rpc.signers[1]
    probe = deploy_probe(rpc)
    height, balance_a = w3.eth.block_number, w3.eth.get_balance(alice.address)
    balance_b, nonce = w3.eth.get_balance(bob.address), w3.eth.get_transaction_count(alice.address)
    snapshot = rpc.raw("evm_snapshot", [])["result"]
    stored = send(rpc, alice, call_tx(probe.functions.store(42)))
    send(rpc, alice, {"to": bob.address, "value": 10**18})
    assert probe.functions.value().call() == 42
    assert rpc.raw("evm_revert", [snapshot])["result"] is True
    assert w3.eth.block_number == height
    assert w3.eth.get_balance(alice.address) == balance_a
    assert w3.eth.get_balance(bob.address) == balance_b
    assert w3.eth.get_transaction_count(alice.address) == nonce
    assert probe.functions.value().call() == 0
    with pytest.raises(TransactionNotFound):
        w3.eth.get_transaction_receipt(stored.transactionHash)
    assert rpc.raw("evm_revert", [snapshot])["result"] is False  # used up
    again = send(rpc, alice, call_tx(probe.functions.store(8)))
    assert again.blockNumber == height + 1


def test_increase_time_and_mine(rpc: RpcTarget) -> None:
    w3 = rpc.w3
    probe = deploy_probe(rpc)
    before = w3.eth.get_block("latest")
    rpc.raw("evm_increaseTime", [3600])
    assert rpc.raw("evm_mine", [])["result"] == "0x0"
    after = w3.eth.get_block("latest")
    assert after["number"] == before["number"] + 1
    assert after["timestamp"] >= before["timestamp"] + 3600
    now, number = probe.functions.now().call()
    assert now == after["timestamp"]  # a call on "latest" runs in the latest block
    assert number == after["number"]
    target = after["timestamp"] + 10_000
    rpc.raw("evm_setNextBlockTimestamp", [target])
    rpc.raw("evm_mine", [])
    assert w3.eth.get_block("latest")["timestamp"] == target


# -- bad input -------------------------------------------------------------------------------


def test_bad_input_gets_errors_and_node_keeps_serving(rpc: RpcTarget) -> None:
    w3 = rpc.w3
    height = w3.eth.block_number
    assert rpc.raw("eth_sendRawTransaction", ["0x02c0ffee"])["error"]["code"] == -32602
    assert rpc.raw("eth_sendRawTransaction", ["not hex"])["error"]["code"] == -32602
    unknown = rpc.raw("eth_noSuchMethod", [])
    assert unknown["error"]["code"] == -32601
    assert rpc.raw("eth_getBalance", ["0x1234", "latest"])["error"]["code"] == -32602
    assert rpc.raw("eth_getBalance", ["0x" + "zz" * 20, "latest"])["error"]["code"] == -32602
    assert rpc.raw("eth_getBlockByNumber", ["0xnothex", False])["error"]["code"] == -32602
    with pytest.raises(Web3RPCError):
        w3.eth.send_raw_transaction(b"\xf8\x01\x02")
    assert w3.eth.block_number == height
    assert w3.eth.get_balance(rpc.signers[0].address) > 0


def test_rejected_transactions(rpc: RpcTarget) -> None:
    w3, alice = rpc.w3, rpc.signers[0]
    base = {"to": rpc.signers[1].address, "value": 1, "gas": 21000, **fees(w3)}
    nonce = w3.eth.get_transaction_count(alice.address)
    cases = {
        "invalid chain id": {**base, "chainId": 1, "nonce": nonce},
        "nonce too high": {**base, "chainId": rpc.chain_id, "nonce": nonce + 5},
        "intrinsic gas too low": {**base, "chainId": rpc.chain_id, "nonce": nonce, "gas": 20000},
        "insufficient funds": {**base, "chainId": rpc.chain_id, "nonce": nonce, "value": 10**30},
    }
    for expected, tx in cases.items():
        answer = rpc.raw("eth_sendRawTransaction", ["0x" + alice.sign_tx(tx).hex()])
        assert expected in answer["error"]["message"]
    send(rpc, alice, {"to": rpc.signers[1].address, "value": 1})
    stale = {**base, "chainId": rpc.chain_id, "nonce": nonce}
    answer = rpc.raw("eth_sendRawTransaction", ["0x" + alice.sign_tx(stale).hex()])
    assert "nonce too low" in answer["error"]["message"]
    stranger = Account.create()
    broke = {**base, "chainId": rpc.chain_id, "nonce": 0}
    signed = Account.sign_transaction(broke, stranger.key).raw_transaction
    assert (
        "insufficient funds"
        in rpc.raw("eth_sendRawTransaction", [signed.to_0x_hex()])["error"]["message"]
    )
    assert w3.eth.get_transaction_count(alice.address) == nonce + 1
