"""`watch`: check standing orders at each new block and fire the ones whose time has come.

Each check reads the chain's newest block: its timestamp is `now`; every due
order of this chain (`OrderStore.due`) has its conditions evaluated, and when all
hold it is claimed (written down, slot moved on), fired through the `fire`
callback (the runner: plan, guard, execute), and its result recorded. When
several blocks arrived between two polls, only the newest is checked.

On the devnet, `advance=SECONDS` moves time by SECONDS and mines a block before
every check but the first, so a schedule can be seen to fire. Progress goes to
`on_event` as `WatchEvent`s.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from swarmfi.errors import SwarmfiError, UserInputError
from swarmfi.orders.conditions import Observation, Reads, evaluate_all
from swarmfi.orders.model import FireResult, Order
from swarmfi.orders.store import OrderStore

FireCallback = Callable[[Order, int], Awaitable[FireResult]]
EventKind = Literal["start", "block", "checked", "firing", "result", "error", "recovered", "stop"]


class WatchChain(Reads, Protocol):
    """The part of `swarmfi.chain.base.Chain` the watcher uses."""

    async def timestamp(self) -> int: ...
    async def block_number(self) -> int: ...


@dataclass(frozen=True)
class WatchEvent:
    """One progress event: what happened (`event`), at which block and chain time."""

    event: EventKind
    block: int | None = None
    now: int | None = None
    order_id: int | None = None
    message: str = ""
    observations: tuple[Observation, ...] = ()
    result: FireResult | None = None
    data: dict[str, Any] = field(default_factory=dict)
    kind: Literal["watch_event"] = "watch_event"

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "block": self.block,
            "now": self.now,
            "order_id": self.order_id,
            "message": self.message,
            "observations": [o.to_json() for o in self.observations],
            "result": self.result.to_json() if self.result else None,
            **self.data,
        }


@dataclass(frozen=True)
class WatchSummary:
    """What a watch did before it stopped."""

    checks: int
    fired: int
    ok: int
    kind: Literal["watch_summary"] = "watch_summary"

    def to_json(self) -> dict[str, Any]:
        return {"checks": self.checks, "fired": self.fired, "ok": self.ok}


def _ignore(event: WatchEvent) -> None:
    return None


async def advance_time(chain: Any, seconds: int) -> None:
    """Move the devnet's clock by `seconds` and mine a block (`DevnetChain.advance`)."""
    helper = getattr(chain, "advance", None)
    if not callable(helper):
        raise UserInputError(
            "--advance moves time on the embedded devnet only",
            "drop --advance when watching another chain",
        )
    done = helper(seconds)
    if inspect.isawaitable(done):
        await done


async def check_orders(
    chain: WatchChain,
    store: OrderStore,
    fire: FireCallback,
    now: int,
    *,
    chain_id: int | None = None,
    block: int | None = None,
    on_event: Callable[[WatchEvent], None] = _ignore,
) -> list[FireResult]:
    """One check at chain time `now`: every due order evaluated, fired when all conditions hold."""
    results = []
    for order in store.due(now, chain_id):
        result = await _check_one(chain, store, fire, order, now, block, on_event)
        if result is not None:
            results.append(result)
    return results


async def _check_one(
    chain: WatchChain,
    store: OrderStore,
    fire: FireCallback,
    order: Order,
    now: int,
    block: int | None,
    on_event: Callable[[WatchEvent], None],
) -> FireResult | None:
    def event(name: EventKind, **fields: Any) -> WatchEvent:
        return WatchEvent(name, block=block, now=now, order_id=order.id, **fields)

    try:
        observations = tuple(await evaluate_all(order.conditions(), chain, order.owner))
    except SwarmfiError as exc:
        message = f"cannot check its conditions: {exc.one_line()}"
        status = store.give_up(order.id, message).status if _permanent(exc) else "active"
        on_event(event("error", message=message, data={"status": status}))
        return None
    holds = all(o.holds for o in observations)
    on_event(event("checked", observations=observations, data={"holds": holds}))
    if not holds or store.claim(order.id, now) is None:
        return None
    on_event(event("firing", message=order.text))
    result = await _fire_safely(fire, order, now)
    settled = store.record_firing(order.id, now, result)
    on_event(event("result", result=result, data={"status": settled.status}))
    return result


def _permanent(exc: SwarmfiError) -> bool:
    """An error that checking again cannot cure (the order's own input is wrong)."""
    return isinstance(exc, UserInputError)


async def _fire_safely(fire: FireCallback, order: Order, now: int) -> FireResult:
    """The callback's result; a SwarmfiError it raises is a failed (or blocked) firing."""
    try:
        return await fire(order, now)
    except SwarmfiError as exc:
        status: Literal["blocked", "failed"] = "blocked" if exc.exit_code == 3 else "failed"
        return FireResult(status, exc.one_line())


async def watch(
    chain: WatchChain,
    store: OrderStore,
    fire: FireCallback,
    *,
    advance: int | None = None,
    blocks: int | None = None,
    poll: float = 1.0,
    chain_id: int | None = None,
    on_event: Callable[[WatchEvent], None] = _ignore,
) -> WatchSummary:
    """Check standing orders at each new block until `blocks` blocks were checked (or forever).

    `chain_id` (default: `chain.registry.chain_id` when present) picks the orders
    of this chain. Cancel the task (Ctrl-C) to stop: a firing under way is
    recorded as interrupted by the next watch.
    """
    if chain_id is None:
        chain_id = getattr(getattr(chain, "registry", None), "chain_id", None)
    for firing in store.recover(await chain.timestamp()):
        on_event(WatchEvent("recovered", order_id=firing.order_id, message="interrupted firing"))
    on_event(WatchEvent("start", data={"advance": advance, "blocks": blocks}))
    checks = fired = ok = 0
    seen: int | None = None
    while blocks is None or checks < blocks:
        if advance and seen is not None:
            await advance_time(chain, advance)
        block = await chain.block_number()
        if block == seen:
            await asyncio.sleep(poll)
            continue
        seen, now = block, await chain.timestamp()
        active = len(store.due(now, chain_id))
        on_event(WatchEvent("block", block=block, now=now, data={"due": active}))
        results = await check_orders(
            chain, store, fire, now, chain_id=chain_id, block=block, on_event=on_event
        )
        checks, fired, ok = checks + 1, fired + len(results), ok + sum(r.ok for r in results)
    summary = WatchSummary(checks, fired, ok)
    on_event(WatchEvent("stop", data=summary.to_json()))
    return summary
