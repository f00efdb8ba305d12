"""Reads and comparisons for the dev-set end-to-end test: what a wallet, a lending
position, LP tokens and recipients hold at a block, the gas an account paid, and
the answers a query must give, each read straight from the chain."""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from devset_model import Expected

from swarmfi.chain import calls, genesis
from swarmfi.chain.base import TxRequest
from swarmfi.chain.wallet import test_account

ME = test_account(0)
ROUNDING = 2  # raw units a lending position may be off by (scaled balances, index rounding)


async def view(chain: Any, to: str, signature: str, args: tuple[Any, ...], out: list[str]) -> Any:
    data = await chain.call(TxRequest(ME.address, to, calls.encode(signature, *args)))
    values = calls.decode(out, data)
    return values[0] if len(values) == 1 else values


async def gas_paid(chain: Any, who: str, after_block: int, last_block: int) -> int:
    """Wei `who` paid for gas in blocks after_block+1 .. last_block."""
    total = 0
    for number in range(after_block + 1, last_block + 1):
        block = await chain.rpc("eth_getBlockByNumber", [hex(number), True])
        for tx in block["transactions"]:
            if tx["from"].lower() == who.lower():
                receipt = await chain.rpc("eth_getTransactionReceipt", [tx["hash"]])
                total += int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
    return total


@dataclass
class Seen:
    """The state the checks compare: the wallet, the lending position, LP tokens held,
    what recipients hold, at one block."""

    block: int
    wallet: dict[str, int]
    supplied: dict[str, int]
    borrowed: dict[str, int]
    lp: dict[str, int]
    others: dict[str, dict[str, int]]


async def look(chain: Any, expected: Expected) -> Seen:
    position = await chain.position(ME.address)
    lp = {pair: await view(chain, pair, "balanceOf(address)", (ME.address,), ["uint256"])
          for pair in expected.lp}
    others = {who: {s: await chain.balance(who, s) for s in tokens}
              for who, tokens in expected.others.items()}
    return Seen(await chain.block_number(), await chain.balances(ME.address),
                dict(position.supplied), dict(position.borrowed), lp, others)


def moved(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in {*before, *after}
            if after.get(k, 0) != before.get(k, 0)}


def nonzero(counter: Counter[str]) -> dict[str, int]:
    return {k: v for k, v in counter.items() if v}


async def assert_moved_as_expected(chain: Any, before: Seen, expected: Expected) -> None:
    after = await look(chain, expected)
    wallet = Counter(moved(before.wallet, after.wallet))
    wallet["ETH"] += await gas_paid(chain, ME.address, before.block, after.block)
    assert nonzero(wallet) == nonzero(expected.wallet)
    assert moved(before.lp, after.lp) == nonzero(expected.lp)
    for who, tokens in expected.others.items():
        assert moved(before.others[who], after.others[who]) == nonzero(tokens)
    for seen, want in (("supplied", expected.supplied), ("borrowed", expected.borrowed)):
        change = moved(getattr(before, seen), getattr(after, seen))
        for asset in {*change, *want}:
            assert abs(change.get(asset, 0) - want[asset]) <= ROUNDING, (seen, asset, change)


# ---------------------------------------------------------------- query answers


def numbers(value: Any) -> Any:
    """`value` with every numeric string as a Decimal (so "3000" equals "3000.0")."""
    if isinstance(value, dict):
        return {k: numbers(v) for k, v in value.items()}
    try:
        return Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        return value


def units(chain: Any, symbol: str, amount: int) -> str:
    return str(Decimal(amount) / 10 ** chain.registry.token(symbol).decimals)


async def price_answer(chain: Any, token: str) -> dict[str, str]:
    return {token: str(await chain.price_usd(token))}


async def balance_answer(chain: Any, token: str | None) -> dict[str, str]:
    held = await chain.balances(ME.address)
    return {s: units(chain, s, held[s]) for s in chain.registry.symbols()}


async def rates_answer(chain: Any, token: str) -> dict[str, Any]:
    supply, borrow = await chain.rates(token)
    return {token: {"supply_apy": str(supply), "borrow_apy": str(borrow)}}


async def position_answer(chain: Any, token: str | None) -> dict[str, Any]:
    p = await chain.position(ME.address)
    assert p.supplied and p.borrowed  # the setup gave it both sides

    def held(by_asset: Any) -> dict[str, str]:
        return {s: units(chain, s, v) for s, v in by_asset.items()}

    return {"supplied": held(p.supplied), "borrowed": held(p.borrowed),
            "collateral_usd": str(p.collateral_usd), "debt_usd": str(p.debt_usd),
            "available_borrow_usd": str(p.available_borrow_usd),
            "health_factor": str(p.health_factor)}


async def proposals_answer(chain: Any, token: str | None) -> dict[str, Any]:
    found = await chain.proposals()
    assert [p.id for p in found] == list(range(1, len(genesis.PROPOSALS) + 1))
    return {str(p.id): {"description": p.description, "state": p.state,
                        "for": str(p.votes_for), "against": str(p.votes_against),
                        "abstain": str(p.votes_abstain)} for p in found}


async def pools_answer(chain: Any, token: str | None) -> dict[str, Any]:
    """Every genesis pool (and no other) with its reserves, keyed in registry order."""
    order = chain.registry.symbols()
    answer = {}
    for pair in genesis.POOLS:
        a, b = sorted(pair[:2], key=order.index)
        reserve_a, reserve_b = await chain.reserves(a, b)
        answer[f"{a}/{b}"] = {a: units(chain, a, reserve_a), b: units(chain, b, reserve_b)}
    return answer


ANSWERS = {"price": price_answer, "balance": balance_answer, "rates": rates_answer,
           "position": position_answer, "proposals": proposals_answer, "pools": pools_answer}
