"""Token and contract registries per chain id.

Ethereum, Base, Arbitrum One and OP Mainnet are built in (`swarmfi.chain.chains`: tokens,
Uniswap V2/V3, Aave V3, Chainlink USD feeds, each address with its source), so a forked
simulation of a real swap, valued in USD for the policy caps, works for anyone with an RPC
URL; the chain follows the endpoint's chain id. The
devnet's registry comes from its genesis (`swarmfi.chain.genesis`) and is registered at
start-up with `register()`.
"""

from __future__ import annotations

from typing import Any

from swarmfi.chain import chains
from swarmfi.chain.base import Registry, Token
from swarmfi.errors import UserInputError

DEVNET_CHAIN_ID = 31337

MAINNET = chains.ETHEREUM

_REGISTRIES: dict[int, Registry] = {r.chain_id: r for r in chains.CHAINS}


def register(registry: Registry) -> None:
    """Make `registry` the one for its chain id (the devnet does this at start-up)."""
    _REGISTRIES[registry.chain_id] = registry


def lookup(chain_id: int) -> Registry:
    """The registry of `chain_id`; UserInputError if swarmfi does not know that chain."""
    found = _REGISTRIES.get(chain_id)
    if found is None and chain_id == DEVNET_CHAIN_ID:
        from swarmfi.chain import genesis  # the devnet's addresses are fixed by its genesis

        found = genesis.registry_of(genesis.genesis_dump())
        register(found)
    if found is None:
        known = ", ".join(str(c) for c in sorted(_REGISTRIES))
        raise UserInputError(
            f"swarmfi has no token registry for chain id {chain_id}",
            hint=f"use a chain it knows ({known}) or the devnet",
        )
    return found


def known() -> list[Registry]:
    """Every registry swarmfi knows now, by chain id (the devnet's once it is registered)."""
    return [_REGISTRIES[c] for c in sorted(_REGISTRIES)]


def to_dict(registry: Registry) -> dict[str, Any]:
    """A JSON-ready form (for `swarmfi devnet info --json` and state files); tokens in order."""
    return {
        "chain_id": registry.chain_id,
        "name": registry.name,
        "tokens": [
            {"symbol": s, "address": t.address, "decimals": t.decimals, "name": t.name}
            for s, t in registry.tokens.items()
        ],
        "contracts": dict(registry.contracts),
    }


def from_dict(data: dict[str, Any]) -> Registry:
    """The inverse of `to_dict`."""
    tokens = {
        t["symbol"]: Token(t["symbol"], t["address"], int(t["decimals"]), t.get("name", ""))
        for t in data["tokens"]
    }
    return Registry(
        int(data["chain_id"]), tokens, dict(data["contracts"]), name=data.get("name", "")
    )
