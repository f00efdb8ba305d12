"""simulate_plan: time to simulate a 5-transaction plan on a snapshot of the devnet.

The plan (approve WETH, swap 1 WETH for USDC, approve USDC, supply 2,000 USDC, borrow
500 DAI) runs through `DevnetChain.simulate` — on the node's EVM, between a snapshot and
a revert, with the sender's balances and lending position read before and after. The
baseline, in the same run, is what one would do without it: the same five transactions
signed and sent through web3.py (in-process provider) to the node inside
evm_snapshot/evm_revert, each receipt awaited, and the same balance/position reads done
through web3.py before and after. Also measured: devnet start-up from the genesis cache,
in this process (`open_devnet` on an existing state directory) and in a fresh process
(imports included).

Run: python benchmarks/simulate_plan.py [--quick]
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from web3 import Web3

from swarmfi.chain import calls
from swarmfi.chain.base import TxRequest
from swarmfi.chain.devnet import DevnetChain, open_devnet
from swarmfi.chain.node.provider import DevnetProvider
from swarmfi.chain.wallet import test_account

QUICK = "--quick" in sys.argv
RUNS = 20 if QUICK else 100
BASELINE_RUNS = 10 if QUICK else 40
STARTUPS = 3 if QUICK else 7
E18 = 10**18
ME = test_account(0)


def plan(chain: DevnetChain, deadline: int) -> list[TxRequest]:
    r, me = chain.registry, ME.address
    weth, usdc, dai = (r.token(s).address for s in ("WETH", "USDC", "DAI"))
    router, pool = r.contract("router"), r.contract("lending")
    return [
        calls.approve(weth, router, E18).tx(me),
        calls.swap_exact_in(router, [weth, usdc], E18, 1, me, deadline).tx(me),
        calls.approve(usdc, pool, 2_000 * 10**6).tx(me),
        calls.supply(pool, usdc, 2_000 * 10**6).tx(me),
        calls.borrow(pool, dai, 500 * E18).tx(me),
    ]


def time_simulate(chain: DevnetChain, txs: list[TxRequest]) -> list[float]:
    loop = asyncio.new_event_loop()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        sim = loop.run_until_complete(chain.simulate(txs))
        times.append(time.perf_counter() - start)
        assert sim.ok and sim.balance_deltas["DAI"] == 500 * E18
    loop.close()
    return times


def _reads(w3: Web3, chain: DevnetChain) -> None:
    """What simulate reads around the plan: balances and the lending position."""
    pool = chain.registry.contract("lending")
    w3.eth.get_balance(ME.address)
    for token in chain.registry.tokens.values():
        data = calls.encode("balanceOf(address)", ME.address)
        w3.eth.call({"to": token.address, "data": data})
        for signature in ("supplyBalance(address,address)", "debtBalance(address,address)"):
            w3.eth.call({"to": pool, "data": calls.encode(signature, ME.address, token.address)})
    w3.eth.call({"to": pool, "data": calls.encode("getUserAccountData(address)", ME.address)})


def baseline_once(w3: Web3, chain: DevnetChain, txs: list[TxRequest]) -> None:
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    _reads(w3, chain)
    nonce = w3.eth.get_transaction_count(ME.address)
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    for i, tx in enumerate(txs):
        fields = {
            "chainId": 31337,
            "nonce": nonce + i,
            "to": tx.to,
            "data": tx.data,
            "value": tx.value,
            "gas": 500_000,
            "maxPriorityFeePerGas": 10**9,
            "maxFeePerGas": 2 * base + 10**9,
        }
        tx_hash = w3.eth.send_raw_transaction(ME.sign_tx(fields))
        assert w3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1
    _reads(w3, chain)
    w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]


def time_baseline(chain: DevnetChain, txs: list[TxRequest]) -> list[float]:
    w3 = Web3(DevnetProvider(chain.node))
    times = []
    for _ in range(BASELINE_RUNS):
        start = time.perf_counter()
        baseline_once(w3, chain, txs)
        times.append(time.perf_counter() - start)
    return times


def startup_in_process(directory: Path) -> float:
    start = time.perf_counter()
    chain = open_devnet(directory)
    elapsed = time.perf_counter() - start
    asyncio.run(chain.close())
    return elapsed


STARTUP_SCRIPT = (
    "import time, asyncio; t = time.perf_counter();"
    "from swarmfi.chain.devnet import open_devnet; c = open_devnet({state!r});"
    "print(time.perf_counter() - t); asyncio.run(c.close())"
)


def startup_cold(directory: Path) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    script = STARTUP_SCRIPT.format(state=str(directory))
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    return float(out.stdout.strip())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "devnet"
        asyncio.run(open_devnet(state).close())  # create it (genesis from cache, or built)
        warm = statistics.median(startup_in_process(state) for _ in range(STARTUPS))
        cold = statistics.median(startup_cold(state) for _ in range(STARTUPS))
    chain = open_devnet(persist=False)
    txs = plan(chain, deadline=2**40)
    sim = statistics.median(time_simulate(chain, txs))
    base = statistics.median(time_baseline(chain, txs))
    print(f"simulate 5-tx plan (DevnetChain.simulate):  {sim * 1e3:7.2f} ms  (median of {RUNS})")
    print(
        f"baseline web3.py send + snapshot/revert:    {base * 1e3:7.2f} ms  "
        f"(median of {BASELINE_RUNS})"
    )
    print(f"devnet start-up from cache, in process:      {warm * 1e3:7.1f} ms")
    print(f"devnet start-up from cache, fresh process:   {cold * 1e3:7.1f} ms (imports included)")
    result: dict[str, Any] = {
        "figure": "simulate_plan",
        "value": round(sim * 1e3, 3),
        "baseline": round(base * 1e3, 3),
        "ratio": round(base / sim, 2),
        "unit": "ms",
        "better": "lower",
        "startup_ms": round(warm * 1e3, 1),
        "startup_cold_process_ms": round(cold * 1e3, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
