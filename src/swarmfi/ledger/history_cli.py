"""`swarmfi history`: what each run did, newest first, from the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from swarmfi import paths
from swarmfi.output import console, emit


def token_decimals() -> dict[str, int]:
    """Decimals of the tokens swarmfi knows: the devnet's and Ethereum mainnet's, and ETH."""
    from swarmfi.chain.genesis import DECIMALS
    from swarmfi.chain.registry import MAINNET

    return {s: t.decimals for s, t in MAINNET.tokens.items()} | DECIMALS | {"ETH": 18}


@click.command("history")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=0),
              help="Show the newest N runs; 0 shows all.")
@click.option("--json", "as_json", is_flag=True, help="Print {runs: [...]} as one JSON object.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None,
              help="Ledger file to use [default: $SWARMFI_HOME/ledger.sqlite3, ~/.swarmfi/…].")
def history_cmd(limit: int, as_json: bool, ledger_path: Path | None) -> None:
    """One line per run, newest first: when, the instruction, the outcome, every
    transaction hash and what actually moved (measured after each step).

    Example: swarmfi history --limit 5
    """
    from swarmfi.ledger.history import history
    from swarmfi.ledger.store import Ledger

    path = ledger_path if ledger_path is not None else paths.ledger_path()
    if not path.exists():
        emit({"ledger": str(path), "runs": []}, as_json,
             lambda _: console.print(f"no ledger yet at {escape(str(path))}; nothing has run"))
        return
    with Ledger(path, create=False) as ledger:
        runs = history(ledger, limit or None, decimals=token_decimals())
    emit({"ledger": str(path), "runs": [r.to_json() for r in runs]}, as_json,
         lambda d: _render(d["runs"]))


def _render(runs: list[dict[str, Any]]) -> None:
    if not runs:
        console.print("no runs yet")
    for run in runs:
        console.print(escape(line(run)), highlight=False, soft_wrap=True)


def line(run: dict[str, Any]) -> str:
    """`2026-05-09 07:35  "swap 1 ETH for USDC": done; moved ETH -1, USDC +2990; tx 0x…`."""
    when = run["when"][:16].replace("T", " ")
    parts = [f"{when}  {run['instruction'] or '(no instruction)'!r}: {run['outcome']}"]
    if run["moved"]:
        parts.append("moved " + ", ".join(f"{s} {a}" for s, a in run["moved"].items()))
    if run["tx_hashes"]:
        parts.append("tx " + " ".join(run["tx_hashes"]))
    return "; ".join(parts)


def register(group: click.Group) -> None:
    group.add_command(history_cmd)
