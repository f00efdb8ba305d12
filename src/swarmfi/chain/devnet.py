"""The embedded devnet as a `Chain`: `open_devnet()` -> `DevnetChain`.

Reads, calls and sends go through the node's JSON-RPC in-process (the same code as
`RpcChain`); `simulate` runs on a snapshot of the node's EVM. State is kept in a directory
(see `swarmfi.chain.devnet_store`), saved after every request that changed it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from swarmfi.chain import genesis
from swarmfi.chain.base import Registry, Simulation, TxRequest
from swarmfi.chain.devnet_store import (
    CHAIN_FILE,
    GENESIS_FILE,
    GENESIS_KIND,
    DevnetStore,
    default_state_dir,
    node_from,
    reset,
    start_clock,
)
from swarmfi.chain.rpc import JsonRpcChain, RpcFailure
from swarmfi.chain.simulation import simulate_on_evm

__all__ = [
    "CHAIN_FILE",
    "GENESIS_FILE",
    "GENESIS_KIND",
    "DevnetChain",
    "DevnetStore",
    "default_state_dir",
    "open_devnet",
    "reset",
]


class InProcess:
    """The Transport for a node in this process; `lock` serialises node access and
    `after` runs after every request (the devnet saves its state there if it changed)."""

    def __init__(self, node: Any, lock: Any, after: Callable[[], None]) -> None:
        self.node, self.lock, self.after = node, lock, after

    async def request(self, method: str, params: list[Any]) -> Any:
        from swarmfi.chain.node.jsonrpc import RpcError

        try:
            with self.lock:
                return self.node.call(method, params)
        except RpcError as exc:
            raise RpcFailure(exc.code, exc.message, exc.data) from None
        finally:
            self.after()

    async def close(self) -> None:
        return None


# ------------------------------------------------------------------ the chain


class DevnetChain(JsonRpcChain):
    """The embedded devnet: JSON-RPC answered in-process, simulation on the node's EVM."""

    def __init__(self, node: Any, registry: Registry, store: DevnetStore | None = None) -> None:
        self.node = node
        self.lock = node.lock  # the node's re-entrant lock: shared with its HTTP server
        self.store = store
        super().__init__(InProcess(node, self.lock, self.persist), registry)

    @asynccontextmanager
    async def sandbox_evm(self) -> AsyncIterator[Any]:
        """The node's own EVM in its pending block, locked while the caller holds it; the
        caller snapshots and reverts (see swarmfi.guard.sandbox)."""
        with self.lock:
            self.node.enter_pending_block()
            yield self.node.evm

    async def simulate(self, txs: list[TxRequest]) -> Simulation:
        """Run `txs` on a snapshot of the node's EVM in the pending block; nothing persists."""
        async with self.sandbox_evm() as evm:
            return await simulate_on_evm(evm, self.registry, txs)

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
    state_path: Path | str | None = None,
    *,
    persist: bool = True,
    cache_dir: Path | None = None,
    compact_at: int | None = None,
) -> DevnetChain:
    """The devnet with its saved state (`state_path`: the state directory, default
    ~/.swarmfi/devnet), or a throwaway in-memory one from genesis with `persist=False`.
    `cache_dir` overrides the genesis cache; `compact_at` the history length at which
    opening compacts the state into a new base."""
    if not persist:
        dump = genesis.genesis_dump(cache_dir)
        node = node_from(dump, list(dump.meta["accounts"])).node
        start_clock(node)
        return DevnetChain(node, genesis.registry_of(dump))
    directory = Path(state_path) if state_path is not None else default_state_dir()
    store = DevnetStore(directory) if compact_at is None else DevnetStore(directory, compact_at)
    node, registry = store.open(cache_dir)
    return DevnetChain(node, registry, store)
