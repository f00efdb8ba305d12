"""EVM semantics a real chain has: gas that never depends on what ran or was read
before a transaction, exact code, access lists in estimates, and a block context inside
calls and transactions that equals the block header at that height."""

from __future__ import annotations

from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from swarmfi.chain.compile import compile_contract
from swarmfi.chain.node import DevnetNode

from ..conformance import DATA
from .test_jsonrpc_methods import ALICE, BOB, deploy_probe, node_with_funds, rpc, send, store_data

COLD_SET = 22_100  # EIP-2929 cold SSTORE of a zero slot to non-zero
COLD_RESET = 5_000  # cold SSTORE of a non-zero slot (original == current) to non-zero
CONTEXT_TYPES = ["uint256", "uint256", "uint256", "bytes32", "address", "uint256", "bytes32"]


def gas_of(node: DevnetNode, tx_hash: bytes) -> int:
    return node.receipts[tx_hash].gas_used


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def deploy(node: DevnetNode, name: str) -> str:
    tx_hash = send(node, ALICE, to=b"", data=compile_contract(name, DATA).bytecode, gas=2_000_000)
    address = node.receipts[tx_hash].contract_address
    assert address is not None
    return to_checksum_address(address)


def test_each_transaction_starts_cold_with_the_pre_transaction_originals() -> None:
    node = node_with_funds()
    probe = deploy_probe(node)
    first = gas_of(node, send(node, ALICE, to=probe, data=store_data(1)))
    second = gas_of(node, send(node, ALICE, to=probe, data=store_data(2)))
    # store() writes two slots: first zero -> non-zero, then non-zero -> non-zero, cold
    assert first - second == 2 * (COLD_SET - COLD_RESET)


def test_gas_is_the_same_whatever_was_read_or_run_before_and_after_a_restart() -> None:
    from swarmfi.chain.node.world import dump_of_world, world_from_dump

    plain = node_with_funds()
    probe = deploy_probe(plain)
    send(plain, ALICE, to=probe, data=store_data(1))
    restarted = DevnetNode(world=world_from_dump(dump_of_world(plain.world)), first_block=9)
    busy = node_with_funds()
    assert deploy_probe(busy) == probe
    send(busy, ALICE, to=probe, data=store_data(7))
    send(busy, BOB, to=probe, data=store_data(1))
    rpc(busy, "eth_getStorageAt", probe, "0x0", "latest")
    rpc(busy, "eth_call", {"to": probe, "data": "0x" + selector("value()").hex()}, "latest")
    rpc(busy, "eth_estimateGas", {"from": ALICE.address, "to": probe, "data": store_data(3)})
    gases = [gas_of(n, send(n, ALICE, to=probe, data=store_data(2))) for n in (plain, busy)]
    gases.append(gas_of(restarted, send(restarted, ALICE, to=probe, data=store_data(2))))
    assert gases[0] == gases[1] == gases[2]


def test_get_code_is_exactly_the_runtime_code_of_contracts_and_their_children() -> None:
    node = node_with_funds()
    probe, context = deploy_probe(node), deploy(node, "Context")
    code = bytes.fromhex(rpc(node, "eth_getCode", probe, "latest")[2:])
    init = "0x" + compile_contract("Probe", DATA).bytecode.hex()
    assert (
        rpc(node, "eth_call", {"from": ALICE.address, "data": init}, "latest") == "0x" + code.hex()
    )
    assert keccak(code) == node.world.account(probe.lower()).code_hash
    assert code[-1] != 0 or len(code) < 33 or code[-33:] != bytes(33)
    salt = b"\x07" * 32
    tx = send(node, ALICE, to=context, data=selector("make(address,bytes32)").hex()
              + encode(["address", "bytes32"], [probe, salt]).hex(), gas=1_000_000)  # fmt: skip
    plain, salted = decode(["address", "address"], node.receipts[tx].logs[0].data)
    for child in (plain, salted):
        assert rpc(node, "eth_getCode", child, "latest") == "0x" + code.hex()
    assert rpc(node, "eth_getCode", probe, "0x0") == "0x"  # before the deploy (block 1)


def test_estimate_gas_counts_the_access_list_and_the_estimate_is_enough() -> None:
    node = node_with_funds()
    probe = deploy_probe(node)
    access = [{"address": probe, "storageKeys": ["0x" + "00" * 32, "0x" + "00" * 31 + "01"]}]
    call = {"from": ALICE.address, "to": probe, "data": store_data(5)}
    without = int(rpc(node, "eth_estimateGas", call), 16)
    with_list = int(rpc(node, "eth_estimateGas", {**call, "accessList": access}), 16)
    assert with_list != without
    tx = {"to": probe, "data": store_data(5), "gas": with_list, "type": 1, "gasPrice": 10**10,
          "accessList": access}  # fmt: skip
    full = {"chainId": 31337, "nonce": node.state.nonce(ALICE.address.lower()), "value": 0, **tx}
    receipt = node.receipts[node.send_raw_transaction(ALICE.sign_tx(full))]
    assert receipt.success and receipt.gas_used == with_list
    head = rpc(node, "eth_getBlockByNumber", "latest", False)
    by_hash = {"blockHash": head["hash"]}
    assert rpc(node, "eth_estimateGas", call, by_hash) == rpc(
        node, "eth_estimateGas", call, "latest"
    )


def context_call(node: DevnetNode, address: str, tag: Any) -> tuple[Any, ...]:
    data = "0x" + selector("context()").hex()
    out = rpc(node, "eth_call", {"to": address, "data": data}, tag)
    return tuple(decode(CONTEXT_TYPES, bytes.fromhex(out[2:])))


def header_context(block: dict[str, Any], parent: dict[str, Any]) -> tuple[Any, ...]:
    return (
        int(block["number"], 16), int(block["timestamp"], 16), int(block["gasLimit"], 16),
        bytes.fromhex(block["mixHash"][2:]), block["miner"], 31337,
        bytes.fromhex(parent["hash"][2:]),
    )  # fmt: skip


def test_context_opcodes_in_calls_equal_the_header_of_that_block() -> None:
    node = node_with_funds(clock=lambda: 1_700_000_000.0, genesis_timestamp=1_700_000_000)
    context = deploy(node, "Context")
    node.increase_time(600)
    send(node, BOB, to=BOB.address, value=1)
    node.increase_time(3600)  # the wall clock moves on; "latest" stays the latest block
    blocks = [rpc(node, "eth_getBlockByNumber", hex(n), False) for n in range(3)]
    assert context_call(node, context, "latest") == header_context(blocks[2], blocks[1])
    assert context_call(node, context, "0x1") == header_context(blocks[1], blocks[0])
    assert context_call(node, context, {"blockHash": blocks[1]["hash"]})[0] == 1
    pending = rpc(node, "eth_getBlockByNumber", "pending", False)
    seen = context_call(node, context, "pending")
    assert seen[:4] == (3, int(pending["timestamp"], 16), 30_000_000,
                        bytes.fromhex(pending["mixHash"][2:]))  # fmt: skip
    for n in range(2):  # BLOCKHASH of each earlier block is that block's header hash
        data = "0x" + selector("hash_of(uint256)").hex() + encode(["uint256"], [n]).hex()
        assert rpc(node, "eth_call", {"to": context, "data": data}, "latest") == blocks[n]["hash"]


def test_context_opcodes_in_a_transaction_equal_its_block_header() -> None:
    node = node_with_funds()
    context = deploy(node, "Context")
    tx_hash = send(node, ALICE, to=context, data="0x" + selector("record()").hex())
    receipt = node.receipts[tx_hash]
    types = ["uint256", "uint256", "uint256", "bytes32", "address", "uint256", "bytes32"]
    seen = decode(types, receipt.logs[0].data)
    block = rpc(node, "eth_getBlockByNumber", hex(receipt.block_number), False)
    parent = rpc(node, "eth_getBlockByNumber", hex(receipt.block_number - 1), False)
    assert seen == header_context(block, parent)


def test_calls_and_reads_at_a_past_block_see_that_blocks_state() -> None:
    node = node_with_funds()
    probe = deploy_probe(node)
    send(node, ALICE, to=probe, data=store_data(1))
    send(node, ALICE, to=probe, data=store_data(2))
    value = {"to": probe, "data": "0x" + selector("value()").hex()}
    answers = [int(rpc(node, "eth_call", value, hex(n)), 16) for n in (2, 3)]
    assert answers == [1, 2]
    assert int(rpc(node, "eth_getStorageAt", probe, "0x0", "0x2"), 16) == 1
    assert rpc(node, "eth_call", value, "0x0") == "0x"  # no code yet at block 0
    assert int(rpc(node, "eth_call", value, "latest"), 16) == 2
    gas = gas_of(node, send(node, ALICE, to=probe, data=store_data(3)))
    assert gas == gas_of(node, send(node, ALICE, to=probe, data=store_data(4)))
