"""Fixtures for standing orders: intents, an order store on disk, and a real devnet node.

`NodeChain` is swarmfi's shared `Reader` (chain/reads.py) over a real `DevnetNode`
(JSON-RPC eth_call) holding a real Oracle, PriceFeeds and LendingPool: the reads
and clock of `swarmfi.chain.base.Chain` the watcher needs. The node's wall clock
is frozen, so time moves only with evm_increaseTime (what `--advance` uses).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from swarmfi.chain.base import LendingPosition, Registry, Token
from swarmfi.chain.harness import Contract, Harness
from swarmfi.chain.node import DevnetNode
from swarmfi.chain.reads import Reader
from swarmfi.orders.store import OrderStore

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
OWNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # test account 0
WAD = 10**18
MAX = 2**256 - 1
# collateral factor, liquidation threshold, bonus, reserve factor (bps); base, slope1, slope2, kink
MAJOR = (7500, 8000, 500, 1500, 0, WAD * 4 // 100, WAD * 80 // 100, WAD * 80 // 100)
STABLE = (8000, 8500, 500, 1000, 0, WAD * 4 // 100, WAD * 75 // 100, WAD * 80 // 100)


def condition(metric: str, token: str | None, op: str, value: str) -> dict[str, Any]:
    return {"metric": metric, "token": token, "op": op, "value": value}


def swap_step(when: dict[str, Any] | None = None, usdc: str = "1000") -> dict[str, Any]:
    return {
        "action": "swap",
        "when": when,
        "token_in": "USDC",
        "token_out": "ETH",
        "amount": {"value": usdc},
        "side": "in",
        "slippage": None,
    }


def intent(
    *steps: dict[str, Any], every: int | None = None, times: int | None = None
) -> dict[str, Any]:
    schedule = {"every_seconds": every, "times": times} if every is not None else None
    return {"steps": list(steps) or [swap_step()], "schedule": schedule}


BUY_THE_DIP = intent(swap_step(condition("price", "ETH", "<", "2000")))
DCA = intent(swap_step(usdc="100"), every=86_400, times=3)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "orders.sqlite3"


@pytest.fixture
def store(store_path: Path) -> Any:
    with OrderStore(store_path) as opened:
        yield opened


@dataclass
class Market:
    """A devnet node with WETH and USDC listed on a LendingPool, priced by the Oracle."""

    node: DevnetNode
    h: Harness
    registry: Registry
    oracle: Contract
    pool: Contract
    tokens: dict[str, Contract]
    feeds: dict[str, Contract]

    def seal(self, label: str = "test") -> None:
        """Make direct EVM changes chain state (a new block)."""
        self.node.seal(label)

    def set_price(self, symbol: str, usd: Decimal | int) -> None:
        self.feeds[symbol].transact.setAnswer(int(Decimal(usd) * 10**8))
        self.seal("price")

    def lend(self, who: str, supply: dict[str, int], borrow: dict[str, int]) -> None:
        """`who` supplies and borrows raw amounts (tokens minted to it first)."""
        for symbol, amount in supply.items():
            token = self.tokens[symbol]
            token.transact.mint(who, amount)
            token.transact.approve(self.pool.address, MAX, sender=who)
            self.pool.transact.supply(token.address, amount, sender=who)
        for symbol, amount in borrow.items():
            self.pool.transact.borrow(self.tokens[symbol].address, amount, sender=who)
        self.seal("lend")


def build_market() -> Market:
    node = DevnetNode(clock=lambda: float(T0), genesis_timestamp=T0)
    h = Harness(evm=node.evm, deployer="0x" + "d1" * 20)
    h.set_eth(h.deployer, 10**24)
    tokens = {
        "WETH": h.deploy("ERC20", "Wrapped Ether", "WETH", 18, 0, h.deployer),
        "USDC": h.deploy("ERC20", "USD Coin", "USDC", 6, 0, h.deployer),
    }
    oracle = h.deploy("Oracle")
    prices = {"WETH": 3000, "USDC": 1}
    feeds = {s: h.deploy("PriceFeed", f"{s} / USD", p * 10**8) for s, p in prices.items()}
    for symbol, feed in feeds.items():
        oracle.transact.setFeed(tokens[symbol].address, feed.address)
    pool = h.deploy("LendingPool", oracle.address)
    pool.transact.listAsset(tokens["WETH"].address, *MAJOR)
    pool.transact.listAsset(tokens["USDC"].address, *STABLE)
    listed = {s: Token(s, c.address, 18 if s == "WETH" else 6, s) for s, c in tokens.items()}
    contracts = {"oracle": oracle.address, "lending": pool.address}
    registry = Registry(node.chain_id, listed, contracts, name="orders test market")
    market = Market(node, h, registry, oracle, pool, tokens, feeds)
    market.lend(h.new_account(), {"USDC": 1_000_000 * 10**6}, {})  # liquidity to borrow
    return market


class NodeChain:
    """The Chain reads and clock over a real DevnetNode, through swarmfi's Reader."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self.node = market.node
        self.registry = market.registry
        self.reader = Reader(market.registry, self._call, self._native)

    async def _call(self, to: str, data: bytes) -> bytes:
        out = self.node.call("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"])
        return bytes.fromhex(out[2:])

    async def _native(self, owner: str) -> int:
        return int(self.node.call("eth_getBalance", [owner, "latest"]), 16)

    async def price_usd(self, symbol: str) -> Decimal:
        return await self.reader.price_usd(symbol)

    async def rates(self, symbol: str) -> tuple[Decimal, Decimal]:
        return await self.reader.rates(symbol)

    async def position(self, owner: str) -> LendingPosition:
        return await self.reader.position(owner)

    async def timestamp(self) -> int:
        return int(self.node.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    async def block_number(self) -> int:
        return int(self.node.call("eth_blockNumber", []), 16)


@pytest.fixture
def market() -> Market:
    return build_market()


@pytest.fixture
def chain(market: Market) -> NodeChain:
    return NodeChain(market)
