"""`swarmfi orders [cancel ID]` and `swarmfi watch`: list, cancel and run standing orders.

`swarmfi run` stores an instruction with a condition or a schedule as a standing
order instead of running it; `swarmfi watch` checks the orders at each new block
and fires each one through the runner (plan, guard, execute) when its time comes.
With `--rpc URL --keystore PATH` it watches that network and signs with that key.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from swarmfi import paths
from swarmfi.errors import SwarmfiError
from swarmfi.output import console, emit
from swarmfi.runner.options import endpoint_options

if TYPE_CHECKING:
    from swarmfi.orders.model import Order
    from swarmfi.orders.watcher import FireCallback, WatchEvent
    from swarmfi.runner.session import Endpoint

_STYLE = {"ok": "green", "blocked": "yellow", "failed": "red", "interrupted": "red"}


def _json_option(func: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(func)


def _state_option(func: Any) -> Any:
    return click.option(
        "--state",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Devnet state directory; the order store lives alongside "
        "[default: $SWARMFI_HOME, ~/.swarmfi].",
    )(func)


def _when(timestamp: int | None) -> str:
    if timestamp is None:
        return "-"
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


# ---- swarmfi orders ----------------------------------------------------------


@click.group("orders", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Also list done, cancelled and failed ones.")
@_json_option
@_state_option
@click.pass_context
def orders_group(ctx: click.Context, show_all: bool, as_json: bool, state: Path | None) -> None:
    """List standing orders (conditional and scheduled instructions waiting to fire)."""
    if ctx.invoked_subcommand is not None:
        return
    path = paths.orders_path(state)
    orders: list[Order] = []
    if path.exists():
        from swarmfi.orders.store import OrderStore

        with OrderStore(path, create=False) as store:
            orders = store.list(None if show_all else "active")
    data = {"store": str(path), "orders": [o.to_json() for o in orders]}
    emit(data, as_json, lambda _: _render_orders(orders, show_all))


def _render_orders(orders: list[Order], show_all: bool) -> None:
    if not orders:
        which = "" if show_all else " active"
        console.print(
            f"no{which} standing orders; `swarmfi run` stores conditional and "
            "scheduled instructions"
        )
        return
    from swarmfi.orders.model import describe

    table = Table(title="standing orders", title_justify="left")
    for name in ("id", "status", "instruction", "when", "next due (UTC)", "fired", "last"):
        table.add_column(name, overflow="fold")
    for o in orders:
        fired = f"{o.fired}/{o.times}" if o.times is not None else str(o.fired)
        last = o.last_result.status if o.last_result else "-"
        style = _STYLE.get(last, "")
        table.add_row(
            str(o.id),
            o.status,
            o.text,
            describe(o),
            _when(o.next_due if o.status == "active" else None),
            fired,
            f"[{style}]{last}[/]" if style else last,
        )
    console.print(table)


@orders_group.command("cancel")
@click.argument("order_id", type=int, metavar="ID")
@_json_option
@_state_option
def cancel(order_id: int, as_json: bool, state: Path | None) -> None:
    """Cancel active standing order ID (see `swarmfi orders` for ids)."""
    from swarmfi.orders.store import OrderStore

    with OrderStore(paths.orders_path(state), create=False) as store:
        order = store.cancel(order_id)
    message = f"cancelled order {order.id}: {order.text}"
    emit(order.to_json(), as_json, lambda _: console.print(message, highlight=False))


# ---- swarmfi watch -----------------------------------------------------------


@click.command("watch")
@click.option(
    "--advance",
    type=click.IntRange(min=1),
    default=None,
    metavar="SECONDS",
    help="Devnet only: move time by SECONDS and mine a block before each check after the first.",
)
@click.option(
    "--blocks",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Stop after checking N blocks [default: run until Ctrl-C].",
)
@click.option("--once", is_flag=True, help="Check the current block once, then stop.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="How often to look for a new block.",
)
@_json_option
@_state_option
@endpoint_options(account=False)
def watch_command(
    advance: int | None,
    blocks: int | None,
    once: bool,
    poll: float,
    as_json: bool,
    state: Path | None,
    endpoint: Endpoint,
) -> None:
    """Fire standing orders when their conditions hold or their time comes, checking each
    new block; every firing goes through the same guard as `swarmfi run`."""
    fire_order = _runner()  # before anything is opened: fail early when it is missing
    from swarmfi.orders.store import OrderStore

    render = _json_line if as_json else _render_event
    with OrderStore(paths.orders_path(state)) as store:
        try:
            run = _watch(store, fire_order, (state, endpoint), advance, 1 if once else blocks,
                         poll, render)
            asyncio.run(run)
        except KeyboardInterrupt:
            message = "stopped (Ctrl-C); a firing under way is marked interrupted next time"
            emit({"event": "stop", "message": message}, as_json, lambda _: console.print(message))


async def _watch(
    store: Any,
    fire_order: Any,
    where: tuple[Path | None, Endpoint],
    advance: int | None,
    blocks: int | None,
    poll: float,
    render: Any,
) -> None:
    from swarmfi.orders.watcher import watch

    state, endpoint = where
    chain = await _open_chain(state, endpoint)
    try:
        fire = _bind(fire_order, chain, state, _watch_signer(chain, endpoint))
        await watch(chain, store, fire, advance=advance, blocks=blocks, poll=poll, on_event=render)
    finally:
        closing = getattr(chain, "close", None)
        if callable(closing):
            done = closing()
            if inspect.isawaitable(done):
                await done


async def _open_chain(state: Path | None, endpoint: Endpoint) -> Any:
    from swarmfi.runner.session import open_chain

    return await open_chain(state, endpoint)


def _watch_signer(chain: Any, endpoint: Endpoint) -> Any:
    """The keystore's key; None: orders are signed by the devnet test account owning them
    (refused on a chain other than the devnet's)."""
    from swarmfi.runner.session import open_signer

    signer = open_signer(chain, endpoint)
    return signer if endpoint.keystore is not None else None


def _runner() -> Any:
    """The runner's `fire_order(order, now, [chain=, state=]) -> FireResult`."""
    try:
        fire_order = getattr(importlib.import_module("swarmfi.runner"), "fire_order", None)
    except ImportError:
        fire_order = None
    if fire_order is None:
        raise _missing("the runner (swarmfi.runner.fire_order)")
    return fire_order


def _bind(fire_order: Any, chain: Any, state: Path | None, signer: Any = None) -> FireCallback:
    """`fire_order` as a `(order, now)` callback, given this watch's chain (and signer)
    when it takes them."""
    wanted = inspect.signature(fire_order).parameters
    given = (("chain", chain), ("state", state), ("signer", signer))
    extra = {k: v for k, v in given if k in wanted and (k != "signer" or v is not None)}

    async def fire(order: Order, now: int) -> Any:
        return await fire_order(order, now, **extra)

    return fire


def _missing(what: str) -> SwarmfiError:
    return SwarmfiError(
        f"`swarmfi watch` needs {what}, which this build of swarmfi does not have yet",
        "update swarmfi; meanwhile `swarmfi orders` lists the stored orders",
    )


# ---- progress ----------------------------------------------------------------


def _json_line(event: WatchEvent) -> None:
    emit(event.to_json(), True)


def _render_event(event: WatchEvent) -> None:
    text = event_text(event)
    if text:
        console.print(text, highlight=False)


def event_text(e: WatchEvent) -> str:
    """One line of rich markup for a watch event ("" for none)."""
    who = f"  order {e.order_id}"
    if e.event == "start":
        step = f"; +{e.data['advance']} s per block" if e.data.get("advance") else ""
        return f"[bold]watching standing orders[/]{step}; Ctrl-C to stop"
    if e.event == "block":
        return f"block {e.block} · {_when(e.now)} UTC · {e.data['due']} due"
    if e.event == "checked":
        seen = ", ".join(_observed(o) for o in e.observations) or "schedule due"
        return f"{who}: {seen} → {'[green]fire[/]' if e.data['holds'] else 'wait'}"
    if e.event == "firing":
        return f"{who}: firing “{e.message}”"
    if e.event == "result" and e.result is not None:
        run = f" (run {e.result.run_id})" if e.result.run_id else ""
        style = _STYLE[e.result.status]
        return (
            f"{who}: [{style}]{e.result.status}[/]{run} {e.result.message} "
            f"→ order {e.data['status']}"
        ).rstrip()
    if e.event in ("error", "recovered"):
        after = " → order failed" if e.data.get("status") == "failed" else ""
        return f"{who}: [red]{e.event}[/] {e.message}{after}"
    if e.event == "stop":
        d = e.data
        return f"checked {d['checks']} blocks; fired {d['fired']} ({d['ok']} ok)"
    return ""


def _observed(o: Any) -> str:
    seen = "∞" if o.observed is None else f"{o.observed:.6g}"
    mark = "[green]✓[/]" if o.holds else "✗"
    c = o.condition
    subject = f"{c.metric} {c.token}" if c.token else c.metric
    return f"{subject} {seen} {c.op} {c.value} {mark}"


def register(group: click.Group) -> None:
    group.add_command(orders_group)
    group.add_command(watch_command)
