# pragma version ~=0.4.3
"""
@title Governor: text proposals voted on with GovToken votes
@notice Anyone with at least `proposalThreshold` votes proposes a description.
        Votes are weighed at the proposal's snapshot block (the last block
        mined before the proposal), so tokens bought or borrowed afterwards do
        not count. Voting opens `votingDelay` seconds after the proposal and
        lasts `votingPeriod` seconds (block.timestamp). A proposal succeeds
        when, after voting ends, for > against and for + abstain reaches the
        quorum (`quorumBps` of the total supply at the snapshot).
        Proposal ids start at 1; `proposalCount()` is the latest id.
"""


interface IVotes:
    def getPastVotes(account: address, block_number: uint256) -> uint256: view
    def getPastTotalSupply(block_number: uint256) -> uint256: view


struct Proposal:
    proposer: address
    description: String[1024]
    snapshot: uint256
    start: uint256
    end: uint256
    for_votes: uint256
    against_votes: uint256
    abstain_votes: uint256


event ProposalCreated:
    proposal_id: indexed(uint256)
    proposer: indexed(address)
    description: String[1024]
    snapshot: uint256
    start: uint256
    end: uint256

event VoteCast:
    voter: indexed(address)
    proposal_id: indexed(uint256)
    support: uint8
    weight: uint256


PENDING: constant(uint8) = 0
ACTIVE: constant(uint8) = 1
DEFEATED: constant(uint8) = 2
SUCCEEDED: constant(uint8) = 3
VOTE_AGAINST: constant(uint8) = 0
VOTE_FOR: constant(uint8) = 1
VOTE_ABSTAIN: constant(uint8) = 2
BPS: constant(uint256) = 10_000

token: public(address)
votingDelay: public(uint256)
votingPeriod: public(uint256)
quorumBps: public(uint256)
proposalThreshold: public(uint256)
proposalCount: public(uint256)
hasVoted: public(HashMap[uint256, HashMap[address, bool]])
_proposals: HashMap[uint256, Proposal]


@deploy
def __init__(
    _token: address,
    _voting_delay: uint256,
    _voting_period: uint256,
    _quorum_bps: uint256,
    _proposal_threshold: uint256,
):
    """
    @param _voting_delay Seconds from proposal to the opening of the vote.
    @param _voting_period Seconds the vote stays open.
    @param _quorum_bps Share of the snapshot total supply that must vote for or abstain.
    """
    assert _voting_period > 0, "Governor: voting period is zero"
    assert _quorum_bps <= BPS, "Governor: quorum above 100%"
    self.token = _token
    self.votingDelay = _voting_delay
    self.votingPeriod = _voting_period
    self.quorumBps = _quorum_bps
    self.proposalThreshold = _proposal_threshold


@external
def propose(description: String[1024]) -> uint256:
    """@notice Open a proposal; returns its id (voting starts after `votingDelay` seconds)."""
    assert len(description) > 0, "Governor: empty description"
    snapshot: uint256 = block.number - 1
    votes: uint256 = staticcall IVotes(self.token).getPastVotes(msg.sender, snapshot)
    assert votes >= self.proposalThreshold, "Governor: proposer votes below threshold"
    proposal_id: uint256 = self.proposalCount + 1
    self.proposalCount = proposal_id
    start: uint256 = block.timestamp + self.votingDelay
    end: uint256 = start + self.votingPeriod
    self._proposals[proposal_id] = Proposal(
        proposer=msg.sender,
        description=description,
        snapshot=snapshot,
        start=start,
        end=end,
        for_votes=0,
        against_votes=0,
        abstain_votes=0,
    )
    log ProposalCreated(
        proposal_id=proposal_id,
        proposer=msg.sender,
        description=description,
        snapshot=snapshot,
        start=start,
        end=end,
    )
    return proposal_id


@external
def castVote(proposal_id: uint256, support: uint8) -> uint256:
    """@notice Vote 0 against, 1 for, 2 abstain with your votes at the snapshot; returns the weight."""
    current: uint8 = self._state(proposal_id)
    assert current != PENDING, "Governor: voting has not started"
    assert current == ACTIVE, "Governor: voting is closed"
    assert support <= VOTE_ABSTAIN, "Governor: invalid vote type (0 against, 1 for, 2 abstain)"
    assert not self.hasVoted[proposal_id][msg.sender], "Governor: already voted"
    snapshot: uint256 = self._proposals[proposal_id].snapshot
    weight: uint256 = staticcall IVotes(self.token).getPastVotes(msg.sender, snapshot)
    assert weight > 0, "Governor: no voting power at the proposal snapshot"
    self.hasVoted[proposal_id][msg.sender] = True
    if support == VOTE_FOR:
        self._proposals[proposal_id].for_votes += weight
    elif support == VOTE_AGAINST:
        self._proposals[proposal_id].against_votes += weight
    else:
        self._proposals[proposal_id].abstain_votes += weight
    log VoteCast(voter=msg.sender, proposal_id=proposal_id, support=support, weight=weight)
    return weight


@view
@external
def state(proposal_id: uint256) -> uint8:
    """@notice 0 Pending, 1 Active, 2 Defeated, 3 Succeeded."""
    return self._state(proposal_id)


@view
@external
def proposals(
    proposal_id: uint256,
) -> (address, String[1024], uint256, uint256, uint256, uint256, uint256):
    """@return (proposer, description, start, end, for, against, abstain)."""
    p: Proposal = self._proposal(proposal_id)
    return (
        p.proposer, p.description, p.start, p.end, p.for_votes, p.against_votes, p.abstain_votes
    )


@view
@external
def proposalSnapshot(proposal_id: uint256) -> uint256:
    """@notice The block whose votes count for `proposal_id`."""
    return self._proposal(proposal_id).snapshot


@view
@external
def quorum(proposal_id: uint256) -> uint256:
    """@notice Votes (for + abstain) `proposal_id` needs to be valid."""
    return self._quorum(self._proposal(proposal_id).snapshot)


@view
@internal
def _proposal(proposal_id: uint256) -> Proposal:
    assert proposal_id > 0 and proposal_id <= self.proposalCount, "Governor: unknown proposal id"
    return self._proposals[proposal_id]


@view
@internal
def _quorum(snapshot: uint256) -> uint256:
    supply: uint256 = staticcall IVotes(self.token).getPastTotalSupply(snapshot)
    return supply * self.quorumBps // BPS


@view
@internal
def _state(proposal_id: uint256) -> uint8:
    p: Proposal = self._proposal(proposal_id)
    if block.timestamp < p.start:
        return PENDING
    if block.timestamp <= p.end:
        return ACTIVE
    if p.for_votes > p.against_votes and p.for_votes + p.abstain_votes >= self._quorum(p.snapshot):
        return SUCCEEDED
    return DEFEATED
