"""Wallet agents: transfer, wrap, unwrap."""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address

from swarmfi.agents.context import (
    Prepared,
    StepContext,
    fmt_units,
    require_balance,
    require_positive,
    resolve_amount,
    spendable,
    usd_value,
)
from swarmfi.chain import calls
from swarmfi.errors import PlanError


def resolve_recipient(ctx: StepContext, to: str) -> tuple[str, str]:
    """(address, how the user gave it): typed as 0x…, or named in the address book."""
    if to.lower().startswith("0x"):
        return to_checksum_address(to), "typed"
    book = {name.lower(): address for name, address in ctx.address_book.items()}
    address = book.get(to.lower())
    if address is None:
        raise PlanError(f"{to!r} is not in your address book",
                        f"add `{to} = \"0x…\"` under [address_book] in your policy file "
                        "(swarmfi policy show), or give the 0x address")
    return to_checksum_address(address), "address_book"


async def prepare_transfer(step: Any, ctx: StepContext) -> Prepared:
    token = ctx.token(step.token)
    recipient, source = resolve_recipient(ctx, step.to)
    have = await spendable(ctx, token.symbol)
    amount = require_positive(
        await resolve_amount(ctx, step.amount, token, lambda: spendable(ctx, token.symbol)),
        "the amount to send", token)
    require_balance(have, amount, token)
    call = (calls.send_eth(recipient, amount) if token.is_native
            else calls.transfer(token.address, recipient, amount))
    return Prepared(
        index=ctx.index, action="transfer",
        summary=f"send {fmt_units(amount, token)} to {step.to}"
                + (f" ({recipient})" if source == "address_book" else ""),
        txs=(call.tx(ctx.sender),), spends={token.symbol: amount},
        usd_value=await usd_value(ctx, {token.symbol: amount}), recipient=recipient,
        recipient_source=source)


async def prepare_wrap(step: Any, ctx: StepContext) -> Prepared:
    return await _wrapping(step, ctx, "ETH", "WETH", calls.wrap)


async def prepare_unwrap(step: Any, ctx: StepContext) -> Prepared:
    return await _wrapping(step, ctx, "WETH", "ETH", calls.unwrap)


async def _wrapping(step: Any, ctx: StepContext, src: str, dst: str, build: Any) -> Prepared:
    token = ctx.token(src)
    have = await spendable(ctx, src)
    amount = require_positive(
        await resolve_amount(ctx, step.amount, token, lambda: spendable(ctx, src)),
        f"the amount to {step.action}", token)
    require_balance(have, amount, token)
    call = build(ctx.registry.contract("weth"), amount)
    return Prepared(
        index=ctx.index, action=step.action,
        summary=f"{step.action} {fmt_units(amount, token)} into {dst}",
        txs=(call.tx(ctx.sender),), spends={src: amount}, receives={dst: amount},
        expected={dst: amount}, product=dst)
