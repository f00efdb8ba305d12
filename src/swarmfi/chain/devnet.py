"""The embedded devnet as a `Chain`: `open_devnet()` -> `DevnetChain`.

State lives in a directory (default `swarmfi.paths.state_dir()`, i.e. ~/.swarmfi/devnet/,
or `--state DIR`):

    genesis.state   the genesis EVM state (from the genesis cache; written once)
    chain.state     the node's history since genesis (blocks, txs, time), rewritten
                    atomically after every change; replayed on start
    lock            held while a process has the devnet open (one writer at a time)

Start-up reads both files and replays the history on the node (`DevnetNode.replay`), so
receipts and blocks survive too. A bad file raises StateError naming it and
`swarmfi devnet reset`; nothing is ever silently replaced.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from swarmfi.chain import genesis
from swarmfi.chain.base import Registry, Simulation, TxRequest
from swarmfi.chain.rpc import JsonRpcChain, RpcFailure
from swarmfi.chain.simulation import simulate_on_evm
from swarmfi.chain.state import StateDump, StateTracker, read_dump, read_file, write_dump
from swarmfi.chain.state import write_file as write_state_file
from swarmfi.errors import StateError, UserInputError

CHAIN_FILE = "chain.state"
GENESIS_FILE = "genesis.state"
LOCK_FILE = "lock"
GENESIS_KIND = "swarmfi-devnet-genesis"
RESET_HINT = "run `swarmfi devnet reset` to start over from genesis (this loses devnet state)"


def default_state_dir() -> Path:
    from swarmfi import paths

    return paths.state_dir()


# ------------------------------------------------------------------ the node


def node_from(dump: StateDump) -> Any:
    """A DevnetNode whose EVM holds the genesis `dump` (history not yet replayed)."""
    from swarmfi.chain.node import DevnetNode

    evm = genesis.new_evm()
    StateTracker().load(evm, dump)
    return DevnetNode(
        evm,
        genesis.CHAIN_ID,
        accounts=list(dump.meta["accounts"]),
        genesis_timestamp=genesis.GENESIS_TIMESTAMP,
    )


def start_clock(node: Any) -> None:
    """Seal genesis as block 1; devnet time then runs with real time from there."""
    node.set_next_timestamp(genesis.GENESIS_TIMESTAMP + genesis.BLOCK_TIME)
    node.seal("genesis")


class InProcess:
    """The Transport for a node in this process; `lock` serialises node access and
    `after` runs after every request (the devnet saves its state there if it changed)."""

    def __init__(self, node: Any, lock: Any, after: Callable[[], None]) -> None:
        self.node, self.lock, self.after = node, lock, after

    async def request(self, method: str, params: list[Any]) -> Any:
        from swarmfi.chain.node_rpc import RpcError

        try:
            with self.lock:
                return self.node.call(method, params)
        except RpcError as exc:
            raise RpcFailure(exc.code, exc.message, exc.data) from None
        finally:
            self.after()

    async def close(self) -> None:
        return None


# ------------------------------------------------------------------ files


class DevnetStore:
    """One state directory: load or create it, save after changes, hold its lock."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.chain_path = self.directory / CHAIN_FILE
        self.genesis_path = self.directory / GENESIS_FILE
        self._lock_fd: int | None = None
        self._saved: tuple[int, int] | None = None

    def open(self, cache_dir: Path | None = None) -> tuple[Any, Registry]:
        """The node with its state, and the devnet registry; creates the directory if new."""
        self._acquire()
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
        node = node_from(dump)
        start_clock(node)
        self.save(node)
        return node, genesis.registry_of(dump)

    def _load(self) -> tuple[Any, Registry]:
        saved = read_file(self.chain_path)
        if not self.genesis_path.exists():
            raise StateError(
                f"{self.chain_path} needs {self.genesis_path}, which is missing", hint=RESET_HINT
            )
        dump = read_dump(self.genesis_path, GENESIS_KIND)
        if saved.get("genesis") != dump.meta.get("key"):
            raise StateError(
                f"{self.chain_path} was made on another genesis than {self.genesis_path}",
                hint=RESET_HINT,
            )
        node = node_from(dump)
        self._replay(node, saved.get("history"))
        self._saved = _version(node)
        return node, genesis.registry_of(dump)

    def _replay(self, node: Any, history: Any) -> None:
        from swarmfi.chain.node_rpc import RpcError

        try:
            node.replay(list(history))
        except (RpcError, ValueError, KeyError, TypeError) as exc:
            raise StateError(
                f"cannot replay the devnet history in {self.chain_path}: {exc}", hint=RESET_HINT
            ) from None

    def save(self, node: Any) -> None:
        """Write the node's history (atomically) if it changed since the last save."""
        if _version(node) == self._saved:
            return
        key = read_dump_key(self.genesis_path)
        payload = {"genesis": key, "chain_id": node.chain_id, "history": node.history}
        write_state_file(self.chain_path, payload)
        self._saved = _version(node)

    def _acquire(self) -> None:
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


_KEYS: dict[Path, str] = {}


def read_dump_key(path: Path) -> str:
    """The genesis key of a genesis.state file (memoised: the file is written once)."""
    if path not in _KEYS:
        _KEYS[path] = str(read_dump(path, GENESIS_KIND).meta["key"])
    return _KEYS[path]


def _version(node: Any) -> tuple[int, int]:
    history = node.history
    return (len(history), id(history[-1]) if history else 0)


def reset(directory: Path | None = None) -> Path:
    """Delete a devnet state directory's files (the next open starts from genesis)."""
    store = DevnetStore(directory or default_state_dir())
    store._acquire()
    try:
        for path in (store.chain_path, store.genesis_path):
            path.unlink(missing_ok=True)
            _KEYS.pop(path, None)
    finally:
        store.close()
    return store.directory


# ------------------------------------------------------------------ the chain


class DevnetChain(JsonRpcChain):
    """The embedded devnet: JSON-RPC answered in-process, simulation on the node's EVM."""

    def __init__(self, node: Any, registry: Registry, store: DevnetStore | None = None) -> None:
        self.node = node
        self.lock = node.lock  # the node's re-entrant lock: shared with its HTTP server
        self.store = store
        super().__init__(InProcess(node, self.lock, self.persist), registry)

    async def simulate(self, txs: list[TxRequest]) -> Simulation:
        """Run `txs` on a snapshot of the node's EVM in the pending block; nothing persists."""
        with self.lock:
            self.node.enter_pending_block()
            return await simulate_on_evm(self.node.evm, self.registry, txs)

    async def advance(self, seconds: int) -> int:
        """Move the devnet's clock forward by `seconds` and mine a block; its number."""
        await self.rpc("evm_increaseTime", [seconds])
        await self.rpc("evm_mine", [])
        return await self.block_number()

    def persist(self) -> None:
        """Save the state if it changed since the last save (no-op for an in-memory devnet).
        Runs after every request, so raw sends through `rpc` are saved too."""
        if self.store is not None:
            with self.lock:
                self.store.save(self.node)

    async def close(self) -> None:
        if self.store is not None:
            self.persist()
            self.store.close()
            self.store = None


def open_devnet(
    state_path: Path | str | None = None, *, persist: bool = True, cache_dir: Path | None = None
) -> DevnetChain:
    """The devnet with its saved state (`state_path`: the state directory, default
    ~/.swarmfi/devnet), or a throwaway in-memory one from genesis with `persist=False`."""
    if not persist:
        dump = genesis.genesis_dump(cache_dir)
        node = node_from(dump)
        start_clock(node)
        return DevnetChain(node, genesis.registry_of(dump))
    store = DevnetStore(Path(state_path) if state_path is not None else default_state_dir())
    node, registry = store.open(cache_dir)
    return DevnetChain(node, registry, store)
