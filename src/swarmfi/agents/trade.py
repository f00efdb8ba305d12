"""Trading agents: swap (exact in / exact out, multi-hop), add and remove liquidity."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eth_utils import to_checksum_address

from swarmfi.agents.context import (
    Approval,
    Prepared,
    StepContext,
    approval_txs,
    deadline,
    erc20_view,
    fixed,
    fmt_units,
    price_or_none,
    require_balance,
    require_positive,
    resolve_amount,
    spendable,
    to_units,
    usd_value,
)
from swarmfi.chain import calls
from swarmfi.chain.base import NATIVE, Token, TxRequest
from swarmfi.errors import PlanError

HUBS = ("WETH", "USDC")


def _address(ctx: StepContext, token: Token) -> str:
    """The token's address on the AMM: native ether trades as WETH."""
    return ctx.registry.contract("weth") if token.is_native else token.address


async def _amounts(ctx: StepContext, fn: str, amount: int, path: list[str]) -> list[int] | None:
    """Router getAmountsOut / getAmountsIn along `path`, or None when a pool is missing."""
    router = ctx.registry.contract("router")
    data = calls.encode(f"{fn}(uint256,address[])", amount, path)
    try:
        raw = await ctx.chain.call(TxRequest(ctx.sender, router, data))
    except Exception:  # no pair, or no liquidity on this route
        return None
    (amounts,) = calls.decode(["uint256[]"], raw)
    return list(amounts) if all(a > 0 for a in amounts) else None


def _routes(ctx: StepContext, a: str, b: str) -> list[list[str]]:
    hubs = [ctx.registry.token(h).address for h in HUBS if h in ctx.registry.tokens]
    return [[a, b]] + [[a, hub, b] for hub in hubs if hub not in (a, b)]


async def best_route(ctx: StepContext, token_in: Token, token_out: Token, amount: int,
                     exact_in: bool) -> tuple[list[str], list[int]]:
    """The route giving the most out (exact in) or taking the least in (exact out)."""
    a, b = _address(ctx, token_in), _address(ctx, token_out)
    fn = "getAmountsOut" if exact_in else "getAmountsIn"
    quotes = []
    for path in _routes(ctx, a, b):
        amounts = await _amounts(ctx, fn, amount, path)
        if amounts is not None:
            quotes.append((path, amounts))
    if not quotes:
        raise PlanError(f"no pool trades {token_in.symbol} for {token_out.symbol}",
                        "pick a pair listed by `swarmfi run \"show the liquidity pools\"`")
    if exact_in:
        return max(quotes, key=lambda q: q[1][-1])
    return min(quotes, key=lambda q: q[1][0])


def _via(ctx: StepContext, path: list[str]) -> str:
    if len(path) <= 2:
        return ""
    hub = ctx.registry.by_address(path[1])
    return f" via {hub.symbol if hub else path[1]}"


def slippage_of(ctx: StepContext, requested: Decimal | None) -> Decimal:
    return requested if requested is not None else ctx.default_slippage


async def price_impact(ctx: StepContext, spend: dict[str, int],
                       get: dict[str, int]) -> Decimal | None:
    """1 − value out / value in at oracle prices (fee included); None without prices."""
    if any([await price_or_none(ctx, s) is None for s in [*spend, *get]]):
        return None
    value_in, value_out = await usd_value(ctx, spend), await usd_value(ctx, get)
    if value_in <= 0:
        return None
    return (1 - value_out / value_in).quantize(Decimal("0.000001"))


async def prepare_swap(step: Any, ctx: StepContext) -> Prepared:
    t_in, t_out = ctx.token(step.token_in), ctx.token(step.token_out)
    if {t_in.symbol, t_out.symbol} == {NATIVE, "WETH"}:
        raise PlanError(f"{t_in.symbol} and {t_out.symbol} are the same asset",
                        "say \"wrap\" or \"unwrap\" instead of swapping them")
    slip = slippage_of(ctx, step.slippage)
    if step.side == "in":
        return await _swap_exact_in(step, ctx, t_in, t_out, slip)
    return await _swap_exact_out(step, ctx, t_in, t_out, slip)


async def _swap_exact_in(step: Any, ctx: StepContext, t_in: Token, t_out: Token,
                         slip: Decimal) -> Prepared:
    have = await spendable(ctx, t_in.symbol)
    amount_in = require_positive(
        await resolve_amount(ctx, step.amount, t_in, lambda: spendable(ctx, t_in.symbol)),
        "the amount to swap", t_in)
    require_balance(have, amount_in, t_in)
    path, quote = await best_route(ctx, t_in, t_out, amount_in, exact_in=True)
    min_out = int(Decimal(quote[-1]) * (1 - slip))
    call = calls.swap_exact_in(ctx.registry.contract("router"), path, amount_in, min_out,
                               ctx.sender, await deadline(ctx), eth_in=t_in.is_native,
                               eth_out=t_out.is_native)
    return await _swap_prepared(ctx, t_in, t_out, (amount_in, quote[-1], min_out), call, slip,
                                path)


async def _swap_exact_out(step: Any, ctx: StepContext, t_in: Token, t_out: Token,
                          slip: Decimal) -> Prepared:
    amount_out = require_positive(
        await resolve_amount(ctx, step.amount, t_out, lambda: spendable(ctx, t_out.symbol)),
        "the amount to buy", t_out)
    path, quote = await best_route(ctx, t_in, t_out, amount_out, exact_in=False)
    max_in = int(Decimal(quote[0]) * (1 + slip)) + 1
    require_balance(await spendable(ctx, t_in.symbol), max_in, t_in)
    call = calls.swap_exact_out(ctx.registry.contract("router"), path, amount_out, max_in,
                                ctx.sender, await deadline(ctx), eth_in=t_in.is_native,
                                eth_out=t_out.is_native)
    return await _swap_prepared(ctx, t_in, t_out, (max_in, amount_out, amount_out), call, slip,
                                path, quoted_in=quote[0])


async def _swap_prepared(ctx: StepContext, t_in: Token, t_out: Token,
                         amounts: tuple[int, int, int], call: calls.Call, slip: Decimal,
                         path: list[str], quoted_in: int | None = None) -> Prepared:
    spend, expected_out, min_out = amounts
    router = ctx.registry.contract("router")
    approve, approvals = await approval_txs(ctx, t_in, router, spend)
    expected_in = quoted_in if quoted_in is not None else spend
    impact = await price_impact(ctx, {t_in.symbol: expected_in}, {t_out.symbol: expected_out})
    summary = (f"swap {fmt_units(expected_in, t_in)} for ≈{fmt_units(expected_out, t_out)} "
               f"(at least {fmt_units(min_out, t_out)}){_via(ctx, path)}")
    return Prepared(
        index=ctx.index, action="swap", summary=summary, txs=(*approve, call.tx(ctx.sender)),
        spends={t_in.symbol: spend}, receives={t_out.symbol: min_out},
        expected={t_out.symbol: expected_out}, approvals=approvals, product=t_out.symbol,
        usd_value=await usd_value(ctx, {t_in.symbol: expected_in}), slippage=slip,
        price_impact=impact, data={"path": path, "quote_in": expected_in})


def _pool_tokens(ctx: StepContext, step: Any) -> tuple[Token, Token]:
    return ctx.token(step.token_a), ctx.token(step.token_b)


async def _pair(ctx: StepContext, a: Token, b: Token) -> tuple[str, int, int]:
    """The pair's address and its reserves in (a, b) order."""
    factory = ctx.registry.contract("factory")
    data = calls.encode("getPair(address,address)", _address(ctx, a), _address(ctx, b))
    (pair,) = calls.decode(["address"], await ctx.chain.call(TxRequest(ctx.sender, factory, data)))
    reserves = await ctx.chain.reserves(_amm_symbol(a), _amm_symbol(b))
    if int(pair, 16) == 0 or reserves is None or 0 in reserves:
        raise PlanError(f"there is no {a.symbol}/{b.symbol} pool with liquidity",
                        "pick a pair listed by `swarmfi run \"show the liquidity pools\"`")
    return to_checksum_address(pair), reserves[0], reserves[1]


def _amm_symbol(token: Token) -> str:
    return "WETH" if token.is_native else token.symbol


async def prepare_add_liquidity(step: Any, ctx: StepContext) -> Prepared:
    a, b = _pool_tokens(ctx, step)
    _, reserve_a, reserve_b = await _pair(ctx, a, b)
    amount_a = require_positive(
        await resolve_amount(ctx, step.amount, a, lambda: spendable(ctx, a.symbol)),
        "the amount to add", a)
    amount_b = amount_a * reserve_b // reserve_a + 1
    require_balance(await spendable(ctx, a.symbol), amount_a, a)
    require_balance(await spendable(ctx, b.symbol), amount_b, b)
    slip = ctx.default_slippage
    mins = (int(amount_a * (1 - slip)), int(amount_b * (1 - slip)))
    call = await _add_call(ctx, (a, b), (amount_a, amount_b), mins)
    router = ctx.registry.contract("router")
    txs: list[TxRequest] = []
    approvals: list[Approval] = []
    for token, amount in ((a, amount_a), (b, amount_b)):
        approve, granted = await approval_txs(ctx, token, router, amount)
        txs += approve
        approvals += granted
    spends = {a.symbol: amount_a, b.symbol: amount_b}
    return Prepared(
        index=ctx.index, action="add_liquidity",
        summary=f"add {fmt_units(amount_a, a)} and {fmt_units(amount_b, b)} to the "
                f"{a.symbol}/{b.symbol} pool",
        txs=(*txs, call.tx(ctx.sender)), spends=spends, approvals=tuple(approvals),
        usd_value=await usd_value(ctx, spends), slippage=slip)


async def _add_call(ctx: StepContext, tokens: tuple[Token, Token], amounts: tuple[int, int],
                    mins: tuple[int, int]) -> calls.Call:
    router, when = ctx.registry.contract("router"), await deadline(ctx)
    (a, b), (amount_a, amount_b), (min_a, min_b) = tokens, amounts, mins
    if a.is_native or b.is_native:
        token = b if a.is_native else a
        amt_t, amt_e = (amount_b, amount_a) if a.is_native else (amount_a, amount_b)
        min_t, min_e = (min_b, min_a) if a.is_native else (min_a, min_b)
        return calls.add_liquidity_eth(router, token.address, amt_t, amt_e, min_t, min_e,
                                       ctx.sender, when)
    return calls.add_liquidity(router, a.address, b.address, amount_a, amount_b, min_a, min_b,
                               ctx.sender, when)


async def prepare_remove_liquidity(step: Any, ctx: StepContext) -> Prepared:
    a, b = _pool_tokens(ctx, step)
    pair, reserve_a, reserve_b = await _pair(ctx, a, b)
    lp = Token(f"{a.symbol}/{b.symbol} LP", pair, 18)
    held = await _lp_balance(ctx, pair)
    if held == 0:
        raise PlanError(f"you have no liquidity in the {a.symbol}/{b.symbol} pool",
                        "check your positions with `swarmfi balances`")
    liquidity = require_positive(
        await resolve_amount(ctx, step.amount, lp, fixed(held)), "the liquidity to remove", lp)
    require_balance(held, liquidity, lp)
    supply = await erc20_view(ctx, pair, "totalSupply()")
    out_a, out_b = liquidity * reserve_a // supply, liquidity * reserve_b // supply
    slip = ctx.default_slippage
    mins = (int(out_a * (1 - slip)), int(out_b * (1 - slip)))
    call = _remove_call(ctx, (a, b), liquidity, mins, await deadline(ctx))
    approve, approvals = await approval_txs(ctx, lp, ctx.registry.contract("router"), liquidity)
    return Prepared(
        index=ctx.index, action="remove_liquidity",
        summary=f"remove {to_units(liquidity * 100, lp) / to_units(held, lp):.4g}% of your "
                f"{a.symbol}/{b.symbol} liquidity for ≈{fmt_units(out_a, a)} and "
                f"≈{fmt_units(out_b, b)}",
        txs=(*approve, call.tx(ctx.sender)), spends={}, approvals=approvals,
        receives={a.symbol: mins[0], b.symbol: mins[1]},
        expected={a.symbol: out_a, b.symbol: out_b}, slippage=slip,
        data={"pool": {"address": pair, "tokens": (a.symbol, b.symbol)}})


def _remove_call(ctx: StepContext, tokens: tuple[Token, Token], liquidity: int,
                 mins: tuple[int, int], when: int) -> calls.Call:
    router = ctx.registry.contract("router")
    (a, b), (min_a, min_b) = tokens, mins
    if a.is_native or b.is_native:
        token, min_t, min_e = (b, min_b, min_a) if a.is_native else (a, min_a, min_b)
        return calls.remove_liquidity_eth(router, token.address, liquidity, min_t, min_e,
                                          ctx.sender, when)
    return calls.remove_liquidity(router, a.address, b.address, liquidity, min_a, min_b,
                                  ctx.sender, when)


async def _lp_balance(ctx: StepContext, pair: str) -> int:
    return await erc20_view(ctx, pair, "balanceOf(address)", ctx.sender)
