"""An independent model of what a dev-set instruction does to a wallet.

It reads the chain (pool reserves and balances, oracle prices, lending position and
indexes) and computes, from the canonical steps in dev.jsonl and textbook formulas
only — Uniswap V2 constant product with its 0.3 % fee, USD through the oracle,
fractions of balances, "of_step" as a fraction of what an earlier step produced —
how every balance should move. Nothing here calls swarmfi's agents, planner or guard.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from eth_utils import to_checksum_address

from swarmfi.chain import calls
from swarmfi.chain.base import TxRequest

HUBS = ("WETH", "USDC")  # the intermediate tokens a two-hop route may go through
GAS_RESERVE_WEI = 10**16  # "half my ETH" is half of the balance less 0.01 ETH kept for gas


def amm_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """Uniswap V2 getAmountOut (0.3 % fee)."""
    fee_in = amount_in * 997
    return fee_in * reserve_out // (reserve_in * 1000 + fee_in)


def amm_in(amount_out: int, reserve_in: int, reserve_out: int) -> int | None:
    """Uniswap V2 getAmountIn; None when the pool cannot pay `amount_out`."""
    if amount_out >= reserve_out:
        return None
    return reserve_in * amount_out * 1000 // ((reserve_out - amount_out) * 997) + 1


def amm(symbol: str) -> str:
    """The token a pool holds for `symbol` (native ether trades as WETH)."""
    return "WETH" if symbol == "ETH" else symbol


def raw(value: str | Decimal, decimals: int) -> int:
    """Token units to raw units, rounded down."""
    return int(Fraction(str(value)) * 10**decimals)


@dataclass
class Expected:
    """What the model says a run does: raw deltas by symbol (ETH before gas)."""

    wallet: Counter[str] = field(default_factory=Counter)
    supplied: Counter[str] = field(default_factory=Counter)
    borrowed: Counter[str] = field(default_factory=Counter)
    lp: Counter[str] = field(default_factory=Counter)  # pair address -> LP token delta
    others: dict[str, Counter[str]] = field(default_factory=dict)  # recipient -> deltas
    routes: dict[int, list[str]] = field(default_factory=dict)  # swap step -> symbols
    usd_out: Decimal = Decimal(0)  # oracle value of what the largest step spends


class Model:
    """Steps applied one after another to a picture of the chain read before the run."""

    def __init__(self, chain: Any, me: str, address_book: dict[str, str]) -> None:
        self.chain, self.me, self.book = chain, me, address_book
        self.pools: dict[frozenset[str], dict[str, int]] = {}
        self.balances: dict[str, int] = {}
        self.position: Any = None
        self.produced: dict[int, tuple[str, int]] = {}
        self.out = Expected()

    # reads ---------------------------------------------------------------------

    def decimals(self, symbol: str) -> int:
        return int(self.chain.registry.token(symbol).decimals)

    async def price8(self, symbol: str) -> int:
        return int(await self.chain.price_usd(symbol) * 10**8)

    async def usd(self, symbol: str, amount: int) -> Decimal:
        return Decimal(amount * await self.price8(symbol)) / 10 ** (8 + self.decimals(symbol))

    async def pool(self, a: str, b: str) -> dict[str, int] | None:
        """Reserves of the a/b pool by symbol, as the earlier steps left them."""
        key = frozenset((amm(a), amm(b)))
        if key not in self.pools:
            found = await self.chain.reserves(amm(a), amm(b))
            if found is None:
                return None
            self.pools[key] = {amm(a): found[0], amm(b): found[1]}
        return self.pools[key]

    async def view(self, to: str, signature: str, args: tuple[Any, ...], out: list[str]) -> Any:
        data = await self.chain.call(TxRequest(self.me, to, calls.encode(signature, *args)))
        values = calls.decode(out, data)
        return values[0] if len(values) == 1 else values

    async def pair(self, a: str, b: str) -> str:
        token = self.chain.registry.token
        factory = self.chain.registry.contract("factory")
        args = (token(amm(a)).address, token(amm(b)).address)
        return str(to_checksum_address(
            await self.view(factory, "getPair(address,address)", args, ["address"])))

    # amounts -------------------------------------------------------------------

    def spendable(self, symbol: str) -> int:
        held = self.balances[symbol] + self.out.wallet[symbol]
        return held - GAS_RESERVE_WEI if symbol == "ETH" else held

    async def amount(self, spec: dict[str, Any], symbol: str, base: int | None = None) -> int:
        """Raw units of `symbol` for a canonical amount; a bare fraction is of `base`
        (default: the wallet's spendable balance)."""
        if "value" in spec:
            return raw(spec["value"], self.decimals(symbol))
        if "usd" in spec:
            scale = 10 ** (self.decimals(symbol) + 8)
            return int(Fraction(spec["usd"]) * scale) // await self.price8(symbol)
        fraction = Fraction(spec["fraction"])
        if spec.get("of_step") is not None:
            made_symbol, made = self.produced[spec["of_step"]]
            assert made_symbol == symbol, (made_symbol, symbol)
            return int(made * fraction)
        return int((self.spendable(symbol) if base is None else base) * fraction)

    # running -------------------------------------------------------------------

    async def run(self, steps: list[dict[str, Any]]) -> Expected:
        self.balances = await self.chain.balances(self.me)
        self.position = await self.chain.position(self.me)
        for index, step in enumerate(steps):
            await getattr(self, step["action"])(index, step)
        return self.out

    def move(self, index: int, spent: dict[str, int], got: dict[str, int],
             product: str | None = None) -> None:
        for symbol, amount in spent.items():
            self.out.wallet[symbol] -= amount
        for symbol, amount in got.items():
            self.out.wallet[symbol] += amount
        if product is not None:
            self.produced[index] = (product, got[product])

    async def spending(self, amounts: dict[str, int]) -> None:
        value = sum([await self.usd(s, a) for s, a in amounts.items()], Decimal(0))
        self.out.usd_out = max(self.out.usd_out, value)

    # trading -------------------------------------------------------------------

    def routes(self, a: str, b: str) -> list[list[str]]:
        return [[a, b]] + [[a, hub, b] for hub in HUBS if hub not in (amm(a), amm(b))]

    async def amounts(self, path: list[str], amount: int, exact_in: bool) -> list[int] | None:
        """The amount at every point of `path` (getAmountsOut / getAmountsIn), or None."""
        hops = [await self.pool(x, y) for x, y in itertools.pairwise(path)]
        if any(h is None for h in hops):
            return None
        found = [amount]
        pairs = list(zip(path, path[1:], hops, strict=False))
        for x, y, hop in pairs if exact_in else reversed(pairs):
            assert hop is not None
            r_x, r_y = hop[amm(x)], hop[amm(y)]
            step = amm_out(found[-1], r_x, r_y) if exact_in else amm_in(found[-1], r_x, r_y)
            if not step:
                return None
            found.append(step)
        return found if exact_in else found[::-1]

    async def swap(self, index: int, step: dict[str, Any]) -> None:
        t_in, t_out, exact_in = step["token_in"], step["token_out"], step["side"] == "in"
        amount = await self.amount(step["amount"], t_in if exact_in else t_out)
        quotes = [(p, await self.amounts(p, amount, exact_in)) for p in self.routes(t_in, t_out)]
        found = [(p, q) for p, q in quotes if q is not None]
        if exact_in:  # the route paying the most, or taking the least; the first on a tie
            path, along = max(found, key=lambda pq: pq[1][-1])
        else:
            path, along = min(found, key=lambda pq: pq[1][0])
        for x, y, pay, got in zip(path, path[1:], along, along[1:], strict=False):
            hop = self.pools[frozenset((amm(x), amm(y)))]
            hop[amm(x)], hop[amm(y)] = hop[amm(x)] + pay, hop[amm(y)] - got
        self.out.routes[index] = [amm(s) for s in path]
        await self.spending({t_in: along[0]})
        self.move(index, {t_in: along[0]}, {t_out: along[-1]}, product=t_out)

    async def add_liquidity(self, index: int, step: dict[str, Any]) -> None:
        a, b = step["token_a"], step["token_b"]
        reserves = await self.pool(a, b)
        assert reserves is not None
        pair = await self.pair(a, b)
        supply = await self.view(pair, "totalSupply()", (), ["uint256"])
        amount_a = await self.amount(step["amount"], a)
        amount_b = amount_a * reserves[amm(b)] // reserves[amm(a)]  # the router's quote()
        self.out.lp[pair] += min(amount_a * supply // reserves[amm(a)],
                                 amount_b * supply // reserves[amm(b)])
        reserves[amm(a)] += amount_a
        reserves[amm(b)] += amount_b
        await self.spending({a: amount_a, b: amount_b})
        self.move(index, {a: amount_a, b: amount_b}, {})

    async def remove_liquidity(self, index: int, step: dict[str, Any]) -> None:
        a, b = step["token_a"], step["token_b"]
        pair = await self.pair(a, b)
        held = await self.view(pair, "balanceOf(address)", (self.me,), ["uint256"])
        supply = await self.view(pair, "totalSupply()", (), ["uint256"])
        liquidity = await self.amount(step["amount"], a, base=held)
        cash = {s: await self.chain.balance(pair, amm(s)) for s in (a, b)}  # V2 burn: balances
        self.out.lp[pair] -= liquidity
        self.move(index, {}, {s: liquidity * cash[s] // supply for s in (a, b)})

    # wallet --------------------------------------------------------------------

    async def transfer(self, index: int, step: dict[str, Any]) -> None:
        token, to = step["token"], step["to"]
        recipient = to_checksum_address(to if to.startswith("0x") else self.book[to])
        amount = await self.amount(step["amount"], token)
        self.out.others.setdefault(recipient, Counter())[token] += amount
        await self.spending({token: amount})
        self.move(index, {token: amount}, {})

    async def wrap(self, index: int, step: dict[str, Any]) -> None:
        amount = await self.amount(step["amount"], "ETH")
        self.move(index, {"ETH": amount}, {"WETH": amount}, product="WETH")

    async def unwrap(self, index: int, step: dict[str, Any]) -> None:
        amount = await self.amount(step["amount"], "WETH")
        self.move(index, {"WETH": amount}, {"ETH": amount}, product="ETH")

    # lending -------------------------------------------------------------------

    async def supply(self, index: int, step: dict[str, Any]) -> None:
        token = step["token"]
        amount = await self.amount(step["amount"], token)
        self.out.supplied[amm(token)] += amount
        await self.spending({token: amount})
        self.move(index, {token: amount}, {})

    async def withdraw(self, index: int, step: dict[str, Any]) -> None:
        token = step["token"]
        held = self.position.supplied.get(amm(token), 0) + self.out.supplied[amm(token)]
        amount = await self.amount(step["amount"], token, base=held)
        self.out.supplied[amm(token)] -= amount
        self.move(index, {}, {token: amount}, product=token)

    async def borrow(self, index: int, step: dict[str, Any]) -> None:
        token = step["token"]
        amount = await self.amount(step["amount"], token)
        self.out.borrowed[amm(token)] += amount
        self.move(index, {}, {token: amount}, product=token)

    async def repay(self, index: int, step: dict[str, Any]) -> None:
        token = step["token"]
        debt = self.position.borrowed.get(amm(token), 0) + self.out.borrowed[amm(token)]
        amount = min(await self.amount(step["amount"], token, base=debt), debt)
        self.out.borrowed[amm(token)] -= amount
        self.move(index, {token: amount}, {})

    # governance: no balance moves but gas (their effects are checked on the contracts)

    async def vote(self, index: int, step: dict[str, Any]) -> None:
        return None

    async def launch(self, index: int, step: dict[str, Any]) -> None:
        return None
