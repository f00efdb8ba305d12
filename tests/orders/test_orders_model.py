"""The pure rules of standing orders: schedule arithmetic, transitions, descriptions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.orders.model import (
    MAX_FAILURES,
    FireResult,
    Order,
    advance_due,
    claimed,
    describe,
    describe_every,
    firing_key,
    interrupted,
    is_due,
    is_standing,
    settled,
)

from .conftest import BUY_THE_DIP, DCA, OWNER, T0, condition, intent, swap_step

OK = FireResult("ok", "swapped", "run-1")
BLOCKED = FireResult("blocked", "over the daily cap")


def make(data: dict, **fields) -> Order:
    import json

    schedule = data["schedule"] or {}
    every = schedule.get("every_seconds")
    base = Order(
        id=1,
        created_at=T0,
        text="t",
        intent_json=json.dumps(data),
        owner=OWNER,
        chain_id=31337,
        status="active",
        every_seconds=every,
        times=schedule.get("times"),
        next_due=T0 if every else None,
    )
    return replace(base, **fields)


def test_advance_due_moves_to_the_first_slot_after_now():
    assert advance_due(100, 10, 100) == 110
    assert advance_due(100, 10, 109) == 110
    assert advance_due(100, 10, 110) == 120
    assert advance_due(100, 10, 1_000) == 1_010  # a backlog of 90 slots: one step past now
    assert advance_due(100, 10, 50) == 110  # now before the slot: the next one
    with pytest.raises(ValueError):
        advance_due(100, 0, 100)


@settings(max_examples=200, deadline=None)
@given(
    due=st.integers(0, 10**10),
    every=st.integers(1, 10**7),
    late=st.integers(0, 10**9),
)
def test_advance_due_is_the_next_slot_on_the_grid(due, every, late):
    now = due + late
    after = advance_due(due, every, now)
    assert after > now
    assert after - every <= now
    assert (after - due) % every == 0


@settings(max_examples=150, deadline=None)
@given(
    every=st.integers(1, 1_000),
    times=st.one_of(st.none(), st.integers(1, 20)),
    gaps=st.lists(st.integers(0, 3_000), min_size=1, max_size=60),
)
def test_a_schedule_fires_at_most_once_per_slot_and_at_most_times_times(every, times, gaps):
    order = make(intent(swap_step(), every=every, times=times))
    now, fired_at = T0, []
    for gap in gaps:
        now += gap
        if is_due(order, now):
            slot = firing_key(order, now)
            order = settled(claimed(order, now), OK)
            fired_at.append((slot, now))
    slots = [slot for slot, _ in fired_at]
    assert len(slots) == len(set(slots))
    assert all(now >= slot and (slot - T0) % every == 0 for slot, now in fired_at)
    windows = [(now - T0) // every for _, now in fired_at]
    assert windows == sorted(set(windows))  # never two firings in one period
    assert times is None or len(fired_at) <= times
    assert order.status == ("done" if times is not None and len(fired_at) == times else "active")
    assert order.fired == order.succeeded == len(fired_at)


def test_checks_exactly_on_the_grid_fire_every_slot_then_stop():
    order = make(DCA)
    fired = []
    for k in range(6):
        now = T0 + k * 86_400
        if is_due(order, now):
            fired.append(now)
            order = settled(claimed(order, now), OK)
    assert fired == [T0, T0 + 86_400, T0 + 2 * 86_400]
    assert order.status == "done"
    assert order.next_due == T0 + 3 * 86_400


def test_conditional_order_is_done_after_one_ok_firing():
    order = make(BUY_THE_DIP)
    assert order.next_due is None and is_due(order, T0)
    assert firing_key(order, T0 + 5) == T0 + 5
    after = settled(claimed(order, T0), OK)
    assert (after.status, after.fired, after.succeeded, after.failures) == ("done", 1, 1, 0)
    assert after.last_result == OK
    assert not is_due(after, T0 + 1)


def test_blocked_firings_keep_a_conditional_order_active_until_max_failures():
    order = make(BUY_THE_DIP)
    for attempt in range(1, MAX_FAILURES):
        order = settled(claimed(order, T0 + attempt), BLOCKED)
        assert (order.status, order.failures) == ("active", attempt)
    order = settled(claimed(order, T0 + MAX_FAILURES), BLOCKED)
    assert (order.status, order.failures, order.fired) == ("failed", MAX_FAILURES, MAX_FAILURES)


def test_an_ok_firing_resets_the_failure_count_of_a_schedule():
    order = make(intent(swap_step(), every=60, times=None))
    order = settled(claimed(order, T0), BLOCKED)
    assert (order.status, order.failures, order.next_due) == ("active", 1, T0 + 60)
    order = settled(claimed(order, T0 + 60), OK)
    assert (order.status, order.failures, order.succeeded, order.fired) == ("active", 0, 1, 2)


def test_a_blocked_last_slot_still_ends_the_schedule():
    order = make(intent(swap_step(), every=60, times=1))
    assert settled(claimed(order, T0), BLOCKED).status == "done"


def test_cancelled_while_firing_stays_cancelled():
    order = replace(claimed(make(BUY_THE_DIP), T0), status="cancelled")
    assert settled(order, OK).status == "cancelled"
    assert not is_due(order, T0 + 10)


def test_an_interrupted_one_shot_fails_closed_and_a_schedule_moves_on():
    one_shot = interrupted(claimed(make(BUY_THE_DIP), T0), "process died")
    assert one_shot.status == "failed"
    assert one_shot.last_result == FireResult("failed", "process died")
    schedule = interrupted(claimed(make(DCA), T0), "process died")
    assert (schedule.status, schedule.fired, schedule.next_due) == ("active", 1, T0 + 86_400)


def test_is_standing_and_action_intent():
    assert is_standing(BUY_THE_DIP) and is_standing(DCA)
    assert not is_standing(intent(swap_step()))
    order = make(intent(swap_step(condition("health_factor", None, "<", "1.5")), every=60, times=2))
    action = order.action_intent()
    assert action["schedule"] is None
    assert [s["when"] for s in action["steps"]] == [None]
    assert action["steps"][0]["amount"] == {"value": "1000"}
    assert order.intent["schedule"] == {"every_seconds": 60, "times": 2}  # untouched


def test_describe_names_conditions_and_schedule():
    assert describe(make(BUY_THE_DIP)) == "price ETH < 2000"
    assert describe(make(DCA)) == "every 1d, 3 times"
    both = make(
        intent(
            swap_step(condition("health_factor", None, "<=", "1.2")),
            swap_step(condition("borrow_apy", "USDC", ">", "0.05")),
            every=7_200,
            times=None,
        )
    )
    assert describe(both) == "health_factor <= 1.2; borrow_apy USDC > 0.05; every 2h, no end"
    assert [describe_every(s) for s in (90, 120, 604_800, 1_209_601)] == [
        "90s",
        "2m",
        "1w",
        "1209601s",
    ]


def test_to_json_is_plain_data():
    data = settled(claimed(make(DCA), T0), OK).to_json()
    assert data["status"] == "active"
    assert data["next_due"] == T0 + 86_400
    assert data["last_result"] == {"status": "ok", "message": "swapped", "run_id": "run-1"}
    assert data["summary"] == "every 1d, 3 times"
    assert data["intent"] == DCA
