"""Fixtures for standing orders: intents, an order store on disk, and the real devnet.

`build_market()` is the devnet's genesis (swarmfi.chain.genesis: tokens, pools, the
Oracle with its PriceFeeds, the LendingPool with reserves) loaded on a real
`DevnetNode`, with the node's wall clock frozen so that time moves only with
evm_increaseTime (what `--advance` uses); `chain` is the real `DevnetChain` over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from swarmfi.chain import genesis
from swarmfi.chain.base import Registry
from swarmfi.chain.devnet import DevnetChain
from swarmfi.chain.harness import Contract, Harness
from swarmfi.chain.node import DevnetNode
from swarmfi.chain.state import StateTracker
from swarmfi.orders.store import OrderStore

T0 = genesis.GENESIS_TIMESTAMP + genesis.BLOCK_TIME  # block 1, as the devnet starts
OWNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # test account 0
MAX = 2**256 - 1


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
    """The devnet at genesis, plus a harness on its EVM for direct changes."""

    node: DevnetNode
    h: Harness
    registry: Registry
    pool: Contract
    tokens: dict[str, Contract]
    feeds: dict[str, Contract]

    def seal(self, label: str = "test") -> None:
        """Make direct EVM changes chain state (a new block)."""
        self.node.seal(label)

    def set_price(self, symbol: str, usd: Decimal | int) -> None:
        """Post a new oracle answer for `symbol` (as the feed's owner, the deployer)."""
        self.feeds[symbol].transact.setAnswer(int(Decimal(usd) * 10**8))
        self.seal("price")

    def lend(self, who: str, supply: dict[str, int], borrow: dict[str, int]) -> None:
        """`who` supplies and borrows raw amounts (given the supplied tokens first)."""
        for symbol, amount in supply.items():
            token = self.tokens[symbol]
            if symbol == "WETH":
                self.h.set_eth(who, self.h.eth(who) + amount)
                token.transact.deposit(sender=who, value=amount)
            else:
                token.transact.mint(who, amount)
            token.transact.approve(self.pool.address, MAX, sender=who)
            self.pool.transact.supply(token.address, amount, sender=who)
        for symbol, amount in borrow.items():
            self.pool.transact.borrow(self.tokens[symbol].address, amount, sender=who)
        self.seal("lend")


def build_market() -> Market:
    dump = genesis.genesis_dump()
    evm = genesis.new_evm()
    StateTracker().load(evm, dump)
    node = DevnetNode(
        evm,
        genesis.CHAIN_ID,
        accounts=list(dump.meta["accounts"]),
        genesis_timestamp=genesis.GENESIS_TIMESTAMP,
        clock=lambda: float(T0),
    )
    node.set_next_timestamp(T0)
    node.seal("genesis")
    registry = genesis.registry_of(dump)
    h = Harness(evm=node.evm, deployer=genesis.DEPLOYER)
    oracle = h.at("Oracle", registry.contract("oracle"))
    tokens = {
        s: h.at("WETH" if s == "WETH" else "ERC20", t.address) for s, t in registry.tokens.items()
    }
    feeds = {s: h.at("PriceFeed", oracle.call.feeds(t.address)) for s, t in tokens.items()}
    pool = h.at("LendingPool", registry.contract("lending"))
    return Market(node, h, registry, pool, tokens, feeds)


@pytest.fixture
def market() -> Market:
    return build_market()


@pytest.fixture
def chain(market: Market) -> DevnetChain:
    """The real `DevnetChain` (in memory) over the market's node."""
    return DevnetChain(market.node, market.registry)
