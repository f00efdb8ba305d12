"""The HTTP server on loopback (CORS, preflight, bad bodies, threads) and the
`swarmfi devnet serve` command."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from swarmfi.chain.node import DevnetNode
from swarmfi.chain.node.server import running


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request("POST", "/", body, {"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def call(url: str, method: str, *params: Any) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    return json.loads(post(url, body.encode())[2])


def test_cors_headers_and_preflight() -> None:
    with running(DevnetNode()) as server:
        status, headers, body = post(
            server.url,
            b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}',
            {"Origin": "http://localhost:3000"},
        )
        assert status == 200
        assert headers["Access-Control-Allow-Origin"] == "*"
        assert json.loads(body)["result"] == "0x7a69"
        host, port = server.url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        conn.request(
            "OPTIONS",
            "/",
            headers={
                "Origin": "chrome-extension://wallet",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        preflight = conn.getresponse()
        assert preflight.status == 204
        assert "POST" in preflight.getheader("Access-Control-Allow-Methods")
        assert "Content-Type" in preflight.getheader("Access-Control-Allow-Headers")
        conn.close()


def test_bad_bodies_then_a_good_request() -> None:
    with running(DevnetNode()) as server:
        assert json.loads(post(server.url, b"{oops")[2])["error"]["code"] == -32700
        assert json.loads(post(server.url, b"[]")[2])["error"]["code"] == -32600
        status, _, body = post(server.url, b'{"jsonrpc":"2.0","method":"eth_chainId"}')
        assert (status, body) == (204, b"")
        assert call(server.url, "eth_blockNumber")["result"] == "0x0"


def test_keep_alive_connection_serves_many_requests() -> None:
    with running(DevnetNode()) as server:
        host, port = server.url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        for i in range(20):
            body = json.dumps({"jsonrpc": "2.0", "id": i, "method": "evm_mine", "params": []})
            conn.request("POST", "/", body, {"Content-Type": "application/json"})
            assert json.loads(conn.getresponse().read())["id"] == i
        conn.close()
        assert call(server.url, "eth_blockNumber")["result"] == "0x14"


def test_concurrent_clients_are_serialised() -> None:
    node = DevnetNode()
    with running(node) as server:

        def mine() -> None:
            for _ in range(10):
                assert call(server.url, "evm_mine")["result"] == "0x0"

        threads = [threading.Thread(target=mine) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert node.head.number == 40
        assert [b.number for b in node.blocks] == list(range(41))


def start_cli(*args: str) -> tuple[subprocess.Popen, dict]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "swarmfi", "devnet", "serve", "--port", "0", "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=10)  # also closes the pipes
    assert "Traceback" not in err
    return process.returncode


def test_cli_serve_prints_url_and_funded_accounts_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    state = tmp_path / "devnet.json"
    process, info = start_cli("--state", str(state))
    try:
        assert info["chain_id"] == 31337
        assert info["accounts"][0] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        assert len(info["accounts"]) == 10
        balance = call(info["url"], "eth_getBalance", info["accounts"][9], "latest")["result"]
        assert int(balance, 16) == 10_000 * 10**18
        call(info["url"], "anvil_setBalance", info["accounts"][9], "0x2a")
        call(info["url"], "evm_mine")
    finally:
        assert stop(process) == 0
    process, info = start_cli("--state", str(state))
    try:
        assert (
            call(info["url"], "eth_getBalance", info["accounts"][9], "latest")["result"] == "0x2a"
        )
        assert call(info["url"], "eth_blockNumber")["result"] == "0x2"  # genesis seal + mine
    finally:
        assert stop(process) == 0


def test_cli_reports_a_corrupt_state_file(tmp_path: Path) -> None:
    state = tmp_path / "devnet.json"
    state.write_text("{ this is not json")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "swarmfi", "devnet", "serve", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert result.returncode == 2
    assert str(state) in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr
    assert state.read_text() == "{ this is not json"


def test_provider_and_server_share_the_node_lock() -> None:
    from web3 import Web3

    from swarmfi.chain.node.provider import DevnetProvider

    node = DevnetNode()
    w3 = Web3(DevnetProvider(node))
    with running(node) as server:

        def over_http() -> None:
            for _ in range(15):
                call(server.url, "evm_mine")

        thread = threading.Thread(target=over_http)
        thread.start()
        for _ in range(15):
            w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        thread.join()
    assert [b.number for b in node.blocks] == list(range(31))
    assert all(b.parent_hash == a.hash for a, b in itertools.pairwise(node.blocks))
