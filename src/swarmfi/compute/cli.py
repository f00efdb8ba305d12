"""`swarmfi usage` and `swarmfi llm providers|ask`: the compute commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from swarmfi.output import console, emit

PROVIDERS_OPTION = click.option(
    "--providers",
    "providers_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A providers TOML merged over the presets and ~/.swarmfi/providers.toml "
    "(default: $SWARMFI_PROVIDERS).",
)


@click.command("usage")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--days", type=click.IntRange(min=1), help="Only the last N UTC days.")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The usage database (default: $SWARMFI_USAGE_DB or ~/.swarmfi/usage.sqlite3).",
)
def usage_command(as_json: bool, days: int | None, db: Path | None) -> None:
    """Show LLM calls, tokens and USD spent, per day and provider."""
    from swarmfi.compute.usage import UsageStore, default_usage_path

    store = UsageStore(db or default_usage_path())
    try:
        rows = store.summary(days)
    finally:
        store.close()
    data = {
        "db": str(store.path),
        "rows": rows,
        "total_cost_usd": sum(r["cost_usd"] or 0.0 for r in rows),
        "total_calls": sum(r["calls"] for r in rows),
    }
    emit(data, as_json, _render_usage)


def _render_usage(data: dict[str, Any]) -> None:
    from rich.table import Table

    if not data["rows"]:
        console.print(f"no LLM calls recorded in {data['db']}")
        return
    table = Table(
        "day",
        "provider",
        "model",
        "privacy",
        "calls",
        "failed",
        "tokens in",
        "tokens out",
        "USD",
        "avg s",
        title=f"LLM usage ({data['db']})",
    )
    for r in data["rows"]:
        lat = "-" if r["avg_latency_s"] is None else f"{r['avg_latency_s']:.2f}"
        table.add_row(
            r["day"],
            r["provider"],
            r["model"],
            r["privacy"],
            str(r["calls"]),
            str(r["failed"]),
            str(r["input_tokens"]),
            str(r["output_tokens"]),
            f"{r['cost_usd']:.6f}",
            lat,
        )
    console.print(table)
    console.print(f"total: {data['total_calls']} calls, ${data['total_cost_usd']:.6f}")


@click.group("llm")
def llm_group() -> None:
    """LLM compute providers: list them, or ask one through the router.

    \b
    Providers: presets (local llama.cpp, Ollama, vLLM; DeepSeek, OpenAI; Akash,
    io.net, Chutes; Phala TEE) merged with ~/.swarmfi/providers.toml. The same
    configuration serves `swarmfi parse --parser llm|hybrid` and `swarmfi eval
    intents --parser llm|hybrid`. Environment:
      SWARMFI_LLM_BASE_URL   one OpenAI-compatible endpoint, used alone
                             (with SWARMFI_LLM_MODEL, SWARMFI_LLM_API_KEY_ENV,
                             SWARMFI_LLM_PRIVACY=local|tee|cloud)
      SWARMFI_PROVIDERS      a providers TOML merged over the presets
      SWARMFI_LLM_PROVIDERS  comma-separated provider names to use
      SWARMFI_LLM_OBJECTIVE  cheapest | fastest | weighted
      SWARMFI_BUDGET_RUN_USD, SWARMFI_BUDGET_DAY_USD   spending limits
    API keys are read only from the variable each provider names (api_key_env).
    Prompts holding an address or your balances go only to local or TEE providers.
    """


@llm_group.command("providers")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@PROVIDERS_OPTION
def providers_command(as_json: bool, providers_path: Path | None) -> None:
    """List the configured LLM providers: privacy, prices, capabilities, key present."""
    from swarmfi.compute.providers import registry_from_env

    registry = registry_from_env(os.environ, providers_path)
    active = {p.name for p in registry.active()}
    rows = [
        {
            "name": p.name,
            "base_url": p.base_url,
            "privacy": p.privacy,
            "model": p.model,
            "models": list(p.models),
            "price_in": p.price_in,
            "price_out": p.price_out,
            "capabilities": sorted(p.capabilities),
            "api_key_env": p.api_key_env,
            "key_set": p.has_key(),
            "active": p.name in active,
        }
        for p in registry.providers
    ]
    emit({"sources": list(registry.sources), "providers": rows}, as_json, _render_providers)


def _render_providers(data: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(
        "name",
        "privacy",
        "model",
        "$/M in",
        "$/M out",
        "capabilities",
        "key",
        "active",
        "base_url",
        title="LLM providers (USD per million tokens)",
    )
    for r in data["providers"]:
        key = "-" if not r["api_key_env"] else ("set" if r["key_set"] else f"${r['api_key_env']}?")
        table.add_row(
            r["name"],
            r["privacy"],
            r["model"],
            f"{r['price_in']:g}",
            f"{r['price_out']:g}",
            ",".join(r["capabilities"]),
            key,
            "yes" if r["active"] else "no",
            r["base_url"],
        )
    console.print(table)
    console.print(f"from: {', '.join(data['sources'])}")


@llm_group.command("ask")
@click.argument("text")
@click.option("--sensitive", is_flag=True, help="Keep it on local or TEE providers.")
@click.option(
    "--objective",
    type=click.Choice(["cheapest", "fastest", "weighted"]),
    help="How to choose among providers (default: the [router] setting).",
)
@click.option("--provider", "only", help="Use only this provider (by name).")
@click.option("--json", "as_json", is_flag=True, help="Print the completion as one JSON object.")
@PROVIDERS_OPTION
def ask_command(
    text: str,
    sensitive: bool,
    objective: str | None,
    only: str | None,
    as_json: bool,
    providers_path: Path | None,
) -> None:
    """Send TEXT to a model through the router and print the answer."""
    from dataclasses import asdict

    from swarmfi.compute.config import router_from_env

    environ = dict(os.environ)
    if only:
        environ["SWARMFI_LLM_PROVIDERS"] = only
    if objective:
        environ["SWARMFI_LLM_OBJECTIVE"] = objective
    router = router_from_env(environ, providers_path=providers_path)
    messages = [{"role": "user", "content": text}]
    completion = router.complete_sync(messages, sensitive=sensitive or None)
    emit(asdict(completion), as_json, lambda c: console.print(c["text"], highlight=False))


def register(group: click.Group) -> None:
    group.add_command(usage_command)
    group.add_command(llm_group)
