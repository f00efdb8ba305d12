"""Human rendering of previews, progress and results (Rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from swarmfi.chain.base import Registry
from swarmfi.guard.preview import Preview
from swarmfi.swarm import Event


def preview_table(preview: Preview, registry: Registry) -> Table:
    data = preview.to_dict(registry)
    table = Table(title="Preview (simulated on a snapshot; nothing signed yet)", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("step")
    table.add_column("impact", justify="right")
    table.add_column("gas", justify="right")
    for step in data["steps"]:
        impact = step["price_impact"]
        table.add_row(str(step["index"] + 1), step["summary"],
                      "" if impact is None else f"{float(impact) * 100:.2f}%",
                      str(step["gas_used"]))
    return table


def print_preview(console: Console, preview: Preview, registry: Registry) -> None:
    data = preview.to_dict(registry)
    if not any(step["transactions"] for step in data["steps"]):
        return  # a read-only question: the answer is printed instead
    console.print(preview_table(preview, registry))
    changes = ", ".join(f"{v} {k}" if v.startswith("-") else f"+{v} {k}"
                        for k, v in data["balance_changes"].items())
    console.print(f"  balance changes: {changes or 'none'}")
    for a in data["approvals"]:
        console.print(f"  approval: {a['amount']} {a['token']} to {a['spender']} (exact)")
    before, after = data["position_before"], data["position_after"]
    if before != after:
        console.print(f"  lending: collateral ${before['collateral_usd']} → "
                      f"${after['collateral_usd']}, debt ${before['debt_usd']} → "
                      f"${after['debt_usd']}, health factor {before['health_factor'] or '∞'} → "
                      f"{after['health_factor'] or '∞'}")
    for v in data["violations"]:
        console.print(f"  [bold red]blocked[/] by {v['rule']}: {v['message']}. {v['hint']}")


def progress_printer(console: Console) -> Any:
    def on_event(event: Event) -> None:
        marks = {"started": "…", "done": "[green]✓[/]", "failed": "[red]✗[/]",
                 "cancelled": "[yellow]-[/]", "retrying": "[yellow]↻[/]"}
        mark = marks.get(event.kind)
        if mark is None or (event.kind == "started" and event.task_kind in ("quote", "risk")):
            return
        extra = f" ({event.error.message})" if event.error else ""
        console.print(f"  {mark} {event.label or event.task_id}{extra}", highlight=False)

    return on_event


def print_answer(console: Console, answer: Any) -> None:
    query, body = answer.get("query", ""), answer.get("answer", answer)
    console.print(f"[bold]{query}[/]" if query else "")
    if isinstance(body, dict):
        for key, value in body.items():
            console.print(f"  {key}: {value}", highlight=False)
