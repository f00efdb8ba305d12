"""The faults a `FaultyRpc` proxy can inject, each touching only the methods it names.

A fault sees every JSON-RPC call the proxy receives whose method it `matches`:

    before(call, proxy) -> None | Answer | Break | Call
        None: go on (to the next fault, then upstream); Answer: reply with this and do not
        forward; Break: fail the whole HTTP exchange (after forwarding when `forward`);
        Call: forward this call instead
    after(call, reply, proxy) -> reply      the upstream reply, possibly rewritten

Faults keep their own state (counters, swallowed hashes) under their own lock: the
proxy's handler threads call them concurrently.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

import rlp
from eth_account import Account
from eth_utils import keccak

if TYPE_CHECKING:
    from support.faulty_rpc import FaultyRpc

BALANCE_OF = "0x70a08231"  # balanceOf(address)
SEND = "eth_sendRawTransaction"
RECEIPT = "eth_getTransactionReceipt"
BY_HASH = "eth_getTransactionByHash"


@dataclass(frozen=True)
class Call:
    """One JSON-RPC request object."""

    method: str
    params: list[Any]
    id: Any = None

    def to_json(self) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": self.id, "method": self.method, "params": self.params}


@dataclass(frozen=True)
class Answer:
    """Reply with `result` (or `error`) without forwarding."""

    result: Any = None
    error: dict[str, Any] | None = None

    def reply(self, call: Call) -> dict[str, Any]:
        base: dict[str, Any] = {"jsonrpc": "2.0", "id": call.id}
        return base | ({"error": self.error} if self.error is not None else {"result": self.result})


BreakKind = Literal["drop", "reset", "http500", "hang"]


@dataclass(frozen=True)
class Break:
    """Fail the HTTP exchange: close without answering (`drop`), send a TCP reset
    (`reset`), answer HTTP 500 (`http500`), or answer nothing for `seconds` then drop
    (`hang`). With `forward`, the call reaches upstream first."""

    kind: BreakKind
    forward: bool = True
    seconds: float = 0.0


Outcome = Answer | Break | Call | None


@dataclass(frozen=True)
class RawTx:
    """What a signed raw transaction says: its hash, sender, nonce and recipient."""

    hash: str
    sender: str
    nonce: int
    to: str | None

    @classmethod
    def decode(cls, raw_hex: str) -> RawTx:
        raw = bytes.fromhex(raw_hex.removeprefix("0x"))
        if raw[0] >= 0xC0:  # legacy: [nonce, gasPrice, gas, to, value, data, v, r, s]
            fields = rlp.decode(raw)
            nonce, to = fields[0], fields[3]
        else:  # typed (EIP-2718): [chainId, nonce, …, gas, to, …] for types 1, 2, 4
            fields = rlp.decode(raw[1:])
            nonce, to = fields[1], fields[5] if raw[0] == 2 else fields[4]
        sender = Account.recover_transaction(raw)
        return cls("0x" + keccak(raw).hex(), sender, int.from_bytes(nonce, "big"),
                   "0x" + to.hex() if to else None)


def _names(methods: Iterable[str] | str) -> frozenset[str]:
    return frozenset([methods] if isinstance(methods, str) else methods)


@dataclass(kw_only=True)
class Fault:
    """Base: matches `methods`; does nothing."""

    methods: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        self.methods = _names(self.methods)
        self.lock = threading.Lock()

    def matches(self, method: str) -> bool:
        return method in self.methods

    def before(self, call: Call, proxy: FaultyRpc) -> Outcome:
        return None

    def after(self, call: Call, reply: dict[str, Any], proxy: FaultyRpc) -> dict[str, Any]:
        return reply

    def reorder_batch(self, replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return replies


@dataclass(kw_only=True)
class Blackhole(Fault):
    """Accept eth_sendRawTransaction (answer its true hash) but never forward it; answer
    success receipts for those hashes, and eth_getTransactionByHash with null (`by_hash=
    "null"`) or a made-up pending-looking object (`"fake"`). `swallowed`: hash -> RawTx."""

    methods: frozenset[str] = field(default_factory=lambda: frozenset({SEND, RECEIPT, BY_HASH}))
    by_hash: Literal["null", "fake"] = "null"
    swallowed: dict[str, RawTx] = field(default_factory=dict)

    def before(self, call: Call, proxy: FaultyRpc) -> Outcome:
        if call.method == SEND:
            tx = RawTx.decode(call.params[0])
            with self.lock:
                self.swallowed[tx.hash] = tx
            return Answer(tx.hash)
        with self.lock:
            tx = self.swallowed.get(str(call.params[0]).lower())
        if tx is None:
            return None
        if call.method == RECEIPT:
            return Answer(self._receipt(tx, proxy))
        return Answer(None if self.by_hash == "null" else self._transaction(tx, proxy))

    def _receipt(self, tx: RawTx, proxy: FaultyRpc) -> dict[str, Any]:
        block = proxy.upstream("eth_getBlockByNumber", ["latest", False])
        return {"transactionHash": tx.hash, "transactionIndex": "0x0", "blockHash": block["hash"],
                "blockNumber": block["number"], "from": tx.sender.lower(), "to": tx.to,
                "cumulativeGasUsed": "0x5208", "gasUsed": "0x5208",
                "effectiveGasPrice": "0x3b9aca00", "contractAddress": None, "logs": [],
                "logsBloom": "0x" + "00" * 256, "type": "0x2", "status": "0x1"}

    def _transaction(self, tx: RawTx, proxy: FaultyRpc) -> dict[str, Any]:
        receipt = self._receipt(tx, proxy)
        return {"hash": tx.hash, "from": receipt["from"], "to": tx.to, "nonce": hex(tx.nonce),
                "blockHash": receipt["blockHash"], "blockNumber": receipt["blockNumber"],
                "transactionIndex": "0x0", "value": "0x0", "input": "0x", "gas": "0x5208",
                "type": "0x2"}


@dataclass(kw_only=True)
class Lossy(Fault):
    """Forward eth_sendRawTransaction, then lose the answer: a JSON-RPC error (`error`),
    a closed connection (`drop`), or no answer for `seconds` then a close (`timeout`).
    `times`: how many matching calls are lost (None: all); `lost` counts them."""

    methods: frozenset[str] = field(default_factory=lambda: frozenset({SEND}))
    mode: Literal["error", "drop", "timeout"] = "error"
    seconds: float = 5.0
    times: int | None = None
    lost: int = 0

    def before(self, call: Call, proxy: FaultyRpc) -> Outcome:
        with self.lock:
            if self.times is not None and self.lost >= self.times:
                return None
            self.lost += 1
        if self.mode == "drop":
            return Break("drop")
        if self.mode == "timeout":
            return Break("hang", seconds=self.seconds)
        proxy.forward(call)
        return Answer(error={"code": -32000, "message": "upstream connection lost (faulty_rpc)"})


@dataclass(kw_only=True)
class Delayed(Fault):
    """Sleep `seconds` before forwarding each matching call."""

    seconds: float = 0.5

    def before(self, call: Call, proxy: FaultyRpc) -> Outcome:
        time.sleep(self.seconds)
        return None


@dataclass(kw_only=True)
class Reorder(Fault):
    """`receipt`: answer eth_getTransactionReceipt for X with the receipt of another
    transaction this proxy has already seen a receipt for (the real one until there is
    one). `batch`: answer batches in reverse order. `stale_block`: answer eth_blockNumber
    and eth_getBlockByNumber("latest") `lag` blocks behind."""

    mode: Literal["receipt", "batch", "stale_block"] = "receipt"
    lag: int = 1
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def matches(self, method: str) -> bool:
        if self.mode == "receipt":
            return method == RECEIPT
        if self.mode == "stale_block":
            return method in ("eth_blockNumber", "eth_getBlockByNumber")
        return True

    def before(self, call: Call, proxy: FaultyRpc) -> Outcome:
        if self.mode != "stale_block" or call.params[:1] not in ([], ["latest"]):
            return None
        number = max(int(proxy.upstream("eth_blockNumber", []), 16) - self.lag, 0)
        if call.method == "eth_blockNumber":
            return Answer(hex(number))
        return Call(call.method, [hex(number), *call.params[1:]], call.id)

    def after(self, call: Call, reply: dict[str, Any], proxy: FaultyRpc) -> dict[str, Any]:
        if self.mode != "receipt":
            return reply
        asked = str(call.params[0]).lower()
        with self.lock:
            if reply.get("result"):
                self.receipts[asked] = reply["result"]
            other = next((r for h, r in reversed(self.receipts.items()) if h != asked), None)
        return reply if other is None else reply | {"result": other}

    def reorder_batch(self, replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return replies[::-1] if self.mode == "batch" else replies


@dataclass(kw_only=True)
class LieChainId(Fault):
    """Answer eth_chainId and net_version with `chain_id`."""

    methods: frozenset[str] = field(default_factory=lambda: frozenset({"eth_chainId",
                                                                       "net_version"}))
    chain_id: int = 1

    def before(self, call: Call, proxy: FaultyRpc) -> Outcome:
        return Answer(hex(self.chain_id) if call.method == "eth_chainId" else str(self.chain_id))


@dataclass(kw_only=True)
class LieBalance(Fault):
    """eth_getBalance of `addresses` (and, with `tokens`, ERC20 balanceOf eth_calls for
    them: True for any token, or a set of token addresses) as value * scale + offset."""

    addresses: frozenset[str] = field(default_factory=frozenset)
    scale: Fraction = Fraction(1)
    offset: int = 0
    tokens: bool | frozenset[str] = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self.addresses = frozenset(a.lower() for a in _names(self.addresses))
        if not isinstance(self.tokens, bool):
            self.tokens = frozenset(t.lower() for t in self.tokens)
        self.scale = Fraction(self.scale)

    def matches(self, method: str) -> bool:
        return method == "eth_getBalance" or (method == "eth_call" and self.tokens is not False)

    def _lie(self, value: int) -> int:
        return max(int(value * self.scale) + self.offset, 0)

    def after(self, call: Call, reply: dict[str, Any], proxy: FaultyRpc) -> dict[str, Any]:
        if "result" not in reply:
            return reply
        if call.method == "eth_getBalance":
            if str(call.params[0]).lower() not in self.addresses:
                return reply
            return reply | {"result": hex(self._lie(int(reply["result"], 16)))}
        tx = call.params[0]
        data = str(tx.get("data") or tx.get("input") or "")
        token = str(tx.get("to") or "").lower()
        wanted = self.tokens is True or (isinstance(self.tokens, frozenset)
                                         and token in self.tokens)
        if not (wanted and data.startswith(BALANCE_OF) and len(data) == 74):
            return reply
        if "0x" + data[-40:].lower() not in self.addresses:
            return reply
        return reply | {"result": "0x" + self._lie(int(reply["result"], 16)).to_bytes(32).hex()}


@dataclass(kw_only=True)
class FailAfter(Fault):
    """The `n`-th matching call (1-based, once) fails: HTTP 500 or a TCP reset; with
    `forward`, after reaching upstream. Methods: those named, or every method if none."""

    n: int = 1
    kind: Literal["http500", "reset"] = "http500"
    forward: bool = False
    count: int = 0

    def matches(self, method: str) -> bool:
        return not self.methods or method in self.methods

    def before(self, call: Call, proxy: FaultyRpc) -> Outcome:
        with self.lock:
            self.count += 1
            hit = self.count == self.n
        return Break(self.kind, forward=self.forward) if hit else None
