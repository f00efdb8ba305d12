import asyncio
from decimal import Decimal

import pytest

from swarmfi.chain.base import TxRequest
from swarmfi.chain.calls import decode, encode
from swarmfi.errors import PlanError, SimulationError
from swarmfi.guard.check import guard
from swarmfi.guard.policy import Policy
from swarmfi.intent.types import from_canonical

ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
POLICY = Policy(address_book={"alice": ALICE})


def steps(*raw):
    return from_canonical({"steps": list(raw), "schedule": None}).steps


def swap(token_in, token_out, amount, side="in", slippage=None):
    return {"action": "swap", "token_in": token_in, "token_out": token_out, "amount": amount,
            "side": side, "slippage": slippage, "when": None}


def preview(chain, sender, *raw, policy=POLICY):
    return asyncio.run(guard(chain, steps(*raw), sender, policy))


def amm_out(amount_in, reserve_in, reserve_out):
    """Uniswap V2's formula, computed here independently of the contracts."""
    fee_in = amount_in * 997
    return fee_in * reserve_out // (reserve_in * 1000 + fee_in)


def test_swap_preview_matches_constant_product_from_reserves(chain, sender):
    reserve_weth, reserve_usdc = asyncio.run(chain.reserves("WETH", "USDC"))
    result = preview(chain, sender, swap("ETH", "USDC", {"value": "1"}))
    assert result.ok
    assert result.deltas["USDC"] == amm_out(10**18, reserve_weth, reserve_usdc)
    assert result.deltas["ETH"] == -(10**18)
    assert asyncio.run(chain.balance(sender, "USDC")) == 100_000 * 10**6  # nothing persisted


def test_of_step_reference_uses_what_the_first_step_produced(chain, sender):
    supply = {"action": "supply", "token": "USDC", "amount": {"fraction": "0.5", "of_step": 0},
              "when": None}
    result = preview(chain, sender, swap("ETH", "USDC", {"value": "1"}), supply)
    got = result.steps[0].deltas["USDC"]
    assert result.steps[1].prepared.spends == {"USDC": got // 2}
    assert got // 2 - 1 <= result.position_after.supplied["USDC"] <= got // 2  # share rounding


def test_half_my_usdc_is_sized_from_usdc_not_eth(chain, sender):
    result = preview(chain, sender, swap("USDC", "WBTC", {"fraction": "0.05"}))
    assert result.steps[0].prepared.spends == {"USDC": 5_000 * 10**6}


def test_approvals_are_exact(chain, sender):
    result = preview(chain, sender, swap("USDC", "DAI", {"value": "500"}))
    (approval,) = result.approvals
    assert (approval.token, approval.amount) == ("USDC", 500 * 10**6)


def test_policy_blocks_over_the_per_transaction_cap(chain, sender):
    result = preview(chain, sender, swap("ETH", "USDC", {"value": "10"}))
    assert not result.ok
    assert result.violations[0].rule == "max_tx_usd"
    assert "30," in result.violations[0].message


def test_slippage_above_policy_ceiling_is_blocked(chain, sender):
    result = preview(chain, sender, swap("ETH", "USDC", {"value": "1"}, slippage="0.2"))
    assert [v.rule for v in result.violations] == ["slippage_ceiling_pct"]


def test_unknown_token_is_refused_before_anything_runs(chain, sender):
    with pytest.raises(PlanError, match="unknown token 'PEPE'"):
        preview(chain, sender, swap("ETH", "PEPE", {"value": "1"}))


def test_repay_without_debt_is_refused(chain, sender):
    repay = {"action": "repay", "token": "USDC", "amount": {"fraction": "1"}, "when": None}
    with pytest.raises(PlanError, match="no USDC debt"):
        preview(chain, sender, repay)


def test_insufficient_balance_is_refused(chain, sender):
    with pytest.raises(PlanError, match="insufficient WBTC"):
        preview(chain, sender, swap("WBTC", "USDC", {"value": "50"}))


def test_borrow_without_collateral_fails_simulation(chain, sender):
    borrow = {"action": "borrow", "token": "USDC", "amount": {"value": "500"}, "when": None}
    with pytest.raises(SimulationError, match="health factor"):
        preview(chain, sender, borrow)


def test_transfer_to_unknown_name_is_refused(chain, sender):
    send = {"action": "transfer", "token": "USDC", "amount": {"value": "1"}, "to": "bob",
            "when": None}
    with pytest.raises(PlanError, match="'bob' is not in your address book"):
        preview(chain, sender, send)


def test_supply_then_borrow_moves_health_factor(chain, sender):
    supply = {"action": "supply", "token": "ETH", "amount": {"value": "3"}, "when": None}
    borrow = {"action": "borrow", "token": "USDC", "amount": {"value": "2000"}, "when": None}
    result = preview(chain, sender, supply, borrow)
    assert result.ok
    assert result.position_before.health_factor is None
    assert Decimal(3) < result.position_after.health_factor < Decimal(4)
    assert result.deltas["USDC"] == 2000 * 10**6


def test_exact_out_buy_spends_at_most_the_quote_plus_slippage(chain, sender):
    result = preview(chain, sender, swap("USDC", "ETH", {"value": "1"}, side="out"))
    router = chain.registry.contract("router")
    weth, usdc = chain.registry.token("WETH").address, chain.registry.token("USDC").address
    data = encode("getAmountsIn(uint256,address[])", 10**18, [usdc, weth])
    (amounts,) = decode(["uint256[]"], asyncio.run(chain.call(TxRequest(sender, router, data))))
    assert result.deltas["ETH"] == 10**18
    assert -result.deltas["USDC"] == amounts[0]
