"""DevnetNode: a pyrevm EVM behind a JSON-RPC 2.0 handler, mining one block per
transaction.

    node = DevnetNode()                       # fresh PRAGUE EVM, chain id 31337
    node.fund("0xf39f…", 10**22)              # or deploy straight on node.evm, then node.seal()
    node.handle({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []})

The Python methods here (send_raw_transaction, mine, snapshot, revert, fund,
seal, replay) are what the RPC methods in `api` call. `handle` and
`handle_json` hold `node.lock` (re-entrant), which the provider and the HTTP
server share; Python callers that touch the node or `node.evm` from several
threads hold it too. Known limits: the
BASEFEE opcode reads 0 (pyrevm zeroes it), state is only kept for the head
block (older block tags are refused), and block timestamps never decrease but
may repeat when transactions arrive faster than one per second.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pyrevm import EVM, CfgEnv, Env

from swarmfi.chain.hashing import keccak256
from swarmfi.chain.node.blocks import GAS_LIMIT, ZERO_HASH, Block, Receipt, log_bloom, prevrandao
from swarmfi.chain.node.database import EvmDatabase
from swarmfi.chain.node.execution import EvmState, ExecError
from swarmfi.chain.node.jsonrpc import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    TX_REJECTED,
    RpcError,
    bad_params,
    error_response,
)
from swarmfi.chain.node.transactions import (
    MAX_INITCODE_SIZE,
    SignedTx,
    decode_raw_tx,
    floor_gas,
    intrinsic_gas,
    rlp_encode,
)
from swarmfi.chain.node.world import WorldState

log = logging.getLogger(__name__)

DEFAULT_CHAIN_ID = 31337
GWEI = 10**9
DEFAULT_BASE_FEE = GWEI
DEFAULT_COINBASE = "0xc014ba5ec014ba5ec014ba5ec014ba5ec014ba5e"


@dataclass(frozen=True, slots=True)
class _Mark:
    """Where the chain stood when an evm_snapshot was taken."""

    diffs: int
    blocks: int
    history: int
    time_offset: int
    next_timestamp: int | None


def new_evm(chain_id: int = DEFAULT_CHAIN_ID) -> EVM:
    """A fresh in-memory PRAGUE EVM with `chain_id` and a 30M block gas limit."""
    return EVM(env=Env(cfg=CfgEnv(chain_id=chain_id)), gas_limit=GAS_LIMIT, spec_id="PRAGUE")


class DevnetNode:
    """An automining EVM devnet speaking Ethereum JSON-RPC (see module docs).

    `accounts` is what eth_accounts lists (no keys are held). `base_fee` is the
    first block's, and `min_base_fee` a floor under the EIP-1559 updates. To resume
    a chain whose EVM state was restored into `evm`, pass `first_block`,
    `genesis_timestamp` and `base_fee` of its head: this node starts there.
    """

    def __init__(
        self,
        evm: EVM | None = None,
        chain_id: int = DEFAULT_CHAIN_ID,
        *,
        world: WorldState | None = None,
        accounts: Sequence[str] = (),
        coinbase: str = DEFAULT_COINBASE,
        base_fee: int = DEFAULT_BASE_FEE,
        min_base_fee: int = 0,
        clock: Callable[[], float] = time.time,
        genesis_timestamp: int | None = None,
        first_block: int = 0,
    ) -> None:
        from swarmfi.chain.node.api import NodeApi  # the RPC surface, one method per name

        self.lock = threading.RLock()

        def factory() -> EVM:
            return new_evm(chain_id)

        if evm is not None:
            database = EvmDatabase.adopt(evm, factory)
        else:
            database = EvmDatabase(factory, world if world is not None else WorldState())
        self.state = EvmState(database)
        self.world = database.world
        self.chain_id = chain_id
        self.accounts = [a.lower() for a in accounts]
        self.coinbase = coinbase.lower()
        self.min_base_fee = min_base_fee
        self.clock = clock
        self.time_offset = 0
        self.next_timestamp: int | None = None
        self.blocks: list[Block] = []
        self.block_index: dict[bytes, Block] = {}
        self.receipts: dict[bytes, Receipt] = {}
        self.history: list[dict[str, Any]] = []
        self._marks: dict[int, _Mark] = {}
        self._last_mark = 0
        ts = int(clock()) if genesis_timestamp is None else genesis_timestamp
        self._append(Block(first_block, ZERO_HASH, ts, base_fee, self.coinbase))
        self.methods: dict[str, Callable[[Any], Any]] = NodeApi(self).methods()

    # -- JSON-RPC ----------------------------------------------------------------

    def handle(self, request: Any) -> Any:
        """Answer one JSON-RPC request object or a batch (a list); None for notifications."""
        with self.lock:
            if not isinstance(request, list):
                return self._handle_one(request)
            if not request:
                return error_response(None, RpcError(INVALID_REQUEST, "empty batch"))
            answers = [a for a in map(self._handle_one, request) if a is not None]
            return answers or None

    def handle_json(self, body: bytes | str) -> bytes:
        """Answer raw JSON text; invalid JSON gets a -32700 error, never an exception."""
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            answer: Any = error_response(None, RpcError(PARSE_ERROR, f"invalid JSON: {exc}"))
        else:
            answer = self.handle(request)
        return b"" if answer is None else json.dumps(answer, separators=(",", ":")).encode()

    def _handle_one(self, request: Any) -> dict[str, Any] | None:
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            return error_response(None, RpcError(INVALID_REQUEST, "expected a JSON-RPC object"))
        request_id = request.get("id")
        try:
            result = self.call(request["method"], request.get("params"))
        except RpcError as exc:
            answer = error_response(request_id, exc)
        else:
            answer = {"jsonrpc": "2.0", "id": request_id, "result": result}
        return answer if "id" in request else None

    def call(self, method: str, params: Any = None) -> Any:
        """Run one RPC method; raises RpcError for every failure."""
        handler = self.methods.get(method)
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"the method {method} does not exist/is not available")
        try:
            return handler(params)
        except RpcError:
            raise
        except Exception as exc:  # a bug: report it, keep serving
            log.exception("devnet: %s failed", method)
            raise RpcError(INTERNAL_ERROR, f"internal error in {method}: {exc!r}") from exc

    # -- chain -------------------------------------------------------------------

    @property
    def evm(self) -> Any:
        """The EVM (a handle that follows rebuilds); direct changes need `seal`."""
        return self.state.evm

    @property
    def head(self) -> Block:
        return self.blocks[-1]

    def block(self, number: int) -> Block | None:
        """The block at `number`, if this node has it."""
        index = number - self.blocks[0].number
        return self.blocks[index] if 0 <= index < len(self.blocks) else None

    def block_range(self, start: int, stop: int) -> list[Block]:
        """The blocks numbered `start` to `stop`, both included, that this node has."""
        first = self.blocks[0].number
        return self.blocks[max(0, start - first) : max(0, stop - first + 1)]

    def pending_timestamp(self) -> int:
        if self.next_timestamp is not None:
            return self.next_timestamp
        return max(self.head.timestamp, int(self.clock()) + self.time_offset)

    def pending_base_fee(self) -> int:
        return self.head.next_base_fee(self.min_base_fee)

    def enter_pending_block(self) -> None:
        """Point the EVM's block environment at the block the next tx will land in."""
        number = self.head.number + 1
        self.state.set_block(
            number, self.pending_timestamp(), self.coinbase, self.pending_base_fee(),
            prevrandao(number),
        )  # fmt: skip

    def enter_block(self, block: Block) -> None:
        """Point the EVM's block environment at a mined block (eth_call on a block)."""
        self.state.set_block(
            block.number, block.timestamp, block.coinbase, block.base_fee,
            prevrandao(block.number),
        )  # fmt: skip

    def _open_block(self) -> Block:
        head = self.head
        block = Block(
            head.number + 1, head.hash, self.pending_timestamp(), self.pending_base_fee(),
            self.coinbase,
        )  # fmt: skip
        self.next_timestamp = None
        self.enter_block(block)
        return block

    def _append(self, block: Block) -> Block:
        block.seal()
        self.blocks.append(block)
        self.block_index[block.hash] = block
        for receipt in block.receipts:
            self.receipts[receipt.tx.hash] = receipt
        return block

    def mine(self, timestamp: int | None = None, op: str = "mine") -> Block:
        """Mine an empty block (at `timestamp` if given)."""
        if timestamp is not None:
            self.set_next_timestamp(timestamp)
        block = self._append(self._open_block())
        self.history.append({"op": op, "ts": block.timestamp})
        return block

    def seal(self, label: str = "genesis") -> int:
        """Mark direct changes made on `node.evm` as chain state: mines an empty block.

        Call it after deploying or writing straight through `node.evm` (genesis);
        a replayed history re-mines this block, so the same direct changes must be
        made again before `replay`.
        """
        if self._marks:
            raise bad_params("cannot seal while an evm_snapshot is open; revert it first")
        self.state.commit(self.head.number + 1)
        block = self.mine(op="seal")
        self.history[-1]["label"] = label
        return block.number

    def fund(self, address: str, wei: int) -> None:
        """Set the ether balance of `address` (undone by evm_revert)."""
        address = address.lower()
        self.state.settle(self.head.number)
        self.state.add_balance(address, wei - self.state.balance(address))
        self.state.commit(self.head.number)
        self.history.append({"op": "fund", "address": address, "wei": str(wei)})

    # -- transactions -----------------------------------------------------------

    def send_raw_transaction(self, raw: bytes) -> bytes:
        """Validate, execute and mine `raw` in its own block; returns the tx hash."""
        tx = decode_raw_tx(raw)
        self.state.settle(self.head.number)
        self._validate(tx)
        block = self._open_block()
        try:
            receipt = self._apply(tx, block)
        except ExecError as exc:
            self.state.discard()
            raise RpcError(TX_REJECTED, f"transaction rejected by the EVM: {exc}") from None
        self.state.commit(block.number)
        block.receipts.append(receipt)
        self._append(block)
        self.history.append({"op": "tx", "raw": raw.hex(), "ts": block.timestamp})
        return tx.hash

    def _validate(self, tx: SignedTx) -> None:
        if tx.chain_id is not None and tx.chain_id != self.chain_id:
            raise _reject(f"invalid chain id: this devnet is {self.chain_id}, tx has {tx.chain_id}")
        if tx.to is None and len(tx.data) > MAX_INITCODE_SIZE:
            raise _reject(f"max initcode size exceeded: {len(tx.data)} > {MAX_INITCODE_SIZE}")
        needed = max(intrinsic_gas(tx.data, tx.to is None, tx.access_list), floor_gas(tx.data))
        if tx.gas < needed:
            raise _reject(f"intrinsic gas too low: have {tx.gas}, want {needed}")
        if tx.gas > self.head.gas_limit:
            raise _reject(f"exceeds block gas limit: {tx.gas} > {self.head.gas_limit}")
        self._validate_fees(tx)
        self._validate_account(tx)

    def _validate_fees(self, tx: SignedTx) -> None:
        if tx.max_priority_fee > tx.gas_price:
            raise _reject(
                f"max priority fee per gas higher than max fee per gas: "
                f"{tx.max_priority_fee} > {tx.gas_price}"
            )
        base_fee = self.pending_base_fee()
        if tx.gas_price < base_fee:
            raise _reject(
                f"max fee per gas less than block base fee: maxFeePerGas: {tx.gas_price}, "
                f"baseFee: {base_fee}"
            )

    def _validate_account(self, tx: SignedTx) -> None:
        nonce = self.state.nonce(tx.sender)
        if tx.nonce < nonce:
            raise _reject(f"nonce too low: next nonce {nonce}, tx nonce {tx.nonce}")
        if tx.nonce > nonce:
            raise _reject(f"nonce too high: next nonce {nonce}, tx nonce {tx.nonce}")
        balance = self.state.balance(tx.sender)
        cost = tx.gas * tx.gas_price + tx.value
        if balance < cost:
            raise _reject(
                f"insufficient funds for gas * price + value: balance {balance}, "
                f"tx cost {cost}, overshot {cost - balance}"
            )

    def _apply(self, tx: SignedTx, block: Block) -> Receipt:
        price = tx.effective_price(block.base_fee)
        created = create_address(tx.sender, tx.nonce) if tx.to is None else None
        self.state.database.prepare((created,))
        outcome = self.state.execute(
            tx.sender, tx.to, tx.data, tx.value, tx.gas, price, tx.access_list
        )
        gas_used = max(outcome.gas_used, floor_gas(tx.data))
        if tx.to is not None:
            self.state.bump_nonce(tx.sender)
        self.state.add_balance(tx.sender, -gas_used * price)
        self.state.add_balance(block.coinbase, gas_used * (price - block.base_fee))
        return Receipt(
            tx, outcome.success, gas_used, gas_used, price, created, outcome.logs,
            outcome.output, log_bloom(outcome.logs),
        )  # fmt: skip

    # -- time and snapshots -------------------------------------------------------

    def increase_time(self, seconds: int) -> int:
        self.time_offset += seconds
        self.history.append({"op": "time", "offset": self.time_offset})
        return self.time_offset

    def set_next_timestamp(self, timestamp: int) -> None:
        if timestamp < self.head.timestamp:
            raise bad_params(
                f"timestamp {timestamp} is before the latest block's {self.head.timestamp}"
            )
        self.next_timestamp = timestamp
        self.time_offset = timestamp - int(self.clock())
        self.history.append({"op": "time", "offset": self.time_offset})

    def snapshot(self) -> int:
        """evm_snapshot: returns an id for `revert`."""
        self.state.settle(self.head.number)
        self._last_mark += 1
        self._marks[self._last_mark] = _Mark(
            len(self.world.diffs),
            len(self.blocks),
            len(self.history),
            self.time_offset,
            self.next_timestamp,
        )
        return self._last_mark

    def revert(self, snapshot_id: int) -> bool:
        """evm_revert: back to the state at `snapshot_id`; it and later ids are used up."""
        mark = self._marks.get(snapshot_id)
        if mark is None:
            return False
        self.state.undo(len(self.world.diffs) - mark.diffs)
        self._marks = {k: m for k, m in self._marks.items() if k < snapshot_id}
        for block in self.blocks[mark.blocks :]:
            self.block_index.pop(block.hash, None)
            for receipt in block.receipts:
                self.receipts.pop(receipt.tx.hash, None)
        del self.blocks[mark.blocks :]
        del self.history[mark.history :]
        self.time_offset, self.next_timestamp = mark.time_offset, mark.next_timestamp
        return True

    # -- persistence ----------------------------------------------------------------

    def replay(self, history: Iterable[dict[str, Any]]) -> None:
        """Re-apply a history from `self.history` of a node with the same start."""
        for entry in history:
            self._replay_one(entry)

    def _replay_one(self, entry: dict[str, Any]) -> None:
        op = entry.get("op")
        if op in ("tx", "mine", "seal"):
            self.next_timestamp = int(entry["ts"])
        if op == "tx":
            self.send_raw_transaction(bytes.fromhex(entry["raw"]))
        elif op in ("mine", "seal"):
            self.mine(op=op)
            if op == "seal":
                self.history[-1]["label"] = entry.get("label", "")
        elif op == "fund":
            self.fund(entry["address"], int(entry["wei"]))
        elif op == "time":
            self.time_offset = int(entry["offset"])
            self.history.append({"op": "time", "offset": self.time_offset})
        else:
            raise ValueError(f"unknown history entry {entry!r}")


def _reject(message: str) -> RpcError:
    return RpcError(TX_REJECTED, message)


def create_address(sender: str, nonce: int) -> str:
    """The address a CREATE from `sender` at `nonce` deploys to."""
    return "0x" + keccak256(rlp_encode([bytes.fromhex(sender[2:]), nonce]))[12:].hex()
