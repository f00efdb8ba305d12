"""Text -> tagged tokens, for English and Chinese alike.

Every token has a `tag`. Tags without a dot are shapes: ``num`` (value: Decimal,
possibly negative), ``usd`` ($ amount), ``pct`` and ``frac`` (value: the fraction),
``badfrac`` (a fraction with no exact decimal, such as 1/3), ``tok`` (value: a
canonical symbol), ``pair`` (value: two symbols), ``addr``, ``word`` (an unknown
word), ``cjk`` (unknown Chinese), ``punct``, ``sym``. Tags with a dot come from the
lexicons (`en`, `zh`): ``v.*`` verbs, ``p.*`` markers, ``c.*`` connectors, ``k.*``
condition words, ``o.*`` comparisons, ``m.*`` metrics, ``q.*`` quantity words,
``d.*`` determiners, ``r.it`` references, ``n.*`` nouns, ``t.*`` schedule words,
``s.*`` vote choices, ``u.*`` unsupported requests, ``x.neg`` negation, ``f`` filler.
"""

from __future__ import annotations

import re
from decimal import Decimal

from swarmfi.intent import en, numbers, tokens, zh


class Tok:
    """One token: its tag, its text as written, a value, and where it sits."""

    __slots__ = ("end", "start", "tag", "text", "value")

    def __init__(self, tag: str, text: str, start: int, end: int, value: object = None) -> None:
        self.tag, self.text, self.start, self.end, self.value = tag, text, start, end, value

    def __repr__(self) -> str:
        return f"{self.tag}:{self.text}" + (f"={self.value}" if self.value is not None else "")


_SCAN = re.compile(
    r"""
    (?P<addr>0[xX][0-9A-Za-z]*)
   |(?P<word>(?i:1inch)(?![A-Za-z0-9])|[A-Za-z_\u00c0-\u024f][A-Za-z0-9_\u00c0-\u024f]*(?:['’.][A-Za-z0-9_\u00c0-\u024f]+)*)
   |(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?P<suf>(?:bn|mm|[kKmMbB])(?![A-Za-z0-9]))?
   |(?P<cjk>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)
   |(?P<op><=|>=|=<|=>|->|-->|→|≤|≥|<|>)
   |(?P<punct>[,;!?。；！？、\n]|\.(?!\d))
   |(?P<space>\s+)
   |(?P<sym>.)
    """,
    re.VERBOSE,
)
_OPS = {"<": "o.lt", "<=": "o.le", "=<": "o.le", "≤": "o.le", ">": "o.gt", ">=": "o.ge",
        "≥": "o.ge", "=>": "p.to", "->": "p.to", "-->": "p.to", "→": "p.to"}  # fmt: skip


def _split_tag(tag: str) -> tuple[str, object]:
    name, _, value = tag.partition("=")
    if not value:
        return name, None
    return name, Decimal(value) if "." in value or name in ("frac", "num") else int(value)


def _phrase_words(phrase: str) -> tuple[str, ...]:
    return tuple(m.group().lower() for m in _SCAN.finditer(phrase) if not m.group("space"))


_Tags = list[tuple[str, object]]
# first word -> (phrase lengths, longest first; phrase words -> tags)
_EnIndex = dict[str, tuple[tuple[int, ...], dict[tuple[str, ...], _Tags]]]


def _build_en() -> _EnIndex:
    phrases: dict[str, dict[tuple[str, ...], _Tags]] = {}
    items = list(en.entries()) + [(p, "tok=" + s) for p, s in tokens.EN_ALIASES.items()]
    for phrase, tag in items:
        words = _phrase_words(phrase)
        if tag.startswith("tok="):
            tags: _Tags = [("tok", tag[4:])]
        else:
            tags = [_split_tag(part) for part in tag.split("+")]
        phrases.setdefault(words[0], {})[words] = tags
    return {
        first: (tuple(sorted({len(w) for w in table}, reverse=True)), table)
        for first, table in phrases.items()
    }


def _build_zh() -> tuple[dict[str, list[tuple[str, object]]], int]:
    table: dict[str, list[tuple[str, object]]] = {}
    for word, tag in zh.entries():
        if word.isascii():
            continue
        table[word] = [_split_tag(part) for part in tag.split("+")]
    for word, symbol in tokens.ZH_ALIASES.items():
        table[word] = [("tok", symbol)]
    return table, max(len(w) for w in table)


EN_TABLE = _build_en()
ZH_TABLE, ZH_MAX = _build_zh()


def lex(text: str) -> list[Tok]:
    """Tokenise and tag `text` (already NFKC-normalised)."""
    raw = _scan(text)
    toks = _tag_words(raw)
    return _merge(toks)


def _scan(text: str) -> list[Tok]:
    out: list[Tok] = []
    for m in _SCAN.finditer(text):
        kind, start, end = m.lastgroup, m.start(), m.end()
        if kind == "space":
            continue
        if kind == "suf":
            kind = "num"
        if kind == "num":
            num_end = m.end("num")
            value = numbers.digits(text[start:num_end], m.group("suf") or "")
            out.append(Tok("num", m.group(), start, end, value))
        elif kind == "cjk":
            out.extend(_segment(m.group(), start))
        elif kind == "op":
            out.append(Tok(_OPS[m.group()], m.group(), start, end))
        else:
            out.append(Tok(kind or "sym", m.group(), start, end))
    return out


# ---- Chinese segmentation -----------------------------------------------------

_ZH_NUM_CHARS = numbers.ZH_NUMERAL_CHARS
# A numeral may start with one of these only when nothing unknown stands before it:
# in "貳千" an unread digit would otherwise leave "千" read as 1000.
_ZH_BARE_UNITS = frozenset("百千万亿佰仟")


def _segment(run: str, offset: int) -> list[Tok]:
    out: list[Tok] = []
    i, unknown = 0, -1
    while i < len(run):
        special = _zh_special(run, i)
        word_len = _zh_match(run, i)
        num_len = _zh_numeral_len(run, i)
        if special:
            length, tag, value = special
        elif num_len and num_len >= word_len and not (unknown >= 0 and run[i] in _ZH_BARE_UNITS):
            length, tag, value = num_len, "num", numbers.zh_numeral(run[i : i + num_len])
        elif word_len:
            length, tag, value = word_len, "", None
        else:
            unknown = i if unknown < 0 else unknown
            i += 1
            continue
        if unknown >= 0:
            out.append(Tok("cjk", run[unknown:i], offset + unknown, offset + i))
            unknown = -1
        out.extend(_zh_tokens(run[i : i + length], offset + i, tag, value))
        i += length
    if unknown >= 0:
        out.append(Tok("cjk", run[unknown:], offset + unknown, offset + len(run)))
    return out


def _zh_tokens(word: str, start: int, tag: str, value: object) -> list[Tok]:
    end = start + len(word)
    if tag:
        return [Tok(tag, word, start, end, value)]
    return [Tok(name, word, start, end, val) for name, val in ZH_TABLE[word]]


def _zh_match(run: str, i: int) -> int:
    for length in range(min(ZH_MAX, len(run) - i), 0, -1):
        if run[i : i + length] in ZH_TABLE:
            return length
    return 0


def _zh_numeral_len(run: str, i: int) -> int:
    j = i
    while j < len(run) and run[j] in _ZH_NUM_CHARS:
        j += 1
    while j > i and run[j - 1] == "点":
        j -= 1
    if j > i and numbers.zh_numeral(run[i:j]) is None:
        return 0
    return j - i


def _zh_special(run: str, i: int) -> tuple[int, str, object] | None:
    """百分之三十 -> pct 0.3; 三分之一 -> badfrac; 四分之一 -> frac 0.25."""
    if run.startswith("百分之", i):
        n = _zh_numeral_len(run, i + 3)
        value = numbers.zh_numeral(run[i + 3 : i + 3 + n]) if n else None
        return (3 + n, "pct", value / 100) if value is not None else None
    n = _zh_numeral_len(run, i)
    if n and run.startswith("分之", i + n):
        m = _zh_numeral_len(run, i + n + 2)
        den, num = (
            numbers.zh_numeral(run[i : i + n]),
            numbers.zh_numeral(run[i + n + 2 : i + n + 2 + m]),
        )
        if m and den is not None and num is not None:
            value = numbers.exact_fraction(num, den)
            return (n + 2 + m, "frac" if value is not None else "badfrac", value)
    return None


# ---- English phrases and number words ----------------------------------------


def _tag_words(raw: list[Tok]) -> list[Tok]:
    lows = [t.text.lower() for t in raw]
    out: list[Tok] = []
    i = 0
    while i < len(raw):
        tok = raw[i]
        entry = EN_TABLE.get(lows[i]) if tok.tag in _TAGGABLE else None
        match = _en_match(lows, i, entry) if entry else None
        if match:
            length, tags = match
            last, text = raw[i + length - 1], " ".join(t.text for t in raw[i : i + length])
            out.extend(Tok(tag, text, tok.start, last.end, value) for tag, value in tags)
            i += length
            continue
        out.append(tok)
        i += 1
    return out


_TAGGABLE = frozenset({"word", "sym", "p.to", "o.lt", "o.gt"})


def _en_match(
    lows: list[str], i: int, entry: tuple[tuple[int, ...], dict[tuple[str, ...], _Tags]]
) -> tuple[int, _Tags] | None:
    lengths, table = entry
    for n in lengths:
        if i + n > len(lows):
            continue
        tags = table.get(tuple(lows[i : i + n]))
        if tags is not None:
            return n, tags
    return None


# ---- merging passes -----------------------------------------------------------


def _merge(toks: list[Tok]) -> list[Tok]:
    toks = _number_words(toks)
    toks = _numbers(toks)
    return _retag(_pairs(_echoed_all(_fractions_of_one(toks))))


def _fractions_of_one(toks: list[Tok]) -> list[Tok]:
    """ "half an ETH" is 0.5 ETH, not half the balance; "two and a half" is 2.5."""
    out: list[Tok] = []
    for i, tok in enumerate(toks):
        after = toks[i + 1].tag if i + 1 < len(toks) else None
        if _one(tok) and after == "tok" and (share := _share_before(out)) is not None:
            out[-1] = Tok("num", f"{share.text} {tok.text}", share.start, tok.end, share.value)
            continue  # "half an ETH", "3/4 of an ETH", "50% of a WBTC", "四分之一个ETH"
        whole = out[-2] if len(out) >= 2 and out[-1].tag == "c.and" else None
        if tok.tag == "frac" and whole is not None and _whole_number(whole):
            value = whole.value + tok.value  # type: ignore[operator]
            out[-2:] = [Tok("num", f"{whole.text} and {tok.text}", whole.start, tok.end, value)]
            continue
        low = tok.text.lower()  # "a quarter ETH", "an eighth ETH", "1/2 ETH", "2/4 ETH"
        one = low.startswith(("a ", "an ", "one ")) or (low[:1].isdigit() and "/" in low)
        if tok.tag == "frac" and one and after == "tok":
            out.append(Tok("num", tok.text, tok.start, tok.end, tok.value))  # "a quarter ETH"
            continue
        out.append(tok)
    return out


def _one(tok: Tok) -> bool:
    """ "a"/"an", or the classifier 个 standing for one unit."""
    return tok.tag == "d.a" or (tok.tag == "f" and tok.text == "个")


def _share_before(out: list[Tok]) -> Tok | None:
    """The fraction or percentage just before, over an "of"; merged into it when found."""
    if out and out[-1].tag == "p.of" and len(out) >= 2 and out[-2].tag in ("frac", "pct"):
        of = out.pop()
        share = out[-1]
        out[-1] = Tok(share.tag, f"{share.text} {of.text}", share.start, of.end, share.value)
    return out[-1] if out and out[-1].tag in ("frac", "pct") else None


def _whole_number(tok: Tok) -> bool:
    return tok.tag == "num" and isinstance(tok.value, Decimal) and tok.value == int(tok.value)


def _echoed_all(toks: list[Tok]) -> list[Tok]:
    """Drop the 都 that repeats an "all" already said: 把所有的DAI都存入 is one "all"."""
    out: list[Tok] = []
    said_all = False
    for tok in toks:
        if tok.tag == "q.all" and tok.text == "都" and said_all:
            continue
        said_all = (said_all or tok.tag == "q.all") and tok.tag not in ("punct", "c.then")
        out.append(tok)
    return out


def _is_number_word(tok: Tok) -> bool:
    return tok.tag == "word" and tok.text.lower() in numbers.EN_NUMBER_WORDS


def _number_words(toks: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        if not _is_number_word(toks[i]):
            out.append(toks[i])
            i += 1
            continue
        j = i + 1
        while j < len(toks) and (
            _is_number_word(toks[j])
            or (
                toks[j].text.lower() in ("-", "and")
                and j + 1 < len(toks)
                and _is_number_word(toks[j + 1])
            )
        ):
            j += 1
        words = [t.text.lower() for t in toks[i:j] if t.text != "-"]
        value = numbers.en_words(words)
        tag = "num" if value is not None else "x.number"  # "two fifty": no one number
        out.append(Tok(tag, " ".join(words), toks[i].start, toks[j - 1].end, value))
        i = j
    return out


_SCALE_WORDS = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 10**9,
                "trillion": 10**12, "k": 1_000, "bn": 10**9, "mil": 1_000_000}  # fmt: skip


def _numbers(toks: list[Tok]) -> list[Tok]:
    out: list[Tok] = []
    for tok in toks:
        prev = out[-1] if out else None
        if prev is not None and _combine(out, prev, tok):
            continue
        out.append(tok)
    return _signs(out)


def _combine(out: list[Tok], prev: Tok, tok: Tok) -> bool:
    """Fold `tok` into the previous token when they form one quantity."""
    if _unread_before_unit(prev, tok):
        out[-1] = Tok("cjk", prev.text + tok.text, prev.start, tok.end)
        return True
    if prev.tag == "num" and isinstance(prev.value, Decimal):
        return _after_number(out, prev, tok)
    if _point(prev, tok):  # "1点5" is 1.5 (the "9点" before it looked like a time)
        value = Decimal(f"{prev.text[:-1]}.{tok.text}")
        out[-1] = Tok("num", prev.text + tok.text, prev.start, tok.end, value)
        return True
    if prev.text == "$" and tok.tag == "num":
        out[-1] = Tok("usd", prev.text + tok.text, prev.start, tok.end, tok.value)
        return True
    if prev.text in ("#", "＃", "№") and tok.tag == "num":
        out[-1] = Tok("num", "#" + tok.text, prev.start, tok.end, tok.value)
        return True
    return False


def _point(prev: Tok, tok: Tok) -> bool:
    """ "9点" then joined digits: a decimal point, not o'clock."""
    time = prev.tag == "u.time" and prev.text[-1] == "点" and prev.text[:-1].isdigit()
    return time and tok.tag == "num" and tok.start == prev.end and tok.text.isdigit()


def _unread_before_unit(prev: Tok, tok: Tok) -> bool:
    """ "X千": something unread is part of the number, so it is not 1000."""
    joined = tok.start == prev.end
    return joined and tok.tag == "num" and tok.text[0] in _ZH_BARE_UNITS and prev.tag in (
        "word", "sym", "cjk"
    )  # fmt: skip


def _zh_mixed(text: str) -> Decimal | None:
    """The value of digits joined to Chinese numerals ("1.5万", "3万5"), else None."""
    if text.isascii() or not any(c.isascii() for c in text):
        return None
    return numbers.zh_mixed(re.sub(r"(?<=\d)点(?=\d)", ".", text.replace(",", "")))


def _after_number(out: list[Tok], prev: Tok, tok: Tok) -> bool:
    low, value = tok.text.lower(), prev.value
    assert isinstance(value, Decimal)
    joined = tok.start == prev.end
    if tok.tag in ("word", "num") and low in _SCALE_WORDS:
        out[-1] = Tok(
            "num", f"{prev.text} {tok.text}", prev.start, tok.end, value * _SCALE_WORDS[low]
        )
    elif tok.tag == "num" and joined and (mixed := _zh_mixed(prev.text + tok.text)) is not None:
        out[-1] = Tok("num", prev.text + tok.text, prev.start, tok.end, mixed)
    elif joined and low in ("am", "pm", "a.m", "p.m", "点"):  # 9am, 9点: a time of day
        out[-1] = Tok("u.time", prev.text + tok.text, prev.start, tok.end)
    elif tok.text == "%" or tok.tag == "n.percent":
        out[-1] = Tok("pct", prev.text + "%", prev.start, tok.end, value / 100)
    elif tok.tag == "n.bps":
        out[-1] = Tok("pct", f"{prev.text} {tok.text}", prev.start, tok.end, value / 10_000)
    elif tok.tag == "n.dollar":
        out[-1] = Tok("usd", f"{prev.text} {tok.text}", prev.start, tok.end, value)
    elif (
        tok.tag == "p.to"
        and tok.text == "成"
        and joined
        and value == int(value)
        and 0 < value <= 10
    ):
        out[-1] = Tok("pct", prev.text + "成", prev.start, tok.end, value / 10)
    elif tok.tag == "word" and low == "x" and joined:
        out[-1] = Tok("u.leverage", prev.text + "x", prev.start, tok.end)
    else:
        return False
    return True


def _retag(toks: list[Tok]) -> list[Tok]:
    """Context fixes: "1 billion supply" (noun), "一个叫X的代币" (article), "LP 1 ETH" (verb)."""
    for i, tok in enumerate(toks):
        prev = toks[i - 1] if i else None
        noun_before = prev is not None and (
            prev.tag in ("num", "d.a", "d.the", "d.my") or prev.text.lower() == "total"
        )
        if (
            tok.tag == "v.supply"
            and tok.text.lower() == "supply"
            and noun_before
            and (prev is None or prev.tag != "d.my")
        ):
            tok.tag = "n.supply"
        if tok.tag == "f" and _in_name(toks, i):
            tok.tag = "cjk"  # 转100 USDC给老钱: a name goes on past a filler character
        if _noun_use(toks, i):
            tok.tag = _AS_NOUN[tok.tag]  # "of my deposit", 存款里的, "my USDC borrow": a position
        after = toks[i + 1].tag if i + 1 < len(toks) else None
        if tok.tag in _TURNED and after == "d.my" and _to_me(tok, toks[i + 1]):
            tok.tag = "x.turn"  # "lend me 100 USDC" is a borrow: never read as a supply
        if (
            tok.text in ("了", "过")
            and _after_verb(toks, i)
            and after
            in (
                "num",
                "usd",
                "tok",
                "q.all",
                "frac",
                "pct",
                "s.for",
                "s.against",
                "s.abstain",
                None,
            )
        ):
            tok.tag = "x.past"  # 我给老王转了100 USDC: a report, not an order
        if (
            tok.tag == "f"
            and tok.text == "来"
            and prev is not None
            and prev.tag == "num"
            and (prev.end == tok.start)
        ):
            tok.tag = "x.approx"  # 10来个: ten-odd
        if (
            tok.tag == "v.supply"
            and prev is not None
            and prev.tag == "tok"
            and (after in (None, "punct", "c.and", "c.then", "p.from") or _to_wallet(toks, i + 1))
        ):
            tok.tag = "n.supplied"  # "withdraw all my USDC supply", 取出全部USDC存款: a noun
        if tok.tag == "tok" and tok.value == "AAVE" and after in _POSITION_TAGS:
            tok.tag = "x.aave"  # "withdraw half my aave supply", "pay off my aave loan"
        if (
            tok.text == "分"
            and after == "num"
            and i + 2 < len(toks)
            and (toks[i + 2].tag == "n.times")
        ):
            tok.tag = "x.split"  # 分10次买: the total in ten parts
        if tok.tag == "q.all" and prev is not None and prev.tag == "d.a" and after == "tok":
            tok.tag, tok.value = "num", Decimal(1)  # "a whole ETH" is one ETH, not all of it
        if tok.text.lower() == "like" and after in _AMOUNT_TAGS:
            tok.tag = "x.approx"  # "swap like 100 usdc"
        if tok.text == "第" and after == "num" and i + 2 < len(toks) and toks[i + 2].text == "个":
            tok.tag = "x.ordinal"  # 第三个提案: a place in a list, not proposal 3
        if (
            tok.tag == "p.on"
            and tok.text.lower() == "in"
            and after == "num"
            and (i + 2 < len(toks) and toks[i + 2].tag == "n.times")
        ):
            tok.tag = "x.split"  # "in 10 installments": a total split
        if tok.tag == "n.max" and _bounds_amount(toks, i):
            tok.tag = "x.bound"  # "borrow up to 1000 USDC", "100 USDC max", "最高100 USDC"
        if prev is None and tok.text.lower() == "lp" and after in _AMOUNT_TAGS:
            tok.tag = "v.addliq"  # "LP 1 ETH into ETH/USDT": the verb
        if (
            tok.text == "还"
            and tok.tag == "v.repay"
            and after is not None
            and (after.startswith(("v.", "c.", "k.", "w.")) or after == "p.ba")
        ):
            tok.tag = "f"  # 还 as "also/still" before another verb: 还想借, 还要换
        if tok.tag == "v.send" and _paying(toks, i):
            tok.tag = "f"  # "用USDC支付", "pay with USDC": how to pay, not a transfer
        if (
            tok.text == "一"
            and tok.tag == "num"
            and i + 2 < len(toks)
            and toks[i + 1].text in _CLASSIFIERS
        ) and toks[i + 2].tag not in ("tok", "word", "pair", "r.it", "cjk", "n.token"):
            tok.tag = "f"
    return toks


# Words that are both an action and the position it makes: read as the noun where a noun
# stands (after my/the/your, before a locative 里/中/的, as the object of another verb).
_AS_NOUN = {"v.supply": "n.supplied", "v.borrow": "n.debt"}
_DUAL = frozenset({"deposit", "deposits", "supply", "borrow", "borrows", "存款", "抵押", "贷款",
                   "借款"})  # fmt: skip
_OWNERS = frozenset({"d.my", "d.the", "d.a"})
_LOCATIVES = frozenset({"里", "中", "里的", "中的", "里面", "内", "的"})
_SUBJECTS = frozenset({"i", "we", "我", "我们"})


_PARTICLES = frozenset("吧呢吗啊了的呀哦啦嘛哈嗯着过地得个")


def _in_name(toks: list[Tok], i: int) -> bool:
    """toks[i], one Chinese character, is glued to a name said after 给/转给/到."""
    tok, prev = toks[i], toks[i - 1] if i else None
    if len(tok.text) != 1 or tok.text.isascii() or tok.text in _PARTICLES or prev is None:
        return False
    return (
        prev.tag == "cjk"
        and prev.end == tok.start
        and i >= 2
        and (toks[i - 2].tag in ("p.give", "p.to") or toks[i - 2].tag == "cjk")
    )


def _noun_use(toks: list[Tok], i: int) -> bool:
    """Whether the action word toks[i] stands where a noun does: "take out 100 USDC of my
    deposit", "repay half of my USDC borrow", 从我的存款里取出, 提取存款中的1个WETH."""
    tok = toks[i]
    if tok.tag not in _AS_NOUN or tok.text.lower() not in _DUAL:
        return False
    prev = toks[i - 1] if i else None
    after = toks[i + 1] if i + 1 < len(toks) else None
    if prev is not None and prev.tag in _OWNERS and prev.text.lower() not in _SUBJECTS:
        return True
    if prev is not None and prev.tag == "tok" and i >= 2 and toks[i - 2].tag in _OWNERS:
        return True  # "my USDC borrow"
    if after is not None and after.text in _LOCATIVES and after.start == tok.end:
        return True
    return (
        not tok.text.isascii()
        and prev is not None
        and prev.end == tok.start
        and (prev.tag in ACTION_VERBS)
    )  # 提取存款: the object of another verb


_CLASSIFIERS = ("个", "种", "款", "只", "项")
_TURNED = frozenset({"v.supply", "v.sell", "v.swap", "v.repay", "v.payoff", "v.withdraw",
                     "v.borrow", "v.put", "v.remove"})  # fmt: skip
_ME = frozenset({"me", "us"})
_POSITION_TAGS = frozenset({"n.supplied", "n.debt", "v.supply"})
_TO_ME_ZH = frozenset({"借给", "卖", "卖给", "还给", "出借"})  # 我 after other verbs is "my"
# The verbs of an action (the grammar's primary verbs are these plus query and get).
ACTION_VERBS = frozenset({
    "v.swap", "v.buy", "v.sell", "v.spend", "v.send", "v.wrap", "v.unwrap", "v.supply",
    "v.withdraw", "v.borrow", "v.repay", "v.payoff", "v.put", "v.addliq", "v.remove",
    "v.removeliq", "v.launch", "v.vote",
})  # fmt: skip
_AMOUNT_TAGS = frozenset({"num", "usd", "pct", "frac", "q.all"})
_PAY_WORDS = frozenset({"支付", "付", "付款", "pay"})


def _after_verb(toks: list[Tok], i: int) -> bool:
    """toks[i] right after a verb, or after the marker a verb phrase carries (换成)."""
    prev = toks[i - 1] if i else None
    if prev is None or prev.end != toks[i].start:
        return False
    verb = toks[i - 2] if prev.tag == "p.to" and i >= 2 and toks[i - 2].text == prev.text else prev
    return verb.tag in ACTION_VERBS


def _to_wallet(toks: list[Tok], i: int) -> bool:
    """toks[i:] begin "to my wallet" / "back to me"."""
    here = toks[i] if i < len(toks) else None
    there = toks[i + 1] if i + 1 < len(toks) else None
    return (
        here is not None
        and here.tag == "p.to"
        and there is not None
        and (there.tag in ("d.my", "n.balance") or "wallet" in there.text.lower())
    )


def _to_me(verb: Tok, me: Tok) -> bool:
    if me.text.isascii():
        return me.text.lower() in _ME
    return verb.text in _TO_ME_ZH and me.text in ("我", "我们")


def _bounds_amount(toks: list[Tok], i: int) -> bool:
    """A max/up-to word on an amount ("up to 1000 USDC", "100 USDC max"), not on slippage."""
    near = [t.tag for t in toks[max(0, i - 2) : i + 3]]
    if "n.slippage" in near or "pct" in near:
        return False
    after = toks[i + 1].tag if i + 1 < len(toks) else None
    before = toks[i - 1].tag if i else None
    return after in ("num", "usd") or before == "tok"


def _paying(toks: list[Tok], i: int) -> bool:
    if toks[i].text.lower() not in _PAY_WORDS:
        return False
    after = toks[i + 1] if i + 1 < len(toks) else None
    if after is not None and after.tag == "p.with":
        return True
    return any(t.tag == "p.with" for t in toks[max(0, i - 3) : i]) and not toks[i].text.isascii()


def _signs(toks: list[Tok]) -> list[Tok]:
    """ "-5" -> num -5; "1/4" -> frac 0.25; "1/3" -> badfrac."""
    out: list[Tok] = []
    for tok in toks:
        if (
            tok.tag == "num"
            and len(out) >= 2
            and out[-1].text == "/"
            and out[-2].tag == "num"
            and out[-2].end == out[-1].start
            and out[-1].end == tok.start
        ):
            num, den = out[-2].value, tok.value
            assert isinstance(num, Decimal) and isinstance(den, Decimal)
            value = numbers.exact_fraction(num, den) if num <= den else None
            text = f"{out[-2].text}/{tok.text}"
            out[-2:] = [Tok("frac" if value else "badfrac", text, out[-2].start, tok.end, value)]
            continue
        if _negative(out, tok):
            continue
        out.append(tok)
    return out


def _negative(out: list[Tok], tok: Tok) -> bool:
    """A minus sign on a number ("-5", "负100", "borrow - 100"), not a dash between two
    words ("ETH-5")."""
    if tok.tag not in ("num", "usd") or not out or not isinstance(tok.value, Decimal):
        return False
    sign, before = out[-1], (out[-2] if len(out) >= 2 else None)
    if sign.tag == "cjk" and sign.text.endswith("负") and sign.end == tok.start:  # 借负100
        rest = [Tok("cjk", sign.text[:-1], sign.start, sign.end - 1)] if len(sign.text) > 1 else []
        out[-1:] = [*rest, Tok(tok.tag, "负" + tok.text, sign.end - 1, tok.end, -tok.value)]
        return True
    if sign.text not in _MINUS:
        return False
    if sign.end != tok.start and not (before is None or before.tag.startswith(("v.", "p."))):
        return False  # a spaced dash counts only right after a verb or a marker
    if before is not None and before.end == sign.start and before.tag in ("word", "tok"):
        return False
    out[-1] = Tok(tok.tag, "-" + tok.text, sign.start, tok.end, -tok.value)
    return True


_MINUS = ("-", "−", "–", "—")
_PAIR_SEPS = ("/", "-", "–", "—", ":", "+")


def _pairs(toks: list[Tok]) -> list[Tok]:
    """TOKEN/TOKEN or TOKEN-TOKEN -> one ``pair`` token."""
    out: list[Tok] = []
    for tok in toks:
        if _tokenish(tok) and len(out) >= 2 and out[-1].text in _PAIR_SEPS and _tokenish(out[-2]):
            a, b = _symbol_of(out[-2]), _symbol_of(tok)
            out[-2:] = [Tok("pair", f"{out[-2].text}/{tok.text}", out[-2].start, tok.end, (a, b))]
            continue
        out.append(tok)
    return out


def _tokenish(tok: Tok) -> bool:
    return tok.tag == "tok" or (tok.tag == "word" and tokens.looks_like_ticker(tok.text))


def _symbol_of(tok: Tok) -> str:
    return str(tok.value) if tok.tag == "tok" else tok.text.upper()
