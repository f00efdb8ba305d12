"""A small pyrevm harness: deploy swarmfi's Vyper contracts, call and transact by ABI.

::

    h = Harness()
    alice = h.new_account(eth=10**21)
    token = h.deploy("ERC20", "Test", "TST", 18, 10**24, alice, sender=alice)
    token.transact.transfer(bob, 5, sender=alice)
    assert token.call.balanceOf(bob) == 5

Reverts raise :class:`RevertError` (a SimulationError) whose ``reason`` is the
decoded ``Error(string)``. Used by the contract tests and by devnet genesis.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import eth_abi
import pyrevm
from eth_utils import keccak, to_checksum_address

from swarmfi.chain.compile import Compiled, compile_contract
from swarmfi.errors import SimulationError

START_TIMESTAMP = 1_700_000_000
ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)
_REVERT = re.compile(r"Revert \{ gas_used: (\d+), output: 0x([0-9a-fA-F]*) \}")

ABI = list[dict[str, Any]]


class RevertError(SimulationError):
    """A call or transaction reverted (or halted); `reason` is the readable cause."""

    def __init__(self, reason: str, label: str = "", gas_used: int = 0, data: bytes = b"") -> None:
        where = f"{label} reverted" if label else "transaction reverted"
        super().__init__(
            f"{where}: {reason}", hint="nothing was committed; fix the cause named above"
        )
        self.reason = reason
        self.gas_used = gas_used
        self.data = data


@dataclass(frozen=True)
class Event:
    """A decoded log: event `name` from `address` with its arguments by name."""

    name: str
    address: str
    args: dict[str, Any]
    kind: str = "event"


@dataclass(frozen=True)
class RawLog:
    address: str
    topics: tuple[bytes, ...]
    data: bytes
    kind: str = "log"


@dataclass(frozen=True)
class TxResult:
    """What a committed transaction returned: decoded output, gas, raw and decoded logs."""

    output: Any
    gas_used: int
    logs: tuple[RawLog, ...] = ()
    events: tuple[Event, ...] = ()
    kind: str = "tx_result"

    def named(self, name: str) -> list[Event]:
        """The decoded events called `name`, in emission order."""
        return [e for e in self.events if e.name == name]


@dataclass(frozen=True)
class Snapshot:
    checkpoint: Any
    block: tuple[int, int]
    kind: str = "snapshot"


# ---------------------------------------------------------------- ABI helpers


def abi_type(param: dict[str, Any]) -> str:
    """The eth_abi type string of an ABI parameter (tuples spelled out)."""
    kind: str = param["type"]
    if not kind.startswith("tuple"):
        return kind
    inner = ",".join(abi_type(c) for c in param["components"])
    return f"({inner}){kind[len('tuple') :]}"


def signature(entry: dict[str, Any]) -> str:
    return f"{entry['name']}({','.join(abi_type(p) for p in entry['inputs'])})"


def selector(entry: dict[str, Any]) -> bytes:
    return keccak(text=signature(entry))[:4]


def _normalise(kind: str, value: Any) -> Any:
    """Checksum decoded addresses and turn arrays into lists; leave everything else."""
    if kind == "address":
        return to_checksum_address(value)
    if kind.endswith("]") and isinstance(value, (list, tuple)):
        return [_normalise(kind[: kind.rindex("[")], v) for v in value]
    return value


def decode_values(params: Sequence[dict[str, Any]], data: bytes) -> list[Any]:
    types = [abi_type(p) for p in params]
    return [_normalise(t, v) for t, v in zip(types, eth_abi.decode(types, data), strict=True)]


def decode_revert(data: bytes) -> str:
    """Readable text for revert data: Error(string), Panic(uint256), or a placeholder."""
    if data[:4] == ERROR_SELECTOR:
        try:
            return str(eth_abi.decode(["string"], data[4:])[0])
        except Exception:  # malformed revert data is still a revert
            return f"undecodable Error(string) 0x{data.hex()}"
    if data[:4] == PANIC_SELECTOR and len(data) >= 36:
        return f"panic 0x{int.from_bytes(data[4:36], 'big'):02x}"
    if not data:
        return "reverted without a reason"
    return f"custom error 0x{data.hex()}"


def as_revert(exc: BaseException, label: str = "") -> RevertError:
    """Turn pyrevm's RuntimeError("Revert { gas_used, output }") or a halt into RevertError."""
    text = str(exc)
    match = _REVERT.search(text)
    if match:
        data = bytes.fromhex(match.group(2))
        return RevertError(decode_revert(data), label, int(match.group(1)), data)
    return RevertError(f"EVM error: {text}", label)


def _pick(entries: list[dict[str, Any]], name: str, nargs: int) -> dict[str, Any]:
    for entry in entries:
        if len(entry["inputs"]) == nargs:
            return entry
    counts = sorted(len(e["inputs"]) for e in entries)
    raise TypeError(f"{name}() takes {' or '.join(map(str, counts))} arguments, got {nargs}")


# ---------------------------------------------------------------- contracts


class _Functions:
    """`contract.call.fn(...)` / `contract.transact.fn(..., sender=, value=)`."""

    def __init__(self, contract: Contract, mutate: bool) -> None:
        self._contract = contract
        self._mutate = mutate

    def __getattr__(self, name: str) -> Callable[..., Any]:
        entries = self._contract.functions.get(name)
        if not entries:
            raise AttributeError(f"{self._contract.name} has no function {name!r}")
        contract, mutate = self._contract, self._mutate

        def invoke(*args: Any, sender: str | None = None, value: int = 0) -> Any:
            entry = _pick(entries, name, len(args))
            if mutate:
                return contract.transact_entry(entry, args, sender=sender, value=value)
            return contract.call_entry(entry, args, sender=sender, value=value)

        invoke.__name__ = name
        return invoke


class Contract:
    """A deployed contract bound to a harness: `.call.fn(...)`, `.transact.fn(...)`."""

    def __init__(self, harness: Harness, name: str, abi: ABI, address: str) -> None:
        self.harness = harness
        self.name = name
        self.abi = abi
        self.address = to_checksum_address(address)
        self.functions: dict[str, list[dict[str, Any]]] = {}
        for entry in abi:
            if entry.get("type") == "function":
                self.functions.setdefault(entry["name"], []).append(entry)
        self.call = _Functions(self, mutate=False)
        self.transact = _Functions(self, mutate=True)

    def __repr__(self) -> str:
        return f"<{self.name} at {self.address}>"

    def calldata(self, fn: str, *args: Any) -> bytes:
        """ABI-encoded calldata for `fn(*args)` (for raw transactions)."""
        entry = _pick(self.functions[fn], fn, len(args))
        types = [abi_type(p) for p in entry["inputs"]]
        return selector(entry) + eth_abi.encode(types, list(args))

    def call_entry(self, entry: dict[str, Any], args: Sequence[Any], **kw: Any) -> Any:
        data = self.calldata(entry["name"], *args)
        label = f"{self.name}.{entry['name']}"
        raw = self.harness.call_raw(self.address, data, label=label, **kw)
        return _unwrap(decode_values(entry["outputs"], raw))

    def transact_entry(self, entry: dict[str, Any], args: Sequence[Any], **kw: Any) -> TxResult:
        data = self.calldata(entry["name"], *args)
        label = f"{self.name}.{entry['name']}"
        result = self.harness.transact_raw(self.address, data, label=label, **kw)
        output = _unwrap(decode_values(entry["outputs"], result.output))
        return TxResult(output, result.gas_used, result.logs, result.events)


def _unwrap(values: list[Any]) -> Any:
    if not values:
        return None
    return values[0] if len(values) == 1 else tuple(values)


# ---------------------------------------------------------------- harness


@dataclass
class Harness:
    """A pyrevm EVM (spec PRAGUE) plus the ABIs of what was deployed through it."""

    evm: Any = None
    deployer: str = ""
    _abis: dict[str, ABI] = field(default_factory=dict, init=False, repr=False)
    _accounts: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.evm is None:
            self.evm = pyrevm.EVM(spec_id="PRAGUE")
            self.set_block(number=1, timestamp=START_TIMESTAMP)
        if not self.deployer:
            self.deployer = self.new_account(eth=10**24)

    # accounts and ether ------------------------------------------------------

    def new_account(self, eth: int = 10**22) -> str:
        """A fresh deterministic address holding `eth` wei."""
        self._accounts += 1
        address = to_checksum_address(keccak(text=f"swarmfi-harness-{self._accounts}")[-20:])
        self.set_eth(address, eth)
        return address

    def set_eth(self, address: str, wei: int) -> None:
        """Set an ether balance (pyrevm does not undo this on `revert`)."""
        self.evm.set_balance(address, wei)

    def eth(self, address: str) -> int:
        return int(self.evm.get_balance(address))

    # deployment --------------------------------------------------------------

    def deploy(self, name: str, *args: Any, sender: str | None = None, value: int = 0) -> Contract:
        """Compile (cached) and deploy contract `name` with constructor `args`."""
        return self.deploy_compiled(compile_contract(name), *args, sender=sender, value=value)

    def deploy_compiled(
        self, compiled: Compiled, *args: Any, sender: str | None = None, value: int = 0
    ) -> Contract:
        """Deploy an already compiled contract (e.g. one from another directory)."""
        code = compiled.bytecode + _constructor_args(compiled.abi, args)
        address = self._create(code, sender, value, f"deploy {compiled.name}")
        return self.register(compiled, address)

    def deploy_blueprint(self, name: str, sender: str | None = None) -> str:
        """Deploy an EIP-5202 blueprint of `name` (for create_from_blueprint); its address."""
        compiled = compile_contract(name)
        if compiled.blueprint is None:
            raise SimulationError(f"{name} has no blueprint bytecode")
        return self._create(compiled.blueprint, sender, 0, f"deploy blueprint {name}")

    def at(self, name: str | Compiled, address: str) -> Contract:
        """Bind an already deployed `address` to contract `name`'s ABI."""
        return self.register(compile_contract(name) if isinstance(name, str) else name, address)

    def register(self, compiled: Compiled, address: str) -> Contract:
        contract = Contract(self, compiled.name, compiled.abi, address)
        self._abis[contract.address] = compiled.abi
        return contract

    def _create(self, code: bytes, sender: str | None, value: int, label: str) -> str:
        try:
            address = self.evm.deploy(sender or self.deployer, code, value=value)
        except RuntimeError as exc:
            raise as_revert(exc, label) from None
        return to_checksum_address(address)

    # raw calls ---------------------------------------------------------------

    def call_raw(
        self, to: str, data: bytes, *, sender: str | None = None, value: int = 0, label: str = ""
    ) -> bytes:
        """Run a call and throw its state changes away (eth_call); the return data."""
        checkpoint = self.evm.snapshot()
        try:
            return bytes(self._message(to, data, sender, value, label))
        finally:
            self.evm.revert(checkpoint)

    def transact_raw(
        self, to: str, data: bytes, *, sender: str | None = None, value: int = 0, label: str = ""
    ) -> TxResult:
        """Run a call and keep its state changes; raw output, gas and logs."""
        output = bytes(self._message(to, data, sender, value, label))
        result = self.evm.result
        logs = tuple(_raw_log(log) for log in result.logs)
        return TxResult(output, int(result.gas_used), logs, self.decode_logs(logs))

    def _message(self, to: str, data: bytes, sender: str | None, value: int, label: str) -> bytes:
        try:
            return self.evm.message_call(sender or self.deployer, to, data, value=value)
        except RuntimeError as exc:
            raise as_revert(exc, label) from None

    # logs --------------------------------------------------------------------

    def decode_logs(self, logs: Sequence[RawLog]) -> tuple[Event, ...]:
        """Decode the logs emitted by contracts this harness knows; skip the rest."""
        events = (_decode_log(self._abis.get(log.address, []), log) for log in logs)
        return tuple(e for e in events if e is not None)

    # state and time ----------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """A point to `revert` to (state and block; ether set by `set_eth` is kept)."""
        return Snapshot(self.evm.snapshot(), (self.block_number, self.timestamp))

    def revert(self, snap: Snapshot) -> None:
        self.evm.revert(snap.checkpoint)
        self.set_block(number=snap.block[0], timestamp=snap.block[1])

    @property
    def timestamp(self) -> int:
        return int(self.evm.env.block.timestamp)

    @property
    def block_number(self) -> int:
        return int(self.evm.env.block.number)

    def warp(self, seconds: int, blocks: int = 1) -> None:
        """Move block time forward by `seconds` and the block number by `blocks`."""
        self.set_block(number=self.block_number + blocks, timestamp=self.timestamp + seconds)

    def set_block(self, *, number: int | None = None, timestamp: int | None = None) -> None:
        old = self.evm.env.block
        self.evm.set_block_env(
            pyrevm.BlockEnv(
                number=old.number if number is None else number,
                coinbase=old.coinbase,
                timestamp=old.timestamp if timestamp is None else timestamp,
                difficulty=old.difficulty,
                prevrandao=old.prevrandao,
                basefee=old.basefee,
                gas_limit=old.gas_limit,
                excess_blob_gas=old.excess_blob_gas,
            )
        )


def _constructor_args(abi: ABI, args: Sequence[Any]) -> bytes:
    ctor: dict[str, Any] = next((e for e in abi if e.get("type") == "constructor"), {"inputs": []})
    if len(ctor["inputs"]) != len(args):
        raise TypeError(f"constructor takes {len(ctor['inputs'])} arguments, got {len(args)}")
    return eth_abi.encode([abi_type(p) for p in ctor["inputs"]], list(args))


def _raw_log(log: Any) -> RawLog:
    topics, data = log.data
    return RawLog(to_checksum_address(log.address), tuple(bytes(t) for t in topics), bytes(data))


def _decode_log(abi: ABI, log: RawLog) -> Event | None:
    if not log.topics:
        return None
    for entry in abi:
        if entry.get("type") != "event" or entry.get("anonymous"):
            continue
        if keccak(text=signature(entry)) != log.topics[0]:
            continue
        indexed = [p for p in entry["inputs"] if p.get("indexed")]
        plain = [p for p in entry["inputs"] if not p.get("indexed")]
        values = dict(zip((p["name"] for p in plain), decode_values(plain, log.data), strict=True))
        for param, topic in zip(indexed, log.topics[1:], strict=True):
            static = param["type"] not in ("string", "bytes") and "[" not in param["type"]
            static = static and not param["type"].startswith("tuple")
            values[param["name"]] = decode_values([param], topic)[0] if static else topic
        ordered = {p["name"]: values[p["name"]] for p in entry["inputs"]}
        return Event(entry["name"], log.address, ordered)
    return None


def deploy_amm(h: Harness, weth: str, sender: str | None = None) -> tuple[Contract, Contract]:
    """Deploy the Pair blueprint, the Factory and the Router over `weth`: (factory, router)."""
    blueprint = h.deploy_blueprint("Pair", sender=sender)
    factory = h.deploy("Factory", blueprint, sender=sender)
    router = h.deploy("Router", factory.address, weth, sender=sender)
    return factory, router
