"""Factory, Pair and Router: Uniswap V2 behaviour, readable reverts, and invariants."""

from __future__ import annotations

from dataclasses import dataclass
from math import isqrt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarmfi.chain.harness import Contract, Harness, RevertError, deploy_amm

E18 = 10**18
MAX = 2**256 - 1
ZERO = "0x" + "00" * 20
HYPO = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """Uniswap V2's getAmountOut, written out independently of the contract."""
    return amount_in * 997 * reserve_out // (reserve_in * 1000 + amount_in * 997)


def amount_in(amount_out_: int, reserve_in: int, reserve_out: int) -> int:
    return reserve_in * amount_out_ * 1000 // ((reserve_out - amount_out_) * 997) + 1


@dataclass
class World:
    h: Harness
    weth: Contract
    factory: Contract
    router: Contract
    tokens: list[Contract]
    alice: str

    def pair(self, a: Contract, b: Contract) -> Contract:
        return self.h.at("Pair", self.factory.call.getPair(a.address, b.address))

    def reserves(self, a: Contract, b: Contract) -> tuple[int, int]:
        pair = self.pair(a, b)
        r0, r1, _ = pair.call.getReserves()
        return (r0, r1) if pair.call.token0() == a.address else (r1, r0)

    @property
    def deadline(self) -> int:
        return self.h.timestamp + 600

    def add(self, a: Contract, b: Contract, amount_a: int, amount_b: int) -> tuple:
        result = self.router.transact.addLiquidity(
            a.address,
            b.address,
            amount_a,
            amount_b,
            0,
            0,
            self.alice,
            self.deadline,
            sender=self.alice,
        )
        return result.output


def make_world() -> World:
    h = Harness()
    alice = h.new_account(eth=10**6 * E18)
    weth = h.deploy("WETH")
    factory, router = deploy_amm(h, weth.address)
    tokens = [
        h.deploy("ERC20", f"Token {s}", s, 18, 10**12 * E18, alice, sender=alice) for s in "ABC"
    ]
    weth.transact.deposit(sender=alice, value=10**5 * E18)
    for token in [*tokens, weth]:
        token.transact.approve(router.address, MAX, sender=alice)
    world = World(h, weth, factory, router, tokens, alice)
    a, b, c = tokens
    world.add(a, b, 1_000_000 * E18, 2_000_000 * E18)
    world.add(b, c, 500_000 * E18, 250_000 * E18)
    world.add(a, weth, 300_000 * E18, 100 * E18)
    return world


@pytest.fixture(scope="module")
def shared() -> World:
    return make_world()


@pytest.fixture
def w(shared: World):
    snap = shared.h.snapshot()
    yield shared
    shared.h.revert(snap)


def bal(token: Contract, who: str) -> int:
    return token.call.balanceOf(who)


# ------------------------------------------------------------------ factory


def test_factory_creates_one_pair_per_token_pair(w):
    h = w.h
    x = h.deploy("ERC20", "X", "X", 18, 0, ZERO)
    y = h.deploy("ERC20", "Y", "Y", 18, 0, ZERO)
    before = w.factory.call.allPairsLength()
    result = w.factory.transact.createPair(y.address, x.address)
    pair = result.output
    assert w.factory.call.getPair(x.address, y.address) == pair
    assert w.factory.call.getPair(y.address, x.address) == pair
    assert w.factory.call.allPairsLength() == before + 1
    assert w.factory.call.allPairs(before) == pair
    event = result.named("PairCreated")[0].args
    assert int(event["token0"], 16) < int(event["token1"], 16)
    assert event["pair"] == pair
    with pytest.raises(RevertError, match="Factory: PAIR_EXISTS"):
        w.factory.transact.createPair(x.address, y.address)
    with pytest.raises(RevertError, match="Factory: IDENTICAL_ADDRESSES"):
        w.factory.transact.createPair(x.address, x.address)
    with pytest.raises(RevertError, match="Factory: ZERO_ADDRESS"):
        w.factory.transact.createPair(ZERO, x.address)


def test_pair_metadata_and_v2_abi(w):
    a, b, _ = w.tokens
    pair = w.pair(a, b)
    assert {pair.call.token0(), pair.call.token1()} == {a.address, b.address}
    assert pair.call.factory() == w.factory.address
    assert pair.call.MINIMUM_LIQUIDITY() == 1000
    assert pair.call.decimals() == 18
    outputs = next(e for e in pair.abi if e.get("name") == "getReserves")["outputs"]
    assert [o["type"] for o in outputs] == ["uint112", "uint112", "uint32"]
    swap = next(e for e in pair.abi if e.get("name") == "swap")
    assert [i["type"] for i in swap["inputs"]] == ["uint256", "uint256", "address", "bytes"]
    assert "mint" in pair.functions and "setMinter" not in pair.functions


def test_router_exposes_factory_and_weth(w):
    assert w.router.call.factory() == w.factory.address
    assert w.router.call.WETH() == w.weth.address


# ------------------------------------------------------------------ liquidity


def test_first_liquidity_mints_sqrt_minus_minimum(w):
    h = w.h
    x = h.deploy("ERC20", "X", "X", 18, 10**30, w.alice, sender=w.alice)
    y = h.deploy("ERC20", "Y", "Y", 6, 10**30, w.alice, sender=w.alice)
    for t in (x, y):
        t.transact.approve(w.router.address, MAX, sender=w.alice)
    got_x, got_y, liquidity = w.add(x, y, 5 * E18, 12_000 * 10**6)
    assert (got_x, got_y) == (5 * E18, 12_000 * 10**6)
    assert liquidity == isqrt(5 * E18 * 12_000 * 10**6) - 1000
    pair = w.pair(x, y)
    assert pair.call.balanceOf(ZERO) == 1000
    assert pair.call.totalSupply() == liquidity + 1000
    assert w.reserves(x, y) == (5 * E18, 12_000 * 10**6)


def test_add_liquidity_uses_the_pool_ratio(w):
    a, b, _ = w.tokens
    pair = w.pair(a, b)
    supply = pair.call.totalSupply()
    got_a, got_b, liquidity = w.add(a, b, 10 * E18, 100 * E18)
    assert (got_a, got_b) == (10 * E18, 20 * E18)
    assert liquidity == 10 * E18 * supply // (1_000_000 * E18)
    got_a, got_b, _ = w.add(a, b, 100 * E18, 20 * E18)
    assert (got_a, got_b) == (10 * E18, 20 * E18)


def test_add_liquidity_min_amounts_and_deadline(w):
    a, b, _ = w.tokens
    args = (a.address, b.address, 10 * E18, 100 * E18)
    with pytest.raises(RevertError, match="Router: INSUFFICIENT_B_AMOUNT"):
        w.router.transact.addLiquidity(*args, 0, 21 * E18, w.alice, w.deadline, sender=w.alice)
    with pytest.raises(RevertError, match="Router: INSUFFICIENT_A_AMOUNT"):
        w.router.transact.addLiquidity(
            a.address,
            b.address,
            100 * E18,
            20 * E18,
            11 * E18,
            0,
            w.alice,
            w.deadline,
            sender=w.alice,
        )
    with pytest.raises(RevertError, match="Router: EXPIRED"):
        w.router.transact.addLiquidity(*args, 0, 0, w.alice, w.h.timestamp - 1, sender=w.alice)


def test_add_liquidity_creates_missing_pair(w):
    x = w.h.deploy("ERC20", "X", "X", 18, 10**30, w.alice, sender=w.alice)
    x.transact.approve(w.router.address, MAX, sender=w.alice)
    a = w.tokens[0]
    assert w.factory.call.getPair(a.address, x.address) == ZERO
    w.add(a, x, E18, E18)
    assert w.reserves(a, x) == (E18, E18)


def test_remove_liquidity_returns_the_share(w):
    a, b, _ = w.tokens
    pair = w.pair(a, b)
    lp = pair.call.balanceOf(w.alice) // 10
    ra, rb = w.reserves(a, b)
    supply = pair.call.totalSupply()
    pair.transact.approve(w.router.address, lp, sender=w.alice)
    before = bal(a, w.alice), bal(b, w.alice)
    out_a, out_b = w.router.transact.removeLiquidity(
        a.address, b.address, lp, 0, 0, w.alice, w.deadline, sender=w.alice
    ).output
    assert (out_a, out_b) == (lp * ra // supply, lp * rb // supply)
    assert (bal(a, w.alice), bal(b, w.alice)) == (before[0] + out_a, before[1] + out_b)


def test_remove_liquidity_checks_minimums_and_allowance(w):
    a, b, _ = w.tokens
    pair = w.pair(a, b)
    with pytest.raises(RevertError, match="ERC20: insufficient allowance"):
        w.router.transact.removeLiquidity(
            a.address, b.address, E18, 0, 0, w.alice, w.deadline, sender=w.alice
        )
    pair.transact.approve(w.router.address, MAX, sender=w.alice)
    with pytest.raises(RevertError, match="Router: INSUFFICIENT_B_AMOUNT"):
        w.router.transact.removeLiquidity(
            a.address, b.address, E18, 0, 10**6 * E18, w.alice, w.deadline, sender=w.alice
        )


# ------------------------------------------------------------------ token swaps


def test_exact_in_swap_pays_the_v2_formula(w):
    a, b, _ = w.tokens
    ra, rb = w.reserves(a, b)
    bob = w.h.new_account()
    expected = amount_out(1000 * E18, ra, rb)
    result = w.router.transact.swapExactTokensForTokens(
        1000 * E18, expected, [a.address, b.address], bob, w.deadline, sender=w.alice
    )
    assert result.output == [1000 * E18, expected]
    assert bal(b, bob) == expected
    assert w.reserves(a, b) == (ra + 1000 * E18, rb - expected)


def test_exact_in_swap_min_out_and_deadline(w):
    a, b, _ = w.tokens
    quoted = w.router.call.getAmountsOut(E18, [a.address, b.address])[-1]
    with pytest.raises(RevertError) as info:
        w.router.transact.swapExactTokensForTokens(
            E18, quoted + 1, [a.address, b.address], w.alice, w.deadline, sender=w.alice
        )
    assert info.value.reason == "Router: INSUFFICIENT_OUTPUT_AMOUNT"
    with pytest.raises(RevertError) as info:
        w.router.transact.swapExactTokensForTokens(
            E18, 0, [a.address, b.address], w.alice, w.h.timestamp - 1, sender=w.alice
        )
    assert info.value.reason == "Router: EXPIRED"


def test_exact_out_swap_delivers_exactly(w):
    a, b, _ = w.tokens
    ra, rb = w.reserves(a, b)
    bob = w.h.new_account()
    need = amount_in(500 * E18, ra, rb)
    result = w.router.transact.swapTokensForExactTokens(
        500 * E18, need, [a.address, b.address], bob, w.deadline, sender=w.alice
    )
    assert result.output == [need, 500 * E18]
    assert bal(b, bob) == 500 * E18
    with pytest.raises(RevertError, match="Router: EXCESSIVE_INPUT_AMOUNT"):
        w.router.transact.swapTokensForExactTokens(
            500 * E18, need // 2, [a.address, b.address], bob, w.deadline, sender=w.alice
        )


def test_multi_hop_matches_quotes(w):
    a, b, c = w.tokens
    path = [a.address, b.address, c.address]
    quoted = w.router.call.getAmountsOut(10_000 * E18, path)
    ra, rb1 = w.reserves(a, b)
    rb2, rc = w.reserves(b, c)
    hop1 = amount_out(10_000 * E18, ra, rb1)
    assert quoted == [10_000 * E18, hop1, amount_out(hop1, rb2, rc)]
    bob = w.h.new_account()
    w.router.transact.swapExactTokensForTokens(
        10_000 * E18, quoted[-1], path, bob, w.deadline, sender=w.alice
    )
    assert bal(c, bob) == quoted[-1]
    assert bal(b, bob) == 0
    needed = w.router.call.getAmountsIn(1000 * E18, path)
    assert needed[-1] == 1000 * E18
    w.router.transact.swapTokensForExactTokens(
        1000 * E18, needed[0], path, bob, w.deadline, sender=w.alice
    )
    assert bal(c, bob) == quoted[-1] + 1000 * E18


def test_bad_paths_revert_readably(w):
    a, b, c = w.tokens
    with pytest.raises(RevertError, match="Router: INVALID_PATH"):
        w.router.call.getAmountsOut(E18, [a.address])
    with pytest.raises(RevertError, match="Router: PAIR_NOT_FOUND"):
        w.router.call.getAmountsOut(E18, [a.address, c.address])
    with pytest.raises(RevertError, match="Router: IDENTICAL_ADDRESSES"):
        w.router.call.getAmountsOut(E18, [a.address, a.address])
    with pytest.raises(RevertError, match="Router: INSUFFICIENT_INPUT_AMOUNT"):
        w.router.call.getAmountsOut(0, [a.address, b.address])
    with pytest.raises(RevertError, match="Router: INSUFFICIENT_LIQUIDITY"):
        w.router.call.getAmountsIn(2_000_000 * E18, [a.address, b.address])
    with pytest.raises(RevertError):  # more than 4 tokens does not decode
        w.router.call.getAmountsOut(E18, [a.address, b.address] * 3)


def test_library_views(w):
    assert w.router.call.quote(10, 100, 300) == 30
    assert w.router.call.getAmountOut(1000, 10**6, 10**6) == amount_out(1000, 10**6, 10**6)
    assert w.router.call.getAmountIn(1000, 10**6, 10**6) == amount_in(1000, 10**6, 10**6)
    with pytest.raises(RevertError, match="Router: INSUFFICIENT_AMOUNT"):
        w.router.call.quote(0, 1, 1)
    with pytest.raises(RevertError, match="Router: INSUFFICIENT_OUTPUT_AMOUNT"):
        w.router.call.getAmountIn(0, 1, 1)


# ------------------------------------------------------------------ ether swaps


def test_exact_eth_for_tokens(w):
    a = w.tokens[0]
    bob = w.h.new_account(eth=10 * E18)
    path = [w.weth.address, a.address]
    quoted = w.router.call.getAmountsOut(E18, path)
    w.router.transact.swapExactETHForTokens(
        quoted[-1], path, bob, w.deadline, sender=bob, value=E18
    )
    assert bal(a, bob) == quoted[-1]
    assert w.h.eth(bob) == 9 * E18
    with pytest.raises(RevertError, match="Router: INVALID_PATH"):
        w.router.transact.swapExactETHForTokens(
            0, [a.address, w.weth.address], bob, w.deadline, sender=bob, value=E18
        )


def test_eth_for_exact_tokens_refunds_the_rest(w):
    a = w.tokens[0]
    bob = w.h.new_account(eth=10 * E18)
    path = [w.weth.address, a.address]
    need = w.router.call.getAmountsIn(1000 * E18, path)[0]
    w.router.transact.swapETHForExactTokens(
        1000 * E18, path, bob, w.deadline, sender=bob, value=5 * E18
    )
    assert bal(a, bob) == 1000 * E18
    assert w.h.eth(bob) == 10 * E18 - need
    with pytest.raises(RevertError, match="Router: EXCESSIVE_INPUT_AMOUNT"):
        w.router.transact.swapETHForExactTokens(
            1000 * E18, path, bob, w.deadline, sender=bob, value=need // 2
        )


def test_tokens_for_eth_both_ways(w):
    a = w.tokens[0]
    bob = w.h.new_account(eth=0)
    path = [a.address, w.weth.address]
    quoted = w.router.call.getAmountsOut(3000 * E18, path)
    w.router.transact.swapExactTokensForETH(
        3000 * E18, quoted[-1], path, bob, w.deadline, sender=w.alice
    )
    assert w.h.eth(bob) == quoted[-1]
    need = w.router.call.getAmountsIn(E18, path)[0]
    w.router.transact.swapTokensForExactETH(E18, need, path, bob, w.deadline, sender=w.alice)
    assert w.h.eth(bob) == quoted[-1] + E18
    with pytest.raises(RevertError, match="Router: INVALID_PATH"):
        w.router.transact.swapExactTokensForETH(
            E18, 0, [w.weth.address, a.address], bob, w.deadline, sender=w.alice
        )


def test_add_and_remove_liquidity_eth(w):
    a = w.tokens[0]
    ra, rw = w.reserves(a, w.weth)
    eth_before = w.h.eth(w.alice)
    got_a, got_eth, liquidity = w.router.transact.addLiquidityETH(
        a.address, 3000 * E18, 0, 0, w.alice, w.deadline, sender=w.alice, value=5 * E18
    ).output
    assert got_a == 3000 * E18
    assert got_eth == 3000 * E18 * rw // ra
    assert w.h.eth(w.alice) == eth_before - got_eth
    pair = w.pair(a, w.weth)
    pair.transact.approve(w.router.address, liquidity, sender=w.alice)
    out_a, out_eth = w.router.transact.removeLiquidityETH(
        a.address, liquidity, 0, 0, w.alice, w.deadline, sender=w.alice
    ).output
    assert out_a <= got_a and out_eth <= got_eth
    assert w.h.eth(w.alice) == eth_before - got_eth + out_eth


def test_router_refuses_stray_ether(w):
    with pytest.raises(RevertError, match="Router: only WETH sends ether here"):
        w.h.transact_raw(w.router.address, b"", sender=w.alice, value=1)


# ------------------------------------------------------------------ pair directly


def test_pair_rejects_k_violations_and_bad_calls(w):
    a, b, _ = w.tokens
    pair = w.pair(a, b)
    a0 = pair.call.token0() == a.address
    a.transact.transfer(pair.address, 1000 * E18, sender=w.alice)
    ra, rb = w.reserves(a, b)
    fair = amount_out(1000 * E18, ra, rb)
    outs = (0, fair + 1) if a0 else (fair + 1, 0)
    with pytest.raises(RevertError, match="Pair: K"):
        pair.transact.swap(*outs, w.alice, b"", sender=w.alice)
    with pytest.raises(RevertError, match="Pair: INSUFFICIENT_OUTPUT_AMOUNT"):
        pair.transact.swap(0, 0, w.alice, b"", sender=w.alice)
    with pytest.raises(RevertError, match="Pair: INVALID_TO"):
        pair.transact.swap(*outs, a.address, b"", sender=w.alice)
    with pytest.raises(RevertError, match="flash swaps are not supported"):
        pair.transact.swap(*outs, w.alice, b"\x01", sender=w.alice)
    with pytest.raises(RevertError, match="Pair: INSUFFICIENT_LIQUIDITY"):
        pair.transact.swap(10**40, 0, w.alice, b"", sender=w.alice)
    outs = (0, fair) if a0 else (fair, 0)
    pair.transact.swap(*outs, w.alice, b"", sender=w.alice)
    assert w.reserves(a, b) == (ra + 1000 * E18, rb - fair)


def test_pair_refuses_balances_beyond_uint112(w):
    h = w.h
    x = h.deploy("ERC20", "X", "X", 18, 2**120, w.alice, sender=w.alice)
    y = h.deploy("ERC20", "Y", "Y", 18, 2**120, w.alice, sender=w.alice)
    pair = h.at("Pair", w.factory.transact.createPair(x.address, y.address).output)
    x.transact.transfer(pair.address, 2**112, sender=w.alice)
    y.transact.transfer(pair.address, 10**18, sender=w.alice)
    with pytest.raises(RevertError, match="Pair: OVERFLOW"):
        pair.transact.mint(w.alice, sender=w.alice)
    with pytest.raises(RevertError, match="Pair: OVERFLOW"):
        pair.transact.sync(sender=w.alice)


def test_skim_and_sync(w):
    a, b, _ = w.tokens
    pair = w.pair(a, b)
    ra, rb = w.reserves(a, b)
    bob = w.h.new_account()
    a.transact.transfer(pair.address, 7 * E18, sender=w.alice)
    pair.transact.skim(bob, sender=bob)
    assert bal(a, bob) == 7 * E18
    assert w.reserves(a, b) == (ra, rb)
    a.transact.transfer(pair.address, 7 * E18, sender=w.alice)
    result = pair.transact.sync(sender=bob)
    assert w.reserves(a, b) == (ra + 7 * E18, rb)
    assert result.named("Sync")


def test_price_accumulators_grow_with_time(w):
    a, b, _ = w.tokens
    pair = w.pair(a, b)
    before = pair.call.price0CumulativeLast()
    w.h.warp(100)
    pair.transact.sync(sender=w.alice)
    r0, r1, stamp = pair.call.getReserves()
    assert stamp == w.h.timestamp % 2**32
    assert pair.call.price0CumulativeLast() == before + (r1 << 112) // r0 * 100


# ------------------------------------------------------------------ invariants

swap_steps = st.lists(
    st.tuples(st.booleans(), st.booleans(), st.integers(1, 400_000 * E18)),
    min_size=1,
    max_size=8,
)


@HYPO
@given(steps=swap_steps)
def test_k_never_decreases_across_swaps(shared, steps):
    w = shared
    a, b, _ = w.tokens
    snap = w.h.snapshot()
    try:
        ra, rb = w.reserves(a, b)
        for a_to_b, exact_in, amount in steps:
            src, dst = (a, b) if a_to_b else (b, a)
            path = [src.address, dst.address]
            try:
                if exact_in:
                    w.router.transact.swapExactTokensForTokens(
                        amount, 0, path, w.alice, w.deadline, sender=w.alice
                    )
                else:
                    w.router.transact.swapTokensForExactTokens(
                        amount, MAX, path, w.alice, w.deadline, sender=w.alice
                    )
            except RevertError as exc:  # dust rounds to 0 out, or more out than the pool has
                allowed = (
                    "Pair: INSUFFICIENT_OUTPUT_AMOUNT"
                    if exact_in
                    else "Router: INSUFFICIENT_LIQUIDITY"
                )
                assert exc.reason == allowed
            na, nb = w.reserves(a, b)
            assert na * nb >= ra * rb
            ra, rb = na, nb
    finally:
        w.h.revert(snap)


@HYPO
@given(amount=st.integers(1, 50_000 * E18), hops=st.sampled_from([1, 2]), forward=st.booleans())
def test_get_amounts_out_matches_realised_output(shared, amount, hops, forward):
    w = shared
    path = [t.address for t in w.tokens[: hops + 1]]
    if not forward:
        path.reverse()
    last = w.h.at("ERC20", path[-1])
    snap = w.h.snapshot()
    try:
        quoted = w.router.call.getAmountsOut(amount, path)
        before = bal(last, w.alice)
        if 0 in quoted:  # dust: a hop rounds to nothing and the pair refuses it
            with pytest.raises(RevertError, match="Pair: INSUFFICIENT_OUTPUT_AMOUNT"):
                w.router.transact.swapExactTokensForTokens(
                    amount, 0, path, w.alice, w.deadline, sender=w.alice
                )
            return
        result = w.router.transact.swapExactTokensForTokens(
            amount, 0, path, w.alice, w.deadline, sender=w.alice
        )
        assert result.output == quoted
        assert bal(last, w.alice) - before == quoted[-1]
    finally:
        w.h.revert(snap)


@HYPO
@given(out=st.integers(1, 100_000 * E18), slack=st.integers(0, 10**20))
def test_exact_out_never_takes_more_than_max(shared, out, slack):
    w = shared
    a, b, _ = w.tokens
    path = [a.address, b.address]
    snap = w.h.snapshot()
    try:
        needed = w.router.call.getAmountsIn(out, path)[0]
        max_in = max(needed - 1 + slack - 10**19, 0)
        before_a, before_b = bal(a, w.alice), bal(b, w.alice)
        try:
            w.router.transact.swapTokensForExactTokens(
                out, max_in, path, w.alice, w.deadline, sender=w.alice
            )
        except RevertError as exc:
            assert exc.reason == "Router: EXCESSIVE_INPUT_AMOUNT"
            assert max_in < needed
            return
        assert before_a - bal(a, w.alice) == needed <= max_in
        assert bal(b, w.alice) - before_b == out
    finally:
        w.h.revert(snap)


@HYPO
@given(amount_a=st.integers(10**3, 10**6 * E18), amount_b=st.integers(10**3, 10**6 * E18))
def test_add_then_remove_never_returns_more(shared, amount_a, amount_b):
    w = shared
    _, b, c = w.tokens
    pair = w.pair(b, c)
    snap = w.h.snapshot()
    try:
        before = bal(b, w.alice), bal(c, w.alice), pair.call.balanceOf(w.alice)
        try:
            put_b, put_c, liquidity = w.add(b, c, amount_a, amount_b)
        except RevertError as exc:
            assert "INSUFFICIENT" in exc.reason
            return
        pair.transact.approve(w.router.address, liquidity, sender=w.alice)
        got_b, got_c = w.router.transact.removeLiquidity(
            b.address, c.address, liquidity, 0, 0, w.alice, w.deadline, sender=w.alice
        ).output
        assert got_b <= put_b and got_c <= put_c
        assert bal(b, w.alice) <= before[0] and bal(c, w.alice) <= before[1]
        assert pair.call.balanceOf(w.alice) == before[2]
    finally:
        w.h.revert(snap)
