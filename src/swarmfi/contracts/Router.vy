# pragma version ~=0.4.3
"""
@title Router (Uniswap V2 Router02 semantics and ABI)
@notice Add/remove liquidity and swap along paths of up to 4 tokens, with
        exact-in and exact-out variants and ether variants through WETH.
        Every function checks its deadline and its min-out / max-in bound.
"""

from ethereum.ercs import IERC20

interface IFactory:
    def getPair(tokenA: address, tokenB: address) -> address: view
    def createPair(tokenA: address, tokenB: address) -> address: nonpayable

interface IPair:
    def getReserves() -> (uint112, uint112, uint32): view
    def mint(to: address) -> uint256: nonpayable
    def burn(to: address) -> (uint256, uint256): nonpayable
    def swap(amount0Out: uint256, amount1Out: uint256, to: address, data: Bytes[1024]): nonpayable
    def transferFrom(sender: address, receiver: address, amount: uint256) -> bool: nonpayable

interface IWETH:
    def deposit(): payable
    def withdraw(wad: uint256): nonpayable
    def transfer(dst: address, wad: uint256) -> bool: nonpayable

MAX_PATH: constant(uint256) = 4

factory: public(immutable(address))
WETH: public(immutable(address))


@deploy
def __init__(_factory: address, _weth: address):
    factory = _factory
    WETH = _weth


@external
@payable
def __default__():
    assert msg.sender == WETH, "Router: only WETH sends ether here"


# ------------------------------------------------------------------ library

@pure
@internal
def _sort(tokenA: address, tokenB: address) -> (address, address):
    assert tokenA != tokenB, "Router: IDENTICAL_ADDRESSES"
    if convert(tokenA, uint256) < convert(tokenB, uint256):
        return tokenA, tokenB
    return tokenB, tokenA


@view
@internal
def _pair(tokenA: address, tokenB: address) -> address:
    pair: address = staticcall IFactory(factory).getPair(tokenA, tokenB)
    assert pair != empty(address), "Router: PAIR_NOT_FOUND"
    return pair


@view
@internal
def _reserves(tokenA: address, tokenB: address) -> (uint256, uint256):
    token0: address = self._sort(tokenA, tokenB)[0]
    reserve0: uint112 = 0
    reserve1: uint112 = 0
    stamp: uint32 = 0
    reserve0, reserve1, stamp = staticcall IPair(self._pair(tokenA, tokenB)).getReserves()
    if tokenA == token0:
        return convert(reserve0, uint256), convert(reserve1, uint256)
    return convert(reserve1, uint256), convert(reserve0, uint256)


@pure
@internal
def _quote(amountA: uint256, reserveA: uint256, reserveB: uint256) -> uint256:
    assert amountA > 0, "Router: INSUFFICIENT_AMOUNT"
    assert reserveA > 0 and reserveB > 0, "Router: INSUFFICIENT_LIQUIDITY"
    return amountA * reserveB // reserveA


@pure
@internal
def _amount_out(amountIn: uint256, reserveIn: uint256, reserveOut: uint256) -> uint256:
    assert amountIn > 0, "Router: INSUFFICIENT_INPUT_AMOUNT"
    assert reserveIn > 0 and reserveOut > 0, "Router: INSUFFICIENT_LIQUIDITY"
    with_fee: uint256 = amountIn * 997
    return with_fee * reserveOut // (reserveIn * 1000 + with_fee)


@pure
@internal
def _amount_in(amountOut: uint256, reserveIn: uint256, reserveOut: uint256) -> uint256:
    assert amountOut > 0, "Router: INSUFFICIENT_OUTPUT_AMOUNT"
    assert reserveIn > 0 and reserveOut > amountOut, "Router: INSUFFICIENT_LIQUIDITY"
    return reserveIn * amountOut * 1000 // ((reserveOut - amountOut) * 997) + 1


@view
@internal
def _amounts_out(
    amountIn: uint256, path: DynArray[address, MAX_PATH]
) -> DynArray[uint256, MAX_PATH]:
    assert len(path) >= 2, "Router: INVALID_PATH"
    amounts: DynArray[uint256, MAX_PATH] = [amountIn]
    for i: uint256 in range(len(path) - 1, bound=MAX_PATH - 1):
        reserveIn: uint256 = 0
        reserveOut: uint256 = 0
        reserveIn, reserveOut = self._reserves(path[i], path[i + 1])
        amounts.append(self._amount_out(amounts[i], reserveIn, reserveOut))
    return amounts


@view
@internal
def _amounts_in(
    amountOut: uint256, path: DynArray[address, MAX_PATH]
) -> DynArray[uint256, MAX_PATH]:
    assert len(path) >= 2, "Router: INVALID_PATH"
    amounts: DynArray[uint256, MAX_PATH] = []
    for i: uint256 in range(len(path), bound=MAX_PATH):
        amounts.append(amountOut)
    for j: uint256 in range(len(path) - 1, bound=MAX_PATH - 1):
        i: uint256 = len(path) - 1 - j
        reserveIn: uint256 = 0
        reserveOut: uint256 = 0
        reserveIn, reserveOut = self._reserves(path[i - 1], path[i])
        amounts[i - 1] = self._amount_in(amounts[i], reserveIn, reserveOut)
    return amounts


@pure
@external
def quote(amountA: uint256, reserveA: uint256, reserveB: uint256) -> uint256:
    return self._quote(amountA, reserveA, reserveB)


@pure
@external
def getAmountOut(amountIn: uint256, reserveIn: uint256, reserveOut: uint256) -> uint256:
    return self._amount_out(amountIn, reserveIn, reserveOut)


@pure
@external
def getAmountIn(amountOut: uint256, reserveIn: uint256, reserveOut: uint256) -> uint256:
    return self._amount_in(amountOut, reserveIn, reserveOut)


@view
@external
def getAmountsOut(
    amountIn: uint256, path: DynArray[address, MAX_PATH]
) -> DynArray[uint256, MAX_PATH]:
    return self._amounts_out(amountIn, path)


@view
@external
def getAmountsIn(
    amountOut: uint256, path: DynArray[address, MAX_PATH]
) -> DynArray[uint256, MAX_PATH]:
    return self._amounts_in(amountOut, path)


# ------------------------------------------------------------------ transfers

@internal
def _transfer_from(token: address, sender: address, to: address, amount: uint256):
    ok: bool = extcall IERC20(token).transferFrom(sender, to, amount, default_return_value=True)
    assert ok, "Router: TRANSFER_FROM_FAILED"


@internal
def _transfer(token: address, to: address, amount: uint256):
    ok: bool = extcall IERC20(token).transfer(to, amount, default_return_value=True)
    assert ok, "Router: TRANSFER_FAILED"


@internal
def _send_eth(to: address, amount: uint256):
    if amount == 0:
        return
    ok: bool = raw_call(to, b"", value=amount, revert_on_failure=False)
    assert ok, "Router: ETH_TRANSFER_FAILED"


@internal
def _wrap_into(pair: address, amount: uint256):
    extcall IWETH(WETH).deposit(value=amount)
    self._transfer(WETH, pair, amount)


@view
@internal
def _check_deadline(deadline: uint256):
    assert deadline >= block.timestamp, "Router: EXPIRED"


# ------------------------------------------------------------------ liquidity

@internal
def _add_amounts(
    tokenA: address,
    tokenB: address,
    amountADesired: uint256,
    amountBDesired: uint256,
    amountAMin: uint256,
    amountBMin: uint256,
) -> (uint256, uint256):
    if staticcall IFactory(factory).getPair(tokenA, tokenB) == empty(address):
        extcall IFactory(factory).createPair(tokenA, tokenB)
    reserveA: uint256 = 0
    reserveB: uint256 = 0
    reserveA, reserveB = self._reserves(tokenA, tokenB)
    if reserveA == 0 and reserveB == 0:
        return amountADesired, amountBDesired
    amountBOptimal: uint256 = self._quote(amountADesired, reserveA, reserveB)
    if amountBOptimal <= amountBDesired:
        assert amountBOptimal >= amountBMin, "Router: INSUFFICIENT_B_AMOUNT"
        return amountADesired, amountBOptimal
    amountAOptimal: uint256 = self._quote(amountBDesired, reserveB, reserveA)
    assert amountAOptimal <= amountADesired, "Router: INSUFFICIENT_A_AMOUNT"
    assert amountAOptimal >= amountAMin, "Router: INSUFFICIENT_A_AMOUNT"
    return amountAOptimal, amountBDesired


@external
def addLiquidity(
    tokenA: address,
    tokenB: address,
    amountADesired: uint256,
    amountBDesired: uint256,
    amountAMin: uint256,
    amountBMin: uint256,
    to: address,
    deadline: uint256,
) -> (uint256, uint256, uint256):
    self._check_deadline(deadline)
    amountA: uint256 = 0
    amountB: uint256 = 0
    amountA, amountB = self._add_amounts(
        tokenA, tokenB, amountADesired, amountBDesired, amountAMin, amountBMin
    )
    pair: address = self._pair(tokenA, tokenB)
    self._transfer_from(tokenA, msg.sender, pair, amountA)
    self._transfer_from(tokenB, msg.sender, pair, amountB)
    liquidity: uint256 = extcall IPair(pair).mint(to)
    return amountA, amountB, liquidity


@external
@payable
def addLiquidityETH(
    token: address,
    amountTokenDesired: uint256,
    amountTokenMin: uint256,
    amountETHMin: uint256,
    to: address,
    deadline: uint256,
) -> (uint256, uint256, uint256):
    self._check_deadline(deadline)
    amountToken: uint256 = 0
    amountETH: uint256 = 0
    amountToken, amountETH = self._add_amounts(
        token, WETH, amountTokenDesired, msg.value, amountTokenMin, amountETHMin
    )
    pair: address = self._pair(token, WETH)
    self._transfer_from(token, msg.sender, pair, amountToken)
    self._wrap_into(pair, amountETH)
    liquidity: uint256 = extcall IPair(pair).mint(to)
    self._send_eth(msg.sender, msg.value - amountETH)
    return amountToken, amountETH, liquidity


@internal
def _remove(
    tokenA: address,
    tokenB: address,
    liquidity: uint256,
    amountAMin: uint256,
    amountBMin: uint256,
    to: address,
    deadline: uint256,
) -> (uint256, uint256):
    self._check_deadline(deadline)
    pair: address = self._pair(tokenA, tokenB)
    extcall IPair(pair).transferFrom(msg.sender, pair, liquidity)
    amount0: uint256 = 0
    amount1: uint256 = 0
    amount0, amount1 = extcall IPair(pair).burn(to)
    amountA: uint256 = amount0
    amountB: uint256 = amount1
    if tokenA != self._sort(tokenA, tokenB)[0]:
        amountA = amount1
        amountB = amount0
    assert amountA >= amountAMin, "Router: INSUFFICIENT_A_AMOUNT"
    assert amountB >= amountBMin, "Router: INSUFFICIENT_B_AMOUNT"
    return amountA, amountB


@external
def removeLiquidity(
    tokenA: address,
    tokenB: address,
    liquidity: uint256,
    amountAMin: uint256,
    amountBMin: uint256,
    to: address,
    deadline: uint256,
) -> (uint256, uint256):
    return self._remove(tokenA, tokenB, liquidity, amountAMin, amountBMin, to, deadline)


@external
def removeLiquidityETH(
    token: address,
    liquidity: uint256,
    amountTokenMin: uint256,
    amountETHMin: uint256,
    to: address,
    deadline: uint256,
) -> (uint256, uint256):
    amountToken: uint256 = 0
    amountETH: uint256 = 0
    amountToken, amountETH = self._remove(
        token, WETH, liquidity, amountTokenMin, amountETHMin, self, deadline
    )
    self._transfer(token, to, amountToken)
    extcall IWETH(WETH).withdraw(amountETH)
    self._send_eth(to, amountETH)
    return amountToken, amountETH


# ------------------------------------------------------------------ swaps

@internal
def _swap(amounts: DynArray[uint256, MAX_PATH], path: DynArray[address, MAX_PATH], _to: address):
    last: uint256 = len(path) - 1
    for i: uint256 in range(last, bound=MAX_PATH - 1):
        token_in: address = path[i]
        token_out: address = path[i + 1]
        amount_out: uint256 = amounts[i + 1]
        amount0_out: uint256 = 0
        amount1_out: uint256 = amount_out
        if token_in != self._sort(token_in, token_out)[0]:
            amount0_out = amount_out
            amount1_out = 0
        to: address = _to
        if i + 1 < last:
            to = self._pair(token_out, path[i + 2])
        extcall IPair(self._pair(token_in, token_out)).swap(amount0_out, amount1_out, to, b"")


@internal
def _pay_in_and_swap(
    amounts: DynArray[uint256, MAX_PATH], path: DynArray[address, MAX_PATH], to: address
):
    self._transfer_from(path[0], msg.sender, self._pair(path[0], path[1]), amounts[0])
    self._swap(amounts, path, to)


@view
@internal
def _out_check(amounts: DynArray[uint256, MAX_PATH], amountOutMin: uint256):
    assert amounts[len(amounts) - 1] >= amountOutMin, "Router: INSUFFICIENT_OUTPUT_AMOUNT"


@external
def swapExactTokensForTokens(
    amountIn: uint256,
    amountOutMin: uint256,
    path: DynArray[address, MAX_PATH],
    to: address,
    deadline: uint256,
) -> DynArray[uint256, MAX_PATH]:
    self._check_deadline(deadline)
    amounts: DynArray[uint256, MAX_PATH] = self._amounts_out(amountIn, path)
    self._out_check(amounts, amountOutMin)
    self._pay_in_and_swap(amounts, path, to)
    return amounts


@external
def swapTokensForExactTokens(
    amountOut: uint256,
    amountInMax: uint256,
    path: DynArray[address, MAX_PATH],
    to: address,
    deadline: uint256,
) -> DynArray[uint256, MAX_PATH]:
    self._check_deadline(deadline)
    amounts: DynArray[uint256, MAX_PATH] = self._amounts_in(amountOut, path)
    assert amounts[0] <= amountInMax, "Router: EXCESSIVE_INPUT_AMOUNT"
    self._pay_in_and_swap(amounts, path, to)
    return amounts


@external
@payable
def swapExactETHForTokens(
    amountOutMin: uint256, path: DynArray[address, MAX_PATH], to: address, deadline: uint256
) -> DynArray[uint256, MAX_PATH]:
    self._check_deadline(deadline)
    assert len(path) >= 2 and path[0] == WETH, "Router: INVALID_PATH"
    amounts: DynArray[uint256, MAX_PATH] = self._amounts_out(msg.value, path)
    self._out_check(amounts, amountOutMin)
    self._wrap_into(self._pair(path[0], path[1]), amounts[0])
    self._swap(amounts, path, to)
    return amounts


@external
def swapTokensForExactETH(
    amountOut: uint256,
    amountInMax: uint256,
    path: DynArray[address, MAX_PATH],
    to: address,
    deadline: uint256,
) -> DynArray[uint256, MAX_PATH]:
    self._check_deadline(deadline)
    assert len(path) >= 2 and path[len(path) - 1] == WETH, "Router: INVALID_PATH"
    amounts: DynArray[uint256, MAX_PATH] = self._amounts_in(amountOut, path)
    assert amounts[0] <= amountInMax, "Router: EXCESSIVE_INPUT_AMOUNT"
    self._pay_in_and_swap(amounts, path, self)
    self._unwrap_to(to, amountOut)
    return amounts


@external
def swapExactTokensForETH(
    amountIn: uint256,
    amountOutMin: uint256,
    path: DynArray[address, MAX_PATH],
    to: address,
    deadline: uint256,
) -> DynArray[uint256, MAX_PATH]:
    self._check_deadline(deadline)
    assert len(path) >= 2 and path[len(path) - 1] == WETH, "Router: INVALID_PATH"
    amounts: DynArray[uint256, MAX_PATH] = self._amounts_out(amountIn, path)
    self._out_check(amounts, amountOutMin)
    self._pay_in_and_swap(amounts, path, self)
    self._unwrap_to(to, amounts[len(amounts) - 1])
    return amounts


@external
@payable
def swapETHForExactTokens(
    amountOut: uint256, path: DynArray[address, MAX_PATH], to: address, deadline: uint256
) -> DynArray[uint256, MAX_PATH]:
    self._check_deadline(deadline)
    assert len(path) >= 2 and path[0] == WETH, "Router: INVALID_PATH"
    amounts: DynArray[uint256, MAX_PATH] = self._amounts_in(amountOut, path)
    assert amounts[0] <= msg.value, "Router: EXCESSIVE_INPUT_AMOUNT"
    self._wrap_into(self._pair(path[0], path[1]), amounts[0])
    self._swap(amounts, path, to)
    self._send_eth(msg.sender, msg.value - amounts[0])
    return amounts


@internal
def _unwrap_to(to: address, amount: uint256):
    extcall IWETH(WETH).withdraw(amount)
    self._send_eth(to, amount)
