"""`swarmfi demo`: a non-interactive tour on a fresh embedded devnet (no network, no keys)."""

from __future__ import annotations

import click


@click.command("demo")
def demo() -> None:
    """Run a tour of swarmfi on a fresh embedded devnet; no network, no keys.

    Instructions in English and Chinese (multi-step ones among them) go through the
    whole pipeline: parse, simulate, policy, approve, swarm execution, ledger. One is
    blocked by policy and one refused as ambiguous. Two standing orders are stored and
    watched while the devnet clock moves a day per block: the daily one fires through the
    same guard, the conditional one waits. The ledger is verified at the end.
    """
    from swarmfi.runner.tour import run_tour

    code = run_tour()
    if code:
        raise SystemExit(code)


def register(group: click.Group) -> None:
    group.add_command(demo)
