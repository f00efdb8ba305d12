"""Standing orders in the runner: `order_adder` stores one (what `swarmfi run` does with
a condition or a schedule), `fire` runs one.

Firing: the stored intent runs through the same guard and executor as `swarmfi run`,
approved by the standing order itself and only within policy. It is signed by `signer`
(the watch's keystore) when that is the order's owner, else by the devnet test account
that owns it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from swarmfi.errors import PlanError, PolicyError, RefusalError, SimulationError, SwarmfiError


def order_adder(state: Path | None, chain: Any, owner: str) -> Any:
    """`Runner.run_text`'s `add_order`: store the order (alongside `state`, else in the
    home directory) for `owner` on `chain`; returns its id."""
    def add(intent: Any, text: str, now: int) -> int:
        from swarmfi.intent.types import to_canonical
        from swarmfi.orders.store import OrderStore

        with OrderStore.open(state) as store:
            order = store.add(to_canonical(intent), text, owner, chain.registry.chain_id, now)
        return int(order.id)

    return add


def _signer_for(owner: str, signer: Any = None) -> Any:
    from swarmfi.chain.wallet import test_accounts

    if signer is not None:
        if str(signer.address).lower() == owner.lower():
            return signer
        raise PlanError(f"the order belongs to {owner}, the keystore holds {signer.address}",
                        "watch with the owner's keystore")
    for account in test_accounts():
        if account.address.lower() == owner.lower():
            return account
    raise PlanError(f"no devnet test account is {owner}",
                    "standing orders on the devnet run from its test accounts")


async def fire(order: Any, now: int, *, chain: Any = None, state: Path | None = None,
               signer: Any = None, policy: Any = None, quiet: bool = False) -> Any:
    """Run `order` once; a FireResult says ok, blocked (guard or policy) or failed.
    `policy`: the policy file's when None; `quiet`: print no preview or progress."""
    from swarmfi.chain.devnet import open_devnet
    from swarmfi.guard.policy import load_policy
    from swarmfi.ledger.store import new_run_id
    from swarmfi.orders.model import FireResult
    from swarmfi.runner.cli import make_runner
    from swarmfi.runner.service import Runner
    from swarmfi.runner.session import open_ledger

    policy = load_policy() if policy is None else policy
    owned = chain is None
    chain = open_devnet(state) if owned else chain
    ledger = open_ledger(state)
    run_id = new_run_id()
    try:
        owner = _signer_for(order.owner, signer)
        # previews and progress go to stderr: `watch` owns stdout (its events, or JSON lines)
        runner = (Runner(chain, owner, ledger, policy) if quiet
                  else make_runner(chain, owner, ledger, policy, as_json=True))
        ledger.append("firing", {"order_id": order.id, "now": now, "text": order.text}, run_id)
        await _run_order(runner, order, run_id)
        return FireResult("ok", "executed and matched its simulation", run_id)
    except (PolicyError, PlanError, RefusalError, SimulationError) as exc:
        return FireResult("blocked", exc.one_line(), run_id)
    except SwarmfiError as exc:
        return FireResult("failed", exc.one_line(), run_id)
    finally:
        ledger.close()
        if owned:
            await chain.close()


async def _run_order(runner: Any, order: Any, run_id: str) -> None:
    """The order's steps through the guard and executor, approved by the order itself."""
    from swarmfi.intent.types import Intent, from_canonical

    intent = from_canonical(json.loads(order.intent_json))
    assert isinstance(intent, Intent)  # the store only holds parsed intents

    async def standing(preview: Any) -> bool:
        return True

    await runner.run_steps(list(intent.steps), run_id, standing,
                           approved_by=f"standing order #{order.id}")
