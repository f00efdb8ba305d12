"""The devnet as a Chain: state kept across processes, loud failures, CLI, sync wrapper."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap

import pytest

from swarmfi.chain import calls
from swarmfi.chain.devnet import CHAIN_FILE, GENESIS_FILE, open_devnet, reset
from swarmfi.chain.sync import SyncChain, run_sync
from swarmfi.chain.wallet import test_account
from swarmfi.cli import run as cli
from swarmfi.errors import BugError, StateError, UserInputError

ME = test_account(0)
E18 = 10**18
SWAP_AND_PRINT = textwrap.dedent(
    """
    import asyncio, sys
    from swarmfi.chain import calls
    from swarmfi.chain.devnet import open_devnet
    from swarmfi.chain.wallet import test_account

    async def main(state, swap):
        chain = open_devnet(state)
        me = test_account(0)
        r = chain.registry
        if swap:
            path = [r.token("WETH").address, r.token("USDC").address]
            deadline = await chain.timestamp() + 600
            call = calls.swap_exact_in(r.contract("router"), path, 10**18, 1, me.address,
                                       deadline, eth_in=True)
            assert (await chain.send(call.tx(me.address), me)).success
        print(await chain.balance(me.address, "USDC"), await chain.block_number())
        await chain.close()

    asyncio.run(main(sys.argv[1], sys.argv[2] == "swap"))
    """
)


def _in_subprocess(state, action: str) -> tuple[int, int]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", SWAP_AND_PRINT, str(state), action],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    usdc, block = done.stdout.split()
    return int(usdc), int(block)


def test_a_swap_in_one_process_is_seen_by_the_next(tmp_path):
    usdc_after, block_after = _in_subprocess(tmp_path, "swap")
    assert usdc_after > 100_000 * 10**6 + 2_900 * 10**6
    assert _in_subprocess(tmp_path, "read") == (usdc_after, block_after)


def test_state_persists_in_process_and_keeps_receipts(tmp_path):
    chain = open_devnet(tmp_path)
    weth = chain.registry.token("WETH").address
    receipt = run_sync(chain.send(calls.wrap(weth, E18).tx(ME.address), ME))
    run_sync(chain.close())
    again = open_devnet(tmp_path)
    assert run_sync(again.balance(ME.address, "WETH")) == 11 * E18
    found = run_sync(again.rpc("eth_getTransactionReceipt", [receipt.tx_hash]))
    assert found["status"] == "0x1"
    run_sync(again.close())


def test_corrupt_state_file_is_state_error_naming_it_and_reset(tmp_path):
    run_sync(open_devnet(tmp_path).close())
    state = tmp_path / CHAIN_FILE
    state.write_bytes(state.read_bytes()[:-5])
    with pytest.raises(StateError) as info:
        open_devnet(tmp_path)
    assert str(state) in info.value.one_line()
    assert "swarmfi devnet reset" in info.value.one_line()
    assert state.exists()  # never silently replaced
    run_sync(open_devnet(tmp_path / "other").close())  # and the lock was released


def test_missing_genesis_file_is_state_error(tmp_path):
    run_sync(open_devnet(tmp_path).close())
    (tmp_path / GENESIS_FILE).unlink()
    with pytest.raises(StateError, match="missing"):
        open_devnet(tmp_path)


def test_one_process_at_a_time_holds_a_state_directory(tmp_path):
    first = open_devnet(tmp_path)
    with pytest.raises(UserInputError, match=f"pid {os.getpid()}"):
        open_devnet(tmp_path)
    run_sync(first.close())
    run_sync(open_devnet(tmp_path).close())


def test_reset_starts_again_from_genesis(tmp_path):
    chain = open_devnet(tmp_path)
    weth = chain.registry.token("WETH").address
    run_sync(chain.send(calls.wrap(weth, E18).tx(ME.address), ME))
    run_sync(chain.close())
    reset(tmp_path)
    assert not (tmp_path / CHAIN_FILE).exists()
    fresh = open_devnet(tmp_path)
    assert run_sync(fresh.balance(ME.address, "WETH")) == 10 * E18
    run_sync(fresh.close())


def test_cli_info_json_lists_addresses_and_never_keys(tmp_path, capsys):
    assert cli(["devnet", "info", "--json", "--state", str(tmp_path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["chain_id"] == 31337
    assert set(info["contracts"]) == {
        "router",
        "factory",
        "weth",
        "lending",
        "oracle",
        "governor",
        "govtoken",
        "launchpad",
    }
    assert [t["symbol"] for t in info["tokens"]][:3] == ["USDC", "USDT", "DAI"]
    assert info["accounts"][0] == ME.address
    assert info["started"] is False
    key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
    assert key not in json.dumps(info)


def test_cli_reset_yes_deletes_state(tmp_path, capsys):
    run_sync(open_devnet(tmp_path).close())
    assert cli(["devnet", "reset", "--yes", "--state", str(tmp_path)]) == 0
    assert not (tmp_path / CHAIN_FILE).exists()
    assert "deleted" in capsys.readouterr().out


def test_sync_wrapper_runs_the_async_methods():
    with SyncChain(open_devnet(persist=False)) as chain:
        assert chain.balance(ME.address, "USDC") == 100_000 * 10**6
        assert chain.registry.chain_id == 31337
        assert chain.block_number() == 1


def test_run_sync_refuses_to_run_inside_an_event_loop():
    async def inner() -> None:
        run_sync(asyncio.sleep(0))

    with pytest.raises(BugError, match="inside a running event loop"):
        asyncio.run(inner())


def test_node_accepts_block_hash_parameters():
    chain = open_devnet(persist=False)
    head = run_sync(chain.latest_block())
    by_hash = run_sync(chain.rpc("eth_getBalance", [ME.address, {"blockHash": head["hash"]}]))
    assert int(by_hash, 16) == 10_000 * E18
    with pytest.raises(Exception, match="not found"):
        run_sync(chain.rpc("eth_getBalance", [ME.address, {"blockHash": "0x" + "11" * 32}]))


def _wrap(chain, amount: int) -> None:
    weth = chain.registry.token("WETH").address
    assert run_sync(chain.send(calls.wrap(weth, amount).tx(ME.address), ME)).success


def test_a_long_history_is_compacted_into_a_base_with_the_same_state(tmp_path):
    chain = open_devnet(tmp_path)
    for i in range(4):
        _wrap(chain, (i + 1) * E18)
    before = run_sync(chain.balances(ME.address)), run_sync(chain.latest_block())
    run_sync(chain.close())
    compacted = open_devnet(tmp_path, compact_at=3)
    assert sorted(p.name for p in tmp_path.glob("base-*.state")) == ["base-1.state"]
    after = run_sync(compacted.balances(ME.address)), run_sync(compacted.latest_block())
    assert after[0] == before[0]
    assert (after[1]["number"], after[1]["timestamp"]) == (
        before[1]["number"],
        before[1]["timestamp"],
    )
    _wrap(compacted, E18)
    expected = run_sync(compacted.balances(ME.address)), run_sync(compacted.block_number())
    run_sync(compacted.close())
    again = open_devnet(tmp_path, compact_at=3)
    assert (run_sync(again.balances(ME.address)), run_sync(again.block_number())) == expected
    assert run_sync(again.balance(ME.address, "WETH")) == 21 * E18
    run_sync(again.close())


def test_a_base_that_is_missing_is_state_error(tmp_path):
    chain = open_devnet(tmp_path)
    for _ in range(3):
        _wrap(chain, E18)
    run_sync(chain.close())
    run_sync(open_devnet(tmp_path, compact_at=2).close())
    (tmp_path / "base-1.state").unlink()
    with pytest.raises(StateError, match=r"base-1\.state"):
        open_devnet(tmp_path)
