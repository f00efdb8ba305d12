"""Devnet genesis: a realistic market deployed in one call on a pyrevm EVM.

Tokens (USDC 6, USDT 6, DAI 18, WBTC 8, LINK, UNI, AAVE 18, WETH), AMM pools at consistent
prices (ETH 3,000 USD, WBTC 90,000, LINK 15, UNI 8, AAVE 180, stables 1), oracle feeds at
the same prices, a lending market listing every token with reserves supplied, a governance
token with delegated votes and three open proposals, the launchpad, and the standard test
accounts funded. Everything is deployed by one fixed deployer in a fixed order, so the
addresses are the same in every genesis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from eth_utils import keccak, to_checksum_address

from swarmfi.chain.base import Registry, Token
from swarmfi.chain.wallet import test_accounts

CHAIN_ID = 31337
GENESIS_TIMESTAMP = 1_767_225_600  # 2026-01-01T00:00:00Z
DEPLOYER = to_checksum_address(keccak(text="swarmfi devnet genesis deployer")[-20:])
DEPLOYER_ETH = 10**9 * 10**18

# symbol, name, decimals, USD price
TOKENS: tuple[tuple[str, str, int, Decimal], ...] = (
    ("USDC", "USD Coin", 6, Decimal(1)),
    ("USDT", "Tether USD", 6, Decimal(1)),
    ("DAI", "Dai Stablecoin", 18, Decimal(1)),
    ("WBTC", "Wrapped BTC", 8, Decimal(90_000)),
    ("LINK", "ChainLink Token", 18, Decimal(15)),
    ("UNI", "Uniswap", 18, Decimal(8)),
    ("AAVE", "Aave Token", 18, Decimal(180)),
)
WETH_PRICE = Decimal(3_000)
PRICES: dict[str, Decimal] = {s: p for s, _, _, p in TOKENS} | {"WETH": WETH_PRICE}
DECIMALS: dict[str, int] = {s: d for s, _, d, _ in TOKENS} | {"WETH": 18}

# pools: (a, b, USD value of each side)
POOLS: tuple[tuple[str, str, int], ...] = (
    *(("WETH", s, 15_000_000) for s, *_ in TOKENS),
    ("USDC", "USDT", 20_000_000),
    ("USDC", "DAI", 20_000_000),
    ("WBTC", "USDC", 18_000_000),
)
LENDING_RESERVE_USD = 5_000_000  # supplied per listed asset

# per test account
ACCOUNT_ETH = 10_000
ACCOUNT_TOKENS: dict[str, Decimal] = {
    "USDC": Decimal(100_000),
    "USDT": Decimal(100_000),
    "DAI": Decimal(100_000),
    "WBTC": Decimal(2),
    "LINK": Decimal(1_000),
    "UNI": Decimal(1_000),
    "AAVE": Decimal(100),
    "WETH": Decimal(10),
}


def units(symbol: str, amount: Decimal | int) -> int:
    """`amount` whole tokens of `symbol` in raw units."""
    return int(Decimal(amount) * 10 ** DECIMALS[symbol])


def usd_units(symbol: str, usd: int) -> int:
    """Raw units of `symbol` worth `usd` dollars at genesis prices."""
    return int(Decimal(usd) / PRICES[symbol] * 10 ** DECIMALS[symbol])


def price_8(symbol: str) -> int:
    """The oracle answer (8 decimals USD) for `symbol`."""
    return int(PRICES[symbol] * 10**8)


@dataclass
class Genesis:
    """What genesis made: the registry, test account addresses and extra facts."""

    registry: Registry
    accounts: list[str]
    contracts: dict[str, Any] = field(default_factory=dict)
    pairs: dict[str, str] = field(default_factory=dict)


def build(evm: Any) -> Genesis:
    """Deploy the whole market on `evm` (a fresh pyrevm EVM, e.g. a DevnetNode's)."""
    from swarmfi.chain.harness import Harness

    h = Harness(evm=evm, deployer=DEPLOYER)
    h.set_eth(DEPLOYER, DEPLOYER_ETH)
    tokens = _deploy_tokens(h)
    contracts = _deploy_amm(h, tokens)
    pairs = _seed_pools(h, tokens, contracts["factory"])
    accounts = _fund_accounts(h, tokens)
    registry = _registry(tokens, contracts)
    return Genesis(registry, accounts, contracts, pairs)


def _deploy_tokens(h: Any) -> dict[str, Any]:
    tokens = {s: h.deploy("ERC20", name, s, d, 0, DEPLOYER) for s, name, d, _ in TOKENS}
    tokens["WETH"] = h.deploy("WETH")
    return tokens


def _deploy_amm(h: Any, tokens: dict[str, Any]) -> dict[str, Any]:
    blueprint = h.deploy_blueprint("Pair")
    factory = h.deploy("Factory", blueprint)
    router = h.deploy("Router", factory.address, tokens["WETH"].address)
    return {"factory": factory, "router": router, "weth": tokens["WETH"]}


def _give(h: Any, tokens: dict[str, Any], symbol: str, to: str, amount: int) -> None:
    """Mint `amount` raw units of `symbol` to `to` (WETH by wrapping the deployer's ether)."""
    if symbol == "WETH":
        tokens["WETH"].transact.deposit(sender=DEPLOYER, value=amount)
        if to != DEPLOYER:
            tokens["WETH"].transact.transfer(to, amount, sender=DEPLOYER)
        return
    tokens[symbol].transact.mint(to, amount, sender=DEPLOYER)


def _seed_pools(h: Any, tokens: dict[str, Any], factory: Any) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for a, b, usd in POOLS:
        pair = factory.transact.createPair(tokens[a].address, tokens[b].address).output
        for symbol in (a, b):
            _give(h, tokens, symbol, pair, usd_units(symbol, usd))
        h.at("Pair", pair).transact.mint(DEPLOYER, sender=DEPLOYER)
        pairs[f"{a}/{b}"] = pair
    return pairs


def _fund_accounts(h: Any, tokens: dict[str, Any]) -> list[str]:
    addresses = [a.address for a in test_accounts()]
    for address in addresses:
        h.set_eth(address, ACCOUNT_ETH * 10**18)
        for symbol, amount in ACCOUNT_TOKENS.items():
            _give(h, tokens, symbol, address, units(symbol, amount))
    return addresses


def _registry(tokens: dict[str, Any], contracts: dict[str, Any]) -> Registry:
    listed = {s: Token(s, tokens[s].address, d, name) for s, name, d, _ in TOKENS}
    listed["WETH"] = Token("WETH", tokens["WETH"].address, 18, "Wrapped Ether")
    addresses = {key: c.address for key, c in contracts.items()}
    return Registry(CHAIN_ID, listed, addresses, name="swarmfi devnet")
