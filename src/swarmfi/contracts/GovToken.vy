# pragma version ~=0.4.3
"""
@title Governance token: an 18-decimal ERC20 with vote checkpoints
@notice Votes follow ERC20Votes semantics, clocked by block number: a holder's
        balance counts as votes for whoever they `delegate` to, and every change
        is checkpointed so `getPastVotes(account, block)` is final for any
        block before the current one.

        One convenience over ERC20Votes: an account that receives tokens and
        has never chosen a delegate is delegated to itself, so every holder can
        vote without a separate `delegate` transaction. `delegate(other)` still
        moves the votes; `delegate(empty(address))` stops counting them.

        Total-supply checkpoints (for the governor's quorum) are kept under the
        zero address, which can never be a delegate.
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
    erc20.minter,
    erc20.setMinter,
)


struct Checkpoint:
    from_block: uint256
    votes: uint256


event DelegateChanged:
    delegator: indexed(address)
    from_delegate: indexed(address)
    to_delegate: indexed(address)

event DelegateVotesChanged:
    delegate: indexed(address)
    previous_votes: uint256
    new_votes: uint256


TOTAL: constant(address) = empty(address)

delegates: public(HashMap[address, address])
checkpoints: public(HashMap[address, HashMap[uint256, Checkpoint]])
numCheckpoints: public(HashMap[address, uint256])
_chose_delegate: HashMap[address, bool]


@deploy
def __init__(_name: String[64], _symbol: String[32], _initial_supply: uint256, _minter: address):
    """@notice Mint `_initial_supply` to the deployer; `_minter` may mint more (devnet faucet)."""
    erc20.__init__(_name, _symbol, 18, 0, _minter)
    if _initial_supply > 0:
        self._mint(msg.sender, _initial_supply)


# ------------------------------------------------------------------ ERC20 with vote moves


@external
def transfer(_to: address, _value: uint256) -> bool:
    erc20._transfer(msg.sender, _to, _value)
    self._after_transfer(msg.sender, _to, _value)
    return True


@external
def transferFrom(_from: address, _to: address, _value: uint256) -> bool:
    erc20._spend_allowance(_from, msg.sender, _value)
    erc20._transfer(_from, _to, _value)
    self._after_transfer(_from, _to, _value)
    return True


@external
def mint(_to: address, _amount: uint256) -> bool:
    assert msg.sender == erc20.minter, "GovToken: caller is not the minter"
    self._mint(_to, _amount)
    return True


# ------------------------------------------------------------------ votes


@external
def delegate(delegatee: address):
    """@notice Count your balance as votes for `delegatee` (yourself to vote directly)."""
    self._delegate(msg.sender, delegatee)


@view
@external
def getVotes(account: address) -> uint256:
    """@notice `account`'s current votes (what it would have if this block were final)."""
    n: uint256 = self.numCheckpoints[account]
    if n == 0:
        return 0
    return self.checkpoints[account][n - 1].votes


@view
@external
def getPastVotes(account: address, block_number: uint256) -> uint256:
    """@notice `account`'s votes at the end of `block_number`, which must be in the past."""
    assert block_number < block.number, "GovToken: block not yet mined"
    assert account != TOTAL, "GovToken: zero address has no votes"
    return self._lookup(account, block_number)


@view
@external
def getPastTotalSupply(block_number: uint256) -> uint256:
    """@notice Total supply at the end of `block_number`, which must be in the past."""
    assert block_number < block.number, "GovToken: block not yet mined"
    return self._lookup(TOTAL, block_number)


@view
@external
def clock() -> uint48:
    return convert(block.number, uint48)


@view
@external
def CLOCK_MODE() -> String[32]:
    return "mode=blocknumber&from=default"


# ------------------------------------------------------------------ internals


@internal
def _mint(_to: address, _amount: uint256):
    erc20._mint(_to, _amount)
    supply: uint256 = self._latest(TOTAL)
    self._write_checkpoint(TOTAL, supply, supply + _amount)
    self._after_transfer(empty(address), _to, _amount)


@internal
def _after_transfer(_from: address, _to: address, _value: uint256):
    if not self._chose_delegate[_to] and _to != _from and _value > 0:
        self._chose_delegate[_to] = True
        self.delegates[_to] = _to
        log DelegateChanged(delegator=_to, from_delegate=empty(address), to_delegate=_to)
    source: address = empty(address)
    if _from != empty(address):
        source = self.delegates[_from]
    self._move_votes(source, self.delegates[_to], _value)


@internal
def _delegate(delegator: address, delegatee: address):
    previous: address = self.delegates[delegator]
    self.delegates[delegator] = delegatee
    self._chose_delegate[delegator] = True
    log DelegateChanged(delegator=delegator, from_delegate=previous, to_delegate=delegatee)
    self._move_votes(previous, delegatee, erc20.balanceOf[delegator])


@internal
def _move_votes(source: address, target: address, amount: uint256):
    if source == target or amount == 0:
        return
    if source != empty(address):
        old: uint256 = self._latest(source)
        self._write_checkpoint(source, old, old - amount)
    if target != empty(address):
        old: uint256 = self._latest(target)
        self._write_checkpoint(target, old, old + amount)


@view
@internal
def _latest(account: address) -> uint256:
    n: uint256 = self.numCheckpoints[account]
    if n == 0:
        return 0
    return self.checkpoints[account][n - 1].votes


@internal
def _write_checkpoint(account: address, old: uint256, new: uint256):
    n: uint256 = self.numCheckpoints[account]
    if n > 0 and self.checkpoints[account][n - 1].from_block == block.number:
        self.checkpoints[account][n - 1].votes = new
    else:
        self.checkpoints[account][n] = Checkpoint(from_block=block.number, votes=new)
        self.numCheckpoints[account] = n + 1
    if account != TOTAL:
        log DelegateVotesChanged(delegate=account, previous_votes=old, new_votes=new)


@view
@internal
def _lookup(account: address, block_number: uint256) -> uint256:
    """Binary search for the last checkpoint at or before `block_number`."""
    n: uint256 = self.numCheckpoints[account]
    if n == 0 or self.checkpoints[account][0].from_block > block_number:
        return 0
    if self.checkpoints[account][n - 1].from_block <= block_number:
        return self.checkpoints[account][n - 1].votes
    low: uint256 = 0
    high: uint256 = n - 1
    for _: uint256 in range(256):
        if high <= low:
            break
        mid: uint256 = high - (high - low) // 2
        if self.checkpoints[account][mid].from_block <= block_number:
            low = mid
        else:
            high = mid - 1
    return self.checkpoints[account][low].votes
