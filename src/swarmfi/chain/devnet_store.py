"""The devnet's state directory (default ~/.swarmfi/devnet/, or `--state DIR`).

    genesis.state    the genesis EVM state (copied from the genesis cache; written once)
    base-N.state     a full EVM state dump plus the head block (number, time, base fee,
                     clock offset), made when the history grew past `COMPACT_AT` entries
    chain.state      the node's history since genesis or base N (txs, blocks, time),
                     rewritten atomically after every change
    lock             held (flock) while one process has the devnet open

Opening loads genesis (or base N) into a fresh EVM and replays the history on the node
(`DevnetNode.replay`), so blocks and receipts since then survive. A long history is
compacted at open into a new base: start-up stays fast, and receipts from before that
point are forgotten. A bad file raises StateError naming it and `swarmfi devnet reset`;
nothing is ever silently replaced.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarmfi.chain import genesis
from swarmfi.chain.base import Registry
from swarmfi.chain.state import StateDump, read_dump, read_file, write_dump
from swarmfi.chain.state import write_file as write_state_file
from swarmfi.errors import StateError, UserInputError

CHAIN_FILE = "chain.state"
GENESIS_FILE = "genesis.state"
LOCK_FILE = "lock"
GENESIS_KIND = "swarmfi-devnet-genesis"
BASE_KIND = "swarmfi-devnet-base"
COMPACT_AT = 1000
RESET_HINT = "run `swarmfi devnet reset` to start over from genesis (this loses devnet state)"


def default_state_dir() -> Path:
    from swarmfi import paths

    return paths.state_dir()


# ------------------------------------------------------------------ nodes


@dataclass
class Loaded:
    """A node on restored state."""

    node: Any
    accounts: list[str] = field(default_factory=list)


def node_from(dump: StateDump, accounts: list[str], head: dict[str, int] | None = None) -> Loaded:
    """A DevnetNode on `dump` (genesis, or a base whose `head` block it resumes after)."""
    from swarmfi.chain.node import DevnetNode
    from swarmfi.chain.node.world import world_from_dump

    world = world_from_dump(dump)
    if head is None:
        node = DevnetNode(
            None,
            genesis.CHAIN_ID,
            world=world,
            accounts=accounts,
            genesis_timestamp=genesis.GENESIS_TIMESTAMP,
        )
    else:
        node = DevnetNode(
            None,
            genesis.CHAIN_ID,
            world=world,
            accounts=accounts,
            genesis_timestamp=head["timestamp"],
            first_block=head["number"],
            base_fee=head["base_fee"],
        )
        node.time_offset = head["time_offset"]
    return Loaded(node, accounts)


def start_clock(node: Any) -> None:
    """Seal genesis as block 1; devnet time then runs with real time from there."""
    node.set_next_timestamp(genesis.GENESIS_TIMESTAMP + genesis.BLOCK_TIME)
    node.seal("genesis")


def head_of(node: Any) -> dict[str, int]:
    head = node.head
    return {
        "number": head.number,
        "timestamp": head.timestamp,
        "base_fee": head.base_fee,
        "time_offset": node.time_offset,
    }


# ------------------------------------------------------------------ the directory


class DevnetStore:
    """One state directory: load or create it, save after changes, hold its lock."""

    def __init__(self, directory: Path, compact_at: int = COMPACT_AT) -> None:
        self.directory = Path(directory)
        self.chain_path = self.directory / CHAIN_FILE
        self.genesis_path = self.directory / GENESIS_FILE
        self.compact_at = compact_at
        self.base = 0
        self.key = ""
        self._lock_fd: int | None = None
        self._saved: tuple[int, int] | None = None

    def base_path(self, seq: int) -> Path:
        return self.directory / f"base-{seq}.state"

    def open(self, cache_dir: Path | None = None) -> tuple[Any, Registry]:
        """The node with its state, and the devnet registry; creates the directory if new."""
        self.acquire()
        try:
            if self.chain_path.exists():
                return self._load()
            return self._create(cache_dir)
        except BaseException:
            self.close()
            raise

    def _create(self, cache_dir: Path | None) -> tuple[Any, Registry]:
        dump = genesis.genesis_dump(cache_dir)
        write_dump(self.genesis_path, dump, GENESIS_KIND)
        self.key, self.base = str(dump.meta["key"]), 0
        loaded = node_from(dump, list(dump.meta["accounts"]))
        start_clock(loaded.node)
        self.save(loaded.node)
        return loaded.node, genesis.registry_of(dump)

    def _load(self) -> tuple[Any, Registry]:
        saved = read_file(self.chain_path)
        first = self._genesis(saved)
        history = saved.get("history")
        if not isinstance(history, list):
            raise StateError(f"{self.chain_path} has no history list", hint=RESET_HINT)
        loaded = self._at_base(first, int(saved.get("base", 0)))
        self._replay(loaded.node, history)
        if len(history) > self.compact_at:
            loaded = self.compact(loaded)
        self._saved = _version(loaded.node)
        self._remove_stale_bases()
        return loaded.node, genesis.registry_of(first)

    def _genesis(self, saved: dict[str, Any]) -> StateDump:
        if not self.genesis_path.exists():
            raise StateError(
                f"{self.chain_path} needs {self.genesis_path}, which is missing", hint=RESET_HINT
            )
        dump = read_dump(self.genesis_path, GENESIS_KIND)
        self.key = str(dump.meta.get("key"))
        if saved.get("genesis") != self.key:
            raise StateError(
                f"{self.chain_path} was made on another genesis than {self.genesis_path}",
                hint=RESET_HINT,
            )
        return dump

    def _at_base(self, first: StateDump, seq: int) -> Loaded:
        self.base, accounts = seq, list(first.meta["accounts"])
        if seq == 0:
            return node_from(first, accounts)
        path = self.base_path(seq)
        dump = read_dump(path, BASE_KIND)
        if dump.meta.get("seq") != seq or dump.meta.get("key") != self.key:
            raise StateError(f"{path} does not belong to {self.chain_path}", hint=RESET_HINT)
        return node_from(dump, accounts, dict(dump.meta["head"]))

    def _replay(self, node: Any, history: list[Any]) -> None:
        from swarmfi.chain.node.jsonrpc import RpcError

        try:
            node.replay(history)
        except (RpcError, ValueError, KeyError, TypeError) as exc:
            raise StateError(
                f"cannot replay the devnet history in {self.chain_path}: {exc}", hint=RESET_HINT
            ) from None

    def compact(self, loaded: Loaded) -> Loaded:
        """Dump the node's whole state as the next base and continue on a node resumed
        from it (in this process too, so every later open replays identically)."""
        seq, head = self.base + 1, head_of(loaded.node)
        from swarmfi.chain.node.world import dump_of_world

        dump = dump_of_world(loaded.node.world, {"seq": seq, "key": self.key, "head": head})
        write_dump(self.base_path(seq), dump, BASE_KIND)
        resumed = node_from(dump, loaded.accounts, head)
        self.base, self._saved = seq, None
        self.save(resumed.node)
        return resumed

    def _remove_stale_bases(self) -> None:
        for path in self.directory.glob("base-*.state"):
            if path != self.base_path(self.base):
                path.unlink(missing_ok=True)

    def save(self, node: Any) -> None:
        """Write the node's history (atomically) if it changed since the last save."""
        if _version(node) == self._saved:
            return
        payload = {
            "genesis": self.key,
            "base": self.base,
            "chain_id": node.chain_id,
            "history": node.history,
        }
        write_state_file(self.chain_path, payload)
        self._saved = _version(node)

    def acquire(self) -> None:
        """Take the directory's lock; UserInputError naming the holder if it is taken."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise UserInputError(
                f"the devnet state in {self.directory} is in use by pid {holder}",
                hint="stop that process (e.g. `swarmfi devnet serve`), or connect to it with "
                "--rpc URL, or use another --state directory",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd

    def close(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                os.close(self._lock_fd)
            self._lock_fd = None


def _version(node: Any) -> tuple[int, int]:
    history = node.history
    return (len(history), id(history[-1]) if history else 0)


def reset(directory: Path | None = None) -> Path:
    """Delete a devnet state directory's files (the next open starts from genesis)."""
    store = DevnetStore(directory or default_state_dir())
    store.acquire()
    try:
        for path in (store.chain_path, store.genesis_path, *store.directory.glob("base-*.state")):
            path.unlink(missing_ok=True)
    finally:
        store.close()
    return store.directory
