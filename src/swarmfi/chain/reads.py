"""Chain reads written once, over two primitives: `call(to, data) -> bytes` (eth_call)
and `native(owner) -> wei`. Both backends and the simulator use `Reader`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from decimal import Decimal
from typing import Any, TypeVar

from eth_utils import to_checksum_address

from swarmfi.chain.base import (
    EMPTY_POSITION,
    NATIVE,
    PROPOSAL_STATES,
    LendingPosition,
    Proposal,
    Registry,
)
from swarmfi.chain.calls import MAX_UINT256, decode, encode
from swarmfi.errors import ChainProviderError, PlanError

T = TypeVar("T")
CallFn = Callable[[str, bytes], Awaitable[bytes]]
NativeFn = Callable[[str], Awaitable[int]]
NowFn = Callable[[], Awaitable[int]]
USD = Decimal(10) ** 8
# How old a feed's answer may be: its heartbeat (24 h for the stablecoin feeds, 1 h for
# the rest on Ethereum mainnet) plus a margin for a late round.
FEED_MAX_AGE_DEFAULT_S = 3_600 + 900
FEED_MAX_AGE_S = {"USDC": 86_400 + 3_600, "USDT": 86_400 + 3_600}
WAD = Decimal(10) ** 18
ROUND = ["uint80", "int256", "uint256", "uint256", "uint80"]  # AggregatorV3 latestRoundData


class Reader:
    """Typed reads of tokens, the AMM, the oracle, the lending pool and the governor.

    With `concurrent=False` reads run one after another and never yield to the event
    loop, so a read sequence over an in-process EVM is atomic (the simulator needs that).
    """

    def __init__(
        self, registry: Registry, call: CallFn, native: NativeFn, now: NowFn,
        concurrent: bool = True,
    ) -> None:  # fmt: skip
        self.registry = registry
        self._call = call
        self._native = native
        self._now = now  # the chain's time (latest block), against which a feed's age counts
        self._concurrent = concurrent

    async def _all(self, coros: list[Coroutine[Any, Any, T]]) -> list[T]:
        if self._concurrent:
            return list(await asyncio.gather(*coros))
        results: list[T] = []
        try:
            for coro in coros:
                results.append(await coro)
        finally:
            for coro in coros[len(results) + 1 :]:
                coro.close()  # not awaited after a failure; close it quietly
        return results

    async def view(self, to: str, signature: str, args: tuple[Any, ...], out: list[str]) -> Any:
        """Call view `signature` on `to` and decode `out` (one value unwrapped)."""
        values = decode(out, await self._call(to, encode(signature, *args)))
        return values[0] if len(values) == 1 else values

    def _erc20(self, symbol: str) -> str:
        """The ERC20 address standing for `symbol` (ETH reads as WETH)."""
        return self.registry.token("WETH" if symbol.upper() == NATIVE else symbol).address

    # tokens

    async def balance(self, owner: str, symbol: str) -> int:
        token = self.registry.token(symbol)
        if token.is_native:
            return await self._native(owner)
        return int(await self.view(token.address, "balanceOf(address)", (owner,), ["uint256"]))

    async def balances(self, owner: str) -> dict[str, int]:
        symbols = self.registry.symbols()
        amounts = await self._all([self.balance(owner, s) for s in symbols])
        return dict(zip(symbols, amounts, strict=True))

    async def allowance(self, owner: str, symbol: str, spender: str) -> int:
        token = self.registry.token(symbol)
        if token.is_native:
            return MAX_UINT256  # ether needs no approval
        sig = "allowance(address,address)"
        return int(await self.view(token.address, sig, (owner, spender), ["uint256"]))

    # oracle and AMM

    async def price_usd(self, symbol: str) -> Decimal:
        """USD price from the chain's oracle, else from the token's own price feed."""
        if "oracle" not in self.registry.contracts:
            return await self._feed_price(symbol)
        oracle = self.registry.contract("oracle")
        raw = await self.view(oracle, "getPrice(address)", (self._erc20(symbol),), ["uint256"])
        return Decimal(raw) / USD

    async def _feed_price(self, symbol: str) -> Decimal:
        """A Chainlink AggregatorV3 answer, refused when not positive or older than allowed."""
        registry, key = self.registry, symbol.upper()
        feed = registry.price_feed(key)
        if feed is None:
            raise PlanError(
                f"{registry.name or f'chain {registry.chain_id}'} has no USD price feed for "
                f"{key} in swarmfi's registry, so it cannot be valued",
                hint="use a token with a price feed, or the devnet",
            )
        await check_sequencer(self.registry, self.view, self._now)
        round_data = self.view(feed, "latestRoundData()", (), ROUND)
        (_, answer, _, updated_at, _), decimals = await self._all(
            [round_data, self.view(feed, "decimals()", (), ["uint8"])]
        )
        age = await self._now() - int(updated_at)
        allowed = feed_max_age(registry, key)
        if int(answer) <= 0 or int(updated_at) == 0:
            raise ChainProviderError(f"the {key}/USD feed {feed} has no valid price ({answer})")
        if age > allowed:
            raise ChainProviderError(
                f"the {key}/USD price from feed {feed} is {age} s old (allowed: {allowed} s); "
                "swarmfi does not value with a stale price",
                hint="retry later, or check that the RPC node is synced",
            )
        return Decimal(int(answer)) / Decimal(10) ** int(decimals)

    async def pair(self, a_symbol: str, b_symbol: str) -> str | None:
        factory = self.registry.contract("factory")
        a, b = self._erc20(a_symbol), self._erc20(b_symbol)
        pair = await self.view(factory, "getPair(address,address)", (a, b), ["address"])
        return None if int(pair, 16) == 0 else to_checksum_address(pair)

    async def reserves(self, a_symbol: str, b_symbol: str) -> tuple[int, int] | None:
        pair = await self.pair(a_symbol, b_symbol)
        if pair is None:
            return None
        token0 = await self.view(pair, "token0()", (), ["address"])
        r0, r1, _ = await self.view(pair, "getReserves()", (), ["uint256", "uint256", "uint256"])
        a_is_0 = str(token0).lower() == self._erc20(a_symbol).lower()
        return (int(r0), int(r1)) if a_is_0 else (int(r1), int(r0))

    # lending

    async def position(self, owner: str) -> LendingPosition:
        pool = self.registry.contract("lending")
        symbols = list(self.registry.tokens)
        supplied = await self._per_asset(pool, "supplyBalance(address,address)", owner, symbols)
        borrowed = await self._per_asset(pool, "debtBalance(address,address)", owner, symbols)
        out = ["uint256"] * 4
        data = await self.view(pool, "getUserAccountData(address)", (owner,), out)
        collateral, debt, available, health = data
        return LendingPosition(
            supplied,
            borrowed,
            Decimal(collateral) / USD,
            Decimal(debt) / USD,
            Decimal(available) / USD,
            None if health == MAX_UINT256 else Decimal(health) / WAD,
        )

    async def _per_asset(
        self, pool: str, sig: str, owner: str, symbols: list[str]
    ) -> dict[str, int]:
        tokens = [self.registry.token(s).address for s in symbols]
        amounts = await self._all([self.view(pool, sig, (owner, t), ["uint256"]) for t in tokens])
        return {s: int(a) for s, a in zip(symbols, amounts, strict=True) if a}

    async def rates(self, symbol: str) -> tuple[Decimal, Decimal]:
        pool = self.registry.contract("lending")
        asset = (self._erc20(symbol),)
        supply, borrow = await self._all(
            [
                self.view(pool, "supplyRate(address)", asset, ["uint256"]),
                self.view(pool, "borrowRate(address)", asset, ["uint256"]),
            ]
        )
        return Decimal(supply) / WAD, Decimal(borrow) / WAD

    # governance

    async def proposals(self) -> list[Proposal]:
        governor = self.registry.contract("governor")
        count = int(await self.view(governor, "proposalCount()", (), ["uint256"]))
        ids = range(1, count + 1)
        return await self._all([self.proposal(governor, i) for i in ids])

    async def proposal(self, governor: str, proposal_id: int) -> Proposal:
        out = ["address", "string", "uint256", "uint256", "uint256", "uint256", "uint256"]
        fields = await self.view(governor, "proposals(uint256)", (proposal_id,), out)
        state = await self.view(governor, "state(uint256)", (proposal_id,), ["uint8"])
        proposer, description, start, end, votes_for, against, abstain = fields
        label = PROPOSAL_STATES[state] if state < len(PROPOSAL_STATES) else f"state {state}"
        return Proposal(
            proposal_id,
            str(proposer),
            description,
            int(start),
            int(end),
            int(votes_for),
            int(against),
            int(abstain),
            label,
        )


def feed_max_age(registry: Registry, key: str) -> int:
    """How old `key`'s feed answer may be on this chain (L2 feeds: see swarmfi.chain.chains)."""
    from swarmfi.chain import chains

    if chains.SEQUENCER_FEED in registry.contracts:
        return chains.L2_FEED_MAX_AGE_S
    return FEED_MAX_AGE_S.get(key, FEED_MAX_AGE_DEFAULT_S)


async def check_sequencer(
    registry: Registry, view: Callable[..., Awaitable[Any]], now: NowFn
) -> None:
    """On an L2, refuse prices while Chainlink's sequencer-uptime feed says the sequencer is
    down (answer 1) or came back less than the grace period ago; no-op elsewhere."""
    from swarmfi.chain import chains

    feed = registry.contracts.get(chains.SEQUENCER_FEED)
    if feed is None:
        return
    _, answer, started_at, updated_at, _ = await view(feed, "latestRoundData()", (), ROUND)
    changed_at = max(int(started_at), int(updated_at))  # the later one: fail closed
    name = registry.name or f"chain {registry.chain_id}"
    if int(answer) != 0:
        raise ChainProviderError(
            f"the {name} sequencer is down (uptime feed {feed}); swarmfi does not value or "
            "trade on prices from a halted L2",
            hint="retry once the sequencer is back and its grace period has passed",
        )
    since = await now() - changed_at
    if changed_at == 0 or since < chains.SEQUENCER_GRACE_S:
        raise ChainProviderError(
            f"the {name} sequencer came back {max(since, 0)} s ago (uptime feed {feed}); "
            f"prices are trusted {chains.SEQUENCER_GRACE_S} s after a restart",
            hint=f"retry in {max(chains.SEQUENCER_GRACE_S - since, 1)} s",
        )


async def position_or_empty(reader: Reader, owner: str) -> LendingPosition:
    """The lending position, or an empty one on chains without swarmfi's lending pool."""
    if "lending" not in reader.registry.contracts:
        return EMPTY_POSITION
    return await reader.position(owner)


class ReaderReads:
    """The Chain protocol's reads, answered by `self.reader` (shared by every backend)."""

    reader: Reader

    async def balance(self, owner: str, symbol: str) -> int:
        return await self.reader.balance(owner, symbol)

    async def balances(self, owner: str) -> dict[str, int]:
        return await self.reader.balances(owner)

    async def allowance(self, owner: str, symbol: str, spender: str) -> int:
        return await self.reader.allowance(owner, symbol, spender)

    async def price_usd(self, symbol: str) -> Decimal:
        return await self.reader.price_usd(symbol)

    async def reserves(self, a_symbol: str, b_symbol: str) -> tuple[int, int] | None:
        return await self.reader.reserves(a_symbol, b_symbol)

    async def position(self, owner: str) -> LendingPosition:
        return await position_or_empty(self.reader, owner)

    async def rates(self, symbol: str) -> tuple[Decimal, Decimal]:
        return await self.reader.rates(symbol)

    async def proposals(self) -> list[Proposal]:
        return await self.reader.proposals()
