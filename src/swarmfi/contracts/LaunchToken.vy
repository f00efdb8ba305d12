# pragma version ~=0.4.3
"""
@title A launchpad token (deployed by Launchpad from a blueprint)
@notice A plain 18-decimal ERC20 whose whole supply is minted to the launchpad
        that created it. Until the token graduates, nobody but the launchpad
        can send it to its AMM pair: so nobody can seed the pool at a price of
        their choosing before the launchpad adds the graduation liquidity.
"""

import ERC20 as erc20

initializes: erc20

exports: (
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.totalSupply,
    erc20.balanceOf,
    erc20.allowance,
    erc20.approve,
)

launchpad: public(address)
pair: public(address)
graduated: public(bool)


@deploy
def __init__(_name: String[64], _symbol: String[32], _supply: uint256):
    erc20.__init__(_name, _symbol, 18, _supply, empty(address))
    self.launchpad = msg.sender


@external
def transfer(_to: address, _value: uint256) -> bool:
    self._check_route(msg.sender, _to)
    erc20._transfer(msg.sender, _to, _value)
    return True


@external
def transferFrom(_from: address, _to: address, _value: uint256) -> bool:
    self._check_route(_from, _to)
    erc20._spend_allowance(_from, msg.sender, _value)
    erc20._transfer(_from, _to, _value)
    return True


@external
def setPair(_pair: address):
    """@notice Launchpad only, once: the AMM pair that opens at graduation."""
    assert msg.sender == self.launchpad, "LaunchToken: caller is not the launchpad"
    assert self.pair == empty(address), "LaunchToken: pair already set"
    self.pair = _pair


@external
def graduate():
    """@notice Launchpad only: open transfers to the pair."""
    assert msg.sender == self.launchpad, "LaunchToken: caller is not the launchpad"
    self.graduated = True


@view
@internal
def _check_route(_from: address, _to: address):
    if _to == self.pair and not self.graduated:
        assert _from == self.launchpad, "LaunchToken: the AMM pool opens at graduation"
