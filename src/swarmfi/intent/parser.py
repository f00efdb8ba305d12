"""The embedded parser: English or Chinese text -> canonical intent dict.

Deterministic, no network, no model. `parse_canonical(text)` never raises: it
returns SCHEMA.md's JSON, either {"steps", "schedule"} or {"error": {...}}.

Pipeline: NFKC (traditional characters read as simplified) -> `lexer.lex` (tagged
tokens) -> launch names protected -> unsupported requests refused, and what is not a
plain order (a question, a correction, a negation, an approximate amount) refused as
settled -> schedule cut out -> clauses split at "then"/punctuation/"and"+verb -> per
clause: slippage and conditions cut out (their scope checked), serial verbs split ->
each clause built by `actions`/`others` -> leftovers, including any word not read,
refused. It fails closed: what it cannot place is a refusal, never ignored.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from decimal import Decimal

from swarmfi.intent import actions, canon, others, zh
from swarmfi.intent.grammar import (
    NP,
    PRIMARY_VERBS,
    Refuse,
    ambiguous,
    chunk,
    has_action,
    invalid,
    is_verb,
    not_an_instruction,
    split_segments,
    unclear,
)
from swarmfi.intent.lexer import Tok, lex
from swarmfi.intent.modifiers import Cond, take_conditions, take_schedule, take_slippage
from swarmfi.intent.refs import is_place

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs ~20 ms
if TYPE_CHECKING:
    from typing import Any

    Step = dict[str, Any]


MAX_CHARS = 1_000
# European-style numbers: "1,5", "1.000,50", "1.000.000"; "1,000.5" is read as written
_ODD_NUMBER = re.compile(
    r"(?<![\d.,])\d+(?:\.\d{3})*,\d{1,2}(?![\d,])|\d,\d{4,}|\d+(?:\.\d{3}){2,}(?![\d.])"
)

_UNSUPPORTED = {
    "u.bridge": "bridging between chains is not supported: swarmfi acts on one chain",
    "u.chain": "other chains are not supported: swarmfi acts on the chain it is connected to",
    "u.leverage": "leveraged trading is not supported",
    "u.perp": "longs, shorts, perpetuals and futures are not supported; spot swaps are",
    "u.options": "options are not supported; spot swaps are",
    "u.stake": "staking is not supported; you can supply tokens to the lending market",
    "u.nft": "NFTs are not supported",
    "u.limit": "order types are not supported; a condition works, such as "
    "'if ETH drops below 2000, buy 1 ETH with USDC'",
    "u.stop": "stop-loss and take-profit orders are not supported; a condition works, such as "
    "'if ETH drops below 1800, sell 1 ETH for USDC'",
    "u.flash": "flash loans are not supported",
    "u.farm": "farming, rewards, airdrops and arbitrage are not supported",
    "u.mint": "minting and burning tokens are not supported; launching a token is",
    "u.approve": "approvals are not instructions: the planner adds the approvals a plan needs",
    "u.time": "times of day and dates are not supported: a standing order runs on a "
    "condition or every N minutes, hours, days or weeks ('every day', '每天')",
    "u.flow": "'unless', 'until', 'before' and 'otherwise' are not supported: give each step "
    "its own 'if' condition, in the order the steps should run",
    "u.gas": "conditions and amounts in gas are not supported: swarmfi estimates gas itself",
    "m.other": "conditions and questions on trading volume, TVL, funding rates and the like "
    "are not supported: a condition can be on a token's price, a supply or borrow APY, or the "
    "health factor",
    "n.fiat": "amounts in currencies other than US dollars are not supported",
}


_NOT_AN_ORDER = {
    "x.neg": "instructions saying what not to do are not supported: say what to do",
    "x.ask": "this reads as a question or a report, not an instruction: say what to do, "
    "such as 'swap 1 ETH for USDC'",
    "x.inject": "this text gives orders about how to read it ('ignore previous instructions'): "
    "nothing in it is run; say what you want done in your own words",
    "x.said": "these are someone else's words (quoted or reported), not your instruction: say "
    "what you want done in your own words, such as 'swap 1 ETH for USDC'",
    "x.fix": "a correction inside an instruction is not read: send the corrected "
    "instruction on its own",
    "x.rest": "'the rest' is not an amount swarmfi works out: say how much",
    "x.approx": "say an exact amount: 'almost', 'about', 'two or three' and the like are "
    "not amounts",
    "x.or": "'or' leaves the choice open: say one",
    "x.bound": "an upper bound is not an amount: say the exact amount",
    "x.turn": "say it from your side, such as 'borrow 100 USDC' or 'swap 1 ETH for USDC'",
    "x.number": "those number words are not one clear number: write the amount in digits",
    "x.who": "say who receives it: an 0x address or an address-book name",
    "x.split": "say the amount for each time it runs, not a total split into parts",
    "x.ordinal": "say the proposal's number, such as 'proposal 3': '第三个' is a place in a list",
    "x.past": "this reads as something already done, not an instruction: say what to do",
    "x.aave": "'Aave' here could mean the AAVE token or the lending market: say 'AAVE' with "
    "an amount, or 'the lending market'",
}
# Of those, what says the text is no instruction at all (SCHEMA: `invalid`).
_NOT_INSTRUCTIONS = frozenset(
    {"x.inject", "x.said", "x.neg", "x.ask", "x.fix", "x.past", "u.cancel"}
)
_NOT_AN_ORDER["u.cancel"] = (
    "cancelling is not an instruction to parse: list standing orders with 'swarmfi orders "
    "list' and cancel one with 'swarmfi orders cancel ID'"
)
_AFTER = frozenset({"之后", "以后", "后", "之后再", "后再"})
_COMMENT = re.compile(r"~~|^\s*(?://|--|#(?!\s*\d))")
_SCRIPTS = frozenset("⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉")
_APOSTROPHES = str.maketrans("‘’`´", "'" * 4)  # typed by phones: don’t


def parse_canonical(text: object) -> dict[str, Any]:
    """Text -> canonical JSON dict; never raises (a failure of ours is a refusal)."""
    return parse_settled(text)[0]


def parse_settled(text: object) -> tuple[dict[str, Any], bool]:
    """`parse_canonical`, and whether its refusal is settled: the text was read and is
    not a plain instruction, so no other parser (a model) may be asked to guess it."""
    try:
        return _parse(text), False
    except Refuse as refusal:
        return {"error": {"kind": refusal.kind, "message": refusal.message}}, refusal.settled
    except Exception as exc:  # fail closed: an internal error must not become an action
        message = (
            f"the embedded parser failed on this text ({type(exc).__name__}); please report it"
        )
        return {"error": {"kind": "invalid", "message": message}}, True


def parse_strict(text: object) -> dict[str, Any]:
    """Like `parse_canonical` but lets internal errors (bugs) raise; for tests."""
    try:
        return _parse(text)
    except Refuse as refusal:
        return {"error": {"kind": refusal.kind, "message": refusal.message}}


def _parse(text: object) -> dict[str, Any]:
    if not isinstance(text, str) or not text.strip():
        raise invalid("the instruction is empty: say what to do, such as 'swap 1 ETH for USDC'")
    if len(text) > MAX_CHARS:
        raise invalid(f"the instruction is longer than {MAX_CHARS} characters: split it up")
    if any(unicodedata.category(c) == "So" for c in text) or _COMMENT.search(text):
        raise unclear("emoji, symbols and struck-out or commented text are not read: say "
                      "the instruction in words")  # fmt: skip
    if any(c in _SCRIPTS for c in text):
        raise unclear("write numbers with plain digits: superscripts and subscripts are not read")
    norm = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    odd = _ODD_NUMBER.search(norm)
    if odd:  # "1,00" or "1.000,50": a decimal comma would be read as something else
        raise unclear(
            f"'{odd.group()}' is not a number swarmfi reads: use a point for decimals and "
            "commas only between thousands, such as 1000.5 or 1,000.5"
        )
    _refuse_quoted(norm)
    # traditional characters read as simplified; a launched token's name keeps what was typed
    toks = others.protect_launch(lex(norm.translate(zh.TRADITIONAL)), norm)
    _refuse_unsupported(toks)
    _refuse_questions(norm, toks)
    _refuse_reports(norm, toks)
    words = [t for t in toks if t.tag != "f"]
    for at, tok in enumerate(words):
        starts = at == 0 or words[at - 1].tag == "punct"
        if starts and tok.text == "在" and any(t.text in _AFTER for t in words[at + 1 :]):
            raise Refuse("unsupported", _UNSUPPORTED["u.flow"])  # 在存入…之后: said backwards
    spoken = [t for t in words if t.tag != "punct"]
    if spoken and spoken[-1].tag == "c.then" and spoken[-1].text in _AFTER:  # 转100 USDC给老王之后
        raise unclear("the instruction stops after 'after': say what comes next")
    said = [t for t in toks if t.tag != "f"]
    toks, schedule = take_schedule(said)
    if schedule is not None and any(t.text.lower().startswith("over") for t in said):
        raise unclear("with 'over N days' the amount could be the total: say the amount "
                      "for each time it runs and how many times")  # fmt: skip
    if schedule is not None and any(t.tag == "t.total" for t in toks):
        raise unclear("say the amount for each time it runs, not a total")
    steps = _build(_groups(toks))
    if schedule is not None and len(steps) > 1 and _said_late(said, toks):
        raise unclear(
            "say which steps repeat: put the schedule first to repeat them all, such as "
            "'every day, swap 10 USDC for ETH and supply it'"
        )
    if len(steps) > canon.MAX_STEPS:
        raise invalid(f"more than {canon.MAX_STEPS} steps: split the instruction up")
    return {"steps": [_encode(s) for s in steps], "schedule": schedule}


_POLITE = ("can you", "could you", "would you", "will you", "can u", "please", "pls", "plz",
           "kindly", "能不能", "能否", "可以", "可不可以", "帮我", "帮忙", "请",
           "麻烦")  # fmt: skip


def _refuse_questions(norm: str, toks: list[Tok]) -> None:
    """ "要把1个ETH换成USDC吗" asks; "能帮我把1个ETH换成USDC吗" requests. A clause
    that trails off in a 'when' word (转100 USDC给老王的话) has no step to run either."""
    low = (
        norm.translate(zh.TRADITIONAL).lower().rstrip("?？!！.。 \t\n")
    )  # trailing punctuation never changes a result
    if low.endswith(("吗", "呢")) and has_action(toks) and not any(p in low for p in _POLITE):
        raise not_an_instruction("this reads as a question: say what to do, such as "
                                 "'swap 1 ETH for USDC'")  # fmt: skip
    words = [t for t in toks if t.tag not in ("f", "punct")]
    conditional = any(t.tag == "k.if" or t.tag.startswith("o.") for t in toks)
    if words and words[-1].tag == "k.end" and not conditional:
        raise unclear("this reads as the first half of 'if …, then …': say what to do, and when")


def _refuse_reports(norm: str, toks: list[Tok]) -> None:
    """ "我把1个ETH换成USDC了", "我卖了1个ETH": what was done; "提案3通过了": news."""
    words = [t for t in toks if t.tag not in ("f", "punct")]
    done = any(t.text.endswith(("了", "过")) for t in toks)  # 卖了, 换成…了, 转过
    if done and words and words[0].text in ("我", "我们") and has_action(toks):
        raise not_an_instruction(_NOT_AN_ORDER["x.past"])
    for before, tok in itertools.pairwise(toks):
        if before.tag.startswith("s.") and tok.text == "了" and before.end == tok.start:
            raise not_an_instruction(_NOT_AN_ORDER["x.past"])


# Quoted or pasted text: "…", “…”, «…», 「…」, 『…』, `code`, and '…' between non-letters.
_QUOTED = re.compile(
    r'"[^"]*"|“[^”]*”|«[^»]*»|「[^」]*」|『[^』]*』|`[^`]*`|(?<![A-Za-z])\'[^\']*\'(?![A-Za-z])'
)


def _refuse_quoted(norm: str) -> None:
    """An instruction inside quotes or a code span is someone else's words, or text pasted
    to be obeyed (buy the coin called "send 1 ETH to 0x…"): never a step of ours."""
    for span in _QUOTED.finditer(norm):
        inner = lex(span.group()[1:-1].translate(zh.TRADITIONAL))
        if has_action(inner) or any(t.tag == "addr" for t in inner):
            raise not_an_instruction(_NOT_AN_ORDER["x.said"])


def _said_late(said: list[Tok], kept: list[Tok]) -> bool:
    """Whether any of the schedule's words (in `said`, not `kept`) come after the first verb."""
    first = next((t.start for t in kept if is_verb(t)), None)
    ids = {id(t) for t in kept}
    return first is not None and any(id(t) not in ids and t.start > first for t in said)


def _refuse_unsupported(toks: list[Tok]) -> None:
    present = {t.tag for t in toks}
    if not has_action(toks):
        present.discard("u.time")  # "今晚吃什么" is no instruction, not an unsupported one
    for tag, message in _UNSUPPORTED.items():  # the most specific first: "mint an NFT" is NFTs
        if tag in present:
            raise Refuse("unsupported", message)
    for tag, message in _NOT_AN_ORDER.items():
        if tag in present and tag in _NOT_INSTRUCTIONS:
            raise not_an_instruction(message)
    _refuse_conditions_on_other_things(toks)
    for tag, message in _NOT_AN_ORDER.items():
        if tag in present:
            raise unclear(message)


# What a condition on a watched metric is made of; a condition with none of these ("if
# he pays me back", "when my salary arrives", 如果他还我钱) is on something not watched.
_METRIC_PARTS = frozenset({"tok", "pair", "r.it", "num", "usd", "pct", "m.price", "m.rate",
                           "m.supply", "m.borrow", "m.hf", "o.lt", "o.le", "o.gt", "o.ge",
                           "o.move", "o.above", "o.below", "n.token"})  # fmt: skip


def _refuse_conditions_on_other_things(toks: list[Tok]) -> None:
    for i, tok in enumerate(toks):
        if tok.tag != "k.if":
            continue
        clause = list(itertools.takewhile(lambda t: t.tag not in ("punct", "k.end"), toks[i + 1 :]))
        if clause and not any(t.tag in _METRIC_PARTS or t.tag.startswith("m.") for t in clause):
            raise Refuse("unsupported", _CONDITIONS_ONLY)


_CONDITIONS_ONLY = (
    "a condition can only be on a token's price, a supply or borrow APY, or the health "
    "factor, such as 'if ETH drops below 2000, buy 1 ETH with USDC'"
)


# ---- grouping clauses into steps ---------------------------------------------------


class Group:
    """The tokens of one step, with its own conditions and slippage."""

    __slots__ = ("conds", "slippage", "toks")

    def __init__(self, toks: list[Tok], conds: list[dict[str, Any]]) -> None:
        self.toks, self.conds = toks, conds
        self.slippage: Decimal | None = None


class _State:
    __slots__ = ("groups", "leading", "prefix", "sentence", "slippage", "trailed")

    def __init__(self) -> None:
        self.groups: list[Group] = []
        self.leading: list[dict[str, Any]] = []
        self.prefix: list[Tok] = []
        self.sentence = 0  # the sentence the leading conditions were said in
        self.trailed = False  # a condition came after a step: no step may follow it
        self.slippage: Decimal | None = None


def _groups(toks: list[Tok]) -> _State:
    state = _State()
    ends = [t.start for t in toks if t.tag == "punct" and t.text in _SENTENCE_ENDS]
    for seg in split_segments(toks):
        after_then = seg[0].tag == "c.then"
        if after_then and seg[0] is toks[0]:  # 以后把…, "afterwards swap…": later, not now
            raise Refuse("unsupported", _UNSUPPORTED["u.time"])
        seg = seg[1:] if after_then else seg
        if not seg:
            continue
        if seg[0].tag == "c.and" and state.leading and state.groups:  # "如果…就卖…，此外转…"
            raise unclear("say whether the condition covers the extra step too: put it in "
                          "its own sentence with its own 'if'")  # fmt: skip
        if seg[0].tag == "c.and":
            seg = seg[1:]
            if not seg:
                continue
        if seg[0].tag == "x.first":
            if state.groups:  # "存入1000 DAI，先把1个ETH换成USDC": said out of order
                raise unclear("say the steps in the order they should run")
            seg = seg[1:]
        sentence = sum(1 for end in ends if end < seg[0].start)
        first_verb = next((i for i, t in enumerate(seg) if is_verb(t)), len(seg))
        seg, slip = take_slippage(seg)
        seg, conds = take_conditions(seg)
        lead = [c.data for c in conds if _leading(c, first_verb)]
        trail = [c.data for c in conds if not _leading(c, first_verb)]
        if lead and state.groups and not has_action(seg):
            trail, lead = lead, []  # "swap 1 ETH for USDC, if ETH drops below 2000"
        _scope(state, sentence, lead, trail, has_action(seg))
        state.leading.extend(lead)
        _add_segment(state, _ellipsis(state, seg) if after_then else seg, trail, slip)
    return state


_SENTENCE_ENDS = frozenset(".;!?。；！？")


def _scope(state: _State, sentence: int, lead: list[Any], trail: list[Any], acts: bool) -> None:
    """Refuse a condition whose steps are not plain: one that would run on into another
    sentence, or one said after several steps or after the second of them."""
    if state.leading and acts and sentence != state.sentence:
        raise unclear(
            "a condition covers the steps of its own sentence only: repeat it for the "
            "next sentence, or join the steps in one sentence"
        )
    if lead:
        state.sentence = sentence
    if (trail and (len(state.groups) > 1 or (state.groups and acts))) or (acts and state.trailed):
        raise unclear(
            "say which steps the condition is for: put it first to cover every step, such "
            "as 'if ETH drops below 2000, swap 1 ETH for USDC and supply it'"
        )
    state.trailed = state.trailed or bool(trail)


_LENDING_VERBS = frozenset({"v.supply", "v.withdraw", "v.borrow", "v.repay", "v.payoff"})
_QTY = frozenset({"num", "usd", "pct", "frac", "q.all"})


def _ellipsis(state: _State, seg: list[Tok]) -> list[Tok]:
    """ "send 1 ETH to bob, then 2 ETH to alice": the verb of the step before."""
    if has_action(seg) or not state.groups or not any(t.tag in _QTY for t in seg):
        return seg
    verb = next((t for t in state.groups[-1].toks if t.tag in PRIMARY_VERBS), None)
    if verb is None or verb.tag in ("v.launch", "v.vote", "v.query"):
        return seg
    marked = any(t.tag in ("p.to", "p.for", "p.with") for t in seg)
    if verb.tag in ("v.swap", "v.sell", "v.buy", "v.spend", "v.get") and not _named(seg):
        return seg  # "then half to bob" after a swap is no swap into BOB
    return [verb, *seg] if marked or verb.tag in _LENDING_VERBS else seg


def _named(seg: list[Tok]) -> bool:
    """Every quantity is followed by its token, and every marker by a known token."""
    for i, tok in enumerate(seg):
        after = seg[i + 1] if i + 1 < len(seg) else None
        if tok.tag in _QTY and (after is None or after.tag != "tok"):
            return False
        if tok.tag in ("p.to", "p.for") and (after is None or after.tag != "tok"):
            return False
    return True


def _leading(cond: Cond, first_verb: int) -> bool:
    return cond.end <= first_verb


def _add_segment(state: _State, seg: list[Tok], trail: list[Any], slip: Decimal | None) -> None:
    clauses = _serial(seg) if has_action(seg) else []
    for k, clause in enumerate(clauses):
        toks = state.prefix + clause if k == 0 else clause
        state.prefix = []
        state.groups.append(Group(toks, list(state.leading)))
    if not clauses and _content(seg):
        if state.groups:
            state.groups[-1].toks.extend(seg)
        else:
            state.prefix.extend(seg)
    target = state.groups[-1] if state.groups else None
    if trail:
        if target is None:
            state.leading.extend(trail)
        else:
            target.conds.extend(trail)
    if slip is not None:
        _set_slippage(state, target, slip)


def _set_slippage(state: _State, target: Group | None, slip: Decimal) -> None:
    holder = target if target is not None else state
    if holder.slippage is not None:
        raise ambiguous("slippage is given twice: give it once")
    holder.slippage = slip


_NOISE = frozenset({"k.end", "c.and", "k.if", "p.with", "p.on", "p.to", "p.for", "d.the", "d.a"})


def _content(seg: list[Tok]) -> bool:
    return any(t.tag not in _NOISE for t in seg)


# ---- serial verbs ------------------------------------------------------------------


def _serial(seg: list[Tok]) -> list[list[Tok]]:
    """Normalise helper verbs, then cut before each further main verb."""
    seg = _helpers(seg)
    verbs = [i for i, t in enumerate(seg) if t.tag in PRIMARY_VERBS or t.tag == "s.abstain"]
    if len(verbs) <= 1:
        return [seg]
    cuts, previous = [0], verbs[0]
    for v in verbs[1:]:
        cut = v
        for j in range(previous + 1, v):
            if seg[j].tag in ("p.ba", "p.give"):
                cut = j
                break
        if cut - 1 > previous and seg[cut - 1].tag == "p.to":
            cut -= 1
        cuts.append(cut)
        previous = v
    cuts.append(len(seg))
    clauses = [seg[a:b] for a, b in itertools.pairwise(cuts)]
    return [[t for t in c if not (t.tag == "p.to" and c.index(t) == 0)] for c in clauses if c]


_SWAPLIKE = ("v.swap", "v.sell", "v.spend")


def _helpers(seg: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    main: str | None = None
    for i, tok in enumerate(seg):
        later = any(t.tag in PRIMARY_VERBS for t in seg[i + 1 :])
        tag = tok.tag
        if tag in ("v.use", "v.spend") and later:
            out.append(Tok("p.with", tok.text, tok.start, tok.end))
            main = main or "p.with"
            continue
        if tag == "v.use":
            tok = Tok("v.spend", tok.text, tok.start, tok.end)
        if tag == "v.swap" and main in ("v.buy", "v.sell"):
            if not (i + 1 < len(seg) and seg[i + 1].tag == "p.to"):
                out.append(Tok("p.to", tok.text, tok.start, tok.end))
            continue
        if (
            tag in ("v.buy", "v.sell", "v.get")
            and out
            and out[-1].tag == "p.to"
            and main in _SWAPLIKE
        ):
            continue
        if tok.tag in PRIMARY_VERBS and main in (None, "p.with"):
            main = tok.tag
        out.append(tok)
    return out


# ---- building steps --------------------------------------------------------------


def _build(state: _State) -> list[Step]:
    if not state.groups:
        return _verbless(state)
    if state.prefix:
        state.groups[0].toks[:0] = state.prefix
    if state.slippage is not None:
        _set_slippage(state, state.groups[0], state.slippage)
    steps: list[Step] = []
    for group in state.groups:
        built = _build_group(group, steps)
        steps.extend(built)
    return steps


def _verbless(state: _State) -> list[Step]:
    toks = state.prefix
    kind = others.query_kind(toks)
    if kind is not None:
        return _with_when(others.query(toks, kind), state.leading, toks)
    if any(t.tag in ("tok", "num", "usd", "pct", "pair", "addr") for t in toks):
        raise ambiguous("say what to do: swap, send, supply, borrow, repay, vote, launch…")
    raise invalid("this is not an instruction swarmfi can act on; try 'swap 1 ETH for USDC'")


def _build_group(group: Group, prior: list[Step]) -> list[Step]:
    if len(group.conds) > 1:
        raise ambiguous("give one condition per step")
    built = _dispatch(group.toks, prior)
    if group.slippage is not None:
        if len(built) != 1 or built[0]["action"] != "swap":
            raise invalid("slippage applies to swaps only: remove it or make the step a swap")
        built[0]["slippage"] = group.slippage
    return _with_when(built, group.conds, group.toks)


def _with_when(steps: list[Step], conds: list[dict[str, Any]], toks: list[Tok]) -> list[Step]:
    if len(conds) > 1:
        raise ambiguous("give one condition per step")
    for step in steps:
        step["when"] = dict(conds[0]) if conds else None
    return steps


def _dispatch(toks: list[Tok], prior: list[Step]) -> list[Step]:
    verb = next((t for t in toks if t.tag in PRIMARY_VERBS or t.tag == "s.abstain"), None)
    special = _special(toks, verb)
    if special is not None:
        return special
    assert verb is not None
    items = chunk(actions.merge_names(toks) if verb.tag == "v.send" else toks)
    step, used = _money(items, verb, prior)
    _leftovers(items, used, verb)
    return [step]


def _special(toks: list[Tok], verb: Tok | None) -> list[Step] | None:
    tag = verb.tag if verb is not None else ""
    if tag == "v.launch" or any(t.tag in ("name", "symbol") for t in toks):
        step, used = others.launch(toks)
        _token_leftovers(toks, used, verb)
        return [step]
    if tag in ("v.vote", "s.abstain") or (
        any(t.tag.startswith("s.") for t in toks) and any(t.tag == "n.proposal" for t in toks)
    ):
        if any(t.tag in ("w.what", "w.howmuch") for t in toks):  # "how many votes against…?"
            return others.query(toks, "proposals")
        step, used = others.vote(toks)
        _token_leftovers(toks, used, verb)
        return [step]
    kind = others.query_kind(toks) if tag in ("", "v.query", "v.get") else None
    if kind is not None:
        return others.query(toks, kind)
    if tag in ("", "v.query"):
        raise invalid("swarmfi can show prices, balances, rates, your lending position, "
                      "proposals and pools; say which")  # fmt: skip
    return None


_LENDING = {"v.supply": "supply", "v.withdraw": "withdraw", "v.borrow": "borrow",
            "v.repay": "repay", "v.payoff": "repay"}  # fmt: skip


def _money(items: list[Any], verb: Tok, prior: list[Step]) -> tuple[Step, set[int]]:
    tag = verb.tag
    where = _places(items, verb)
    if _the_balance(items, verb):
        raise unclear("say how much of which token: 'the balance' is not an amount")
    if tag not in ("v.withdraw", "v.remove", "v.removeliq") and _taken_from_a_place(items, verb):
        raise unclear("taking tokens out of the lending market or a pool is 'withdraw' or "
                      "'remove liquidity': say which, and how much")  # fmt: skip
    if tag in ("v.swap", "v.buy", "v.sell", "v.spend", "v.get"):
        mode = {"v.swap": "swap", "v.sell": "sell", "v.spend": "spend"}.get(tag, "buy")
        return actions.swap(items, verb, mode, prior)
    if tag in ("v.wrap", "v.unwrap"):
        return actions.wrap(items, verb, tag[2:], prior)
    if tag == "v.addliq" or (tag in ("v.put", "v.supply", "v.send") and "pool" in where):
        return actions.add_liquidity(items, verb, prior)
    if tag == "v.removeliq" or (tag in ("v.remove", "v.withdraw") and "pool" in where):
        return actions.remove_liquidity(items, verb, prior)
    if tag in _LENDING:
        return actions.lending(items, verb, _LENDING[tag], prior)
    if tag in ("v.put", "v.send") and "lending" in where:
        return actions.lending(items, verb, "supply", prior)
    if tag == "v.remove" and "lending" in where:
        return actions.lending(items, verb, "withdraw", prior)
    if tag == "v.send":
        return actions.transfer(items, verb, prior)
    raise ambiguous(f"say where '{verb.text}' goes: the lending market or a pool such as ETH/USDC")


def _the_balance(items: list[Any], verb: Tok) -> bool:
    """ "then supply the balance": a word for a rest, not a token or an amount."""
    from swarmfi.intent.refs import roles

    return any(r.role in ("direct", "ba", "pre") and "n.balance" in r.np.nouns
               and not r.np.has_token for r in roles(items, verb))  # fmt: skip


def _taken_from_a_place(items: list[Any], verb: Tok) -> bool:
    """ "move 100 USDC from the lending pool", "get 1000 USDC from compound", "sell 1 ETH
    from my collateral", "move the USDC in compound to my wallet"."""
    from swarmfi.intent.refs import places, roles

    rs = roles(items, verb)
    held = {"n.position", "n.supplied", "n.debt"}
    if any(r.role in ("from", "with") and r.np.nouns & held for r in rs):
        return True
    to_wallet = any(r.role == "to" and (r.np.my or actions.names_wallet(r.np)) for r in rs)
    if verb.tag == "v.send" and to_wallet and places(rs):
        return True
    return bool(places([r for r in rs if r.role == "from"]))


def _places(items: list[Any], verb: Tok) -> set[str]:
    from swarmfi.intent.refs import places, roles

    return places(roles(items, verb))


# Left over in a step, these make it a refusal: an amount, token or name, a word not
# understood (English or Chinese), or a comparison outside a condition ("不到1000").
_LOOSE = frozenset({"num", "usd", "pct", "frac", "tok", "pair", "addr", "name", "symbol",
                    "cjk", "word", "o.lt", "o.le", "o.gt", "o.ge", "m.price", "m.rate",
                    "m.supply", "m.borrow", "w.what", "w.howmuch", "k.if", "x.first", "n.unit",
                    "o.move", "o.above", "o.below", "v.have",
                    "t.total"})  # fmt: skip


def _leftovers(items: list[Any], used: set[int], verb: Tok) -> None:
    for k, item in enumerate(items):
        if k in used:
            continue
        if isinstance(item, NP) and not is_place(item):
            raise ambiguous(f"I could not tell what '{item.text}' is for: rephrase it")
        if isinstance(item, Tok):
            _loose(item, verb)


def _token_leftovers(toks: list[Tok], used: set[int], verb: Tok | None) -> None:
    for i, tok in enumerate(toks):
        if i not in used:
            _loose(tok, verb)


def _loose(tok: Tok, verb: Tok | None) -> None:
    vote = verb is not None and verb.tag in ("v.vote", "s.abstain")
    against = tok.tag == "s.against" and verb is not None and verb.tag in _LENDING  # borrow against
    if (
        tok.tag in _LOOSE
        or (tok.tag in PRIMARY_VERBS and tok is not verb)
        or (tok.tag.startswith("s.") and not vote and not against)
    ):
        raise ambiguous(f"I could not tell what '{tok.text}' is for: rephrase it")


def _encode(step: Step) -> Step:
    """Decimals -> canonical strings, key order as in SCHEMA.md."""
    return {key: _encode_value(value) for key, value in step.items()}


def _encode_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return canon.fmt_decimal(value)
    if isinstance(value, dict):
        return {k: _encode_value(v) for k, v in value.items()}
    return value
