"""Every dev.jsonl instruction that is not a refusal, end to end on the devnet.

Each case runs on a snapshot of one module devnet (reverted after it): whatever the
instruction needs first (collateral, a debt, liquidity) is set up through the same
Runner, then `devset_model.Model` computes from pool reserves, oracle prices and the
lending position how every balance must move, the instruction runs through
`Runner.run_text` (parse → guard → confirm → swarm → ledger), and the measured
changes must match: token amounts exactly, ETH exactly once the gas paid (read from
the receipts) is added back, lending positions to within index rounding.

Standing orders (a `when` or a schedule) must be stored, not run; the market is then
moved until the condition holds (a trader on another test account, and an oracle
keeper that genesis's feed owner handed the ETH and WBTC feeds to), and the watcher's
one check (`check_orders`) fires the order through `swarmfi.runner.fire_order`.

The devnet clock is frozen for the module: lending interest accrues per second, and a
still clock makes "withdraw all" and "repay the whole debt" exact.
"""

import asyncio
import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from devset_model import Expected, Model, raw
from devset_support import ANSWERS, assert_moved_as_expected, look, moved, numbers, view
from eth_utils import to_checksum_address

from swarmfi.agents.governance import DEFAULT_COMMUNITY_SHARE, DEFAULT_FDV_USD, DEFAULT_SUPPLY
from swarmfi.chain import calls, genesis
from swarmfi.chain.base import TxRequest
from swarmfi.chain.devnet import open_devnet
from swarmfi.chain.harness import Harness
from swarmfi.chain.wallet import test_account
from swarmfi.errors import PlanError, PolicyError
from swarmfi.guard.policy import Policy
from swarmfi.ledger.store import Ledger
from swarmfi.orders.conditions import evaluate_all
from swarmfi.orders.store import OrderStore
from swarmfi.orders.watcher import check_orders
from swarmfi.runner import fire_order
from swarmfi.runner.service import Runner

DEV = Path(__file__).parents[1] / "intent" / "data" / "dev.jsonl"
CASES = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
RUNNABLE = [c for c in CASES if "error" not in c["expect"]]

ME, ALICE, TRADER, KEEPER = (test_account(i) for i in range(4))
BOOK = {"alice": ALICE.address}
DEFAULT = Policy(address_book=BOOK)
LOOSE_LIMITS = {"max_tx_usd": 10**9, "max_day_usd": 10**10, "max_price_impact_pct": 100}
LOOSE = Policy(address_book=BOOK, **LOOSE_LIMITS)

# what an instruction needs on the chain first, done through the same Runner
SETUP = {
    "withdraw all my DAI from lending": ["supply 1000 DAI"],
    "borrow 500 USDC": ["supply 1 ETH"],
    "借出300 DAI": ["supply 1 ETH"],
    "repay my whole USDC debt": ["supply 1 ETH then borrow 500 USDC"],
    "还清全部USDC借款": ["supply 1 ETH then borrow 500 USDC"],
    "repay 200 DAI": ["supply 1 ETH then borrow 300 DAI"],
    "remove half of my ETH-USDC liquidity": ["add liquidity with 1 ETH to the ETH/USDC pool"],
    "show my lending position": ["supply 1 ETH then borrow 500 USDC"],
}
# above the default per-transaction cap: the default policy must block them (naming the
# rule); they run under LOOSE
OVER_CAPS = {
    "swap half my ETH to USDC": "max_tx_usd",
    "卖出一半的ETH换成USDT": "max_tx_usd",
    "swap 25% of my USDC for WBTC": "max_tx_usd",
    "sell all my LINK for ETH": "max_tx_usd",
    "supply 5 WETH": "max_tx_usd",
    "when WBTC goes above 100000 sell half my WBTC for USDC": "max_tx_usd",
}


async def yes(preview: Any) -> bool:
    return True


# ---------------------------------------------------------------- the devnet


@pytest.fixture(scope="module")
def devnet():
    chain = open_devnet(persist=False)
    frozen = chain.node.clock()
    chain.node.clock = lambda: frozen
    _hand_feeds_to_keeper(chain, ("WETH", "WBTC"))
    yield chain
    asyncio.run(chain.close())


def _hand_feeds_to_keeper(chain: Any, symbols: tuple[str, ...]) -> None:
    """Genesis's deployer (no key) makes KEEPER the owner of these price feeds."""
    with chain.lock:
        h = Harness(evm=chain.node.evm, deployer=genesis.DEPLOYER)
        oracle = h.at("Oracle", chain.registry.contract("oracle"))
        for symbol in symbols:
            feed = oracle.call.feeds(chain.registry.token(symbol).address)
            h.at("PriceFeed", feed).transact.transferOwnership(KEEPER.address)
        chain.node.seal("oracle keeper")


@dataclass
class Bench:
    """One case: the devnet (on a snapshot), a scratch directory, the ledgers opened."""

    chain: Any
    tmp: Path
    ledgers: list[Ledger] = field(default_factory=list)

    def runner(self, policy: Policy, signer: Any = ME, name: str = "run") -> Runner:
        ledger = Ledger(self.tmp / f"{name}.sqlite3")
        self.ledgers.append(ledger)
        return Runner(self.chain, signer, ledger, policy)


@pytest.fixture
def bench(devnet, tmp_path, monkeypatch):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path))  # fire_order reads the policy there
    snapshot = asyncio.run(devnet.rpc("evm_snapshot", []))
    opened = Bench(devnet, tmp_path)
    yield opened
    for ledger in opened.ledgers:
        ledger.close()
    asyncio.run(devnet.rpc("evm_revert", [snapshot]))
    for account in (ME, TRADER, KEEPER):
        devnet.nonces.forget(account.address)


@pytest.mark.parametrize("case", RUNNABLE, ids=[c["text"] for c in RUNNABLE])
def test_dev_instruction_end_to_end(case, bench):
    steps = case["expect"]["steps"]
    if case["expect"]["schedule"] or any(s["when"] for s in steps):
        check = check_standing_order
    elif all(s["action"] == "query" for s in steps):
        check = check_query
    elif any(s["action"] == "vote" and s["proposal"] > len(genesis.PROPOSALS) for s in steps):
        check = check_missing_proposal
    else:
        check = check_run
    asyncio.run(check(bench, case))


def test_the_tables_name_dev_set_instructions():
    texts = {c["text"] for c in RUNNABLE}
    assert {*SETUP, *OVER_CAPS, *SCENARIOS} <= texts
    conditional = {c["text"] for c in RUNNABLE if any(s["when"] for s in c["expect"]["steps"])}
    assert conditional == set(SCENARIOS)  # every condition is made to hold, then fired


# ---------------------------------------------------------------- runs


async def set_up(runner: Any, text: str) -> None:
    for instruction in SETUP.get(text, ()):
        assert (await runner.run_text(instruction, yes)).status == "done"


async def assert_blocked_by_default(chain: Any, runner: Any, text: str) -> None:
    block = await chain.block_number()
    with pytest.raises(PolicyError) as blocked:
        await runner.run_text(text, yes)
    assert blocked.value.rule == OVER_CAPS[text]
    assert await chain.block_number() == block  # nothing was sent


def routes_of(chain: Any, result: Any) -> dict[int, list[str]]:
    symbol = chain.registry.by_address
    return {sp.prepared.index: [symbol(a).symbol for a in sp.prepared.data["path"]]
            for sp in result.preview.steps if sp.prepared.action == "swap"}


async def check_run(bench: Bench, case: dict[str, Any]) -> None:
    chain, text, steps = bench.chain, case["text"], case["expect"]["steps"]
    runner = bench.runner(DEFAULT)
    await set_up(runner, text)
    if text in OVER_CAPS:
        await assert_blocked_by_default(chain, runner, text)
        runner = bench.runner(LOOSE, name="loose")
    expected = await Model(chain, ME.address, BOOK).run(steps)
    assert (expected.usd_out > DEFAULT.max_tx_usd) == (text in OVER_CAPS)
    before = await look(chain, expected)
    effects = await governance_before(chain, steps)
    result = await runner.run_text(text, yes)
    assert result.status == "done"
    assert routes_of(chain, result) == expected.routes
    await assert_moved_as_expected(chain, before, expected)
    await governance_after(chain, steps, effects)
    assert runner.ledger.verify().ok


async def check_missing_proposal(bench: Bench, case: dict[str, Any]) -> None:
    chain, (step,) = bench.chain, case["expect"]["steps"]
    governor = chain.registry.contract("governor")
    assert step["proposal"] > await view(chain, governor, "proposalCount()", (), ["uint256"])
    block = await chain.block_number()
    with pytest.raises(PlanError, match=f"no proposal {step['proposal']}"):
        await bench.runner(DEFAULT).run_text(case["text"], yes)
    assert await chain.block_number() == block


# ---------------------------------------------------------------- votes and launches


async def governance_before(chain: Any, steps: list[dict[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for step in steps:
        if step["action"] == "vote":
            seen[f"vote {step['proposal']}"] = await ballot(chain, step["proposal"])
        if step["action"] == "launch":
            seen["launched"] = await launched_count(chain)
    return seen


async def ballot(chain: Any, proposal: int) -> tuple[bool, dict[str, int]]:
    governor = chain.registry.contract("governor")
    voted = await view(chain, governor, "hasVoted(uint256,address)", (proposal, ME.address),
                       ["bool"])
    (found,) = [p for p in await chain.proposals() if p.id == proposal]
    return voted, {"for": found.votes_for, "against": found.votes_against,
                   "abstain": found.votes_abstain}


async def launched_count(chain: Any) -> int:
    launchpad = chain.registry.contract("launchpad")
    return int(await view(chain, launchpad, "allTokensLength()", (), ["uint256"]))


async def governance_after(chain: Any, steps: list[dict[str, Any]], seen: dict[str, Any]) -> None:
    for step in steps:
        if step["action"] == "vote":
            await check_vote(chain, step, seen[f"vote {step['proposal']}"])
        if step["action"] == "launch":
            await check_launch(chain, step, seen["launched"])


async def check_vote(chain: Any, step: dict[str, Any], before: Any) -> None:
    governor = chain.registry.contract("governor")
    govtoken = chain.registry.contract("govtoken")
    snapshot = await view(chain, governor, "proposalSnapshot(uint256)", (step["proposal"],),
                          ["uint256"])
    weight = await view(chain, govtoken, "getPastVotes(address,uint256)",
                        (ME.address, snapshot), ["uint256"])
    voted_before, tally_before = before
    voted, tally = await ballot(chain, step["proposal"])
    assert (voted_before, voted) == (False, True)
    assert weight > 0
    assert moved(tally_before, tally) == {step["support"]: weight}


async def check_launch(chain: Any, step: dict[str, Any], count_before: int) -> None:
    launchpad = chain.registry.contract("launchpad")
    assert await launched_count(chain) == count_before + 1
    token = await view(chain, launchpad, "allTokens(uint256)", (count_before,), ["address"])
    supply = raw(step["supply"] or DEFAULT_SUPPLY, 18)
    share = Fraction(step["community_share"] or DEFAULT_COMMUNITY_SHARE)
    fdv = Fraction(step["fdv_usd"] or DEFAULT_FDV_USD)
    eth_usd = Fraction(int(await chain.price_usd("ETH") * 10**8), 10**8)
    for signature, want in (("name()", step["name"]), ("symbol()", step["symbol"])):
        assert await view(chain, token, signature, (), ["string"]) == want
    assert await view(chain, token, "totalSupply()", (), ["uint256"]) == supply
    launch = await view(chain, launchpad, "launches(address)", (token,),
                        ["address", "address", *["uint256"] * 10, "bool", "uint256"])
    creator, target, community = launch[0], launch[2], launch[3]
    assert creator.lower() == ME.address.lower()
    assert community == int(supply * share)
    # the curve ends at 4 × target / community tokens, so FDV = 4 × target / share
    assert target == int(share * fdv / 4 / eth_usd * 10**18)


# ---------------------------------------------------------------- queries


async def check_query(bench: Bench, case: dict[str, Any]) -> None:
    chain, runner = bench.chain, bench.runner(DEFAULT)
    await set_up(runner, case["text"])
    block = await chain.block_number()
    result = await runner.run_text(case["text"], yes)
    assert result.status == "answered"
    assert await chain.block_number() == block  # a question sends nothing
    for step, answer in zip(case["expect"]["steps"], result.answers, strict=True):
        assert answer["query"] == step["query"]
        want = await ANSWERS[step["query"]](chain, step["token"])
        assert numbers(answer["answer"]) == numbers(want)


# ---------------------------------------------------------------- standing orders


async def post_price(chain: Any, symbol: str, answer_8: int) -> None:
    """The oracle keeper posts a new answer to the symbol's feed."""
    oracle = chain.registry.contract("oracle")
    feed = await view(chain, oracle, "feeds(address)", (chain.registry.token(symbol).address,),
                      ["address"])
    tx = TxRequest(KEEPER.address, to_checksum_address(feed),
                   calls.encode("setAnswer(int256)", answer_8))
    assert (await chain.send(tx, KEEPER)).success


async def eth_crash(bench: Bench) -> None:
    """A trader dumps ETH into the ETH/USDC pool; the oracle follows the pool."""
    chain, trader = bench.chain, bench.runner(LOOSE, signer=TRADER, name="trader")
    assert (await trader.run_text("swap 1200 ETH for USDC", yes)).status == "done"
    weth, usdc = await chain.reserves("WETH", "USDC")
    await post_price(chain, "WETH", usdc * 10**12 * 10**8 // weth)


async def wbtc_rally(bench: Bench) -> None:
    await post_price(bench.chain, "WBTC", 100_500 * 10**8)


async def usdc_demand(bench: Bench) -> None:
    """A trader borrows USDC until utilisation passes the kink of the rate curve."""
    trader = bench.runner(LOOSE, signer=TRADER, name="trader")
    result = await trader.run_text("supply 2000 ETH then borrow 2200000 USDC", yes)
    assert result.status == "done"


async def eth_dip_on_a_loan(bench: Bench) -> None:
    """I borrow against ETH (within the default policy), then ETH falls."""
    runner = bench.runner(DEFAULT, name="loan")
    assert (await runner.run_text("supply 1 ETH then borrow 1500 USDC", yes)).status == "done"
    await post_price(bench.chain, "WETH", 2_200 * 10**8)


# how the market moves so that each conditional order's condition holds
SCENARIOS = {
    "if ETH drops below 2500, buy 1 ETH with USDC": eth_crash,
    "如果ETH跌破2000美元，就用1000 USDC买入ETH": eth_crash,
    "when WBTC goes above 100000 sell half my WBTC for USDC": wbtc_rally,
    "if the USDC supply rate is above 5%, deposit 1000 USDC": usdc_demand,
    "repay 500 USDC if my health factor falls below 1.2": eth_dip_on_a_loan,
}


async def store_order(bench: Bench, case: dict[str, Any], store: OrderStore) -> Any:
    chain = bench.chain

    def add(intent: Any, text: str, now: int) -> int:
        return int(store.add(intent, text, ME.address, chain.registry.chain_id, now).id)

    before = await look(chain, Expected())
    result = await bench.runner(DEFAULT).run_text(case["text"], yes, add_order=add)
    assert result.status == "order"
    assert await look(chain, Expected()) == before  # stored, not executed
    order = store.get(result.order_id)
    assert (order.status, order.intent, order.fired) == ("active", case["expect"], 0)
    return order


async def check_standing_order(bench: Bench, case: dict[str, Any]) -> None:
    chain, tmp = bench.chain, bench.tmp
    text, schedule = case["text"], case["expect"]["schedule"]
    with OrderStore(tmp / "orders.sqlite3") as store:
        order = await store_order(bench, case, store)

        async def fire(order: Any, now: int) -> Any:
            return await fire_order(order, now, chain=chain, state=tmp / "watch")

        now = await chain.timestamp()
        if order.conditions():
            assert not any(o.holds for o in await evaluate_all(order.conditions(), chain,
                                                                 ME.address))
            assert await check_orders(chain, store, fire, now) == []
            await SCENARIOS[text](bench)
            assert all(o.holds for o in await evaluate_all(order.conditions(), chain,
                                                             ME.address))
        if text in OVER_CAPS:
            now = await fire_blocked_then_loosen(chain, store, fire, now, tmp)
        expected = await Model(chain, ME.address, {}).run(order.action_intent()["steps"])
        before = await look(chain, expected)
        results = await check_orders(chain, store, fire, now)
        assert [r.status for r in results] == ["ok"], results
        await assert_moved_as_expected(chain, before, expected)
        settled = store.get(order.id)
    assert (settled.fired, settled.succeeded) == (1 + (text in OVER_CAPS), 1)
    with Ledger(tmp / "watch" / "ledger.sqlite3") as ledger:  # the firings' own record
        approvals = [r.payload["by"] for r in ledger.records(kind="approval")]
        assert ledger.verify().ok and approvals == [f"standing order #{order.id}"]
    if schedule is None:
        assert settled.status == "done"
    else:
        assert (settled.status, settled.next_due) == ("active", now + schedule["every_seconds"])


async def fire_blocked_then_loosen(chain: Any, store: OrderStore, fire: Any, now: int,
                                   tmp: Path) -> int:
    """Under the default policy the firing is blocked (nothing sent); then the user
    raises the limits in the policy file and the order fires at the next check."""
    before = await look(chain, Expected())
    (result,) = await check_orders(chain, store, fire, now)
    assert result.status == "blocked" and "max_tx_usd" in result.message
    assert await look(chain, Expected()) == before
    lines = [f"{key} = {value}" for key, value in LOOSE_LIMITS.items()]
    (tmp / "policy.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return now + 1
