"""`swarmfi mcp`: swarmfi as a Model Context Protocol server (the official `mcp` SDK).

Tools: parse, preview, run, status, balances, orders, ledger_verify. Resources: the intent
format (swarmfi://intent-format) and the policy in force (swarmfi://policy). Over stdio by
default; `--http PORT` serves streamable HTTP on 127.0.0.1:PORT/mcp.

There is no approve tool: a plan the model previews runs only after a person approves its
id (`swarmfi approve ID` or the web page) or when it fits the policy's `[auto_approve]`;
see swarmfi.server.approvals. Errors are MCP tool errors whose text is swarmfi's
{"kind", "message", "hint"} as JSON.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from swarmfi import __version__
from swarmfi.errors import SwarmfiError
from swarmfi.server.service import RemoteService, error_json

SOURCE = "mcp"
READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
SENDS = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False,
                        open_world_hint=True)

INSTRUCTIONS = (
    "swarmfi turns a DeFi instruction in English or Chinese (e.g. 'swap 1 ETH for USDC', "
    "'把1个ETH换成USDC') into a plan that is simulated and checked against the user's "
    "policy. preview signs nothing. run executes a plan only after the user approved its "
    "plan_id outside this conversation, or when the user's standing policy covers it; "
    "otherwise it answers awaiting_approval with where the user can approve."
)

INTENT_FORMAT = """\
swarmfi intent format: one instruction is a list of steps, each one action
(swap, supply, withdraw, borrow, repay, transfer, query, vote, launch, ...) with exact
amounts ("1 ETH", "half of it", "all my USDC"); optional conditions ("if ETH drops below
2000 USD") and schedules are standing orders and are placed only at the CLI.
Unclear text is refused with what to add; nothing is guessed.
The canonical JSON Schema follows.

"""


async def _answer(work: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    try:
        return await work
    except SwarmfiError as exc:
        raise ToolError(json.dumps(error_json(exc), ensure_ascii=False)) from exc


def build_server(service: RemoteService) -> MCPServer:
    """The MCP server over `service`; each tool is one service call."""
    server: MCPServer = MCPServer("swarmfi", instructions=INSTRUCTIONS, version=__version__,
                                  log_level="WARNING")

    @server.tool(annotations=READ)
    async def parse(text: str) -> dict[str, Any]:
        """Parse a DeFi instruction into swarmfi's canonical intent JSON, or say why it was
        refused. Reads nothing and signs nothing."""
        return await _answer(service.parse(text, SOURCE))

    @server.tool(annotations=READ)
    async def preview(text: str) -> dict[str, Any]:
        """Simulate an instruction on the current chain state and check it against the
        user's policy. Signs nothing. Returns each step with USD values, token approvals,
        balance changes, policy violations, a status and, when there is something to
        sign, a plan_id the user can approve."""
        return await _answer(service.preview(text, SOURCE))

    @server.tool(annotations=SENDS)
    async def run(plan_id: str | None = None, text: str | None = None) -> dict[str, Any]:
        """Execute a previewed plan by plan_id (or an instruction by text). It executes only
        if the user approved that exact plan, or the user's standing auto-approval policy
        covers it; otherwise nothing is sent and the status is awaiting_approval, with the
        plan_id and where the user approves it. Give either plan_id or text."""
        return await _answer(service.run(SOURCE, text=text, plan_id=plan_id))

    @server.tool(annotations=READ)
    async def status(plan_id: str) -> dict[str, Any]:
        """The state of a plan (awaiting_approval, approved, expired, declined, running,
        done, failed), its preview, progress events and outcome."""
        return await _answer(service.status(SOURCE, plan_id))

    @server.tool(annotations=READ)
    async def balances() -> dict[str, Any]:
        """The account's address and token balances, in token units."""
        return await _answer(service.balances(SOURCE))

    @server.tool(annotations=READ)
    async def orders(status: str = "active") -> dict[str, Any]:
        """The user's standing orders (conditions and schedules); status 'active' or 'all'."""
        return await _answer(service.orders(SOURCE, None if status == "all" else status))

    @server.tool(annotations=READ)
    async def ledger_verify() -> dict[str, Any]:
        """Re-hash swarmfi's append-only ledger and report whether it is intact."""
        return await _answer(service.ledger_verify(SOURCE))

    @server.resource("swarmfi://intent-format", name="intent-format",
                     mime_type="text/plain")
    def intent_format() -> str:
        """How instructions are written and the canonical intent's JSON Schema."""
        from swarmfi.intent.schema import render

        return INTENT_FORMAT + render()

    @server.resource("swarmfi://policy", name="policy", mime_type="application/json")
    def policy() -> str:
        """The user's policy in force: limits, allowlists, address book, auto-approval."""
        return json.dumps(service.runner.policy.to_json(), indent=2, default=str)

    return server


async def serve_mcp(state: Path | None, endpoint: Any, http_port: int | None) -> None:
    service = await RemoteService.start(state=state, endpoint=endpoint)
    try:
        server = build_server(service)
        if http_port is None:
            await server.run_stdio_async()
        else:
            await _serve_http(server, http_port)
    finally:
        await service.close()


async def _serve_http(server: MCPServer, port: int) -> None:
    import asyncio

    import uvicorn

    app = server.streamable_http_app(host="127.0.0.1")
    web = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(web.serve())
    while not web.started and not task.done():
        await asyncio.sleep(0.02)
    if web.started:
        bound = web.servers[0].sockets[0].getsockname()[1]
        print(f"swarmfi MCP serving on http://127.0.0.1:{bound}/mcp", flush=True)
    await task


def run_mcp(state: Path | None, endpoint: Any, http_port: int | None) -> None:
    import anyio

    try:
        anyio.run(serve_mcp, state, endpoint, http_port)
    except KeyboardInterrupt:
        sys.exit(130)
