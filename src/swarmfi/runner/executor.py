"""Execution through the swarm: each step becomes three tasks for three narrow agents.

    q{i}  quote  (read)   rebuild step i from live state
    r{i}  risk   (read)   simulate it again on a sandbox; it must stay inside the approved
                          envelope and the policy; only then are its transactions cleared
    a{i}  approve         grant the exact allowances the step needs (steps that spend ERC20s)
    x{i}  <action>        sign (guarded), write to the ledger, broadcast, wait; compare
                          what moved with the envelope and halt the plan on divergence

Steps run in order (q{i} waits for x{i-1}): each one acts on the state the previous
left. A failed task cancels everything after it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from swarmfi.agents import prepare
from swarmfi.agents.context import Prepared, Produced, StepContext
from swarmfi.chain.base import Chain, Receipt
from swarmfi.errors import PolicyError, SimulationError
from swarmfi.guard.check import default_slippage, effects_of
from swarmfi.guard.envelope import Envelope
from swarmfi.guard.policy import Policy
from swarmfi.guard.preview import StepPreview, diff
from swarmfi.guard.rules import check
from swarmfi.guard.sandbox import open_sandbox
from swarmfi.guard.signer import Clearance, GuardedSigner
from swarmfi.guard.simulate import produced_by, run_step
from swarmfi.ledger.store import Ledger
from swarmfi.plan.tasks import Plan, Ref, Task
from swarmfi.swarm import Event, RunReport, Swarm


@dataclass
class Execution:
    """One approved plan being carried out."""

    chain: Chain
    raw_signer: Any
    ledger: Ledger
    run_id: str
    policy: Policy
    steps: Sequence[Any]
    envelopes: Mapping[int, Envelope]
    spent_today_usd: Decimal = Decimal(0)
    done: Mapping[int, Produced | None] = field(default_factory=dict)
    sending: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.signer = GuardedSigner(self.raw_signer, Clearance(), self.record_signed)

    def record_signed(self, tx: dict[str, Any], raw: bytes) -> None:
        """Write a signed transaction to the ledger; called before it is broadcast."""
        from eth_utils import keccak

        self.ledger.append("transaction", {
            **self.sending, "tx_hash": "0x" + keccak(raw).hex(), "raw": "0x" + raw.hex(),
            "nonce": int(tx.get("nonce", -1)), "to": str(tx.get("to")),
            "value": str(int(tx.get("value", 0)))}, self.run_id)

    @property
    def sender(self) -> str:
        return self.signer.address

    def plan(self) -> Plan:
        return compile_plan(self.steps, skip=set(self.done))

    def swarm(self) -> Swarm:
        swarm = Swarm()
        swarm.spawn("quote", self.quote)
        swarm.spawn("risk", self.risk)
        swarm.spawn("query", self.query)
        swarm.spawn("approve", self.approve)
        for kind in {s.action for s in self.steps} - {"query"}:
            swarm.spawn(kind, self.act)
        return swarm

    async def run(self, on_event: Callable[[Event], None] | None = None) -> RunReport:
        return await self.swarm().run_dag(self.plan(), on_event=on_event)

    def _context(self, task: Task) -> StepContext:
        index = task.inputs["step"]
        produced = {j: p for j, p in self.done.items() if p is not None}
        produced.update({int(j): p for j, p in task.inputs.get("produced", {}).items()
                         if isinstance(p, Produced)})
        return StepContext(self.chain, self.sender, index, produced,
                           default_slippage(self.policy), self.policy.address_book)

    async def quote(self, task: Task) -> Prepared:
        index = task.inputs["step"]
        return await prepare(self.steps[index], self._context(task))

    async def risk(self, task: Task) -> Prepared:
        prepared: Prepared = task.inputs["prepared"]
        envelope = self.envelopes[prepared.index]
        problems = envelope.problems(prepared)
        async with open_sandbox(self.chain) as sim:
            hf_before = (await sim.position(self.sender)).health_factor
            before = await sim.balances(self.sender)
            outcomes = await run_step(sim, prepared)
            deltas = diff(before, await sim.balances(self.sender))
            after = await sim.position(self.sender)
        problems += envelope.delta_problems(deltas)
        if problems:
            self._halt(prepared, problems, "left the approved envelope")
        fx = replace(effects_of(StepPreview(prepared, outcomes, deltas, after),
                                self.steps[prepared.index], self.sender, hf_before),
                     spent_today_usd=self.spent_today_usd)
        violations = check(self.policy, fx, self.chain.registry)
        if violations:
            self._halt(prepared, [v.message for v in violations], "broke the policy")
        self.ledger.append("clearance", {
            "step": prepared.index, "deltas": {k: str(v) for k, v in deltas.items()},
            "txs": [{"to": t.to, "data": "0x" + t.data.hex(), "value": str(t.value)}
                    for t in prepared.txs]}, self.run_id)
        self.signer.clearance.clear(prepared.txs)
        return prepared

    async def approve(self, task: Task) -> dict[str, Any]:
        """Send the step's exact approvals (none when the allowance already covers it)."""
        prepared: Prepared = task.inputs["prepared"]
        before = await self.chain.balances(self.sender)
        receipts = [await self._send(prepared, i) for i in range(len(prepared.approve_txs))]
        return {"before": before, "receipts": receipts}

    async def act(self, task: Task) -> dict[str, Any]:
        prepared: Prepared = task.inputs["prepared"]
        approved = task.inputs.get("approved") or await self.approve(task)
        first = len(prepared.approve_txs)
        receipts = list(approved["receipts"])
        for i in range(first, len(prepared.txs)):
            receipts.append(await self._send(prepared, i))
        deltas = diff(approved["before"], await self.chain.balances(self.sender))
        problems = Envelope.of(prepared).delta_problems(deltas)
        if problems:
            self._halt(prepared, problems, "diverged from the simulation")
        produced = produced_by(prepared, deltas)
        self.spent_today_usd += prepared.usd_value  # the daily cap counts this run's steps too
        self._record_step(prepared, deltas, produced, receipts)
        return {"produced": produced, "deltas": deltas}

    async def query(self, task: Task) -> dict[str, Any]:
        prepared = await self.quote(task)
        self._record_step(prepared, {}, None, [])
        return {"answer": dict(prepared.data), "produced": None}

    async def _send(self, prepared: Prepared, i: int) -> Receipt:
        tx = prepared.txs[i]
        self.sending = {"step": prepared.index, "tx_index": i, "tx_count": len(prepared.txs),
                        "label": tx.label}
        receipt = await self.chain.send(tx, self.signer)
        failpoint("after_broadcast")
        self.ledger.append("receipt", receipt_json(receipt, prepared.index), self.run_id)
        if not receipt.success:
            self._halt(prepared, [f"{tx.label} reverted on chain: {receipt.revert_reason}"],
                       "failed on chain")
        return receipt

    def _record_step(self, prepared: Prepared, deltas: Mapping[str, int],
                     produced: Produced | None, receipts: list[Receipt]) -> None:
        self.ledger.append("step", {
            "step": prepared.index, "action": prepared.action, "summary": prepared.summary,
            "deltas": {k: str(v) for k, v in deltas.items()},
            "produced": None if produced is None else [produced.symbol, str(produced.amount)],
            "usd_value": str(prepared.usd_value), "tx_hashes": [r.tx_hash for r in receipts],
            **({"answer": prepared.data["answer"]} if "answer" in prepared.data else {}),
        }, self.run_id)

    def _halt(self, prepared: Prepared, problems: list[str], what: str) -> None:
        self.signer.clearance.revoke_all()
        message = f"step {prepared.index + 1} ({prepared.summary}) {what}: " + "; ".join(problems)
        self.ledger.append("halt", {"step": prepared.index, "problems": problems}, self.run_id)
        error = PolicyError if what == "broke the policy" else SimulationError
        raise error(message, hint="the plan was halted; nothing after this step was sent")


_FAILPOINT_COUNTS: dict[str, int] = {}


def failpoint(name: str) -> None:
    """Crash here on purpose when SWARMFI_FAILPOINT="name:N" (the Nth time): how the tests
    kill a run mid-plan to prove it resumes without sending anything twice."""
    import os

    spec = os.environ.get("SWARMFI_FAILPOINT", "")
    wanted, _, count = spec.partition(":")
    if wanted != name:
        return
    _FAILPOINT_COUNTS[name] = _FAILPOINT_COUNTS.get(name, 0) + 1
    if _FAILPOINT_COUNTS[name] >= int(count or 1):
        os._exit(137)


def receipt_json(receipt: Receipt, step: int) -> dict[str, Any]:
    return {"tx_hash": receipt.tx_hash, "step": step, "success": receipt.success,
            "gas_used": receipt.gas_used, "block": receipt.block_number,
            "revert_reason": receipt.revert_reason}


# Steps whose ERC20 spending needs an allowance first: an approve agent grants it, exactly.
NEEDS_APPROVAL = frozenset({"swap", "supply", "repay", "add_liquidity", "remove_liquidity"})


def compile_plan(steps: Sequence[Any], skip: set[int] | None = None) -> Plan:
    """The task DAG for `steps` (see the module docstring); steps in `skip` already ran."""
    tasks: list[Task] = []
    previous: str | None = None
    for i, step in enumerate(steps):
        if skip and i in skip:
            continue
        tasks += _step_tasks(i, step, previous, skip or set())
        previous = f"x{i}"
    return Plan(tuple(tasks))


def _step_tasks(i: int, step: Any, previous: str | None, skip: set[int]) -> list[Task]:
    after = (previous,) if previous else ()
    label = f"step {i + 1}: {step.action}"
    if step.action == "query":
        return [Task(f"x{i}", "query", {"step": i}, after, is_read=True, label=label)]
    of_step = getattr(getattr(step, "amount", None), "of_step", None)
    produced = {str(of_step): Ref(f"x{of_step}", "produced")} if (
        of_step is not None and of_step not in skip) else {}
    tasks = [
        Task(f"q{i}", "quote", {"step": i, "produced": produced}, after, is_read=True,
             label=f"{label} (quote)"),
        Task(f"r{i}", "risk", {"prepared": Ref(f"q{i}")}, is_read=True,
             label=f"{label} (risk check)"),
    ]
    inputs: dict[str, Any] = {"prepared": Ref(f"r{i}")}
    if step.action in NEEDS_APPROVAL:
        tasks.append(Task(f"a{i}", "approve", {"prepared": Ref(f"r{i}")},
                          label=f"{label} (approve)"))
        inputs["approved"] = Ref(f"a{i}")
    return [*tasks, Task(f"x{i}", step.action, inputs, label=label)]
