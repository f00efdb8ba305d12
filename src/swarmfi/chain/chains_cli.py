"""`swarmfi chains [--json]`: every chain swarmfi knows, its tokens and its contracts.

The JSON form is a list of `{"chain_id", "name", "tokens": [{"symbol", "address",
"decimals"}], "contracts": {NAME: ADDRESS}}`, real chains first, then the devnet.
"""

from __future__ import annotations

from typing import Any

import click

from swarmfi.output import console, emit


def chains_data() -> list[dict[str, Any]]:
    """The four real chains and the devnet, in the `swarmfi chains --json` form."""
    from swarmfi.chain import registry

    known = [*registry.known(), registry.lookup(registry.DEVNET_CHAIN_ID)]
    seen: dict[int, dict[str, Any]] = {}
    for chain in known:
        seen.setdefault(chain.chain_id, _entry(registry.to_dict(chain)))
    return list(seen.values())


def _entry(data: dict[str, Any]) -> dict[str, Any]:
    tokens = [{k: t[k] for k in ("symbol", "address", "decimals")} for t in data["tokens"]]
    return {"chain_id": data["chain_id"], "name": data["name"], "tokens": tokens,
            "contracts": data["contracts"]}  # fmt: skip


def _render(chains: list[dict[str, Any]]) -> None:
    for chain in chains:
        console.print(f"[bold]{chain['name']}[/] (chain id {chain['chain_id']})")
        for token in chain["tokens"]:
            line = f"  {token['symbol']:<6} {token['address']}  {token['decimals']} decimals"
            console.print(line, highlight=False)
        for name, address in chain["contracts"].items():
            console.print(f"  {name:<24} {address}", highlight=False)


@click.command("chains")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list.")
def chains_command(as_json: bool) -> None:
    """List every chain swarmfi knows, with its tokens and contracts (name -> address)."""
    emit(chains_data(), as_json, _render)


def register(group: click.Group) -> None:
    group.add_command(chains_command)
