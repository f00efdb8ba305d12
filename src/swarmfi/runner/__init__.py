"""The main job: text → intent → preview → approval → swarm execution → ledger.

`fire_order(order, now, chain=None, state=None, signer=None, policy=None, quiet=False)`
runs a standing order once through the same guard (used by `swarmfi watch`, the demo and
`swarmfi.api`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


async def fire_order(order: Any, now: int, *, chain: Any = None, state: Path | None = None,
                     signer: Any = None, policy: Any = None, quiet: bool = False) -> Any:
    from swarmfi.runner.standing import fire

    return await fire(order, now, chain=chain, state=state, signer=signer, policy=policy,
                      quiet=quiet)
