"""Run a plan of transactions on a pyrevm EVM snapshot and report what it would do.

Used by both backends: the devnet simulates on its node's EVM, `RpcChain` on a pyrevm fork
of the URL at a pinned block. Everything runs between `evm.snapshot()` and
`evm.revert()`, and never yields to the event loop in between, so nothing persists and no
other coroutine sees the simulated state. Gas is not charged (gas price 0), so ether
deltas are value transfers only.
"""

from __future__ import annotations

from typing import Any

from swarmfi.chain.base import (
    Log,
    Registry,
    Simulation,
    TxOutcome,
    TxRequest,
)
from swarmfi.chain.reads import Reader, position_or_empty
from swarmfi.errors import ChainProviderError, UserInputError

READ_CALLER = "0x0000000000000000000000000000000000000000"


class EvmAccess:
    """eth_call-style reads on an EVM: each one runs and is thrown away."""

    def __init__(self, evm: Any) -> None:
        self.evm = evm

    def call_sync(
        self,
        to: str,
        data: bytes,
        sender: str = READ_CALLER,
        value: int = 0,
        gas: int | None = None,
    ) -> bytes:
        """Return data of a call whose state changes are discarded; RevertError on revert."""
        from swarmfi.chain.harness import as_revert

        checkpoint = self.evm.snapshot()
        try:
            return bytes(self.evm.message_call(sender, to, data, value=value, gas=gas))
        except RuntimeError as exc:
            raise_if_provider(exc)
            raise as_revert(exc) from None
        finally:
            self.evm.revert(checkpoint)

    async def call(self, to: str, data: bytes) -> bytes:
        return self.call_sync(to, data)

    async def native(self, owner: str) -> int:
        return int(self.evm.get_balance(owner))

    async def timestamp(self) -> int:
        return int(self.evm.env.block.timestamp)

    def reader(self, registry: Registry) -> Reader:
        return Reader(registry, self.call, self.native, self.timestamp, concurrent=False)


def run_tx(evm: Any, tx: TxRequest) -> TxOutcome:
    """Execute `tx` on `evm`, keeping its state changes; a revert is an unsuccessful outcome."""
    from swarmfi.chain.harness import as_revert

    try:
        output = evm.message_call(tx.sender, tx.to, tx.data, value=tx.value, gas=tx.gas)
    except RuntimeError as exc:
        raise_if_provider(exc)
        revert = as_revert(exc, tx.label)
        return TxOutcome(False, revert.data, revert.gas_used, (), revert.reason, tx.label)
    result = evm.result
    logs = tuple(_log(entry) for entry in result.logs)
    return TxOutcome(True, bytes(output), int(result.gas_used), logs, None, tx.label)


def _log(entry: Any) -> Log:
    from eth_utils import to_checksum_address

    topics, data = entry.data
    return Log(to_checksum_address(entry.address), tuple(bytes(t) for t in topics), bytes(data))


async def simulate_on_evm(evm: Any, registry: Registry, txs: list[TxRequest]) -> Simulation:
    """Run `txs` in order on a snapshot of `evm` (stopping at the first failure), then revert."""
    if not txs:
        raise UserInputError("nothing to simulate", hint="give at least one transaction")
    access, sender = EvmAccess(evm), txs[0].sender
    reader = access.reader(registry)
    checkpoint = evm.snapshot()
    try:
        before = await reader.balances(sender)
        position_before = await position_or_empty(reader, sender)
        outcomes = _run_until_failure(evm, txs)
        after = await reader.balances(sender)
        position_after = await position_or_empty(reader, sender)
    finally:
        evm.revert(checkpoint)
    deltas = {s: after[s] - before[s] for s in before if after[s] != before[s]}
    return Simulation(
        sender, tuple(outcomes), deltas, position_before, position_after, planned=len(txs)
    )


def _run_until_failure(evm: Any, txs: list[TxRequest]) -> list[TxOutcome]:
    outcomes: list[TxOutcome] = []
    for tx in txs:
        outcomes.append(run_tx(evm, tx))
        if not outcomes[-1].success:
            break
    return outcomes


def raise_if_provider(exc: RuntimeError) -> None:
    """A forked EVM that could not fetch state reports RuntimeError("Database(…)"): that is
    the provider failing, not the transaction reverting."""
    if str(exc).startswith("Database("):
        raise ChainProviderError(
            f"the forked simulation could not fetch state: {exc}",
            hint="retry; if it persists, check the RPC node",
        ) from None


def is_panic(exc: BaseException) -> bool:
    """pyrevm (pyo3) raises PanicException, a BaseException, e.g. for a bad fork URL."""
    return type(exc).__name__ == "PanicException"


def provider_failure(exc: BaseException, url: str) -> ChainProviderError:
    """pyrevm's fork could not read state from `url` (a panic or a Database error)."""
    return ChainProviderError(
        f"the forked simulation could not read {url}: {exc}",
        hint="check the RPC URL and that the node is reachable",
    )


__all__ = [
    "EvmAccess",
    "is_panic",
    "position_or_empty",
    "provider_failure",
    "run_tx",
    "simulate_on_evm",
]
