# pragma version ~=0.4.3
"""
@title Community launchpad in the manner of pump.fun
@notice `launch` mints a LaunchToken (from a blueprint) and splits its supply:

    community  `community_bps` of the supply (40-60 %), sold on a bonding curve;
    LP         the tokens that open the AMM pool at graduation;
    creator    the rest, vesting linearly to the creator over `vestingPeriod`
               seconds from the launch (`claimVested`).

    Bonding curve: a virtual constant-product curve x * y = k with virtual
    reserves x0 = target / 3 (ETH) and y0 = community * (x0 + target) / target
    (tokens). Selling the whole community share raises exactly the target, and
    the spot price x / y rises 16-fold from start to end. Buys move
    along the curve (x up, y down), so the price never decreases as supply is
    bought; integer rounding always favours the curve, so x * y never falls and
    the curve always holds the ETH it owes to sellers.

    Fees: 1 % of the ETH paid on a buy and of the ETH returned on a sell, kept
    for the launchpad owner (`withdrawFees`).

    Graduation: the buy that brings the raise to the target is capped at the
    target (the excess ETH is refunded) and receives all the remaining curve
    tokens. In the same transaction, exactly once, the raised ETH is wrapped
    to WETH and, with the LP tokens, deposited into the token/WETH pair of the
    AMM factory (created at launch); the LP allotment is sized so the pool
    opens at the curve's final price. The launchpad keeps the pool's LP tokens
    forever (no function moves them), and curve trading stops.
"""

from ethereum.ercs import IERC20


interface IRouter:
    def factory() -> address: view
    def WETH() -> address: view

interface IFactory:
    def getPair(token_a: address, token_b: address) -> address: view
    def createPair(token_a: address, token_b: address) -> address: nonpayable

interface IPair:
    def mint(to: address) -> uint256: nonpayable
    def getReserves() -> (uint256, uint256, uint256): view
    def token0() -> address: view

interface IWETH:
    def deposit(): payable

interface ILaunchToken:
    def setPair(pair: address): nonpayable
    def graduate(): nonpayable


struct Launch:
    creator: address
    pair: address
    target: uint256
    community_supply: uint256
    creator_supply: uint256
    lp_supply: uint256
    virtual_eth: uint256
    virtual_tokens: uint256
    sold: uint256
    raised: uint256
    claimed: uint256
    start: uint256
    graduated: bool
    lp_locked: uint256


event Launched:
    token: indexed(address)
    creator: indexed(address)
    name: String[32]
    symbol: String[8]
    supply: uint256
    community_supply: uint256
    creator_supply: uint256
    lp_supply: uint256
    target_raise: uint256
    pair: address

event Buy:
    buyer: indexed(address)
    token: indexed(address)
    eth_in: uint256
    fee: uint256
    tokens_out: uint256
    price_after: uint256

event Sell:
    seller: indexed(address)
    token: indexed(address)
    tokens_in: uint256
    eth_out: uint256
    fee: uint256
    price_after: uint256

event Graduated:
    token: indexed(address)
    pair: indexed(address)
    eth: uint256
    tokens: uint256
    liquidity: uint256

event VestedClaimed:
    token: indexed(address)
    creator: indexed(address)
    amount: uint256

event FeesWithdrawn:
    receiver: indexed(address)
    amount: uint256


BPS: constant(uint256) = 10_000
WAD: constant(uint256) = 10**18
FEE_BPS: constant(uint256) = 100
MIN_COMMUNITY_BPS: constant(uint256) = 4_000
MAX_COMMUNITY_BPS: constant(uint256) = 6_000
MIN_SUPPLY: constant(uint256) = 10**18
MAX_SUPPLY: constant(uint256) = 10**33  # keeps pool reserves inside uint112
MIN_TARGET: constant(uint256) = 10**15
MAX_TARGET: constant(uint256) = 10**30

owner: public(address)
tokenBlueprint: public(address)
router: public(address)
factory: public(address)
weth: public(address)
vestingPeriod: public(uint256)
fees: public(uint256)
launches: public(HashMap[address, Launch])
allTokens: public(HashMap[uint256, address])
allTokensLength: public(uint256)


@deploy
def __init__(_token_blueprint: address, _router: address, _vesting_period: uint256):
    """@param _router A Uniswap-V2 router; its factory() and WETH() are used at graduation."""
    assert _vesting_period > 0, "Launchpad: vesting period is zero"
    self.owner = msg.sender
    self.tokenBlueprint = _token_blueprint
    self.router = _router
    self.factory = staticcall IRouter(_router).factory()
    self.weth = staticcall IRouter(_router).WETH()
    self.vestingPeriod = _vesting_period


# ------------------------------------------------------------------ launch


@external
def launch(
    name: String[32],
    symbol: String[8],
    supply: uint256,
    community_bps: uint256,
    target_raise_wei: uint256,
) -> address:
    """
    @notice Launch a token: `supply` raw units (18 decimals), `community_bps` of it sold on the
            curve until `target_raise_wei` is raised. Returns the token address.
    """
    assert len(name) > 0 and len(symbol) > 0, "Launchpad: name and symbol are required"
    assert community_bps >= MIN_COMMUNITY_BPS and community_bps <= MAX_COMMUNITY_BPS, "Launchpad: community share must be 40-60% (4000-6000 bps)"
    assert supply >= MIN_SUPPLY and supply <= MAX_SUPPLY, "Launchpad: supply must be 1e18 to 1e33 raw units"
    assert target_raise_wei >= MIN_TARGET and target_raise_wei <= MAX_TARGET, "Launchpad: target raise must be 1e15 to 1e30 wei"
    token: address = create_from_blueprint(self.tokenBlueprint, name, symbol, supply)
    launch: Launch = self._plan(supply, community_bps, target_raise_wei)
    launch.creator = msg.sender
    launch.pair = self._pair_for(token)
    self.launches[token] = launch
    self.allTokens[self.allTokensLength] = token
    self.allTokensLength += 1
    extcall ILaunchToken(token).setPair(launch.pair)
    log Launched(
        token=token,
        creator=msg.sender,
        name=name,
        symbol=symbol,
        supply=supply,
        community_supply=launch.community_supply,
        creator_supply=launch.creator_supply,
        lp_supply=launch.lp_supply,
        target_raise=target_raise_wei,
        pair=launch.pair,
    )
    return token


@view
@internal
def _plan(supply: uint256, community_bps: uint256, target: uint256) -> Launch:
    """Split the supply and size the virtual reserves (see the module docstring)."""
    plan: Launch = empty(Launch)
    plan.target = target
    plan.community_supply = supply * community_bps // BPS
    plan.virtual_eth = target // 3
    plan.virtual_tokens = plan.community_supply * (plan.virtual_eth + target) // target
    # LP tokens priced at the curve's final price: target / lp == (x0 + target) / (y0 - community)
    left_on_curve: uint256 = plan.virtual_tokens - plan.community_supply
    plan.lp_supply = left_on_curve * target // (plan.virtual_eth + target)
    plan.creator_supply = supply - plan.community_supply - plan.lp_supply
    plan.start = block.timestamp
    return plan


@internal
def _pair_for(token: address) -> address:
    """The token/WETH pair, created now unless someone created it already."""
    pair: address = staticcall IFactory(self.factory).getPair(token, self.weth)
    if pair == empty(address):
        pair = extcall IFactory(self.factory).createPair(token, self.weth)
    return pair


# ------------------------------------------------------------------ trading


@external
@payable
@nonreentrant
def buy(token: address, min_tokens_out: uint256) -> uint256:
    """
    @notice Buy with msg.value (1 % fee). The buy that reaches the target is capped there,
            refunds the excess and graduates the token. Returns the tokens bought.
    """
    launch: Launch = self._tradable(token)
    assert msg.value > 0, "Launchpad: no ETH sent"
    quote: uint256[3] = self._quote_buy(launch, msg.value)  # tokens, net ETH, fee
    assert quote[0] > 0, "Launchpad: ETH amount too small"
    assert quote[0] >= min_tokens_out, "Launchpad: INSUFFICIENT_OUTPUT_AMOUNT"
    launch.sold += quote[0]
    launch.raised += quote[1]
    self.launches[token] = launch
    self.fees += quote[2]
    self._send_token(token, msg.sender, quote[0])
    log Buy(
        buyer=msg.sender,
        token=token,
        eth_in=quote[1] + quote[2],
        fee=quote[2],
        tokens_out=quote[0],
        price_after=self._curve_price(launch),
    )
    if launch.raised >= launch.target:
        self._graduate(token)
    refund: uint256 = msg.value - quote[1] - quote[2]
    if refund > 0:
        send(msg.sender, refund)
    return quote[0]


@external
@nonreentrant
def sell(token: address, amount: uint256, min_eth_out: uint256) -> uint256:
    """@notice Sell `amount` back to the curve (approve the launchpad first); returns ETH paid."""
    launch: Launch = self._tradable(token)
    assert amount > 0, "Launchpad: amount is zero"
    assert amount <= launch.sold, "Launchpad: amount exceeds what the curve has sold"
    quote: uint256[2] = self._quote_sell(launch, amount)  # ETH out of the curve, fee
    eth_out: uint256 = quote[0] - quote[1]
    assert eth_out > 0, "Launchpad: amount too small"
    assert eth_out >= min_eth_out, "Launchpad: INSUFFICIENT_OUTPUT_AMOUNT"
    launch.sold -= amount
    launch.raised -= quote[0]
    self.launches[token] = launch
    self.fees += quote[1]
    ok: bool = extcall IERC20(token).transferFrom(msg.sender, self, amount)
    assert ok, "Launchpad: token transfer failed"
    send(msg.sender, eth_out)
    log Sell(
        seller=msg.sender,
        token=token,
        tokens_in=amount,
        eth_out=eth_out,
        fee=quote[1],
        price_after=self._curve_price(launch),
    )
    return eth_out


@external
def claimVested(token: address) -> uint256:
    """@notice Creator only: receive the creator tokens vested so far; returns the amount."""
    launch: Launch = self._known(token)
    assert msg.sender == launch.creator, "Launchpad: only the creator can claim"
    amount: uint256 = self._vested(launch) - launch.claimed
    assert amount > 0, "Launchpad: nothing vested to claim yet"
    self.launches[token].claimed = launch.claimed + amount
    self._send_token(token, msg.sender, amount)
    log VestedClaimed(token=token, creator=msg.sender, amount=amount)
    return amount


@external
@nonreentrant
def withdrawFees(receiver: address) -> uint256:
    """@notice Owner only: send the collected trading fees to `receiver`."""
    assert msg.sender == self.owner, "Launchpad: caller is not the owner"
    amount: uint256 = self.fees
    self.fees = 0
    if amount > 0:
        send(receiver, amount)
    log FeesWithdrawn(receiver=receiver, amount=amount)
    return amount


# ------------------------------------------------------------------ views


@view
@external
def quoteBuy(token: address, eth_in: uint256) -> uint256:
    """@notice Tokens `eth_in` wei buys now (after the fee and the target cap)."""
    return self._quote_buy(self._tradable(token), eth_in)[0]


@view
@external
def quoteSell(token: address, amount: uint256) -> uint256:
    """@notice ETH (after the fee) that selling `amount` pays now."""
    launch: Launch = self._tradable(token)
    assert amount <= launch.sold, "Launchpad: amount exceeds what the curve has sold"
    quote: uint256[2] = self._quote_sell(launch, amount)
    return quote[0] - quote[1]


@view
@external
def price(token: address) -> uint256:
    """@notice Wei per whole token (1e18 units): the curve's spot price, or the pool's once graduated."""
    launch: Launch = self._known(token)
    if not launch.graduated:
        return self._curve_price(launch)
    reserves: (uint256, uint256, uint256) = staticcall IPair(launch.pair).getReserves()
    if staticcall IPair(launch.pair).token0() == token:
        return reserves[1] * WAD // reserves[0]
    return reserves[0] * WAD // reserves[1]


@view
@external
def graduated(token: address) -> bool:
    return self._known(token).graduated


@view
@external
def raised(token: address) -> uint256:
    """@notice ETH raised on the curve so far (net of fees; the target once graduated)."""
    return self._known(token).raised


@view
@external
def vestedAmount(token: address) -> uint256:
    """@notice Creator tokens vested and not yet claimed."""
    launch: Launch = self._known(token)
    return self._vested(launch) - launch.claimed


@view
@external
def lpLocked(token: address) -> uint256:
    """@notice LP tokens of the token's pool held (forever) by the launchpad."""
    return self._known(token).lp_locked


# ------------------------------------------------------------------ internals


@view
@internal
def _known(token: address) -> Launch:
    launch: Launch = self.launches[token]
    assert launch.creator != empty(address), "Launchpad: unknown token"
    return launch


@view
@internal
def _tradable(token: address) -> Launch:
    launch: Launch = self._known(token)
    assert not launch.graduated, "Launchpad: token has graduated; trade it on the AMM"
    return launch


@pure
@internal
def _quote_buy(launch: Launch, paid: uint256) -> uint256[3]:
    """(tokens out, ETH into the curve, fee) for `paid` wei sent."""
    fee: uint256 = paid * FEE_BPS // BPS
    net: uint256 = paid - fee
    needed: uint256 = launch.target - launch.raised
    if net >= needed:
        fee = (needed * FEE_BPS + BPS - FEE_BPS - 1) // (BPS - FEE_BPS)
        return [launch.community_supply - launch.sold, needed, fee]
    x: uint256 = launch.virtual_eth + launch.raised
    y: uint256 = launch.virtual_tokens - launch.sold
    return [y * net // (x + net), net, fee]


@pure
@internal
def _quote_sell(launch: Launch, amount: uint256) -> uint256[2]:
    """(ETH out of the curve, fee) for selling `amount` tokens."""
    x: uint256 = launch.virtual_eth + launch.raised
    y: uint256 = launch.virtual_tokens - launch.sold
    gross: uint256 = x * amount // (y + amount)
    gross = min(gross, launch.raised)
    return [gross, gross * FEE_BPS // BPS]


@pure
@internal
def _curve_price(launch: Launch) -> uint256:
    x: uint256 = launch.virtual_eth + launch.raised
    y: uint256 = launch.virtual_tokens - launch.sold
    return x * WAD // y


@view
@internal
def _vested(launch: Launch) -> uint256:
    elapsed: uint256 = min(block.timestamp - launch.start, self.vestingPeriod)
    return launch.creator_supply * elapsed // self.vestingPeriod


@internal
def _graduate(token: address):
    """Move the raise and the LP tokens into the pool, once; keep the LP tokens."""
    launch: Launch = self.launches[token]
    assert not launch.graduated, "Launchpad: already graduated"
    self.launches[token].graduated = True
    extcall ILaunchToken(token).graduate()
    extcall IWETH(self.weth).deposit(value=launch.raised)
    ok: bool = extcall IERC20(self.weth).transfer(launch.pair, launch.raised)
    assert ok, "Launchpad: WETH transfer failed"
    self._send_token(token, launch.pair, launch.lp_supply)
    liquidity: uint256 = extcall IPair(launch.pair).mint(self)
    self.launches[token].lp_locked = liquidity
    log Graduated(
        token=token, pair=launch.pair, eth=launch.raised, tokens=launch.lp_supply, liquidity=liquidity
    )


@internal
def _send_token(token: address, receiver: address, amount: uint256):
    ok: bool = extcall IERC20(token).transfer(receiver, amount)
    assert ok, "Launchpad: token transfer failed"
