"""Blocks, receipts and logs of the devnet chain, and their JSON-RPC shapes.

Records are plain slotted dataclasses built once per mined transaction; the
JSON dictionaries are produced on demand (eth_getBlockBy*, receipts, logs).
Block hashes are keccak over an RLP list of the header fields we keep: unique
and stable, but not consensus-exact (there is no state root).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from swarmfi.chain.hashing import keccak256
from swarmfi.chain.node.jsonrpc import data_hex, qty
from swarmfi.chain.node.transactions import SignedTx, rlp_encode

GAS_LIMIT = 30_000_000
ELASTICITY = 2
BASE_FEE_CHANGE_DENOMINATOR = 8
EMPTY_BLOOM = bytes(256)
EMPTY_LIST_HASH = keccak256(rlp_encode([]))  # sha3Uncles of a block without uncles
EMPTY_TRIE_ROOT = keccak256(rlp_encode(b""))
ZERO_HASH = bytes(32)


@dataclass(frozen=True, slots=True)
class LogEntry:
    address: str  # lowercase
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(slots=True)
class Receipt:
    tx: SignedTx
    success: bool
    gas_used: int
    cumulative_gas_used: int
    effective_gas_price: int
    contract_address: str | None
    logs: tuple[LogEntry, ...]
    output: bytes
    bloom: bytes
    block_number: int = 0
    block_hash: bytes = ZERO_HASH
    index: int = 0


@dataclass(slots=True)
class Block:
    number: int
    parent_hash: bytes
    timestamp: int
    base_fee: int
    coinbase: str
    gas_limit: int = GAS_LIMIT
    receipts: list[Receipt] = field(default_factory=list)
    hash: bytes = ZERO_HASH
    bloom: bytes = EMPTY_BLOOM

    @property
    def gas_used(self) -> int:
        return self.receipts[-1].cumulative_gas_used if self.receipts else 0

    def seal(self) -> None:
        """Fix the bloom and hash, and stamp the receipts with the block."""
        self.bloom = or_blooms([r.bloom for r in self.receipts])
        self.hash = block_hash(self.number)
        for index, receipt in enumerate(self.receipts):
            receipt.block_number, receipt.block_hash, receipt.index = self.number, self.hash, index

    def next_base_fee(self, floor: int = 0) -> int:
        return max(floor, next_base_fee(self.base_fee, self.gas_used, self.gas_limit))


@lru_cache(maxsize=512)
def block_hash(number: int) -> bytes:
    """The hash of block `number`: what pyrevm's BLOCKHASH opcode returns for it (keccak
    of the decimal number), so that BLOCKHASH and the headers agree."""
    return keccak256(str(number).encode())


def prevrandao(number: int) -> bytes:
    """PREVRANDAO inside block `number`, and its header's mixHash."""
    return keccak256(b"swarmfi-devnet-prevrandao" + number.to_bytes(32, "big"))


def next_base_fee(base_fee: int, gas_used: int, gas_limit: int) -> int:
    """EIP-1559: the base fee of the child of a block with these figures."""
    target = gas_limit // ELASTICITY
    if gas_used == target:
        return base_fee
    if gas_used > target:
        delta = base_fee * (gas_used - target) // target // BASE_FEE_CHANGE_DENOMINATOR
        return base_fee + max(1, delta)
    return base_fee - base_fee * (target - gas_used) // target // BASE_FEE_CHANGE_DENOMINATOR


def log_bloom(logs: tuple[LogEntry, ...]) -> bytes:
    """The 2048-bit bloom filter over the addresses and topics of `logs`."""
    if not logs:
        return EMPTY_BLOOM
    bits = 0
    for log in logs:
        bits |= _address_bits(log.address)
        for topic in log.topics:
            bits |= _bloom_bits(topic)
    return bits.to_bytes(256, "big")


@lru_cache(maxsize=4096)
def _address_bits(address: str) -> int:
    return _bloom_bits(bytes.fromhex(address[2:]))


@lru_cache(maxsize=16384)
def _bloom_bits(item: bytes) -> int:
    """The three bloom bits one address or topic sets (a pure function of `item`: the
    same contracts and event signatures recur in nearly every block)."""
    digest = keccak256(item)
    bits = 0
    for i in (0, 2, 4):
        bits |= 1 << (int.from_bytes(digest[i : i + 2], "big") & 2047)
    return bits


def or_blooms(blooms: list[bytes]) -> bytes:
    present = [b for b in blooms if b is not EMPTY_BLOOM]
    if not present:
        return EMPTY_BLOOM
    bits = 0
    for bloom in present:
        bits |= int.from_bytes(bloom, "big")
    return bits.to_bytes(256, "big")


# -- JSON-RPC shapes --------------------------------------------------------


def tx_json(receipt: Receipt) -> dict[str, Any]:
    """eth_getTransactionByHash for a mined transaction."""
    tx = receipt.tx
    out: dict[str, Any] = {
        "hash": data_hex(tx.hash), "type": qty(tx.type), "nonce": qty(tx.nonce),
        "blockHash": data_hex(receipt.block_hash), "blockNumber": qty(receipt.block_number),
        "transactionIndex": qty(receipt.index), "from": tx.sender, "to": tx.to,
        "value": qty(tx.value), "gas": qty(tx.gas), "input": data_hex(tx.data),
        "gasPrice": qty(receipt.effective_gas_price),
        "v": qty(tx.v), "r": qty(tx.r), "s": qty(tx.s),
    }  # fmt: skip
    if tx.chain_id is not None:
        out["chainId"] = qty(tx.chain_id)
    if tx.type:
        out["accessList"] = access_list_json(tx.access_list)
        out["yParity"] = qty(tx.y_parity)
    if tx.type == 2:
        out["maxFeePerGas"] = qty(tx.gas_price)
        out["maxPriorityFeePerGas"] = qty(tx.max_priority_fee)
    return out


def access_list_json(entries: tuple[tuple[str, tuple[int, ...]], ...]) -> list[dict[str, Any]]:
    return [
        {"address": a, "storageKeys": ["0x" + k.to_bytes(32, "big").hex() for k in keys]}
        for a, keys in entries
    ]


def receipt_json(receipt: Receipt, first_log_index: int) -> dict[str, Any]:
    tx = receipt.tx
    return {
        "transactionHash": data_hex(tx.hash), "transactionIndex": qty(receipt.index),
        "blockHash": data_hex(receipt.block_hash), "blockNumber": qty(receipt.block_number),
        "from": tx.sender, "to": tx.to, "type": qty(tx.type),
        "cumulativeGasUsed": qty(receipt.cumulative_gas_used), "gasUsed": qty(receipt.gas_used),
        "effectiveGasPrice": qty(receipt.effective_gas_price),
        "contractAddress": receipt.contract_address,
        "logs": logs_json(receipt, first_log_index), "logsBloom": data_hex(receipt.bloom),
        "status": "0x1" if receipt.success else "0x0",
    }  # fmt: skip


def logs_json(receipt: Receipt, first_log_index: int) -> list[dict[str, Any]]:
    return [log_json(receipt, log, first_log_index + i) for i, log in enumerate(receipt.logs)]


def log_json(receipt: Receipt, log: LogEntry, log_index: int) -> dict[str, Any]:
    return {
        "address": log.address, "topics": [data_hex(t) for t in log.topics],
        "data": data_hex(log.data), "blockNumber": qty(receipt.block_number),
        "blockHash": data_hex(receipt.block_hash), "transactionHash": data_hex(receipt.tx.hash),
        "transactionIndex": qty(receipt.index), "logIndex": qty(log_index), "removed": False,
    }  # fmt: skip


def block_json(block: Block, full: bool) -> dict[str, Any]:
    txs: list[Any] = [tx_json(r) if full else data_hex(r.tx.hash) for r in block.receipts]
    return {
        "number": qty(block.number), "hash": data_hex(block.hash),
        "parentHash": data_hex(block.parent_hash), "nonce": "0x0000000000000000",
        "sha3Uncles": data_hex(EMPTY_LIST_HASH), "logsBloom": data_hex(block.bloom),
        "transactionsRoot": data_hex(_root([r.tx.hash for r in block.receipts])),
        "stateRoot": data_hex(keccak256(block.hash)), "receiptsRoot": data_hex(EMPTY_TRIE_ROOT),
        "miner": block.coinbase, "difficulty": "0x0", "totalDifficulty": "0x0",
        "extraData": "0x", "size": qty(1000 + 120 * len(block.receipts)),
        "gasLimit": qty(block.gas_limit), "gasUsed": qty(block.gas_used),
        "timestamp": qty(block.timestamp), "transactions": txs, "uncles": [],
        "baseFeePerGas": qty(block.base_fee), "mixHash": data_hex(prevrandao(block.number)),
        "withdrawals": [], "withdrawalsRoot": data_hex(EMPTY_TRIE_ROOT),
        "blobGasUsed": "0x0", "excessBlobGas": "0x0",
        "parentBeaconBlockRoot": data_hex(ZERO_HASH),
    }  # fmt: skip


def pending_block_json(head: Block, timestamp: int, base_fee: int) -> dict[str, Any]:
    """The block the next transaction will be mined in (geth's "pending")."""
    shape = block_json(head, False)
    shape.update(
        number=qty(head.number + 1), hash=None, parentHash=data_hex(head.hash), nonce=None,
        miner=None, logsBloom=data_hex(EMPTY_BLOOM), gasUsed="0x0",
        timestamp=qty(timestamp), transactions=[], baseFeePerGas=qty(base_fee),
        mixHash=data_hex(prevrandao(head.number + 1)),
    )  # fmt: skip
    return shape


def _root(hashes: list[bytes]) -> bytes:
    return keccak256(b"".join(hashes)) if hashes else EMPTY_TRIE_ROOT
