"""Number grammar: digits with separators and suffixes, English number words,
Chinese numerals (两, 万, 亿, 点, mixed "1.5万"), exact fractions.

Every function returns an exact `Decimal` or None when the text is not a number
it understands; nothing here rounds.
"""

from __future__ import annotations

import re
from decimal import Decimal

SUFFIXES = {"k": 1_000, "m": 1_000_000, "mm": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000}

EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
EN_SCALES = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    "trillion": 1_000_000_000_000, "k": 1_000, "bn": 1_000_000_000,
}  # fmt: skip
EN_NUMBER_WORDS = frozenset(EN_UNITS) | frozenset(EN_SCALES) - {"k", "bn"}

ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9,
             # the financial forms written on cheques
             "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4, "伍": 5, "陆": 6, "陸": 6,
             "柒": 7, "捌": 8, "玖": 9}  # fmt: skip
ZH_SMALL = {"十": 10, "百": 100, "千": 1_000, "拾": 10, "佰": 100, "仟": 1_000}
ZH_BIG = {"万": 10_000, "亿": 100_000_000}
ZH_NUMERAL_CHARS = frozenset(ZH_DIGITS) | frozenset(ZH_SMALL) | frozenset(ZH_BIG) | {"点"}
_MIXED = re.compile(r"(\d+(?:\.\d+)?)|([十百千万亿])|([零〇一二两三四五六七八九])")


def digits(text: str, suffix: str = "") -> Decimal:
    """ "1,000.5" with an optional k/m/b suffix -> Decimal (the caller's regex vetted it)."""
    value = Decimal(text.replace(",", ""))
    return value * SUFFIXES[suffix.lower()] if suffix else value


def en_words(words: list[str]) -> Decimal | None:
    """English number words ("one thousand two hundred", "twenty-five") -> Decimal; None
    for what is no single number: "two fifty", "one and two", "nineteen ninety"."""
    total, current, seen, last, joined, bare, scale = 0, 0, False, "", False, False, 0
    for word in words:
        if word in EN_UNITS:
            kind = "tens" if EN_UNITS[word] >= 20 else ("teen" if EN_UNITS[word] >= 10 else "unit")
            if last in ("unit", "teen") or (last == "tens" and kind != "unit"):
                return None  # "two fifty", "nineteen ninety", "twenty thirty"
            bare = bare or (last == "scale" and not joined and scale >= 10**6)
            current, seen, last, joined = current + EN_UNITS[word], True, kind, False
        elif word == "hundred":
            if last not in ("unit", "teen", "tens", ""):
                return None
            current, seen, last, bare = (current or 1) * 100, True, "hundred", False
        elif word in EN_SCALES:
            scale = EN_SCALES[word]
            total, current, seen, last = total + (current or 1) * scale, 0, True, "scale"
            bare = False
        elif word == "and" and last in ("hundred", "scale"):
            joined = True  # "two hundred and five"
        else:
            return None
    if bare:
        return None  # "a million two": 1,000,002 or 1.2 million?
    return Decimal(total + current) if seen else None


def zh_numeral(text: str) -> Decimal | None:
    """Chinese numerals ("两千五百", "一千五", "1.5" not included, "三点五") -> Decimal."""
    if not text or any(c not in ZH_NUMERAL_CHARS for c in text):
        return None
    whole, _, frac = text.partition("点")
    value = _zh_integer(whole) if whole else 0
    if value is None:
        return None
    if not frac:
        return None if text.endswith("点") else Decimal(value)
    if any(c not in ZH_DIGITS for c in frac):
        return None
    return Decimal(f"{value}." + "".join(str(ZH_DIGITS[c]) for c in frac))


def _zh_integer(text: str) -> int | None:
    total, section, number, last_unit = 0, 0, 0, 0
    for index, char in enumerate(text):
        if char in ZH_DIGITS:
            if index and text[index - 1] in ZH_DIGITS and number:
                return _zh_digit_string(text)
            number = ZH_DIGITS[char]
            continue
        last_unit = ZH_SMALL.get(char) or ZH_BIG[char]
        if char in ZH_SMALL:
            section, number = section + (number or 1) * ZH_SMALL[char], 0
        elif char == "亿":
            total, section, number = (total + section + number or 1) * ZH_BIG[char], 0, 0
        else:
            total, section, number = total + (section + number or 1) * ZH_BIG[char], 0, 0
    if number and len(text) > 1 and text[-2] not in ZH_DIGITS and last_unit >= 10:
        number *= last_unit // 10  # colloquial "一千五" = 1500, "两万三" = 23000
    return total + section + number


def zh_mixed(text: str) -> Decimal | None:
    """Digits mixed with Chinese units: "1.5万" 15000, "3万5" 35000, "1万2千5" 12500.

    A lone digit after a unit is the colloquial next-lower unit ("3万5" is 3万5千),
    unless 零 stands between them ("3万零5" is 30005); more digits must fill the places
    below the unit exactly ("1万2千500" is 12500), else the text is not a number.
    """
    total, section, number = Decimal(0), Decimal(0), None
    last_unit, pos, zero = 0, 0, False
    for m in _MIXED.finditer(text):
        if m.start() != pos:
            return None
        pos = m.end()
        figures, unit, digit = m.groups()
        if digit in ("零", "〇") and last_unit and number is None:
            zero = True  # "3万零5": the 5 is units, not thousands
            continue
        if unit is None:
            if number is not None:
                return None
            number = Decimal(figures) if figures else Decimal(ZH_DIGITS[digit])
            continue
        size = ZH_SMALL.get(unit) or ZH_BIG[unit]
        if last_unit and size > last_unit and unit not in ZH_BIG:
            return None  # "5万3十万": units out of order
        if unit in ZH_SMALL:
            section += (1 if number is None else number) * size
        else:  # 万 closes a section; 亿 multiplies everything before it
            group = section + (number or 0) + (total if unit == "亿" else 0)
            total = (total if unit == "万" else 0) + (group or Decimal(1)) * size
            section = Decimal(0)
        number = None
        last_unit = size
    if pos != len(text) or (number is not None and number != int(number) and last_unit):
        return None
    if number is not None and last_unit >= 10 and not zero:
        if number < 10:
            number *= last_unit // 10
        elif not last_unit <= number * 10 < last_unit * 10:
            return None  # "3万15": neither 30015 nor 31500 is plainly meant
    return total + section + (number or 0)


def _zh_digit_string(text: str) -> int | None:
    """ "二零二五" (digit by digit) -> 2025; None when units are mixed in, and for two
    digits without a zero: "两三" and "一两" are "two or three", "one or two"."""
    if any(c not in ZH_DIGITS for c in text):
        return None
    if len(text) == 2 and ZH_DIGITS[text[0]] and ZH_DIGITS[text[1]]:
        return None
    return int("".join(str(ZH_DIGITS[c]) for c in text))


def exact_fraction(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator/denominator when its decimal expansion ends (1/4 yes, 1/3 no)."""
    if denominator == 0:
        return None
    value = numerator / denominator
    if value * denominator != numerator or len(value.as_tuple().digits) > 20:
        return None
    return value
