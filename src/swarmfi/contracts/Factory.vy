# pragma version ~=0.4.3
"""
@title Pair factory (Uniswap V2 semantics and ABI)
@notice createPair(a, b) deploys a Pair from a blueprint at a CREATE2 address
        salted by the sorted token pair; getPair works in both orders.
"""

event PairCreated:
    token0: indexed(address)
    token1: indexed(address)
    pair: address
    allPairsLength: uint256

MAX_PAIRS: constant(uint256) = 65536

pairBlueprint: public(immutable(address))
getPair: public(HashMap[address, HashMap[address, address]])
allPairs: public(DynArray[address, MAX_PAIRS])


@deploy
def __init__(_pair_blueprint: address):
    pairBlueprint = _pair_blueprint


@view
@external
def allPairsLength() -> uint256:
    return len(self.allPairs)


@external
def createPair(tokenA: address, tokenB: address) -> address:
    assert tokenA != tokenB, "Factory: IDENTICAL_ADDRESSES"
    token0: address = tokenA
    token1: address = tokenB
    if convert(tokenB, uint256) < convert(tokenA, uint256):
        token0 = tokenB
        token1 = tokenA
    assert token0 != empty(address), "Factory: ZERO_ADDRESS"
    assert self.getPair[token0][token1] == empty(address), "Factory: PAIR_EXISTS"
    salt: bytes32 = keccak256(concat(convert(token0, bytes20), convert(token1, bytes20)))
    pair: address = create_from_blueprint(pairBlueprint, token0, token1, salt=salt)
    self.getPair[token0][token1] = pair
    self.getPair[token1][token0] = pair
    self.allPairs.append(pair)
    log PairCreated(token0=token0, token1=token1, pair=pair, allPairsLength=len(self.allPairs))
    return pair
