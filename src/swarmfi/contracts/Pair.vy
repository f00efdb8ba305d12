# pragma version ~=0.4.3
"""
@title Constant-product pair (Uniswap V2 semantics and ABI)
@notice Holds two tokens and mints LP tokens. Callers move tokens in first and
        then call mint/swap; burn sends out the share of the LP tokens the pair
        holds. A 0.3 % fee stays in the pool; x*y=k (with fees) never decreases.
        Created by the Factory from a blueprint: __init__(token0, token1).
"""

from ethereum.ercs import IERC20
import ERC20 as lp

initializes: lp

exports: (
    lp.name,
    lp.symbol,
    lp.decimals,
    lp.totalSupply,
    lp.balanceOf,
    lp.allowance,
    lp.transfer,
    lp.transferFrom,
    lp.approve,
)

event Mint:
    sender: indexed(address)
    amount0: uint256
    amount1: uint256

event Burn:
    sender: indexed(address)
    amount0: uint256
    amount1: uint256
    to: indexed(address)

event Swap:
    sender: indexed(address)
    amount0In: uint256
    amount1In: uint256
    amount0Out: uint256
    amount1Out: uint256
    to: indexed(address)

event Sync:
    reserve0: uint112
    reserve1: uint112

MINIMUM_LIQUIDITY: public(constant(uint256)) = 10**3
FEE_BPS: constant(uint256) = 3  # per mille: 0.3 %

factory: public(address)
token0: public(address)
token1: public(address)
reserve0: uint112
reserve1: uint112
blockTimestampLast: uint32
price0CumulativeLast: public(uint256)
price1CumulativeLast: public(uint256)


@deploy
def __init__(_token0: address, _token1: address):
    lp.__init__("SwarmFi V2 LP", "SFI-V2", 18, 0, empty(address))
    self.factory = msg.sender
    self.token0 = _token0
    self.token1 = _token1


@view
@external
def getReserves() -> (uint112, uint112, uint32):
    return self.reserve0, self.reserve1, self.blockTimestampLast


@external
@nonreentrant
def mint(to: address) -> uint256:
    """@notice Mint LP tokens for the tokens sent to the pair since the last update."""
    reserve0: uint256 = convert(self.reserve0, uint256)
    reserve1: uint256 = convert(self.reserve1, uint256)
    balance0: uint256 = staticcall IERC20(self.token0).balanceOf(self)
    balance1: uint256 = staticcall IERC20(self.token1).balanceOf(self)
    self._check_fits(balance0, balance1)
    amount0: uint256 = balance0 - reserve0
    amount1: uint256 = balance1 - reserve1
    supply: uint256 = lp.totalSupply
    liquidity: uint256 = 0
    if supply == 0:
        root: uint256 = isqrt(amount0 * amount1)
        assert root > MINIMUM_LIQUIDITY, "Pair: INSUFFICIENT_LIQUIDITY_MINTED"
        liquidity = root - MINIMUM_LIQUIDITY
        self._lock_minimum_liquidity()
    else:
        liquidity = min(amount0 * supply // reserve0, amount1 * supply // reserve1)
    assert liquidity > 0, "Pair: INSUFFICIENT_LIQUIDITY_MINTED"
    lp._mint(to, liquidity)
    self._update(balance0, balance1, reserve0, reserve1)
    log Mint(sender=msg.sender, amount0=amount0, amount1=amount1)
    return liquidity


@external
@nonreentrant
def burn(to: address) -> (uint256, uint256):
    """@notice Burn the LP tokens held by the pair; send their share of both tokens to `to`."""
    token0: address = self.token0
    token1: address = self.token1
    balance0: uint256 = staticcall IERC20(token0).balanceOf(self)
    balance1: uint256 = staticcall IERC20(token1).balanceOf(self)
    liquidity: uint256 = lp.balanceOf[self]
    supply: uint256 = lp.totalSupply
    amount0: uint256 = liquidity * balance0 // supply
    amount1: uint256 = liquidity * balance1 // supply
    assert amount0 > 0 and amount1 > 0, "Pair: INSUFFICIENT_LIQUIDITY_BURNED"
    lp._burn(self, liquidity)
    self._safe_transfer(token0, to, amount0)
    self._safe_transfer(token1, to, amount1)
    balance0 = staticcall IERC20(token0).balanceOf(self)
    balance1 = staticcall IERC20(token1).balanceOf(self)
    self._update(
        balance0, balance1, convert(self.reserve0, uint256), convert(self.reserve1, uint256)
    )
    log Burn(sender=msg.sender, amount0=amount0, amount1=amount1, to=to)
    return amount0, amount1


@external
@nonreentrant
def swap(amount0Out: uint256, amount1Out: uint256, to: address, data: Bytes[1024]):
    """@notice Send out the amounts asked for; the tokens paid in must keep x*y=k after fees."""
    assert amount0Out > 0 or amount1Out > 0, "Pair: INSUFFICIENT_OUTPUT_AMOUNT"
    assert len(data) == 0, "Pair: flash swaps are not supported (data must be empty)"
    reserve0: uint256 = convert(self.reserve0, uint256)
    reserve1: uint256 = convert(self.reserve1, uint256)
    assert amount0Out < reserve0 and amount1Out < reserve1, "Pair: INSUFFICIENT_LIQUIDITY"
    token0: address = self.token0
    token1: address = self.token1
    assert to != token0 and to != token1, "Pair: INVALID_TO"
    if amount0Out > 0:
        self._safe_transfer(token0, to, amount0Out)
    if amount1Out > 0:
        self._safe_transfer(token1, to, amount1Out)
    balance0: uint256 = staticcall IERC20(token0).balanceOf(self)
    balance1: uint256 = staticcall IERC20(token1).balanceOf(self)
    amount0In: uint256 = self._amount_in(balance0, reserve0 - amount0Out)
    amount1In: uint256 = self._amount_in(balance1, reserve1 - amount1Out)
    assert amount0In > 0 or amount1In > 0, "Pair: INSUFFICIENT_INPUT_AMOUNT"
    self._check_fits(balance0, balance1)
    adjusted0: uint256 = balance0 * 1000 - amount0In * FEE_BPS
    adjusted1: uint256 = balance1 * 1000 - amount1In * FEE_BPS
    assert adjusted0 * adjusted1 >= reserve0 * reserve1 * 1000**2, "Pair: K"
    self._update(balance0, balance1, reserve0, reserve1)
    log Swap(
        sender=msg.sender,
        amount0In=amount0In,
        amount1In=amount1In,
        amount0Out=amount0Out,
        amount1Out=amount1Out,
        to=to,
    )


@external
@nonreentrant
def skim(to: address):
    """@notice Send any balance above the reserves to `to`."""
    token0: address = self.token0
    token1: address = self.token1
    excess0: uint256 = staticcall IERC20(token0).balanceOf(self) - convert(self.reserve0, uint256)
    excess1: uint256 = staticcall IERC20(token1).balanceOf(self) - convert(self.reserve1, uint256)
    if excess0 > 0:
        self._safe_transfer(token0, to, excess0)
    if excess1 > 0:
        self._safe_transfer(token1, to, excess1)


@external
@nonreentrant
def sync():
    """@notice Set the reserves to the balances."""
    self._update(
        staticcall IERC20(self.token0).balanceOf(self),
        staticcall IERC20(self.token1).balanceOf(self),
        convert(self.reserve0, uint256),
        convert(self.reserve1, uint256),
    )


@pure
@internal
def _amount_in(balance: uint256, kept: uint256) -> uint256:
    if balance > kept:
        return balance - kept
    return 0


@pure
@internal
def _check_fits(balance0: uint256, balance1: uint256):
    limit: uint256 = convert(max_value(uint112), uint256)
    assert balance0 <= limit and balance1 <= limit, "Pair: OVERFLOW"


@internal
def _update(balance0: uint256, balance1: uint256, reserve0: uint256, reserve1: uint256):
    self._check_fits(balance0, balance1)
    now: uint32 = convert(block.timestamp % 2**32, uint32)
    elapsed: uint256 = convert(unsafe_sub(now, self.blockTimestampLast), uint256)
    if elapsed > 0 and reserve0 != 0 and reserve1 != 0:
        price0: uint256 = (reserve1 << 112) // reserve0
        price1: uint256 = (reserve0 << 112) // reserve1
        self.price0CumulativeLast = unsafe_add(
            self.price0CumulativeLast, unsafe_mul(price0, elapsed)
        )
        self.price1CumulativeLast = unsafe_add(
            self.price1CumulativeLast, unsafe_mul(price1, elapsed)
        )
    self.reserve0 = convert(balance0, uint112)
    self.reserve1 = convert(balance1, uint112)
    self.blockTimestampLast = now
    log Sync(reserve0=self.reserve0, reserve1=self.reserve1)


@internal
def _lock_minimum_liquidity():
    # Uniswap V2 burns the first MINIMUM_LIQUIDITY to the zero address, forever.
    lp.totalSupply += MINIMUM_LIQUIDITY
    lp.balanceOf[empty(address)] += MINIMUM_LIQUIDITY
    log lp.Transfer(sender=empty(address), receiver=empty(address), value=MINIMUM_LIQUIDITY)


@internal
def _safe_transfer(token: address, to: address, amount: uint256):
    ok: bool = extcall IERC20(token).transfer(to, amount, default_return_value=True)
    assert ok, "Pair: TRANSFER_FAILED"
