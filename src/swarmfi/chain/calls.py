"""Pure calldata builders for every write swarmfi makes, plus ABI helpers.

Each builder returns a `Call` (target, calldata, ether value); `Call.tx(sender)` makes the
`TxRequest`. Router calls use Uniswap V2's ABI, so the same calldata works on mainnet's
UniswapV2Router02. Nothing here touches a chain.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector

from swarmfi.chain.base import TxRequest

MAX_UINT256 = 2**256 - 1
VOTE_SUPPORT = {"against": 0, "for": 1, "abstain": 2}


@functools.lru_cache(maxsize=256)
def _parse(signature: str) -> tuple[bytes, tuple[str, ...]]:
    inner = signature[signature.index("(") + 1 : signature.rindex(")")]
    types = tuple(t.strip() for t in inner.split(",")) if inner else ()
    return function_signature_to_4byte_selector(signature), types


def selector(signature: str) -> bytes:
    """The 4-byte selector of e.g. "transfer(address,uint256)"."""
    return _parse(signature)[0]


def encode(signature: str, *args: Any) -> bytes:
    """Calldata for `signature` (flat argument types only) with `args`."""
    sel, types = _parse(signature)
    return sel + abi_encode(list(types), list(args))


def decode(types: Sequence[str], data: bytes) -> tuple[Any, ...]:
    """Decode ABI-encoded `data` (return data, or calldata without its selector)."""
    return tuple(abi_decode(list(types), data))


def decode_call(signature: str, data: bytes) -> tuple[Any, ...]:
    """The arguments of calldata built for `signature`; ValueError if the selector differs."""
    sel, types = _parse(signature)
    if data[:4] != sel:
        raise ValueError(f"calldata is not a call to {signature}")
    return decode(types, data[4:])


@dataclass(frozen=True)
class Call:
    """A contract call to make: target, calldata and attached ether."""

    to: str
    data: bytes
    value: int = 0
    label: str = ""
    kind: Literal["call"] = "call"

    def tx(self, sender: str, gas: int | None = None) -> TxRequest:
        return TxRequest(
            sender=sender, to=self.to, data=self.data, value=self.value, gas=gas, label=self.label
        )


# ERC20 and WETH


def approve(token: str, spender: str, amount: int) -> Call:
    return Call(token, encode("approve(address,uint256)", spender, amount), label="approve")


def transfer(token: str, to: str, amount: int) -> Call:
    return Call(token, encode("transfer(address,uint256)", to, amount), label="transfer")


def send_eth(to: str, amount: int) -> Call:
    """A plain ether transfer."""
    return Call(to, b"", amount, label="send ETH")


def wrap(weth: str, amount: int) -> Call:
    return Call(weth, encode("deposit()"), amount, label="wrap")


def unwrap(weth: str, amount: int) -> Call:
    return Call(weth, encode("withdraw(uint256)", amount), label="unwrap")


# Router (Uniswap V2 ABI)

_EXACT_IN = {
    (False, False): "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
    (True, False): "swapExactETHForTokens(uint256,address[],address,uint256)",
    (False, True): "swapExactTokensForETH(uint256,uint256,address[],address,uint256)",
}
_EXACT_OUT = {
    (False, False): "swapTokensForExactTokens(uint256,uint256,address[],address,uint256)",
    (True, False): "swapETHForExactTokens(uint256,address[],address,uint256)",
    (False, True): "swapTokensForExactETH(uint256,uint256,address[],address,uint256)",
}


def _check_path(path: Sequence[str], eth_in: bool, eth_out: bool) -> list[str]:
    if len(path) < 2:
        raise ValueError("a swap path needs at least two tokens")
    if eth_in and eth_out:
        raise ValueError("a swap cannot take and return ether")
    return list(path)


def swap_exact_in(
    router: str,
    path: Sequence[str],
    amount_in: int,
    min_out: int,
    to: str,
    deadline: int,
    *,
    eth_in: bool = False,
    eth_out: bool = False,
) -> Call:
    """Sell exactly `amount_in` of path[0]; eth_in/eth_out mean path[0]/path[-1] is WETH
    and ether is paid/received instead."""
    route = _check_path(path, eth_in, eth_out)
    signature = _EXACT_IN[(eth_in, eth_out)]
    if eth_in:
        return Call(router, encode(signature, min_out, route, to, deadline), amount_in, "swap")
    return Call(router, encode(signature, amount_in, min_out, route, to, deadline), label="swap")


def swap_exact_out(
    router: str,
    path: Sequence[str],
    amount_out: int,
    max_in: int,
    to: str,
    deadline: int,
    *,
    eth_in: bool = False,
    eth_out: bool = False,
) -> Call:
    """Buy exactly `amount_out` of path[-1] spending at most `max_in` of path[0]."""
    route = _check_path(path, eth_in, eth_out)
    signature = _EXACT_OUT[(eth_in, eth_out)]
    if eth_in:
        return Call(router, encode(signature, amount_out, route, to, deadline), max_in, "swap")
    return Call(router, encode(signature, amount_out, max_in, route, to, deadline), label="swap")


def add_liquidity(
    router: str,
    token_a: str,
    token_b: str,
    amount_a: int,
    amount_b: int,
    min_a: int,
    min_b: int,
    to: str,
    deadline: int,
) -> Call:
    sig = "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)"
    data = encode(sig, token_a, token_b, amount_a, amount_b, min_a, min_b, to, deadline)
    return Call(router, data, label="add liquidity")


def add_liquidity_eth(
    router: str,
    token: str,
    amount_token: int,
    amount_eth: int,
    min_token: int,
    min_eth: int,
    to: str,
    deadline: int,
) -> Call:
    sig = "addLiquidityETH(address,uint256,uint256,uint256,address,uint256)"
    data = encode(sig, token, amount_token, min_token, min_eth, to, deadline)
    return Call(router, data, amount_eth, "add liquidity")


def remove_liquidity(
    router: str,
    token_a: str,
    token_b: str,
    liquidity: int,
    min_a: int,
    min_b: int,
    to: str,
    deadline: int,
) -> Call:
    sig = "removeLiquidity(address,address,uint256,uint256,uint256,address,uint256)"
    data = encode(sig, token_a, token_b, liquidity, min_a, min_b, to, deadline)
    return Call(router, data, label="remove liquidity")


def remove_liquidity_eth(
    router: str, token: str, liquidity: int, min_token: int, min_eth: int, to: str, deadline: int
) -> Call:
    sig = "removeLiquidityETH(address,uint256,uint256,uint256,address,uint256)"
    data = encode(sig, token, liquidity, min_token, min_eth, to, deadline)
    return Call(router, data, label="remove liquidity")


# Lending pool


def supply(pool: str, asset: str, amount: int) -> Call:
    return Call(pool, encode("supply(address,uint256)", asset, amount), label="supply")


def withdraw(pool: str, asset: str, amount: int) -> Call:
    """Withdraw `amount` (MAX_UINT256 = everything supplied)."""
    return Call(pool, encode("withdraw(address,uint256)", asset, amount), label="withdraw")


def borrow(pool: str, asset: str, amount: int) -> Call:
    return Call(pool, encode("borrow(address,uint256)", asset, amount), label="borrow")


def repay(pool: str, asset: str, amount: int) -> Call:
    """Repay `amount` (MAX_UINT256 = the whole debt)."""
    return Call(pool, encode("repay(address,uint256)", asset, amount), label="repay")


# Governance and launchpad


def vote(governor: str, proposal_id: int, support: str) -> Call:
    """Vote "for", "against" or "abstain" on `proposal_id`."""
    if support not in VOTE_SUPPORT:
        raise ValueError(f"support must be one of {sorted(VOTE_SUPPORT)}, not {support!r}")
    data = encode("castVote(uint256,uint8)", proposal_id, VOTE_SUPPORT[support])
    return Call(governor, data, label="vote")


def delegate(govtoken: str, delegatee: str) -> Call:
    return Call(govtoken, encode("delegate(address)", delegatee), label="delegate")


def launch(
    launchpad: str, name: str, symbol: str, supply: int, community_bps: int, target_raise_wei: int
) -> Call:
    sig = "launch(string,string,uint256,uint256,uint256)"
    data = encode(sig, name, symbol, supply, community_bps, target_raise_wei)
    return Call(launchpad, data, label="launch")


def buy(launchpad: str, token: str, eth_in: int, min_tokens_out: int) -> Call:
    data = encode("buy(address,uint256)", token, min_tokens_out)
    return Call(launchpad, data, eth_in, "buy")


def sell(launchpad: str, token: str, amount: int, min_eth_out: int) -> Call:
    data = encode("sell(address,uint256,uint256)", token, amount, min_eth_out)
    return Call(launchpad, data, label="sell")
