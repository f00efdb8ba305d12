"""Lending agents: supply, withdraw, borrow, repay. Native ETH moves as WETH
(wrapped before supply or repay, unwrapped after withdraw or borrow)."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from swarmfi.agents.context import (
    MAX_UINT256,
    Prepared,
    StepContext,
    approval_txs,
    fixed,
    fmt_units,
    is_everything,
    require_balance,
    require_positive,
    resolve_amount,
    spendable,
    to_raw,
    usd_value,
)
from swarmfi.chain import calls
from swarmfi.chain.base import Token, TxRequest
from swarmfi.errors import PlanError

REPAY_MARGIN = Decimal("1.001")  # approve a little over the debt: interest accrues per second


def _asset(ctx: StepContext, token: Token) -> Token:
    """The ERC20 the pool holds for `token` (WETH for native ether)."""
    return ctx.token("WETH") if token.is_native else token


def _wrap(ctx: StepContext, amount: int) -> TxRequest:
    return calls.wrap(ctx.registry.contract("weth"), amount).tx(ctx.sender)


def _unwrap(ctx: StepContext, amount: int) -> TxRequest:
    return calls.unwrap(ctx.registry.contract("weth"), amount).tx(ctx.sender)


async def _in_pool(ctx: StepContext, asset: Token, side: str, what: str) -> int:
    """What the position holds of `asset` on `side` ("supplied" or "borrowed"); none is
    refused before anything runs."""
    held = int(getattr(await ctx.chain.position(ctx.sender), side).get(asset.symbol, 0))
    if held == 0:
        raise PlanError(f"you have no {asset.symbol} {what}",
                        "check your position: swarmfi run \"show my lending position\"")
    return held


async def _share_of(ctx: StepContext, step: Any, token: Token, held: int, verb: str) -> int:
    """The step's amount, its fractions taken of `held` (the position, not the wallet)."""
    return require_positive(await resolve_amount(ctx, step.amount, token, fixed(held)),
                            f"the amount to {verb}", token)


async def prepare_supply(step: Any, ctx: StepContext) -> Prepared:
    token = ctx.token(step.token)
    asset, pool = _asset(ctx, token), ctx.registry.contract("lending")
    amount = require_positive(
        await resolve_amount(ctx, step.amount, token, lambda: spendable(ctx, token.symbol)),
        "the amount to supply", token)
    require_balance(await spendable(ctx, token.symbol), amount, token)
    wrap = (_wrap(ctx, amount),) if token.is_native else ()
    approve, approvals = await approval_txs(ctx, asset, pool, amount)
    supply = calls.supply(pool, asset.address, amount).tx(ctx.sender)
    return Prepared(
        index=ctx.index, action="supply", summary=f"supply {fmt_units(amount, token)} to lending",
        txs=(*approve, *wrap, supply), spends={token.symbol: amount}, approvals=approvals,
        usd_value=await usd_value(ctx, {token.symbol: amount}))


async def prepare_withdraw(step: Any, ctx: StepContext) -> Prepared:
    token = ctx.token(step.token)
    asset, pool = _asset(ctx, token), ctx.registry.contract("lending")
    supplied = await _in_pool(ctx, asset, "supplied", "supplied to lending")
    amount = await _share_of(ctx, step, token, supplied, "withdraw")
    require_balance(supplied, amount, asset)
    arg = MAX_UINT256 if is_everything(step.amount) else amount
    txs = [calls.withdraw(pool, asset.address, arg).tx(ctx.sender)]
    if token.is_native:
        txs.append(_unwrap(ctx, amount))
    return Prepared(
        index=ctx.index, action="withdraw",
        summary=f"withdraw {fmt_units(amount, token)} from lending", txs=tuple(txs),
        receives={token.symbol: amount}, expected={token.symbol: amount}, product=token.symbol)


async def prepare_borrow(step: Any, ctx: StepContext) -> Prepared:
    token = ctx.token(step.token)
    asset, pool = _asset(ctx, token), ctx.registry.contract("lending")
    amount = require_positive(
        await resolve_amount(ctx, step.amount, token, lambda: _capacity(ctx, token)),
        "the amount to borrow", token)
    txs = [calls.borrow(pool, asset.address, amount).tx(ctx.sender)]
    if token.is_native:
        txs.append(_unwrap(ctx, amount))
    return Prepared(
        index=ctx.index, action="borrow", summary=f"borrow {fmt_units(amount, token)}",
        txs=tuple(txs), receives={token.symbol: amount}, expected={token.symbol: amount},
        product=token.symbol, usd_value=await usd_value(ctx, {token.symbol: amount}))


async def _capacity(ctx: StepContext, token: Token) -> int:
    """How much of `token` the position can still borrow, shaved for rounding."""
    position = await ctx.chain.position(ctx.sender)
    price = await ctx.chain.price_usd(token.symbol)
    units = position.available_borrow_usd * Decimal("0.999") / price
    return to_raw(units.quantize(Decimal(1).scaleb(-token.decimals), rounding=ROUND_DOWN), token)


async def prepare_repay(step: Any, ctx: StepContext) -> Prepared:
    token = ctx.token(step.token)
    asset, pool = _asset(ctx, token), ctx.registry.contract("lending")
    debt = await _in_pool(ctx, asset, "borrowed", "debt to repay")
    amount = await _share_of(ctx, step, token, debt, "repay")
    everything = is_everything(step.amount) or amount >= debt
    pay = int(Decimal(debt) * REPAY_MARGIN) + 1 if everything else amount
    require_balance(await spendable(ctx, token.symbol), pay, token)
    wrap = (_wrap(ctx, pay),) if token.is_native else ()
    approve, approvals = await approval_txs(ctx, asset, pool, pay)
    repay = calls.repay(pool, asset.address, MAX_UINT256 if everything else amount)
    what = "the whole" if everything else fmt_units(amount, token) + " of the"
    return Prepared(
        index=ctx.index, action="repay", summary=f"repay {what} {token.symbol} debt",
        txs=(*approve, *wrap, repay.tx(ctx.sender)), spends={token.symbol: pay},
        approvals=approvals, usd_value=await usd_value(ctx, {token.symbol: min(pay, debt)}))
