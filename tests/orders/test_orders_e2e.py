"""End to end through the real CLI: `swarmfi run` stores standing orders, `swarmfi watch`
fires them on a persisted devnet through the runner (guard, policy, executor, ledger)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from swarmfi import cli
from swarmfi.ledger import Ledger

DCA = "swap 100 USDC for ETH every day for 3 days"
ABOVE = "if ETH rises above 2000, swap 100 USDC for ETH"
BELOW = "if ETH drops below 2000, swap 100 USDC for ETH"


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "state"


def run_json(capsys, *args: str):
    code = cli.run([*args, "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    # the runner's preview of each firing is printed as text among the JSON lines
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_run_stores_orders_and_watch_fires_them_through_the_guard(state, capsys):
    s = str(state)
    [dca] = run_json(capsys, "run", DCA, "--state", s, "--yes")
    [above] = run_json(capsys, "run", ABOVE, "--state", s, "--yes")
    [below] = run_json(capsys, "run", BELOW, "--state", s, "--yes")
    assert [r["status"] for r in (dca, above, below)] == ["order"] * 3
    assert [r["order_id"] for r in (dca, above, below)] == [1, 2, 3]
    [listed] = run_json(capsys, "orders", "--state", s)
    assert [o["summary"] for o in listed["orders"]] == [
        "every 1d, 3 times",
        "price ETH > 2000",
        "price ETH < 2000",
    ]
    [before] = run_json(capsys, "balances", "--state", s)

    events = run_json(capsys, "watch", "--state", s, "--advance", "86400", "--blocks", "4")

    results = [(e["order_id"], e["result"]["status"]) for e in events if e["event"] == "result"]
    assert sorted(results) == [(1, "ok"), (1, "ok"), (1, "ok"), (2, "ok")]
    [after] = run_json(capsys, "balances", "--state", s)
    assert Decimal(before["USDC"]) - Decimal(after["USDC"]) == 400
    assert Decimal(after["ETH"]) > Decimal(before["ETH"])
    [final] = run_json(capsys, "orders", "--all", "--state", s)
    assert [(o["status"], o["fired"]) for o in final["orders"]] == [
        ("done", 3),
        ("done", 1),
        ("active", 0),
    ]
    run_ids = {e["result"]["run_id"] for e in events if e["event"] == "result"}
    with Ledger(state / "ledger.sqlite3", create=False) as ledger:
        firings = ledger.records(kind="firing")
        assert sorted(r.payload["order_id"] for r in firings) == [1, 1, 1, 2]
        assert {r.run_id for r in firings} == run_ids
        assert all(ledger.find("approval", run_id=run) for run in run_ids)
        assert ledger.verify().ok
