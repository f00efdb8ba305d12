"""The node's own record of the chain state: every account, storage slot and code blob,
the change each block made (`Diff`), and per-key histories for reads at past blocks.

This is the authority the node answers state reads from; the pyrevm database below it is
kept equal to `WorldState`'s current values (see `execution`). Memory grows with the number
of changes, never with copies: a key's history is the list of (block, value) pairs at
which it changed, so a read at any block since the node's first is one bisect.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from eth_utils import to_checksum_address

from swarmfi.chain.hashing import keccak256
from swarmfi.chain.state import StateDump

EMPTY_CODE_HASH = keccak256(b"")


@dataclass(frozen=True, slots=True)
class AccountRecord:
    balance: int = 0
    nonce: int = 0
    code_hash: bytes = EMPTY_CODE_HASH

    @property
    def empty(self) -> bool:
        return not self.balance and not self.nonce and self.code_hash == EMPTY_CODE_HASH


EMPTY_ACCOUNT = AccountRecord()

# A state key: (address, None) for the account record, (address, slot) for a storage slot.
Key = tuple[str, int | None]
Value = AccountRecord | int


@dataclass(slots=True)
class Diff:
    """What one commit changed: key -> (before, after), and code first seen there."""

    block: int
    changes: dict[Key, tuple[Value, Value]] = field(default_factory=dict)
    codes: dict[bytes, bytes] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.changes)


@dataclass(slots=True)
class _Past:
    blocks: list[int]
    values: list[Value]  # values[i] holds from blocks[i] on; values[0] is the value before


class WorldState:
    """Current state plus the history of every key that changed since `first_block`."""

    def __init__(self) -> None:
        self.accounts: dict[str, AccountRecord] = {}
        self.storage: dict[str, dict[int, int]] = {}
        self.codes: dict[bytes, bytes] = {EMPTY_CODE_HASH: b""}
        self.diffs: list[Diff] = []
        self._past: dict[Key, _Past] = {}

    # -- current reads -------------------------------------------------------------

    def account(self, address: str) -> AccountRecord:
        return self.accounts.get(address, EMPTY_ACCOUNT)

    def slot(self, address: str, slot: int) -> int:
        return self.storage.get(address, {}).get(slot, 0)

    def code(self, address: str) -> bytes:
        return self.codes[self.account(address).code_hash]

    def get(self, key: Key) -> Value:
        address, slot = key
        return self.account(address) if slot is None else self.slot(address, slot)

    # -- reads at a past block ---------------------------------------------------------

    def get_at(self, key: Key, block: int) -> Value:
        """`key`'s value at the end of `block`."""
        past = self._past.get(key)
        if past is None:
            return self.get(key)
        return past.values[bisect_right(past.blocks, block)]

    def account_at(self, address: str, block: int) -> AccountRecord:
        value = self.get_at((address, None), block)
        assert isinstance(value, AccountRecord)
        return value

    def slot_at(self, address: str, slot: int, block: int) -> int:
        value = self.get_at((address, slot), block)
        assert isinstance(value, int)
        return value

    def changed_after(self, block: int) -> dict[Key, Value]:
        """Every key some block after `block` changed, with its value at `block`."""
        keys: dict[Key, Value] = {}
        for diff in reversed(self.diffs):
            if diff.block <= block:
                break
            for key, (before, _after) in diff.changes.items():
                keys[key] = before
        return keys

    # -- writes ------------------------------------------------------------------------------

    def put(self, key: Key, value: Value) -> None:
        address, slot = key
        if slot is None:
            assert isinstance(value, AccountRecord)
            if value.empty:
                self.accounts.pop(address, None)
            else:
                self.accounts[address] = value
            return
        assert isinstance(value, int)
        slots = self.storage.setdefault(address, {})
        if value:
            slots[slot] = value
        else:
            slots.pop(slot, None)
            if not slots:
                del self.storage[address]

    def record(self, diff: Diff) -> None:
        """Apply `diff` (already made of current -> new values) and remember it."""
        self.codes.update(diff.codes)
        for key, (before, after) in diff.changes.items():
            self.put(key, after)
            past = self._past.get(key)
            if past is None:
                self._past[key] = _Past([diff.block], [before, after])
            else:  # several diffs in one block: bisect_right finds the last
                past.blocks.append(diff.block)
                past.values.append(after)
        self.diffs.append(diff)

    def undo_last(self) -> Diff:
        """Take back the last recorded diff; returns it."""
        diff = self.diffs.pop()
        for key, (before, _after) in diff.changes.items():
            self.put(key, before)
            past = self._past[key]
            if len(past.blocks) == 1:
                del self._past[key]
            else:
                past.blocks.pop()
                past.values.pop()
        return diff

    def keys(self) -> list[Key]:
        """Every key holding a non-default value now."""
        keys: list[Key] = [(a, None) for a in self.accounts]
        keys += [(a, s) for a, slots in self.storage.items() for s in slots]
        return keys


def world_from_dump(dump: StateDump) -> WorldState:
    """A WorldState holding a state dump (genesis or a base)."""
    world = WorldState()
    for raw, account in dump.accounts.items():
        address = raw.lower()
        code = bytes.fromhex(account["code"])
        code_hash = keccak256(code)
        world.codes[code_hash] = code
        world.put((address, None), AccountRecord(account["balance"], account["nonce"], code_hash))
        for slot, value in account["storage"].items():
            world.put((address, slot), value)
    return world


def dump_of_world(world: WorldState, meta: dict[str, Any] | None = None) -> StateDump:
    """The current state of `world` as a StateDump (checksum addresses, sorted)."""
    accounts: dict[str, dict[str, Any]] = {}
    for address in sorted(set(world.accounts) | set(world.storage)):
        record = world.account(address)
        accounts[to_checksum_address(address)] = {
            "balance": record.balance,
            "nonce": record.nonce,
            "code": world.codes[record.code_hash].hex(),
            "storage": dict(sorted(world.storage.get(address, {}).items())),
        }
    return StateDump(dict(sorted(accounts.items())), dict(meta or {}))
