"""The JSON-RPC methods of the devnet node, one Python method per RPC name.

Each method takes the raw `params` value, parses it with `jsonrpc.take`, and
returns a JSON-ready result or raises `RpcError`. State is only kept for the
head block: "latest", "pending", "safe", "finalized" and the head's number are
accepted for state reads; older blocks get a -32000 error saying so.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from swarmfi.chain.node.blocks import (
    Block,
    block_json,
    log_json,
    pending_block_json,
    receipt_json,
    tx_json,
)
from swarmfi.chain.node.execution import ExecError, Outcome, revert_reason
from swarmfi.chain.node.jsonrpc import (
    EXECUTION_REVERTED,
    INVALID_INPUT,
    REQUIRED,
    ZERO_ADDRESS,
    RpcError,
    bad_params,
    data_hex,
    parse_address,
    parse_block_tag,
    parse_bool,
    parse_data,
    parse_hash,
    parse_quantity,
    qty,
    take,
    word_hex,
)
from swarmfi.chain.node.transactions import floor_gas, intrinsic_gas
from swarmfi.chain.node.world import AccountRecord

if TYPE_CHECKING:
    from swarmfi.chain.node import DevnetNode

DEFAULT_PRIORITY_FEE = 10**9  # what eth_maxPriorityFeePerGas suggests: 1 gwei

CLIENT_VERSION = "swarmfi-devnet/0.1.0/pyrevm-0.3.7"
MAX_LOG_RANGE = 100_000


@dataclass(frozen=True, slots=True)
class CallArgs:
    """The transaction object of eth_call / eth_estimateGas."""

    sender: str
    to: str | None
    data: bytes
    value: int
    gas: int | None
    gas_price: int
    access_list: tuple[tuple[str, tuple[int, ...]], ...] = ()


class NodeApi:
    """RPC method implementations over a DevnetNode."""

    def __init__(self, node: DevnetNode) -> None:
        self.node = node

    def methods(self) -> dict[str, Callable[[Any], Any]]:
        names = [n for n in dir(self) if n.split("_")[0] in ("eth", "net", "web3", "evm")]
        table = {name: getattr(self, name) for name in names}
        for alias in ("anvil_setBalance", "hardhat_setBalance"):
            table[alias] = self.set_balance
        return table

    # -- identity ------------------------------------------------------------------

    def eth_chainId(self, params: Any) -> str:
        take(params)
        return qty(self.node.chain_id)

    def net_version(self, params: Any) -> str:
        take(params)
        return str(self.node.chain_id)

    def net_listening(self, params: Any) -> bool:
        take(params)
        return True

    def web3_clientVersion(self, params: Any) -> str:
        take(params)
        return CLIENT_VERSION

    def eth_accounts(self, params: Any) -> list[str]:
        take(params)
        return list(self.node.accounts)

    def eth_syncing(self, params: Any) -> bool:
        take(params)
        return False

    def eth_blockNumber(self, params: Any) -> str:
        take(params)
        return qty(self.node.head.number)

    # -- state reads ---------------------------------------------------------------

    def _tag(self, value: Any) -> str | int:
        """A block tag, also as an EIP-1898 {"blockHash": …} object (pyrevm's fork pins
        its block by hash)."""
        if isinstance(value, dict) and "blockHash" in value:
            block = self.node.block_index.get(parse_hash(value["blockHash"], "blockHash"))
            if block is None:
                raise RpcError(INVALID_INPUT, f"block {value['blockHash']} not found")
            return int(block.number)
        if isinstance(value, dict) and "blockNumber" in value:
            return parse_block_tag(value["blockNumber"])
        return parse_block_tag(value)

    def _state_block(self, tag: str | int) -> int | None:
        """The block number whose state `tag` reads (None: the pending block)."""
        node = self.node
        head, first = node.head.number, node.blocks[0].number
        if tag == "pending":
            return None
        number = self._number(tag)
        if number > head:
            raise RpcError(INVALID_INPUT, f"block {number} not found; the head is {head}")
        if number < first:
            raise RpcError(
                INVALID_INPUT,
                f"state before block {first} is not kept (the devnet history was compacted "
                f"there); ask for block {first} or later",
            )
        return number

    def _past(self, tag: str | int) -> int | None:
        """A block number before the head whose state is wanted, else None."""
        number = self._state_block(tag)
        return number if number is not None and number < self.node.head.number else None

    def _account(self, address: str, tag: str | int) -> AccountRecord:
        number = self._past(tag)
        world = self.node.world
        return world.account(address) if number is None else world.account_at(address, number)

    def eth_getBalance(self, params: Any) -> str:
        address, tag = take(params, (parse_address, REQUIRED), (self._tag, "latest"))
        return qty(self._account(address, tag).balance)

    def eth_getTransactionCount(self, params: Any) -> str:
        address, tag = take(params, (parse_address, REQUIRED), (self._tag, "latest"))
        return qty(self._account(address, tag).nonce)

    def eth_getCode(self, params: Any) -> str:
        address, tag = take(params, (parse_address, REQUIRED), (self._tag, "latest"))
        return data_hex(self.node.world.codes[self._account(address, tag).code_hash])

    def eth_getStorageAt(self, params: Any) -> str:
        address, slot, tag = take(
            params,
            (parse_address, REQUIRED),
            (parse_quantity, REQUIRED),
            (self._tag, "latest"),
        )
        number = self._past(tag)
        world = self.node.world
        value = (
            world.slot(address, slot) if number is None else world.slot_at(address, slot, number)
        )
        return word_hex(value)

    # -- calls -----------------------------------------------------------------------

    def _call_args(self, obj: Any) -> CallArgs:
        if not isinstance(obj, dict):
            raise bad_params("the call object must be a JSON object")
        data = obj.get("input", obj.get("data"))
        price = obj.get("gasPrice", obj.get("maxFeePerGas"))
        return CallArgs(
            parse_address(obj["from"], "from") if obj.get("from") else ZERO_ADDRESS,
            parse_address(obj["to"], "to") if obj.get("to") else None,
            parse_data(data, "input") if data is not None else b"",
            parse_quantity(obj["value"], "value") if obj.get("value") is not None else 0,
            parse_quantity(obj["gas"], "gas") if obj.get("gas") is not None else None,
            self._call_price(obj, price),
            parse_access_list(obj.get("accessList")),
        )

    def _call_price(self, obj: dict[str, Any], price: Any) -> int:
        if price is None:
            return 0
        max_fee = parse_quantity(price, "gasPrice")
        tip = obj.get("maxPriorityFeePerGas")
        if "gasPrice" in obj or tip is None:
            return max_fee
        return min(max_fee, self.node.pending_base_fee() + parse_quantity(tip, "tip"))

    @contextmanager
    def _at(self, tag: str | int) -> Iterator[None]:
        """Run the block's context (and, for a past block, its state) for calls."""
        node = self.node
        number = self._state_block(tag)
        node.state.settle(node.head.number)
        if number is None:
            node.enter_pending_block()
            yield
            return
        block = node.block(number)
        assert block is not None
        node.enter_block(block)
        if number == node.head.number:
            yield
            return
        with node.state.database.overlay(node.world.changed_after(number)):
            yield

    def _simulate(self, args: CallArgs, gas: int) -> Outcome:
        try:
            return self.node.state.simulate(
                args.sender, args.to, args.data, args.value, gas, args.gas_price,
                args.access_list,
            )  # fmt: skip
        except ExecError as exc:
            if "LackOfFund" in str(exc):
                raise RpcError(
                    INVALID_INPUT, "insufficient funds for gas * price + value"
                ) from None
            raise RpcError(INVALID_INPUT, f"the call cannot run: {exc}") from None

    def eth_call(self, params: Any) -> str:
        obj, tag = take(params, (lambda x: x, REQUIRED), (self._tag, "latest"))
        args = self._call_args(obj)
        with self._at(tag):
            outcome = self._simulate(args, args.gas or self.node.head.gas_limit)
        if not outcome.success:
            raise _failure_error(outcome)
        return data_hex(outcome.output)

    def eth_estimateGas(self, params: Any) -> str:
        obj, tag = take(params, (lambda x: x, REQUIRED), (self._tag, "pending"))
        args = self._call_args(obj)
        with self._at(tag):
            cap = args.gas or self._allowance(args, tag)
            outcome = self._simulate(args, cap)
            if not outcome.success:
                if outcome.halt_reason and "OutOfGas" in outcome.halt_reason:
                    raise RpcError(INVALID_INPUT, f"gas required exceeds allowance ({cap})")
                raise _failure_error(outcome)
            return qty(self._search_gas(args, outcome, cap))

    def _allowance(self, args: CallArgs, tag: str | int) -> int:
        """Geth's cap for an estimate without `gas`: what the sender can pay for."""
        limit = self.node.head.gas_limit
        if not args.gas_price:
            return limit
        spendable = self._account(args.sender, tag).balance - args.value
        if spendable < 0:
            raise RpcError(INVALID_INPUT, "insufficient funds for transfer")
        return min(limit, spendable // args.gas_price)

    def _search_gas(self, args: CallArgs, first: Outcome, cap: int) -> int:
        """The least gas limit at which the call still succeeds (binary search)."""
        intrinsic = intrinsic_gas(args.data, args.to is None, args.access_list)
        floor = max(intrinsic, floor_gas(args.data))
        low = max(first.gas_used, floor) - 1
        high = cap
        guess = min(cap, (first.gas_used + first.gas_refunded + 2300) * 64 // 63)
        if guess > low and self._succeeds(args, guess):
            high = guess
        while high - low > 1:
            mid = (low + high) // 2
            if self._succeeds(args, mid):
                high = mid
            else:
                low = mid
        return high

    def _succeeds(self, args: CallArgs, gas: int) -> bool:
        try:
            return self._simulate(args, gas).success
        except RpcError:
            return False

    # -- transactions ------------------------------------------------------------------

    def eth_sendRawTransaction(self, params: Any) -> str:
        (raw,) = take(params, (lambda x: parse_data(x, "raw transaction"), REQUIRED))
        return data_hex(self.node.send_raw_transaction(raw))

    def eth_getTransactionReceipt(self, params: Any) -> dict[str, Any] | None:
        (tx_hash,) = take(params, (parse_hash, REQUIRED))
        receipt = self.node.receipts.get(tx_hash)
        if receipt is None:
            return None
        block = self.node.block(receipt.block_number)
        assert block is not None  # a receipt's block is kept as long as the receipt
        first = sum(len(r.logs) for r in block.receipts[: receipt.index])
        return receipt_json(receipt, first)

    def eth_getTransactionByHash(self, params: Any) -> dict[str, Any] | None:
        (tx_hash,) = take(params, (parse_hash, REQUIRED))
        receipt = self.node.receipts.get(tx_hash)
        return tx_json(receipt) if receipt is not None else None

    # -- blocks ----------------------------------------------------------------------------

    def eth_getBlockByNumber(self, params: Any) -> dict[str, Any] | None:
        tag, full = take(params, (parse_block_tag, REQUIRED), (parse_bool, False))
        if tag == "pending":
            node = self.node
            return pending_block_json(node.head, node.pending_timestamp(), node.pending_base_fee())
        block = self._block(tag)
        return block_json(block, full) if block is not None else None

    def eth_getBlockByHash(self, params: Any) -> dict[str, Any] | None:
        block_hash, full = take(params, (parse_hash, REQUIRED), (parse_bool, False))
        block = self.node.block_index.get(block_hash)
        return block_json(block, full) if block is not None else None

    def _block(self, tag: str | int) -> Block | None:
        number = self._number(tag)
        return self.node.block(number)

    def _number(self, tag: str | int) -> int:
        if isinstance(tag, int):
            return tag
        if tag == "earliest":
            return self.node.blocks[0].number
        return self.node.head.number + (1 if tag == "pending" else 0)

    # -- logs ---------------------------------------------------------------------------------

    def eth_getLogs(self, params: Any) -> list[dict[str, Any]]:
        (flt,) = take(params, (lambda x: x, REQUIRED))
        if not isinstance(flt, dict):
            raise bad_params("the log filter must be a JSON object")
        blocks = self._log_blocks(flt)
        addresses = _filter_addresses(flt.get("address"))
        topics = _filter_topics(flt.get("topics"))
        return [
            log_json(receipt, entry, index)
            for block in blocks
            for receipt, entry, index in _block_logs(block)
            if (addresses is None or entry.address in addresses)
            and _topics_match(entry.topics, topics)
        ]

    def _log_blocks(self, flt: dict[str, Any]) -> list[Block]:
        if flt.get("blockHash") is not None:
            block = self.node.block_index.get(parse_hash(flt["blockHash"], "blockHash"))
            if block is None:
                raise RpcError(INVALID_INPUT, "unknown block hash")
            return [block]
        head = self.node.head.number
        start = min(self._number(parse_block_tag(flt.get("fromBlock") or "latest")), head + 1)
        stop = min(self._number(parse_block_tag(flt.get("toBlock") or "latest")), head)
        if stop - start > MAX_LOG_RANGE:
            raise bad_params(f"block range too large; ask for at most {MAX_LOG_RANGE} blocks")
        return self.node.block_range(start, stop)

    # -- fees --------------------------------------------------------------------------------

    def eth_gasPrice(self, params: Any) -> str:
        take(params)
        return qty(self.node.pending_base_fee() + DEFAULT_PRIORITY_FEE)

    def eth_maxPriorityFeePerGas(self, params: Any) -> str:
        take(params)
        return qty(DEFAULT_PRIORITY_FEE)

    def eth_feeHistory(self, params: Any) -> dict[str, Any]:
        count, newest, percentiles = take(
            params, (parse_quantity, REQUIRED), (parse_block_tag, REQUIRED), (_percentiles, [])
        )
        last = min(self._number(newest), self.node.head.number)
        blocks = self.node.block_range(last - min(count, 1024) + 1, last)
        answer: dict[str, Any] = {
            "oldestBlock": qty(blocks[0].number if blocks else last),
            "baseFeePerGas": [qty(b.base_fee) for b in blocks] + [qty(self._base_fee_after(last))],
            "gasUsedRatio": [b.gas_used / b.gas_limit for b in blocks],
        }
        if percentiles:
            answer["reward"] = [[qty(t) for t in _block_rewards(b, percentiles)] for b in blocks]
        return answer

    def _base_fee_after(self, number: int) -> int:
        if number >= self.node.head.number:
            return self.node.pending_base_fee()
        child = self.node.block(number + 1)
        return child.base_fee if child is not None else self.node.pending_base_fee()

    # -- devnet controls ---------------------------------------------------------------------

    def evm_snapshot(self, params: Any) -> str:
        take(params)
        return qty(self.node.snapshot())

    def evm_revert(self, params: Any) -> bool:
        (snapshot_id,) = take(params, (lambda x: parse_quantity(x, "snapshot id"), REQUIRED))
        return self.node.revert(snapshot_id)

    def evm_increaseTime(self, params: Any) -> int:
        (seconds,) = take(params, (lambda x: parse_quantity(x, "seconds"), REQUIRED))
        return self.node.increase_time(seconds)

    def evm_setNextBlockTimestamp(self, params: Any) -> None:
        (timestamp,) = take(params, (lambda x: parse_quantity(x, "timestamp"), REQUIRED))
        self.node.set_next_timestamp(timestamp)

    def evm_mine(self, params: Any) -> str:
        (arg,) = take(params, (lambda x: x, None))
        if isinstance(arg, dict):
            arg = arg.get("timestamp")
        timestamp = parse_quantity(arg, "timestamp") if arg is not None else None
        self.node.mine(timestamp)
        return "0x0"

    def set_balance(self, params: Any) -> None:
        address, wei = take(params, (parse_address, REQUIRED), (parse_quantity, REQUIRED))
        self.node.fund(address, wei)


def _failure_error(outcome: Outcome) -> RpcError:
    if outcome.halt_reason is not None:
        return RpcError(INVALID_INPUT, f"execution halted: {outcome.halt_reason}")
    reason = revert_reason(outcome.output)
    message = f"execution reverted: {reason}" if reason else "execution reverted"
    return RpcError(EXECUTION_REVERTED, message, data_hex(outcome.output))


def _percentiles(value: Any) -> list[float]:
    if not isinstance(value, list) or not all(
        isinstance(p, int | float) and 0 <= p <= 100 for p in value
    ):
        raise bad_params("reward percentiles must be a list of numbers from 0 to 100")
    if any(b < a for a, b in itertools.pairwise(value)):
        raise bad_params("reward percentiles must be in ascending order")
    return [float(p) for p in value]


def _block_rewards(block: Block, percentiles: list[float]) -> list[int]:
    tips = sorted(r.effective_gas_price - block.base_fee for r in block.receipts)
    if not tips:
        return [0 for _ in percentiles]
    return [tips[min(len(tips) - 1, int(len(tips) * p / 100))] for p in percentiles]


def _block_logs(block: Block) -> list[tuple[Any, Any, int]]:
    rows = []
    index = 0
    for receipt in block.receipts:
        for entry in receipt.logs:
            rows.append((receipt, entry, index))
            index += 1
    return rows


def _filter_addresses(value: Any) -> set[str] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return {parse_address(a, "address") for a in items}


def _filter_topics(value: Any) -> list[set[bytes] | None]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_params("topics must be a list")
    return [_topic_set(t) for t in value]


def _topic_set(item: Any) -> set[bytes] | None:
    if item is None:
        return None
    items = item if isinstance(item, list) else [item]
    return {parse_hash(t, "topic") for t in items}


def _topics_match(topics: tuple[bytes, ...], wanted: list[set[bytes] | None]) -> bool:
    if len(wanted) > len(topics):
        return False  # geth: a filter longer than the log's topics never matches
    return all(w is None or topics[i] in w for i, w in enumerate(wanted))


def parse_access_list(value: Any) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """An EIP-2930 access list: [{"address", "storageKeys": [32-byte hex, …]}, …]."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise bad_params("accessList must be a list of {address, storageKeys} objects")
    entries = []
    for item in value:
        if not isinstance(item, dict) or "address" not in item:
            raise bad_params("each accessList entry needs an address and storageKeys")
        keys = item.get("storageKeys") or []
        if not isinstance(keys, list):
            raise bad_params("accessList storageKeys must be a list of 32-byte hex strings")
        slots = tuple(int.from_bytes(parse_hash(k, "storage key"), "big") for k in keys)
        entries.append((parse_address(item["address"], "accessList address"), slots))
    return tuple(entries)
