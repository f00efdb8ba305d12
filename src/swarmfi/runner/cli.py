"""`swarmfi run`, `swarmfi balances` and `swarmfi resume`: the main job, on the embedded
devnet or (`--rpc`, `--keystore`) any JSON-RPC endpoint; see `runner.session`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from swarmfi.output import console, emit, err_console
from swarmfi.runner.options import endpoint_options
from swarmfi.runner.session import (
    Endpoint,
    describe,
    open_chain,
    open_session,
    signer_address,
    token_balances,
)

STATE_HELP = "Devnet state directory (default: ~/.swarmfi/devnet, or $SWARMFI_HOME/devnet)."


async def _confirm_prompt(preview: Any) -> bool:
    return click.confirm("Sign and send these transactions?", default=False, err=True)


async def _yes(preview: Any) -> bool:
    return True


def make_runner(chain: Any, signer: Any, ledger: Any, policy: Any, as_json: bool) -> Any:
    from swarmfi.runner.render import print_preview, progress_printer
    from swarmfi.runner.service import Runner

    out = err_console if as_json else console
    return Runner(chain, signer, ledger, policy, on_event=progress_printer(out),
                  on_preview=lambda p: print_preview(out, p, chain.registry))


async def run_once(text: str, state: Path | None, endpoint: Endpoint, yes: bool,
                   as_json: bool, parser: str) -> Any:
    chain, signer, ledger, policy = await open_session(state, endpoint)
    try:
        runner = make_runner(chain, signer, ledger, policy, as_json)
        out = err_console if as_json else console
        if endpoint.rpc is not None:
            out.print(f"[dim]on {describe(chain, signer.address)}[/]", highlight=False)
        await _resume_unfinished(runner, out)
        from swarmfi.runner.standing import order_adder

        confirm = _yes if yes else _confirm_prompt
        result = await runner.run_text(text, confirm, parser,
                                       add_order=order_adder(state, chain, signer.address))
        return result, chain.registry
    finally:
        await chain.close()
        ledger.close()


@click.command("run")
@click.argument("text")
@click.option("--yes", "-y", is_flag=True, help="Approve without asking when within policy.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("--state", type=click.Path(path_type=Path), help=STATE_HELP)
@endpoint_options()
@click.option("--parser", default="embedded", show_default=True,
              help="Intent parser: embedded, llm or hybrid.")
def run_cmd(text: str, yes: bool, as_json: bool, state: Path | None, endpoint: Endpoint,
            parser: str) -> None:
    """Parse TEXT, preview it on a snapshot, ask, then execute it (on the devnet, or on the
    --rpc network signing with --keystore).

    Example: swarmfi run "swap 1 ETH for USDC, then supply half of it" --yes
    """
    from swarmfi.runner.render import print_answer

    result, registry = asyncio.run(run_once(text, state, endpoint, yes, as_json, parser))
    if as_json:
        emit(result.to_dict(registry), True)
        return
    for answer in result.answers:
        print_answer(console, answer)
    messages = {"done": "[green]done[/]: every step executed and matched its simulation",
                "declined": "declined: nothing was signed",
                "order": f"stored as standing order #{result.order_id}; "
                         "`swarmfi watch` runs it when it is due",
                "answered": ""}
    if messages[result.status]:
        console.print(messages[result.status] + f" (run {result.run_id})")


async def _resume_unfinished(runner: Any, out: Any) -> list[Any]:
    """A killed run is finished first, from the ledger and the chain, sending nothing twice."""
    results = await runner.resume()
    for result in results:
        out.print(f"resumed and finished run {result.run_id} that an earlier process left "
                  "unfinished")
    return results


@click.command("resume")
@click.option("--json", "as_json", is_flag=True, help="Print the resumed runs as JSON.")
@click.option("--state", type=click.Path(path_type=Path), help=STATE_HELP)
@endpoint_options()
def resume_cmd(as_json: bool, state: Path | None, endpoint: Endpoint) -> None:
    """Finish runs that a killed process left unfinished (`run` also does this first)."""
    results = asyncio.run(_resume(state, endpoint, as_json))
    emit({"resumed": [r.run_id for r in results]}, as_json,
         lambda d: console.print(f"{len(d['resumed'])} unfinished run(s) resumed"))


async def _resume(state: Path | None, endpoint: Endpoint, as_json: bool) -> list[Any]:
    chain, signer, ledger, policy = await open_session(state, endpoint)
    try:
        runner = make_runner(chain, signer, ledger, policy, as_json)
        return await _resume_unfinished(runner, err_console if as_json else console)
    finally:
        await chain.close()
        ledger.close()


@click.command("balances")
@click.option("--json", "as_json", is_flag=True, help="Print {symbol: amount} as JSON.")
@click.option("--state", type=click.Path(path_type=Path), help=STATE_HELP)
@endpoint_options()
def balances_cmd(as_json: bool, state: Path | None, endpoint: Endpoint) -> None:
    """The account's token balances, in token units (no password needed for --keystore)."""
    data = asyncio.run(_balances(state, endpoint))
    emit(data, as_json, _print_balances)


def _print_balances(data: dict[str, str]) -> None:
    for symbol, amount in data.items():
        console.print(f"{symbol:>6}  {amount}", highlight=False)


async def _balances(state: Path | None, endpoint: Endpoint) -> dict[str, str]:
    chain = await open_chain(state, endpoint)
    try:
        return await token_balances(chain, signer_address(chain, endpoint))
    finally:
        await chain.close()


def register(group: click.Group) -> None:
    group.add_command(run_cmd)
    group.add_command(balances_cmd)
    group.add_command(resume_cmd)
