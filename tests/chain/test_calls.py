"""Calldata builders, checked by decoding what they build."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.chain import calls
from swarmfi.chain.calls import MAX_UINT256, decode_call, selector

A = "0x" + "aa" * 20
B = "0x" + "bb" * 20
C = "0x" + "cc" * 20
ROUTER = "0x" + "11" * 20
ME = "0x" + "99" * 20
uint = st.integers(min_value=0, max_value=MAX_UINT256)


def test_known_selectors_match_the_standard_abis():
    assert selector("transfer(address,uint256)").hex() == "a9059cbb"
    assert selector("approve(address,uint256)").hex() == "095ea7b3"
    assert selector("deposit()").hex() == "d0e30db0"
    assert (
        selector("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)").hex()
        == "38ed1739"
    )
    assert selector("swapExactETHForTokens(uint256,address[],address,uint256)").hex() == "7ff36ab5"
    assert (
        selector("addLiquidityETH(address,uint256,uint256,uint256,address,uint256)").hex()
        == "f305d719"
    )


@settings(max_examples=100, deadline=None)
@given(amount=uint)
def test_approve_and_transfer_round_trip(amount):
    call = calls.approve(A, B, amount)
    assert call.to == A and call.value == 0
    assert decode_call("approve(address,uint256)", call.data) == (B, amount)
    call = calls.transfer(A, C, amount)
    assert decode_call("transfer(address,uint256)", call.data) == (C, amount)


def test_wrap_and_unwrap():
    wrap = calls.wrap(A, 5 * 10**18)
    assert (wrap.to, wrap.value, wrap.data) == (A, 5 * 10**18, selector("deposit()"))
    unwrap = calls.unwrap(A, 3)
    assert decode_call("withdraw(uint256)", unwrap.data) == (3,)
    assert unwrap.value == 0


@settings(max_examples=100, deadline=None)
@given(amount=uint, limit=uint, deadline=st.integers(0, 2**64))
def test_token_swaps_round_trip(amount, limit, deadline):
    call = calls.swap_exact_in(ROUTER, [A, B, C], amount, limit, ME, deadline)
    sig = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"
    assert decode_call(sig, call.data) == (amount, limit, (A, B, C), ME, deadline)
    call = calls.swap_exact_out(ROUTER, [A, B], amount, limit, ME, deadline)
    sig = "swapTokensForExactTokens(uint256,uint256,address[],address,uint256)"
    assert decode_call(sig, call.data) == (amount, limit, (A, B), ME, deadline)
    assert call.value == 0


def test_eth_swaps_pick_the_eth_variants_and_attach_value():
    call = calls.swap_exact_in(ROUTER, [A, B], 10, 9, ME, 100, eth_in=True)
    assert call.value == 10
    assert decode_call("swapExactETHForTokens(uint256,address[],address,uint256)", call.data) == (
        9,
        (A, B),
        ME,
        100,
    )
    call = calls.swap_exact_in(ROUTER, [A, B], 10, 9, ME, 100, eth_out=True)
    assert call.value == 0
    assert decode_call(
        "swapExactTokensForETH(uint256,uint256,address[],address,uint256)", call.data
    ) == (10, 9, (A, B), ME, 100)
    call = calls.swap_exact_out(ROUTER, [A, B], 10, 12, ME, 100, eth_in=True)
    assert call.value == 12
    assert decode_call("swapETHForExactTokens(uint256,address[],address,uint256)", call.data) == (
        10,
        (A, B),
        ME,
        100,
    )
    call = calls.swap_exact_out(ROUTER, [A, B], 10, 12, ME, 100, eth_out=True)
    assert decode_call(
        "swapTokensForExactETH(uint256,uint256,address[],address,uint256)", call.data
    ) == (10, 12, (A, B), ME, 100)


def test_bad_swap_paths_are_rejected():
    with pytest.raises(ValueError, match="two tokens"):
        calls.swap_exact_in(ROUTER, [A], 1, 1, ME, 1)
    with pytest.raises(ValueError, match="ether"):
        calls.swap_exact_out(ROUTER, [A, B], 1, 1, ME, 1, eth_in=True, eth_out=True)


def test_liquidity_calls_round_trip():
    call = calls.add_liquidity(ROUTER, A, B, 1, 2, 3, 4, ME, 5)
    sig = "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)"
    assert decode_call(sig, call.data) == (A, B, 1, 2, 3, 4, ME, 5)
    call = calls.add_liquidity_eth(ROUTER, A, 1, 7, 3, 4, ME, 5)
    sig = "addLiquidityETH(address,uint256,uint256,uint256,address,uint256)"
    assert decode_call(sig, call.data) == (A, 1, 3, 4, ME, 5)
    assert call.value == 7
    call = calls.remove_liquidity(ROUTER, A, B, 9, 3, 4, ME, 5)
    sig = "removeLiquidity(address,address,uint256,uint256,uint256,address,uint256)"
    assert decode_call(sig, call.data) == (A, B, 9, 3, 4, ME, 5)
    call = calls.remove_liquidity_eth(ROUTER, A, 9, 3, 4, ME, 5)
    sig = "removeLiquidityETH(address,uint256,uint256,uint256,address,uint256)"
    assert decode_call(sig, call.data) == (A, 9, 3, 4, ME, 5)


def test_lending_calls_round_trip():
    for name in ("supply", "withdraw", "borrow", "repay"):
        call = getattr(calls, name)(C, A, MAX_UINT256)
        assert call.to == C and call.label == name
        assert decode_call(f"{name}(address,uint256)", call.data) == (A, MAX_UINT256)


def test_governance_and_launchpad_calls_round_trip():
    assert decode_call("castVote(uint256,uint8)", calls.vote(C, 3, "for").data) == (3, 1)
    assert decode_call("castVote(uint256,uint8)", calls.vote(C, 3, "against").data) == (3, 0)
    assert decode_call("castVote(uint256,uint8)", calls.vote(C, 3, "abstain").data) == (3, 2)
    with pytest.raises(ValueError, match="support"):
        calls.vote(C, 3, "yes")
    assert decode_call("delegate(address)", calls.delegate(C, ME).data) == (ME,)
    call = calls.launch(C, "Moon Cat", "MCAT", 10**27, 5000, 10 * 10**18)
    assert decode_call("launch(string,string,uint256,uint256,uint256)", call.data) == (
        "Moon Cat",
        "MCAT",
        10**27,
        5000,
        10 * 10**18,
    )
    call = calls.buy(C, A, 10**18, 5)
    assert call.value == 10**18
    assert decode_call("buy(address,uint256)", call.data) == (A, 5)
    assert decode_call("sell(address,uint256,uint256)", calls.sell(C, A, 4, 1).data) == (A, 4, 1)


def test_call_becomes_a_tx_request():
    tx = calls.swap_exact_in(ROUTER, [A, B], 10, 9, ME, 100, eth_in=True).tx(ME, gas=200_000)
    assert (tx.kind, tx.sender, tx.to, tx.value, tx.gas, tx.label) == (
        "tx",
        ME,
        ROUTER,
        10,
        200_000,
        "swap",
    )


def test_decode_call_rejects_the_wrong_selector():
    with pytest.raises(ValueError, match="not a call"):
        decode_call("transfer(address,uint256)", calls.approve(A, B, 1).data)


def _signatures(contract: str) -> set[str]:
    from swarmfi.chain.compile import compile_contract
    from swarmfi.chain.harness import signature

    return {signature(e) for e in compile_contract(contract).abi if e.get("type") == "function"}


BUILT = {
    "ERC20": ["approve(address,uint256)", "transfer(address,uint256)"],
    "WETH": ["deposit()", "withdraw(uint256)"],
    "Router": [
        *calls._EXACT_IN.values(),
        *calls._EXACT_OUT.values(),
        "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)",
        "addLiquidityETH(address,uint256,uint256,uint256,address,uint256)",
        "removeLiquidity(address,address,uint256,uint256,uint256,address,uint256)",
        "removeLiquidityETH(address,uint256,uint256,uint256,address,uint256)",
    ],
    "LendingPool": [
        "supply(address,uint256)",
        "withdraw(address,uint256)",
        "borrow(address,uint256)",
        "repay(address,uint256)",
    ],
    "Governor": ["castVote(uint256,uint8)"],
    "GovToken": ["delegate(address)"],
    "Launchpad": [
        "launch(string,string,uint256,uint256,uint256)",
        "buy(address,uint256)",
        "sell(address,uint256,uint256)",
    ],
}


@pytest.mark.parametrize("contract", sorted(BUILT))
def test_builders_match_our_compiled_contracts(contract):
    assert set(BUILT[contract]) <= _signatures(contract)
