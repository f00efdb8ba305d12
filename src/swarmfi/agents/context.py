"""What every specialist agent gets and gives: the step context and the prepared step.

An agent turns one canonical step into transactions against *some* chain state: the
guard hands it a sandbox (a throwaway snapshot), the executor the live chain. The
same code prepares both, so what is previewed is what is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any, Literal

from swarmfi.chain.base import NATIVE, Chain, Registry, Token, TxRequest
from swarmfi.errors import PlanError

MAX_UINT256 = 2**256 - 1
GAS_RESERVE_WEI = 10**16  # 0.01 ETH kept back when a fraction of ETH is spent
DEADLINE_SECONDS = 1200


@dataclass(frozen=True)
class Produced:
    """What an executed or simulated step left in the wallet: `amount` of `symbol`."""

    symbol: str
    amount: int
    kind: Literal["produced"] = "produced"


@dataclass(frozen=True)
class StepContext:
    """Everything an agent may read to prepare a step."""

    chain: Chain
    sender: str
    index: int
    produced: Mapping[int, Produced] = field(default_factory=dict)
    default_slippage: Decimal = Decimal("0.005")
    address_book: Mapping[str, str] = field(default_factory=dict)
    kind: Literal["context"] = "context"

    @property
    def registry(self) -> Registry:
        return self.chain.registry

    def token(self, symbol: str) -> Token:
        return self.registry.token(symbol)


@dataclass(frozen=True)
class Approval:
    token: str
    spender: str
    amount: int
    kind: Literal["approval"] = "approval"


@dataclass(frozen=True)
class Prepared:
    """One step made concrete: its transactions and the envelope the user approves.

    `spends` is the most of each token the step may take from the wallet, `receives`
    the least it must bring in (symbol -> raw units); `expected` is the quote.
    """

    index: int
    action: str
    summary: str
    txs: tuple[TxRequest, ...] = ()
    spends: Mapping[str, int] = field(default_factory=dict)
    receives: Mapping[str, int] = field(default_factory=dict)
    expected: Mapping[str, int] = field(default_factory=dict)
    approvals: tuple[Approval, ...] = ()
    product: str | None = None
    usd_value: Decimal = Decimal(0)
    slippage: Decimal | None = None
    price_impact: Decimal | None = None
    recipient: str | None = None
    recipient_source: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    kind: Literal["prepared"] = "prepared"

    def __post_init__(self) -> None:
        labels = [t.label for t in self.txs[: len(self.approvals)]]
        if labels != ["approve"] * len(self.approvals):
            from swarmfi.errors import BugError

            raise BugError(f"{self.action}: approvals must be the step's first transactions")

    @property
    def approve_txs(self) -> tuple[TxRequest, ...]:
        """The exact approvals, sent first by the approve agent."""
        return self.txs[: len(self.approvals)]


def to_raw(amount: Decimal, token: Token) -> int:
    """Token units to raw units, rounding down (never spend more than asked)."""
    raw = (amount * (Decimal(10) ** token.decimals)).to_integral_value(rounding=ROUND_DOWN)
    return int(raw)


def to_units(raw: int, token: Token) -> Decimal:
    return Decimal(raw) / (Decimal(10) ** token.decimals)


def fmt_units(raw: int, token: Token, places: int = 6) -> str:
    """A human amount: "1.5 ETH", "2,970.12 USDC"."""
    value = to_units(raw, token).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    text = f"{value:,f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:,f}"
    return f"{text} {token.symbol}"


async def spendable(ctx: StepContext, symbol: str) -> int:
    """Wallet balance of `symbol`, less a gas reserve for native ETH."""
    balance = await ctx.chain.balance(ctx.sender, symbol)
    if symbol == NATIVE:
        return max(balance - GAS_RESERVE_WEI, 0)
    return balance


async def usd_to_raw(ctx: StepContext, usd: Decimal, token: Token) -> int:
    price = await ctx.chain.price_usd(token.symbol)
    if price <= 0:
        raise PlanError(f"the oracle has no price for {token.symbol}",
                        "give the amount in tokens instead of dollars")
    return to_raw(usd / price, token)


async def usd_value(ctx: StepContext, amounts: Mapping[str, int]) -> Decimal:
    """Oracle value in USD of raw `amounts`; tokens without a price count as 0."""
    total = Decimal(0)
    for symbol, raw in amounts.items():
        price = await price_or_none(ctx, symbol)
        if price is not None:
            total += to_units(raw, ctx.token(symbol)) * price
    return total


async def price_or_none(ctx: StepContext, symbol: str) -> Decimal | None:
    try:
        return await ctx.chain.price_usd(symbol)
    except Exception:  # no feed for this token: the caller decides
        return None


def of_step_amount(ctx: StepContext, fraction: Decimal, of_step: int, symbol: str) -> int:
    """`fraction` of what step `of_step` produced, which must be `symbol`."""
    produced = ctx.produced.get(of_step)
    if produced is None or produced.amount <= 0:
        raise PlanError(f"step {ctx.index + 1} uses what step {of_step + 1} produced, "
                        "but that step produced nothing",
                        "give an amount instead of a reference to the earlier step")
    if produced.symbol != symbol:
        raise PlanError(f"step {ctx.index + 1} spends {symbol} but step {of_step + 1} "
                        f"produced {produced.symbol}",
                        "name the token the earlier step produces, or give an amount")
    return int((Decimal(produced.amount) * fraction).to_integral_value(rounding=ROUND_DOWN))


def require_positive(raw: int, what: str, token: Token) -> int:
    if raw <= 0:
        raise PlanError(f"{what} comes to 0 {token.symbol}",
                        f"check your {token.symbol} balance with `swarmfi balances`")
    return raw


def require_balance(have: int, need: int, token: Token) -> None:
    if need > have:
        raise PlanError(
            f"insufficient {token.symbol}: the step needs {fmt_units(need, token)} "
            f"but the wallet has {fmt_units(have, token)}",
            "lower the amount, or fund the wallet first")


async def resolve_amount(ctx: StepContext, amount: Any, token: Token, holdings: Any) -> int:
    """Raw units of `token` for a canonical amount; `holdings()` is what a bare fraction
    is a share of (wallet balance, supplied position, debt, …)."""
    from swarmfi.intent.types import Fraction, Usd, Value

    if isinstance(amount, Value):
        return to_raw(amount.value, token)
    if isinstance(amount, Usd):
        return await usd_to_raw(ctx, amount.usd, token)
    if isinstance(amount, Fraction) and amount.of_step is not None:
        return of_step_amount(ctx, amount.fraction, amount.of_step, token.symbol)
    if isinstance(amount, Fraction):
        base = await holdings()
        return int((Decimal(base) * amount.fraction).to_integral_value(rounding=ROUND_DOWN))
    raise PlanError(f"unknown amount shape {amount!r}", "use value, usd or fraction")


def is_everything(amount: Any) -> bool:
    """A bare "all" (fraction 1 of holdings, not of an earlier step)."""
    from swarmfi.intent.types import Fraction

    return isinstance(amount, Fraction) and amount.of_step is None and amount.fraction == 1


async def approval_txs(ctx: StepContext, token: Token, spender: str,
                       amount: int) -> tuple[tuple[TxRequest, ...], tuple[Approval, ...]]:
    """An exact approval of `amount` when the allowance is short; never unlimited."""
    from swarmfi.chain import calls

    if token.is_native:
        return (), ()
    current = await erc20_view(ctx, token.address, "allowance(address,address)", ctx.sender,
                               spender)
    if current >= amount:
        return (), ()
    tx = calls.approve(token.address, spender, amount).tx(ctx.sender)
    return (tx,), (Approval(token.symbol, spender, amount),)


async def deadline(ctx: StepContext) -> int:
    return await ctx.chain.timestamp() + DEADLINE_SECONDS


async def erc20_view(ctx: StepContext, address: str, signature: str, *args: Any) -> int:
    """A uint256 view of any ERC20-like contract (LP tokens are not in the registry)."""
    from swarmfi.chain import calls

    raw = await ctx.chain.call(TxRequest(ctx.sender, address, calls.encode(signature, *args)))
    (value,) = calls.decode(["uint256"], raw)
    return int(value)


def fixed(value: int) -> Any:
    """A `holdings` callable for `resolve_amount` returning a known amount."""

    async def holdings() -> int:
        return value

    return holdings
