"""Roles of noun phrases in a clause, and references to earlier steps' output.

"half of it", "the USDC", "换到的USDC", or a bare "supply half" after a swap all
point at what an earlier step produced; this module finds which step and turns
the phrase into a token and a canonical amount.
"""

from __future__ import annotations

from decimal import Decimal

from swarmfi.intent import tokens
from swarmfi.intent.canon import fmt_decimal
from swarmfi.intent.grammar import NP, Item, ambiguous, invalid, unclear
from swarmfi.intent.lexer import Tok

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs ~20 ms
if TYPE_CHECKING:
    from typing import Any

_MARKER_ROLES = {"p.to": "to", "p.for": "for", "p.with": "with", "p.from": "from", "p.on": "on",
                 "p.ba": "ba", "p.give": "give", "s.against": "against", "c.and": "and",
                 "p.of": "of"}  # fmt: skip


class Role:
    """An NP and how it is attached: after a marker, right after the verb, or before it."""

    __slots__ = ("index", "np", "role")

    def __init__(self, np: NP, role: str, index: int) -> None:
        self.np, self.role, self.index = np, role, index


def roles(items: list[Item], verb: Tok | None) -> list[Role]:
    """Each NP in `items` with its role ("to", "with", "direct", "pre", "post", ...)."""
    out: list[Role] = []
    verb_at = next((k for k, it in enumerate(items) if it is verb), -1)
    for k, item in enumerate(items):
        if not isinstance(item, NP):
            continue
        out.append(Role(item, _role(items, k, verb_at), k))
    return out


def _role(items: list[Item], k: int, verb_at: int) -> str:
    prev = items[k - 1] if k else None
    if isinstance(prev, Tok):
        if k - 1 == verb_at:
            return "direct"
        if prev.tag in _MARKER_ROLES:
            return _MARKER_ROLES[prev.tag]
    if verb_at < 0 or k < verb_at:
        return "pre"
    return "post"


def is_place(np: NP) -> bool:
    """A phrase that only names a venue: "the lending pool", "Uniswap"."""
    return not np.has_qty and np.token is None and np.pair is None and not np.ref


def places(rs: list[Role]) -> set[str]:
    """Which kinds of place the clause names: "lending", "pool"."""
    found: set[str] = set()
    for r in rs:
        nouns = r.np.nouns
        if "n.lending" in nouns or (r.role == "from" and "n.supplied" in nouns):
            found.add("lending")  # "pull 1 WETH out of my deposit": out of the lending market
        if r.np.pair is not None or nouns & {"n.pool", "n.liquidity"}:
            found.add("pool")
    return found


# ---- references -------------------------------------------------------------


_PLURAL = frozenset({
    "them", "those", "these", "all of them",
    "它们", "这些", "那些", "把它们", "将它们", "把这些", "把那些",
})  # fmt: skip


def _producer(prior: list[dict[str, Any]], symbol: str | None) -> int | None:
    """The step whose output a reference means; refused when that is not one clear step:
    "it" after a step that made two tokens, "the USDC" made by two steps, or an output
    that a later step has already partly used."""
    found = [i for i, step in enumerate(prior) if tokens.produced(step)
             and (symbol is None or symbol in tokens.produced(step))]  # fmt: skip
    if not found:
        return None
    index = found[-1]
    made = tokens.produced(prior[index])
    if symbol is None and len(made) > 1:
        raise unclear(f"'it' could mean {' or '.join(made)} from step {index + 1}: name the token")
    if symbol is None and len(found) > 1:
        before = tokens.produced(prior[found[-2]])
        if not set(before) & set(tokens.spent(prior[index])):  # not a chain: two outputs
            raise unclear(f"'it' could mean what step {found[-2] + 1} or step {index + 1} "
                          "produced: name the token")  # fmt: skip
    if symbol is not None and len(found) > 1:
        raise unclear(f"{symbol} comes from more than one earlier step: say how much {symbol}")
    token = symbol or made[0]
    if any(token in tokens.spent(step) for step in prior[index + 1 :]):
        raise unclear(f"part of the {token} from step {index + 1} is already used by a later "
                      f"step: say how much {token}")  # fmt: skip
    return index


def reference(np: NP, prior: list[dict[str, Any]]) -> int | None:
    """The index of the earlier step this phrase refers to, or None for the wallet."""
    if np.my:
        return None
    if np.ref:
        plural = any(t.tag == "r.it" and t.text.lower() in _PLURAL for t in np.toks)
        if plural and np.token is None and sum(1 for p in prior if tokens.produced(p)) > 1:
            raise unclear("'them' could mean the output of more than one step: name the tokens")
        found = _producer(prior, np.token)
        if found is None:
            what = f"'{np.token}'" if np.token else "it"
            raise ambiguous(f"{what} does not match what an earlier step produces: name the token")
        return found
    if np.definite and np.token is not None:
        return _producer(prior, np.token)
    if np.token is None and np.pair is None and np.kind in ("value", "usd") and prior:
        raise ambiguous(f"say which token '{np.text}' is of")  # "then 2 for DAI": 2 what?
    if np.token is None and np.pair is None and np.kind is not None and prior:
        found = _producer(prior, None)
        if found is None:
            raise ambiguous("say which token the amount is of")
        return found
    return None


def resolve(np: NP, prior: list[dict[str, Any]]) -> tuple[str | None, dict[str, Any] | None]:
    """(token, canonical amount) of a phrase; amount None when no quantity was given."""
    if np.worth and np.unit_token not in (None, np.token):  # "send 100 USDC worth of ETH"
        raise unclear(
            f"an amount of {np.token} given in {np.unit_token} is understood only when buying "
            f"{np.token}: say how much {np.token}, or a dollar amount such as '$100 of {np.token}'"
        )
    index = reference(np, prior)
    token = np.token
    if index is not None:
        made = tokens.produced(prior[index])
        token = token or made[0]
    if np.vague:
        raise ambiguous(f"say how much{f' {token}' if token else ''}: 'some' is not an amount")
    if np.kind is None:
        if index is not None:
            return token, {"fraction": Decimal(1), "of_step": index}
        return token, None
    return token, amount(np, index)


def amount(np: NP, of_step: int | None) -> dict[str, Any]:
    """The canonical amount of a phrase with a quantity (checked)."""
    value = np.amount
    assert value is not None and np.kind is not None
    if value <= 0:
        raise invalid("an amount must be more than zero")
    if np.kind == "fraction":
        if value > 1:
            raise invalid(f"{fmt_decimal(value * 100)}% is more than everything: give at most 100%")
        out: dict[str, Any] = {"fraction": value}
        if of_step is not None:
            out["of_step"] = of_step
        return out
    return {np.kind: value}
