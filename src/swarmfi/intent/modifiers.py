"""Modifiers cut out of a clause before its action is read: slippage, schedule,
condition. Each `take_*` returns the remaining tokens and what it found.
"""

from __future__ import annotations

from decimal import Decimal

from swarmfi.intent import tokens
from swarmfi.intent.grammar import ambiguous, invalid, is_cjk_token, unclear
from swarmfi.intent.lexer import Tok

# ---- slippage ---------------------------------------------------------------

_SLIP_GLUE = frozenset({"n.max", "o.le", "o.lt", "p.with", "p.of", "d.a", "d.my", "p.on",
                        "v.put", "p.to", "o.move", "p.for"})  # fmt: skip
_SLIP_SYMS = (":", "=")


def take_slippage(toks: list[Tok]) -> tuple[list[Tok], Decimal | None]:
    """Find "max 0.5% slippage", "slippage 1%", "滑点不超过1%"; at most one."""
    found: Decimal | None = None
    used: set[int] = set()
    for i, tok in enumerate(toks):
        if tok.tag != "n.slippage":
            continue
        if found is not None:
            raise ambiguous("slippage is given twice: give it once")
        span = _slip_span(toks, i, 1) or _slip_span(toks, i, -1)
        if span is None:
            raise ambiguous("give the slippage as a percentage, such as 'max 0.5% slippage'")
        value, indexes = span
        if value >= 1:
            raise invalid(f"a slippage of {value * 100}% is not a limit: give less than 100%")
        if value < 0:
            raise invalid("slippage cannot be negative")
        found, used = value, used | indexes | {i}
    return [t for k, t in enumerate(toks) if k not in used], found


def _slip_span(toks: list[Tok], i: int, step: int) -> tuple[Decimal, set[int]] | None:
    indexes: set[int] = set()
    j = i + step
    while 0 <= j < len(toks):
        tok = toks[j]
        if tok.tag == "pct":
            assert isinstance(tok.value, Decimal)
            return tok.value, indexes | {j} | _slip_tail(toks, j, step)
        if tok.tag not in _SLIP_GLUE and tok.text not in _SLIP_SYMS:
            return None
        indexes.add(j)
        j += step
    return None


def _slip_tail(toks: list[Tok], j: int, step: int) -> set[int]:
    """Glue beyond the percentage: "with max 0.5% slippage", "slippage of at most 1%"."""
    out, k = set(), j + step
    while 0 <= k < len(toks) and toks[k].tag in ("n.max", "p.with", "o.le", "o.lt", "d.a"):
        out.add(k)
        k += step
    return out


# ---- schedule ---------------------------------------------------------------


class _Sched:
    __slots__ = ("count", "dca", "duration", "period")

    def __init__(self) -> None:
        self.period: int | None = None
        self.count: int | None = None
        self.duration: int | None = None
        self.dca = False


DAY = 86_400


def take_schedule(toks: list[Tok]) -> tuple[list[Tok], dict[str, int | None] | None]:
    """Find how often and how long the whole instruction repeats."""
    found, used, i = _Sched(), set[int](), 0
    while i < len(toks):
        span = _schedule_at(toks, i, found)
        if span:
            used.update(range(i, i + span))
            i += span
        else:
            i += 1
    rest = [t for k, t in enumerate(toks) if k not in used]
    return rest, _schedule(found)


def _int(tok: Tok | None) -> int | None:
    if tok is None or tok.tag != "num" or not isinstance(tok.value, Decimal):
        return None
    value = tok.value
    if value != value.to_integral_value() or value <= 0:
        raise invalid(f"'{tok.text}' is not a whole positive number of repetitions or units")
    return int(value)


def _at(toks: list[Tok], i: int) -> Tok | None:
    return toks[i] if 0 <= i < len(toks) else None


def _schedule_at(toks: list[Tok], i: int, s: _Sched) -> int:
    tok, nxt, nxt2 = toks[i], _at(toks, i + 1), _at(toks, i + 2)
    tag = tok.tag
    if tag == "t.period":
        return _set(s, "period", int(tok.value), 1)  # type: ignore[call-overload]
    if tag == "t.dca":
        s.dca = True
        return 1
    if tag == "t.every":
        return _every(toks, i, s)
    if tag == "t.total" and nxt is not None and nxt.tag == "num" and _is(nxt2, "n.times"):
        return _set(s, "count", _int(nxt), 3)
    if tag == "num" and _is(nxt, "n.times"):
        return _times(toks, i, s)
    if tag in ("p.for", "t.for") or (tag == "o.gt" and tok.text.lower() == "over"):
        return _duration(toks, i, s)
    return 0


def _is(tok: Tok | None, tag: str) -> bool:
    return tok is not None and tok.tag == tag


def _set(s: _Sched, name: str, value: int | None, span: int) -> int:
    if value is None:
        return 0
    current = getattr(s, name)
    if current is not None and current != value:
        raise ambiguous("the schedule is given twice with different values: give it once")
    setattr(s, name, value)
    return span


def _every(toks: list[Tok], i: int, s: _Sched) -> int:
    nxt, nxt2 = _at(toks, i + 1), _at(toks, i + 2)
    if _is(nxt, "n.unit"):
        return _set(s, "period", int(nxt.value), 2)  # type: ignore[union-attr, arg-type]
    if nxt is not None and nxt.tag == "num" and _is(nxt2, "n.unit"):
        n, unit = _int(nxt) or 0, int(nxt2.value)  # type: ignore[union-attr, arg-type]
        if toks[i].text in ("隔", "每隔") and unit >= DAY and n == 1:
            n = 2  # 隔一天, 每隔一周: every other day, every other week
        return _set(s, "period", n * unit, 3)
    raise ambiguous("say how often: every N minutes, hours, days or weeks")


def _times(toks: list[Tok], i: int, s: _Sched) -> int:
    count = _int(toks[i])
    per, unit = _at(toks, i + 2), _at(toks, i + 3)
    if s.period is not None and count == 1 and _frequency(toks, i):
        return 2  # 每周买一次: once every week is the period itself, with no end
    if s.period is not None and _frequency(toks, i):
        if count is None or s.period % count:
            raise ambiguous("that frequency does not divide evenly: give the period instead")
        s.period //= count
        return 2
    if per is not None and per.tag == "t.every" and not _is(unit, "n.unit"):  # 2 times every 3 days
        raise ambiguous("say how often it repeats and, apart, how many times in total")
    if per is not None and per.tag in ("d.a", "t.every") and _is(unit, "n.unit"):
        seconds = int(unit.value)  # type: ignore[union-attr, arg-type]
        if count is None or seconds % count:
            raise ambiguous("that frequency does not divide evenly: give the period instead")
        return _set(s, "period", seconds // count, 4)
    if per is not None and per.tag == "t.period":
        seconds = int(per.value)  # type: ignore[call-overload]
        if count is None or seconds % count:
            raise ambiguous("that frequency does not divide evenly: give the period instead")
        return _set(s, "period", seconds // count, 3)
    return _set(s, "count", count, 2)


def _frequency(toks: list[Tok], i: int) -> bool:
    """N次 right after the period, or after the verb of a clause that has one (每周买一次).
    In English "every day 3 times" stays a total, as "every day, 3 times" is."""
    before, times = _at(toks, i - 1), _at(toks, i + 1)
    if times is None or times.text != "次":
        return False
    verb = _at(toks, i - 2) if before is not None and before.tag == "p.to" else before
    return _after_period(toks, i) or (verb is not None and verb.tag.startswith("v."))


def _after_period(toks: list[Tok], i: int) -> bool:
    """Whether the count toks[i] (N次) directly follows what set the period (每天, 每2天)."""
    before, times = _at(toks, i - 1), _at(toks, i + 1)
    chinese = times is not None and times.text == "次"
    return chinese and before is not None and before.tag in ("t.period", "n.unit")


def _duration(toks: list[Tok], i: int, s: _Sched) -> int:
    j = i + 1
    if _is(_at(toks, j), "d.the"):
        j += 1
    qty = _at(toks, j)
    if qty is not None and qty.tag == "t.period" and qty.text.lower().startswith(("a ", "one ")):
        return _set(s, "duration", int(qty.value), j + 1 - i)  # type: ignore[call-overload]
    if qty is not None and qty.tag in ("d.a", "num") and _is(_at(toks, j + 1), "n.unit"):
        n = 1 if qty.tag == "d.a" else _int(qty)
        unit = int(toks[j + 1].value)  # type: ignore[call-overload]
        return _set(s, "duration", (n or 0) * unit, j + 2 - i)
    if qty is not None and qty.tag == "num" and _is(_at(toks, j + 1), "n.times"):
        return _set(s, "count", _int(qty), j + 2 - i)
    return 0


def _schedule(s: _Sched) -> dict[str, int | None] | None:
    if s.period is None:
        if s.count is not None or s.duration is not None or s.dca:
            raise ambiguous("say how often it repeats, such as 'every day' or 'every 2 hours'")
        return None
    times = s.count
    if s.duration is not None:
        if s.duration % s.period:
            raise ambiguous("the duration is not a whole number of periods: give the times")
        by_duration = s.duration // s.period
        if times is not None and times != by_duration:
            raise ambiguous("the number of times and the duration disagree: give one of them")
        times = by_duration
    if times is not None and times > 100_000:
        raise invalid("that schedule repeats more than 100,000 times: give fewer")
    return {"every_seconds": s.period, "times": times}


# ---- conditions -------------------------------------------------------------

OPS = {"o.lt": "<", "o.le": "<=", "o.gt": ">", "o.ge": ">="}
_SUBJECT = frozenset({"tok", "m.price", "m.supply", "m.borrow", "m.hf", "m.rate", "d.the",
                      "d.my", "p.of", "n.token", "k.if", "r.it", "n.lending", "p.on", "p.for",
                      "o.move"})  # fmt: skip
_VALUE_SKIP = frozenset({"d.the", "p.on", "d.a"})
_STABLE_UNITS = frozenset({"USDC", "USDT", "DAI"})


class Cond:
    """One parsed condition, `start`/`end` its token span in the clause."""

    __slots__ = ("data", "end", "start")

    def __init__(self, data: dict[str, object], start: int, end: int) -> None:
        self.data, self.start, self.end = data, start, end


def take_conditions(toks: list[Tok]) -> tuple[list[Tok], list[Cond]]:
    """Cut every condition ("if ETH drops below 2000", "ETH涨到4000以上时")."""
    conds: list[Cond] = []
    used: set[int] = set()
    for i, tok in enumerate(toks):
        if i in used or tok.tag not in (
            "o.lt",
            "o.le",
            "o.gt",
            "o.ge",
            "o.move",
            "o.above",
            "o.below",
        ):
            continue
        cond = _condition(toks, i)
        if cond is not None:
            conds.append(cond)
            used.update(range(cond.start, cond.end))
    if any(t.tag == "k.if" for k, t in enumerate(toks) if k not in used):
        raise ambiguous(
            "conditions can be on a token's price, a supply or borrow APY, or the health "
            "factor, such as 'if ETH drops below 2000'"
        )
    return [t for k, t in enumerate(toks) if k not in used], conds


def _subject_start(toks: list[Tok], anchor: int) -> int:
    j = anchor
    while j > 0 and (_subject_tag(toks[j - 1]) in _SUBJECT):
        j -= 1
        if toks[j].tag == "k.if":
            break
    return j


def _subject_tag(tok: Tok) -> str:
    if (tok.tag == "word" and tokens.looks_like_ticker(tok.text)) or is_cjk_token(tok):
        return "tok"
    return tok.tag


def _condition(toks: list[Tok], i: int) -> Cond | None:
    anchor = toks[i]
    if anchor.tag in ("o.above", "o.below"):
        return _postfix_condition(toks, i)
    after = _at(toks, i + 1)
    if anchor.tag == "o.move" and after is not None and after.tag in OPS:
        return None  # "drop under 1500": the comparison comes next
    start = _subject_start(toks, i)
    subject = toks[start:i]
    if not any(
        _subject_tag(t) == "tok" or t.tag.startswith("m.") or t.tag == "r.it" for t in subject
    ):
        if any(t.tag == "k.if" for t in subject):
            raise ambiguous(
                "say which token the condition is about, such as 'if ETH drops below 2000'"
            )
        return None
    j = i + 1
    while j < len(toks) and toks[j].tag in _VALUE_SKIP:
        j += 1
    if j >= len(toks) or toks[j].tag not in ("num", "usd", "pct"):
        raise ambiguous("give the condition's level as a number, such as 'below 2000'")
    op = _op(anchor, _at(toks, j + 1))
    end = _value_end(toks, j)
    return Cond(_cond_data(subject, op, toks[j]), start, end)


def _postfix_condition(toks: list[Tok], i: int) -> Cond | None:
    """ "ETH价格在2000以下" — the value comes before 以上/以下."""
    value = _at(toks, i - 1)
    if value is None or value.tag not in ("num", "usd", "pct"):
        return None
    start = _subject_start(toks, i - 1)
    while start < i - 1 and toks[start].tag in ("p.on", "o.move"):
        start += 1
    subject = toks[start : i - 1]
    if not subject:
        return None
    op = "<" if toks[i].tag == "o.below" else ">"
    return Cond(_cond_data(subject, op, value), start, _value_end(toks, i - 1))


def _op(anchor: Tok, after: Tok | None) -> str:
    post = after.tag if after is not None else ""
    if post in ("o.above", "o.below"):
        up = {"o.gt": True, "o.ge": True, "o.lt": False, "o.le": False}.get(anchor.tag)
        if up is not None and up != (post == "o.above"):  # "低于2000以上", "涨到2000以下"
            raise unclear(f"'{anchor.text}' and '{after.text}' point opposite ways: "  # type: ignore[union-attr]
                            "say below or above once")  # fmt: skip
        return ">" if post == "o.above" else "<"
    if anchor.tag == "o.move":
        raise ambiguous(
            f"'{anchor.text}' does not say which way: use below, above, at least or at most"
        )
    return OPS[anchor.tag]


def _value_end(toks: list[Tok], j: int) -> int:
    end = j + 1
    while end < len(toks):
        tok = toks[end]
        stable = tok.tag == "tok" and tok.value in _STABLE_UNITS and end == j + 1
        if tok.tag == "tok" and end == j + 1 and not stable:  # "below 0.05 WBTC"
            raise unclear(f"a price level is in US dollars, not in {tok.text}: say 'if ETH "
                          "drops below 2000'")  # fmt: skip
        if tok.tag in ("o.above", "o.below", "k.end", "n.dollar") or stable:
            end += 1
        else:
            break
    return end


def _cond_data(subject: list[Tok], op: str, value_tok: Tok) -> dict[str, object]:
    tags = {t.tag for t in subject}
    symbols = [_symbol(t) for t in subject if _subject_tag(t) == "tok"]
    if "r.it" in tags and not symbols:
        raise ambiguous("say which token the condition is about instead of 'it'")
    if len(set(symbols)) > 1:
        raise ambiguous("a condition names two tokens: give one")
    token = symbols[0] if symbols else None
    metric = _metric(tags)
    if metric == "price" and tags & _HOLDINGS:  # "if my ETH drops below 1": a balance
        raise unclear("a condition is on a price, a rate or the health factor, not on what "
                      "you hold: say 'if ETH drops below 2000'")  # fmt: skip
    value = value_tok.value
    assert isinstance(value, Decimal)
    _check_value(metric, value_tok, value)
    if metric != "health_factor" and token is None:
        raise ambiguous(f"say which token's {metric.replace('_', ' ')} the condition is about")
    return {"metric": metric, "token": None if metric == "health_factor" else token,
            "op": op, "value": value}  # fmt: skip


_HOLDINGS = frozenset({"d.my", "n.balance", "n.supplied", "n.debt", "n.position", "q.all"})


def _symbol(tok: Tok) -> str:
    return str(tok.value) if tok.tag == "tok" else tok.text.upper()


def _metric(tags: set[str]) -> str:
    if "m.hf" in tags:
        return "health_factor"
    if "m.supply" in tags:
        return "supply_apy"
    if "m.borrow" in tags:
        return "borrow_apy"
    if "m.rate" in tags:
        raise ambiguous("say whether the supply rate or the borrow rate is meant")
    return "price"


def _check_value(metric: str, tok: Tok, value: Decimal) -> None:
    if value < 0:
        raise invalid("a condition's level cannot be negative")
    if metric in ("supply_apy", "borrow_apy") and tok.tag != "pct":
        raise ambiguous("give the rate as a percentage, such as 'above 5%'")
    if metric == "price" and tok.tag == "pct":
        raise ambiguous(
            "a price condition needs a price, such as 'below 2000'; "
            "percentage moves are not supported"
        )
    if metric == "health_factor" and tok.tag != "num":
        raise ambiguous("give the health factor as a plain number, such as 'below 1.2'")
