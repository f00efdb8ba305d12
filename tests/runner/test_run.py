import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarmfi.chain.devnet import open_devnet
from swarmfi.chain.wallet import test_account
from swarmfi.errors import PlanError, PolicyError, RefusalError
from swarmfi.guard.policy import Policy
from swarmfi.guard.signer import fingerprint
from swarmfi.ledger.store import Ledger
from swarmfi.runner.service import Runner

ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


async def yes(preview):
    return True


class RecordingSigner:
    """The real test key, recording every transaction it is asked to sign."""

    def __init__(self):
        self.inner = test_account(0)
        self.address = self.inner.address
        self.signed = []

    def sign_tx(self, tx):
        self.signed.append(fingerprint(self.address, tx["to"], tx["data"], tx["value"]))
        return self.inner.sign_tx(tx)


@pytest.fixture(scope="module")
def devnet(tmp_path_factory):
    chain = open_devnet(persist=False)
    yield chain
    asyncio.run(chain.close())


def revert(devnet, snapshot):
    """Back to `snapshot`; the nonce writer must re-read the account's nonce after it."""
    asyncio.run(devnet.rpc("evm_revert", [snapshot]))
    devnet.nonces.forget(test_account(0).address)


@pytest.fixture
def runner(devnet, tmp_path):
    snapshot = asyncio.run(devnet.rpc("evm_snapshot", []))
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    yield Runner(devnet, RecordingSigner(), ledger, Policy(address_book={"alice": ALICE}))
    ledger.close()
    revert(devnet, snapshot)


def amm_out(amount_in, reserve_in, reserve_out):
    fee_in = amount_in * 997
    return fee_in * reserve_out // (reserve_in * 1000 + fee_in)


def test_swap_then_supply_half_end_to_end(runner, devnet):
    me = runner.sender
    reserve_weth, reserve_usdc = asyncio.run(devnet.reserves("WETH", "USDC"))
    usdc_before = asyncio.run(devnet.balance(me, "USDC"))
    result = asyncio.run(runner.run_text("swap 1 ETH for USDC, then supply half of it", yes))
    assert result.status == "done"
    bought = amm_out(10**18, reserve_weth, reserve_usdc)
    assert asyncio.run(devnet.balance(me, "USDC")) - usdc_before == bought - bought // 2
    supplied = asyncio.run(devnet.position(me)).supplied["USDC"]
    assert bought // 2 - 1 <= supplied <= bought // 2
    kinds = [r.kind for r in runner.ledger.records()]
    assert kinds[:4] == ["intent", "plan", "preview", "approval"]
    assert kinds.count("transaction") == kinds.count("receipt") == 3  # swap, approve, supply
    assert kinds[-1] == "done"
    assert runner.ledger.verify().ok


def test_a_small_ether_purchase_is_not_halted_by_its_own_gas(runner, devnet):
    eth_before = asyncio.run(devnet.balance(runner.sender, "ETH"))
    result = asyncio.run(runner.run_text("buy $50 of ETH with USDC", yes))
    assert result.status == "done"
    gained = asyncio.run(devnet.balance(runner.sender, "ETH")) - eth_before
    assert 0 < gained < 50 * 10**18 // 3000  # the ether bought, less the gas paid


def test_liquidity_added_can_be_removed_within_the_default_policy(runner, devnet):
    asyncio.run(runner.run_text("add liquidity with 1 ETH to the ETH/USDC pool", yes))
    usdc_before = asyncio.run(devnet.balance(runner.sender, "USDC"))
    result = asyncio.run(runner.run_text("remove half of my ETH-USDC liquidity", yes))
    assert result.status == "done"  # approving the pool's LP token is within the allowlist
    assert asyncio.run(devnet.balance(runner.sender, "USDC")) > usdc_before


def test_every_signed_transaction_was_cleared_by_the_guard(runner):
    asyncio.run(runner.run_text("swap 0.5 ETH for DAI, then deposit all of the DAI", yes))
    records = runner.ledger.records(kind="transaction")
    assert len(runner.signer.signed) == len(records) == 3


def test_policy_block_signs_nothing(runner):
    with pytest.raises(PolicyError, match="max_tx_usd"):
        asyncio.run(runner.run_text("swap 10 ETH for USDC", yes))
    assert runner.signer.signed == []
    assert [r.kind for r in runner.ledger.records()][-1] == "preview"


def test_refusal_is_recorded_and_signs_nothing(runner):
    with pytest.raises(RefusalError):
        asyncio.run(runner.run_text("swap ETH for USDC", yes))
    assert [r.kind for r in runner.ledger.records()] == ["intent", "refusal"]
    assert runner.signer.signed == []


def test_declined_preview_signs_nothing(runner):
    async def no(preview):
        return False

    result = asyncio.run(runner.run_text("wrap 1 ETH", no))
    assert result.status == "declined"
    assert runner.signer.signed == []


def test_query_answers_without_transactions(runner):
    result = asyncio.run(runner.run_text("what's the price of ETH?", yes))
    assert result.answers[0]["answer"] == {"ETH": "3000"}
    assert runner.signer.signed == []


INSTRUCTIONS = st.sampled_from([
    "swap {a} ETH for USDC", "send {a} USDC to alice", "wrap {a} ETH", "supply {a} DAI",
    "buy {a} WBTC with USDC", "swap {a} USDC to DAI then supply all of it",
])


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(template=INSTRUCTIONS, amount=st.sampled_from(["0.01", "1", "5", "250", "40000"]))
def test_nothing_is_signed_unless_simulation_and_policy_passed(devnet, tmp_path, template,
                                                                amount):
    snapshot = asyncio.run(devnet.rpc("evm_snapshot", []))
    signer = RecordingSigner()
    with Ledger(tmp_path / f"l{abs(hash((template, amount)))}.sqlite3") as ledger:
        runner = Runner(devnet, signer, ledger, Policy(address_book={"alice": ALICE}))
        try:
            asyncio.run(runner.run_text(template.format(a=amount), yes))
            blocked = False
        except (PolicyError, PlanError):
            blocked = True
        finally:
            revert(devnet, snapshot)
        previews = [r.payload for r in ledger.records(kind="preview")]
        cleared = [r.payload for r in ledger.records(kind="clearance")]
    if blocked:
        assert signer.signed == []
        return
    assert previews and previews[0]["ok"]
    simulated = [fingerprint(signer.address, t["to"], t["data"], int(t["value"]))
                 for c in cleared for t in c["txs"]]
    assert signer.signed == simulated  # each re-simulated and checked right before signing


def _swarmfi(home: Path, *args: str, failpoint: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "SWARMFI_HOME": str(home), "SWARMFI_FAILPOINT": failpoint,
           "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    return subprocess.run([sys.executable, "-m", "swarmfi", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def _ledger_json(home: Path) -> list[dict]:
    out = _swarmfi(home, "ledger", "show", "--json", "--limit", "0").stdout
    data = json.loads(out)
    return data if isinstance(data, list) else data["records"]


def test_killed_run_resumes_without_sending_anything_twice(tmp_path):
    text = "swap 1 ETH for USDC, then supply half of it"
    reference, crashed = tmp_path / "reference", tmp_path / "crashed"
    assert _swarmfi(reference, "run", text, "--yes").returncode == 0
    killed = _swarmfi(crashed, "run", text, "--yes", failpoint="after_broadcast:2")
    assert killed.returncode == 137  # killed right after broadcasting the approval
    assert _swarmfi(crashed, "resume").returncode == 0
    records = _ledger_json(crashed)
    nonces = [r["payload"]["nonce"] for r in records if r["kind"] == "transaction"]
    hashes = [r["payload"]["tx_hash"] for r in records if r["kind"] == "transaction"]
    assert nonces == [0, 1, 2] and len(set(hashes)) == 3
    receipts = [r["payload"]["tx_hash"] for r in records if r["kind"] == "receipt"]
    assert sorted(receipts) == sorted(hashes)
    balances = [json.loads(_swarmfi(h, "balances", "--json").stdout)
                for h in (reference, crashed)]
    assert balances[0] == balances[1]
    assert _swarmfi(crashed, "ledger", "verify").returncode == 0


def test_tampered_ledger_fails_verify(tmp_path):
    assert _swarmfi(tmp_path, "run", "wrap 1 ETH", "--yes").returncode == 0
    db = sqlite3.connect(tmp_path / "ledger.sqlite3")
    db.execute("DROP TRIGGER records_no_update")
    db.execute("UPDATE records SET payload = replace(payload, 'wrap', 'WRAP') WHERE seq = 1")
    db.commit()
    db.close()
    result = _swarmfi(tmp_path, "ledger", "verify")
    assert result.returncode == 1
    assert "seq 1" in result.stdout + result.stderr


KILL_AT_APPEND = """
import os, sys
from swarmfi.ledger.store import Ledger
kind, nth = sys.argv[1], int(sys.argv[2])
seen = {"n": 0}
append = Ledger.append
def killing_append(self, k, payload, run_id=None):
    record = append(self, k, payload, run_id)
    if k == kind:
        seen["n"] += 1
        if seen["n"] == nth:
            os._exit(137)  # killed right after this record reached the disk
    return record
Ledger.append = killing_append
from swarmfi.cli import run
sys.exit(run(sys.argv[3:]))
"""


def _killed_at(home: Path, kind: str, nth: int, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SWARMFI_HOME": str(home),
           "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    return subprocess.run([sys.executable, "-c", KILL_AT_APPEND, kind, str(nth), *args],
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("kind", "nth"), [("clearance", 1), ("clearance", 2), ("step", 1)])
def test_a_run_killed_after_any_clearance_or_step_is_resumed_and_finished(tmp_path, kind, nth):
    """Killed right after the second step's clearance, the first step's swap stays done and
    resume carries out the supply: every step exactly once."""
    text = "swap 1 ETH for USDC, then supply half of it"
    reference, crashed = tmp_path / "reference", tmp_path / "crashed"
    assert _swarmfi(reference, "run", text, "--yes").returncode == 0
    assert _killed_at(crashed, kind, nth, "run", text, "--yes").returncode == 137
    resumed = _swarmfi(crashed, "resume", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert len(json.loads(resumed.stdout)["resumed"]) == 1
    records = _ledger_json(crashed)
    nonces = [r["payload"]["nonce"] for r in records if r["kind"] == "transaction"]
    assert nonces == sorted(set(nonces)) and len(nonces) == 3  # swap, approve, supply
    balances = [json.loads(_swarmfi(h, "balances", "--json").stdout)
                for h in (reference, crashed)]
    assert balances[0] == balances[1]
    assert _swarmfi(crashed, "ledger", "verify").returncode == 0


def test_state_directory_and_ledger_are_private_to_the_user(tmp_path):
    home = tmp_path / "home"
    assert _swarmfi(home, "run", "wrap 1 ETH", "--yes").returncode == 0
    assert home.stat().st_mode & 0o777 == 0o700
    for name in ("ledger.sqlite3", "ledger.sqlite3-wal"):
        if (home / name).exists():
            assert (home / name).stat().st_mode & 0o777 == 0o600, name
    assert all(p.stat().st_mode & 0o077 == 0 for p in home.rglob("*"))
