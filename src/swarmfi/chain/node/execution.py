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
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from pyrevm import AccountInfo, BlockEnv, TxEnv

from swarmfi.chain.node.blocks import GAS_LIMIT, LogEntry
from swarmfi.chain.node.database import EvmDatabase, LiveEvm, exact_code
from swarmfi.chain.node.world import Diff, WorldState

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


class EvmState:
    """Runs messages on the node's EVM (through `database`); reads come from `world`.

    Writes (`add_balance`, `bump_nonce`, `execute`) go to the EVM's journal; `commit`
    makes them chain state as one `Diff`, `discard` drops them.
    """

    def __init__(self, database: EvmDatabase) -> None:
        self.database = database
        self.world: WorldState = database.world
        self.evm: Any = LiveEvm(database)

    # -- reads (current state) -------------------------------------------------------

    def balance(self, address: str) -> int:
        return self.world.account(address).balance

    def nonce(self, address: str) -> int:
        return self.world.account(address).nonce

    def code(self, address: str) -> bytes:
        return self.world.code(address)

    def storage(self, address: str, slot: int) -> int:
        return self.world.slot(address, slot)

    # -- writes into the journal --------------------------------------------------------

    def add_balance(self, address: str, delta: int) -> None:
        if delta:
            self.evm.set_balance(address, int(self.evm.get_balance(address)) + delta)

    def bump_nonce(self, address: str) -> None:
        info = self.evm.basic(address)
        self.evm.insert_account_info(address, _with_nonce(info, info.nonce + 1))

    def settle(self, block: int) -> Diff:
        """Commit whatever direct work left in the journal, so the next message starts
        cold; an empty diff when there was none."""
        if self.database.clean():
            return Diff(block)
        return self.database.commit(block)

    def commit(self, block: int) -> Diff:
        return self.database.commit(block)

    def discard(self) -> None:
        self.database.discard()

    def undo(self, count: int) -> None:
        """Take back the last `count` diffs (evm_revert)."""
        self.database.discard()
        for _ in range(count):
            self.database.write(self.world.undo_last().changes)

    # -- execution -------------------------------------------------------------

    def set_block(
        self, number: int, timestamp: int, coinbase: str, base_fee: int, prevrandao: bytes
    ) -> None:
        block = BlockEnv(
            number=number, timestamp=timestamp, coinbase=coinbase, basefee=base_fee,
            prevrandao=prevrandao, gas_limit=GAS_LIMIT,
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
        """Run one message into the journal; raises ExecError if it cannot start."""
        coinbase = self.evm.env.block.coinbase
        self.database.prepare((sender, to, coinbase))
        # revm loads the coinbase and the access list without journaling them, and they
        # would then outlive the checkpoint; loaded here first, they are journaled.
        for address in (coinbase, *(a for a, _keys in access_list)):
            self.evm.basic(address)
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
                output = exact_code(self.evm.get_code(created), self.evm.basic(created).code_hash)
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
        """`execute` on a clean journal, then thrown away: starts cold, keeps nothing."""
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
