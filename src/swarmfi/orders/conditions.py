"""Evaluating a step's `when` condition against a chain.

`compare` is the pure part; `evaluate` reads the metric from the chain:

- `price`: the oracle's USD price of `token` (`chain.price_usd`);
- `supply_apy`, `borrow_apy`: the lending market's rates for `token`, as
  fractions (`chain.rates`); ETH reads as WETH (the market only holds ERC20s);
- `health_factor`: the order owner's lending position (`chain.position`). With no
  debt the health factor is None, which counts as infinite: `> x` and `>= x`
  hold, `< x` and `<= x` do not.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol

from swarmfi.chain.base import NATIVE, LendingPosition
from swarmfi.errors import BugError
from swarmfi.intent.types import Condition

Op = Literal["<", "<=", ">", ">="]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class Reads(Protocol):
    """The part of `swarmfi.chain.base.Chain` that conditions read."""

    async def price_usd(self, symbol: str) -> Decimal: ...
    async def rates(self, symbol: str) -> tuple[Decimal, Decimal]: ...
    async def position(self, owner: str) -> LendingPosition: ...


@dataclass(frozen=True)
class Observation:
    """One condition checked: the value seen (None = infinite health factor) and the verdict."""

    condition: Condition
    observed: Decimal | None
    holds: bool
    kind: Literal["observation"] = "observation"

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.condition.metric,
            "token": self.condition.token,
            "op": self.condition.op,
            "value": str(self.condition.value),
            "observed": None if self.observed is None else str(self.observed),
            "holds": self.holds,
        }


def compare(observed: Decimal | None, op: str, threshold: Decimal) -> bool:
    """`observed op threshold`; None stands for +infinity (a health factor with no debt)."""
    test = _OPS.get(op)
    if test is None:
        raise BugError(f"unknown condition operator {op!r}", hint="use one of < <= > >=")
    if observed is None:
        return op in (">", ">=")
    return test(observed, threshold)


async def observe(condition: Condition, chain: Reads, owner: str) -> Decimal | None:
    """The current value of the condition's metric (None: infinite health factor)."""
    if condition.metric == "health_factor":
        return (await chain.position(owner)).health_factor
    token = condition.token
    if token is None:
        raise BugError(f"a {condition.metric} condition without a token reached the watcher")
    if condition.metric == "price":
        return await chain.price_usd(token)
    supply, borrow = await chain.rates("WETH" if token.upper() == NATIVE else token)
    return supply if condition.metric == "supply_apy" else borrow


async def evaluate(condition: Condition, chain: Reads, owner: str) -> tuple[bool, Decimal | None]:
    """(holds, observed) for one condition, read from `chain` for `owner`."""
    observed = await observe(condition, chain, owner)
    return compare(observed, condition.op, condition.value), observed


async def evaluate_all(
    conditions: Sequence[Condition], chain: Reads, owner: str
) -> list[Observation]:
    """Every condition checked in order (all must hold for an order to fire)."""
    found = []
    for condition in conditions:
        holds, observed = await evaluate(condition, chain, owner)
        found.append(Observation(condition, observed, holds))
    return found
