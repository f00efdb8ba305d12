"""The real chains' registries: sources, EIP-55, a second table, sequencer checks, the CLI."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from eth_utils import is_checksum_address

from swarmfi.chain import chains, registry
from swarmfi.chain.base import Registry
from swarmfi.chain.harness import Harness
from swarmfi.chain.reads import Reader
from swarmfi.chain.replica import artifacts
from swarmfi.chain.sync import run_sync
from swarmfi.cli import app
from swarmfi.errors import ChainProviderError

from .replica_support import second_table

# Entries no second npm package publishes: sdk-core lists QuoterV1 as "quoterAddress" there.
NO_SECOND_SOURCE = {(1, "quoter_v2"), (42161, "quoter_v2"), (10, "quoter_v2")}


def _entries(chain: Registry) -> dict[str, str]:
    tokens = {f"token:{s}": t.address for s, t in chain.tokens.items()}
    return tokens | {k: a for k, a in chain.contracts.items() if k != "weth"}


def test_the_four_chains_are_known_by_chain_id():
    assert [registry.lookup(c).name for c in (1, 8453, 42161, 10)] == [
        "Ethereum", "Base", "Arbitrum One", "OP Mainnet"]  # fmt: skip
    assert registry.lookup(8453).token("cbbtc").decimals == 8
    assert registry.lookup(42161).token("USDC").address == (
        "0xaf88d065e77c8cC2239327C5EDb3A432268e5831")  # native USDC, not USDC.e  # fmt: skip


def test_every_address_is_eip55_and_the_l2s_have_a_sequencer_feed():
    for chain in chains.CHAINS:
        assert all(is_checksum_address(a) for a in _entries(chain).values())
        has_feed = chains.SEQUENCER_FEED in chain.contracts
        assert has_feed == (chain.chain_id != 1)


def test_every_address_matches_the_second_independent_table():
    table = second_table()
    checked = 0
    for chain in chains.CHAINS:
        other = table[str(chain.chain_id)]
        for key, address in _entries(chain).items():
            sources = other.get(key, {})
            if (chain.chain_id, key) in NO_SECOND_SOURCE:
                assert not sources, f"{key} on {chain.chain_id} now has a second source: check it"
                continue
            assert sources, f"no second source for {key} on chain {chain.chain_id}"
            for source, theirs in sources.items():
                assert theirs.lower() == address.lower(), (chain.chain_id, key, source, theirs)
                checked += 1
    assert checked >= 110


def test_the_second_table_catches_a_wrong_address():
    table = second_table()
    wrong = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02914"
    assert all(a.lower() != wrong.lower() for a in table["8453"]["token:USDC"].values())


def test_chains_json_lists_tokens_and_contracts():
    result = CliRunner().invoke(app, ["chains", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert sorted(c["chain_id"] for c in data) == [1, 10, 8453, 31337, 42161]
    base = data[2]
    assert set(base) == {"chain_id", "name", "tokens", "contracts"}
    usdc = {"symbol": "USDC", "decimals": 6}
    usdc["address"] = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"
    assert base["tokens"][0] == usdc
    assert base["contracts"]["swap_router02"] == "0x2626664c2603336E57B271c5C0b26F421741e481"


def test_chains_text_names_every_chain():
    result = CliRunner().invoke(app, ["chains"])
    assert result.exit_code == 0
    for name in ("Ethereum", "Base", "Arbitrum One", "OP Mainnet", "swarmfi devnet"):
        assert name in result.output


# ------------------------------------------------------------------ sequencer uptime


def _l2(h: Harness, down: bool, since: int) -> Reader:
    """An L2 registry whose ETH feed is ours and whose uptime feed is Aave's SequencerOracle
    (answer 1: down; its round time says when the status changed)."""
    h.warp(86_400)
    feed = h.deploy("PriceFeed", "ETH / USD", 3_000 * 10**8)
    uptime = h.deploy_compiled(artifacts.load("SequencerOracle").linked({}), h.deployer)
    uptime.transact.setAnswer(down, h.timestamp - since)
    reg = Registry(8453, {}, {"feed:ETH": feed.address, chains.SEQUENCER_FEED: uptime.address},
                   name="Base")  # fmt: skip

    async def call(to: str, data: bytes) -> bytes:
        return h.call_raw(to, data)

    async def native(owner: str) -> int:
        return 0

    async def now() -> int:
        return h.timestamp

    return Reader(reg, call, native, now)


def test_prices_are_read_while_the_sequencer_is_up_past_its_grace_period():
    assert run_sync(_l2(Harness(), False, 7_200).price_usd("ETH")) == Decimal(3_000)


def test_prices_are_refused_while_the_sequencer_is_down():
    with pytest.raises(ChainProviderError, match="sequencer is down"):
        run_sync(_l2(Harness(), True, 7_200).price_usd("ETH"))


def test_prices_are_refused_just_after_the_sequencer_restarts():
    with pytest.raises(ChainProviderError, match="came back 600 s ago"):
        run_sync(_l2(Harness(), False, 600).price_usd("ETH"))


def test_the_replica_artifacts_are_genuine_by_the_pool_init_code_hash():
    assert artifacts.pool_init_code_hash() == artifacts.POOL_INIT_CODE_HASH
    pool = artifacts.load("Pool")
    assert sorted(pool.links) == ["BorrowLogic", "BridgeLogic", "EModeLogic", "FlashLoanLogic",
                                  "LiquidationLogic", "PoolLogic", "SupplyLogic"]  # fmt: skip
