"""The node's JSON-RPC surface below web3: envelopes, batches, errors, filters,
direct EVM changes sealed into the chain, and history replay."""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_utils import keccak, to_checksum_address
from web3 import Web3

from swarmfi.chain.compile import compile_contract
from swarmfi.chain.node import DevnetNode
from swarmfi.chain.node.jsonrpc import RpcError
from swarmfi.chain.node.provider import DevnetProvider
from swarmfi.chain.wallet import test_accounts

from ..conformance import DATA

ALICE, BOB = test_accounts(2)
STORED_TOPIC = "0x" + keccak(text="Stored(address,uint256)").hex()


def node_with_funds(**kwargs: Any) -> DevnetNode:
    node = DevnetNode(accounts=[ALICE.address], **kwargs)
    node.fund(ALICE.address, 10**21)
    node.fund(BOB.address, 10**21)
    return node


def rpc(node: DevnetNode, method: str, *params: Any) -> Any:
    answer = node.handle({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    return answer.get("result", answer.get("error"))


def send(node: DevnetNode, signer: Any, **tx: Any) -> bytes:
    full = {
        "chainId": 31337,
        "nonce": node.state.nonce(signer.address.lower()),
        "gas": 200_000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**9,
        "value": 0,
        **tx,
    }
    return node.send_raw_transaction(signer.sign_tx(full))


def deploy_probe(node: DevnetNode) -> str:
    tx_hash = send(node, ALICE, to=b"", data=compile_contract("Probe", DATA).bytecode, gas=500_000)
    address = node.receipts[tx_hash].contract_address
    assert address is not None
    return to_checksum_address(address)


def store_data(value: int) -> str:
    return "0x6057361d" + value.to_bytes(32, "big").hex()  # store(uint256)


def test_batch_answers_in_order_and_skips_notifications() -> None:
    node = DevnetNode()
    answer = node.handle(
        [
            {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
            {"jsonrpc": "2.0", "method": "eth_blockNumber", "params": []},
            {"jsonrpc": "2.0", "id": "b", "method": "nope", "params": []},
            {"jsonrpc": "2.0", "id": 3, "method": "eth_blockNumber"},
        ]
    )
    assert [a["id"] for a in answer] == [1, "b", 3]
    assert answer[0]["result"] == "0x7a69"
    assert answer[1]["error"]["code"] == -32601
    assert answer[2]["result"] == "0x0"
    assert node.handle([{"jsonrpc": "2.0", "method": "eth_chainId"}]) is None
    assert node.handle([])["error"]["code"] == -32600


def test_envelope_errors_keep_the_node_serving() -> None:
    node = DevnetNode()
    assert json.loads(node.handle_json(b"{not json"))["error"]["code"] == -32700
    assert json.loads(node.handle_json(b"\xff\xfe"))["error"]["code"] == -32700
    assert node.handle(42)["error"]["code"] == -32600
    assert node.handle({"id": 1, "params": []})["error"]["code"] == -32600
    bad_params = {"jsonrpc": "2.0", "id": 2, "method": "eth_getBalance", "params": {"a": 1}}
    assert node.handle(bad_params)["error"]["code"] == -32602
    assert rpc(node, "eth_blockNumber", "extra")["code"] == -32602
    assert rpc(node, "eth_getBalance")["code"] == -32602
    assert json.loads(node.handle_json(b'{"jsonrpc":"2.0","id":7,"method":"eth_chainId"}')) == {
        "jsonrpc": "2.0",
        "id": 7,
        "result": "0x7a69",
    }


def test_a_crashing_method_is_an_internal_error_not_a_crash() -> None:
    node = DevnetNode()
    node.methods["debug_crash"] = lambda params: 1 // 0
    assert rpc(node, "debug_crash")["code"] == -32603
    assert rpc(node, "eth_chainId") == "0x7a69"


def test_state_reads_at_any_block_since_the_first() -> None:
    node = node_with_funds()
    send(node, ALICE, to=BOB.address, value=1)
    after = int(rpc(node, "eth_getBalance", ALICE.address, "0x1"), 16)
    assert 0 < after < 10**21 - 1
    assert int(rpc(node, "eth_getBalance", ALICE.address, "0x0"), 16) == 10**21
    assert int(rpc(node, "eth_getBalance", ALICE.address, "earliest"), 16) == 10**21
    assert int(rpc(node, "eth_getBalance", BOB.address, {"blockNumber": "0x0"}), 16) == 10**21
    block_hash = rpc(node, "eth_getBlockByNumber", "0x0", False)["hash"]
    assert int(rpc(node, "eth_getBalance", BOB.address, {"blockHash": block_hash}), 16) == 10**21
    assert rpc(node, "eth_getTransactionCount", ALICE.address, "0x0") == "0x0"
    assert int(rpc(node, "eth_getBalance", ALICE.address, "latest"), 16) == after
    assert rpc(node, "eth_getBalance", ALICE.address, "0x99")["code"] == -32000
    assert rpc(node, "eth_getTransactionCount", ALICE.address, "pending") == "0x1"
    assert rpc(node, "eth_getBlockByNumber", "0x99", False) is None
    assert rpc(node, "eth_getBlockByHash", "0x" + "00" * 32, False) is None
    assert rpc(node, "eth_getTransactionByHash", "0x" + "00" * 32) is None
    assert rpc(node, "eth_accounts") == [ALICE.address.lower()]


def test_storage_code_and_create_call() -> None:
    node = node_with_funds()
    probe = deploy_probe(node)
    send(node, ALICE, to=probe, data=store_data(77))
    assert int(rpc(node, "eth_getStorageAt", probe, "0x0", "latest"), 16) == 77
    code = rpc(node, "eth_getCode", probe, "latest")
    init = "0x" + compile_contract("Probe", DATA).bytecode.hex()
    assert rpc(node, "eth_call", {"from": ALICE.address, "data": init}, "latest") == code
    assert rpc(node, "eth_estimateGas", {"from": ALICE.address, "to": BOB.address}) == "0x5208"


def test_log_filters_by_topic_position_and_block_hash() -> None:
    node = node_with_funds()
    probe = deploy_probe(node)
    first = send(node, ALICE, to=probe, data=store_data(1))
    send(node, BOB, to=probe, data=store_data(2))
    alice_topic = "0x" + "00" * 12 + ALICE.address[2:].lower()
    bob_topic = "0x" + "00" * 12 + BOB.address[2:].lower()

    def logs(**flt: Any) -> list[int]:
        return [int(e["data"], 16) for e in rpc(node, "eth_getLogs", {"fromBlock": "0x0", **flt})]

    assert logs(topics=[STORED_TOPIC]) == [1, 2]
    assert logs(topics=[None, bob_topic]) == [2]
    assert logs(topics=[STORED_TOPIC, [alice_topic, bob_topic]]) == [1, 2]
    assert logs(topics=[STORED_TOPIC, None, None]) == []  # longer than the log's topics
    assert logs(address=[probe, BOB.address]) == [1, 2]
    assert logs(address=BOB.address) == []
    block_hash = "0x" + node.receipts[first].block_hash.hex()
    assert [int(e["data"], 16) for e in rpc(node, "eth_getLogs", {"blockHash": block_hash})] == [1]
    assert rpc(node, "eth_getLogs", {"topics": ["0x12"]})["code"] == -32602


def test_fee_history_shapes() -> None:
    node = node_with_funds()
    for _ in range(3):
        send(node, ALICE, to=BOB.address, value=1)
    history = rpc(node, "eth_feeHistory", "0x2", "latest", [50])
    assert history["oldestBlock"] == hex(node.head.number - 1)
    assert len(history["baseFeePerGas"]) == 3
    assert history["reward"] == [["0x3b9aca00"], ["0x3b9aca00"]]
    assert rpc(node, "eth_feeHistory", "0x2", "latest", [90, 10])["code"] == -32602
    fees = [int(f, 16) for f in rpc(node, "eth_feeHistory", "0x4", "latest")["baseFeePerGas"]]
    assert fees == sorted(fees, reverse=True)  # blocks far below target: the base fee falls


def test_set_balance_alias_and_min_base_fee() -> None:
    node = DevnetNode(min_base_fee=7 * 10**8)
    assert rpc(node, "anvil_setBalance", BOB.address, "0x64") is None
    assert rpc(node, "eth_getBalance", BOB.address, "latest") == "0x64"
    for _ in range(5):
        rpc(node, "evm_mine")
    assert node.head.base_fee == 7 * 10**8


def test_direct_evm_deploy_then_seal() -> None:
    node = node_with_funds()
    address = node.evm.deploy(ALICE.address, compile_contract("Probe", DATA).bytecode)
    number = node.seal("genesis")
    assert number == node.head.number == 1
    assert len(rpc(node, "eth_getCode", address, "latest")) > 100
    assert node.history[-1] == {"op": "seal", "ts": node.head.timestamp, "label": "genesis"}
    node.snapshot()
    assert rpc(node, "eth_chainId") == "0x7a69"
    with pytest.raises(RpcError, match="revert it first"):
        node.seal()


def test_replayed_history_rebuilds_the_same_chain() -> None:
    def start() -> DevnetNode:
        node = DevnetNode(genesis_timestamp=1_700_000_000, clock=lambda: 1_700_000_000.0)
        node.evm.deploy(ALICE.address, compile_contract("Probe", DATA).bytecode)
        return node

    node = start()
    node.seal()
    node.fund(ALICE.address, 10**21)
    probe = deploy_probe(node)
    send(node, ALICE, to=probe, data=store_data(5))
    node.increase_time(600)
    node.mine()
    send(node, ALICE, to=BOB.address, value=3)
    copy = start()
    copy.replay(node.history)
    assert copy.head.hash == node.head.hash
    assert copy.state.balance(BOB.address.lower()) == 3
    assert copy.state.storage(probe.lower(), 0) == 5
    assert copy.time_offset == 600


def test_web3_batch_requests_through_the_provider() -> None:
    w3 = Web3(DevnetProvider(node_with_funds()))
    with w3.batch_requests() as batch:
        batch.add(w3.eth.get_block(0))
        batch.add(w3.eth.get_balance(BOB.address))
        block, balance = batch.execute()
    assert block["number"] == 0
    assert balance == 10**21


def test_a_node_can_resume_at_a_later_block() -> None:
    node = DevnetNode(
        first_block=100,
        genesis_timestamp=1_800_000_000,
        base_fee=5 * 10**9,
        clock=lambda: 1_700_000_000.0,
    )
    node.fund(ALICE.address, 10**21)
    assert rpc(node, "eth_blockNumber") == "0x64"
    probe = deploy_probe(node)
    send(node, ALICE, to=probe, data=store_data(9))
    assert rpc(node, "eth_blockNumber") == "0x66"
    assert rpc(node, "eth_getBlockByNumber", "earliest", False)["number"] == "0x64"
    assert rpc(node, "eth_getBlockByNumber", "0x5", False) is None
    assert rpc(node, "eth_getBlockByNumber", "0x66", False)["timestamp"] == hex(1_800_000_000)
    assert len(rpc(node, "eth_getLogs", {"fromBlock": "0x0", "address": probe})) == 1
    history = rpc(node, "eth_feeHistory", "0x10", "latest", [])
    assert history["oldestBlock"] == "0x64"
    assert history["baseFeePerGas"][0] == hex(5 * 10**9)
    assert int(rpc(node, "eth_getBalance", ALICE.address, "0x66"), 16) > 0
    assert int(rpc(node, "eth_getBalance", ALICE.address, "0x64"), 16) == 10**21
    assert rpc(node, "eth_getBalance", ALICE.address, "0x63")["code"] == -32000


def test_logs_bloom_matches_eth_bloom() -> None:
    eth_bloom = pytest.importorskip("eth_bloom")
    node = node_with_funds()
    probe = deploy_probe(node)
    tx_hash = send(node, ALICE, to=probe, data=store_data(4))
    receipt = rpc(node, "eth_getTransactionReceipt", "0x" + tx_hash.hex())
    expected = eth_bloom.BloomFilter()
    for entry in receipt["logs"]:
        expected.add(bytes.fromhex(entry["address"][2:]))
        for topic in entry["topics"]:
            expected.add(bytes.fromhex(topic[2:]))
    assert int(receipt["logsBloom"], 16) == int(expected)
    block = rpc(node, "eth_getBlockByNumber", receipt["blockNumber"], False)
    assert block["logsBloom"] == receipt["logsBloom"]


def test_estimate_gas_is_capped_by_what_the_sender_can_pay() -> None:
    node = DevnetNode()
    node.fund(BOB.address, 30_000 * 10**9)  # 30,000 gas at 1 gwei
    call = {"from": BOB.address, "to": ALICE.address, "gasPrice": hex(10**9)}
    assert rpc(node, "eth_estimateGas", call) == "0x5208"
    poor = {**call, "value": hex(31_000 * 10**9)}
    assert "insufficient funds" in rpc(node, "eth_estimateGas", poor)["message"]
    expensive = {**call, "gasPrice": hex(10**10)}
    assert rpc(node, "eth_estimateGas", expensive)["code"] == -32000
