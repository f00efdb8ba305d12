"""`swarmfi policy show | init`: the policy every plan is checked against."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from swarmfi.output import console, emit

_DESCRIPTIONS = {
    "max_tx_usd": "most USD one transaction may move out",
    "max_day_usd": "most USD that may leave in any 24 hours",
    "max_slippage_pct": "slippage allowed when the instruction does not say",
    "slippage_ceiling_pct": "slippage never allowed above, even when asked",
    "max_price_impact_pct": "most a trade's price may be worse than the oracle's",
    "min_health_factor": "lowest health factor a lending step may leave",
    "allowed_tokens": "tokens a plan may touch",
    "extra_tokens": "tokens trusted on top of those",
    "allowed_contracts": "contracts a plan may call",
    "extra_contracts": "contracts trusted on top of those",
    "address_book": "names you can send to",
}
_DEFAULT_LISTS = {
    "allowed_tokens": "ETH and every token swarmfi knows on the chain",
    "allowed_contracts": "every contract swarmfi knows on the chain, and the allowed tokens",
}


def _file_option(func: Any) -> Any:
    return click.option(
        "--file",
        "file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Policy file to use [default: $SWARMFI_HOME/policy.toml, ~/.swarmfi/…].",
    )(func)


@click.group("policy")
def policy_group() -> None:
    """The limits every plan is checked against before anything is signed."""


@policy_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_file_option
def show(as_json: bool, file: Path | None) -> None:
    """Show the policy in force and the file it comes from."""
    from swarmfi.guard.policy import load_policy

    policy = load_policy(file)
    data = policy.to_json()
    emit(data, as_json, lambda _: _render(data))


def _render(data: dict[str, Any]) -> None:
    source = data["source"] or f"built-in defaults ({data['path']} does not exist)"
    table = Table(title=escape(f"policy: {source}"), title_justify="left")
    for name in ("key", "value", "meaning"):
        table.add_column(name, overflow="fold")
    for key, value in data["policy"].items():
        table.add_row(key, escape(_shown(key, value)), _DESCRIPTIONS.get(key, ""))
    console.print(table)


def _shown(key: str, value: Any) -> str:
    if value is None:
        return f"({_DEFAULT_LISTS.get(key, 'default')})"
    if isinstance(value, dict):
        return "\n".join(f"{k} = {v}" for k, v in value.items()) or "(empty)"
    if isinstance(value, list):
        return ", ".join(value) or "(none)"
    return str(value)


@policy_group.command("init")
@_file_option
def init(file: Path | None) -> None:
    """Write the default policy, with comments, for you to edit; never overwrites."""
    from swarmfi.guard.policy import write_default

    written = write_default(file)
    console.print(
        escape(f"wrote the default policy to {written}; edit it, then `swarmfi policy show`")
    )


def register(group: click.Group) -> None:
    group.add_command(policy_group)
