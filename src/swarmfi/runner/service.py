"""The main job as a service: text → intent → preview → approval → execution → report.

Every stage writes to the ledger first. Standing orders (conditions, schedules) are
stored instead of run; `fire_order` runs one through the same guard when it fires.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from swarmfi.chain.base import Chain
from swarmfi.errors import RefusalError
from swarmfi.guard.check import guard
from swarmfi.guard.envelope import Envelope
from swarmfi.guard.policy import Policy
from swarmfi.guard.preview import Preview
from swarmfi.guard.rules import raise_for
from swarmfi.intent.types import Intent, to_canonical
from swarmfi.ledger.store import Ledger, new_run_id
from swarmfi.runner.executor import Execution, compile_plan
from swarmfi.swarm import Event, RunReport

Status = Literal["done", "declined", "order", "answered"]
Confirm = Callable[[Preview], Awaitable[bool]]


@dataclass
class RunResult:
    run_id: str
    status: Status
    preview: Preview | None = None
    report: RunReport | None = None
    answers: list[Any] = field(default_factory=list)
    order_id: int | None = None
    kind: str = "run_result"

    def to_dict(self, registry: Any) -> dict[str, Any]:
        """JSON-ready (`swarmfi run --json`, the Python API): amounts in token units."""
        return {"run_id": self.run_id, "status": self.status, "order_id": self.order_id,
                "preview": self.preview.to_dict(registry) if self.preview else None,
                "answers": self.answers}


def refusal_error(error: dict[str, Any]) -> RefusalError:
    """The RefusalError for a parser's `{"kind", "message"}` refusal."""
    return RefusalError(error["kind"], f"refused ({error['kind']}): {error['message']}",
                        "rephrase the instruction with what the message asks for")


@dataclass
class Runner:
    """What a run needs: the chain, a signer, the ledger and the policy."""

    chain: Chain
    signer: Any
    ledger: Ledger
    policy: Policy
    on_event: Callable[[Event], None] | None = None
    on_preview: Callable[[Preview], None] | None = None

    @property
    def sender(self) -> str:
        return str(self.signer.address)

    def parse(self, text: str, run_id: str, parser: str = "embedded") -> Any:
        from swarmfi.intent import from_canonical
        from swarmfi.intent.parsers import get_parser

        self.ledger.append("intent", {"text": text, "parser": parser}, run_id)
        canonical = get_parser(parser)(text)
        if "error" in canonical:
            self.ledger.append("refusal", canonical, run_id)
            raise refusal_error(canonical["error"])
        return from_canonical(canonical)

    async def run_text(self, text: str, confirm: Confirm, parser: str = "embedded",
                       add_order: Callable[[Any, str, int], int] | None = None) -> RunResult:
        run_id = new_run_id()
        intent = self.parse(text, run_id, parser)
        if intent.schedule is not None or any(s.when for s in intent.steps):
            if add_order is None:
                raise RefusalError("unsupported", "this instruction is a standing order",
                                   "run it with `swarmfi run`, which stores standing orders")
            order_id = add_order(intent, text, await self.chain.timestamp())
            self.ledger.append("order", {"order_id": order_id, "text": text}, run_id)
            return RunResult(run_id, "order", order_id=order_id)
        return await self.run_steps(intent.steps, run_id, confirm)

    async def run_steps(self, steps: list[Any], run_id: str, confirm: Confirm,
                        approved_by: str = "user") -> RunResult:
        spent = self.spent_today_usd()
        preview = await guard(self.chain, steps, self.sender, self.policy, spent)
        self.ledger.append("plan", compile_plan(steps).to_dict(), run_id)
        self.ledger.append("preview", preview.to_dict(self.chain.registry), run_id)
        if self.on_preview:
            self.on_preview(preview)
        raise_for(preview.violations)
        has_txs = any(s.prepared.txs for s in preview.steps)
        if has_txs and not await confirm(preview):
            self.ledger.append("note", {"status": "declined"}, run_id)
            return RunResult(run_id, "declined", preview)
        envelopes = {sp.prepared.index: Envelope.of(sp.prepared) for sp in preview.steps}
        canonical = to_canonical(Intent(steps=steps, schedule=None))
        self.ledger.append("approval", {"by": approved_by, "steps": canonical["steps"],
                                        "envelopes": [e.to_json() for e in envelopes.values()],
                                        "chain_id": self.chain.registry.chain_id,
                                        "sender": self.sender}, run_id)
        return await self._execute(steps, run_id, preview, envelopes, spent)

    async def _execute(self, steps: list[Any], run_id: str, preview: Preview | None,
                       envelopes: dict[int, Envelope], spent: Decimal,
                       done: dict[int, Any] | None = None) -> RunResult:
        execution = Execution(self.chain, self.signer, self.ledger, run_id, self.policy, steps,
                              envelopes, spent, done or {})
        report = await execution.run(self.on_event)
        self.ledger.append("done", {"ok": report.ok, "failures": list(report.failures)}, run_id)
        report.raise_for_failure()
        answers = [r.get("answer") for r in report.results.values()
                   if isinstance(r, dict) and r.get("answer") is not None]
        return RunResult(run_id, "answered" if not any(envelopes[i].targets for i in envelopes)
                         else "done", preview, report, answers)

    async def resume(self) -> list[RunResult]:
        """Finish every approved run a killed process left unfinished, sending nothing twice."""
        unfinished = [r.run_id for r in self.ledger.runs()
                      if r.last_kind != "done" and self.ledger.find("approval", r.run_id)]
        return [await self.resume_run(run_id) for run_id in unfinished if self._ours(run_id)]

    def _ours(self, run_id: str) -> bool:
        """Approved on this chain for this signer (a run of another network or account in
        the same ledger waits for a session on that one). Older approvals name neither:
        they were made on the devnet."""
        from swarmfi.chain.registry import DEVNET_CHAIN_ID

        approval = self.ledger.find("approval", run_id)[-1].payload
        same_chain = approval.get("chain_id", DEVNET_CHAIN_ID) == self.chain.registry.chain_id
        return same_chain and str(approval.get("sender", self.sender)).lower() == (
            self.sender.lower())

    async def resume_run(self, run_id: str) -> RunResult:
        from swarmfi.intent.types import from_canonical

        await self._settle_pending(run_id)
        approval = self.ledger.find("approval", run_id)[-1].payload
        intent = from_canonical({"steps": approval["steps"], "schedule": None})
        assert isinstance(intent, Intent)
        steps = intent.steps
        envelopes = {e["index"]: Envelope.from_json(e) for e in approval["envelopes"]}
        done = self._done_steps(run_id, envelopes)
        self.ledger.append("resume", {"done_steps": sorted(done)}, run_id)
        return await self._execute(list(steps), run_id, None, envelopes,
                                   self.spent_today_usd(), done)

    async def _settle_pending(self, run_id: str) -> None:
        """Transactions written but with no receipt: look each up; rebroadcast the same
        signed bytes (same nonce, same hash) only if the chain never saw it."""
        from swarmfi.runner.executor import receipt_json

        chain: Any = self.chain  # a JSON-RPC chain: the devnet or RpcChain
        for record in self.ledger.pending(run_id):
            tx_hash, raw = record.payload["tx_hash"], record.payload["raw"]
            if await chain.rpc("eth_getTransactionReceipt", [tx_hash]) is None:
                await chain.rpc("eth_sendRawTransaction", [raw])
            receipt = await chain.wait_for_receipt(tx_hash)
            self.ledger.append("receipt", receipt_json(receipt, record.payload["step"]), run_id)

    def _done_steps(self, run_id: str, envelopes: dict[int, Envelope]) -> dict[int, Any]:
        """Steps already carried out: recorded as done, or whose last transaction was sent
        (their product is taken at the approved minimum, never more)."""
        from swarmfi.agents.context import Produced

        done: dict[int, Any] = {}
        for record in self.ledger.find("transaction", run_id):
            p = record.payload
            if p.get("tx_index") == p.get("tx_count", 0) - 1:
                receives = envelopes[p["step"]].receives
                only = next(iter(receives.items())) if len(receives) == 1 else None
                done[p["step"]] = Produced(*only) if only else None
        for record in self.ledger.find("step", run_id):
            produced = record.payload.get("produced")
            done[record.payload["step"]] = Produced(produced[0], int(produced[1])) if (
                produced) else None
        return done

    def spent_today_usd(self) -> Decimal:
        """USD that left the wallet in executed steps over the last 24 hours."""
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        total = Decimal(0)
        for record in self.ledger.records(kind="step"):
            if _parse_ts(record.ts) >= since:
                total += Decimal(record.payload.get("usd_value", "0"))
        return total


def _parse_ts(ts: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
