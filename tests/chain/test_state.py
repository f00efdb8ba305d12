"""Whole-EVM state dumps: exact round trips, and files that fail loudly."""

from __future__ import annotations

import pyrevm
import pytest

from swarmfi.chain.harness import Harness
from swarmfi.chain.state import (
    StateDump,
    StateTracker,
    read_dump,
    read_file,
    write_dump,
    write_file,
)
from swarmfi.errors import StateError


def _market(h: Harness) -> dict:
    alice = h.new_account(eth=10**21)
    weth = h.deploy("WETH")
    usdc = h.deploy("ERC20", "USD Coin", "USDC", 6, 10**15, h.deployer, sender=h.deployer)
    factory = h.deploy("Factory", h.deploy_blueprint("Pair"))
    usdc.transact.transfer(alice, 5 * 10**9, sender=h.deployer)
    weth.transact.deposit(sender=alice, value=3 * 10**18)
    return {"alice": alice, "weth": weth, "usdc": usdc, "factory": factory}


def _restore(dump: StateDump, deployer: str) -> Harness:
    evm = pyrevm.EVM(spec_id="PRAGUE")
    StateTracker().load(evm, dump)
    return Harness(evm=evm, deployer=deployer)


def test_dump_restores_balances_nonces_code_and_storage(tmp_path):
    h = Harness()
    m = _market(h)
    dump = StateTracker().dump(h.evm, {"block": 7})
    write_dump(tmp_path / "s", dump)
    again = read_dump(tmp_path / "s")
    assert again.accounts == dump.accounts
    assert again.meta == {"block": 7}
    h2 = _restore(again, h.deployer)
    assert h2.at("ERC20", m["usdc"].address).call.balanceOf(m["alice"]) == 5 * 10**9
    assert h2.at("WETH", m["weth"].address).call.balanceOf(m["alice"]) == 3 * 10**18
    assert h2.eth(m["alice"]) == h.eth(m["alice"])
    assert h2.evm.basic(h.deployer).nonce == h.evm.basic(h.deployer).nonce
    for address in dump.accounts:
        assert h2.evm.basic(address).code_hash == h.evm.basic(address).code_hash


def test_restored_blueprint_still_creates_pairs():
    h = Harness()
    m = _market(h)
    h2 = _restore(StateTracker().dump(h.evm), h.deployer)
    factory = h2.at("Factory", m["factory"].address)
    pair = factory.transact.createPair(m["weth"].address, m["usdc"].address).output
    assert h2.at("Pair", pair).call.token0() in (m["weth"].address, m["usdc"].address)


def test_a_second_dump_keeps_slots_loaded_but_never_touched():
    h = Harness()
    m = _market(h)
    tracker = StateTracker()
    first = tracker.dump(h.evm)
    evm = pyrevm.EVM(spec_id="PRAGUE")
    reloaded = StateTracker(first)
    reloaded.load(evm, first)
    h2 = Harness(evm=evm, deployer=h.deployer)
    bob = "0x" + "b0" * 20
    h2.at("ERC20", m["usdc"].address).transact.transfer(bob, 7, sender=m["alice"])
    h3 = _restore(reloaded.dump(evm), h.deployer)
    usdc = h3.at("ERC20", m["usdc"].address)
    assert (usdc.call.balanceOf(bob), usdc.call.balanceOf(m["alice"])) == (7, 5 * 10**9 - 7)
    assert usdc.call.balanceOf(h.deployer) == 10**15 - 5 * 10**9
    assert h3.at("WETH", m["weth"].address).call.balanceOf(m["alice"]) == 3 * 10**18


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "dir" / "chain.state"
    write_file(path, {"n": 1})
    write_file(path, {"n": 2})
    assert read_file(path) == {"n": 2}
    assert [p.name for p in path.parent.iterdir()] == ["chain.state"]


@pytest.mark.parametrize(
    ("mangle", "why"),
    [
        (lambda raw: raw[: len(raw) // 2], "checksum"),
        (lambda raw: raw.replace(b'"n":1', b'"n":2'), "checksum"),
        (lambda raw: b"garbage\n" + raw, "header"),
        (lambda raw: raw.replace(b"swarmfi-devnet-state", b"something-else"), "not a"),
        (lambda raw: raw.replace(b'"version": 1', b'"version": 99'), "version"),
    ],
)
def test_corrupt_file_is_state_error_naming_path_and_reset(tmp_path, mangle, why):
    path = tmp_path / "chain.state"
    write_file(path, {"n": 1, "pad": "x" * 1000})
    path.write_bytes(mangle(path.read_bytes()))
    with pytest.raises(StateError, match=why) as info:
        read_file(path)
    assert str(path) in info.value.one_line()
    assert "swarmfi devnet reset" in info.value.one_line()


def test_missing_file_is_state_error(tmp_path):
    with pytest.raises(StateError, match="cannot read devnet state file"):
        read_file(tmp_path / "nope.state")
