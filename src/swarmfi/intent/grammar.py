"""Clause grammar shared by every action: refusals, step splitting, noun phrases.

A noun phrase (`NP`) is a quantity and/or a token with its determiners:
"half my ETH", "$200 of ETH", "the USDC", "换到的USDC全部", "the ETH/USDC pool".
Builders in `actions` and `others` read a step as a list of items: NPs and the
marker, verb and other tokens between them.
"""

from __future__ import annotations

from decimal import Decimal

from swarmfi.intent import tokens
from swarmfi.intent.lexer import ACTION_VERBS, Tok


class Refuse(Exception):
    """Raised inside the grammar; becomes {"error": {"kind", "message"}}.

    `settled`: the parser read the text and found it is not a plain instruction (a
    question, a correction, a negation, an unclear scope); no model may reinterpret it.
    """

    def __init__(self, kind: str, message: str, settled: bool = False) -> None:
        super().__init__(message)
        self.kind, self.message, self.settled = kind, message, settled


def ambiguous(message: str) -> Refuse:
    return Refuse("ambiguous", message)


def unclear(message: str) -> Refuse:
    """An ambiguous refusal that stands: the text was read, and it is unclear or is not
    an instruction, so a model must not be asked to guess what it meant."""
    return Refuse("ambiguous", message, settled=True)


def invalid(message: str) -> Refuse:
    return Refuse("invalid", message)


def not_an_instruction(message: str) -> Refuse:
    """An `invalid` refusal that stands: the text was read and is no instruction (a
    negation, a question, a report of the past, a hypothetical, quoted or reported words,
    advice asked for, a cancellation or a correction); no model may turn it into one."""
    return Refuse("invalid", message, settled=True)


# ---- noun phrases -----------------------------------------------------------

QUANTITY = frozenset({"num", "usd", "pct", "frac", "badfrac", "q.all", "q.some"})
TOKENISH = frozenset({"tok", "pair", "r.it"})
NOUNS = frozenset({"n.token", "n.balance", "n.debt", "n.pool", "n.liquidity", "n.lending",
                   "n.venue", "n.vague", "n.position", "n.supplied"})  # fmt: skip
DETERMINERS = frozenset({"d.my", "d.the", "d.a", "d.worth"})


class NP:
    """A noun phrase; `kind` of quantity is "value", "usd", "fraction" or None.

    A plain slotted class rather than a dataclass: importing `dataclasses` costs
    more than the whole parser's import budget allows.
    """

    __slots__ = ("amount", "definite", "kind", "my", "nouns", "pair", "ref", "token",
                 "token_tok", "toks", "unit_token", "vague", "worth")  # fmt: skip

    def __init__(
        self,
        kind: str | None = None,
        amount: Decimal | None = None,
        token: str | None = None,
        ref: bool = False,
    ) -> None:
        self.toks: list[Tok] = []
        self.kind, self.amount, self.token, self.ref = kind, amount, token, ref
        self.token_tok: Tok | None = None
        self.pair: tuple[str, str] | None = None
        self.definite = self.my = self.vague = self.worth = False
        self.unit_token: str | None = None
        self.nouns: set[str] = set()

    @property
    def has_qty(self) -> bool:
        return self.kind is not None or self.vague

    @property
    def has_token(self) -> bool:
        return self.token is not None or self.pair is not None or self.ref

    @property
    def text(self) -> str:
        """The phrase as written, for messages."""
        return " ".join(t.text for t in self.toks)


Item = Tok | NP


def is_cjk_token(tok: Tok) -> bool:
    """Unknown Chinese ending in 币 ("狗狗币") names a token, kept as written."""
    return tok.tag == "cjk" and len(tok.text) >= 2 and tok.text.endswith("币")


def _np_tag(tok: Tok) -> str | None:
    tag = tok.tag
    if tag in QUANTITY or tag in TOKENISH or tag in NOUNS or tag in DETERMINERS:
        return tag
    if tag == "word" and tokens.looks_like_ticker(tok.text):
        return "tok"
    if is_cjk_token(tok):
        return "tok"
    return None


def chunk(toks: list[Tok]) -> list[Item]:
    """Group tokens into NPs and loose tokens (fillers already removed)."""
    return _merge_in(_chunk(toks))


def _merge_in(items: list[Item]) -> list[Item]:
    """ "half of my debt in DAI": a quantity without a token, then "in" a token."""
    out: list[Item] = []
    for item in items:
        owner = out[-2] if len(out) >= 2 else None
        if (
            isinstance(item, NP)
            and isinstance(owner, NP)
            and isinstance(out[-1], Tok)
            and out[-1].text.lower() == "in"
            and owner.kind == "fraction"  # "half of my debt in DAI"; "1000 in ETH" is unclear
            and not owner.has_token
            and item.token is not None
            and item.token != "AAVE"  # "deposit half in aave": the lending market, or the token?
            and not item.has_qty
        ):
            out.pop()
            owner.token, owner.token_tok = item.token, item.token_tok
            owner.toks.extend(item.toks)
            continue
        out.append(item)
    return out


def _chunk(toks: list[Tok]) -> list[Item]:
    items: list[Item] = []
    current: NP | None = None
    for i, tok in enumerate(toks):
        tag = _np_tag(tok)
        if tag is None and not (tok.tag == "p.of" and current is not None and _of_glue(toks, i)):
            current = None
            items.append(tok)
            continue
        if current is None or not _accepts(current, tok, tag):
            current = NP()
            items.append(current)
        _absorb(current, tok, tag)
    return items


def _of_glue(toks: list[Tok], i: int) -> bool:
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    return nxt is not None and _np_tag(nxt) is not None


def _accepts(np: NP, tok: Tok, tag: str | None) -> bool:
    if tag is None:  # "of" glue
        return True
    if tag in ("num", "usd"):
        return not np.has_qty and not np.has_token
    if tag in QUANTITY:  # "send bob all my USDC": a name before it is a phrase of its own
        return not np.has_qty and not all(t.tag == "word" for t in np.toks)
    if tag in ("tok", "pair"):
        if np.token is not None and np.worth and np.unit_token is None:
            return True
        return np.token is None and np.pair is None
    if tag == "r.it":
        return not np.has_token
    if tag in DETERMINERS:
        return not np.has_token or tag == "d.worth"
    return True  # nouns attach


def _absorb(np: NP, tok: Tok, tag: str | None) -> None:
    np.toks.append(tok)
    if tag is None and np.token is not None and np.kind in ("value", "usd"):
        np.worth = True  # "10 USDC of ETH" = 10 USDC worth of ETH
    elif tag in QUANTITY:
        _quantity(np, tok)
    elif tag in ("tok", "pair"):
        _token(np, tok)
    elif tag == "r.it":
        np.ref = True
    elif tag == "d.my":
        np.my = True
    elif tag == "d.the":
        np.definite = True
    elif tag == "d.worth":
        np.worth = True
    elif tag == "n.vague":
        np.vague = True
    elif tag in NOUNS:
        np.nouns.add(tag)


def _quantity(np: NP, tok: Tok) -> None:
    tag = tok.tag
    if tag == "badfrac":
        raise ambiguous(
            f"'{tok.text}' has no exact decimal value: give it as a percentage such as 33%"
        )
    if tag == "q.some":
        np.vague = True
        return
    np.kind = {"num": "value", "usd": "usd", "pct": "fraction", "frac": "fraction"}.get(
        tag, "fraction"
    )
    value = tok.value if tag != "q.all" else Decimal(1)
    assert isinstance(value, Decimal)
    np.amount = value


def _token(np: NP, tok: Tok) -> None:
    if tok.tag == "pair":
        value = tok.value
        assert isinstance(value, tuple)
        np.pair = (str(value[0]), str(value[1]))
        return
    symbol = str(tok.value) if tok.tag == "tok" else tok.text.lstrip("$").upper()
    if np.token is not None and np.worth:
        np.unit_token, np.token = np.token, symbol  # "100 USDC worth of ETH"
    else:
        np.token = symbol
    np.token_tok = tok


# ---- splitting a text into step segments --------------------------------------

PRIMARY_VERBS = ACTION_VERBS | {"v.query", "v.get"}
VOTE_CHOICES = frozenset({"s.for", "s.against", "s.abstain"})


def is_verb(tok: Tok) -> bool:
    return tok.tag in PRIMARY_VERBS or tok.tag == "v.use" or tok.tag == "s.abstain"


def has_action(seg: list[Tok]) -> bool:
    """A verb, or a vote choice with a proposal ("对3号提案投赞成票")."""
    if any(is_verb(t) for t in seg):
        return True
    return any(t.tag in VOTE_CHOICES for t in seg) and any(t.tag == "n.proposal" for t in seg)


def split_segments(toks: list[Tok]) -> list[list[Tok]]:
    """Cut at punctuation, "then"-words, and "and" before a verb. The cutters are
    dropped, except that a segment cut by "then" starts with its c.then token."""
    segments: list[list[Tok]] = [[]]
    for i, tok in enumerate(toks):
        gapped = _gapped_verb(toks, i, segments[-1]) if tok.tag == "c.and" else None
        if gapped is not None:  # "swap 1 ETH for USDC and 2 LINK for DAI": the verb again
            segments.append([gapped])
            continue
        if tok.tag in ("punct", "c.then") or (tok.tag == "c.and" and _clause_follows(toks, i)):
            after_punct = not segments[-1]
            if segments[-1] and segments[-1] != [tok]:
                segments.append([])
            starts = tok.tag == "c.then" or (tok.tag == "c.and" and after_punct)
            if starts and not segments[-1]:
                segments[-1].append(tok)  # kept: "…, then …", "…，此外…" start a clause
            continue
        segments[-1].append(tok)
    kept = [s for s in segments if s and s[-1].tag != "c.then"]
    return [s for s in kept if not all(t.tag == "c.and" for t in s)]


_GAPPABLE = {"v.swap": True, "v.sell": True, "v.send": True, "v.supply": False,
             "v.withdraw": False, "v.borrow": False, "v.repay": False}  # fmt: skip
_AMOUNTS = frozenset({"num", "usd", "pct", "frac", "q.all"})
_SKIP = frozenset({"f", "d.my", "d.the"})


def _gapped_verb(toks: list[Tok], at: int, current: list[Tok]) -> Tok | None:
    """The verb an "and" leaves out, when both sides are whole arguments of it.

    Both sides must name an amount and a token, and for swaps and transfers also
    where it goes ("… for DAI", "… to bob"); anything less is not split.
    """
    verbs = [t for t in current if t.tag in PRIMARY_VERBS or t.tag == "v.use"]
    if len(verbs) != 1 or verbs[0].tag not in _GAPPABLE:
        return None
    rest = _next_part(toks, at)
    if not _starts_with_amount(rest) or any(is_verb(t) for t in rest):
        return None
    after = current[current.index(verbs[0]) + 1 :]
    sides = (after, rest)
    if not all(any(t.tag in _AMOUNTS for t in side) for side in sides):
        return None
    if not all(any(t.tag == "tok" for t in side) for side in sides):
        return None
    if _GAPPABLE[verbs[0].tag] and not all(_has_goal(side) for side in sides):
        return None
    return verbs[0]


def _next_part(toks: list[Tok], at: int) -> list[Tok]:
    """The tokens after toks[at] up to the next cutter."""
    rest: list[Tok] = []
    for tok in toks[at + 1 :]:
        if tok.tag in ("punct", "c.then", "c.and"):
            break
        rest.append(tok)
    return rest


def _starts_with_amount(part: list[Tok]) -> bool:
    words = [t for t in part if t.tag not in _SKIP]
    return len(words) >= 2 and words[0].tag in _AMOUNTS and words[1].tag == "tok"


def _clause_follows(toks: list[Tok], at: int) -> bool:
    """After this "and" comes a verb, or an amount and token with a verb of their
    own ("把100 USDC换成ETH和50 USDC换成WBTC")."""
    if _verb_follows(toks, at):
        return True
    rest = _next_part(toks, at)
    return _starts_with_amount(rest) and any(t.tag in PRIMARY_VERBS for t in rest)


def _has_goal(side: list[Tok]) -> bool:
    return any(
        t.tag in ("p.for", "p.to") and i + 1 < len(side) and side[i + 1].tag not in _AMOUNTS
        for i, t in enumerate(side)
    )


def _verb_follows(toks: list[Tok], i: int) -> bool:
    for tok in toks[i + 1 :]:
        if tok.tag in ("f", "d.my", "k.end"):
            continue
        return is_verb(tok) or tok.tag == "p.ba"
    return False
