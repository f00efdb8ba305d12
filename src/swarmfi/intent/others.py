"""Builders for launch, vote and query, which read their clause token by token."""

from __future__ import annotations

import itertools
from decimal import Decimal

from swarmfi.intent import tokens
from swarmfi.intent.grammar import ambiguous, invalid, is_cjk_token, unclear
from swarmfi.intent.lexer import Tok

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs ~20 ms
if TYPE_CHECKING:
    from typing import Any

    Step = dict[str, Any]


# ---- launch: protect the name and symbol before anything else reads them ------------

_NAME_STOP = frozenset({"punct", "p.with", "n.symbol", "n.supply", "n.community", "n.fdv",
                        "c.and", "c.then", "p.on", "p.for", "p.to", "num", "usd", "pct",
                        "k.if", "n.name", "t.period", "t.every", "symbol"})  # fmt: skip
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "「": "」", "『": "』", "《": "》", "【": "】"}
_LEAD = frozenset({"d.a", "d.the", "n.token", "f", "n.name"})


def protect_launch(toks: list[Tok], text: str) -> list[Tok]:
    """Replace the launched token's name and symbol with single ``name``/``symbol`` tokens."""
    verb = next((i for i, t in enumerate(toks) if t.tag == "v.launch"), None)
    if verb is None:
        return toks
    toks = _protect_symbol(toks)
    for tok in toks[verb:]:
        if tok.tag == "v.supply" and tok.text.lower() == "supply":
            tok.tag = "n.supply"  # "launch X ... supply 100 million"
    named = next((i for i, t in enumerate(toks) if t.tag == "n.name" and i > verb), None)
    start = (named if named is not None else verb) + 1
    while start < len(toks) and toks[start].tag in _LEAD and named is None:
        start += 1
    end = _name_end(toks, start, explicit=named is not None)
    if end > start:
        name = " ".join(text[toks[start].start : toks[end - 1].end].split())
        name = name.strip(" \"'“”‘’「」『』《》【】")
        toks = [*toks[:start], Tok("name", name, toks[start].start, toks[end - 1].end), *toks[end:]]
    return toks


def _name_end(toks: list[Tok], start: int, explicit: bool) -> int:
    if start < len(toks) and toks[start].text in _QUOTES:
        close = _QUOTES[toks[start].text]
        end = next((k for k in range(start + 1, len(toks)) if toks[k].text == close), -1)
        return end + 1 if end > 0 else start
    end = start
    while (
        end < len(toks)
        and toks[end].tag not in _NAME_STOP
        and toks[end].text not in ("(", "（", "$")
    ):
        chinese_noun = toks[end].tag == "n.token" and not toks[end].text.isascii()
        if toks[end].text == "的" or (chinese_noun and not explicit):
            break
        end += 1
    return end


def _protect_symbol(toks: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.text in ("(", "（") and i + 2 < len(toks) and toks[i + 2].text in (")", "）"):
            out.append(Tok("symbol", toks[i + 1].text.lstrip("$"), tok.start, toks[i + 2].end))
            i += 3
            continue
        if tok.tag == "n.symbol" and i + 1 < len(toks):
            j = i + 1
            while j < len(toks) and (
                toks[j].text in (":", "=", "$", "is", "为", "是") or toks[j].tag == "f"
            ):
                j += 1
            if j < len(toks) and toks[j].tag in ("word", "tok", "cjk", "num"):
                out.append(Tok("symbol", toks[j].text, tok.start, toks[j].end))
                i = j + 1
                continue
        out.append(tok)
        i += 1
    return out


def launch(toks: list[Tok]) -> tuple[Step, set[int]]:
    """A community token launch: name, symbol, and optional supply, share, FDV."""
    names = [i for i, t in enumerate(toks) if t.tag == "name"]
    symbols = [i for i, t in enumerate(toks) if t.tag == "symbol"]
    if len(names) != 1 or len(symbols) != 1:
        raise ambiguous(
            "say the new token's name and symbol, such as 'called Moon Cat, symbol MCAT'"
        )
    symbol = toks[symbols[0]].text.upper()
    if not symbol.isalnum() or len(symbol) > 12:
        raise invalid(f"'{toks[symbols[0]].text}' is not a token symbol: use letters and digits")
    used = set(names + symbols)
    words = sum(1 for t in toks if t.tag in ("n.supply", "n.fdv"))
    if words > sum(1 for t in toks if t.tag in ("num", "usd")):  # "fdv 10 million supply"
        raise unclear("give a number for each of the supply and the valuation")
    supply = _near(toks, "n.supply", ("num",), used)
    if supply is None:
        supply = _before_token_word(toks, used)
    share = _near(toks, "n.community", ("pct",), used)
    fdv = _near(toks, "n.fdv", ("usd", "num"), used)
    for value in (supply, share, fdv):
        if value is not None and value <= 0:
            raise invalid("launch numbers must be more than zero")
    if share is not None and share > 1:
        raise invalid("the community share cannot be more than 100%")
    step = {"action": "launch", "name": toks[names[0]].text, "symbol": symbol, "supply": supply,
            "community_share": share, "fdv_usd": fdv}  # fmt: skip
    return step, used


_NEAR_GLUE = frozenset({"p.of", "d.a", "p.with", "p.to", "p.for", "d.the", "p.on", "v.have",
                        "k.end", "o.move", "p.give"})  # fmt: skip


def _near(toks: list[Tok], noun: str, shapes: tuple[str, ...], used: set[int]) -> Decimal | None:
    for i, tok in enumerate(toks):
        if tok.tag != noun:
            continue
        for step in (1, -1):
            j = i + step
            while 0 <= j < len(toks) and toks[j].tag in _NEAR_GLUE:
                j += step
            if 0 <= j < len(toks) and toks[j].tag in shapes and j not in used:
                used.update({i, j})
                value = toks[j].value
                assert isinstance(value, Decimal)
                return value
    return None


def _before_token_word(toks: list[Tok], used: set[int]) -> Decimal | None:
    """ "1,000,000 tokens" as the supply."""
    for i, tok in enumerate(toks[:-1]):
        if tok.tag == "num" and toks[i + 1].tag == "n.token" and i not in used:
            used.update({i, i + 1})
            assert isinstance(tok.value, Decimal)
            return tok.value
    return None


# ---- vote ---------------------------------------------------------------------

_SUPPORT = {"s.for": "for", "s.against": "against", "s.abstain": "abstain"}


_BEFORE_VOTE = frozenset({"p.on", "n.proposal", "num", "d.my", "d.the", "d.a", "p.ba", "p.give",
                          "k.end", "p.for", "p.to"})  # fmt: skip


def vote(toks: list[Tok]) -> tuple[Step, set[int]]:
    """Vote for / against / abstain on proposal N."""
    first = next((i for i, t in enumerate(toks) if t.tag in _SUPPORT or t.tag == "v.vote"), 0)
    if any(t.tag not in _BEFORE_VOTE for t in toks[:first]):  # "社区支持提案3": others' view
        raise unclear("this reads as what others think: say your vote, such as 'vote for "
                      "proposal 3'")  # fmt: skip
    choices, used, said = set(), set(), 0
    for i, tok in enumerate(toks):
        after = toks[i + 1].tag if i + 1 < len(toks) else None
        if tok.tag in _SUPPORT:
            choices.add(_SUPPORT[tok.tag])
            used.add(i)
            said += 1
        elif tok.tag == "p.for" and (
            (i and toks[i - 1].tag == "v.vote") or after not in ("n.proposal", "num")
        ):
            choices.add("for")
            used.add(i)
            said += 1
    if any(t.tag == "n.proposal" and t.text.lower() in ("proposals", "props") for t in toks):
        raise unclear("a vote is on one proposal: say which, such as 'proposal 3'")
    if said > 1:  # "vote against proposal 2. no, for!"
        raise unclear("say how to vote once: for, against or abstain")
    numbers = [i for i, t in enumerate(toks) if t.tag == "num"]
    hashed = any(toks[i].text[:1] == "#" for i in numbers)
    named = hashed or any(t.tag == "n.proposal" for t in toks)
    if not named or len(numbers) != 1:
        raise ambiguous("say which proposal, such as 'proposal 3'")
    if len(choices) != 1:
        raise ambiguous("say how to vote: for, against or abstain")
    value = toks[numbers[0]].value
    assert isinstance(value, Decimal)
    if value < 0 or value != value.to_integral_value() or value > 10**12:
        raise invalid(f"'{toks[numbers[0]].text}' is not a proposal number")
    used.update(numbers)
    return {"action": "vote", "proposal": int(value), "support": choices.pop()}, used


# ---- query --------------------------------------------------------------------

_QUERY_NOUNS = {
    "m.price": "price", "n.balance": "balance", "v.have": "balance", "m.rate": "rates",
    "m.supply": "rates", "m.borrow": "rates", "n.position": "position", "m.hf": "position",
    "n.proposal": "proposals", "n.proposals_open": "proposals", "n.pool": "pools",
    "n.liquidity": "pools", "n.debt": "position",
}  # fmt: skip


def query_kind(toks: list[Tok]) -> str | None:
    """Which read-only query the clause asks for, or None."""
    kinds = {_QUERY_NOUNS[t.tag] for t in toks if t.tag in _QUERY_NOUNS}
    if len(kinds) > 1 and not any(t.tag == "n.balance" for t in toks):
        kinds.discard("balance")  # "有什么提案": "have" asks whether there are any
    if "balance" in kinds and kinds & {"position", "rates"}:
        kinds.discard("balance")
    if "position" in kinds and "rates" in kinds:
        kinds.discard("position")  # "the borrow rate on my debt"
    if len(kinds) > 1:
        raise ambiguous(
            "ask for one thing at a time: price, balance, rates, position, proposals or pools"
        )
    if kinds:
        return kinds.pop()
    if not any(t.tag == "w.howmuch" for t in toks) or not _symbols(toks):
        return None
    return "balance" if any(t.tag in ("d.my", "v.have") for t in toks) else "price"


def _symbols(toks: list[Tok]) -> list[str]:
    """Tokens a query names: known ones, and unknown words shaped like tickers."""
    found = []
    for tok in toks:
        if tok.tag == "tok":
            found.append(str(tok.value))
        elif tok.tag == "pair":
            found.extend(str(s) for s in tok.value)  # type: ignore[attr-defined]
        elif (tok.tag == "word" and tokens.looks_like_ticker(tok.text)) or is_cjk_token(tok):
            found.append(tok.text.upper())
    return list(dict.fromkeys(found))


_AMOUNTS = frozenset({"num", "usd", "pct", "frac"})
_NAMES = frozenset({"tok", "pair"})


def query(toks: list[Tok], kind: str) -> list[Step]:
    """One query step per token named (or one with token null)."""
    amounts = [(a, b) for a, b in itertools.pairwise(toks) if a.tag in _AMOUNTS and b.tag in _NAMES]
    if kind != "price" and amounts:  # "LP 1 ETH into ETH/USDT" is not a question about pools
        tok, after = amounts[0]
        raise ambiguous(f"say what to do with {tok.text} {after.text}, such as 'swap' or 'add'")
    share = next((t for t in toks if t.tag in ("frac", "pct")), None)
    if share is not None:  # "leave half my liquidity in the pool" asks nothing
        raise ambiguous(f"say what to do with '{share.text}': swap, supply, withdraw, remove…")
    symbols = _symbols(toks) if kind not in ("position", "proposals") else []
    if kind == "pools":
        symbols = []
    if kind == "price" and not symbols:
        raise ambiguous("say which token's price, such as 'price of ETH'")
    named: list[str | None] = list(symbols) or [None]
    return [{"action": "query", "query": kind, "token": s} for s in named]
