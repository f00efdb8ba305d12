"""Conditions: the pure comparison, and every metric read from a real devnet node."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.errors import BugError, PlanError
from swarmfi.intent.types import Condition
from swarmfi.orders.conditions import compare, evaluate, evaluate_all

from .conftest import OWNER, condition

OPS = ("<", "<=", ">", ">=")


def when(metric: str, token: str | None, op: str, value: str | Decimal) -> Condition:
    return Condition.model_validate(condition(metric, token, op, str(value)))


def check(chain, metric, token, op, value, owner=OWNER):
    return asyncio.run(evaluate(when(metric, token, op, value), chain, owner))


def test_compare_each_op():
    two, three = Decimal(2), Decimal(3)
    table = {
        "<": (True, False, False),
        "<=": (True, True, False),
        ">": (False, False, True),
        ">=": (False, True, True),
    }
    for op, expected in table.items():
        assert (compare(two, op, three), compare(three, op, three), compare(three, op, two)) == (
            expected
        )


def test_no_health_factor_is_infinite():
    assert [compare(None, op, Decimal("1e30")) for op in OPS] == [False, False, True, True]


def test_unknown_op_is_a_bug():
    with pytest.raises(BugError, match="unknown condition operator '=='"):
        compare(Decimal(1), "==", Decimal(1))


@settings(max_examples=100, deadline=None)
@given(
    a=st.decimals(allow_nan=False, allow_infinity=False),
    b=st.decimals(allow_nan=False, allow_infinity=False),
)
def test_ops_pair_up(a, b):
    assert compare(a, "<", b) != compare(a, ">=", b)
    assert compare(a, ">", b) != compare(a, "<=", b)
    assert compare(a, "<=", b) == (compare(a, "<", b) or a == b)


def test_price_each_op_and_a_feed_update_crosses_the_threshold(market, chain):
    assert check(chain, "price", "ETH", "<", 2000) == (False, Decimal(3000))
    assert check(chain, "price", "WETH", ">=", 3000) == (True, Decimal(3000))
    assert check(chain, "price", "ETH", "<=", 3000)[0] is True
    assert check(chain, "price", "ETH", ">", 3000)[0] is False
    market.set_price("WETH", Decimal("1999.5"))
    assert check(chain, "price", "ETH", "<", 2000) == (True, Decimal("1999.5"))
    assert check(chain, "price", "USDC", ">", "0.99") == (True, Decimal(1))


def _pool_rates(market, symbol):
    asset = market.tokens[symbol].address
    wad = Decimal(10**18)
    return (
        Decimal(market.pool.call.supplyRate(asset)) / wad,
        Decimal(market.pool.call.borrowRate(asset)) / wad,
    )


def test_apy_conditions_read_the_lending_market_and_move_with_utilisation(market, chain):
    supply, borrow = _pool_rates(market, "USDC")
    assert 0 < supply < borrow  # genesis borrowed 40 % of the USDC reserve
    assert check(chain, "borrow_apy", "USDC", "<=", borrow) == (True, borrow)
    assert check(chain, "borrow_apy", "USDC", "<", borrow) == (False, borrow)
    assert check(chain, "supply_apy", "USDC", ">=", supply) == (True, supply)
    assert check(chain, "supply_apy", "USDC", ">", supply) == (False, supply)
    threshold = borrow + Decimal("0.002")
    assert check(chain, "borrow_apy", "USDC", ">", threshold)[0] is False
    borrower = market.h.new_account()
    market.lend(borrower, {"WETH": 400 * 10**18}, {"USDC": 500_000 * 10**6})  # +10 % utilised
    supply_after, borrow_after = _pool_rates(market, "USDC")
    assert borrow_after > threshold and supply_after > supply
    assert check(chain, "borrow_apy", "USDC", ">", threshold) == (True, borrow_after)
    assert check(chain, "supply_apy", "USDC", ">", supply) == (True, supply_after)


def test_eth_apy_reads_the_weth_market(market, chain):
    supply, borrow = _pool_rates(market, "WETH")
    assert 0 < supply < borrow
    assert check(chain, "borrow_apy", "ETH", ">=", borrow) == (True, borrow)
    assert check(chain, "supply_apy", "ETH", "<", supply) == (False, supply)


def test_health_factor_none_without_debt_then_falls_with_the_price(market, chain):
    assert check(chain, "health_factor", None, ">", "1000") == (True, None)
    assert check(chain, "health_factor", None, "<", "1000") == (False, None)
    market.lend(OWNER, {"WETH": 10 * 10**18}, {"USDC": 15_000 * 10**6})
    hf = Decimal(market.pool.call.getUserAccountData(OWNER)[3]) / Decimal(10**18)
    assert Decimal("1.5999") < hf <= Decimal("1.6")  # 30,000 USD * 80 % / 15,000 USD (+interest)
    assert check(chain, "health_factor", None, "<", "1.5") == (False, hf)
    market.set_price("WETH", 2500)  # 25,000 * 0.8 / 15,000
    holds, seen = check(chain, "health_factor", None, "<", "1.5")
    assert holds is True
    assert seen == Decimal(market.pool.call.getUserAccountData(OWNER)[3]) / Decimal(10**18)
    assert seen < Decimal("1.34")


def test_evaluate_all_keeps_order_and_unknown_tokens_raise(chain):
    found = asyncio.run(
        evaluate_all(
            [when("price", "ETH", ">", 1), when("health_factor", None, "<", 2)], chain, OWNER
        )
    )
    assert [(o.holds, o.observed) for o in found] == [(True, Decimal(3000)), (False, None)]
    assert found[1].to_json() == {
        "metric": "health_factor",
        "token": None,
        "op": "<",
        "value": "2",
        "observed": None,
        "holds": False,
    }
    with pytest.raises(PlanError, match="unknown token 'PEPE'"):
        check(chain, "price", "PEPE", ">", 1)
