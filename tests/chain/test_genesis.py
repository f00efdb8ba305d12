"""Devnet genesis: a consistent market, funded accounts, fixed addresses, a cache."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from swarmfi.chain import calls, genesis
from swarmfi.chain.devnet import open_devnet
from swarmfi.chain.registry import to_dict
from swarmfi.chain.state import StateTracker
from swarmfi.chain.wallet import test_accounts

E18 = 10**18


@pytest.fixture(scope="module")
def chain():
    made = open_devnet(persist=False)
    yield made
    asyncio.run(made.close())


def run(coro):
    return asyncio.run(coro)


def _view(chain, to: str, signature: str, args: tuple, out: list[str]):
    return run(chain.reader.view(to, signature, args, out))


def test_pool_prices_match_the_oracle_within_half_a_percent(chain):
    for a, b, _usd in genesis.POOLS:
        reserve_a, reserve_b = run(chain.reserves(a, b))
        amount_a = Decimal(reserve_a) / 10 ** chain.registry.token(a).decimals
        amount_b = Decimal(reserve_b) / 10 ** chain.registry.token(b).decimals
        pool_price = amount_b / amount_a  # b per a
        oracle_price = run(chain.price_usd(a)) / run(chain.price_usd(b))
        assert abs(pool_price / oracle_price - 1) < Decimal("0.005"), (a, b)


@pytest.mark.parametrize("eth", [1, 10])
def test_eth_swaps_up_to_ten_eth_move_prices_less_than_one_percent(chain, eth):
    router, weth = chain.registry.contract("router"), chain.registry.token("WETH").address
    for symbol, *_ in genesis.TOKENS:
        token = chain.registry.token(symbol)
        amounts = _view(
            chain,
            router,
            "getAmountsOut(uint256,address[])",
            (eth * E18, [weth, token.address]),
            ["uint256[]"],
        )
        got = Decimal(amounts[-1]) / 10**token.decimals
        fair = eth * run(chain.price_usd("ETH")) / run(chain.price_usd(symbol))
        assert Decimal("0.99") < got / fair < 1, symbol  # fee and impact together under 1 %


def test_test_accounts_are_funded_as_specified(chain):
    for signer in test_accounts():
        balances = run(chain.balances(signer.address))
        assert balances["ETH"] == genesis.ACCOUNT_ETH * E18
        for symbol, amount in genesis.ACCOUNT_TOKENS.items():
            assert balances[symbol] == genesis.units(symbol, amount), symbol
    assert run(chain.balance(test_accounts()[0].address, "USDC")) == 100_000 * 10**6
    assert run(chain.balance(test_accounts()[0].address, "WBTC")) == 2 * 10**8


def test_account_zero_holds_delegated_governance_votes(chain):
    token = chain.registry.contract("govtoken")
    me = test_accounts()[0].address
    assert _view(chain, token, "balanceOf(address)", (me,), ["uint256"]) == genesis.ACCOUNT0_GOV
    assert _view(chain, token, "getVotes(address)", (me,), ["uint256"]) == genesis.ACCOUNT0_GOV


def test_three_open_proposals_account_zero_can_vote_on(chain):
    proposals = run(chain.proposals())
    assert [p.description for p in proposals] == list(genesis.PROPOSALS)
    assert {p.state for p in proposals} == {"active"}
    me = test_accounts()[0].address
    vote = calls.vote(chain.registry.contract("governor"), 2, "for").tx(me)
    sim = run(chain.simulate([vote]))
    assert sim.ok


def test_lending_lists_every_token_with_reserves(chain):
    pool = chain.registry.contract("lending")
    assert _view(chain, pool, "assetsLength()", (), ["uint256"]) == len(chain.registry.tokens)
    for symbol, token in chain.registry.tokens.items():
        supplied = _view(chain, pool, "totalSupplied(address)", (token.address,), ["uint256"])
        worth = Decimal(supplied) / 10**token.decimals * run(chain.price_usd(symbol))
        assert worth >= genesis.LENDING_RESERVE_USD * Decimal("0.999"), symbol
        supply_apy, borrow_apy = run(chain.rates(symbol))
        assert 0 < supply_apy < borrow_apy, symbol


def test_launchpad_is_wired_to_the_router(chain):
    launchpad = chain.registry.contract("launchpad")
    router = _view(chain, launchpad, "router()", (), ["address"])
    assert router.lower() == chain.registry.contract("router").lower()


def test_addresses_are_the_same_in_every_genesis():
    fresh = genesis.build(genesis.new_evm())
    cached = genesis.registry_of(genesis.genesis_dump())
    assert to_dict(fresh.registry) == to_dict(cached)
    assert fresh.accounts == [s.address for s in test_accounts()]


def test_genesis_cache_round_trips_and_a_bad_entry_is_rebuilt(tmp_path):
    first = genesis.genesis_dump(tmp_path)
    (entry,) = tmp_path.iterdir()
    assert genesis.genesis_dump(tmp_path).accounts == first.accounts
    entry.write_bytes(entry.read_bytes()[:100])
    rebuilt = genesis.genesis_dump(tmp_path)
    assert rebuilt.accounts == first.accounts
    evm = genesis.new_evm()
    StateTracker().load(evm, rebuilt)
    weth = genesis.registry_of(rebuilt).token("WETH").address
    assert evm.get_balance(weth) > 0
