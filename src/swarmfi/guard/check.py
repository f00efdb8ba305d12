"""The guard: simulate the whole plan on a sandbox, then check the policy on the result.

    guard(chain, steps, sender, policy) -> Preview      (violations listed, never raised)

Simulation that cannot run blocks too: PlanError / SimulationError propagate, so
nothing downstream ever sees a plan that was not simulated (fail closed).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from swarmfi.chain.base import Chain, LendingPosition, Registry
from swarmfi.guard.policy import Policy
from swarmfi.guard.preview import Preview, StepPreview
from swarmfi.guard.rules import Approval, Effects, Pool, Transfer, Violation, check_plan
from swarmfi.guard.sandbox import open_sandbox
from swarmfi.guard.simulate import PlanSimulator

HUNDRED = Decimal(100)


def default_slippage(policy: Policy) -> Decimal:
    """The tolerance used when the user names none: 0.5 %, or less if the policy says so."""
    return min(Decimal("0.005"), policy.max_slippage_pct / HUNDRED)


def _pct(value: Decimal | None) -> Decimal | None:
    return None if value is None else value * HUNDRED


def effects_of(sp: StepPreview, step: Any, sender: str, hf_before: Decimal | None) -> Effects:
    """How the policy sees one simulated step."""
    p = sp.prepared
    tokens = {*p.spends, *p.receives, *p.expected, *sp.deltas}
    transfers = ((Transfer(getattr(step, "token", ""), p.recipient, step.to),)
                 if p.recipient else ())
    return Effects(
        label=f"step {p.index + 1} ({p.action})", sender=sender, usd_value_out=p.usd_value,
        tokens=tuple(sorted(tokens)), contracts=tuple(dict.fromkeys(t.to for t in p.txs
                                                                      if t.data)),
        approvals=tuple(Approval(a.token, a.spender, a.amount, a.amount) for a in p.approvals),
        transfers=transfers, pools=_pools(p.data.get("pool")), slippage_pct=_pct(p.slippage),
        requested_slippage_pct=_pct(getattr(step, "slippage", None)),
        price_impact_pct=_pct(p.price_impact), health_factor_before=hf_before,
        health_factor_after=sp.position_after.health_factor)


def _pools(pool: Any) -> tuple[Pool, ...]:
    """The AMM pool a step calls, as its agent found it ({"address", "tokens"})."""
    return (Pool(str(pool["address"]), tuple(pool["tokens"])),) if pool else ()


def plan_effects(preview: Preview, steps: Sequence[Any]) -> list[Effects]:
    found, before = [], preview.position_before
    for sp, step in zip(preview.steps, steps, strict=True):
        found.append(effects_of(sp, step, preview.sender, _hf(before)))
        before = sp.position_after
    return found


def _hf(position: LendingPosition) -> Decimal | None:
    return position.health_factor


def unpriced(preview: Preview, registry: Registry) -> list[Violation]:
    """Fail closed on what swarmfi cannot value in USD here (no oracle, no price feed for
    the token): the USD caps could not be checked on it."""
    where = registry.name or f"chain id {registry.chain_id}"
    found = []
    for sp in preview.steps:
        blind = sorted(s for s in sp.prepared.spends if not registry.has_price(s))
        if blind:
            found.append(Violation(
                "max_tx_usd",
                f"{where} has no USD price for {', '.join(blind)} in swarmfi's registry, so "
                "what this step spends cannot be checked against the USD caps",
                "use tokens with a price feed on this chain, or the devnet",
                step=f"step {sp.prepared.index + 1} ({sp.prepared.action})",
            ))  # fmt: skip
    return found


def check_preview(preview: Preview, steps: Sequence[Any], policy: Policy, registry: Registry,
                  spent_today_usd: Decimal = Decimal(0)) -> Preview:
    violations = check_plan(policy, plan_effects(preview, steps), registry, spent_today_usd)
    return preview.with_violations([*violations, *unpriced(preview, registry)])


async def simulate_steps(chain: Chain, steps: Sequence[Any], sender: str,
                         policy: Policy) -> Preview:
    async with open_sandbox(chain) as sim:
        simulator = PlanSimulator(sim, sender, default_slippage=default_slippage(policy),
                                  address_book=policy.address_book)
        return await simulator.run(list(steps))


async def guard(chain: Chain, steps: Sequence[Any], sender: str, policy: Policy,
                spent_today_usd: Decimal = Decimal(0)) -> Preview:
    """Simulate `steps` and check `policy` on the result; see `Preview.ok`."""
    preview = await simulate_steps(chain, steps, sender, policy)
    return check_preview(preview, steps, policy, chain.registry, spent_today_usd)
