"""devnet_tps: signed ERC20 transfers and AMM swaps per second through web3.py.

The same workload runs on swarmfi's devnet node (in-process web3 provider) and
on web3.py's EthereumTesterProvider (py-evm), in this run: each backend gets two
ERC20 tokens, the Uniswap-V2-style Factory/Router with a funded pair, then a
mix of transfers and swaps (half each, alternating direction). Transactions are
signed before the clock starts, so the figure is the chain + web3.py cost:
`send_raw_transaction` then `wait_for_transaction_receipt`, each checked for
status 1. Also measured: pre-signed raw transactions straight into the node
(`raw_tx_per_s`) and the devnet over HTTP on loopback (`http_tx_per_s`).

Run: python benchmarks/devnet_tps.py [--quick]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from web3 import EthereumTesterProvider, Web3

from swarmfi.chain.compile import compile_contract
from swarmfi.chain.node import DevnetNode
from swarmfi.chain.node.provider import DevnetProvider
from swarmfi.chain.node.server import running
from swarmfi.chain.wallet import LocalSigner, test_accounts

QUICK = "--quick" in sys.argv
DEVNET_TXS = 200 if QUICK else 1000
HTTP_TXS = 100 if QUICK else 300
TESTER_TXS = 30 if QUICK else 100
RAW_TXS = 500 if QUICK else 3000
ROUNDS = 5
SUPPLY = 10**30
LIQUIDITY = 10**24
FEES = {"maxFeePerGas": 20 * 10**9, "maxPriorityFeePerGas": 10**9}
DEADLINE = 2**40


@dataclass
class Market:
    """Contracts and the next nonce of the trader on one backend."""

    w3: Web3
    trader: LocalSigner
    chain_id: int
    token_a: Any
    token_b: Any
    router: Any
    nonce: int = 0

    def sign(self, to: str, data: str, gas: int) -> bytes:
        tx = {"chainId": self.chain_id, "nonce": self.nonce, "to": to, "data": data,
              "value": 0, "gas": gas, **FEES}  # fmt: skip
        self.nonce += 1
        return self.trader.sign_tx(tx)

    def send(self, raw: bytes) -> Any:
        receipt = self.w3.eth.wait_for_transaction_receipt(self.w3.eth.send_raw_transaction(raw))
        if receipt["status"] != 1:
            raise SystemExit(f"benchmark transaction failed: {receipt}")
        return receipt


def deploy(market: Market, name: str, *args: Any, blueprint: bool = False) -> Any:
    art = compile_contract(name)
    code = art.blueprint if blueprint else art.bytecode
    assert code is not None
    factory = market.w3.eth.contract(abi=art.abi, bytecode=code)
    data = factory.constructor(*args).data_in_transaction if args else "0x" + code.hex()
    tx = {"chainId": market.chain_id, "nonce": market.nonce, "data": data, "value": 0,
          "gas": 6_000_000, **FEES}  # fmt: skip
    market.nonce += 1
    receipt = market.send(market.trader.sign_tx(tx))
    return market.w3.eth.contract(address=receipt["contractAddress"], abi=art.abi)


def build_market(w3: Web3, trader: LocalSigner) -> Market:
    market = Market(w3, trader, w3.eth.chain_id, None, None, None)
    me = trader.address
    market.token_a = deploy(market, "ERC20", "Token A", "TKA", 18, SUPPLY, me)
    market.token_b = deploy(market, "ERC20", "Token B", "TKB", 18, SUPPLY, me)
    weth = deploy(market, "WETH")
    blueprint = deploy(market, "Pair", blueprint=True)
    factory = deploy(market, "Factory", blueprint.address)
    market.router = deploy(market, "Router", factory.address, weth.address)
    for token in (market.token_a, market.token_b):
        call(market, token.functions.approve(market.router.address, 2**256 - 1), 100_000)
    add = market.router.functions.addLiquidity(
        market.token_a.address, market.token_b.address, LIQUIDITY, LIQUIDITY, 0, 0, me, DEADLINE
    )
    call(market, add, 5_000_000)
    return market


def call(market: Market, fn: Any, gas: int) -> Any:
    return market.send(market.sign(fn.address, fn._encode_transaction_data(), gas))


def workload(market: Market, count: int, receiver: str) -> list[bytes]:
    """`count` signed txs: transfer A, swap A->B, transfer B, swap B->A, repeated."""
    a, b, router = market.token_a, market.token_b, market.router
    steps: list[tuple[Any, int]] = [
        (a.functions.transfer(receiver, 10**18), 80_000),
        (router.functions.swapExactTokensForTokens(
            10**18, 0, [a.address, b.address], market.trader.address, DEADLINE), 250_000),
        (b.functions.transfer(receiver, 10**18), 80_000),
        (router.functions.swapExactTokensForTokens(
            10**18, 0, [b.address, a.address], market.trader.address, DEADLINE), 250_000),
    ]  # fmt: skip
    encoded = [(fn.address, fn._encode_transaction_data(), gas) for fn, gas in steps]
    return [market.sign(*encoded[i % len(encoded)]) for i in range(count)]


def send_all(market: Market, raws: list[bytes]) -> tuple[float, float]:
    """Transactions per second, by the wall clock and by this process's CPU time, for
    sending `raws` and waiting for each receipt."""
    wall, cpu = time.perf_counter(), time.process_time()
    for raw in raws:
        market.send(raw)
    return len(raws) / (time.perf_counter() - wall), len(raws) / (time.process_time() - cpu)


def devnet_market(node: DevnetNode, w3: Web3) -> Market:
    trader = test_accounts(1)[0]
    node.fund(trader.address, 10**24)
    return build_market(w3, trader)


def tester_market() -> Market:
    trader = test_accounts(1)[0]
    w3 = Web3(EthereumTesterProvider())
    funder = w3.eth.accounts[0]
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": funder, "to": trader.address, "value": 10**23})
    )
    return build_market(w3, trader)


def interleaved(jobs: dict[str, tuple[Market, int]]) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) tx/s per backend over ROUNDS rounds that take turns, so that
    load from other processes on a shared machine falls on every backend alike."""
    receiver = test_accounts(2)[1].address
    chunks = {name: workload(market, count, receiver) for name, (market, count) in jobs.items()}
    rates: dict[str, list[tuple[float, float]]] = {name: [] for name in jobs}
    for round_index in range(ROUNDS):
        for name, (market, count) in jobs.items():
            size = count // ROUNDS
            part = chunks[name][round_index * size : (round_index + 1) * size]
            rates[name].append(send_all(market, part))
    return {
        name: (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
        for name, runs in rates.items()
    }


def raw_rate(count: int) -> float:
    """Pre-signed ERC20 transfers straight into DevnetNode.send_raw_transaction."""
    node = DevnetNode()
    market = devnet_market(node, Web3(DevnetProvider(node)))
    fn = market.token_a.functions.transfer(test_accounts(2)[1].address, 1)
    raws = [market.sign(fn.address, fn._encode_transaction_data(), 80_000) for _ in range(count)]
    start = time.perf_counter()
    for raw in raws:
        node.send_raw_transaction(raw)
    return count / (time.perf_counter() - start)


def main() -> None:
    node, http_node = DevnetNode(), DevnetNode()
    with running(http_node) as server:
        jobs = {
            "devnet": (devnet_market(node, Web3(DevnetProvider(node))), DEVNET_TXS),
            "http": (devnet_market(http_node, Web3(Web3.HTTPProvider(server.url))), HTTP_TXS),
            "tester": (tester_market(), TESTER_TXS),
        }
        rates = interleaved(jobs)
    (value, value_cpu), (http, _), (baseline, baseline_cpu) = (
        rates["devnet"],
        rates["http"],
        rates["tester"],
    )
    print(f"devnet, in-process web3 provider: {value:,.0f} tx/s wall, {value_cpu:,.0f} tx/s "
          f"of CPU (median of {ROUNDS} rounds, {DEVNET_TXS} txs)")  # fmt: skip
    print(f"devnet, web3 over HTTP on loopback: {http:,.0f} tx/s wall ({HTTP_TXS} txs)")
    print(f"EthereumTesterProvider (py-evm): {baseline:,.1f} tx/s wall, {baseline_cpu:,.1f} "
          f"tx/s of CPU ({TESTER_TXS} txs)")  # fmt: skip
    print(f"ratio by CPU time (steadier on a shared machine): {value_cpu / baseline_cpu:.2f}")
    raw = raw_rate(RAW_TXS)
    print(f"pre-signed raw txs straight into the node: {raw:,.0f} tx/s ({RAW_TXS} txs)")
    result = {"figure": "devnet_tps", "value": round(value, 1), "baseline": round(baseline, 1),
              "ratio": round(value / baseline, 2), "unit": "tx/s", "better": "higher",
              "raw_tx_per_s": round(raw, 1), "http_tx_per_s": round(http, 1),
              "cpu_ratio": round(value_cpu / baseline_cpu, 2)}  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
