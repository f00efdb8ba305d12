# pragma version ~=0.4.3
"""
@title Owner-updated price feed (Chainlink AggregatorV3 interface, 8 decimals)
@notice The devnet's stand-in for a Chainlink feed: the owner posts answers with
        setAnswer(answer); each post is a new round stamped with block time.
"""

event AnswerUpdated:
    current: indexed(int256)
    roundId: indexed(uint256)
    updatedAt: uint256

event NewRound:
    roundId: indexed(uint256)
    startedBy: indexed(address)
    startedAt: uint256

event OwnershipTransferred:
    previous_owner: indexed(address)
    new_owner: indexed(address)

struct Round:
    answer: int256
    startedAt: uint256
    updatedAt: uint256

decimals: public(constant(uint8)) = 8
version: public(constant(uint256)) = 1
description: public(String[64])
owner: public(address)
latestRound: public(uint80)
rounds: HashMap[uint80, Round]


@deploy
def __init__(_description: String[64], _initial_answer: int256):
    self.owner = msg.sender
    self.description = _description
    self._post(_initial_answer)


@external
def setAnswer(answer: int256):
    """@notice Post a new answer (owner only); it becomes the latest round."""
    assert msg.sender == self.owner, "PriceFeed: caller is not the owner"
    self._post(answer)


@external
def transferOwnership(new_owner: address):
    assert msg.sender == self.owner, "PriceFeed: caller is not the owner"
    assert new_owner != empty(address), "PriceFeed: new owner is the zero address"
    log OwnershipTransferred(previous_owner=self.owner, new_owner=new_owner)
    self.owner = new_owner


@view
@external
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    return self._round_data(self.latestRound)


@view
@external
def getRoundData(_roundId: uint80) -> (uint80, int256, uint256, uint256, uint80):
    assert _roundId != 0 and _roundId <= self.latestRound, "PriceFeed: no data for that round"
    return self._round_data(_roundId)


@view
@external
def latestAnswer() -> int256:
    return self.rounds[self.latestRound].answer


@view
@external
def latestTimestamp() -> uint256:
    return self.rounds[self.latestRound].updatedAt


@view
@internal
def _round_data(round_id: uint80) -> (uint80, int256, uint256, uint256, uint80):
    r: Round = self.rounds[round_id]
    return round_id, r.answer, r.startedAt, r.updatedAt, round_id


@internal
def _post(answer: int256):
    assert answer > 0, "PriceFeed: answer must be positive"
    round_id: uint80 = self.latestRound + 1
    self.latestRound = round_id
    self.rounds[round_id] = Round(answer=answer, startedAt=block.timestamp, updatedAt=block.timestamp)
    log NewRound(roundId=convert(round_id, uint256), startedBy=msg.sender, startedAt=block.timestamp)
    log AnswerUpdated(current=answer, roundId=convert(round_id, uint256), updatedAt=block.timestamp)
