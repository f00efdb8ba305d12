# pragma version ~=0.4.3
"""
@title Probe: a tiny contract for the devnet node conformance suite
@notice Stores a number (13 is refused with a reason), logs every store,
        accepts ether, and reports the block's timestamp and number.
"""

event Stored:
    who: indexed(address)
    value: uint256

event Paid:
    payer: indexed(address)
    amount: uint256

value: public(uint256)
stores: public(uint256)


@external
def store(new_value: uint256):
    assert new_value != 13, "Probe: unlucky number"
    self.value = new_value
    self.stores += 1
    log Stored(who=msg.sender, value=new_value)


@external
def burn_gas(rounds: uint256):
    for i: uint256 in range(rounds, bound=10000):
        self.stores += 1


@external
@payable
def pay():
    log Paid(payer=msg.sender, amount=msg.value)


@external
def fail_silently():
    raise


@external
@view
def now() -> (uint256, uint256):
    return block.timestamp, block.number
