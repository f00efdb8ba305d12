"""The Python API on a real embedded devnet (a fresh one per test, in tmp_path)."""

import asyncio
import json
import subprocess
import sys
from decimal import Decimal

import pytest

import swarmfi
from swarmfi.api import Swarmfi, SwarmfiSync
from swarmfi.errors import PolicyError, RefusalError, UserInputError

SWAP = "swap 1 ETH for USDC"
GAS_ALLOWANCE_ETH = Decimal("0.01")


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """No policy file of the user's: the built-in defaults."""
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path / "home"))


def on_devnet(tmp_path, body, **options):
    async def main():
        async with Swarmfi(state=tmp_path / "devnet", **options) as sf:
            return await body(sf)

    return asyncio.run(main())


def change(before, after, token):
    return Decimal(after[token]) - Decimal(before[token])


def test_import_swarmfi_loads_no_chain_evm_or_model_code():
    code = ("import sys, swarmfi; heavy = ('pyrevm', 'web3', 'pydantic', 'vyper', 'eth_account');"
            " print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out.replace("'", '"')) == []


def test_package_exports_the_api_lazily():
    assert swarmfi.Swarmfi is Swarmfi
    assert swarmfi.SwarmfiSync is SwarmfiSync
    with pytest.raises(AttributeError):
        _ = swarmfi.NoSuchName


def test_parse_gives_the_canonical_intent_and_needs_no_chain():
    sf = Swarmfi(state="/nonexistent/devnet")
    canonical = asyncio.run(sf.parse("把2个ETH换成USDC"))
    assert canonical["schedule"] is None
    [step] = canonical["steps"]
    assert (step["action"], step["token_in"], step["token_out"]) == ("swap", "ETH", "USDC")
    assert step["amount"] == {"value": "2"}


def test_preview_signs_nothing_and_leaves_balances_unchanged(tmp_path):
    async def body(sf):
        before = await sf.balances()
        preview = await sf.preview(SWAP)
        return before, preview, await sf.balances(), await sf.ledger_verify()

    before, preview, after, ledger = on_devnet(tmp_path, body)
    assert preview["ok"] is True
    assert preview["standing"] is False
    assert preview["intent"]["steps"][0]["action"] == "swap"
    assert preview["balance_changes"]["ETH"] == "-1"
    assert Decimal(preview["balance_changes"]["USDC"]) > 2900
    assert after == before  # to the wei: no transaction paid gas
    assert (ledger["ok"], ledger["checked"]) == (True, 0)  # nothing recorded either


def test_run_approved_executes_and_balances_change_as_previewed(tmp_path):
    async def body(sf):
        preview = await sf.preview(SWAP)
        before = await sf.balances()
        result = await sf.run(SWAP, approve=True)
        return preview, before, result, await sf.balances(), await sf.ledger_verify()

    preview, before, result, after, ledger = on_devnet(tmp_path, body)
    assert result["status"] == "done"
    assert result["preview"]["balance_changes"] == preview["balance_changes"]
    assert change(before, after, "USDC") == Decimal(preview["balance_changes"]["USDC"])
    eth = change(before, after, "ETH")
    assert Decimal(-1) - GAS_ALLOWANCE_ETH < eth < Decimal(-1)  # -1 ETH and the gas
    assert ledger["ok"] is True
    assert ledger["checked"] > 5


def test_a_callable_that_returns_false_declines(tmp_path):
    seen = []

    def refuse(preview):
        seen.append(preview)
        return False

    async def body(sf):
        before = await sf.balances()
        return before, await sf.run(SWAP, approve=refuse), await sf.balances()

    before, result, after = on_devnet(tmp_path, body)
    assert result["status"] == "declined"
    assert after == before
    [shown] = seen
    assert shown["balance_changes"]["ETH"] == "-1"


def test_only_a_literal_true_approves_and_async_callables_are_awaited(tmp_path):
    async def truthy(preview):
        return "yes"

    async def agree(preview):
        return preview["ok"]

    async def body(sf):
        return await sf.run(SWAP, approve=truthy), await sf.run(SWAP, approve=agree)

    declined, done = on_devnet(tmp_path, body)
    assert (declined["status"], done["status"]) == ("declined", "done")


def test_approve_false_is_the_default_and_declines(tmp_path):
    async def body(sf):
        return await sf.run(SWAP)

    assert on_devnet(tmp_path, body)["status"] == "declined"


def test_a_policy_blocked_instruction_raises_policy_error(tmp_path):
    async def body(sf):
        before = await sf.balances()
        with pytest.raises(PolicyError) as caught:
            await sf.run("swap 10 ETH for USDC", approve=True)
        return before, caught.value, await sf.balances()

    before, error, after = on_devnet(tmp_path, body)
    assert error.rule == "max_tx_usd"
    assert "10,000.00 USD" in error.message
    assert after == before


def test_preview_lists_a_violation_instead_of_raising(tmp_path):
    async def body(sf):
        return await sf.preview("swap 10 ETH for USDC")

    preview = on_devnet(tmp_path, body)
    assert preview["ok"] is False
    assert [v["rule"] for v in preview["violations"]] == ["max_tx_usd", "max_day_usd"]


def test_policy_given_as_a_dict(tmp_path):
    async def body(sf):
        with pytest.raises(PolicyError) as caught:
            await sf.run(SWAP, approve=True)
        return caught.value

    assert on_devnet(tmp_path, body, policy={"max_tx_usd": 1000}).rule == "max_tx_usd"


def test_bad_options_are_user_input_errors(tmp_path):
    with pytest.raises(UserInputError, match="max_tx_usd"):
        Swarmfi(state=tmp_path, policy={"max_tx_usd": -5})
    with pytest.raises(UserInputError, match="--state"):
        Swarmfi(state=tmp_path, rpc="http://127.0.0.1:1")
    with pytest.raises(UserInputError, match="approve="):
        on_devnet(tmp_path, lambda sf: sf.run(SWAP, approve="yes"))


def test_a_refusal_raises_refusal_error_with_its_kind(tmp_path):
    async def body(sf):
        with pytest.raises(RefusalError) as from_run:
            await sf.run("swap ETH for USDC", approve=True)
        with pytest.raises(RefusalError) as from_parse:
            await sf.parse("swap ETH for USDC")
        return from_run.value, from_parse.value

    from_run, from_parse = on_devnet(tmp_path, body)
    assert (from_run.kind, from_parse.kind) == ("ambiguous", "ambiguous")
    assert "how much" in from_run.message


def test_a_read_only_question_is_answered(tmp_path):
    async def body(sf):
        return await sf.run("what is the price of ETH")

    result = on_devnet(tmp_path, body)
    assert result["status"] == "answered"
    assert len(result["answers"]) == 1


def test_a_standing_order_is_stored_and_fires_when_watched(tmp_path):
    events = []

    async def body(sf):
        stored = await sf.run("swap 100 USDC for ETH every day for 3 days")
        waiting = await sf.run("if ETH drops below 2500, buy 1 ETH with USDC")
        before = await sf.balances()
        summary = await sf.watch(blocks=3, advance=86_400, on_event=events.append)
        return stored, waiting, before, summary, await sf.balances(), await sf.orders(None)

    stored, waiting, before, summary, after, orders = on_devnet(tmp_path, body)
    assert (stored["status"], stored["order_id"]) == ("order", 1)
    assert (waiting["status"], waiting["order_id"]) == ("order", 2)
    assert summary == {"checks": 3, "fired": 3, "ok": 3}
    assert change(before, after, "USDC") == -300
    assert [(o["id"], o["status"], o["fired"]) for o in orders] == [(1, "done", 3),
                                                                  (2, "active", 0)]
    fired = [e["order_id"] for e in events if e["event"] == "result"]
    assert fired == [1, 1, 1]


def test_cancel_order(tmp_path):
    async def body(sf):
        await sf.run("if ETH drops below 2500, buy 1 ETH with USDC")
        cancelled = await sf.cancel_order(1)
        return cancelled, await sf.orders(), await sf.orders(None)

    cancelled, active, every = on_devnet(tmp_path, body)
    assert cancelled["status"] == "cancelled"
    assert (active, [o["id"] for o in every]) == ([], [1])


def test_sync_wrapper_runs_and_closes(tmp_path):
    with SwarmfiSync(state=tmp_path / "devnet") as sf:
        before = sf.balances()
        preview = sf.preview(SWAP)
        result = sf.run(SWAP, approve=lambda p: p["ok"])
        after = sf.balances()
        with pytest.raises(PolicyError):
            sf.run("swap 10 ETH for USDC", approve=True)
        verified = sf.ledger_verify()
    assert result["status"] == "done"
    assert change(before, after, "USDC") == Decimal(preview["balance_changes"]["USDC"])
    assert verified["ok"] is True
    with SwarmfiSync(state=tmp_path / "devnet") as again:  # the devnet kept its state
        assert again.balances() == after
