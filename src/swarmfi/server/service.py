"""What every remote front end (HTTP, MCP, agent networks) does, in one place.

    service = await RemoteService.start(state=Path("~/demo"))
    answer = await service.preview("swap 1 ETH for USDC", source="mcp")
    answer["status"]                  # "awaiting_approval": nothing was signed
    # a person: `swarmfi approve p-…` (or the web page)
    done = await service.run(plan_id=answer["plan_id"], source="mcp")

The runner is reached only through `run_steps` with a `confirm` callback that returns
True when (1) a person approved this exact plan (same hash, not expired, claimed once) or
(2) the plan fits the policy's `[auto_approve]`; otherwise the caller gets the preview
with status `awaiting_approval` and where to approve it. Every request and its outcome
is written to the ledger ("remote_request", "remote_outcome").
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarmfi import paths
from swarmfi.errors import PolicyError, RefusalError, SwarmfiError, UserInputError
from swarmfi.runner.session import Endpoint
from swarmfi.server.approvals import ApprovalStore, Plan, fits_auto_approve, plan_hash

Json = dict[str, Any]


def error_json(error: SwarmfiError) -> Json:
    """{"kind", "message", "hint"} (+ "rule" for policy, "refusal" for a parser refusal)."""
    out: Json = {"kind": error.blame, "message": error.message, "hint": error.hint}
    if isinstance(error, PolicyError) and error.rule:
        out["rule"] = error.rule
    if isinstance(error, RefusalError):
        out["refusal"] = error.kind
    return out


@dataclass
class Progress:
    """The live events of one plan's execution, for server-sent events."""

    events: list[Json] = field(default_factory=list)
    finished: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def push(self, event: Json, *, last: bool = False) -> None:
        self.events.append(event)
        self.finished = self.finished or last
        self.changed.set()
        self.changed = asyncio.Event()


@dataclass
class RemoteService:
    runner: Any
    store: ApprovalStore
    state: Path | None
    parser: str = "embedded"
    approve_url: str | None = None  # where the web page approves, when one is served
    progress: dict[str, Progress] = field(default_factory=dict)
    _run_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    async def start(cls, state: Path | None = None, endpoint: Endpoint | None = None,
                    policy: Any = None, parser: str = "embedded") -> RemoteService:
        from swarmfi.runner.service import Runner
        from swarmfi.runner.session import open_session

        chain, signer, ledger, policy = await open_session(state, endpoint or Endpoint(),
                                                           policy)
        store = ApprovalStore(paths.ledger_path(state).parent)
        return cls(Runner(chain, signer, ledger, policy), store, state, parser)

    async def close(self) -> None:
        try:
            await self.runner.chain.close()
        finally:
            self.runner.ledger.close()
            self.store.close()

    @property
    def registry(self) -> Any:
        return self.runner.chain.registry

    # -- the ledger's view of every remote call --------------------------------------------

    async def call(self, source: str, tool: str, args: Json,
                   work: Callable[[], Awaitable[Json]]) -> Json:
        """Run `work` between a "remote_request" and a "remote_outcome" ledger record."""
        ledger = self.runner.ledger
        ledger.append("remote_request", {"source": source, "tool": tool, "args": args})
        try:
            answer = await work()
        except SwarmfiError as exc:
            ledger.append("remote_outcome", {"source": source, "tool": tool, "ok": False,
                                             "error": error_json(exc)})
            raise
        ledger.append("remote_outcome", {"source": source, "tool": tool, "ok": True,
                                         "status": answer.get("status"),
                                         "plan_id": answer.get("plan_id")})
        return answer

    # -- reading --------------------------------------------------------------------------

    def parse_steps(self, text: str) -> tuple[Json, list[Any]]:
        from swarmfi.intent.parsers import parse_dict
        from swarmfi.intent.types import Intent, from_canonical
        from swarmfi.orders.model import is_standing
        from swarmfi.runner.service import refusal_error

        if not isinstance(text, str) or not text.strip():
            raise UserInputError("the instruction is empty",
                                 'write one, e.g. "swap 1 ETH for USDC"')
        canonical = parse_dict(text, self.parser)
        if "error" in canonical:
            raise refusal_error(canonical["error"])
        if is_standing(canonical):
            raise RefusalError("unsupported", "conditions and schedules (standing orders) "
                               "cannot be placed by a remote caller",
                               "place it at the CLI with `swarmfi run`, or ask for the step "
                               "to be done now")
        intent = from_canonical(canonical)
        assert isinstance(intent, Intent)  # a refusal was raised above
        return canonical, list(intent.steps)

    async def parse(self, text: str, source: str) -> Json:
        async def work() -> Json:
            return {"status": "parsed", "intent": self.parse_steps(text)[0]}
        return await self.call(source, "parse", {"text": text}, work)

    async def balances(self, source: str) -> Json:
        from swarmfi.runner.session import token_balances

        async def work() -> Json:
            return {"status": "ok", "address": self.runner.sender,
                    "balances": await token_balances(self.runner.chain, self.runner.sender)}
        return await self.call(source, "balances", {}, work)

    async def orders(self, source: str, status: str | None = "active") -> Json:
        async def work() -> Json:
            return {"status": "ok", "orders": self._orders(status)}
        return await self.call(source, "orders", {"status": status}, work)

    def _orders(self, status: str | None) -> list[Json]:
        from swarmfi.orders.store import OrderStore

        file = paths.orders_path(self.state)
        if not file.exists():
            return []
        with OrderStore(file, create=False) as store:
            return [o.to_json() for o in store.list(status)]

    async def cancel_order(self, source: str, order_id: int) -> Json:
        from swarmfi.orders.store import OrderStore

        async def work() -> Json:
            with OrderStore.open(self.state) as store:
                return {"status": "cancelled", "order": store.cancel(order_id).to_json()}
        return await self.call(source, "cancel_order", {"order_id": order_id}, work)

    async def ledger_verify(self, source: str) -> Json:
        async def work() -> Json:
            return {"status": "ok", **self.runner.ledger.verify().to_json()}
        return await self.call(source, "ledger_verify", {}, work)

    def plan_json(self, plan: Plan) -> Json:
        out = plan.to_json()
        progress = self.progress.get(plan.id)
        out["events"] = list(progress.events) if progress else []
        out["approve"] = self._where(plan.id)
        return out

    async def status(self, source: str, plan_id: str) -> Json:
        async def work() -> Json:
            return {**self.plan_json(self.store.get(plan_id)), "plan_id": plan_id}
        return await self.call(source, "status", {"plan_id": plan_id}, work)

    def recent(self, limit: int = 20) -> list[Json]:
        return [self.plan_json(p) for p in self.store.recent(limit)]

    # -- preview --------------------------------------------------------------------------

    async def preview(self, text: str, source: str) -> Json:
        """Simulate and check the policy; a plan with transactions is stored, awaiting
        approval. Signs nothing."""
        async def work() -> Json:
            from swarmfi.guard.check import guard

            canonical, steps = self.parse_steps(text)
            runner = self.runner
            preview = await guard(runner.chain, steps, runner.sender, runner.policy,
                                  runner.spent_today_usd())
            return self._answer(text, canonical, steps, preview, source)
        return await self.call(source, "preview", {"text": text}, work)

    def _answer(self, text: str, canonical: Json, steps: list[Any], preview: Any,
                source: str) -> Json:
        shown = describe_preview(preview.to_dict(self.registry), self.registry)
        base = {"intent": canonical, "preview": shown}
        if not preview.ok:
            return {**base, "status": "blocked", "plan_id": None}
        if not any(s.prepared.txs for s in preview.steps):
            return {**base, "status": "ready", "plan_id": None}
        plan = self._store_plan(text, steps, preview, source)
        return {**base, "status": "awaiting_approval", "plan_id": plan.id,
                "expires": plan.expires, "approve": self._where(plan.id),
                "auto_approve": fits_auto_approve(shown, self.runner.policy,
                                                  self.runner.spent_today_usd()) or "fits"}

    def _digest(self, steps: list[Any], preview: Any) -> str:
        from swarmfi.guard.envelope import Envelope
        from swarmfi.intent.types import Intent, to_canonical

        canonical = to_canonical(Intent(steps=steps, schedule=None))["steps"]
        envelopes = [Envelope.of(s.prepared).to_json() for s in preview.steps]
        return plan_hash(canonical, self.registry.chain_id, self.runner.sender, envelopes,
                         preview.to_dict(self.registry))

    def _store_plan(self, text: str, steps: list[Any], preview: Any, source: str) -> Plan:
        from swarmfi.intent.types import Intent, to_canonical

        canonical = to_canonical(Intent(steps=steps, schedule=None))["steps"]
        shown = describe_preview(preview.to_dict(self.registry), self.registry)
        return self.store.add(text, canonical, self._digest(steps, preview), shown, source)

    def _where(self, plan_id: str) -> Json:
        where: Json = {"cli": f"swarmfi approve {plan_id}"}
        if self.approve_url:
            where["url"] = f"{self.approve_url}#plan={plan_id}"
        return where

    # -- run ------------------------------------------------------------------------------

    async def run(self, source: str, *, text: str | None = None, plan_id: str | None = None,
                  on_start: Callable[[str], None] | None = None) -> Json:
        """Execute a plan that a person approved (by `plan_id`) or that the standing
        auto-approval covers; otherwise answer `awaiting_approval` and send nothing."""
        if (text is None) == (plan_id is None):
            raise UserInputError("give either the instruction text or a plan id",
                                 "preview first, then run with the plan id once approved")

        async def work() -> Json:
            async with self._run_lock:
                return await self._run(source, text, plan_id, on_start)
        return await self.call(source, "run", {"text": text, "plan_id": plan_id}, work)

    async def _run(self, source: str, text: str | None, plan_id: str | None,
                   on_start: Callable[[str], None] | None) -> Json:
        from swarmfi.intent.types import Intent, from_canonical
        from swarmfi.ledger.store import new_run_id

        if plan_id is not None:
            plan = self.store.get(plan_id)
            intent = from_canonical({"steps": list(plan.steps), "schedule": None})
            assert isinstance(intent, Intent)  # stored from a parsed intent
            steps = list(intent.steps)
            text = plan.text
        else:
            assert text is not None
            plan, steps = None, self.parse_steps(text)[1]
        gate = Gate(self, text, steps, plan, source, on_start=on_start)
        return await self._execute(gate, steps, new_run_id())

    async def _execute(self, gate: Gate, steps: list[Any], run_id: str) -> Json:
        runner, progress = self.runner, gate.progress

        def on_event(event: Any) -> None:
            progress.push(_event_json(event))

        runner.on_event = on_event
        try:
            result = await runner.run_steps(steps, run_id, gate.confirm,
                                            approved_by=gate.approved_by)
        except SwarmfiError as exc:
            if gate.plan_id and gate.claimed:
                self.store.finish(gate.plan_id, False, {"run_id": run_id,
                                                         "error": error_json(exc)})
                progress.push({"kind": "failed", "error": error_json(exc)}, last=True)
            raise
        finally:
            runner.on_event = None
        return gate.answer(result.to_dict(self.registry), run_id)


@dataclass
class Gate:
    """The `confirm` callback of one remote run, and what it decided."""

    service: RemoteService
    text: str
    steps: list[Any]
    plan: Plan | None
    source: str
    plan_id: str | None = None
    claimed: bool = False
    reason: str = ""
    approved_by: str = "remote"
    progress: Progress = field(default_factory=Progress)
    on_start: Callable[[str], None] | None = None

    async def confirm(self, preview: Any) -> bool:
        service = self.service
        digest = service._digest(self.steps, preview)
        if self.plan is not None and self.plan.plan_hash == digest:
            self.plan_id = self.plan.id
            if service.store.claim(self.plan.id, digest):
                self.approved_by = f"person:{self.plan.decided_by}"
                return self._started(self.plan.id)
            current = service.store.get(self.plan.id)
            self.reason = _not_claimed(current)
            if current.status() != "awaiting_approval":
                self.plan_id = None  # expired or used: the fresh preview is a new plan
        elif self.plan is not None:
            self.reason = (f"plan {self.plan.id} changed since it was previewed (prices or "
                           "balances moved); the new plan needs its own approval")
        if self.plan_id is None:
            self.plan_id = service._store_plan(self.text, self.steps, preview, self.source).id
        return self._auto(preview)

    def _auto(self, preview: Any) -> bool:
        service = self.service
        assert self.plan_id is not None
        shown = preview.to_dict(service.registry)
        why = fits_auto_approve(shown, service.runner.policy, service.runner.spent_today_usd())
        if why:
            self.reason = self.reason or "; ".join(why)
            return False
        service.store.mark_auto(self.plan_id)
        self.approved_by = "policy:auto_approve"
        return self._started(self.plan_id)

    def _started(self, plan_id: str) -> bool:
        self.claimed = True
        self.service.progress[plan_id] = self.progress
        if self.on_start is not None:
            self.on_start(plan_id)
        return True

    def answer(self, result: Json, run_id: str) -> Json:
        service = self.service
        if result["status"] == "declined":
            assert self.plan_id is not None
            plan = service.store.get(self.plan_id)
            return {"status": "awaiting_approval", "plan_id": self.plan_id,
                    "reason": self.reason, "expires": plan.expires,
                    "approve": service._where(self.plan_id), "preview": dict(plan.preview),
                    "run_id": run_id}
        if self.plan_id is not None and self.claimed:
            self.progress.push({"kind": "finished", "status": result["status"]}, last=True)
            service.store.finish(self.plan_id, True, {"run_id": run_id,
                                                      "status": result["status"]})
        return {**result, "plan_id": self.plan_id, "approved_by": self.approved_by}


def _not_claimed(plan: Plan) -> str:
    status = plan.status()
    if status == "awaiting_approval":
        return f"plan {plan.id} is waiting for a person to approve it"
    if status == "expired":
        return f"plan {plan.id} expired before it ran; approve the new plan instead"
    return f"plan {plan.id} is {status}; it cannot run again"


def _event_json(event: Any) -> Json:
    return {"kind": event.kind, "task": event.task_id, "task_kind": event.task_kind,
            "label": event.label, "at": round(event.at, 4),
            **({"error": event.error.message} if event.error else {})}


def describe_preview(preview: Json, registry: Any) -> Json:
    """The preview with contract names beside addresses (approvals' spenders, tx targets)."""
    names = {a.lower(): n for n, a in registry.contracts.items()}
    names.update({t.address.lower(): s for s, t in registry.tokens.items()})
    out = dict(preview)
    out["approvals"] = [{**a, "spender_name": names.get(str(a["spender"]).lower())}
                        for a in preview.get("approvals", [])]
    out["steps"] = [{**s, "transactions": [{**t, "to_name": names.get(str(t["to"]).lower())}
                                           for t in s.get("transactions", [])]}
                    for s in preview.get("steps", [])]
    return out
