"""One conformance suite for every Chain backend.

`devnet`: DevnetChain in-process. `rpc`: RpcChain over HTTP against a devnet served by
`swarmfi devnet serve` in another process (pyrevm's fork cannot read from a server in its
own process: it holds the GIL while it waits), each test inside evm_snapshot/evm_revert.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal

import pytest

from swarmfi.chain import calls
from swarmfi.chain.base import Chain, TxRequest
from swarmfi.chain.devnet import open_devnet
from swarmfi.chain.rpc import RpcChain
from swarmfi.chain.wallet import test_account
from swarmfi.errors import SimulationError, UserInputError

ME = test_account(0)
OTHER = test_account(1)
E18 = 10**18


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("served")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [
        sys.executable,
        "-m",
        "swarmfi",
        "devnet",
        "serve",
        "--port",
        "0",
        "--json",
        "--state",
        str(state),
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line, "swarmfi devnet serve printed nothing"
        yield json.loads(line)["url"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    made = asyncio.new_event_loop()
    yield made
    made.close()


@pytest.fixture
def run(loop):
    """Run a coroutine on this test's loop (one loop per test: the HTTP session lives on it)."""
    return loop.run_until_complete


@pytest.fixture(params=["devnet", "rpc"])
def chain(request, run) -> Iterator[Chain]:
    if request.param == "devnet":
        made: Chain = open_devnet(persist=False)
        yield made
        run(made.close())
        return
    rpc = run(RpcChain.connect(request.getfixturevalue("served")))
    snapshot = run(rpc.rpc("evm_snapshot", []))
    yield rpc
    run(rpc.rpc("evm_revert", [snapshot]))
    run(rpc.close())


def _addr(chain: Chain, symbol: str) -> str:
    return chain.registry.token(symbol).address


def _plan(chain: Chain, deadline: int) -> list[TxRequest]:
    """approve, swap, approve, supply, borrow: 1 ETH worth of WETH to USDC, supply, borrow DAI."""
    r, me = chain.registry, ME.address
    weth, usdc, dai = _addr(chain, "WETH"), _addr(chain, "USDC"), _addr(chain, "DAI")
    router, pool = r.contract("router"), r.contract("lending")
    return [
        calls.approve(weth, router, E18).tx(me),
        calls.swap_exact_in(router, [weth, usdc], E18, 2_900 * 10**6, me, deadline).tx(me),
        calls.approve(usdc, pool, 2_000 * 10**6).tx(me),
        calls.supply(pool, usdc, 2_000 * 10**6).tx(me),
        calls.borrow(pool, dai, 500 * E18).tx(me),
    ]


def test_is_a_chain_on_the_devnet_chain_id(chain, run):
    assert isinstance(chain, Chain)
    assert chain.registry.chain_id == 31337
    assert run(chain.chain_id()) == 31337


def test_balances_include_ether_and_every_token(chain, run):
    balances = run(chain.balances(ME.address))
    assert balances["ETH"] == 10_000 * E18
    assert balances["USDC"] == 100_000 * 10**6
    assert balances["WBTC"] == 2 * 10**8
    assert balances["WETH"] == 10 * E18
    assert run(chain.balance(ME.address, "dai")) == 100_000 * E18


def test_oracle_prices(chain, run):
    assert run(chain.price_usd("ETH")) == Decimal(3000)
    assert run(chain.price_usd("WETH")) == Decimal(3000)
    assert run(chain.price_usd("WBTC")) == Decimal(90000)
    assert run(chain.price_usd("USDC")) == Decimal(1)


def test_reserves_in_the_order_asked_and_none_without_a_pair(chain, run):
    eth_usdc = run(chain.reserves("ETH", "USDC"))
    usdc_weth = run(chain.reserves("USDC", "WETH"))
    assert eth_usdc is not None and usdc_weth == (eth_usdc[1], eth_usdc[0])
    assert eth_usdc[0] // E18 == 5_000
    assert run(chain.reserves("LINK", "UNI")) is None


def test_lending_reads(chain, run):
    position = run(chain.position(OTHER.address))
    assert position.supplied == {} and position.health_factor is None
    supply_apy, borrow_apy = run(chain.rates("USDC"))
    assert Decimal(0) < supply_apy < borrow_apy < Decimal("0.5")


def test_three_open_proposals(chain, run):
    proposals = run(chain.proposals())
    assert [p.id for p in proposals] == [1, 2, 3]
    assert all(p.state == "active" and p.description.startswith("SIP-") for p in proposals)


def test_call_returns_data_and_raises_revert_reasons(chain, run):
    usdc = _addr(chain, "USDC")
    out = run(chain.call(TxRequest(ME.address, usdc, calls.encode("decimals()"))))
    assert calls.decode(["uint8"], out) == (6,)
    too_much = calls.transfer(usdc, OTHER.address, 10**30).tx(ME.address)
    with pytest.raises(SimulationError) as info:
        run(chain.call(too_much))
    assert "ERC20" in info.value.one_line()


def test_simulate_a_plan_carries_state_and_persists_nothing(chain, run):
    before = run(chain.balances(ME.address))
    deadline = run(chain.timestamp()) + 3600
    sim = run(chain.simulate(_plan(chain, deadline)))
    assert sim.ok and len(sim.outcomes) == 5
    assert all(o.gas_used > 21_000 for o in sim.outcomes)
    assert sim.balance_deltas["WETH"] == -E18
    assert 900 * 10**6 < sim.balance_deltas["USDC"] < 1_000 * 10**6
    assert sim.balance_deltas["DAI"] == 500 * E18
    assert sim.position_before.supplied == {}
    assert sim.position_after.supplied["USDC"] >= 1_999 * 10**6
    assert sim.position_after.borrowed["DAI"] >= 500 * E18
    assert Decimal(1) < sim.position_after.health_factor < Decimal(10)
    assert any(o.logs for o in sim.outcomes)
    assert run(chain.balances(ME.address)) == before
    assert run(chain.allowance(ME.address, "WETH", chain.registry.contract("router"))) == 0


def test_simulate_stops_at_the_first_failure_with_its_reason(chain, run):
    plan = _plan(chain, deadline=1)  # the swap's deadline has passed
    sim = run(chain.simulate(plan))
    assert not sim.ok
    assert [o.success for o in sim.outcomes] == [True, False]
    assert "EXPIRED" in (sim.failure.revert_reason or "")
    assert sim.planned == 5


def test_send_signs_broadcasts_and_tracks_nonces(chain, run):
    weth = _addr(chain, "WETH")
    start_block = run(chain.block_number())
    first = run(chain.send(calls.wrap(weth, 2 * E18).tx(ME.address), ME))
    second = run(chain.send(calls.transfer(weth, OTHER.address, E18).tx(ME.address), ME))
    assert first.success and second.success
    assert second.block_number > first.block_number > start_block
    assert run(chain.balance(OTHER.address, "WETH")) == 11 * E18
    assert run(chain.balance(ME.address, "WETH")) == 11 * E18
    assert run(chain.balance(ME.address, "ETH")) < 9_998 * E18
    assert any(log.address == weth for log in second.logs)


def test_send_of_a_reverting_tx_fails_before_broadcast(chain, run):
    usdc = _addr(chain, "USDC")
    block = run(chain.block_number())
    with pytest.raises(SimulationError):
        run(chain.send(calls.transfer(usdc, OTHER.address, 10**30).tx(ME.address), ME))
    assert run(chain.block_number()) == block
    receipt = run(chain.send(calls.transfer(usdc, OTHER.address, 1).tx(ME.address), ME))
    assert receipt.success  # the nonce was resynced after the failure


def test_send_refuses_a_signer_that_is_not_the_sender(chain, run):
    with pytest.raises(UserInputError, match="signer"):
        run(chain.send(TxRequest(ME.address, OTHER.address, b"", 1), OTHER))


def test_rpc_chain_reports_an_unreachable_node_as_a_provider_error():
    from swarmfi.chain.registry import MAINNET
    from swarmfi.errors import ChainProviderError

    chain = RpcChain("http://127.0.0.1:9", MAINNET)
    tx = TxRequest("0x" + "11" * 20, "0x" + "22" * 20)
    block = {"hash": "0x" + "ab" * 32, "number": "0x10", "timestamp": "0x10"}
    with pytest.raises(ChainProviderError, match=r"127\.0\.0\.1:9"):
        chain._simulate_fork([tx], block)  # the fork itself cannot fetch state

    async def simulate_then_close() -> None:
        try:
            await chain.simulate([tx])
        finally:
            await chain.close()

    with pytest.raises(ChainProviderError, match="cannot reach"):
        asyncio.run(simulate_then_close())
    with pytest.raises(ChainProviderError, match="chain id"):
        RpcChain("http://127.0.0.1:9")
