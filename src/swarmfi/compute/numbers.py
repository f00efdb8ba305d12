"""Every number a text states, in every reading a canonical intent could use. Pure.

`stated_numbers("swap 1.5k DAI, 0.5% slippage")` holds 1.5, 1500, 0.5 and 0.005.
Readings: digits with thousands commas; k/m/b/thousand/million/万/千/亿 multipliers;
percent, "百分之N" and basis points as fractions; English number words ("two
hundred and fifty"); Chinese numerals (两千, 一千五); share words ("half", "all",
"quarter", "一半", "全部"). Nothing is guessed: a number the text does not state in
one of these ways is not in the set.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_MULTIPLIERS = {
    "k": 10**3, "thousand": 10**3, "grand": 10**3, "千": 10**3,
    "m": 10**6, "mm": 10**6, "mn": 10**6, "million": 10**6, "millions": 10**6,
    "b": 10**9, "bn": 10**9, "billion": 10**9,
    "万": 10**4, "亿": 10**8, "百": 10**2,
}  # fmt: skip
_NUMBER = re.compile(
    r"(?P<pct_zh>百分之)?(?<![0-9A-Za-z.])(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s?(?P<mult>k|mm|mn|m|bn|b|thousand|grand|millions?|billion|千|万|亿|百)(?![a-z]))?"
    r"\s?(?P<pct>%|％|percent|per\s?cent|pct|bps|basis\s+points?)?",
    re.IGNORECASE,
)
_SHARE_WORDS = {
    "half": "0.5", "halve": "0.5", "quarter": "0.25", "all": "1", "everything": "1",
    "entire": "1", "whole": "1", "max": "1", "maximum": "1", "full": "1",
}  # fmt: skip
_ZH_SHARES = {"一半": "0.5", "半": "0.5", "四分之一": "0.25", "全部": "1", "所有": "1", "全": "1"}
_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_WORD = re.compile(r"[a-z]+", re.IGNORECASE)
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10**4, "亿": 10**8}
_ZH_RUN = re.compile(r"(百分之)?([零〇一二两三四五六七八九十百千万亿]+)(?!分之)")


def stated_numbers(text: str) -> set[Decimal]:
    """All numbers `text` states (see the module docstring), as Decimals."""
    text = unicodedata.normalize("NFKC", text)
    found: set[Decimal] = set()
    _digits(text, found)
    _english_words(text, found)
    _chinese(text, found)
    return found


def _digits(text: str, found: set[Decimal]) -> None:
    for match in _NUMBER.finditer(text):
        try:
            n = Decimal(match["n"].replace(",", ""))
        except InvalidOperation:
            continue
        found.add(n)
        if match["mult"]:
            n = n * _MULTIPLIERS[match["mult"].lower()]
            found.add(n)
        pct = (match["pct"] or "").lower()
        if pct.startswith(("bps", "basis")):
            found.add(n / 10_000)
        elif pct or match["pct_zh"]:
            found.add(n / 100)


def _english_words(text: str, found: set[Decimal]) -> None:
    words = [w.lower() for w in _WORD.findall(text)]
    for word in words:
        if word in _SHARE_WORDS:
            found.add(Decimal(_SHARE_WORDS[word]))
    run: list[str] = []
    for i, word in enumerate([*words, ""]):
        if word in _ONES or word in _SCALES or (run and word == "and"):
            run.append(word)
            continue
        if word == "a" and i + 1 < len(words) and words[i + 1] in _SCALES:
            run.append("one")
            continue
        if run:
            found.add(Decimal(_word_value(run)))
        run = []


def _word_value(run: list[str]) -> int:
    total, current = 0, 0
    for word in run:
        if word in _ONES:
            current += _ONES[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
    return total + current


def _chinese(text: str, found: set[Decimal]) -> None:
    for word, share in _ZH_SHARES.items():
        if word in text:
            found.add(Decimal(share))
    for match in _ZH_RUN.finditer(text):
        value = Decimal(zh_integer(match[2]))
        found.add(value)
        if match[1]:
            found.add(value / 100)


def zh_integer(run: str) -> int:
    """A run of Chinese numerals as an integer: 两千 2000, 一千五 1500, 三万五千 35000."""
    total, section, digit, last_unit = 0, 0, None, 0
    for ch in run:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
            last_unit = 0 if ch in "零〇" else last_unit
        elif ch in _ZH_UNITS:
            section += (1 if digit is None else digit) * _ZH_UNITS[ch]
            digit, last_unit = None, _ZH_UNITS[ch]
        else:
            section += digit or 0
            total += max(section, 1) * _ZH_BIG[ch]
            section, digit, last_unit = 0, None, _ZH_BIG[ch]
    if digit is not None:  # 一千五, 三万五: a digit right after a unit is one place down
        section += digit * max(last_unit // 10, 1)
    return total + section
