"""`swarmfi approve`, `swarmfi serve`, `swarmfi mcp` and `swarmfi agent fetch`: swarmfi for
callers that are not the user at this prompt (see swarmfi.server.approvals)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from swarmfi.output import console, emit, err_console
from swarmfi.runner.options import endpoint_options
from swarmfi.runner.session import Endpoint

STATE_HELP = "Devnet state directory (default: ~/.swarmfi/devnet, or $SWARMFI_HOME/devnet)."


def _store(state: Path | None) -> Any:
    from swarmfi import paths
    from swarmfi.server.approvals import ApprovalStore

    return ApprovalStore(paths.ledger_path(state).parent)


def _show(plan: Any) -> None:
    console.print(f"[bold]plan {plan.id}[/] ({plan.status()}, from {plan.source}): "
                  f"{plan.text}", highlight=False)
    for step in plan.preview.get("steps", []):
        console.print(f"  {step['index'] + 1}. {step['summary']}  (${step['usd_value']})",
                      highlight=False)
    for a in plan.preview.get("approvals", []):
        who = a.get("spender_name") or a["spender"]
        console.print(f"  approves {a['amount']} {a['token']} to {who}", highlight=False)
    changes = ", ".join(f"{k} {v}" for k, v in plan.preview.get("balance_changes", {}).items())
    console.print(f"  balance changes: {changes or 'none'}", highlight=False)


def _record(state: Path | None, plan_id: str, decision: str) -> None:
    from swarmfi.runner.session import open_ledger

    ledger = open_ledger(state)
    try:
        ledger.append("remote_outcome", {"source": "cli", "tool": "approve",
                                         "plan_id": plan_id, "status": decision})
    finally:
        ledger.close()


@click.command("approve")
@click.argument("plan_id", required=False)
@click.option("--decline", is_flag=True, help="Decline the plan instead.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask; approve (or decline) at once.")
@click.option("--list", "list_", is_flag=True, help="List recent plans of remote callers.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--state", type=click.Path(path_type=Path), help=STATE_HELP)
def approve_cmd(plan_id: str | None, decline: bool, yes: bool, list_: bool, as_json: bool,
                state: Path | None) -> None:
    """Approve (or --decline) plan PLAN_ID that an MCP client, an HTTP caller or an agent
    previewed; it may then run once, unchanged, before it expires (5 minutes)."""
    from swarmfi.errors import UserInputError

    with _store(state) as store:
        if list_:
            plans = [p.to_json() for p in store.recent()]
            if as_json:
                emit(plans, True)
            for plan in [] if as_json else store.recent():
                _show(plan)
            return
        if plan_id is None:
            raise UserInputError("which plan?", "give its id, e.g. `swarmfi approve p-…`, "
                                 "or list them with `swarmfi approve --list`")
        plan = store.get(plan_id)
        if not as_json:
            _show(plan)
        word = "Decline" if decline else "Approve"
        if not yes and not click.confirm(f"{word} this plan?", default=False, err=True):
            err_console.print("nothing decided; the plan still waits")
            return
        decided = store.decide(plan_id, not decline, "cli")
    _record(state, plan_id, decided.state)
    emit(decided.to_json(), as_json,
         lambda d: console.print(f"plan {plan_id} {d['status']}; the caller may now run it"
                                 if d["status"] == "approved" else f"plan {plan_id} declined"))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8787, show_default=True, type=click.IntRange(0, 65535))
@click.option("--cors-origin", "cors", multiple=True, metavar="ORIGIN",
              help="Allow browser calls from this origin (repeatable); none by default.")
@click.option("--rate", default=20.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Requests per second each client may make (bursts of 10x).")
@click.option("--state", type=click.Path(path_type=Path), help=STATE_HELP)
@endpoint_options()
def serve_cmd(host: str, port: int, cors: tuple[str, ...], rate: float, state: Path | None,
              endpoint: Endpoint) -> None:
    """Serve the HTTP API (/v1/, /openapi.json) and the web page (/) on HOST:PORT."""
    from swarmfi.server.http import serve

    asyncio.run(serve(host, port, state, endpoint, cors=cors, rate=rate))


@click.command("mcp")
@click.option("--http", "http_port", type=click.IntRange(0, 65535), default=None,
              metavar="PORT", help="Serve streamable HTTP on 127.0.0.1:PORT instead of stdio.")
@click.option("--state", type=click.Path(path_type=Path), help=STATE_HELP)
@endpoint_options()
def mcp_cmd(http_port: int | None, state: Path | None, endpoint: Endpoint) -> None:
    """Serve the Model Context Protocol (stdio by default) for agent frameworks."""
    from swarmfi.server.mcp import run_mcp

    run_mcp(state, endpoint, http_port)


@click.group("agent")
def agent_group() -> None:
    """swarmfi as an agent on an agent network (optional extras)."""


@agent_group.command("fetch")
@click.option("--seed", envvar="SWARMFI_FETCH_SEED", required=True,
              help="The uAgent's seed phrase (or $SWARMFI_FETCH_SEED).")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535))
@click.option("--state", type=click.Path(path_type=Path), help=STATE_HELP)
@endpoint_options()
def fetch_cmd(seed: str, port: int, state: Path | None, endpoint: Endpoint) -> None:
    """A Fetch.ai uAgent speaking the Agent Chat Protocol (`pip install swarmfi[fetch]`):
    text in, preview out; execution only after approval."""
    from swarmfi.server.fetch_agent import run_agent

    run_agent(seed, port, state, endpoint)


def register(group: click.Group) -> None:
    for command in (approve_cmd, serve_cmd, mcp_cmd, agent_group):
        group.add_command(command)
