"""LendingPool.vy on a real pyrevm EVM: accounting, interest, health factor, liquidation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.chain.harness import Contract, Harness, RevertError

E18 = 10**18
E6 = 10**6
YEAR = 365 * 86_400
MAX = 2**256 - 1
RAY = 10**27

# (collateral factor, liquidation threshold, bonus, reserve factor) bps; base, slope1, slope2, kink
WETH_PARAMS = (8000, 8250, 500, 1000, 0, 4 * E18 // 100, 75 * E18 // 100, 80 * E18 // 100)
USDC_PARAMS = (7500, 8000, 500, 1000, 0, 4 * E18 // 100, 60 * E18 // 100, 90 * E18 // 100)


@dataclass
class Market:
    h: Harness
    pool: Contract
    oracle: Contract
    weth: Contract
    usdc: Contract
    feeds: dict[str, Contract]


def deploy_market() -> Market:
    """WETH (3,000 USD) and USDC (1 USD) listed, priced by Oracle.vy over PriceFeed.vy feeds."""
    h = Harness()
    oracle = h.deploy("Oracle")
    weth = h.deploy("ERC20", "Wrapped Ether", "WETH", 18, 0, h.deployer)
    usdc = h.deploy("ERC20", "USD Coin", "USDC", 6, 0, h.deployer)
    feeds = {
        weth.address: h.deploy("PriceFeed", "ETH / USD", 3000 * 10**8),
        usdc.address: h.deploy("PriceFeed", "USDC / USD", 10**8),
    }
    for asset, feed in feeds.items():
        oracle.transact.setFeed(asset, feed.address)
    pool = h.deploy("LendingPool", oracle.address)
    pool.transact.listAsset(weth.address, *WETH_PARAMS)
    pool.transact.listAsset(usdc.address, *USDC_PARAMS)
    return Market(h, pool, oracle, weth, usdc, feeds)


@pytest.fixture
def m() -> Market:
    return deploy_market()


def set_price(m: Market, token: Contract, usd: int) -> None:
    """Post `usd` (whole dollars) as `token`'s price."""
    m.feeds[token.address].transact.setAnswer(usd * 10**8)


def user(m: Market, weth: int = 0, usdc: int = 0) -> str:
    """A new account holding `weth` and `usdc` raw units, with the pool approved."""
    who = m.h.new_account()
    for token, amount in ((m.weth, weth), (m.usdc, usdc)):
        token.transact.mint(who, amount)
        token.transact.approve(m.pool.address, MAX, sender=who)
    return who


def supply(m: Market, token: Contract, amount: int, who: str | None = None) -> str:
    who = who or user(m, **{token.call.symbol().lower(): amount})
    m.pool.transact.supply(token.address, amount, sender=who)
    return who


def borrow_rate(params: tuple[int, ...], u: int) -> int:
    """The kinked model in Python, 1e18-scaled."""
    base, slope1, slope2, kink = params[4:]
    if u <= kink:
        return base + slope1 * u // kink
    return base + slope1 + slope2 * (u - kink) // (E18 - kink)


# ------------------------------------------------------------------ listing


def test_listing_registers_assets_with_parameters(m):
    assert m.pool.call.assetsLength() == 2
    assert m.pool.call.assets(0) == m.weth.address
    assert m.pool.call.assets(1) == m.usdc.address
    market = m.pool.call.markets(m.usdc.address)
    assert market[:10] == (True, 6, 7500, 8000, 500, 1000, 0, 4 * E18 // 100,
                           60 * E18 // 100, 90 * E18 // 100)
    assert m.pool.call.supplyIndex(m.usdc.address) == RAY


def test_listing_is_owner_only_and_validated(m):
    stranger = m.h.new_account()
    with pytest.raises(RevertError, match="Lending: caller is not the owner"):
        m.pool.transact.listAsset(m.usdc.address, *USDC_PARAMS, sender=stranger)
    with pytest.raises(RevertError, match="Lending: LTV above threshold"):
        m.pool.transact.listAsset(m.usdc.address, 9000, 8000, 500, 1000, 0, 1, 1, E18 // 2)
    with pytest.raises(RevertError, match="Lending: kink out of range"):
        m.pool.transact.listAsset(m.usdc.address, 7000, 8000, 500, 1000, 0, 1, 1, E18)
    with pytest.raises(RevertError, match="Lending: threshold too high for bonus"):
        m.pool.transact.listAsset(m.usdc.address, 7000, 9600, 500, 1000, 0, 1, 1, E18 // 2)


def test_unlisted_asset_is_refused(m):
    other = m.h.deploy("ERC20", "Other", "OTH", 18, 10**20, m.h.deployer)
    with pytest.raises(RevertError, match="Lending: asset not listed"):
        m.pool.transact.supply(other.address, 10)


# ------------------------------------------------------------------ supply / withdraw


def test_supply_then_withdraw_all_returns_the_deposit(m):
    alice = supply(m, m.usdc, 1_000 * E6)
    assert m.pool.call.supplyBalance(alice, m.usdc.address) == 1_000 * E6
    assert m.pool.call.totalSupplied(m.usdc.address) == 1_000 * E6
    assert m.usdc.call.balanceOf(alice) == 0
    result = m.pool.transact.withdraw(m.usdc.address, MAX, sender=alice)
    assert result.output == 1_000 * E6
    assert result.named("Withdraw")[0].args == {
        "user": alice, "asset": m.usdc.address, "amount": 1_000 * E6}
    assert m.usdc.call.balanceOf(alice) == 1_000 * E6
    assert m.pool.call.supplyBalance(alice, m.usdc.address) == 0
    assert m.pool.call.totalSupplied(m.usdc.address) == 0


def test_partial_withdraw_and_overdraw(m):
    alice = supply(m, m.usdc, 500 * E6)
    assert m.pool.transact.withdraw(m.usdc.address, 200 * E6, sender=alice).output == 200 * E6
    assert m.pool.call.supplyBalance(alice, m.usdc.address) == 300 * E6
    with pytest.raises(RevertError, match="Lending: amount exceeds supply balance"):
        m.pool.transact.withdraw(m.usdc.address, 300 * E6 + 1, sender=alice)
    with pytest.raises(RevertError, match="Lending: nothing to withdraw"):
        m.pool.transact.withdraw(m.weth.address, MAX, sender=alice)


def test_supply_zero_is_refused(m):
    alice = user(m, usdc=10)
    with pytest.raises(RevertError, match="Lending: amount is zero"):
        m.pool.transact.supply(m.usdc.address, 0, sender=alice)


# ------------------------------------------------------------------ borrow / health


def test_account_data_after_borrow(m):
    supply(m, m.usdc, 100_000 * E6)
    bob = supply(m, m.weth, 10 * E18)
    assert m.pool.call.getUserAccountData(bob) == (30_000 * 10**8, 0, 24_000 * 10**8, MAX)
    result = m.pool.transact.borrow(m.usdc.address, 12_000 * E6, sender=bob)
    assert result.named("Borrow")[0].args["amount"] == 12_000 * E6
    assert m.usdc.call.balanceOf(bob) == 12_000 * E6
    # HF = 30,000 * 0.825 / 12,000
    assert m.pool.call.getUserAccountData(bob) == (
        30_000 * 10**8, 12_000 * 10**8, 12_000 * 10**8, 2_062_500_000_000_000_000)
    assert m.pool.call.debtBalance(bob, m.usdc.address) == 12_000 * E6
    assert m.pool.call.utilization(m.usdc.address) == 12 * E18 // 100


def test_borrow_beyond_ltv_or_health_is_refused(m):
    supply(m, m.usdc, 100_000 * E6)
    bob = supply(m, m.weth, 10 * E18)
    with pytest.raises(RevertError, match=r"Lending: exceeds borrowing power \(LTV\)"):
        m.pool.transact.borrow(m.usdc.address, 24_000 * E6 + 1, sender=bob)
    with pytest.raises(RevertError, match="Lending: health factor too low"):
        m.pool.transact.borrow(m.usdc.address, 24_751 * E6, sender=bob)
    m.pool.transact.borrow(m.usdc.address, 24_000 * E6, sender=bob)
    assert m.pool.call.getUserAccountData(bob)[2] == 0


def test_borrow_without_collateral_or_liquidity_is_refused(m):
    supply(m, m.usdc, 1_000 * E6)
    carol = user(m)
    with pytest.raises(RevertError, match="Lending: health factor too low"):
        m.pool.transact.borrow(m.usdc.address, 1, sender=carol)
    bob = supply(m, m.weth, 10 * E18)
    with pytest.raises(RevertError, match="Lending: insufficient liquidity"):
        m.pool.transact.borrow(m.usdc.address, 1_000 * E6 + 1, sender=bob)


def test_withdraw_that_would_break_the_position_is_refused(m):
    supply(m, m.usdc, 100_000 * E6)
    bob = supply(m, m.weth, 10 * E18)
    m.pool.transact.borrow(m.usdc.address, 20_000 * E6, sender=bob)
    with pytest.raises(RevertError, match="Lending: health factor too low"):
        m.pool.transact.withdraw(m.weth.address, MAX, sender=bob)
    # 20,000 / 0.8 / 3,000 = 8.333.. WETH must stay; 1.6 WETH may leave
    with pytest.raises(RevertError, match=r"Lending: exceeds borrowing power \(LTV\)"):
        m.pool.transact.withdraw(m.weth.address, 17 * E18 // 10, sender=bob)
    assert m.pool.transact.withdraw(m.weth.address, 16 * E18 // 10, sender=bob).output \
        == 16 * E18 // 10


def test_repay_all_clears_the_debt(m):
    supply(m, m.usdc, 100_000 * E6)
    bob = supply(m, m.weth, 10 * E18)
    m.pool.transact.borrow(m.usdc.address, 5_000 * E6, sender=bob)
    m.h.warp(30 * 86_400)
    debt = m.pool.call.debtBalance(bob, m.usdc.address)
    assert debt > 5_000 * E6
    m.usdc.transact.mint(bob, debt)
    assert m.pool.transact.repay(m.usdc.address, 1_000 * E6, sender=bob).output == 1_000 * E6
    result = m.pool.transact.repay(m.usdc.address, MAX, sender=bob)
    assert result.output == debt - 1_000 * E6
    assert m.pool.call.debtBalance(bob, m.usdc.address) == 0
    assert m.pool.call.getUserAccountData(bob)[3] == MAX
    with pytest.raises(RevertError, match="Lending: no debt"):
        m.pool.transact.repay(m.usdc.address, MAX, sender=bob)
    assert m.pool.transact.withdraw(m.weth.address, MAX, sender=bob).output == 10 * E18


# ------------------------------------------------------------------ interest


def test_interest_follows_the_kinked_model(m):
    alice = supply(m, m.usdc, 100_000 * E6)
    bob = supply(m, m.weth, 100 * E18)
    m.pool.transact.borrow(m.usdc.address, 50_000 * E6, sender=bob)
    u = E18 // 2
    rb = borrow_rate(USDC_PARAMS, u)
    rs = rb * u * 9000 // (E18 * 10_000)
    assert m.pool.call.borrowRate(m.usdc.address) == rb
    assert m.pool.call.supplyRate(m.usdc.address) == rs
    m.h.warp(YEAR)
    debt = m.pool.call.debtBalance(bob, m.usdc.address)
    claim = m.pool.call.supplyBalance(alice, m.usdc.address)
    assert abs(debt - 50_000 * E6 * (E18 + rb) // E18) <= 1
    assert abs(claim - 100_000 * E6 * (E18 + rs) // E18) <= 1
    # 10 % of the borrowers' interest stays in the pool as reserve
    assert claim - 100_000 * E6 < debt - 50_000 * E6


def test_rate_jumps_above_the_kink(m):
    supply(m, m.usdc, 10_000 * E6)
    bob = supply(m, m.weth, 100 * E18)
    m.pool.transact.borrow(m.usdc.address, 9_500 * E6, sender=bob)
    assert m.pool.call.utilization(m.usdc.address) == 95 * E18 // 100
    assert m.pool.call.borrowRate(m.usdc.address) == borrow_rate(USDC_PARAMS, 95 * E18 // 100)
    assert m.pool.call.borrowRate(m.usdc.address) == 34 * E18 // 100


@settings(max_examples=40, deadline=None)
@given(amount=st.integers(E6, 50_000 * E6), days=st.integers(1, 3 * 365))
def test_interest_grows_debt_over_time(amount, days):
    m = deploy_market()
    supply(m, m.usdc, 100_000 * E6)
    bob = supply(m, m.weth, 100 * E18)
    m.pool.transact.borrow(m.usdc.address, amount, sender=bob)
    before = m.pool.call.debtBalance(bob, m.usdc.address)
    m.h.warp(days * 86_400)
    after = m.pool.call.debtBalance(bob, m.usdc.address)
    assert before == amount
    assert after > before
    assert m.pool.call.totalBorrowed(m.usdc.address) >= after


# ------------------------------------------------------------------ liquidation


def underwater(m: Market) -> tuple[str, str]:
    """A borrower at the LTV limit after ETH falls to 2,400 USD (HF < 1); (borrower, liquidator)."""
    supply(m, m.usdc, 100_000 * E6)
    bob = supply(m, m.weth, 10 * E18)
    m.pool.transact.borrow(m.usdc.address, 24_000 * E6, sender=bob)
    set_price(m, m.weth, 2_400)
    return bob, user(m, usdc=100_000 * E6)


def test_liquidation_of_an_unhealthy_position(m):
    bob, liq = underwater(m)
    assert m.pool.call.healthFactor(bob) == 825 * E18 // 1000
    result = m.pool.transact.liquidate(bob, m.usdc.address, m.weth.address, MAX, sender=liq)
    # close factor 50 %: 12,000 USDC repaid; 12,000 * 1.05 / 2,400 = 5.25 WETH seized
    assert result.output == 525 * E18 // 100
    assert result.named("Liquidation")[0].args["repaid"] == 12_000 * E6
    assert m.weth.call.balanceOf(liq) == 525 * E18 // 100
    assert m.usdc.call.balanceOf(liq) == 88_000 * E6
    assert m.pool.call.debtBalance(bob, m.usdc.address) == 12_000 * E6
    assert m.pool.call.supplyBalance(bob, m.weth.address) == 475 * E18 // 100


def test_liquidation_of_a_healthy_position_is_refused(m):
    supply(m, m.usdc, 100_000 * E6)
    bob = supply(m, m.weth, 10 * E18)
    m.pool.transact.borrow(m.usdc.address, 24_000 * E6, sender=bob)
    liq = user(m, usdc=100_000 * E6)
    with pytest.raises(RevertError, match="Lending: health factor not below 1"):
        m.pool.transact.liquidate(bob, m.usdc.address, m.weth.address, MAX, sender=liq)


def test_liquidation_caps_seizure_at_the_collateral(m):
    bob, liq = underwater(m)
    set_price(m, m.weth, 1_000)
    seized = m.pool.transact.liquidate(bob, m.usdc.address, m.weth.address, MAX, sender=liq).output
    assert seized == 10 * E18
    # 10 WETH at 1,000 USD pays for 10,000 / 1.05 USDC of debt
    assert m.usdc.call.balanceOf(liq) == 100_000 * E6 - 10_000 * E6 * 100 // 105
    assert m.pool.call.supplyBalance(bob, m.weth.address) == 0


def test_liquidation_input_checks(m):
    bob, liq = underwater(m)
    with pytest.raises(RevertError, match="Lending: cannot liquidate yourself"):
        m.pool.transact.liquidate(bob, m.usdc.address, m.weth.address, 1, sender=bob)
    with pytest.raises(RevertError, match="Lending: no debt"):
        m.pool.transact.liquidate(bob, m.weth.address, m.weth.address, 1, sender=liq)
    with pytest.raises(RevertError, match="Lending: no collateral"):
        m.pool.transact.liquidate(bob, m.usdc.address, m.usdc.address, 1, sender=liq)


@settings(max_examples=40, deadline=None)
@given(
    weth=st.integers(E18 // 10, 50 * E18),
    ltv_use=st.integers(1, 100),
    new_price=st.integers(500, 6_000),
)
def test_only_positions_under_health_factor_one_can_be_liquidated(weth, ltv_use, new_price):
    m = deploy_market()
    supply(m, m.usdc, 300_000 * E6)
    bob = supply(m, m.weth, weth)
    borrowed = weth * 3000 * 8 // 10 * ltv_use // 100 // 10**12
    if borrowed == 0:
        return
    m.pool.transact.borrow(m.usdc.address, borrowed, sender=bob)
    set_price(m, m.weth, new_price)
    hf = m.pool.call.healthFactor(bob)
    liq = user(m, usdc=300_000 * E6)
    if hf >= E18:
        with pytest.raises(RevertError, match="Lending: health factor not below 1"):
            m.pool.transact.liquidate(bob, m.usdc.address, m.weth.address, MAX, sender=liq)
        return
    seized = m.pool.transact.liquidate(bob, m.usdc.address, m.weth.address, MAX, sender=liq).output
    repaid = 300_000 * E6 - m.usdc.call.balanceOf(liq)
    assert 0 < repaid <= (borrowed + 1) // 2
    assert 0 < seized <= weth
    assert m.weth.call.balanceOf(liq) == seized
    # the liquidator is paid the bonus: collateral value >= 1.05 x repaid value (rounding aside)
    assert seized * new_price * 10_000 >= repaid * 10**12 * 10_500 - new_price * 10_000 * 10**12


# ------------------------------------------------------------------ solvency


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["supply", "borrow", "repay", "withdraw", "warp", "price", "liquidate"]),
        st.integers(0, 2),  # user
        st.booleans(),  # asset: WETH or USDC
        st.integers(1, 10**4),  # size, in basis points of what the action could take
    ),
    min_size=1,
    max_size=25,
)


def sized(m: Market, kind: str, who: str, token: Contract, size: int) -> int:
    """The action's amount: a share of the wallet, the borrowing power, the debt or the supply."""
    if size > 9_500 and kind in ("repay", "withdraw"):
        return MAX
    if kind == "supply":
        return token.call.balanceOf(who) * size // 10_000 // 4
    if kind == "repay":
        return m.pool.call.debtBalance(who, token.address) * size // 10_000
    if kind == "withdraw":
        return m.pool.call.supplyBalance(who, token.address) * size // 10_000
    price = m.oracle.call.getPrice(token.address)
    room = m.pool.call.getUserAccountData(who)[2] * 10 ** token.call.decimals() // price
    return room * (10_000 + size) // 19_000  # 53-105 % of the borrowing power


def run_action(m: Market, users: list[str], action: tuple[str, int, bool, int]) -> None:
    kind, who, is_weth, size = action
    token = m.weth if is_weth else m.usdc
    if kind == "warp":
        m.h.warp(size * 3_600)
        return
    if kind == "price":
        set_price(m, m.weth, 1_500 + size // 7)
        return
    try:
        if kind == "liquidate":
            others = [u for u in users if u != users[who]]
            target = min(others, key=m.pool.call.healthFactor)
            other = m.usdc if is_weth else m.weth
            m.pool.transact.liquidate(target, token.address, other.address, MAX,
                                      sender=users[who])
            return
        amount = max(sized(m, kind, users[who], token, size), 1)
        getattr(m.pool.transact, kind)(token.address, amount, sender=users[who])
    except RevertError as exc:
        assert exc.reason.startswith("Lending: "), exc.reason


def assert_solvent(m: Market, users: list[str]) -> None:
    for token in (m.weth, m.usdc):
        cash = token.call.balanceOf(m.pool.address)
        debts = sum(m.pool.call.debtBalance(u, token.address) for u in users)
        claims = sum(m.pool.call.supplyBalance(u, token.address) for u in users)
        assert cash + debts + len(users) >= claims
        assert cash + m.pool.call.totalBorrowed(token.address) + 1 >= \
            m.pool.call.totalSupplied(token.address)
        assert m.pool.call.totalSupplied(token.address) >= claims


@settings(max_examples=60, deadline=None)
@given(actions=ACTIONS)
def test_market_stays_solvent(actions):
    m = deploy_market()
    users = [user(m, weth=100 * E18, usdc=300_000 * E6) for _ in range(3)]
    supply(m, m.usdc, 200_000 * E6, users[0])
    supply(m, m.weth, 50 * E18, users[1])
    supply(m, m.weth, 20 * E18, users[2])
    supply(m, m.usdc, 50_000 * E6, users[2])
    m.pool.transact.borrow(m.usdc.address, 90_000 * E6, sender=users[1])
    m.pool.transact.borrow(m.weth.address, 5 * E18, sender=users[0])
    for action in actions:
        run_action(m, users, action)
        assert_solvent(m, users)
    for u in users:  # every supplier can leave once the borrowers repay
        for token in (m.weth, m.usdc):
            if m.pool.call.debtBalance(u, token.address):
                token.transact.mint(u, 10**30)
                m.pool.transact.repay(token.address, MAX, sender=u)
    for u in users:
        for token in (m.weth, m.usdc):
            if m.pool.call.supplyBalance(u, token.address):
                m.pool.transact.withdraw(token.address, MAX, sender=u)
    assert_solvent(m, users)
