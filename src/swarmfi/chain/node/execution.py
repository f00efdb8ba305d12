"""The node's view of a pyrevm EVM: execution outcomes, gas and nonce
bookkeeping, and snapshots that undo everything.

pyrevm's `message_call` and `deploy` run code but charge no gas and, for
calls, bump no nonce; the node does both here with `set_balance` and
`insert_account_info`. Those two writes are not journaled, so a pyrevm
`revert()` alone would keep them. Measured behaviour this module relies on:
journaled changes are undone as deltas, and an account first loaded after a
checkpoint is dropped by the revert (it reloads from the backing database as it
was). So each `Snapshot` remembers which accounts were loaded when it was taken
and the unjournaled deltas made to those accounts while it was the innermost
snapshot; `revert()` applies pyrevm's revert and then subtracts the deltas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode as abi_decode
from pyrevm import EVM, AccountInfo, BlockEnv, TxEnv

from swarmfi.chain.node.blocks import LogEntry

_REVERT = re.compile(r"^Revert \{ gas_used: (\d+), output: 0x([0-9a-fA-F]*) \}")
_HALT = re.compile(r"^Halt \{ reason: (.*), gas_used: (\d+) \}")
ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)
EMPTY_CODE_HASH = bytes.fromhex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")


class ExecError(Exception):
    """pyrevm refused to run the message at all (gas below intrinsic, funds)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one message did: success, output, gas and logs (none on failure)."""

    success: bool
    output: bytes
    gas_used: int
    gas_refunded: int = 0
    logs: tuple[LogEntry, ...] = ()
    contract_address: str | None = None
    halt_reason: str | None = None

    @property
    def reverted(self) -> bool:
        return not self.success and self.halt_reason is None


def revert_reason(output: bytes) -> str | None:
    """The text of an Error(string) or Panic(uint256) revert, else None."""
    try:
        if output[:4] == ERROR_SELECTOR:
            return str(abi_decode(["string"], output[4:])[0])
        if output[:4] == PANIC_SELECTOR:
            return f"panic code {abi_decode(['uint256'], output[4:])[0]:#x}"
    except Exception:  # undecodable payload: no readable reason
        return None
    return None


@dataclass(slots=True)
class Snapshot:
    checkpoint: Any
    loaded: frozenset[str]
    balance_deltas: dict[str, int] = field(default_factory=dict)
    nonce_deltas: dict[str, int] = field(default_factory=dict)


class EvmState:
    """Runs messages on `evm` and keeps unjournaled writes undoable."""

    def __init__(self, evm: EVM) -> None:
        self.evm = evm
        self.snapshots: list[Snapshot] = []

    # -- reads ---------------------------------------------------------------

    def balance(self, address: str) -> int:
        return int(self.evm.get_balance(address))

    def nonce(self, address: str) -> int:
        return int(self.evm.basic(address).nonce)

    def code(self, address: str) -> bytes:
        if self.evm.basic(address).code_hash == EMPTY_CODE_HASH:
            return b""  # get_code may give revm's padded empty bytecode, b"\x00"
        return self.evm.get_code(address) or b""

    def storage(self, address: str, slot: int) -> int:
        return int(self.evm.storage(address, slot))

    # -- unjournaled writes ----------------------------------------------------

    def add_balance(self, address: str, delta: int) -> None:
        if delta:
            self.evm.set_balance(address, self.balance(address) + delta)
            self._record(address, delta, 0)

    def bump_nonce(self, address: str) -> None:
        info = self.evm.basic(address)
        self.evm.insert_account_info(address, _with_nonce(info, info.nonce + 1))
        self._record(address, 0, 1)

    def _record(self, address: str, balance_delta: int, nonce_delta: int) -> None:
        if not self.snapshots or address not in self.snapshots[-1].loaded:
            return  # no snapshot, or pyrevm drops the account itself on revert
        top = self.snapshots[-1]
        top.balance_deltas[address] = top.balance_deltas.get(address, 0) + balance_delta
        top.nonce_deltas[address] = top.nonce_deltas.get(address, 0) + nonce_delta

    # -- snapshots ---------------------------------------------------------------

    def snapshot(self) -> int:
        """Push a snapshot; returns its depth (1 for the outermost)."""
        loaded = frozenset(key.lower() for key in self.evm.journal_state)
        self.snapshots.append(Snapshot(self.evm.snapshot(), loaded))
        return len(self.snapshots)

    def revert(self, depth: int) -> None:
        """Undo everything since the snapshot at `depth`, and drop it and later ones."""
        while len(self.snapshots) >= depth:
            snap = self.snapshots.pop()
            self.evm.revert(snap.checkpoint)
            # revm undoes journaled changes as wrapping deltas, so a balance may pass
            # through "negative" (mod 2**256) before our deltas bring it back.
            for address, delta in snap.balance_deltas.items():
                if delta:
                    self.evm.set_balance(address, (self.balance(address) - delta) % 2**256)
            for address, delta in snap.nonce_deltas.items():
                if delta:
                    self._set_nonce(address, (self.nonce(address) - delta) % 2**64)

    def _set_nonce(self, address: str, nonce: int) -> None:
        self.evm.insert_account_info(address, _with_nonce(self.evm.basic(address), nonce))

    # -- execution -------------------------------------------------------------

    def set_block(self, number: int, timestamp: int, coinbase: str, base_fee: int) -> None:
        prevrandao = number.to_bytes(32, "big")
        block = BlockEnv(
            number=number, timestamp=timestamp, coinbase=coinbase, basefee=base_fee,
            prevrandao=prevrandao, gas_limit=30_000_000,
        )  # fmt: skip
        self.evm.set_block_env(block)

    def execute(
        self,
        sender: str,
        to: str | None,
        data: bytes,
        value: int,
        gas: int,
        gas_price: int,
        access_list: tuple[tuple[str, tuple[int, ...]], ...] = (),
    ) -> Outcome:
        """Run one message with state kept; raises ExecError if it cannot start."""
        if access_list:
            self.evm.set_tx_env(TxEnv(access_list=[(a, list(k)) for a, k in access_list]))
        try:
            return self._run(sender, to, data, value, gas, gas_price)
        finally:
            if access_list:
                self.evm.set_tx_env(TxEnv())

    def _run(
        self, sender: str, to: str | None, data: bytes, value: int, gas: int, gas_price: int
    ) -> Outcome:
        created = None
        try:
            if to is None:  # the output of a create is the runtime code it deployed
                # pyrevm's deploy charges gas itself when given a price (calls do not);
                # price 0 keeps all fee accounting in the node for both kinds.
                created = self.evm.deploy(sender, data, value=value, gas=gas)
                output = self.code(created)
            else:
                output = self.evm.message_call(
                    sender, to, data, value=value, gas=gas, gas_price=gas_price
                )
        except RuntimeError as exc:
            return _failure(str(exc))
        result = self.evm.result
        assert result is not None  # set by every message that ran
        logs = tuple(_log(entry) for entry in result.logs)
        return Outcome(
            True, bytes(output), int(result.gas_used), int(result.gas_refunded), logs,
            created.lower() if created else None,
        )  # fmt: skip

    def simulate(self, *args: Any, **kwargs: Any) -> Outcome:
        """`execute` on a throwaway checkpoint: nothing it does is kept."""
        checkpoint = self.evm.snapshot()
        try:
            return self.execute(*args, **kwargs)
        finally:
            self.evm.revert(checkpoint)


def _with_nonce(info: AccountInfo, nonce: int) -> AccountInfo:
    # An account without code reads back `code` as b"\x00" (revm's padded empty bytecode);
    # passing that on would give an EOA one byte of code, and forks of this node would
    # then refuse it as a sender (EIP-3607).
    code = None if info.code_hash == EMPTY_CODE_HASH else info.code
    return AccountInfo(  # type: ignore[call-arg]  # the stub lacks balance
        balance=info.balance, nonce=nonce, code_hash=info.code_hash, code=code
    )


def _log(entry: Any) -> LogEntry:
    topics, data = entry.data
    return LogEntry(entry.address.lower(), tuple(bytes(t) for t in topics), bytes(data))


def _failure(message: str) -> Outcome:
    match = _REVERT.match(message)
    if match:
        return Outcome(False, bytes.fromhex(match.group(2)), int(match.group(1)))
    match = _HALT.match(message)
    if match:
        return Outcome(False, b"", int(match.group(2)), halt_reason=match.group(1))
    raise ExecError(message)
