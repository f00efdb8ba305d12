"""Devnet genesis: a realistic market deployed in one call on a pyrevm EVM.

Tokens (USDC 6, USDT 6, DAI 18, WBTC 8, LINK, UNI, AAVE 18, WETH), AMM pools at consistent
prices (ETH 3,000 USD, WBTC 90,000, LINK 15, UNI 8, AAVE 180, stables 1), oracle feeds at
the same prices, a lending market listing every token with reserves supplied, a governance
token with delegated votes and three open proposals, the launchpad, and the standard test
accounts funded. Everything is deployed by one fixed deployer in a fixed order, so the
addresses are the same in every genesis.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_utils import keccak, to_checksum_address

from swarmfi.chain import registry as registries
from swarmfi.chain.base import Registry, Token
from swarmfi.chain.state import StateDump, StateTracker, read_dump, write_dump
from swarmfi.chain.wallet import test_accounts
from swarmfi.errors import StateError

CHAIN_ID = 31337
CACHE_KIND = "swarmfi-genesis-cache"
CONTRACTS = (
    "ERC20",
    "WETH",
    "Pair",
    "Factory",
    "Router",
    "Oracle",
    "PriceFeed",
    "LendingPool",
    "GovToken",
    "Governor",
    "LaunchToken",
    "Launchpad",
)
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
LENDING_RESERVE_USD = 5_000_000  # supplied per listed asset by the deployer
BORROWED_SHARE = {"USDC": 40, "USDT": 40, "DAI": 40, "WETH": 25}  # % of the reserve; else 10
WAD = 10**18
# collateral factor, liquidation threshold, bonus, reserve factor (bps); base, slope1, slope2,
# kink (1e18-scaled APY / utilization)
STABLE_MARKET = (8000, 8500, 500, 1000, 0, WAD * 4 // 100, WAD * 75 // 100, WAD * 80 // 100)
MAJOR_MARKET = (7500, 8000, 500, 1500, 0, WAD * 4 // 100, WAD * 80 // 100, WAD * 80 // 100)
ALT_MARKET = (6500, 7000, 1000, 2000, 0, WAD * 7 // 100, WAD * 300 // 100, WAD * 45 // 100)
MARKETS = {
    "USDC": STABLE_MARKET,
    "USDT": STABLE_MARKET,
    "DAI": STABLE_MARKET,
    "WETH": MAJOR_MARKET,
    "WBTC": MAJOR_MARKET,
    "LINK": ALT_MARKET,
    "UNI": ALT_MARKET,
    "AAVE": ALT_MARKET,
}

GOV_SYMBOL = "SWARM"
GOV_SUPPLY = 10_000_000 * 10**18
ACCOUNT0_GOV = 100_000 * 10**18
VOTING_PERIOD = 30 * 86_400
QUORUM_BPS = 400
PROPOSAL_THRESHOLD = 10_000 * 10**18
PROPOSALS = (
    "SIP-1: List ARB on the lending market with a 60% collateral factor and a 7% base borrow rate.",
    "SIP-2: Raise the USDC reserve factor from 10% to 15% and send the extra reserves to "
    "the community treasury.",
    "SIP-3: Fund a 250,000 SWARM grant for an audit of the launchpad bonding curve and "
    "graduation logic.",
)
VESTING_PERIOD = 180 * 86_400
BLOCK_TIME = 12

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
    h.set_block(number=0, timestamp=GENESIS_TIMESTAMP)
    h.set_eth(DEPLOYER, DEPLOYER_ETH)
    tokens = _deploy_tokens(h)
    contracts = _deploy_amm(h, tokens)
    pairs = _seed_pools(h, tokens, contracts["factory"])
    contracts["oracle"] = _deploy_oracle(h, tokens)
    contracts["lending"] = _deploy_lending(h, tokens, contracts["oracle"])
    accounts = _fund_accounts(h, tokens)
    contracts |= _deploy_governance(h, accounts[0])
    contracts["launchpad"] = _deploy_launchpad(h, contracts["router"])
    return Genesis(_registry(tokens, contracts), accounts, contracts, pairs)


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


def _deploy_oracle(h: Any, tokens: dict[str, Any]) -> Any:
    oracle = h.deploy("Oracle")
    for symbol, token in tokens.items():
        label = "ETH / USD" if symbol == "WETH" else f"{symbol} / USD"
        feed = h.deploy("PriceFeed", label, price_8(symbol))
        oracle.transact.setFeed(token.address, feed.address, sender=DEPLOYER)
    return oracle


def _deploy_lending(h: Any, tokens: dict[str, Any], oracle: Any) -> Any:
    pool = h.deploy("LendingPool", oracle.address)
    for symbol, params in MARKETS.items():
        pool.transact.listAsset(tokens[symbol].address, *params, sender=DEPLOYER)
    for symbol in MARKETS:
        reserve = usd_units(symbol, LENDING_RESERVE_USD)
        _give(h, tokens, symbol, DEPLOYER, reserve)
        tokens[symbol].transact.approve(pool.address, reserve, sender=DEPLOYER)
        pool.transact.supply(tokens[symbol].address, reserve, sender=DEPLOYER)
    for symbol in MARKETS:
        borrowed = usd_units(symbol, LENDING_RESERVE_USD) * BORROWED_SHARE.get(symbol, 10) // 100
        pool.transact.borrow(tokens[symbol].address, borrowed, sender=DEPLOYER)
    return pool


def _deploy_governance(h: Any, voter: str) -> dict[str, Any]:
    """Votes are delegated in block 0; the proposals open in block 1 (snapshot: block 0)."""
    token = h.deploy("GovToken", "Swarm Governance", GOV_SYMBOL, GOV_SUPPLY, DEPLOYER)
    token.transact.transfer(voter, ACCOUNT0_GOV, sender=DEPLOYER)
    token.transact.delegate(DEPLOYER, sender=DEPLOYER)
    token.transact.delegate(voter, sender=voter)
    args = (token.address, 0, VOTING_PERIOD, QUORUM_BPS, PROPOSAL_THRESHOLD)
    governor = h.deploy("Governor", *args)
    h.warp(BLOCK_TIME)
    for description in PROPOSALS:
        governor.transact.propose(description, sender=DEPLOYER)
    return {"govtoken": token, "governor": governor}


def _deploy_launchpad(h: Any, router: Any) -> Any:
    blueprint = h.deploy_blueprint("LaunchToken")
    return h.deploy("Launchpad", blueprint, router.address, VESTING_PERIOD)


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


# ------------------------------------------------------------------ the cached genesis


def genesis_key() -> str:
    """Changes whenever a contract source, the code that builds the dump, or pyrevm changes."""
    from importlib.metadata import version

    from swarmfi.chain.compile import source_hash

    digest = hashlib.sha256()
    for module in ("genesis.py", "state.py", "registry.py"):  # what shapes the dump
        digest.update((Path(__file__).parent / module).read_bytes())
    digest.update(f"pyrevm=={version('pyrevm')} chain={CHAIN_ID}".encode())
    for name in CONTRACTS:
        digest.update(source_hash(name).encode())
    return digest.hexdigest()[:32]


def default_cache_dir() -> Path:
    from swarmfi.chain.compile import cache_dir

    return cache_dir() / "genesis"


def new_evm() -> Any:
    import pyrevm

    env = pyrevm.Env(cfg=pyrevm.CfgEnv(chain_id=CHAIN_ID))
    return pyrevm.EVM(env=env, spec_id="PRAGUE")


def genesis_dump(cache_dir: Path | None = None) -> StateDump:
    """The genesis state, from the cache (keyed by `genesis_key()`) or built and cached.
    `meta` holds the registry ("registry") and the test account addresses ("accounts")."""
    key = genesis_key()
    path = (cache_dir or default_cache_dir()) / f"{key}.state"
    if path.exists():
        try:
            return read_dump(path, CACHE_KIND)
        except StateError:
            pass  # a bad cache entry is rebuilt; it holds nothing of the user's
    evm = new_evm()
    made = build(evm)
    meta = {
        "key": key,
        "registry": registries.to_dict(made.registry),
        "accounts": made.accounts,
        "pairs": made.pairs,
    }
    dump = StateTracker().dump(evm, meta)
    write_dump(path, dump, CACHE_KIND)
    return dump


def registry_of(dump: StateDump) -> Registry:
    """The devnet registry recorded in a genesis dump."""
    return registries.from_dict(dump.meta["registry"])
