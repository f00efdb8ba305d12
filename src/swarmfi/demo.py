"""`swarmfi demo`: a non-interactive tour on the embedded devnet (no network, no keys)."""

from __future__ import annotations

import click

from swarmfi.output import console


@click.command("demo")
def demo() -> None:
    """Run a tour of swarmfi on a fresh embedded devnet; no network, no keys."""
    console.print("[bold]swarmfi demo[/]")
    console.print("The end-to-end tour lands with the plan/swarm/guard work; see `swarmfi --help`.")


def register(group: click.Group) -> None:
    group.add_command(demo)
