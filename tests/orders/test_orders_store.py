"""The order store on real SQLite: round trip, transitions, claims, recovery, corruption."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading

import pytest

from swarmfi import paths
from swarmfi.errors import BugError, StateError, UserInputError
from swarmfi.orders.model import FireResult
from swarmfi.orders.store import OrderStore, claimant_alive, default_claimant

from .conftest import BUY_THE_DIP, DCA, OWNER, T0, intent, swap_step

OK = FireResult("ok", "swapped 1000 USDC", "run-7")


def test_add_get_list_round_trip(store, store_path):
    dip = store.add(BUY_THE_DIP, "buy ETH if it drops below 2000", OWNER, 31337, T0)
    dca = store.add(DCA, "buy $100 of ETH daily for 3 days", OWNER, 31337, T0 + 5)
    assert (dip.id, dca.id) == (1, 2)
    assert dip.intent == BUY_THE_DIP
    assert (dip.status, dip.every_seconds, dip.times, dip.next_due, dip.fired) == (
        "active",
        None,
        None,
        None,
        0,
    )
    assert (dca.every_seconds, dca.times, dca.next_due, dca.created_at) == (
        86_400,
        3,
        T0 + 5,
        T0 + 5,
    )
    assert store.get(1) == dip
    with OrderStore(store_path) as again:
        assert again.list() == [dip, dca]
        assert again.get(2).text == "buy $100 of ETH daily for 3 days"


def test_add_stores_the_canonical_form(store):
    loose = intent(swap_step({"metric": "price", "token": "eth", "op": "<", "value": "2000.0"}))
    order = store.add(loose, "dip", OWNER, 31337, T0)
    assert order.intent["steps"][0]["when"] == {
        "metric": "price",
        "token": "ETH",
        "op": "<",
        "value": "2000",
    }
    assert order.kind == "order"


def test_add_refuses_what_is_not_a_standing_order(store):
    with pytest.raises(UserInputError, match="no condition and no schedule"):
        store.add(intent(swap_step()), "swap now", OWNER, 31337, T0)
    with pytest.raises(UserInputError, match="refusal cannot be stored"):
        store.add({"error": {"kind": "ambiguous", "message": "which token?"}}, "x", OWNER, 1, T0)
    with pytest.raises(UserInputError, match="not a canonical intent"):
        store.add({"steps": []}, "x", OWNER, 31337, T0)
    assert store.list() == []


def test_status_filters_and_cancel(store):
    for n in range(3):
        store.add(BUY_THE_DIP, f"dip {n}", OWNER, 31337, T0)
    cancelled = store.cancel(2)
    assert cancelled.status == "cancelled"
    assert [o.id for o in store.list("active")] == [1, 3]
    assert [o.id for o in store.list("cancelled")] == [2]
    assert [o.id for o in store.list(["cancelled", "active"])] == [1, 2, 3]
    assert [o.id for o in store.due(T0)] == [1, 3]
    with pytest.raises(UserInputError, match="order 2 is cancelled; only active orders"):
        store.cancel(2)
    with pytest.raises(UserInputError, match="there is no standing order 9"):
        store.get(9)
    with pytest.raises(UserInputError, match="there is no standing order 9"):
        store.cancel(9)


def test_claim_then_record_a_conditional_order(store):
    order = store.add(BUY_THE_DIP, "dip", OWNER, 31337, T0)
    firing = store.claim(order.id, T0 + 12)
    assert firing is not None
    assert (firing.order_id, firing.due, firing.status, firing.claimant) == (
        1,
        T0 + 12,
        "pending",
        default_claimant(),
    )
    assert store.due(T0 + 24) == []  # a firing is under way
    assert store.claim(order.id, T0 + 24) is None
    done = store.record_firing(order.id, T0 + 13, OK)
    assert (done.status, done.fired, done.succeeded, done.last_result) == ("done", 1, 1, OK)
    [stored] = store.firings(order.id)
    assert (stored.status, stored.finished_at, stored.message, stored.run_id) == (
        "ok",
        T0 + 13,
        "swapped 1000 USDC",
        "run-7",
    )
    assert store.claim(order.id, T0 + 36) is None  # done
    with pytest.raises(BugError, match="no firing under way"):
        store.record_firing(order.id, T0 + 40, OK)


def test_a_schedule_slot_moves_on_when_claimed(store):
    order = store.add(DCA, "dca", OWNER, 31337, T0)
    assert store.due(T0 - 1) == []
    assert store.claim(order.id, T0 - 1) is None  # not due yet
    assert store.claim(order.id, T0 + 100).due == T0
    assert store.get(order.id).next_due == T0 + 86_400
    store.record_firing(order.id, T0 + 101, FireResult("blocked", "daily cap"))
    after = store.get(order.id)
    assert (after.status, after.fired, after.succeeded, after.failures) == ("active", 1, 0, 1)
    assert store.due(T0 + 86_399) == []
    assert [o.id for o in store.due(T0 + 86_400)] == [order.id]


def test_no_double_fire_across_a_restart(store_path):
    with OrderStore(store_path) as first:
        order = first.add(DCA, "dca", OWNER, 31337, T0)
        assert first.claim(order.id, T0) is not None
        # the process "dies" here: the result is never recorded
    with OrderStore(store_path) as second:
        assert second.due(T0) == []
        assert second.claim(order.id, T0) is None
        assert second.claim(order.id, T0 + 86_400) is None  # its slot's firing is still pending


def test_recover_marks_firings_of_dead_processes_interrupted(store_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    ghost = f"{default_claimant().rpartition(':')[0]}:{dead.stdout.strip()}"
    assert claimant_alive(ghost) is False
    assert claimant_alive(default_claimant()) is True
    assert claimant_alive("elsewhere.example:1") is None
    with OrderStore(store_path, claimant=ghost) as crashed:
        dip = crashed.add(BUY_THE_DIP, "dip", OWNER, 31337, T0)
        dca = crashed.add(DCA, "dca", OWNER, 31337, T0)
        remote = crashed.add(DCA, "dca elsewhere", OWNER, 31337, T0)
        crashed.claim(dip.id, T0)
        crashed.claim(dca.id, T0)
    with OrderStore(store_path, claimant="elsewhere.example:1") as other_host:
        other_host.claim(remote.id, T0)
    with OrderStore(store_path) as store:
        found = store.recover(T0 + 60)
        assert [f.order_id for f in found] == [dip.id, dca.id]
        assert store.get(dip.id).status == "failed"  # one-shot: never fired again
        assert (store.get(dca.id).status, store.get(dca.id).fired) == ("active", 1)
        assert [f.status for f in store.firings()] == ["interrupted", "interrupted", "pending"]
        assert store.recover(T0 + 61) == []
        assert store.claim(dca.id, T0 + 86_400) is not None


def test_only_one_of_two_stores_claims_a_slot(store_path):
    with OrderStore(store_path) as setup:
        order = setup.add(DCA, "dca", OWNER, 31337, T0)
    stores = [OrderStore(store_path, claimant=f"x:{n}") for n in range(4)]
    got: list[object] = []
    barrier = threading.Barrier(len(stores))

    def race(s: OrderStore) -> None:
        barrier.wait()
        got.append(s.claim(order.id, T0))

    threads = [threading.Thread(target=race, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert sum(g is not None for g in got) == 1


def test_give_up_fails_only_active_orders(store):
    store.add(BUY_THE_DIP, "dip", OWNER, 31337, T0)
    store.add(BUY_THE_DIP, "dip 2", OWNER, 31337, T0)
    store.cancel(2)
    failed = store.give_up(1, "unknown token 'PEPE'")
    assert (failed.status, failed.last_result) == (
        "failed",
        FireResult("failed", "unknown token 'PEPE'"),
    )
    assert store.give_up(2, "whatever").status == "cancelled"
    assert store.firings() == []


def test_due_filters_by_chain(store):
    store.add(BUY_THE_DIP, "devnet", OWNER, 31337, T0)
    store.add(BUY_THE_DIP, "mainnet", OWNER, 1, T0)
    assert [o.text for o in store.due(T0, chain_id=1)] == ["mainnet"]
    assert [o.text for o in store.due(T0)] == ["devnet", "mainnet"]


def test_corrupt_files_name_the_path(tmp_path):
    garbage = tmp_path / "orders.sqlite3"
    garbage.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StateError, match=f"{garbage} is not a swarmfi order store") as info:
        OrderStore(garbage)
    assert f"mv {garbage} {garbage}.bad" in info.value.hint
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StateError, match="an SQLite database of something else"):
        OrderStore(other)
    with pytest.raises(StateError, match="there is no order store at"):
        OrderStore(tmp_path / "missing.sqlite3", create=False)


def test_a_damaged_row_is_a_state_error(store, store_path):
    store.add(BUY_THE_DIP, "dip", OWNER, 31337, T0)
    conn = sqlite3.connect(store_path)
    conn.execute("UPDATE orders SET last_result = '{not json'")
    conn.commit()
    conn.close()
    with pytest.raises(StateError, match="order 1 is damaged"):
        store.get(1)


def test_default_path_follows_swarmfi_home(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home"))
    assert paths.orders_path() == tmp_path / "home" / "orders.sqlite3"
    assert paths.orders_path(tmp_path / "state") == tmp_path / "state" / "orders.sqlite3"
    with OrderStore() as store:
        assert store.path == tmp_path / "home" / "orders.sqlite3"
    assert (tmp_path / "home" / "orders.sqlite3").exists()
