"""The demo tour: a non-interactive tour on a fresh embedded devnet (no network, no keys).

Runs instructions in English and Chinese, multi-step ones among them, through the whole
pipeline (parse → guard → approve within policy → swarm execution → ledger), plus one
that the policy blocks and one refused as ambiguous; stores two standing orders (a daily
one and a conditional one), watches them while the devnet clock moves a day per block
(the daily one fires through the same guard, the conditional one waits), then verifies
the ledger.
"""

from __future__ import annotations

import asyncio
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from swarmfi.errors import PolicyError, RefusalError, SwarmfiError
from swarmfi.output import console

TOUR = (
    ("A swap, then a step that uses what the swap produced",
     "swap 1 ETH for USDC, then supply half of it"),
    ("Chinese, two steps: swap, then deposit everything the swap produced",
     "把2个ETH换成USDC，然后把换到的USDC全部存入借贷池"),
    ("Collateral, then a loan", "supply 3 ETH then borrow 2000 USDC"),
    ("A read-only question", "show my lending position"),
    ("Governance, in Chinese", "对3号提案投赞成票"),
    ("A transfer to a name from the address book", "send 100 USDC to alice"),
    ("Blocked by policy: $30,000 is above the $10,000 per-transaction cap",
     "swap 10 ETH for USDC"),
    ("Refused as ambiguous: how much?", "swap ETH for USDC"),
)
STANDING = (
    ("Standing order, in Chinese: 100 USDC into ETH every day for 3 days",
     "每天定投100 USDC买ETH，持续3天"),
    ("Standing order on a condition (ETH is near $3,000: it waits)",
     "if ETH drops below 2500, buy 1 ETH with USDC"),
)
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
DEMO_DAY_CAP_USD = Decimal(100_000)
DAY = 86_400
WATCH_BLOCKS = 3


async def _tour(state: Path) -> int:
    from swarmfi.guard.policy import Policy
    from swarmfi.runner.cli import make_runner
    from swarmfi.runner.service import Runner
    from swarmfi.runner.session import open_session
    from swarmfi.runner.standing import order_adder

    policy = Policy(address_book={"alice": ALICE}, max_day_usd=DEMO_DAY_CAP_USD)
    chain, signer, ledger, _ = await open_session(state, policy=policy)
    console.print(f"[dim]demo policy: the defaults, with alice in the address book and a daily "
                  f"cap of ${DEMO_DAY_CAP_USD:,} so the whole tour fits in one day[/]")
    runner: Runner = make_runner(chain, signer, ledger, policy, as_json=False)
    add_order = order_adder(state, chain, signer.address)
    try:
        for title, text in (*TOUR, *STANDING):
            console.rule(f"[bold]{title}")
            console.print(f"[bold cyan]> {text}[/]")
            await _one(runner, text, add_order)
        await _watch(chain, state, policy)
        return _verify(ledger)
    finally:
        await chain.close()
        ledger.close()


async def _watch(chain: Any, state: Path, policy: Any) -> None:
    """`swarmfi watch --advance 86400 --blocks 3`: each firing runs through the guard."""
    from swarmfi.orders.cli import event_text
    from swarmfi.orders.model import describe
    from swarmfi.orders.store import OrderStore
    from swarmfi.orders.watcher import WatchEvent, watch
    from swarmfi.runner import fire_order

    console.rule(f"[bold]`swarmfi watch`: {WATCH_BLOCKS} blocks, the devnet clock a day apart")

    async def fire(order: Any, now: int) -> Any:
        return await fire_order(order, now, chain=chain, state=state, policy=policy, quiet=True)

    def show(event: WatchEvent) -> None:
        if event.event in ("block", "checked", "result"):
            console.print(event_text(event), highlight=False)

    with OrderStore.open(state) as store:
        await watch(chain, store, fire, advance=DAY, blocks=WATCH_BLOCKS, on_event=show)
        for order in store.list(None):
            console.print(f"standing order #{order.id} ({describe(order)}): {order.status}, "
                          f"fired {order.fired}", highlight=False)


def _verify(ledger: Any) -> int:
    report = ledger.verify()
    console.rule("[bold]Ledger")
    console.print(f"{report.checked} records, hash chain "
                  f"{'[green]verified[/]' if report.ok else '[red]BROKEN[/]'}")
    return 0 if report.ok else 1


async def _one(runner: Any, text: str, add_order: Any) -> None:
    from swarmfi.runner.render import print_answer

    async def approve(preview: Any) -> bool:
        console.print("[dim]approved (demo: within policy)[/]")
        return True

    try:
        result = await runner.run_text(text, approve, add_order=add_order)
    except (PolicyError, RefusalError) as exc:
        console.print(f"[yellow]{type(exc).__name__}[/]: {exc.one_line()}", highlight=False)
        return
    except SwarmfiError as exc:
        console.print(f"[red]{exc.blame} error[/]: {exc.one_line()}", highlight=False)
        return
    for answer in result.answers:
        print_answer(console, answer)
    if result.order_id is not None:
        console.print(f"stored as standing order #{result.order_id} (run {result.run_id})")
        return
    console.print(f"[green]{result.status}[/] (run {result.run_id})")


def run_tour() -> int:
    """The tour on a fresh devnet in a temporary directory; returns the exit status."""
    with tempfile.TemporaryDirectory(prefix="swarmfi-demo-") as tmp:
        return asyncio.run(_tour(Path(tmp)))
