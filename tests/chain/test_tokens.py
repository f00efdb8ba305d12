from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.chain.harness import Harness, RevertError, decode_revert
from swarmfi.errors import SimulationError

E18 = 10**18


def deploy_token(h: Harness, minter: str | None = None, supply: int = 1_000_000 * 10**6):
    return h.deploy("ERC20", "USD Coin", "USDC", 6, supply, minter or h.deployer)


def test_erc20_metadata_and_initial_supply(h):
    token = deploy_token(h)
    assert token.call.name() == "USD Coin"
    assert token.call.symbol() == "USDC"
    assert token.call.decimals() == 6
    assert token.call.totalSupply() == 10**12
    assert token.call.balanceOf(h.deployer) == 10**12
    assert token.call.minter() == h.deployer


def test_erc20_transfer_moves_balance_and_logs(h):
    token = deploy_token(h)
    bob = h.new_account()
    result = token.transact.transfer(bob, 250, sender=h.deployer)
    assert result.output is True
    assert token.call.balanceOf(bob) == 250
    assert token.call.balanceOf(h.deployer) == 10**12 - 250
    (event,) = result.named("Transfer")
    assert event.args == {"sender": h.deployer, "receiver": bob, "value": 250}
    assert event.address == token.address


def test_erc20_transfer_over_balance_reverts_with_reason(h):
    token = deploy_token(h)
    bob = h.new_account()
    with pytest.raises(RevertError) as info:
        token.transact.transfer(h.deployer, 1, sender=bob)
    assert info.value.reason == "ERC20: transfer amount exceeds balance"
    assert "ERC20.transfer reverted: ERC20: transfer amount exceeds balance" in str(info.value)
    assert isinstance(info.value, SimulationError)


def test_erc20_allowance_flow(h):
    token = deploy_token(h)
    spender, bob = h.new_account(), h.new_account()
    result = token.transact.approve(spender, 100, sender=h.deployer)
    assert result.named("Approval")[0].args["value"] == 100
    token.transact.transferFrom(h.deployer, bob, 60, sender=spender)
    assert token.call.allowance(h.deployer, spender) == 40
    assert token.call.balanceOf(bob) == 60
    with pytest.raises(RevertError, match="ERC20: insufficient allowance"):
        token.transact.transferFrom(h.deployer, bob, 41, sender=spender)


def test_erc20_infinite_allowance_is_not_spent(h):
    token = deploy_token(h)
    spender = h.new_account()
    token.transact.approve(spender, 2**256 - 1, sender=h.deployer)
    token.transact.transferFrom(h.deployer, spender, 10, sender=spender)
    assert token.call.allowance(h.deployer, spender) == 2**256 - 1


def test_erc20_only_minter_mints(h):
    faucet, bob = h.new_account(), h.new_account()
    token = deploy_token(h, minter=faucet, supply=0)
    token.transact.mint(bob, 5 * 10**6, sender=faucet)
    assert token.call.balanceOf(bob) == 5 * 10**6
    assert token.call.totalSupply() == 5 * 10**6
    with pytest.raises(RevertError, match="ERC20: caller is not the minter"):
        token.transact.mint(bob, 1, sender=bob)
    token.transact.setMinter(bob, sender=faucet)
    token.transact.mint(bob, 1, sender=bob)
    with pytest.raises(RevertError, match="not the minter"):
        token.transact.mint(bob, 1, sender=faucet)


def test_erc20_rejects_transfer_to_zero_address(h):
    token = deploy_token(h)
    with pytest.raises(RevertError, match="transfer to the zero address"):
        token.transact.transfer("0x" + "00" * 20, 1, sender=h.deployer)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 2 * 10**12)),
        max_size=12,
    )
)
def test_erc20_supply_equals_sum_of_balances(moves):
    h = Harness()
    people = [h.deployer] + [h.new_account() for _ in range(3)]
    token = deploy_token(h, supply=10**12)
    for src, dst, amount in moves:
        before = token.call.balanceOf(people[src])
        try:
            token.transact.transfer(people[dst], amount, sender=people[src])
        except RevertError as exc:
            assert amount > before
            assert exc.reason == "ERC20: transfer amount exceeds balance"
    assert sum(token.call.balanceOf(p) for p in people) == token.call.totalSupply() == 10**12


def test_weth_deposit_withdraw_round_trip(h):
    weth = h.deploy("WETH")
    alice = h.new_account(eth=10 * E18)
    result = weth.transact.deposit(sender=alice, value=3 * E18)
    assert result.named("Deposit")[0].args == {"dst": alice, "wad": 3 * E18}
    assert weth.call.balanceOf(alice) == 3 * E18
    assert h.eth(alice) == 7 * E18
    assert weth.call.totalSupply() == 3 * E18 == h.eth(weth.address)
    weth.transact.withdraw(E18, sender=alice)
    assert weth.call.balanceOf(alice) == 2 * E18
    assert h.eth(alice) == 8 * E18
    with pytest.raises(RevertError, match="WETH: withdraw amount exceeds balance"):
        weth.transact.withdraw(5 * E18, sender=alice)


def test_weth_metadata_and_plain_ether_wraps(h):
    weth = h.deploy("WETH")
    assert (weth.call.name(), weth.call.symbol(), weth.call.decimals()) == (
        "Wrapped Ether",
        "WETH",
        18,
    )
    alice = h.new_account(eth=E18)
    h.transact_raw(weth.address, b"", sender=alice, value=E18 // 2)
    assert weth.call.balanceOf(alice) == E18 // 2


def test_weth_transfer_from_needs_allowance(h):
    weth = h.deploy("WETH")
    alice, bob = h.new_account(eth=E18), h.new_account()
    weth.transact.deposit(sender=alice, value=E18)
    with pytest.raises(RevertError, match="WETH: insufficient allowance"):
        weth.transact.transferFrom(alice, bob, 1, sender=bob)
    weth.transact.approve(bob, 10, sender=alice)
    weth.transact.transferFrom(alice, bob, 10, sender=bob)
    assert weth.call.balanceOf(bob) == 10
    assert weth.call.allowance(alice, bob) == 0


def test_snapshot_revert_restores_state_and_time(h):
    token = deploy_token(h)
    bob = h.new_account()
    snap = h.snapshot()
    start = h.timestamp, h.block_number
    token.transact.transfer(bob, 7, sender=h.deployer)
    h.warp(3600)
    assert h.timestamp == start[0] + 3600
    assert h.block_number == start[1] + 1
    h.revert(snap)
    assert token.call.balanceOf(bob) == 0
    assert (h.timestamp, h.block_number) == start


def test_call_does_not_change_state(h):
    token = deploy_token(h)
    bob = h.new_account()
    assert token.call.transfer(bob, 9, sender=h.deployer) is True
    assert token.call.balanceOf(bob) == 0


def test_wrong_argument_count_is_a_type_error(h):
    token = deploy_token(h)
    with pytest.raises(TypeError, match="takes 1 arguments, got 2"):
        token.call.balanceOf(h.deployer, 1)
    with pytest.raises(AttributeError):
        token.call.nope()


def test_decode_revert_shapes():
    assert decode_revert(b"") == "reverted without a reason"
    panic = bytes.fromhex("4e487b71") + (0x11).to_bytes(32, "big")
    assert decode_revert(panic) == "panic 0x11"
    assert decode_revert(b"\x12\x34\x56\x78").startswith("custom error 0x12345678")


def test_failed_deploy_raises_revert_error(h):
    poor = h.new_account(eth=0)
    with pytest.raises(RevertError, match="deploy WETH"):
        h.deploy("WETH", sender=poor, value=1)
