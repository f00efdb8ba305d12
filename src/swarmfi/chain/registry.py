"""Token and contract registries per chain id.

Ethereum mainnet's well-known token addresses, the Uniswap V2 router/factory and the
Chainlink USD feeds are built in, so a forked simulation of a real swap, valued in USD
for the policy caps, works for anyone with an RPC URL. The
devnet's registry comes from its genesis (`swarmfi.chain.genesis`) and is registered at
start-up with `register()`.
"""

from __future__ import annotations

from typing import Any

from swarmfi.chain.base import Registry, Token
from swarmfi.errors import UserInputError

DEVNET_CHAIN_ID = 31337

MAINNET = Registry(
    chain_id=1,
    name="Ethereum mainnet",
    tokens={
        "USDC": Token("USDC", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6, "USD Coin"),
        "USDT": Token("USDT", "0xdAC17F958D2ee523a2206206994597C13D831ec7", 6, "Tether USD"),
        "DAI": Token("DAI", "0x6B175474E89094C44Da98b954EedeAC495271d0F", 18, "Dai Stablecoin"),
        "WBTC": Token("WBTC", "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", 8, "Wrapped BTC"),
        "LINK": Token("LINK", "0x514910771AF9Ca656af840dff83E8264EcF986CA", 18, "ChainLink Token"),
        "UNI": Token("UNI", "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984", 18, "Uniswap"),
        "AAVE": Token("AAVE", "0x7Fc66500c84A76Ad7e9c93437bFc5Ac33E2DDaE9", 18, "Aave Token"),
        "WETH": Token("WETH", "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", 18, "Wrapped Ether"),
    },
    contracts={
        "router": "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D",  # UniswapV2Router02
        "factory": "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",  # UniswapV2Factory
        "weth": "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
        # Chainlink USD feeds (AggregatorV3, 8 decimals); WBTC is valued at BTC's price
        "feed:ETH": "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419",
        "feed:WBTC": "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c",
        "feed:USDC": "0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6",
        "feed:USDT": "0x3E7d1eAB13ad0104d2750B8863b489D65364e32D",
        "feed:DAI": "0xAed0c38402a5d19df6E4c03F4E2DceD6e29c1ee9",
        "feed:LINK": "0x2c1d072e956AFFC0D435Cb7AC38EF18d24d9127c",
        "feed:UNI": "0x553303d460EE0afB37EdFf9bE42922D8FF63220e",
        "feed:AAVE": "0x547a514d5e3769680Ce22B2361c10Ea13619e8a9",
    },
)

_REGISTRIES: dict[int, Registry] = {MAINNET.chain_id: MAINNET}


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
