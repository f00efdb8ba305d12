"""Keep a pyrevm EVM's database equal to the node's `WorldState`, and its journal empty
between transactions, so that every transaction starts cold (EIP-2929) with original
values equal to the state before it (EIP-2200/3529), whatever ran or was read before.

pyrevm 0.3.7 never commits its journal: left alone, every slot a transaction touched
stays warm with a stale original value for the rest of the EVM's life. So the EVM always
has one open "ambient" checkpoint taken on an empty journal. A transaction (or direct
work on the EVM, such as deploying genesis) runs above it; `commit` reads what changed
out of the journal, reverts the checkpoint (the journal is empty again: revm drops every
account and slot loaded after a checkpoint), writes the changes into the database, which
pyrevm does not journal, and opens a new checkpoint.

One limit of pyrevm: an address the EVM looked up while it did not exist stays "not
existing" in its database, and later writes to it are ignored. `prepare` creates the
accounts a transaction names before it runs; when a write hits such an address anyway,
the database is rebuilt from `WorldState` into a fresh EVM (`evm` then changes: hold
`LiveEvm`, not the EVM itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from pyrevm import EVM, AccountInfo

from swarmfi.chain.hashing import keccak256
from swarmfi.chain.node.world import (
    EMPTY_ACCOUNT,
    EMPTY_CODE_HASH,
    AccountRecord,
    Diff,
    Key,
    Value,
    WorldState,
)

_ACCOUNT = re.compile(r"(0x[0-9a-fA-F]{40}): Account \{ info: ")
_STORAGE = re.compile(r"storage: \{(.*?)\}, status: AccountStatus\(([^)]*)\)", re.DOTALL)
_SLOT = re.compile(r"(\d+): StorageSlot \{[^}]*?present_value: (\d+)")


class EvmBusyError(RuntimeError):
    """An EVM snapshot taken outside the node is still open."""


class LiveEvm:
    """The node's current EVM: a stable handle that follows rebuilds."""

    def __init__(self, database: EvmDatabase) -> None:
        object.__setattr__(self, "_database", database)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database.evm, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._database.evm, name, value)


class EvmDatabase:
    """One WorldState mirrored into a pyrevm EVM (see module docs)."""

    def __init__(self, factory: Callable[[], EVM], world: WorldState) -> None:
        self.factory = factory
        self.world = world
        self.evm: EVM = factory()
        self.rebuilds = 0
        self._known: set[str] = set()  # addresses that exist in the EVM database
        self._ghosts: set[str] = set()  # looked up while absent: pyrevm ignores writes
        self._fill()

    # -- building ------------------------------------------------------------------

    def _fill(self) -> None:
        for address, record in self.world.accounts.items():
            self._write_account(address, record)
        for address, slots in self.world.storage.items():
            if address not in self._known:
                self._write_account(address, EMPTY_ACCOUNT)
            for slot, value in slots.items():
                self._write_slot(address, slot, value)
        self._ambient = self.evm.snapshot()

    def rebuild(self) -> None:
        """A fresh EVM holding `world` (keeps the block environment)."""
        block: Any = self.evm.env.block  # type: ignore[misc]  # the stub types Env badly
        self.evm, self._known, self._ghosts = self.factory(), set(), set()
        self.evm.set_block_env(block)
        self._fill()
        self.rebuilds += 1

    @classmethod
    def adopt(cls, evm: EVM, factory: Callable[[], EVM]) -> EvmDatabase:
        """Take over the state of an EVM others built (its journal and database)."""
        world = WorldState()
        found = _journal(evm.journal_str)
        accounts = {a.lower(): info for a, info in evm.db_accounts.items()}
        accounts.update({a.lower(): info for a, info in evm.journal_state.items()})
        for address, info in accounts.items():
            record = _record(info)
            if record.code_hash not in world.codes:
                world.codes[record.code_hash] = exact_code(info.code, record.code_hash)
            world.put((address, None), record)
            for slot, value in found.get(address, ({}, ""))[0].items():
                world.put((address, slot), value)
        database = cls(factory, world)
        block: Any = evm.env.block  # type: ignore[misc]  # the stub types Env badly
        database.evm.set_block_env(block)
        return database

    # -- the ambient checkpoint ---------------------------------------------------------

    def _check_depth(self) -> None:
        if self.evm.journal_depth != 1:
            raise EvmBusyError(
                f"an EVM snapshot is still open (journal depth {self.evm.journal_depth}); "
                "revert it before the node runs a transaction"
            )

    def clean(self) -> bool:
        return not self.evm.journal_state

    def discard(self) -> None:
        """Throw away everything above the ambient checkpoint."""
        self._check_depth()
        self.evm.revert(self._ambient)
        self._ambient = self.evm.snapshot()

    def prepare(self, addresses: Iterable[str | None]) -> None:
        """Create the accounts a transaction names, so pyrevm can write them later."""
        for raw in addresses:
            address = raw.lower() if raw else None
            if address and address not in self._known and address not in self._ghosts:
                self._write_account(address, EMPTY_ACCOUNT)

    def commit(self, block: int) -> Diff:
        """Move what changed above the ambient checkpoint into the database and `world`;
        the diff is recorded at `block`."""
        self._check_depth()
        diff = self._collect(block)
        self._ghosts |= {a for a in self.evm.journal_state if a.lower() not in self._known}
        self.evm.revert(self._ambient)
        if diff:
            self.world.record(diff)
        if self.evm.journal_state:  # something loaded outside the journal: start afresh
            self.rebuild()
        elif diff:
            self.write(diff.changes)
        else:
            self._ambient = self.evm.snapshot()
        return diff

    def write(self, changes: Iterable[Key]) -> None:
        """Write `world`'s current values of the keys `changes` into the database."""
        self.write_values({key: self.world.get(key) for key in changes})

    def write_values(self, values: dict[Key, Value]) -> None:
        """Write `values` into the database (the journal must be empty: the ambient
        checkpoint is reverted or open on nothing); reopens the ambient checkpoint."""
        if self.evm.journal_depth:
            self._check_depth()
            self.evm.revert(self._ambient)
        accounts = {address for address, _slot in values}
        if accounts & self._ghosts:
            self.rebuild()
            self.evm.revert(self._ambient)
        for address in accounts:
            if (address, None) in values:
                record = values[(address, None)]
                assert isinstance(record, AccountRecord)
                self._write_account(address, record)
            elif address not in self._known:
                self._write_account(address, EMPTY_ACCOUNT)
        for (address, slot), value in values.items():
            if slot is not None:
                assert isinstance(value, int)
                self._write_slot(address, slot, value)
        self._ambient = self.evm.snapshot()

    @contextmanager
    def overlay(self, values: dict[Key, Value]) -> Iterator[None]:
        """The database holds `values` inside the block (state at a past block)."""
        self.discard()
        self.write_values(values)
        try:
            yield
        finally:
            self.discard()
            self.write(values)

    # -- database writes (journal empty) ----------------------------------------------------

    def _write_account(self, address: str, record: AccountRecord) -> None:
        code = self.world.codes[record.code_hash] or None
        info = AccountInfo(  # type: ignore[call-arg]  # the stub lacks balance
            balance=record.balance, nonce=record.nonce, code_hash=record.code_hash, code=code
        )
        self.evm.insert_account_info(address, info)
        self._known.add(address)

    def _write_slot(self, address: str, slot: int, value: int) -> None:
        # a cold insert writes the database and then loads the account: undo the load
        checkpoint = self.evm.snapshot()
        self.evm.insert_account_storage(address, slot, value)
        self.evm.revert(checkpoint)

    # -- reading the journal ----------------------------------------------------------------

    def _collect(self, block: int) -> Diff:
        diff = Diff(block)
        world = self.world
        found = _journal(self.evm.journal_str)
        for raw, info in self.evm.journal_state.items():
            address = raw.lower()
            record = _record(info)
            slots, status = found.get(address, ({}, ""))
            if "SelfDestructed" in status:
                record = AccountRecord(0, 0, EMPTY_CODE_HASH)
                slots = {slot: 0 for slot in world.storage.get(address, {})} | dict.fromkeys(
                    slots, 0
                )
            if record.code_hash not in world.codes and record.code_hash not in diff.codes:
                diff.codes[record.code_hash] = exact_code(info.code, record.code_hash)
            before = world.account(address)
            if record != before:
                diff.changes[(address, None)] = (before, record)
            for slot, value in slots.items():
                old = world.slot(address, slot)
                if value != old:
                    diff.changes[(address, slot)] = (old, value)
        return diff


def _record(info: Any) -> AccountRecord:
    code_hash = bytes(info.code_hash) if info.code_hash is not None else EMPTY_CODE_HASH
    return AccountRecord(int(info.balance), int(info.nonce), code_hash)


def exact_code(padded: bytes | None, code_hash: bytes) -> bytes:
    """The code whose hash is `code_hash`, from revm's analysed (zero-padded) copy."""
    if code_hash == EMPTY_CODE_HASH:
        return b""
    code = bytes(padded or b"")
    for end in range(len(code), -1, -1):
        if keccak256(code[:end]) == code_hash:
            return code[:end]
        if end and code[end - 1] != 0:
            break
    raise RuntimeError(f"cannot recover the code with hash 0x{code_hash.hex()} from the EVM")


def _journal(text: str) -> dict[str, tuple[dict[int, int], str]]:
    """Present storage values and status flags per address, from pyrevm's
    JournaledState Debug text (pyrevm exposes storage only slot by slot)."""
    end = text.find("}, transient_storage: ")
    state = text[: end if end >= 0 else len(text)]
    starts = list(_ACCOUNT.finditer(state))
    found: dict[str, tuple[dict[int, int], str]] = {}
    for i, match in enumerate(starts):
        stop = starts[i + 1].start() if i + 1 < len(starts) else len(state)
        chunk = state[match.end() : stop]
        block = _STORAGE.search(chunk)
        if block is None:
            continue
        slots = {int(k): int(v) for k, v in _SLOT.findall(block.group(1))}
        found[match.group(1).lower()] = (slots, block.group(2))
    return found
