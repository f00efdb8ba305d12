"""The query agent: read-only answers (prices, balances, rates, position, proposals, pools)."""

from __future__ import annotations

from typing import Any

from swarmfi.agents.context import Prepared, StepContext, to_units
from swarmfi.chain.base import NATIVE


def _symbols(ctx: StepContext, token: str | None) -> list[str]:
    return [ctx.token(token).symbol] if token else ctx.registry.symbols()


async def _price(ctx: StepContext, token: str | None) -> dict[str, Any]:
    symbols = [s for s in _symbols(ctx, token) if s != "WETH" or token]
    return {s: str(await ctx.chain.price_usd(s)) for s in symbols}


async def _balance(ctx: StepContext, token: str | None) -> dict[str, Any]:
    balances = await ctx.chain.balances(ctx.sender)
    symbols = _symbols(ctx, token)
    return {s: str(to_units(balances.get(s, 0), ctx.token(s))) for s in symbols}


async def _rates(ctx: StepContext, token: str | None) -> dict[str, Any]:
    out = {}
    for symbol in _symbols(ctx, token):
        if symbol == NATIVE:
            continue
        supply, borrow = await ctx.chain.rates(symbol)
        out[symbol] = {"supply_apy": str(supply), "borrow_apy": str(borrow)}
    return out


async def _position(ctx: StepContext, token: str | None) -> dict[str, Any]:
    p = await ctx.chain.position(ctx.sender)

    def units(m: Any) -> dict[str, str]:
        return {s: str(to_units(v, ctx.token(s))) for s, v in m.items() if v}

    return {"supplied": units(p.supplied), "borrowed": units(p.borrowed),
            "collateral_usd": str(p.collateral_usd), "debt_usd": str(p.debt_usd),
            "available_borrow_usd": str(p.available_borrow_usd),
            "health_factor": None if p.health_factor is None else str(p.health_factor)}


async def _proposals(ctx: StepContext, token: str | None) -> dict[str, Any]:
    return {str(p.id): {"description": p.description, "state": p.state,
                        "for": str(p.votes_for), "against": str(p.votes_against),
                        "abstain": str(p.votes_abstain)}
            for p in await ctx.chain.proposals()}


async def _pools(ctx: StepContext, token: str | None) -> dict[str, Any]:
    symbols = [s for s in ctx.registry.symbols() if s != NATIVE]
    pools: dict[str, Any] = {}
    for i, a in enumerate(symbols):
        for b in symbols[i + 1:]:
            reserves = await ctx.chain.reserves(a, b)
            if reserves and (token is None or token.upper() in (a, b)):
                pools[f"{a}/{b}"] = {a: str(to_units(reserves[0], ctx.token(a))),
                                     b: str(to_units(reserves[1], ctx.token(b)))}
    return pools


QUERIES = {"price": _price, "balance": _balance, "rates": _rates, "position": _position,
           "proposals": _proposals, "pools": _pools}


async def prepare_query(step: Any, ctx: StepContext) -> Prepared:
    answer = await QUERIES[step.query](ctx, step.token)
    subject = f" of {step.token}" if step.token else ""
    return Prepared(index=ctx.index, action="query", summary=f"look up {step.query}{subject}",
                    data={"query": step.query, "answer": answer})
