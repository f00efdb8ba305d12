"""GovToken.vy (ERC20 with vote checkpoints) and Governor.vy on a real pyrevm EVM."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.chain.harness import Contract, Harness, RevertError

E18 = 10**18
ZERO = "0x0000000000000000000000000000000000000000"
DELAY = 60
PERIOD = 3 * 86_400
PENDING, ACTIVE, DEFEATED, SUCCEEDED = 0, 1, 2, 3
AGAINST, FOR, ABSTAIN = 0, 1, 2


@dataclass
class Gov:
    h: Harness
    token: Contract
    governor: Contract
    holders: list[str]


def deploy_gov(threshold: int = 1_000 * E18) -> Gov:
    """1,000,000 GOV: 400k, 300k, 200k and 100k to four holders; quorum 4 %."""
    h = Harness()
    token = h.deploy("GovToken", "swarmfi Governance", "GOV", 1_000_000 * E18, h.deployer)
    governor = h.deploy("Governor", token.address, DELAY, PERIOD, 400, threshold)
    holders = [h.new_account() for _ in range(4)]
    for holder, amount in zip(holders, (400_000, 300_000, 200_000, 100_000), strict=True):
        token.transact.transfer(holder, amount * E18)
    h.warp(12)
    return Gov(h, token, governor, holders)


@pytest.fixture
def g() -> Gov:
    return deploy_gov()


def propose(g: Gov, text: str = "Raise the USDC reserve factor to 15%") -> int:
    result = g.governor.transact.propose(text, sender=g.holders[0])
    return int(result.output)


# ------------------------------------------------------------------ token and votes


def test_token_metadata_and_supply(g):
    assert g.token.call.name() == "swarmfi Governance"
    assert g.token.call.symbol() == "GOV"
    assert g.token.call.decimals() == 18
    assert g.token.call.totalSupply() == 1_000_000 * E18
    assert g.token.call.balanceOf(g.h.deployer) == 0


def test_receiving_tokens_delegates_to_self(g):
    alice = g.holders[0]
    assert g.token.call.delegates(alice) == alice
    assert g.token.call.getVotes(alice) == 400_000 * E18
    assert g.token.call.numCheckpoints(alice) == 1


def test_delegate_moves_votes_and_logs(g):
    alice, bob = g.holders[0], g.holders[1]
    result = g.token.transact.delegate(bob, sender=alice)
    assert result.named("DelegateChanged")[0].args == {
        "delegator": alice, "from_delegate": alice, "to_delegate": bob}
    moved = [e.args for e in result.named("DelegateVotesChanged")]
    assert moved == [
        {"delegate": alice, "previous_votes": 400_000 * E18, "new_votes": 0},
        {"delegate": bob, "previous_votes": 300_000 * E18, "new_votes": 700_000 * E18},
    ]
    assert g.token.call.getVotes(alice) == 0
    assert g.token.call.getVotes(bob) == 700_000 * E18
    # alice's later receipts follow her chosen delegate
    g.token.transact.transfer(alice, 1_000 * E18, sender=g.holders[3])
    assert g.token.call.getVotes(bob) == 701_000 * E18
    assert g.token.call.getVotes(g.holders[3]) == 99_000 * E18


def test_undelegated_votes_stay_off(g):
    alice, dave = g.holders[0], g.holders[3]
    g.token.transact.delegate(ZERO, sender=alice)
    assert g.token.call.getVotes(alice) == 0
    g.token.transact.transfer(alice, 5 * E18, sender=dave)
    assert g.token.call.getVotes(alice) == 0
    assert g.token.call.delegates(alice) == ZERO


def test_past_votes_are_checkpointed_per_block(g):
    alice, bob = g.holders[0], g.holders[1]
    first = g.h.block_number
    g.token.transact.transfer(bob, 100 * E18, sender=alice)
    g.token.transact.transfer(bob, 50 * E18, sender=alice)  # same block: one checkpoint
    g.h.warp(12)
    second = g.h.block_number
    g.token.transact.transfer(alice, 10 * E18, sender=bob)
    g.h.warp(12, blocks=5)
    assert g.token.call.numCheckpoints(alice) == 3
    assert g.token.call.getPastVotes(alice, first - 1) == 400_000 * E18
    assert g.token.call.getPastVotes(alice, first) == 399_850 * E18
    assert g.token.call.getPastVotes(alice, second) == 399_860 * E18
    assert g.token.call.getPastVotes(alice, second + 3) == 399_860 * E18
    assert g.token.call.getPastVotes(bob, first) == 300_150 * E18
    with pytest.raises(RevertError, match="GovToken: block not yet mined"):
        g.token.call.getPastVotes(alice, g.h.block_number)


def test_past_total_supply_tracks_mints(g):
    before = g.h.block_number
    g.token.transact.mint(g.holders[2], 500 * E18)
    g.h.warp(12)
    assert g.token.call.getPastTotalSupply(before - 1) == 1_000_000 * E18
    assert g.token.call.getPastTotalSupply(before) == 1_000_500 * E18
    assert g.token.call.getVotes(g.holders[2]) == 200_500 * E18
    with pytest.raises(RevertError, match="GovToken: caller is not the minter"):
        g.token.transact.mint(g.holders[2], 1, sender=g.holders[2])


def test_transfer_from_spends_allowance_and_moves_votes(g):
    alice, bob, spender = g.holders[0], g.holders[1], g.h.new_account()
    g.token.transact.approve(spender, 10 * E18, sender=alice)
    g.token.transact.transferFrom(alice, bob, 6 * E18, sender=spender)
    assert g.token.call.allowance(alice, spender) == 4 * E18
    assert g.token.call.getVotes(bob) == 300_006 * E18
    with pytest.raises(RevertError, match="ERC20: insufficient allowance"):
        g.token.transact.transferFrom(alice, bob, 5 * E18, sender=spender)


# ------------------------------------------------------------------ governor


def test_propose_records_the_proposal(g):
    start = g.h.timestamp + DELAY
    result = g.governor.transact.propose("List LINK as collateral", sender=g.holders[0])
    assert result.output == 1
    assert result.named("ProposalCreated")[0].args == {
        "proposal_id": 1, "proposer": g.holders[0], "description": "List LINK as collateral",
        "snapshot": g.h.block_number - 1, "start": start, "end": start + PERIOD}
    assert g.governor.call.proposalCount() == 1
    assert g.governor.call.proposals(1) == (
        g.holders[0], "List LINK as collateral", start, start + PERIOD, 0, 0, 0)
    assert g.governor.call.state(1) == PENDING
    assert g.governor.call.quorum(1) == 40_000 * E18
    assert propose(g) == 2


def test_propose_checks(g):
    with pytest.raises(RevertError, match="Governor: empty description"):
        g.governor.transact.propose("", sender=g.holders[0])
    with pytest.raises(RevertError, match="Governor: proposer votes below threshold"):
        g.governor.transact.propose("hello", sender=g.h.new_account())
    with pytest.raises(RevertError, match="Governor: unknown proposal id"):
        g.governor.call.state(1)


def test_vote_lifecycle_succeeds(g):
    pid = propose(g)
    with pytest.raises(RevertError, match="Governor: voting has not started"):
        g.governor.transact.castVote(pid, FOR, sender=g.holders[1])
    g.h.warp(DELAY)
    assert g.governor.call.state(pid) == ACTIVE
    result = g.governor.transact.castVote(pid, FOR, sender=g.holders[1])
    assert result.output == 300_000 * E18
    assert result.named("VoteCast")[0].args == {
        "voter": g.holders[1], "proposal_id": pid, "support": FOR, "weight": 300_000 * E18}
    g.governor.transact.castVote(pid, AGAINST, sender=g.holders[2])
    g.governor.transact.castVote(pid, ABSTAIN, sender=g.holders[3])
    assert g.governor.call.hasVoted(pid, g.holders[1]) is True
    assert g.governor.call.hasVoted(pid, g.holders[0]) is False
    assert g.governor.call.proposals(pid)[4:] == (300_000 * E18, 200_000 * E18, 100_000 * E18)
    with pytest.raises(RevertError, match="Governor: already voted"):
        g.governor.transact.castVote(pid, AGAINST, sender=g.holders[1])
    g.h.warp(PERIOD)
    assert g.governor.call.state(pid) == ACTIVE  # the end second still counts
    g.h.warp(1)
    assert g.governor.call.state(pid) == SUCCEEDED
    with pytest.raises(RevertError, match="Governor: voting is closed"):
        g.governor.transact.castVote(pid, FOR, sender=g.holders[0])


def test_vote_checks(g):
    pid = propose(g)
    g.h.warp(DELAY)
    with pytest.raises(RevertError, match=r"Governor: invalid vote type"):
        g.governor.transact.castVote(pid, 3, sender=g.holders[1])
    with pytest.raises(RevertError, match="Governor: no voting power at the proposal snapshot"):
        g.governor.transact.castVote(pid, FOR, sender=g.h.new_account())


def test_votes_count_at_the_snapshot_not_now(g):
    pid = propose(g)
    late = g.h.new_account()
    g.token.transact.transfer(late, 250_000 * E18, sender=g.holders[0])
    g.h.warp(DELAY)
    with pytest.raises(RevertError, match="Governor: no voting power at the proposal snapshot"):
        g.governor.transact.castVote(pid, FOR, sender=late)
    assert g.governor.transact.castVote(pid, FOR, sender=g.holders[0]).output == 400_000 * E18


def test_majority_decides(g):
    lone = propose(g, "one small voter")
    split = propose(g, "for loses to against")
    g.h.warp(DELAY)
    g.governor.transact.castVote(lone, FOR, sender=g.holders[3])  # 10 %: above the 4 % quorum
    g.governor.transact.castVote(split, FOR, sender=g.holders[1])
    g.governor.transact.castVote(split, AGAINST, sender=g.holders[2])
    g.governor.transact.castVote(split, AGAINST, sender=g.holders[3])
    g.h.warp(PERIOD + 1)
    assert g.governor.call.state(lone) == SUCCEEDED
    assert g.governor.call.state(split) == DEFEATED


def test_quorum_is_required():
    g = deploy_gov()
    g.governor.transact.propose("quiet", sender=g.holders[0])
    crumbs = g.h.new_account()
    g.token.transact.transfer(crumbs, 39_999 * E18, sender=g.holders[0])
    g.h.warp(12)
    pid = g.governor.transact.propose("crumbs only", sender=g.holders[0]).output
    g.h.warp(DELAY)
    g.governor.transact.castVote(pid, FOR, sender=crumbs)
    g.h.warp(PERIOD + 1)
    assert g.governor.call.quorum(pid) == 40_000 * E18
    assert g.governor.call.state(1) == DEFEATED
    assert g.governor.call.state(pid) == DEFEATED


# ------------------------------------------------------------------ invariants


TOKEN_OPS = st.lists(
    st.tuples(
        st.sampled_from(["transfer", "delegate", "undelegate", "mine"]),
        st.integers(0, 3),
        st.integers(0, 3),
        st.integers(0, 50_000),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=50, deadline=None)
@given(ops=TOKEN_OPS)
def test_past_votes_match_a_model_of_the_history(ops):
    g = deploy_gov()
    balances = dict(zip(g.holders, (400_000, 300_000, 200_000, 100_000), strict=True))
    delegate_of: dict[str, str | None] = {a: a for a in g.holders}
    history: dict[int, dict[str, int]] = {}  # block -> votes at its end

    def votes_now() -> dict[str, int]:
        votes = dict.fromkeys(g.holders, 0)
        for holder, amount in balances.items():
            target = delegate_of[holder]
            if target is not None:
                votes[target] += amount
        return votes

    for kind, a, b, amount in ops:
        src, dst = g.holders[a], g.holders[b]
        if kind == "transfer" and amount <= balances[src]:
            g.token.transact.transfer(dst, amount * E18, sender=src)
            balances[src] -= amount
            balances[dst] += amount
        elif kind == "delegate":
            g.token.transact.delegate(dst, sender=src)
            delegate_of[src] = dst
        elif kind == "undelegate":
            g.token.transact.delegate(ZERO, sender=src)
            delegate_of[src] = None
        history[g.h.block_number] = votes_now()
        if kind == "mine":
            g.h.warp(12)
    g.h.warp(12)
    for block, votes in history.items():
        for holder in g.holders:
            assert g.token.call.getPastVotes(holder, block) == votes[holder] * E18
    assert sum(g.token.call.getVotes(x) for x in g.holders) == sum(votes_now().values()) * E18


@settings(max_examples=30, deadline=None)
@given(supports=st.lists(st.sampled_from([None, AGAINST, FOR, ABSTAIN]), min_size=4, max_size=4))
def test_tally_and_outcome_follow_the_rules(supports):
    g = deploy_gov(threshold=0)
    weights = (400_000, 300_000, 200_000, 100_000)
    pid = g.governor.transact.propose("random electorate", sender=g.holders[0]).output
    g.h.warp(DELAY)
    tally = [0, 0, 0]
    for holder, weight, support in zip(g.holders, weights, supports, strict=True):
        if support is not None:
            g.governor.transact.castVote(pid, support, sender=holder)
            tally[support] += weight * E18
    g.h.warp(PERIOD + 1)
    against, for_, abstain = tally
    assert g.governor.call.proposals(pid)[4:] == (for_, against, abstain)
    passed = for_ > against and for_ + abstain >= 40_000 * E18
    assert g.governor.call.state(pid) == (SUCCEEDED if passed else DEFEATED)
