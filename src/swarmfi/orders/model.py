"""Standing orders: the pure core (types and the rules of when an order fires).

An intent with any step `when` condition or a `schedule` is not run at once: it
becomes an `Order`, and `swarmfi watch` fires it later. The rules, all here:

- **When it fires.** An order fires when *every* condition of its steps holds at
  once (one check, one block). A scheduled order fires when its slot is due
  (`now >= next_due`); a scheduled order with conditions fires only when both
  hold: a due slot waits for its conditions.
- **Schedules.** The first slot is the moment the order was stored. After each
  firing `next_due` moves to the first slot after `now` (`advance_due`): a backlog
  of missed slots (the watcher was off) gives one firing, not many. `times` counts
  firings, not calendar slots; the order is done after `times` firings (never,
  when `times` is None).
- **Results.** A conditional order without a schedule is done after one `ok`
  firing; a blocked or failed firing is logged and the order stays active, so it
  is tried again at a later block. A scheduled order's slot is used up by any
  firing, whatever its result (the next slot comes as usual). Either way,
  `MAX_FAILURES` non-ok firings in a row turn the order `failed`. A condition
  that can never be read (an unknown token: a UserInputError) fails the order at
  once; one that cannot be read now (node down, oracle stale) is tried again.
- **At most once.** A firing is written down (`claim`) before the callback runs
  and its slot moves on in the same transaction; the result is recorded after.
  A firing whose process died before its result was recorded is `interrupted`:
  whether it ran is unknown, so it is never repeated; a one-shot conditional
  order with an interrupted firing turns `failed` (fail closed; the runner's own
  resume finishes or reports what was sent).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Literal

from swarmfi.intent.types import Condition, Schedule

OrderStatus = Literal["active", "done", "cancelled", "failed"]
FiringStatus = Literal["pending", "ok", "blocked", "failed", "interrupted"]
ORDER_STATUSES: tuple[OrderStatus, ...] = ("active", "done", "cancelled", "failed")
FIRING_STATUSES: tuple[FiringStatus, ...] = ("pending", "ok", "blocked", "failed", "interrupted")
MAX_FAILURES = 3  # non-ok firings in a row before an order is given up (status failed)


@dataclass(frozen=True)
class FireResult:
    """What the fire callback reports: `ok`, `blocked` (guard/policy said no) or `failed`."""

    status: Literal["ok", "blocked", "failed"]
    message: str = ""
    run_id: str | None = None
    kind: Literal["fire_result"] = "fire_result"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "message": self.message, "run_id": self.run_id}


@dataclass(frozen=True)
class Order:
    """A stored standing order. `intent_json` is its canonical intent (SCHEMA.md).

    `next_due` is None for an order without a schedule; `fired` counts firings
    (claimed, whatever their result), `succeeded` the ok ones, `failures` the
    non-ok ones since the last ok.
    """

    id: int
    created_at: int
    text: str
    intent_json: str
    owner: str
    chain_id: int
    status: OrderStatus
    every_seconds: int | None
    times: int | None
    next_due: int | None
    fired: int = 0
    succeeded: int = 0
    failures: int = 0
    last_result: FireResult | None = None
    kind: Literal["order"] = "order"

    @property
    def intent(self) -> dict[str, Any]:
        """The canonical intent as a fresh dict."""
        result: dict[str, Any] = json.loads(self.intent_json)
        return result

    @property
    def scheduled(self) -> bool:
        return self.every_seconds is not None

    def conditions(self) -> list[Condition]:
        """Every step's `when`, in step order (all must hold for the order to fire)."""
        return [Condition.model_validate(s["when"]) for s in self.intent["steps"] if s["when"]]

    def schedule(self) -> Schedule | None:
        raw = self.intent.get("schedule")
        return Schedule.model_validate(raw) if raw else None

    def action_intent(self) -> dict[str, Any]:
        """The instruction to carry out now: the intent without conditions or schedule."""
        intent = self.intent
        steps = [{**step, "when": None} for step in intent["steps"]]
        return {**intent, "steps": steps, "schedule": None}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "text": self.text,
            "intent": self.intent,
            "owner": self.owner,
            "chain_id": self.chain_id,
            "status": self.status,
            "every_seconds": self.every_seconds,
            "times": self.times,
            "next_due": self.next_due,
            "fired": self.fired,
            "succeeded": self.succeeded,
            "failures": self.failures,
            "last_result": self.last_result.to_json() if self.last_result else None,
            "summary": describe(self),
        }


@dataclass(frozen=True)
class Firing:
    """One firing of an order, written before the callback runs (`pending`)."""

    id: int
    order_id: int
    due: int
    started_at: int
    claimant: str
    status: FiringStatus
    finished_at: int | None = None
    message: str = ""
    run_id: str | None = None
    kind: Literal["firing"] = "firing"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "order_id": self.order_id,
            "due": self.due,
            "started_at": self.started_at,
            "status": self.status,
            "finished_at": self.finished_at,
            "message": self.message,
            "run_id": self.run_id,
        }


def is_standing(intent: dict[str, Any]) -> bool:
    """True when a canonical intent must become a standing order (a `when` or a schedule)."""
    return bool(intent.get("schedule")) or any(s.get("when") for s in intent.get("steps", []))


# ---- schedule arithmetic and transitions (pure) ------------------------------


def advance_due(due: int, every: int, now: int) -> int:
    """The first slot `due + k*every` (k >= 1) that is after `now`."""
    if every <= 0:
        raise ValueError(f"every must be positive, not {every}")
    return due + every * (max(now - due, 0) // every + 1)


def is_due(order: Order, now: int) -> bool:
    """Active, and its slot has come (an order without a schedule is always due)."""
    if order.status != "active":
        return False
    return order.next_due is None or now >= order.next_due


def firing_key(order: Order, now: int) -> int:
    """The slot a firing at `now` is for: the due time, or `now` for a conditional order."""
    return order.next_due if order.next_due is not None else now


def claimed(order: Order, now: int) -> Order:
    """The order once a firing at `now` is claimed: counted, and its slot moved on."""
    next_due = order.next_due
    if next_due is not None and order.every_seconds is not None:
        next_due = advance_due(next_due, order.every_seconds, now)
    return replace(order, fired=order.fired + 1, next_due=next_due)


def settled(order: Order, result: FireResult) -> Order:
    """The order once a claimed firing's result is known."""
    ok = result.status == "ok"
    failures = 0 if ok else order.failures + 1
    after = replace(order, succeeded=order.succeeded + ok, failures=failures, last_result=result)
    return replace(after, status=_status_after(after, ok))


def interrupted(order: Order, message: str) -> Order:
    """The order once a firing is found interrupted (result unknown): never repeated."""
    after = settled(order, FireResult("failed", message))
    if order.status == "active" and not order.scheduled:
        return replace(after, status="failed")
    return after


def given_up(order: Order, message: str) -> Order:
    """The order once it is found unable to ever run (e.g. its condition names an unknown
    token): failed, with the reason as its last result; nothing was fired."""
    return replace(order, status="failed", last_result=FireResult("failed", message))


def _status_after(order: Order, ok: bool) -> OrderStatus:
    if order.status != "active":
        return order.status  # cancelled while firing: stays cancelled
    if order.scheduled:
        if order.times is not None and order.fired >= order.times:
            return "done"
    elif ok:
        return "done"
    return "failed" if order.failures >= MAX_FAILURES else "active"


# ---- describing --------------------------------------------------------------


def describe_condition(condition: Condition) -> str:
    """`price ETH < 2000`, `health_factor < 1.5`."""
    subject = f"{condition.metric} {condition.token}" if condition.token else condition.metric
    return f"{subject} {condition.op} {condition.value}"


def describe_every(seconds: int) -> str:
    """`1d`, `2h`, `90s`: the largest unit that divides the period."""
    for unit, size in (("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def describe(order: Order) -> str:
    """One line: the conditions and the schedule of an order."""
    parts = [describe_condition(c) for c in order.conditions()]
    if order.every_seconds is not None:
        times = "no end" if order.times is None else f"{order.times} times"
        parts.append(f"every {describe_every(order.every_seconds)}, {times}")
    return "; ".join(parts)
