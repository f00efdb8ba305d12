"""`swarmfi mcp` in a subprocess, driven by the MCP SDK's own client over stdio."""

import asyncio
import json
import os
import sqlite3
import sys
import time
from decimal import Decimal

import pytest
from mcp import Client, StdioServerParameters

from swarmfi.cli import run as cli
from swarmfi.ledger.store import Ledger

SWAP = "swap 1 ETH for USDC"
TTL = "4"


@pytest.fixture
def where(tmp_path, monkeypatch):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SWARMFI_APPROVAL_TTL", TTL)
    return tmp_path / "devnet"


def session(state):
    env = {**os.environ, "SWARMFI_HOME": os.environ["SWARMFI_HOME"],
           "SWARMFI_APPROVAL_TTL": TTL}
    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "swarmfi", "mcp", "--state", str(state)], env=env)
    return Client(params, read_timeout_seconds=60)


async def call(client, tool, **args):
    result = await client.call_tool(tool, args)
    text = result.content[0].text
    if result.is_error:
        assert text.startswith(("{", f"Error executing tool {tool}: {{")), text
        return {"tool_error": json.loads(text[text.index("{"):])}
    return json.loads(text)


def balances_of(answer):
    return {k: Decimal(v) for k, v in answer["balances"].items()}


def sent(state):
    with Ledger(state / "ledger.sqlite3", create=False) as ledger:
        return ledger.count(kind="transaction")


def approve(state, plan_id):
    assert cli(["approve", plan_id, "--yes", "--state", str(state)]) == 0


def test_tools_and_resources_are_listed(where):
    async def main():
        async with session(where) as client:
            tools = await client.list_tools()
            resources = await client.list_resources()
            text = await client.read_resource("swarmfi://intent-format")
            policy = await client.read_resource("swarmfi://policy")
            return tools, resources, text, policy

    tools, resources, text, policy = asyncio.run(main())
    names = {t.name for t in tools.tools}
    assert names == {"parse", "preview", "run", "status", "balances", "orders", "ledger_verify"}
    run_tool = next(t for t in tools.tools if t.name == "run")
    assert set(run_tool.input_schema["properties"]) == {"plan_id", "text"}
    assert "approved" in run_tool.description
    assert {str(r.uri) for r in resources.resources} == {"swarmfi://intent-format",
                                                         "swarmfi://policy"}
    assert '"$defs"' in text.contents[0].text or '"properties"' in text.contents[0].text
    assert json.loads(policy.contents[0].text)["policy"]["max_tx_usd"] == "10000"


def test_preview_and_unapproved_run_send_nothing_and_approval_runs_that_plan(where):
    async def main():
        async with session(where) as client:
            before = balances_of(await call(client, "balances"))
            shown = await call(client, "preview", text=SWAP)
            after_preview = balances_of(await call(client, "balances"))
            sent_after_preview = sent(where)
            waiting = await call(client, "run", plan_id=shown["plan_id"])
            after_waiting = balances_of(await call(client, "balances"))
            approve(where, shown["plan_id"])
            done = await call(client, "run", plan_id=shown["plan_id"])
            after = balances_of(await call(client, "balances"))
            status = await call(client, "status", plan_id=shown["plan_id"])
            verified = await call(client, "ledger_verify")
            return (before, shown, after_preview, sent_after_preview, waiting, after_waiting,
                    done, after, status, verified)

    (before, shown, after_preview, sent_after_preview, waiting, after_waiting, done, after,
     status, verified) = asyncio.run(main())
    assert shown["status"] == "awaiting_approval"
    assert shown["approve"]["cli"] == f"swarmfi approve {shown['plan_id']}"
    assert after_preview == before and sent_after_preview == 0
    assert waiting["status"] == "awaiting_approval" and after_waiting == before
    assert (done["status"], done["approved_by"]) == ("done", "person:cli")
    expected = Decimal(shown["preview"]["balance_changes"]["USDC"])
    assert after["USDC"] - before["USDC"] == expected  # exactly the previewed plan
    assert status["status"] == "done" and status["events"][-1]["kind"] == "finished"
    assert verified["ok"] is True
    assert sent(where) == 1


def test_an_expired_or_altered_plan_is_refused(where):
    async def main():
        async with session(where) as client:
            before = balances_of(await call(client, "balances"))
            late = await call(client, "preview", text=SWAP)
            approve(where, late["plan_id"])
            await asyncio.sleep(max(0.0, late["expires"] - time.time()) + 0.2)
            expired = await call(client, "run", plan_id=late["plan_id"])
            altered = await call(client, "preview", text=SWAP)
            approve(where, altered["plan_id"])
            with sqlite3.connect(where / "approvals.sqlite3") as conn:
                conn.execute("UPDATE plans SET steps = replace(steps, '\"1\"', '\"50\"') "
                             "WHERE id = ?", (altered["plan_id"],))
            forged = await call(client, "run", plan_id=altered["plan_id"])
            after = balances_of(await call(client, "balances"))
            return before, expired, forged, after

    before, expired, forged, after = asyncio.run(main())
    assert expired["status"] == "awaiting_approval"
    assert "expired" in expired["reason"]
    assert forged["tool_error"]["kind"] == "state"
    assert "authentication check" in forged["tool_error"]["message"]
    assert after == before
    assert sent(where) == 0


def test_a_refusal_is_a_tool_error_with_a_hint(where):
    async def main():
        async with session(where) as client:
            return await call(client, "parse", text="swap some ETH")

    refused = asyncio.run(main())["tool_error"]
    assert refused["kind"] == "refusal"
    assert refused["hint"]
