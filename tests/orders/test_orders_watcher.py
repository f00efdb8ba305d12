"""The watcher on a real devnet node: schedules seen to fire as time is advanced,
conditions crossing thresholds, results, restarts, polling and errors."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from swarmfi.chain.devnet import open_devnet
from swarmfi.errors import PolicyError, SimulationError, UserInputError
from swarmfi.orders.model import FireResult, Order
from swarmfi.orders.store import OrderStore
from swarmfi.orders.watcher import WatchEvent, advance_time, check_orders, watch

from .conftest import BUY_THE_DIP, DCA, OWNER, T0, condition, intent, swap_step

DAY = 86_400
OK = FireResult("ok", "done")


@dataclass
class Runner:
    """A fire callback that does real work on the node: it posts a feed answer (one tx
    on chain per firing, so each firing is visible in chain state) and reports `result`."""

    market: object
    result: FireResult = OK
    raises: Exception | None = None
    onchain: bool = True
    calls: list[tuple[int, int]] = field(default_factory=list)

    async def __call__(self, order: Order, now: int) -> FireResult:
        self.calls.append((order.id, now))
        if self.raises is not None:
            raise self.raises
        if self.onchain:
            self.market.feeds["USDC"].transact.setAnswer(10**8)
            self.market.seal("fired")
        run = f"run-{order.id}-{len(self.calls)}"
        return FireResult(self.result.status, self.result.message, run)


def run_watch(chain, store, fire, **kw):
    events: list[WatchEvent] = []
    summary = asyncio.run(watch(chain, store, fire, on_event=events.append, **kw))
    return summary, events


def test_a_daily_schedule_fires_at_t0_then_every_day_exactly_times_times(market, chain, store):
    order = store.add(DCA, "buy $100 of ETH every day for 3 days", OWNER, 31337, T0)
    runner = Runner(market)
    rounds_before = market.feeds["USDC"].call.latestRound()
    summary, events = run_watch(chain, store, runner, advance=DAY, blocks=6)
    assert runner.calls == [(order.id, T0), (order.id, T0 + DAY), (order.id, T0 + 2 * DAY)]
    assert market.feeds["USDC"].call.latestRound() == rounds_before + 3  # really ran 3 times
    assert (summary.checks, summary.fired, summary.ok) == (6, 3, 3)
    final = store.get(order.id)
    assert (final.status, final.fired, final.succeeded) == ("done", 3, 3)
    assert [f.due for f in store.firings(order.id)] == [T0, T0 + DAY, T0 + 2 * DAY]
    assert [e.data["status"] for e in events if e.event == "result"] == ["active", "active", "done"]


def test_half_day_steps_fire_on_every_other_block(market, chain, store):
    store.add(intent(swap_step(), every=DAY, times=None), "daily forever", OWNER, 31337, T0)
    runner = Runner(market)
    run_watch(chain, store, runner, advance=DAY // 2, blocks=5)
    assert [now for _, now in runner.calls] == [T0, T0 + DAY, T0 + 2 * DAY]


def test_a_missed_backlog_fires_once_per_check(market, chain, store):
    order = store.add(intent(swap_step(), every=3_600, times=10), "hourly", OWNER, 31337, T0)
    runner = Runner(market)
    run_watch(chain, store, runner, advance=5 * 3_600, blocks=3)
    assert [now for _, now in runner.calls] == [T0, T0 + 5 * 3_600, T0 + 10 * 3_600]
    assert store.get(order.id).next_due == T0 + 11 * 3_600


def test_a_restart_never_fires_a_slot_twice(market, chain, store_path):
    with OrderStore(store_path) as first:
        order = first.add(DCA, "dca", OWNER, 31337, T0)
        runner = Runner(market)
        run_watch(chain, first, runner, blocks=1)
        assert runner.calls == [(order.id, T0)]
    with OrderStore(store_path) as second:  # same file, new process state
        runner = Runner(market)
        run_watch(chain, second, runner, blocks=1)
        assert runner.calls == []  # same block time: slot T0 was fired already
        run_watch(chain, second, runner, advance=DAY, blocks=2)
        assert runner.calls == [(order.id, T0 + DAY)]


def test_a_slot_claimed_before_a_crash_is_not_fired_after_restart(market, chain, store_path):
    with OrderStore(store_path) as crashed:
        order = crashed.add(DCA, "dca", OWNER, 31337, T0)
        assert crashed.claim(order.id, T0) is not None  # marked, then the process died
    with OrderStore(store_path) as restarted:
        runner = Runner(market)
        run_watch(chain, restarted, runner, blocks=1)
        assert runner.calls == []


def test_a_price_condition_fires_once_when_the_feed_crosses(market, chain, store):
    order = store.add(BUY_THE_DIP, "buy ETH if it drops below 2000", OWNER, 31337, T0)
    runner = Runner(market)
    _, events = run_watch(chain, store, runner, blocks=1)
    [checked] = [e for e in events if e.event == "checked"]
    assert (checked.order_id, checked.data["holds"]) == (order.id, False)
    assert checked.observations[0].observed == Decimal(3000)
    assert runner.calls == []
    market.set_price("WETH", 1950)
    _, events = run_watch(chain, store, runner, blocks=1)
    assert runner.calls == [(order.id, T0)]
    [result] = [e for e in events if e.event == "result"]
    assert result.result == FireResult("ok", "done", f"run-{order.id}-1")
    assert store.get(order.id).status == "done"
    run_watch(chain, store, runner, advance=60, blocks=3)
    assert len(runner.calls) == 1


def test_a_schedule_with_a_condition_waits_for_both(market, chain, store):
    both = intent(swap_step(condition("price", "ETH", "<=", "2500")), every=DAY, times=2)
    order = store.add(both, "daily while ETH <= 2500", OWNER, 31337, T0)
    runner = Runner(market)
    run_watch(chain, store, runner, advance=DAY // 2, blocks=3)  # due, but ETH is 3000
    assert runner.calls == []
    market.set_price("WETH", 2500)
    run_watch(chain, store, runner, advance=DAY // 2, blocks=4)
    assert [now for _, now in runner.calls] == [T0 + DAY, T0 + 2 * DAY]
    assert store.get(order.id).status == "done"


def test_blocked_conditional_orders_retry_then_fail(market, chain, store):
    order = store.add(intent(swap_step(condition("price", "ETH", ">", "1"))), "x", OWNER, 31337, T0)
    runner = Runner(market, FireResult("blocked", "over the per-transaction cap"))
    run_watch(chain, store, runner, advance=12, blocks=5)
    assert len(runner.calls) == 3
    final = store.get(order.id)
    assert (final.status, final.failures) == ("failed", 3)
    assert final.last_result.message == "over the per-transaction cap"


def test_errors_raised_by_fire_are_recorded_results(market, chain, store):
    a = store.add(intent(swap_step(), every=60, times=1), "a", OWNER, 31337, T0)
    policy = Runner(market, raises=PolicyError("swap of 1000 USDC is over the cap", "cap"))
    asyncio.run(check_orders(chain, store, policy, T0, chain_id=31337))
    b = store.add(intent(swap_step(), every=60, times=1), "b", OWNER, 31337, T0)
    sim = Runner(market, raises=SimulationError("swap reverted: K"))
    asyncio.run(check_orders(chain, store, sim, T0))
    assert store.get(a.id).last_result.status == "blocked"
    assert "over the cap" in store.get(a.id).last_result.message
    assert store.get(b.id).last_result == FireResult(
        "failed", "swap reverted: K. nothing was signed; check balances and try again."
    )
    assert [len(policy.calls), len(sim.calls)] == [1, 1]


def test_a_condition_that_cannot_be_read_is_an_error_event_not_a_firing(market, chain, store):
    pepe = intent(swap_step(condition("price", "PEPE", "<", "1")))
    order = store.add(pepe, "buy if PEPE < 1", OWNER, 31337, T0)
    stale = store.add(BUY_THE_DIP, "dip", OWNER, 31337, T0)
    runner = Runner(market)
    market.h.at("Oracle", market.registry.contract("oracle")).transact.setMaxAge(60)
    market.seal("oracle max age")
    _, events = run_watch(chain, store, runner, advance=3_600, blocks=2)
    errors = [(e.order_id, e.data["status"], e.message) for e in events if e.event == "error"]
    assert [e[:2] for e in errors] == [(order.id, "failed"), (stale.id, "active")]
    assert "unknown token 'PEPE'" in errors[0][2]
    assert "Oracle: stale price" in errors[1][2]  # a reverting read: tried again later
    assert store.get(order.id).status == "failed"
    assert "unknown token 'PEPE'" in store.get(order.id).last_result.message
    assert store.get(stale.id).status == "active"
    assert runner.calls == []


def test_orders_of_other_chains_are_left_alone(market, chain, store):
    store.add(DCA, "mainnet dca", OWNER, 1, T0)
    runner = Runner(market)
    run_watch(chain, store, runner, blocks=1)
    assert runner.calls == []


def test_without_advance_it_waits_for_new_blocks(market, chain, store):
    store.add(intent(swap_step(), every=60, times=None), "each minute", OWNER, 31337, T0)
    runner = Runner(market, onchain=False)  # so only advance_time below makes blocks

    async def calls(n: int) -> int:
        """Wait (on a slow machine too) until the runner was called n times."""
        for _ in range(2_000):
            if len(runner.calls) >= n:
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)  # and a few polls more, in which nothing else may come
        return len(runner.calls)

    async def scenario() -> tuple[int, int]:
        task = asyncio.create_task(watch(chain, store, runner, blocks=3, poll=0.01))
        start = await calls(1)  # the first block only: no new block came
        for n in (2, 3):
            await advance_time(chain, 60)
            await calls(n)
        summary = await asyncio.wait_for(task, 30)
        return start, summary.checks

    start, checks = asyncio.run(scenario())
    assert (start, checks) == (1, 3)
    assert [now for _, now in runner.calls] == [T0, T0 + 60, T0 + 120]


def test_cancelling_the_watch_stops_it_cleanly(market, chain, store):
    store.add(BUY_THE_DIP, "dip", OWNER, 31337, T0)

    async def scenario() -> None:
        task = asyncio.create_task(watch(chain, store, Runner(market), poll=0.01))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert [f.status for f in store.firings()] == []
    assert store.get(1).status == "active"


def test_advance_needs_a_devnet():
    class Remote:
        pass

    with pytest.raises(UserInputError, match="--advance moves time on the embedded devnet only"):
        asyncio.run(advance_time(Remote(), 60))


def test_advance_moves_a_persisted_devnet_and_it_stays_moved(tmp_path):
    async def scenario() -> tuple[int, int, int]:
        devnet = open_devnet(tmp_path / "state")
        try:
            before = await devnet.timestamp()
            await advance_time(devnet, 7 * DAY)
            return before, await devnet.timestamp(), await devnet.block_number()
        finally:
            await devnet.close()

    before, after, block = asyncio.run(scenario())
    assert after >= before + 7 * DAY

    async def reopened() -> tuple[int, int]:
        devnet = open_devnet(tmp_path / "state")
        try:
            return await devnet.timestamp(), await devnet.block_number()
        finally:
            await devnet.close()

    assert asyncio.run(reopened()) == (after, block)


def test_events_are_json_lines(market, chain, store):
    store.add(DCA, "dca", OWNER, 31337, T0)
    store.add(BUY_THE_DIP, "dip", OWNER, 31337, T0)
    _, events = run_watch(chain, store, Runner(market), blocks=1)
    kinds = [e.event for e in events]
    assert kinds == ["start", "block", "checked", "firing", "result", "checked", "stop"]
    lines = [json.loads(json.dumps(e.to_json())) for e in events]
    assert lines[1]["block"] == 1 and lines[1]["now"] == T0 and lines[1]["due"] == 2
    assert lines[5]["observations"][0]["observed"] == "3000"
    assert lines[-1] == {**lines[-1], "checks": 1, "fired": 1, "ok": 1}
