"""Whole-plan simulation: every step prepared and run on one sandbox, in order, with
state carried across steps, so "half of what step 1 produced" is measured, not guessed.

Nothing here signs or sends. A step that cannot be prepared raises PlanError; one whose
transactions revert raises SimulationError; both block the plan (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

from swarmfi.agents import prepare
from swarmfi.agents.context import Prepared, Produced, StepContext
from swarmfi.chain.base import Chain, LendingPosition, TxOutcome, TxRequest
from swarmfi.errors import SimulationError
from swarmfi.guard.preview import Preview, StepPreview, diff


class Sandbox(Chain, Protocol):
    """A chain over a throwaway snapshot: `execute` runs a tx as its sender, unsigned."""

    async def execute(self, tx: TxRequest) -> TxOutcome: ...


async def run_step(sim: Sandbox, prepared: Prepared) -> tuple[TxOutcome, ...]:
    """Run the step's transactions in the sandbox; the first revert blocks the plan."""
    outcomes = []
    for tx in prepared.txs:
        outcome = await sim.execute(tx)
        outcomes.append(outcome)
        if not outcome.success:
            raise SimulationError(
                f"step {prepared.index + 1} ({prepared.summary}) would fail: "
                f"{tx.label or 'transaction'} reverted: {outcome.revert_reason or 'no reason'}",
                "nothing was signed; change the instruction (amount, token) and try again")
    return tuple(outcomes)


def produced_by(prepared: Prepared, deltas: Mapping[str, int]) -> Produced | None:
    if prepared.product is None:
        return None
    return Produced(prepared.product, max(deltas.get(prepared.product, 0), 0))


class PlanSimulator:
    """Runs a list of canonical steps on a sandbox and builds the preview."""

    def __init__(self, sim: Sandbox, sender: str, *, default_slippage: Decimal,
                 address_book: Mapping[str, str]) -> None:
        self.sim, self.sender = sim, sender
        self.default_slippage, self.address_book = default_slippage, address_book
        self.produced: dict[int, Produced] = {}

    def context(self, index: int) -> StepContext:
        return StepContext(self.sim, self.sender, index, dict(self.produced),
                           self.default_slippage, self.address_book)

    async def step(self, index: int, step: Any) -> StepPreview:
        prepared = await prepare(step, self.context(index))
        before = await self.sim.balances(self.sender)
        outcomes = await run_step(self.sim, prepared)
        deltas = diff(before, await self.sim.balances(self.sender))
        produced = produced_by(prepared, deltas)
        if produced is not None:
            self.produced[index] = produced
        return StepPreview(prepared, outcomes, deltas, await self._position())

    async def _position(self) -> LendingPosition:
        return await self.sim.position(self.sender)

    async def run(self, steps: list[Any]) -> Preview:
        balances_before = await self.sim.balances(self.sender)
        position_before = await self._position()
        previews = [await self.step(i, step) for i, step in enumerate(steps)]
        return Preview(self.sender, tuple(previews), balances_before,
                       await self.sim.balances(self.sender), position_before,
                       await self._position())
