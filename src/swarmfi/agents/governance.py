"""Governance and launch agents: vote on a proposal, launch a community token."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from swarmfi.agents.context import Prepared, StepContext, to_raw
from swarmfi.chain import calls
from swarmfi.errors import PlanError

DEFAULT_SUPPLY = Decimal(1_000_000_000)
DEFAULT_COMMUNITY_SHARE = Decimal("0.5")
DEFAULT_FDV_USD = Decimal(1_000_000)
_SUPPORT = {"for": "for", "against": "against", "abstain": "to abstain on"}
MIN_COMMUNITY, MAX_COMMUNITY = Decimal("0.4"), Decimal("0.6")


async def prepare_vote(step: Any, ctx: StepContext) -> Prepared:
    proposals = {p.id: p for p in await ctx.chain.proposals()}
    proposal = proposals.get(step.proposal)
    if proposal is None:
        known = ", ".join(str(i) for i in sorted(proposals)) or "none"
        raise PlanError(f"there is no proposal {step.proposal}",
                        f"pick one of the open proposals: {known}")
    if proposal.state != "active":
        raise PlanError(f"proposal {step.proposal} is {proposal.state}, not open for voting",
                        "vote on an active proposal (list them: \"list open proposals\")")
    call = calls.vote(ctx.registry.contract("governor"), step.proposal, step.support)
    return Prepared(
        index=ctx.index, action="vote",
        summary=f"vote {_SUPPORT[step.support]} proposal {step.proposal}: "
                f"{proposal.description[:60]}",
        txs=(call.tx(ctx.sender),))


def target_raise_eth(supply: Decimal, share: Decimal, fdv_usd: Decimal,
                     eth_usd: Decimal) -> Decimal:
    """ETH the curve must raise before graduation so that the token graduates at an FDV of
    `fdv_usd`. The launchpad's virtual constant-product curve ends at a price of
    4 × target / community tokens, so FDV = 4 × target / share."""
    return share * fdv_usd / 4 / eth_usd


async def prepare_launch(step: Any, ctx: StepContext) -> Prepared:
    supply = step.supply or DEFAULT_SUPPLY
    share = step.community_share or DEFAULT_COMMUNITY_SHARE
    if not MIN_COMMUNITY <= share <= MAX_COMMUNITY:
        raise PlanError(f"a community share of {share:.0%} is outside what the launchpad "
                        f"allows ({MIN_COMMUNITY:.0%}–{MAX_COMMUNITY:.0%})",
                        "give a community share between 40% and 60%")
    fdv = step.fdv_usd or DEFAULT_FDV_USD
    eth = ctx.token("ETH")
    target = target_raise_eth(supply, share, fdv, await ctx.chain.price_usd("ETH"))
    call = calls.launch(ctx.registry.contract("launchpad"), step.name, step.symbol,
                        to_raw(supply, eth), int(share * 10_000), to_raw(target, eth))
    return Prepared(
        index=ctx.index, action="launch",
        summary=f"launch {step.name} ({step.symbol}): {supply:,f} tokens, {share:.0%} to the "
                f"community on a bonding curve raising {target:.4f} ETH (FDV ${fdv:,f})",
        txs=(call.tx(ctx.sender),), data={"target_raise_eth": str(target)})
