"""Launchpad.vy + LaunchToken.vy on a real pyrevm EVM, graduating into the real AMM."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.chain.harness import Contract, Harness, RevertError, deploy_amm

E18 = 10**18
SUPPLY = 1_000_000_000 * E18
TARGET = 10 * E18
VESTING = 180 * 86_400
MAX = 2**256 - 1


@dataclass
class Pad:
    h: Harness
    pad: Contract
    weth: Contract
    factory: Contract
    router: Contract


@dataclass
class Launched:
    token: Contract
    pair: Contract
    creator: str


def deploy_pad() -> Pad:
    h = Harness()
    weth = h.deploy("WETH")
    factory, router = deploy_amm(h, weth.address)
    pad = h.deploy("Launchpad", h.deploy_blueprint("LaunchToken"), router.address, VESTING)
    return Pad(h, pad, weth, factory, router)


def launch(p: Pad, community_bps: int = 5_000, target: int = TARGET) -> Launched:
    creator = p.h.new_account()
    token = p.pad.transact.launch("Swarm Cat", "SCAT", SUPPLY, community_bps, target,
                                  sender=creator).output
    pair = p.factory.call.getPair(token, p.weth.address)
    return Launched(p.h.at("LaunchToken", token), p.h.at("Pair", pair), creator)


@pytest.fixture
def p() -> Pad:
    return deploy_pad()


def buy(p: Pad, t: Launched, wei: int, who: str | None = None, min_out: int = 0) -> tuple[str, int]:
    who = who or p.h.new_account(eth=10**24)
    out = p.pad.transact.buy(t.token.address, min_out, sender=who, value=wei).output
    return who, out


def curve(p: Pad, t: Launched) -> dict[str, int]:
    fields = p.pad.call.launches(t.token.address)
    names = ("creator", "pair", "target", "community", "creator_supply", "lp", "x0", "y0",
             "sold", "raised", "claimed", "start", "graduated", "lp_locked")
    out = dict(zip(names, fields, strict=True))
    for key in ("creator", "pair"):
        out[key] = to_checksum_address(out[key])
    return out


# ------------------------------------------------------------------ launch


def test_launch_splits_the_supply(p):
    t = launch(p)
    c = curve(p, t)
    x0 = TARGET // 3
    y0 = SUPPLY // 2 * (x0 + TARGET) // TARGET
    lp = (y0 - SUPPLY // 2) * TARGET // (x0 + TARGET)
    assert (c["community"], c["x0"], c["y0"], c["lp"]) == (SUPPLY // 2, x0, y0, lp)
    assert c["creator_supply"] == SUPPLY - SUPPLY // 2 - lp
    assert lp // 10**18 == SUPPLY // 8 // 10**18 - 1  # about a quarter of the community share
    assert c["creator"] == t.creator
    assert t.token.call.name() == "Swarm Cat"
    assert t.token.call.symbol() == "SCAT"
    assert t.token.call.decimals() == 18
    assert t.token.call.balanceOf(p.pad.address) == SUPPLY
    assert t.token.call.pair() == t.pair.address
    assert p.pad.call.allTokensLength() == 1
    assert p.pad.call.allTokens(0) == t.token.address
    assert p.pad.call.graduated(t.token.address) is False
    assert p.pad.call.raised(t.token.address) == 0


def test_launch_event(p):
    creator = p.h.new_account()
    result = p.pad.transact.launch("Swarm Cat", "SCAT", SUPPLY, 4_000, TARGET, sender=creator)
    args = result.named("Launched")[0].args
    assert args["token"] == result.output
    assert args["creator"] == creator
    assert args["community_supply"] == SUPPLY * 4 // 10
    assert args["supply"] == SUPPLY
    assert args["community_supply"] + args["creator_supply"] + args["lp_supply"] == SUPPLY


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("A", "A", SUPPLY, 3_999, TARGET), "Launchpad: community share must be 40-60%"),
        (("A", "A", SUPPLY, 6_001, TARGET), "Launchpad: community share must be 40-60%"),
        (("", "A", SUPPLY, 5_000, TARGET), "Launchpad: name and symbol are required"),
        (("A", "A", 10**17, 5_000, TARGET), "Launchpad: supply must be 1e18 to 1e33"),
        (("A", "A", 10**34, 5_000, TARGET), "Launchpad: supply must be 1e18 to 1e33"),
        (("A", "A", SUPPLY, 5_000, 10**14), "Launchpad: target raise must be 1e15 to 1e30"),
    ],
)
def test_launch_bounds(p, args, reason):
    with pytest.raises(RevertError, match=reason):
        p.pad.transact.launch(*args)


def test_launch_survives_a_pair_created_in_advance(p):
    snap = p.h.snapshot()
    token = p.pad.transact.launch("Swarm Cat", "SCAT", SUPPLY, 5_000, TARGET).output
    p.h.revert(snap)
    pair = p.factory.transact.createPair(p.weth.address, token).output
    t = launch(p)
    assert t.token.address == token
    assert t.pair.address == pair
    buy(p, t, 11 * E18)
    assert p.pad.call.graduated(token) is True


# ------------------------------------------------------------------ trading on the curve


def test_buy_matches_the_quote_and_takes_a_fee(p):
    t = launch(p)
    quoted = p.pad.call.quoteBuy(t.token.address, E18)
    price_before = p.pad.call.price(t.token.address)
    who = p.h.new_account(eth=5 * E18)
    result = p.pad.transact.buy(t.token.address, quoted, sender=who, value=E18)
    c = curve(p, t)
    net = E18 - E18 // 100
    assert result.output == quoted
    assert quoted == c["y0"] * net // (c["x0"] + net)
    assert t.token.call.balanceOf(who) == quoted
    assert p.h.eth(who) == 4 * E18
    assert c["raised"] == net
    assert p.pad.call.fees() == E18 // 100
    assert result.named("Buy")[0].args["fee"] == E18 // 100
    assert p.pad.call.price(t.token.address) > price_before
    assert price_before == TARGET // 3 * E18 // c["y0"]


def test_buy_slippage_and_input_checks(p):
    t = launch(p)
    quoted = p.pad.call.quoteBuy(t.token.address, E18)
    with pytest.raises(RevertError, match="Launchpad: INSUFFICIENT_OUTPUT_AMOUNT"):
        buy(p, t, E18, min_out=quoted + 1)
    with pytest.raises(RevertError, match="Launchpad: no ETH sent"):
        buy(p, t, 0)
    with pytest.raises(RevertError, match="Launchpad: unknown token"):
        p.pad.transact.buy(p.weth.address, 0, value=E18)


def test_sell_returns_eth_minus_fee(p):
    t = launch(p)
    who, bought = buy(p, t, 2 * E18)
    t.token.transact.approve(p.pad.address, MAX, sender=who)
    half = bought // 2
    quoted = p.pad.call.quoteSell(t.token.address, half)
    before = p.h.eth(who)
    result = p.pad.transact.sell(t.token.address, half, quoted, sender=who)
    assert result.output == quoted
    assert p.h.eth(who) - before == quoted
    gross = quoted * 100 // 99
    assert abs(result.named("Sell")[0].args["fee"] - gross // 100) <= 1
    with pytest.raises(RevertError, match="Launchpad: INSUFFICIENT_OUTPUT_AMOUNT"):
        p.pad.transact.sell(t.token.address, half, p.h.eth(p.pad.address), sender=who)


def test_round_trip_loses_only_fees(p):
    t = launch(p)
    who, bought = buy(p, t, E18)
    t.token.transact.approve(p.pad.address, MAX, sender=who)
    back = p.pad.transact.sell(t.token.address, bought, 0, sender=who).output
    assert back <= E18 * 99 * 99 // 10_000
    assert back >= E18 * 99 * 99 // 10_000 - 10
    assert curve(p, t)["sold"] == 0


def test_only_curve_sold_tokens_can_be_sold_back(p):
    t = launch(p)
    buy(p, t, E18 // 10)
    p.h.warp(VESTING)
    claimed = p.pad.transact.claimVested(t.token.address, sender=t.creator).output
    t.token.transact.approve(p.pad.address, MAX, sender=t.creator)
    with pytest.raises(RevertError, match="Launchpad: amount exceeds what the curve has sold"):
        p.pad.transact.sell(t.token.address, claimed, 0, sender=t.creator)


def test_sell_without_approval_is_refused(p):
    t = launch(p)
    who, bought = buy(p, t, E18)
    with pytest.raises(RevertError, match="ERC20: insufficient allowance"):
        p.pad.transact.sell(t.token.address, bought, 0, sender=who)


def test_tokens_cannot_reach_the_pair_before_graduation(p):
    t = launch(p)
    who, bought = buy(p, t, E18)
    with pytest.raises(RevertError, match="LaunchToken: the AMM pool opens at graduation"):
        t.token.transact.transfer(t.pair.address, bought, sender=who)
    t.token.transact.transfer(p.h.new_account(), bought, sender=who)


# ------------------------------------------------------------------ graduation


def test_graduation_moves_liquidity_and_locks_lp(p):
    t = launch(p)
    buy(p, t, 4 * E18)
    who = p.h.new_account(eth=100 * E18)
    c = curve(p, t)
    needed = TARGET - c["raised"]
    fee = -(-needed * 100 // 9_900)
    last_curve_price = (c["x0"] + TARGET) * E18 // (c["y0"] - c["community"])
    result = p.pad.transact.buy(t.token.address, 0, sender=who, value=20 * E18)
    assert result.output == c["community"] - c["sold"]
    assert p.h.eth(who) == 100 * E18 - needed - fee  # the excess came back
    (event,) = result.named("Graduated")
    assert event.args["eth"] == TARGET
    assert event.args["tokens"] == c["lp"]
    c = curve(p, t)
    assert c["graduated"] is True
    assert c["sold"] == c["community"]
    assert p.pad.call.graduated(t.token.address) is True
    assert p.pad.call.raised(t.token.address) == TARGET
    # the pool holds the raise as WETH and the LP allotment; the launchpad holds all LP tokens
    reserves = t.pair.call.getReserves()
    weth_first = t.pair.call.token0() == p.weth.address
    assert (reserves[0], reserves[1]) == ((TARGET, c["lp"]) if weth_first else (c["lp"], TARGET))
    locked = t.pair.call.balanceOf(p.pad.address)
    assert locked == c["lp_locked"] == p.pad.call.lpLocked(t.token.address)
    assert locked == t.pair.call.totalSupply() - 1_000
    assert t.token.call.balanceOf(p.pad.address) == c["creator_supply"]
    # the pool opens at the curve's final price
    assert abs(p.pad.call.price(t.token.address) - last_curve_price) <= 1


def test_no_curve_trading_after_graduation(p):
    t = launch(p)
    who, _ = buy(p, t, 11 * E18)
    with pytest.raises(RevertError, match="Launchpad: token has graduated; trade it on the AMM"):
        buy(p, t, E18)
    t.token.transact.approve(p.pad.address, MAX, sender=who)
    with pytest.raises(RevertError, match="Launchpad: token has graduated"):
        p.pad.transact.sell(t.token.address, 1, 0, sender=who)
    with pytest.raises(RevertError, match="Launchpad: token has graduated"):
        p.pad.call.quoteBuy(t.token.address, E18)


def test_the_token_trades_on_the_amm_after_graduation(p):
    t = launch(p)
    who, bought = buy(p, t, 11 * E18)
    t.token.transact.approve(p.router.address, MAX, sender=who)
    path = [t.token.address, p.weth.address]
    before = p.h.eth(who)
    amounts = p.router.transact.swapExactTokensForETH(bought // 10, 0, path, who, 2**40,
                                                       sender=who).output
    assert p.h.eth(who) - before == amounts[-1]
    assert amounts[-1] > 0


# ------------------------------------------------------------------ vesting and fees


def test_creator_vesting_is_linear(p):
    t = launch(p)
    share = curve(p, t)["creator_supply"]
    with pytest.raises(RevertError, match="Launchpad: only the creator can claim"):
        p.pad.transact.claimVested(t.token.address, sender=p.h.new_account())
    p.h.warp(VESTING // 4)
    assert p.pad.call.vestedAmount(t.token.address) == share // 4
    assert p.pad.transact.claimVested(t.token.address, sender=t.creator).output == share // 4
    with pytest.raises(RevertError, match="Launchpad: nothing vested to claim yet"):
        p.pad.transact.claimVested(t.token.address, sender=t.creator)
    p.h.warp(VESTING)
    result = p.pad.transact.claimVested(t.token.address, sender=t.creator)
    assert result.output == share - share // 4
    assert result.named("VestedClaimed")[0].args["amount"] == share - share // 4
    assert t.token.call.balanceOf(t.creator) == share


def test_fees_go_to_the_owner(p):
    t = launch(p)
    buy(p, t, 3 * E18)
    fees = p.pad.call.fees()
    assert fees == 3 * E18 // 100
    with pytest.raises(RevertError, match="Launchpad: caller is not the owner"):
        p.pad.transact.withdrawFees(t.creator, sender=t.creator)
    treasury = p.h.new_account(eth=0)
    assert p.pad.transact.withdrawFees(treasury).output == fees
    assert p.h.eth(treasury) == fees
    assert p.pad.call.fees() == 0


# ------------------------------------------------------------------ invariants


@settings(max_examples=40, deadline=None)
@given(buys=st.lists(st.integers(10**12, 3 * E18), min_size=1, max_size=15))
def test_price_never_decreases_as_supply_is_bought(buys):
    p = deploy_pad()
    t = launch(p)
    price = p.pad.call.price(t.token.address)
    per_eth = None
    for wei in buys:
        if p.pad.call.graduated(t.token.address):
            break
        quoted = p.pad.call.quoteBuy(t.token.address, E18 // 100)
        assert per_eth is None or quoted <= per_eth  # later buyers get fewer tokens per ETH
        per_eth = quoted
        buy(p, t, wei)
        new_price = p.pad.call.price(t.token.address)
        assert new_price >= price
        price = new_price


TRADES = st.lists(
    st.tuples(st.sampled_from(["buy", "sell"]), st.integers(0, 2), st.integers(1, 10**4)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=50, deadline=None)
@given(trades=TRADES)
def test_graduation_happens_exactly_once_and_the_curve_stays_solvent(trades):
    p = deploy_pad()
    t = launch(p, target=3 * E18)
    users = [p.h.new_account(eth=10**22) for _ in range(3)]
    for u in users:
        t.token.transact.approve(p.pad.address, MAX, sender=u)
    graduations = 0
    for kind, who, size in trades:
        was_graduated = p.pad.call.graduated(t.token.address)
        try:
            if kind == "buy":
                result = p.pad.transact.buy(t.token.address, 0, sender=users[who],
                                            value=E18 * size // 5_000)
            else:
                amount = t.token.call.balanceOf(users[who]) * size // 10**4
                result = p.pad.transact.sell(t.token.address, amount, 0, sender=users[who])
        except RevertError as exc:
            assert exc.reason.startswith("Launchpad: "), exc.reason
            assert was_graduated or "too small" in exc.reason or "amount is zero" in exc.reason
            continue
        assert not was_graduated
        graduations += len(result.named("Graduated"))
        c = curve(p, t)
        # while open, the curve's invariant never falls, so it can always pay its sellers
        if not c["graduated"]:
            assert (c["x0"] + c["raised"]) * (c["y0"] - c["sold"]) >= c["x0"] * c["y0"]
        held = p.h.eth(p.pad.address)
        assert held == p.pad.call.fees() + (0 if c["graduated"] else c["raised"])
    graduated = p.pad.call.graduated(t.token.address)
    assert graduations == (1 if graduated else 0)
    if graduated:
        assert t.pair.call.balanceOf(p.pad.address) == p.pad.call.lpLocked(t.token.address) > 0
        with pytest.raises(RevertError, match="Launchpad: token has graduated"):
            p.pad.transact.buy(t.token.address, 0, sender=users[0], value=E18)
