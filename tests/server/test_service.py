"""The remote service on a real embedded devnet: nothing runs without approval."""

import asyncio
from decimal import Decimal

import pytest

from swarmfi.errors import PolicyError, RefusalError
from swarmfi.guard.policy import Policy
from swarmfi.server.service import RemoteService

SWAP = "swap 1 ETH for USDC"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path / "home"))


def with_service(tmp_path, body, policy=None):
    async def main():
        service = await RemoteService.start(state=tmp_path / "devnet", policy=policy)
        try:
            return await body(service)
        finally:
            await service.close()

    return asyncio.run(main())


def kinds(service):
    return [r.kind for r in service.runner.ledger.records()]


def test_preview_signs_nothing_and_run_needs_the_person(tmp_path):
    async def body(s):
        before = (await s.balances("test"))["balances"]
        shown = await s.preview(SWAP, "test")
        waiting = await s.run("test", plan_id=shown["plan_id"])
        unchanged = (await s.balances("test"))["balances"]
        s.store.decide(shown["plan_id"], True, "web")
        done = await s.run("test", plan_id=shown["plan_id"])
        after = (await s.balances("test"))["balances"]
        return before, shown, waiting, unchanged, done, after, kinds(s)

    before, shown, waiting, unchanged, done, after, recorded = with_service(tmp_path, body)
    assert shown["status"] == "awaiting_approval"
    assert shown["approve"]["cli"] == f"swarmfi approve {shown['plan_id']}"
    assert shown["preview"]["steps"][0]["transactions"][0]["to_name"] == "router"
    assert waiting["status"] == "awaiting_approval"
    assert "waiting for a person" in waiting["reason"]
    assert unchanged == before
    assert (done["status"], done["approved_by"]) == ("done", "person:web")
    assert Decimal(after["ETH"]) < Decimal(before["ETH"]) - 1
    assert Decimal(after["USDC"]) - Decimal(before["USDC"]) >= Decimal("2975")
    assert recorded.count("remote_request") == recorded.count("remote_outcome") == 6
    assert "transaction" in recorded


def test_a_plan_whose_amounts_moved_is_refused(tmp_path):
    async def body(s):
        first = await s.preview(SWAP, "test")
        other = await s.preview("swap 2 ETH for USDC", "test")
        s.store.decide(first["plan_id"], True, "cli")
        s.store.decide(other["plan_id"], True, "cli")
        await s.run("test", plan_id=other["plan_id"])  # moves the pool's price
        before = (await s.balances("test"))["balances"]
        refused = await s.run("test", plan_id=first["plan_id"])
        return refused, before, (await s.balances("test"))["balances"]

    refused, before, after = with_service(tmp_path, body)
    assert refused["status"] == "awaiting_approval"
    assert "changed since it was previewed" in refused["reason"]
    assert refused["plan_id"] is not None
    assert after == before


def test_a_run_of_text_without_approval_stores_a_plan_and_sends_nothing(tmp_path):
    async def body(s):
        before = (await s.balances("test"))["balances"]
        answer = await s.run("test", text=SWAP)
        status = await s.status("test", answer["plan_id"])
        return answer, status, before, (await s.balances("test"))["balances"]

    answer, status, before, after = with_service(tmp_path, body)
    assert answer["status"] == "awaiting_approval"
    assert status["status"] == "awaiting_approval"
    assert after == before


def test_auto_approve_runs_a_plan_inside_its_limits_only(tmp_path):
    policy = Policy.model_validate({"auto_approve": {"max_tx_usd": 5000, "max_day_usd": 5000,
                                                     "actions": ["swap"]}})

    async def body(s):
        small = await s.run("test", text=SWAP)
        large = await s.run("test", text="swap 2 ETH for USDC")
        return small, large

    small, large = with_service(tmp_path, body, policy)
    assert (small["status"], small["approved_by"]) == ("done", "policy:auto_approve")
    assert large["status"] == "awaiting_approval"
    assert "max_day_usd" in large["reason"]


def test_a_blocked_plan_and_a_refusal(tmp_path):
    async def body(s):
        blocked = await s.preview("swap 5 ETH for USDC", "test")
        with pytest.raises(PolicyError):
            await s.run("test", text="swap 5 ETH for USDC")
        with pytest.raises(RefusalError):
            await s.preview("swap some ETH", "test")
        with pytest.raises(RefusalError, match="standing orders"):
            await s.preview("if ETH drops below 2000 USD, buy ETH with 1000 USDC", "test")
        return blocked

    blocked = with_service(tmp_path, body, Policy(max_tx_usd=Decimal(5000)))
    assert blocked["status"] == "blocked"
    assert blocked["plan_id"] is None
    assert blocked["preview"]["violations"][0]["rule"] == "max_tx_usd"
