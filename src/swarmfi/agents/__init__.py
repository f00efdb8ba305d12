"""The specialists: one narrow agent per step kind, each turning a canonical step into
transactions (or an answer) against the chain state it is given.

    prepare(step, ctx) -> Prepared

The guard calls it on a sandbox, the executor on the live chain: one code path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from swarmfi.agents.context import Prepared, StepContext
from swarmfi.agents.governance import prepare_launch, prepare_vote
from swarmfi.agents.lending import prepare_borrow, prepare_repay, prepare_supply, prepare_withdraw
from swarmfi.agents.query import prepare_query
from swarmfi.agents.trade import prepare_add_liquidity, prepare_remove_liquidity, prepare_swap
from swarmfi.agents.wallet import prepare_transfer, prepare_unwrap, prepare_wrap
from swarmfi.errors import BugError

Preparer = Callable[[Any, StepContext], Awaitable[Prepared]]

AGENTS: dict[str, Preparer] = {
    "swap": prepare_swap,
    "transfer": prepare_transfer,
    "wrap": prepare_wrap,
    "unwrap": prepare_unwrap,
    "supply": prepare_supply,
    "withdraw": prepare_withdraw,
    "borrow": prepare_borrow,
    "repay": prepare_repay,
    "add_liquidity": prepare_add_liquidity,
    "remove_liquidity": prepare_remove_liquidity,
    "launch": prepare_launch,
    "vote": prepare_vote,
    "query": prepare_query,
}


async def prepare(step: Any, ctx: StepContext) -> Prepared:
    """The agent for `step.action` prepares it."""
    agent = AGENTS.get(step.action)
    if agent is None:
        raise BugError(f"no agent handles the {step.action!r} action")
    return await agent(step, ctx)


__all__ = ["AGENTS", "Prepared", "StepContext", "prepare"]
