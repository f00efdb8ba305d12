"""The main job against a JSON-RPC endpoint: `--rpc URL --keystore PATH`.

The genesis devnet is served over HTTP on 127.0.0.1 from this process; `swarmfi` runs
as a subprocess talking to it through `RpcChain`, simulating on a pyrevm fork of it (a
fork cannot read from a server in its own process) and signing with a keystore
holding test account 0's key. Balances are read from the served node itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from swarmfi import cli
from swarmfi.chain import genesis
from swarmfi.chain.base import TxRequest
from swarmfi.chain.devnet import open_devnet
from swarmfi.chain.node.server import running
from swarmfi.chain.rpc import RpcChain
from swarmfi.chain.wallet import TEST_MNEMONIC, TEST_PATH, Keystore, test_account
from swarmfi.errors import ChainProviderError, PlanError
from swarmfi.guard.sandbox import open_sandbox
from swarmfi.ledger.store import Ledger

ME = test_account(0)
PASSWORD = "correct horse 7f3a"
TEXT = "swap 1 ETH for USDC, then supply half of it"
SRC = Path(__file__).parents[2] / "src"


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def devnet() -> Iterator[tuple[Any, str]]:
    chain = open_devnet(persist=False)
    with running(chain.node) as server:
        yield chain, server.url
    run(chain.close())


@pytest.fixture
def served(devnet):
    """The served devnet, back at genesis after the test."""
    chain, url = devnet
    snapshot = run(chain.rpc("evm_snapshot", []))
    yield chain, url
    run(chain.rpc("evm_revert", [snapshot]))


@pytest.fixture(scope="module")
def keystore(tmp_path_factory) -> Path:
    """Test account 0's key in a keystore (scrypt n=16: fast to unlock)."""
    Account.enable_unaudited_hdwallet_features()
    key = Account.from_mnemonic(TEST_MNEMONIC, account_path=TEST_PATH.format(0)).key
    path = tmp_path_factory.mktemp("keys") / "me.json"
    Keystore.import_key(path, bytes(key), PASSWORD, scrypt_n=16)
    return path


def swarmfi(home: Path, *args: str, password: str = PASSWORD,
            failpoint: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "SWARMFI_HOME": str(home), "SWARMFI_KEYSTORE_PASSWORD": password,
           "SWARMFI_FAILPOINT": failpoint, "PYTHONPATH": str(SRC)}
    env.pop("SWARMFI_RPC_URL", None)
    return subprocess.run([sys.executable, "-m", "swarmfi", *args], env=env,
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def amm_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    fee_in = amount_in * 997
    return fee_in * reserve_out // (reserve_in * 1000 + fee_in)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error (")
    return lines[0]


def test_swap_then_supply_half_over_rpc_signed_with_a_keystore(served, keystore, tmp_path):
    chain, url = served
    reserve_weth, reserve_usdc = run(chain.reserves("WETH", "USDC"))
    before, block = run(chain.balances(ME.address)), run(chain.block_number())

    done = swarmfi(tmp_path, "run", TEXT, "--yes", "--rpc", url, "--keystore", str(keystore))

    assert done.returncode == 0, done.stderr
    assert f"on swarmfi devnet (chain id 31337) as {ME.address}" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr
    bought = amm_out(10**18, reserve_weth, reserve_usdc)
    after = run(chain.balances(ME.address))
    assert after["USDC"] - before["USDC"] == bought - bought // 2
    assert bought // 2 - 1 <= run(chain.position(ME.address)).supplied["USDC"] <= bought // 2
    assert run(chain.block_number()) == block + 3  # swap, approve, supply; simulating mined none
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        assert ledger.verify().ok
        preview = ledger.find("preview")[0].payload
        clearances = [r.payload for r in ledger.find("clearance")]
        approval = ledger.find("approval")[0].payload
    # the preview and each pre-signing check ran on forks of the node and matched it exactly
    assert Decimal(preview["balance_changes"]["USDC"]) * 10**6 == after["USDC"] - before["USDC"]
    assert [c["step"] for c in clearances] == [0, 1]
    assert sum(int(c["deltas"]["USDC"]) for c in clearances) == after["USDC"] - before["USDC"]
    assert (approval["chain_id"], approval["sender"]) == (31337, ME.address)

    shown = swarmfi(tmp_path, "balances", "--json", "--rpc", url, "--keystore", str(keystore))
    assert shown.returncode == 0, shown.stderr
    amounts = json.loads(shown.stdout)
    assert set(amounts) == set(after)
    for symbol, raw in after.items():
        assert Decimal(amounts[symbol]) * 10 ** chain.registry.token(symbol).decimals == raw


def test_policy_blocked_instruction_signs_nothing(served, keystore, tmp_path):
    chain, url = served
    block, nonce = run(chain.block_number()), run(chain.rpc("eth_getTransactionCount",
                                                            [ME.address, "latest"]))
    blocked = swarmfi(tmp_path, "run", "swap 10 ETH for USDC", "--yes", "--rpc", url,
                      "--keystore", str(keystore))
    assert blocked.returncode == 3
    assert "max_tx_usd" in one_error_line(blocked)
    assert run(chain.block_number()) == block
    assert run(chain.rpc("eth_getTransactionCount", [ME.address, "latest"])) == nonce
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        assert ledger.find("transaction") == []
        assert [r.kind for r in ledger.records()][-1] == "preview"


def test_standing_order_stored_over_rpc_fires_in_watch(served, keystore, tmp_path):
    chain, url = served
    usdc = run(chain.balance(ME.address, "USDC"))
    where = ("--rpc", url, "--keystore", str(keystore))
    stored = swarmfi(tmp_path, "run", "if ETH is above 2000 dollars, swap 100 USDC for ETH",
                     *where)
    assert stored.returncode == 0, stored.stderr
    assert "standing order #1" in stored.stdout

    watched = swarmfi(tmp_path, "watch", "--once", "--json", *where)

    assert watched.returncode == 0, watched.stderr
    events = [json.loads(line) for line in watched.stdout.splitlines()]
    results = [e["result"] for e in events if e["event"] == "result"]
    assert [r["status"] for r in results] == ["ok"]
    assert run(chain.balance(ME.address, "USDC")) == usdc - 100 * 10**6
    orders = json.loads(swarmfi(tmp_path, "orders", "--all", "--json").stdout)["orders"]
    assert [(o["id"], o["status"], o["chain_id"]) for o in orders] == [(1, "done", 31337)]


def test_killed_rpc_run_resumes_with_the_same_key_only(served, keystore, tmp_path):
    chain, url = served
    reserve_weth, reserve_usdc = run(chain.reserves("WETH", "USDC"))
    usdc = run(chain.balance(ME.address, "USDC"))
    where = ("--rpc", url, "--keystore", str(keystore))
    killed = swarmfi(tmp_path, "run", TEXT, "--yes", *where, failpoint="after_broadcast:2")
    assert killed.returncode == 137  # killed right after broadcasting the approval

    other = swarmfi(tmp_path, "resume", "--json", "--rpc", url, "--account", "1")
    assert other.returncode == 0, other.stderr
    assert json.loads(other.stdout) == {"resumed": []}  # not account 1's run
    resumed = swarmfi(tmp_path, "resume", "--json", *where)
    assert resumed.returncode == 0, resumed.stderr
    assert len(json.loads(resumed.stdout)["resumed"]) == 1

    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        assert ledger.verify().ok
        hashes = [r.payload["tx_hash"] for r in ledger.find("transaction")]
        receipts = [r.payload["tx_hash"] for r in ledger.find("receipt")]
    assert len(set(hashes)) == 3 and sorted(receipts) == sorted(hashes)
    bought = amm_out(10**18, reserve_weth, reserve_usdc)
    assert run(chain.balance(ME.address, "USDC")) - usdc == bought - bought // 2


def test_wrong_keystore_password_is_one_line_exit_2(served, keystore, tmp_path):
    _, url = served
    result = swarmfi(tmp_path, "run", "wrap 1 ETH", "--yes", "--rpc", url,
                     "--keystore", str(keystore), password="not it")
    assert result.returncode == 2
    assert "wrong password for keystore" in one_error_line(result)
    assert "not it" not in result.stdout + result.stderr


def test_unreachable_rpc_is_one_line_exit_5(keystore, tmp_path):
    port = _free_port()  # nobody listens there
    result = swarmfi(tmp_path, "run", "wrap 1 ETH", "--yes", "--rpc",
                     f"http://127.0.0.1:{port}", "--keystore", str(keystore))
    assert result.returncode == 5
    line = one_error_line(result)
    assert f"cannot reach http://127.0.0.1:{port}" in line
    assert "Traceback" not in result.stderr


# ------------------------------------------------ a node that is not the devnet


class _Answers(BaseHTTPRequestHandler):
    """eth_chainId and eth_getCode from the server's `answers`; anything else: an error."""

    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server: Any

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        reply: dict[str, Any] = {"jsonrpc": "2.0", "id": request["id"]}
        if request["method"] in self.server.answers:
            reply["result"] = self.server.answers[request["method"]]
        else:
            reply["error"] = {"code": -32601, "message": "method not found"}
        body = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def other_node() -> Iterator[Any]:
    """A JSON-RPC server on 127.0.0.1 answering what the test puts in `.answers`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    server.daemon_threads = True
    server.answers = {}
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _url(server: Any) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path))
    monkeypatch.delenv("SWARMFI_RPC_URL", raising=False)
    return tmp_path


def test_test_accounts_are_refused_off_the_devnet_chain(other_node, home, capsys):
    other_node.answers = {"eth_chainId": "0x1", "eth_getCode": "0x6080"}
    url = _url(other_node)
    assert cli.run(["run", "wrap 1 ETH", "--yes", "--rpc", url, "--account", "1"]) == 2
    err = capsys.readouterr().err
    assert "--account picks a devnet test account" in err
    assert "chain id 1 (Ethereum)" in err and "pass --keystore PATH" in err
    assert cli.run(["balances", "--rpc", url]) == 2
    assert "pass --keystore PATH" in capsys.readouterr().err
    assert not (home / "ledger.sqlite3").exists()


def test_a_chain_swarmfi_does_not_know_is_a_provider_error(other_node, home, capsys):
    url = _url(other_node)
    other_node.answers = {"eth_chainId": "0x5"}
    assert cli.run(["balances", "--rpc", url]) == 5
    assert f"{url} is chain id 5: swarmfi has no token registry" in capsys.readouterr().err
    other_node.answers = {"eth_chainId": "0x1", "eth_getCode": "0x"}  # mainnet id, no router
    assert cli.run(["balances", "--rpc", url]) == 5
    assert "has no contract at the router address" in capsys.readouterr().err
    other_node.answers = {"eth_chainId": "a teapot"}
    assert cli.run(["balances", "--rpc", url]) == 5
    assert "not a chain id" in capsys.readouterr().err


def test_rpc_options_that_cannot_go_together(home, keystore, capsys):
    assert cli.run(["balances", "--rpc", "http://127.0.0.1:9", "--state", str(home)]) == 2
    assert "--state is the embedded devnet's directory" in capsys.readouterr().err
    assert cli.run(["balances", "--keystore", str(keystore), "--account", "2"]) == 2
    assert "give one of them" in capsys.readouterr().err
    assert cli.run(["balances", "--rpc", "127.0.0.1:8545"]) == 2
    assert "http:// or https:// URL" in capsys.readouterr().err


def test_a_fork_that_cannot_fetch_state_is_a_provider_error(devnet):
    chain, _ = devnet
    dead = RpcChain(f"http://127.0.0.1:{_free_port()}", chain.registry)
    dead.transport = chain.transport  # blocks come from the devnet, the fork reads a dead URL

    async def read_in_sandbox() -> None:
        async with open_sandbox(dead) as sim:
            await sim.balances(ME.address)

    with pytest.raises(ChainProviderError, match="the forked simulation could not read"):
        run(read_in_sandbox())


def test_a_sender_still_has_no_code_after_sending(served):
    """Forks refuse a sender with code (EIP-3607): the node must not give an EOA any."""
    chain, _ = served
    try:
        receipt = run(chain.send(TxRequest(ME.address, test_account(1).address, value=1), ME))
    finally:
        chain.nonces.forget(ME.address)  # the fixture reverts the node
    assert receipt.success
    assert run(chain.rpc("eth_getCode", [ME.address, "latest"])) == "0x"


def _steps(text: str) -> list[Any]:
    from swarmfi.intent import from_canonical
    from swarmfi.intent.parsers import get_parser

    return list(from_canonical(get_parser("embedded")(text)).steps)


def test_value_moving_steps_fail_closed_on_a_chain_without_an_oracle(chain, sender):
    """Mainnet's registry has no price oracle: the USD caps cannot be checked, so block."""
    from dataclasses import replace

    from swarmfi.guard.check import guard
    from swarmfi.guard.policy import Policy

    contracts = {k: v for k, v in chain.registry.contracts.items() if k != "oracle"}
    bare = type(chain)(chain.evm, replace(chain.registry, name="Oracleless", contracts=contracts))
    swap = _steps("swap 1 ETH for USDC")
    assert run(guard(chain, swap, sender, Policy())).violations == ()
    blocked = run(guard(bare, swap, sender, Policy())).violations
    assert [(v.rule, v.step) for v in blocked] == [("max_tx_usd", "step 1 (swap)")]
    assert "Oracleless has no USD price for ETH" in blocked[0].message
    assert run(guard(bare, _steps("how much USDC do I have?"), sender, Policy())).violations == ()


def _feed_only(chain: Any, *symbols: str) -> Any:
    """The chain with its oracle replaced by Chainlink-style feeds (as on mainnet) for
    `symbols`: the devnet's own feeds, found through the oracle."""
    from dataclasses import replace

    from swarmfi.chain.simulation import EvmAccess

    registry = chain.registry
    reader = EvmAccess(chain.evm).reader(registry)
    contracts = {k: v for k, v in registry.contracts.items() if k != "oracle"}
    for symbol in symbols:
        token = registry.token("WETH" if symbol == "ETH" else symbol).address
        feed = reader.view(registry.contract("oracle"), "feeds(address)", (token,), ["address"])
        contracts[f"feed:{symbol}"] = run(feed)
    return type(chain)(chain.evm, replace(registry, name="Feedchain", contracts=contracts))


def test_a_chain_with_price_feeds_values_and_checks_steps_like_one_with_an_oracle(chain, sender):
    from swarmfi.guard.check import guard
    from swarmfi.guard.policy import Policy

    fed = _feed_only(chain, "ETH", "USDC")
    assert [run(fed.price_usd(s)) for s in ("ETH", "WETH", "USDC")] == [3000, 3000, 1]
    swap = _steps("swap 1 ETH for USDC")
    assert run(guard(fed, swap, sender, Policy())).violations == ()
    over = run(guard(fed, _steps("swap 20 ETH for USDC"), sender, Policy())).violations
    assert "max_tx_usd" in {v.rule for v in over}  # 60,000 USD: valued through the feed
    blind = run(guard(fed, _steps("swap 100 DAI for USDC"), sender, Policy())).violations
    assert [(v.rule, v.step) for v in blind] == [("max_tx_usd", "step 1 (swap)")]
    assert "no USD price for DAI" in blind[0].message
    with pytest.raises(PlanError, match="no USD price feed for DAI"):
        run(fed.price_usd("DAI"))


BROKEN_FEED = """# pragma version ~=0.4.3
@external
@view
def decimals() -> uint8:
    return 8


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    return 7, 0, block.timestamp, block.timestamp, 7
"""


def test_a_stale_or_broken_feed_is_refused_not_used(chain, tmp_path):
    from dataclasses import replace

    import pyrevm

    from swarmfi.chain.compile import compile_contract
    from swarmfi.chain.harness import Harness
    from swarmfi.chain.reads import FEED_MAX_AGE_DEFAULT_S

    fed = _feed_only(chain, "ETH", "USDC")
    block = chain.evm.env.block
    later = block.timestamp + FEED_MAX_AGE_DEFAULT_S + 60
    chain.evm.set_block_env(pyrevm.BlockEnv(number=block.number + 1, timestamp=later))
    try:
        with pytest.raises(ChainProviderError, match=r"ETH/USD price .* s old"):
            run(fed.price_usd("ETH"))
        assert run(fed.price_usd("USDC")) == 1  # its feed's heartbeat is a day
    finally:
        chain.evm.set_block_env(block)
    (tmp_path / "BrokenFeed.vy").write_text(BROKEN_FEED)
    harness = Harness(evm=chain.evm, deployer=genesis.DEPLOYER)
    broken = harness.deploy_compiled(compile_contract("BrokenFeed", tmp_path)).address
    contracts = {**fed.registry.contracts, "feed:ETH": broken}
    zero = type(chain)(chain.evm, replace(fed.registry, contracts=contracts))
    with pytest.raises(ChainProviderError, match="no valid price"):
        run(zero.price_usd("ETH"))
