"""`swarmfi orders`, `swarmfi orders cancel` and `swarmfi watch` through the real CLI."""

from __future__ import annotations

import asyncio
import importlib
import itertools
import json
import sys

import pytest

from swarmfi import cli
from swarmfi.chain.devnet import open_devnet
from swarmfi.orders import cli as orders_cli
from swarmfi.orders.model import FireResult
from swarmfi.orders.store import OrderStore
from swarmfi.orders.watcher import watch

from .conftest import BUY_THE_DIP, DCA, OWNER, T0


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "home"


def stored(path):
    with OrderStore(path) as store:
        store.add(BUY_THE_DIP, "buy ETH if it drops below 2000", OWNER, 31337, T0)
        store.add(DCA, "buy $100 of ETH every day for 3 days", OWNER, 31337, T0)
        store.add(DCA, "an old one", OWNER, 31337, T0)
        store.cancel(3)


def test_no_orders_yet(home, capsys):
    assert cli.run(["orders"]) == 0
    assert "no active standing orders" in capsys.readouterr().out
    assert cli.run(["orders", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "store": str(home / "orders.sqlite3"),
        "orders": [],
    }
    assert not (home / "orders.sqlite3").exists()


def test_list_active_then_all(home, capsys):
    stored(home / "orders.sqlite3")
    assert cli.run(["orders"]) == 0
    out = capsys.readouterr().out
    assert "buy ETH if it drops below 2000" in out
    assert "price ETH < 2000" in out
    assert "every 1d, 3 times" in out
    assert "0/3" in out
    assert "an old one" not in out
    assert cli.run(["orders", "--all", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["orders"]
    assert [o["status"] for o in data] == ["active", "active", "cancelled"]
    assert data[1]["next_due"] == T0
    assert data[0]["intent"] == BUY_THE_DIP


def test_state_dir_holds_its_own_orders(home, tmp_path, capsys):
    state = tmp_path / "state"
    stored(state / "orders.sqlite3")
    assert cli.run(["orders", "--json", "--state", str(state)]) == 0
    assert len(json.loads(capsys.readouterr().out)["orders"]) == 2
    assert cli.run(["orders", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["orders"] == []


def test_cancel(home, capsys):
    stored(home / "orders.sqlite3")
    assert cli.run(["orders", "cancel", "1"]) == 0
    assert "cancelled order 1: buy ETH if it drops below 2000" in capsys.readouterr().out
    assert cli.run(["orders", "cancel", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "cancelled"
    assert cli.run(["orders", "cancel", "1"]) == 2
    assert "order 1 is cancelled; only active orders can be cancelled" in capsys.readouterr().err
    assert cli.run(["orders", "cancel", "99"]) == 2
    assert "there is no standing order 99" in capsys.readouterr().err


def test_cancel_without_a_store(home, capsys):
    assert cli.run(["orders", "cancel", "1"]) == 2
    assert "there is no order store at" in capsys.readouterr().err


def test_watch_without_the_runner_fails_clearly(home, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "swarmfi.runner", None)  # import raises ImportError
    assert cli.run(["watch", "--once"]) == 1
    err = capsys.readouterr().err
    assert "`swarmfi watch` needs the runner (swarmfi.runner.fire_order)" in err
    assert "Traceback" not in err
    assert not (home / "orders.sqlite3").exists()


def test_help_texts(capsys):
    assert cli.run(["watch", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--advance", "--blocks", "--once", "--json", "--state", "--poll"):
        assert option in out
    assert cli.run(["orders", "--help"]) == 0
    assert "cancel" in capsys.readouterr().out


def test_bind_passes_the_chain_when_the_runner_takes_it():
    seen = []

    async def with_chain(order, now, *, chain):
        seen.append((order, now, chain))
        return FireResult("ok")

    async def bare(order, now):
        seen.append((order, now))
        return FireResult("blocked")

    chain = object()
    assert asyncio.run(orders_cli._bind(with_chain, chain, None)("o", 5)) == FireResult("ok")
    assert asyncio.run(orders_cli._bind(bare, chain, None)("o", 6)).status == "blocked"
    assert seen == [("o", 5, chain), ("o", 6)]


def test_progress_lines(market, chain, store, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    store.add(DCA, "buy $100 of ETH daily", OWNER, 31337, T0)
    store.add(BUY_THE_DIP, "buy the dip", OWNER, 31337, T0)

    async def fire(order, now):
        return FireResult("ok", "swapped", "run-1")

    render = orders_cli._render_event
    asyncio.run(watch(chain, store, fire, advance=3600, blocks=2, on_event=render))
    out = capsys.readouterr().out
    assert "+3600 s per block" in out
    assert "block 1 · 2026-01-01 00:00:12 UTC · 2 due" in out
    assert "order 1: schedule due → fire" in out
    assert "order 1: firing “buy $100 of ETH daily”" in out
    assert "order 1: ok (run run-1) swapped → order active" in out
    assert "order 2: price ETH 3000 < 2000 ✗ → wait" in out
    assert "block 2 · 2026-01-01 01:00:12 UTC · 1 due" in out
    assert "checked 2 blocks; fired 1 (1 ok)" in out


def test_watch_fires_a_schedule_on_the_devnet(home, tmp_path, capsys, monkeypatch):
    state = tmp_path / "state"

    async def chain_time() -> int:
        devnet = open_devnet(state)
        try:
            return await devnet.timestamp()
        finally:
            await devnet.close()

    t0 = asyncio.run(chain_time())
    with OrderStore.open(state) as store:
        store.add(DCA, "buy $100 of ETH every day for 3 days", OWNER, 31337, t0)
    fired: list[int] = []

    async def fire_order(order, now, *, chain):  # the runner's entry point, bound to the chain
        fired.append(now)
        price = await chain.price_usd("ETH")
        return FireResult("ok", f"ETH at {price}", f"run-{len(fired)}")

    runner = importlib.import_module("swarmfi.runner")
    monkeypatch.setattr(runner, "fire_order", fire_order, raising=False)
    args = ["watch", "--state", str(state), "--advance", "86400", "--blocks", "4", "--json"]
    assert cli.run(args) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    results = [line["result"] for line in lines if line["event"] == "result"]
    assert [r["message"] for r in results] == ["ETH at 3000"] * 3
    assert [r["run_id"] for r in results] == ["run-1", "run-2", "run-3"]
    assert fired[0] >= t0
    assert all(b - a >= 86_400 for a, b in itertools.pairwise(fired))
    assert lines[-1] == {**lines[-1], "event": "stop", "checks": 4, "fired": 3, "ok": 3}
    assert asyncio.run(chain_time()) >= t0 + 3 * 86_400  # the devnet kept the moved time
    assert cli.run(["orders", "--all", "--json", "--state", str(state)]) == 0
    [order] = json.loads(capsys.readouterr().out)["orders"]
    assert (order["status"], order["fired"], order["succeeded"]) == ("done", 3, 3)
    assert cli.run(["watch", "--state", str(state), "--once"]) == 0
    assert "checked 1 blocks; fired 0 (0 ok)" in capsys.readouterr().out
