"""Is every token, number and recipient of a model's intent traceable to the user's text?

`ungrounded(text, intent) -> list[str]`: one problem per value the text does not
state. A model that fills in a token, an amount, a level or a recipient the user
never gave is guessing, and a guess is refused as ambiguous however well it
validates (SCHEMA.md: a parser never guesses). Traceable means:

- token: its symbol is a word of the text ("usdc", "$PEPE"), or an alias of it is
  (SCHEMA.md's: ether/以太坊 -> ETH, bitcoin/BTC/比特币 -> WBTC, tether -> USDT, …), or
  an earlier step produces it ("wrap 1 ETH, then supply it" supplies WETH);
- number: one of `stated_numbers(text)` ("half" 0.5, "2k" 2000, "1%" 0.01, 两千 …);
  a share of 1 of an earlier step (`of_step`) is the whole of what "it" refers to;
- recipient: an 0x address exactly as written in the text (case included, so a
  checksum cannot be lost), or a name that is a word of the text;
- launch name: written in the text; schedule: the period is N units the text
  names ("every 2 hours"), the count a stated number or the span over the period
  ("daily for a week": 7).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from swarmfi.compute.numbers import stated_numbers

# SCHEMA.md's aliases; the intent package's tables are added when it has them.
_ALIASES: dict[str, str] = {
    "ether": "ETH", "ethereum": "ETH", "以太坊": "ETH", "以太": "ETH", "以太币": "ETH",
    "bitcoin": "WBTC", "btc": "WBTC", "比特币": "WBTC", "tether": "USDT",
    "wrapped ether": "WETH", "wrapped eth": "WETH", "wrapped bitcoin": "WBTC",
}  # fmt: skip
_TOKEN_KEYS = ("token", "token_in", "token_out", "token_a", "token_b")
_UNITS = {
    60: ("minute", "min", "分钟"),
    3600: ("hour", "hr", "hourly", "小时", "钟头"),
    86400: ("day", "daily", "天", "日"),
    604800: ("week", "weekly", "周", "星期", "礼拜"),
    1209600: ("fortnight",),
    2592000: ("month", "monthly", "月"),
}
_WORDS = re.compile(r"[0-9A-Za-z]+")


def aliases() -> dict[str, str]:
    """Lower-case word -> canonical symbol (SCHEMA.md's, and the intent package's)."""
    table = dict(_ALIASES)
    try:
        from swarmfi.intent import tokens
    except ImportError:  # the embedded parser's tables are optional here
        return table
    for name in ("EN_ALIASES", "ZH_ALIASES"):
        table.update({k.lower(): v for k, v in getattr(tokens, name, {}).items()})
    return table


class Evidence:
    """What the user's text states: words, symbols, numbers, time units."""

    def __init__(self, text: str) -> None:
        self.text = unicodedata.normalize("NFKC", text)
        simplified = _simplified(self.text)  # 比特幣 names WBTC as 比特币 does
        lowered = simplified.lower()
        self.words = {w.lower() for w in _WORDS.findall(self.text)}
        self.symbols = {w.upper() for w in self.words} | {
            symbol for alias, symbol in aliases().items() if _mentions(lowered, alias)
        }
        self.numbers = stated_numbers(simplified)
        self.units = [u for u, names in _UNITS.items() if any(n in lowered for n in names)]

    def has_number(self, value: object) -> bool:
        number = _decimal(value)
        return number is not None and number in self.numbers

    def has_period(self, seconds: int) -> bool:
        counts = {Decimal(1)} | self.numbers
        return any(Decimal(seconds) in (n * u, u / n) for u in self.units for n in counts if n)

    def has_times(self, times: int, every: int) -> bool:
        counts = {Decimal(1)} | self.numbers
        spans = {n * u / every for u in self.units for n in counts}
        return Decimal(times) in self.numbers | spans


def _simplified(text: str) -> str:
    """Traditional characters as simplified ones, when the intent package is there."""
    try:
        from swarmfi.intent import zh
    except ImportError:
        return text
    return text.translate(zh.TRADITIONAL)


def _mentions(lowered: str, alias: str) -> bool:
    if alias.isascii():
        return re.search(rf"(?<![0-9a-z]){re.escape(alias)}(?![0-9a-z])", lowered) is not None
    return alias in lowered


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def ungrounded(text: str, intent: dict[str, Any]) -> list[str]:
    """Problems: values of `intent` (canonical JSON) that `text` does not state."""
    if "error" in intent:
        return []
    evidence = Evidence(text)
    problems: list[str] = []
    produced: set[str] = set()
    for index, step in enumerate(intent.get("steps") or []):
        problems += [f"step {index}: {p}" for p in _step(step, evidence, produced)]
        produced |= set(_produces(step))
    schedule = intent.get("schedule")
    if schedule:
        problems += _schedule(schedule, evidence)
    return problems


def _step(step: dict[str, Any], ev: Evidence, produced: set[str]) -> list[str]:
    problems = [
        f"token {step[key]!r} is not named"
        for key in _TOKEN_KEYS
        if step.get(key) and str(step[key]).upper() not in ev.symbols | produced
    ]
    problems += _amount(step.get("amount"), ev)
    problems += _numbers(step, ev)
    problems += _recipient(step.get("to"), ev)
    problems += _condition(step.get("when"), ev, produced)
    if step.get("action") == "launch":
        problems += _launch(step, ev)
    return problems


def _amount(amount: Any, ev: Evidence) -> list[str]:
    if not isinstance(amount, dict):
        return []
    for key in ("value", "usd", "fraction"):
        if key not in amount:
            continue
        whole_of_step = key == "fraction" and amount.get("of_step") is not None
        if whole_of_step and _decimal(amount[key]) == 1:
            return []  # "it", "them", "换到的": all of what that step produced
        if not ev.has_number(amount[key]):
            return [f"amount {key} {amount[key]} is not stated"]
    return []


def _numbers(step: dict[str, Any], ev: Evidence) -> list[str]:
    keys = ("slippage", "proposal")
    return [
        f"{key} {step[key]} is not stated"
        for key in keys
        if step.get(key) is not None and not ev.has_number(step[key])
    ]


def _recipient(to: Any, ev: Evidence) -> list[str]:
    if to is None:
        return []
    to = str(to)
    if to.lower().startswith("0x"):
        return [] if to in ev.text else [f"recipient {to} is not written in the text as such"]
    return [] if to.lower() in ev.words or to in ev.text else [f"recipient {to!r} is not named"]


def _condition(when: Any, ev: Evidence, produced: set[str]) -> list[str]:
    if not isinstance(when, dict):
        return []
    problems = []
    token = when.get("token")
    if token and str(token).upper() not in ev.symbols | produced:
        problems.append(f"condition token {token!r} is not named")
    if not ev.has_number(when.get("value")):
        problems.append(f"condition level {when.get('value')} is not stated")
    return problems


def _launch(step: dict[str, Any], ev: Evidence) -> list[str]:
    problems = []
    name = str(step.get("name") or "")
    if name and name.lower() not in ev.text.lower():
        problems.append(f"token name {name!r} is not written")
    symbol = step.get("symbol")
    if symbol and str(symbol).upper() not in ev.symbols:
        problems.append(f"symbol {symbol!r} is not written")
    for key in ("supply", "community_share", "fdv_usd"):
        if step.get(key) is not None and not ev.has_number(step[key]):
            problems.append(f"{key} {step[key]} is not stated")
    return problems


def _schedule(schedule: dict[str, Any], ev: Evidence) -> list[str]:
    every, times = schedule.get("every_seconds"), schedule.get("times")
    problems = []
    if not isinstance(every, int) or not ev.has_period(every):
        problems.append(f"schedule period {every} s is not stated")
    elif times is not None and not ev.has_times(int(times), every):
        problems.append(f"schedule count {times} is not stated")
    return problems


def _produces(step: dict[str, Any]) -> Iterable[str]:
    """Token symbols a canonical step leaves in the wallet (for references to it)."""
    action = step.get("action")
    if action == "swap":
        return [str(step.get("token_out", "")).upper()]
    if action == "wrap":
        return ["WETH"]
    if action == "unwrap":
        return ["ETH"]
    if action in ("borrow", "withdraw"):
        return [str(step.get("token", "")).upper()]
    if action == "remove_liquidity":
        return [str(step.get("token_a", "")).upper(), str(step.get("token_b", "")).upper()]
    return []
