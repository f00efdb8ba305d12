"""Each fault of the FaultyRpc proxy does what it says, against the genesis devnet served
on loopback (and only to the methods it names)."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import pytest
from eth_utils import keccak

from support.faulty_rpc import (
    Blackhole,
    Delayed,
    FailAfter,
    FaultyRpc,
    LieBalance,
    LieChainId,
    Lossy,
    RawTx,
    Reorder,
)
from swarmfi.chain.devnet import open_devnet
from swarmfi.chain.node.server import running
from swarmfi.chain.rpc import RpcChain
from swarmfi.chain.wallet import test_account
from swarmfi.errors import ChainProviderError

ME, YOU = test_account(0), test_account(1)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def devnet() -> Iterator[tuple[Any, str]]:
    chain = open_devnet(persist=False)
    with running(chain.node) as server:
        yield chain, server.url
    run(chain.close())


@pytest.fixture
def proxy(devnet) -> Iterator[FaultyRpc]:
    """A faithful proxy in front of the served devnet, which is back at genesis after."""
    chain, url = devnet
    snapshot = run(chain.rpc("evm_snapshot", []))
    try:
        with FaultyRpc(url) as proxy:
            yield proxy
    finally:
        run(chain.rpc("evm_revert", [snapshot]))


def post(url: str, body: Any, timeout: float = 10.0) -> Any:
    request = urllib.request.Request(url, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def ask(url: str, method: str, *params: Any) -> Any:
    reply = post(url, {"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)})
    return reply.get("result", reply.get("error"))


def signed(url: str, value: int = 1, nonce_offset: int = 0) -> str:
    """A transfer of `value` wei from ME to YOU, signed for the devnet at ME's next nonce."""
    nonce = int(ask(url, "eth_getTransactionCount", ME.address, "pending"), 16) + nonce_offset
    raw = ME.sign_tx({"type": 2, "chainId": 31337, "nonce": nonce, "to": YOU.address,
                      "value": value, "data": b"", "gas": 21000,
                      "maxPriorityFeePerGas": 10**9, "maxFeePerGas": 10**11})
    return "0x" + raw.hex()


def tx_hash(raw: str) -> str:
    return "0x" + keccak(bytes.fromhex(raw[2:])).hex()


def nonce_of(url: str) -> int:
    return int(ask(url, "eth_getTransactionCount", ME.address, "latest"), 16)


def test_without_faults_everything_is_forwarded_and_logged(devnet, proxy):
    _, upstream = devnet
    assert ask(proxy.url, "eth_getBalance", ME.address, "latest") == ask(
        upstream, "eth_getBalance", ME.address, "latest")
    batch = [{"jsonrpc": "2.0", "id": i, "method": m, "params": []}
             for i, m in enumerate(["eth_chainId", "eth_blockNumber"])]
    assert post(proxy.url, batch) == post(upstream, batch)
    raw = signed(proxy.url)
    assert ask(proxy.url, "eth_sendRawTransaction", raw) == tx_hash(raw)
    assert ask(proxy.url, "eth_getTransactionReceipt", tx_hash(raw))["status"] == "0x1"
    assert [s.method for s in proxy.seen()] == [
        "eth_getBalance", "eth_chainId", "eth_blockNumber", "eth_getTransactionCount",
        "eth_sendRawTransaction", "eth_getTransactionReceipt"]
    assert [(s.method, s.params) for s in proxy.forwarded()] == [
        (s.method, s.params) for s in proxy.seen()]
    assert proxy.broadcasts() == [RawTx(tx_hash(raw), ME.address, 0, YOU.address.lower())]
    assert proxy.hashes_per_nonce() == {(ME.address, 0): {tx_hash(raw)}}


def test_rpc_chain_reads_through_the_proxy(proxy):
    async def balances() -> dict[str, int]:
        chain = await RpcChain.connect(proxy.url)
        try:
            return await chain.balances(ME.address)
        finally:
            await chain.close()

    assert run(balances())["USDC"] == 100_000 * 10**6


def test_blackhole_answers_the_true_hash_and_fakes_a_receipt_but_sends_nothing(devnet, proxy):
    _, upstream = devnet
    hole = Blackhole()
    proxy.set(hole)
    raw = signed(proxy.url)
    assert ask(proxy.url, "eth_sendRawTransaction", raw) == tx_hash(raw)
    receipt = ask(proxy.url, "eth_getTransactionReceipt", tx_hash(raw))
    assert (receipt["transactionHash"], receipt["status"]) == (tx_hash(raw), "0x1")
    assert receipt["from"] == ME.address.lower()
    assert ask(proxy.url, "eth_getTransactionByHash", tx_hash(raw)) is None
    assert ask(upstream, "eth_getTransactionReceipt", tx_hash(raw)) is None
    assert nonce_of(upstream) == 0 and proxy.broadcasts() == []
    assert list(hole.swallowed) == [tx_hash(raw)]
    hole.by_hash = "fake"
    assert ask(proxy.url, "eth_getTransactionByHash", tx_hash(raw))["nonce"] == "0x0"
    other = "0x" + "ab" * 32  # a hash it did not swallow: the real (null) answer
    assert ask(proxy.url, "eth_getTransactionReceipt", other) is None
    assert [s.method for s in proxy.forwarded()][-1] == "eth_getTransactionReceipt"


def test_blackhole_fools_rpc_chain_send(devnet, proxy):
    """The point of the fault: a client believing receipts gets success for a no-op."""
    chain, _ = devnet
    proxy.set(Blackhole())

    async def send() -> Any:
        client = await RpcChain.connect(proxy.url)
        try:
            from swarmfi.chain.base import TxRequest

            return await client.send(TxRequest(ME.address, YOU.address, value=10**18), ME)
        finally:
            await client.close()

    before = run(chain.balances(YOU.address))["ETH"]
    assert run(send()).success
    assert run(chain.balances(YOU.address))["ETH"] == before
    assert proxy.broadcasts() == [] and len(proxy.seen("eth_sendRawTransaction")) == 1


def test_lossy_error_sends_upstream_and_answers_an_error(devnet, proxy):
    _, upstream = devnet
    proxy.set(Lossy(mode="error", times=1))
    raw = signed(proxy.url)
    answer = ask(proxy.url, "eth_sendRawTransaction", raw)
    assert answer["code"] == -32000 and "lost" in answer["message"]
    assert nonce_of(upstream) == 1  # it did get there, and was mined
    assert [tx.hash for tx in proxy.broadcasts()] == [tx_hash(raw)]
    second = signed(proxy.url)  # times=1: the next one is answered
    assert ask(proxy.url, "eth_sendRawTransaction", second) == tx_hash(second)
    assert ask(proxy.url, "eth_blockNumber") == ask(upstream, "eth_blockNumber")


def test_lossy_drop_closes_the_connection_after_forwarding(devnet, proxy):
    _, upstream = devnet
    proxy.set(Lossy(mode="drop"))
    raw = signed(proxy.url)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post(proxy.url, {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction",
                         "params": [raw]})
    assert nonce_of(upstream) == 1 and len(proxy.broadcasts()) == 1


def test_lossy_timeout_answers_nothing_in_time(devnet, proxy):
    _, upstream = devnet
    proxy.set(Lossy(mode="timeout", seconds=2.0))
    raw = signed(proxy.url)
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        post(proxy.url, {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction",
                         "params": [raw]}, timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 2.0
    assert nonce_of(upstream) == 1


def test_delayed_slows_only_the_methods_it_names(proxy):
    proxy.set(Delayed(methods={"eth_blockNumber"}, seconds=0.3))
    started = time.monotonic()
    ask(proxy.url, "eth_chainId")
    fast = time.monotonic() - started
    ask(proxy.url, "eth_blockNumber")
    slow = time.monotonic() - started - fast
    assert fast < 0.3 <= slow


def test_reorder_receipt_answers_with_another_transactions_receipt(proxy):
    proxy.set(Reorder(mode="receipt"))
    first, second = signed(proxy.url), signed(proxy.url, nonce_offset=1)
    for raw in (first, second):
        ask(proxy.url, "eth_sendRawTransaction", raw)
    assert ask(proxy.url, "eth_getTransactionReceipt", tx_hash(first))[
        "transactionHash"] == tx_hash(first)  # nothing else seen yet: the real one
    assert ask(proxy.url, "eth_getTransactionReceipt", tx_hash(second))[
        "transactionHash"] == tx_hash(first)
    assert ask(proxy.url, "eth_getTransactionReceipt", tx_hash(first))[
        "transactionHash"] == tx_hash(second)


def test_reorder_batch_answers_in_reverse(devnet, proxy):
    _, upstream = devnet
    proxy.set(Reorder(mode="batch"))
    batch = [{"jsonrpc": "2.0", "id": i, "method": m, "params": []}
             for i, m in enumerate(["eth_chainId", "eth_blockNumber", "net_version"])]
    answers = post(proxy.url, batch)
    assert [a["id"] for a in answers] == [2, 1, 0]
    assert sorted(answers, key=lambda a: a["id"]) == post(upstream, batch)
    assert ask(proxy.url, "eth_chainId") == "0x7a69"  # a single call: untouched


def test_reorder_stale_block_answers_lag_blocks_behind(devnet, proxy):
    _, upstream = devnet
    for _ in range(2):
        ask(upstream, "eth_sendRawTransaction", signed(upstream, nonce_offset=0))
    latest = int(ask(upstream, "eth_blockNumber"), 16)
    proxy.set(Reorder(mode="stale_block", lag=2))
    assert int(ask(proxy.url, "eth_blockNumber"), 16) == latest - 2
    block = ask(proxy.url, "eth_getBlockByNumber", "latest", False)
    assert int(block["number"], 16) == latest - 2
    assert int(ask(proxy.url, "eth_getBlockByNumber", "0x1", False)["number"], 16) == 1


def test_lie_chain_id_is_refused_by_rpc_chain(proxy):
    proxy.set(LieChainId(chain_id=1))
    assert ask(proxy.url, "eth_chainId") == "0x1"
    assert ask(proxy.url, "net_version") == "1"
    with pytest.raises(ChainProviderError, match="no contract at the router address"):
        run(RpcChain.connect(proxy.url))
    assert proxy.forwarded("eth_chainId") == []


def test_lie_balance_scales_and_offsets_only_the_chosen_addresses(devnet, proxy):
    chain, upstream = devnet
    usdc = chain.registry.token("USDC").address
    proxy.set(LieBalance(addresses={ME.address}, scale=Fraction(1, 2), offset=5, tokens=True))
    truth = int(ask(upstream, "eth_getBalance", ME.address, "latest"), 16)
    assert int(ask(proxy.url, "eth_getBalance", ME.address, "latest"), 16) == truth // 2 + 5
    assert ask(proxy.url, "eth_getBalance", YOU.address, "latest") == ask(
        upstream, "eth_getBalance", YOU.address, "latest")
    call = {"to": usdc, "data": "0x70a08231" + "00" * 12 + ME.address[2:].lower()}
    lied = int(ask(proxy.url, "eth_call", call, "latest"), 16)
    assert lied == 100_000 * 10**6 // 2 + 5
    proxy.set(LieBalance(addresses={ME.address}, scale=3, tokens=frozenset({"0x" + "11" * 20})))
    assert int(ask(proxy.url, "eth_call", call, "latest"), 16) == 100_000 * 10**6
    assert int(ask(proxy.url, "eth_getBalance", ME.address, "latest"), 16) == truth * 3


def test_fail_after_fails_the_nth_matching_call_once(devnet, proxy):
    _, upstream = devnet
    proxy.set(FailAfter(methods={"eth_blockNumber"}, n=2))
    ask(proxy.url, "eth_chainId")  # not named: not counted
    assert ask(proxy.url, "eth_blockNumber") == ask(upstream, "eth_blockNumber")
    with pytest.raises(urllib.error.HTTPError, match="500"):
        ask(proxy.url, "eth_blockNumber")
    assert ask(proxy.url, "eth_blockNumber") == ask(upstream, "eth_blockNumber")
    assert len(proxy.forwarded("eth_blockNumber")) == 2  # the failed one never got there


def test_fail_after_reset_with_forward_reaches_upstream(devnet, proxy):
    _, upstream = devnet
    proxy.set(FailAfter(methods={"eth_sendRawTransaction"}, n=1, kind="reset", forward=True))
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        ask(proxy.url, "eth_sendRawTransaction", signed(proxy.url))
    assert nonce_of(upstream) == 1 and len(proxy.broadcasts()) == 1


def test_faults_switch_while_serving_and_count_exactly_across_threads(proxy):
    fault = FailAfter(n=150)  # every method
    proxy.set(fault)
    failures: list[Exception] = []

    def client() -> None:
        for _ in range(10):
            try:
                ask(proxy.url, "eth_blockNumber")
            except urllib.error.HTTPError as exc:
                failures.append(exc)

    threads = [threading.Thread(target=client) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (fault.count, len(failures)) == (200, 1)
    proxy.set(LieChainId(chain_id=5))
    assert ask(proxy.url, "eth_chainId") == "0x5"
    proxy.clear()
    assert ask(proxy.url, "eth_chainId") == "0x7a69"
    assert len(proxy.seen("eth_blockNumber")) == 200
