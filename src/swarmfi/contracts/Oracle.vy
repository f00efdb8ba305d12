# pragma version ~=0.4.3
"""
@title Price oracle: asset -> AggregatorV3 feed
@notice getPrice(asset) is the asset's USD price with 8 decimals, read from its
        feed and rescaled if the feed uses other decimals. Ether is priced by
        the feed of WETH. Reverts "Oracle: no feed" for unknown assets and
        "Oracle: stale price" when the answer is older than maxAge (0 = off).
"""

interface AggregatorV3:
    def decimals() -> uint8: view
    def latestRoundData() -> (uint80, int256, uint256, uint256, uint80): view

event FeedSet:
    asset: indexed(address)
    feed: indexed(address)

event MaxAgeSet:
    max_age: uint256

event OwnershipTransferred:
    previous_owner: indexed(address)
    new_owner: indexed(address)

PRICE_DECIMALS: public(constant(uint8)) = 8
MAX_ASSETS: constant(uint256) = 64

owner: public(address)
feeds: public(HashMap[address, address])
maxAge: public(uint256)


@deploy
def __init__():
    self.owner = msg.sender


@external
def setFeed(asset: address, feed: address):
    """@notice Point `asset` at `feed` (owner only); the zero address removes it."""
    self._only_owner()
    self.feeds[asset] = feed
    log FeedSet(asset=asset, feed=feed)


@external
def setMaxAge(max_age: uint256):
    """@notice Answers older than `max_age` seconds are refused (owner only; 0 = never)."""
    self._only_owner()
    self.maxAge = max_age
    log MaxAgeSet(max_age=max_age)


@external
def transferOwnership(new_owner: address):
    self._only_owner()
    assert new_owner != empty(address), "Oracle: new owner is the zero address"
    log OwnershipTransferred(previous_owner=self.owner, new_owner=new_owner)
    self.owner = new_owner


@view
@external
def getPrice(asset: address) -> uint256:
    return self._price(asset)


@view
@external
def getPrices(assets: DynArray[address, MAX_ASSETS]) -> DynArray[uint256, MAX_ASSETS]:
    prices: DynArray[uint256, MAX_ASSETS] = []
    for asset: address in assets:
        prices.append(self._price(asset))
    return prices


@view
@internal
def _price(asset: address) -> uint256:
    feed: address = self.feeds[asset]
    assert feed != empty(address), "Oracle: no feed"
    round_id: uint80 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in: uint80 = 0
    round_id, answer, started_at, updated_at, answered_in = staticcall AggregatorV3(
        feed
    ).latestRoundData()
    assert answer > 0, "Oracle: bad price"
    max_age: uint256 = self.maxAge
    assert max_age == 0 or updated_at + max_age >= block.timestamp, "Oracle: stale price"
    return self._scale(convert(answer, uint256), staticcall AggregatorV3(feed).decimals())


@pure
@internal
def _scale(amount: uint256, feed_decimals: uint8) -> uint256:
    if feed_decimals > PRICE_DECIMALS:
        return amount // 10 ** convert(feed_decimals - PRICE_DECIMALS, uint256)
    return amount * 10 ** convert(PRICE_DECIMALS - feed_decimals, uint256)


@view
@internal
def _only_owner():
    assert msg.sender == self.owner, "Oracle: caller is not the owner"
