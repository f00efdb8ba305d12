# pragma version ~=0.4.3
"""
@title Lending market with Aave/Compound semantics, simplified but honest
@notice One pool, many ERC20 assets (ETH is supplied as WETH).

    Accounting: every user position is stored *scaled* by a per-asset index
    (RAY = 1e27). A supply balance is `scaled * supply_index / RAY` (rounded
    down), a debt is `scaled * borrow_index / RAY` (rounded up), so rounding
    always favours the pool.

    Interest: a kinked, utilization-based model. Utilization
    U = total borrowed / total supplied (capped at 1). Below the kink the
    annual borrow rate rises linearly from `base_rate` to `base_rate + slope1`,
    above it by another `slope2` at U = 1 (Aave's convention). The supply rate
    is `borrow rate * U * (1 - reserve factor)`. Both indexes grow with
    block.timestamp, linearly between accruals and compounding at every
    accrual (any action on the asset). Rates are annual, 1e18-scaled.
    Since supply interest = borrow interest * (1 - reserve factor), the pool
    stays solvent: cash + borrows >= supplier claims; the difference is the
    protocol's reserve.

    Risk: prices come from the Oracle (8-decimal USD). Every supplied asset
    with a non-zero liquidation threshold is collateral. Health factor
    HF = sum(collateral * price * liquidation threshold) / sum(debt * price),
    1e18-scaled, max_value(uint256) with no debt. Borrow and withdraw revert
    if afterwards HF < 1 or the debt exceeds the borrowing power
    (sum(collateral * price * collateral factor)). A position with HF < 1 can
    be liquidated: the liquidator repays up to 50 % of one debt (close factor)
    and receives collateral worth the repaid value plus the asset's
    liquidation bonus.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed


interface IOracle:
    def getPrice(asset: address) -> uint256: view


struct Market:
    listed: bool
    decimals: uint256
    collateral_factor_bps: uint256
    liquidation_threshold_bps: uint256
    liquidation_bonus_bps: uint256
    reserve_factor_bps: uint256
    base_rate: uint256
    slope1: uint256
    slope2: uint256
    kink: uint256
    supply_index: uint256
    borrow_index: uint256
    total_supply_scaled: uint256
    total_borrow_scaled: uint256
    last_update: uint256


struct Account:
    collateral: uint256
    debt: uint256
    borrow_power: uint256
    weighted_collateral: uint256


event AssetListed:
    asset: indexed(address)
    collateral_factor_bps: uint256
    liquidation_threshold_bps: uint256
    liquidation_bonus_bps: uint256
    reserve_factor_bps: uint256
    base_rate: uint256
    slope1: uint256
    slope2: uint256
    kink: uint256

event Supply:
    user: indexed(address)
    asset: indexed(address)
    amount: uint256

event Withdraw:
    user: indexed(address)
    asset: indexed(address)
    amount: uint256

event Borrow:
    user: indexed(address)
    asset: indexed(address)
    amount: uint256

event Repay:
    user: indexed(address)
    asset: indexed(address)
    amount: uint256

event Liquidation:
    liquidator: indexed(address)
    borrower: indexed(address)
    debt_asset: address
    collateral_asset: address
    repaid: uint256
    seized: uint256

event OracleChanged:
    oracle: indexed(address)

event OwnershipTransferred:
    previous_owner: indexed(address)
    new_owner: indexed(address)


BPS: constant(uint256) = 10_000
WAD: constant(uint256) = 10**18
RAY: constant(uint256) = 10**27
YEAR: constant(uint256) = 365 * 86_400
CLOSE_FACTOR_BPS: constant(uint256) = 5_000
MAX_ASSETS: constant(uint256) = 32
PRICE_TO_WAD: constant(uint256) = 10**10  # 8-decimal USD -> 18-decimal USD

owner: public(address)
oracle: public(address)
markets: public(HashMap[address, Market])
assets: public(DynArray[address, MAX_ASSETS])
supplyScaled: public(HashMap[address, HashMap[address, uint256]])  # user -> asset
debtScaled: public(HashMap[address, HashMap[address, uint256]])  # user -> asset


@deploy
def __init__(_oracle: address):
    self.owner = msg.sender
    self.oracle = _oracle
    log OwnershipTransferred(previous_owner=empty(address), new_owner=msg.sender)
    log OracleChanged(oracle=_oracle)


# ------------------------------------------------------------------ admin


@external
def listAsset(
    asset: address,
    collateral_factor_bps: uint256,
    liquidation_threshold_bps: uint256,
    liquidation_bonus_bps: uint256,
    reserve_factor_bps: uint256,
    base_rate: uint256,
    slope1: uint256,
    slope2: uint256,
    kink: uint256,
):
    """
    @notice List `asset`, or update its risk and rate parameters (owner only).
    @param kink Utilization where slope2 starts, 1e18-scaled, strictly between 0 and 1e18.
    """
    assert msg.sender == self.owner, "Lending: caller is not the owner"
    assert collateral_factor_bps <= liquidation_threshold_bps, "Lending: LTV above threshold"
    assert liquidation_threshold_bps * (BPS + liquidation_bonus_bps) < BPS * BPS, "Lending: threshold too high for bonus"
    assert reserve_factor_bps <= BPS, "Lending: reserve factor above 100%"
    assert kink > 0 and kink < WAD, "Lending: kink out of range"
    m: Market = self.markets[asset]
    if m.listed:
        self._accrue(asset)
        m = self.markets[asset]
    else:
        assert len(self.assets) < MAX_ASSETS, "Lending: too many assets"
        self.assets.append(asset)
        m.listed = True
        m.decimals = convert(staticcall IERC20Detailed(asset).decimals(), uint256)
        m.supply_index = RAY
        m.borrow_index = RAY
        m.last_update = block.timestamp
    m.collateral_factor_bps = collateral_factor_bps
    m.liquidation_threshold_bps = liquidation_threshold_bps
    m.liquidation_bonus_bps = liquidation_bonus_bps
    m.reserve_factor_bps = reserve_factor_bps
    m.base_rate = base_rate
    m.slope1 = slope1
    m.slope2 = slope2
    m.kink = kink
    self.markets[asset] = m
    log AssetListed(
        asset=asset,
        collateral_factor_bps=collateral_factor_bps,
        liquidation_threshold_bps=liquidation_threshold_bps,
        liquidation_bonus_bps=liquidation_bonus_bps,
        reserve_factor_bps=reserve_factor_bps,
        base_rate=base_rate,
        slope1=slope1,
        slope2=slope2,
        kink=kink,
    )


@external
def setOracle(new_oracle: address):
    assert msg.sender == self.owner, "Lending: caller is not the owner"
    self.oracle = new_oracle
    log OracleChanged(oracle=new_oracle)


@external
def transferOwnership(new_owner: address):
    assert msg.sender == self.owner, "Lending: caller is not the owner"
    assert new_owner != empty(address), "Lending: new owner is the zero address"
    log OwnershipTransferred(previous_owner=self.owner, new_owner=new_owner)
    self.owner = new_owner


# ------------------------------------------------------------------ user actions


@external
def supply(asset: address, amount: uint256):
    """@notice Deposit `amount` of `asset` (approve the pool first); it earns the supply rate."""
    self._accrue(asset)
    assert amount > 0, "Lending: amount is zero"
    scaled: uint256 = amount * RAY // self.markets[asset].supply_index
    assert scaled > 0, "Lending: amount too small"
    self.supplyScaled[msg.sender][asset] += scaled
    self.markets[asset].total_supply_scaled += scaled
    self._pull(asset, msg.sender, amount)
    log Supply(user=msg.sender, asset=asset, amount=amount)


@external
def withdraw(asset: address, amount: uint256) -> uint256:
    """@notice Withdraw `amount` of `asset` (max_value(uint256): all); returns the amount sent."""
    self._accrue(asset)
    index: uint256 = self.markets[asset].supply_index
    scaled: uint256 = self.supplyScaled[msg.sender][asset]
    balance: uint256 = scaled * index // RAY
    sent: uint256 = amount
    burn: uint256 = scaled
    if amount == max_value(uint256) or amount == balance:
        sent = balance
    else:
        assert amount <= balance, "Lending: amount exceeds supply balance"
        burn = min(self._div_up(amount * RAY, index), scaled)
    assert sent > 0, "Lending: nothing to withdraw"
    assert sent <= self._cash(asset), "Lending: insufficient liquidity"
    self.supplyScaled[msg.sender][asset] = scaled - burn
    self.markets[asset].total_supply_scaled -= burn
    self._require_healthy(msg.sender)
    self._push(asset, msg.sender, sent)
    log Withdraw(user=msg.sender, asset=asset, amount=sent)
    return sent


@external
def borrow(asset: address, amount: uint256):
    """@notice Borrow `amount` of `asset` against your collateral."""
    self._accrue(asset)
    assert amount > 0, "Lending: amount is zero"
    assert amount <= self._cash(asset), "Lending: insufficient liquidity"
    scaled: uint256 = self._div_up(amount * RAY, self.markets[asset].borrow_index)
    self.debtScaled[msg.sender][asset] += scaled
    self.markets[asset].total_borrow_scaled += scaled
    self._require_healthy(msg.sender)
    self._push(asset, msg.sender, amount)
    log Borrow(user=msg.sender, asset=asset, amount=amount)


@external
def repay(asset: address, amount: uint256) -> uint256:
    """@notice Repay up to `amount` of your `asset` debt (max_value(uint256): all); returns the amount paid."""
    self._accrue(asset)
    assert amount > 0, "Lending: amount is zero"
    paid: uint256 = self._reduce_debt(msg.sender, asset, amount)
    self._pull(asset, msg.sender, paid)
    log Repay(user=msg.sender, asset=asset, amount=paid)
    return paid


@external
def liquidate(
    borrower: address, debt_asset: address, collateral_asset: address, repay_amount: uint256
) -> uint256:
    """
    @notice Repay up to half of `borrower`'s `debt_asset` debt (their health factor must be below 1)
            and receive `collateral_asset` worth the repaid value plus the liquidation bonus.
    @return The collateral sent to the liquidator.
    """
    assert borrower != msg.sender, "Lending: cannot liquidate yourself"
    assert repay_amount > 0, "Lending: amount is zero"
    self._accrue(debt_asset)
    self._accrue(collateral_asset)
    assert self._health_factor(borrower) < WAD, "Lending: health factor not below 1"
    debt: uint256 = self._debt_of(borrower, debt_asset)
    assert debt > 0, "Lending: no debt"
    assert self.markets[collateral_asset].liquidation_threshold_bps > 0, "Lending: not a collateral asset"
    collateral: uint256 = self._supply_of(borrower, collateral_asset)
    assert collateral > 0, "Lending: no collateral"
    repaid: uint256 = min(repay_amount, self._div_up(debt * CLOSE_FACTOR_BPS, BPS))
    seized: uint256 = self._seize_amount(debt_asset, collateral_asset, repaid)
    if seized > collateral:
        seized = collateral
        repaid = self._repay_for_seize(debt_asset, collateral_asset, seized)
        assert repaid > 0, "Lending: collateral too small to liquidate"
    self._reduce_debt(borrower, debt_asset, repaid)
    self._take_collateral(borrower, collateral_asset, seized, collateral)
    assert seized <= self._cash(collateral_asset), "Lending: insufficient liquidity"
    self._pull(debt_asset, msg.sender, repaid)
    self._push(collateral_asset, msg.sender, seized)
    log Liquidation(
        liquidator=msg.sender,
        borrower=borrower,
        debt_asset=debt_asset,
        collateral_asset=collateral_asset,
        repaid=repaid,
        seized=seized,
    )
    return seized


# ------------------------------------------------------------------ views


@view
@external
def assetsLength() -> uint256:
    return len(self.assets)


@view
@external
def supplyBalance(user: address, asset: address) -> uint256:
    """@notice `user`'s supplied `asset` including interest earned so far."""
    return self._supply_of(user, asset)


@view
@external
def debtBalance(user: address, asset: address) -> uint256:
    """@notice `user`'s `asset` debt including interest accrued so far."""
    return self._debt_of(user, asset)


@view
@external
def getUserAccountData(user: address) -> (uint256, uint256, uint256, uint256):
    """
    @return (total collateral USD, total debt USD, available borrows USD, health factor):
            USD with 8 decimals, health factor 1e18-scaled (max_value(uint256) with no debt).
    """
    acct: Account = self._account(user)
    available: uint256 = 0
    if acct.borrow_power > acct.debt:
        available = acct.borrow_power - acct.debt
    return (
        acct.collateral // PRICE_TO_WAD,
        self._div_up(acct.debt, PRICE_TO_WAD),
        available // PRICE_TO_WAD,
        self._health(acct),
    )


@view
@external
def healthFactor(user: address) -> uint256:
    return self._health_factor(user)


@view
@external
def totalSupplied(asset: address) -> uint256:
    """@notice All supplier claims on `asset` (principal plus interest), now."""
    indexes: uint256[2] = self._indexes(asset)
    return self.markets[asset].total_supply_scaled * indexes[0] // RAY


@view
@external
def totalBorrowed(asset: address) -> uint256:
    """@notice All outstanding `asset` debt (principal plus interest), now."""
    indexes: uint256[2] = self._indexes(asset)
    return self._div_up(self.markets[asset].total_borrow_scaled * indexes[1], RAY)


@view
@external
def utilization(asset: address) -> uint256:
    """@notice Borrowed / supplied, 1e18-scaled, capped at 1e18."""
    return self._utilization_now(asset)


@view
@external
def borrowRate(asset: address) -> uint256:
    """@notice Current annual borrow rate, 1e18-scaled."""
    return self._borrow_rate(asset, self._utilization_now(asset))


@view
@external
def supplyRate(asset: address) -> uint256:
    """@notice Current annual supply rate = borrow rate * utilization * (1 - reserve factor)."""
    u: uint256 = self._utilization_now(asset)
    return self._supply_rate(asset, self._borrow_rate(asset, u), u)


@view
@external
def supplyIndex(asset: address) -> uint256:
    return self._indexes(asset)[0]


@view
@external
def borrowIndex(asset: address) -> uint256:
    return self._indexes(asset)[1]


# ------------------------------------------------------------------ interest


@view
@internal
def _utilization(borrowed: uint256, supplied: uint256) -> uint256:
    if borrowed == 0:
        return 0
    if borrowed >= supplied:
        return WAD
    return borrowed * WAD // supplied


@view
@internal
def _borrow_rate(asset: address, u: uint256) -> uint256:
    m: Market = self.markets[asset]
    if u <= m.kink:
        return m.base_rate + m.slope1 * u // m.kink
    return m.base_rate + m.slope1 + m.slope2 * (u - m.kink) // (WAD - m.kink)


@view
@internal
def _supply_rate(asset: address, borrow_rate: uint256, u: uint256) -> uint256:
    keep: uint256 = BPS - self.markets[asset].reserve_factor_bps
    return borrow_rate * u * keep // (WAD * BPS)


@view
@internal
def _indexes(asset: address) -> uint256[2]:
    """(supply index, borrow index) as they would be if accrued now."""
    m: Market = self.markets[asset]
    elapsed: uint256 = block.timestamp - m.last_update
    if elapsed == 0 or m.total_borrow_scaled == 0:
        return [m.supply_index, m.borrow_index]
    borrowed: uint256 = m.total_borrow_scaled * m.borrow_index // RAY
    supplied: uint256 = m.total_supply_scaled * m.supply_index // RAY
    u: uint256 = self._utilization(borrowed, supplied)
    rb: uint256 = self._borrow_rate(asset, u)
    rs: uint256 = self._supply_rate(asset, rb, u)
    return [
        m.supply_index + m.supply_index * rs * elapsed // (YEAR * WAD),
        m.borrow_index + m.borrow_index * rb * elapsed // (YEAR * WAD),
    ]


@view
@internal
def _utilization_now(asset: address) -> uint256:
    indexes: uint256[2] = self._indexes(asset)
    m: Market = self.markets[asset]
    borrowed: uint256 = m.total_borrow_scaled * indexes[1] // RAY
    supplied: uint256 = m.total_supply_scaled * indexes[0] // RAY
    return self._utilization(borrowed, supplied)


@internal
def _accrue(asset: address):
    assert self.markets[asset].listed, "Lending: asset not listed"
    indexes: uint256[2] = self._indexes(asset)
    self.markets[asset].supply_index = indexes[0]
    self.markets[asset].borrow_index = indexes[1]
    self.markets[asset].last_update = block.timestamp


# ------------------------------------------------------------------ positions


@view
@internal
def _supply_of(user: address, asset: address) -> uint256:
    return self.supplyScaled[user][asset] * self._indexes(asset)[0] // RAY


@view
@internal
def _debt_of(user: address, asset: address) -> uint256:
    return self._div_up(self.debtScaled[user][asset] * self._indexes(asset)[1], RAY)


@view
@internal
def _usd(asset: address, amount: uint256) -> uint256:
    """`amount` of `asset` in 18-decimal USD at the oracle price."""
    price: uint256 = staticcall IOracle(self.oracle).getPrice(asset)
    assert price > 0, "Lending: oracle price is zero"
    return amount * price * PRICE_TO_WAD // 10**self.markets[asset].decimals


@view
@internal
def _account(user: address) -> Account:
    acct: Account = empty(Account)
    for asset: address in self.assets:
        supplied: uint256 = self._supply_of(user, asset)
        debt: uint256 = self._debt_of(user, asset)
        if supplied == 0 and debt == 0:
            continue
        m: Market = self.markets[asset]
        if supplied > 0 and m.liquidation_threshold_bps > 0:
            value: uint256 = self._usd(asset, supplied)
            acct.collateral += value
            acct.borrow_power += value * m.collateral_factor_bps // BPS
            acct.weighted_collateral += value * m.liquidation_threshold_bps // BPS
        if debt > 0:
            acct.debt += self._div_up(debt * PRICE_TO_WAD * staticcall IOracle(self.oracle).getPrice(asset), 10**m.decimals)
    return acct


@view
@internal
def _health_factor(user: address) -> uint256:
    return self._health(self._account(user))


@view
@internal
def _require_healthy(user: address):
    acct: Account = self._account(user)
    if acct.debt == 0:
        return
    assert self._health(acct) >= WAD, "Lending: health factor too low"
    assert acct.debt <= acct.borrow_power, "Lending: exceeds borrowing power (LTV)"


@internal
def _reduce_debt(user: address, asset: address, amount: uint256) -> uint256:
    """Cut `user`'s `asset` debt by up to `amount`; the amount actually covered."""
    scaled: uint256 = self.debtScaled[user][asset]
    index: uint256 = self.markets[asset].borrow_index
    debt: uint256 = self._div_up(scaled * index, RAY)
    assert debt > 0, "Lending: no debt"
    paid: uint256 = min(amount, debt)
    burn: uint256 = scaled
    if paid < debt:
        burn = min(paid * RAY // index, scaled)
    self.debtScaled[user][asset] = scaled - burn
    self.markets[asset].total_borrow_scaled -= burn
    return paid


@internal
def _take_collateral(user: address, asset: address, amount: uint256, balance: uint256):
    scaled: uint256 = self.supplyScaled[user][asset]
    burn: uint256 = scaled
    if amount < balance:
        burn = min(self._div_up(amount * RAY, self.markets[asset].supply_index), scaled)
    self.supplyScaled[user][asset] = scaled - burn
    self.markets[asset].total_supply_scaled -= burn


@view
@internal
def _seize_amount(debt_asset: address, collateral_asset: address, repaid: uint256) -> uint256:
    """Collateral worth `repaid` of the debt asset plus the collateral's liquidation bonus."""
    m: Market = self.markets[collateral_asset]
    value: uint256 = self._usd(debt_asset, repaid) * (BPS + m.liquidation_bonus_bps) // BPS
    price: uint256 = staticcall IOracle(self.oracle).getPrice(collateral_asset)
    return value * 10**m.decimals // (price * PRICE_TO_WAD)


@view
@internal
def _repay_for_seize(debt_asset: address, collateral_asset: address, seized: uint256) -> uint256:
    """The debt repayment that `seized` collateral pays for (inverse of _seize_amount)."""
    bonus: uint256 = self.markets[collateral_asset].liquidation_bonus_bps
    value: uint256 = self._usd(collateral_asset, seized) * BPS // (BPS + bonus)
    price: uint256 = staticcall IOracle(self.oracle).getPrice(debt_asset)
    return value * 10**self.markets[debt_asset].decimals // (price * PRICE_TO_WAD)


# ------------------------------------------------------------------ tokens


@view
@internal
def _cash(asset: address) -> uint256:
    return staticcall IERC20(asset).balanceOf(self)


@internal
def _pull(asset: address, sender: address, amount: uint256):
    ok: bool = extcall IERC20(asset).transferFrom(sender, self, amount, default_return_value=True)
    assert ok, "Lending: token transfer failed"


@internal
def _push(asset: address, receiver: address, amount: uint256):
    ok: bool = extcall IERC20(asset).transfer(receiver, amount, default_return_value=True)
    assert ok, "Lending: token transfer failed"


# ------------------------------------------------------------------ pure helpers


@pure
@internal
def _div_up(a: uint256, b: uint256) -> uint256:
    return (a + b - 1) // b


@pure
@internal
def _health(acct: Account) -> uint256:
    if acct.debt == 0:
        return max_value(uint256)
    return acct.weighted_collateral * WAD // acct.debt
