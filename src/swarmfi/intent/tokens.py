"""Token names, symbols and aliases (SCHEMA.md), English and Chinese.

Matching is case-insensitive. A symbol not listed here is kept as written,
upper-cased; the planner, not the parser, refuses unknown tokens.
"""

from __future__ import annotations

import re

KNOWN = ("ETH", "WETH", "USDC", "USDT", "DAI", "WBTC", "LINK", "UNI", "AAVE")

# lower-case word or phrase -> canonical symbol
EN_ALIASES: dict[str, str] = {
    **{symbol.lower(): symbol for symbol in KNOWN},
    "ether": "ETH", "ethers": "ETH", "ethereum": "ETH", "eth's": "ETH",
    "wrapped ether": "WETH", "wrapped eth": "WETH", "wrapped ethereum": "WETH",
    "btc": "WBTC", "bitcoin": "WBTC", "bitcoins": "WBTC", "wrapped bitcoin": "WBTC",
    "wrapped btc": "WBTC", "xbt": "WBTC",
    "tether": "USDT", "usd coin": "USDC", "usdc.e": "USDC",
    "chainlink": "LINK", "dai stablecoin": "DAI",
}  # fmt: skip

# Chinese word -> canonical symbol (longest match wins in the lexer)
ZH_ALIASES: dict[str, str] = {
    "以太坊": "ETH", "以太币": "ETH", "以太": "ETH", "包装以太坊": "WETH", "包装以太": "WETH",
    "比特币": "WBTC", "大饼": "WBTC", "包装比特币": "WBTC", "泰达币": "USDT", "泰达": "USDT",
    "链克": "LINK",
}  # fmt: skip

# A word may stand for an unknown token when it looks like a ticker.
_TICKER_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,11}$|^\$[A-Za-z][A-Za-z0-9]{1,11}$")


def looks_like_ticker(word: str) -> bool:
    """True for words shaped like a token symbol ("PEPE", "pepe", "ARB2")."""
    return bool(_TICKER_RE.match(word))


# What each step produces (for references such as "it", "the USDC", "换到的").
def produced(step: dict[str, object]) -> tuple[str, ...]:
    """The token symbols a canonical step leaves in the wallet, in order."""
    action = step["action"]
    if action == "swap":
        return (str(step["token_out"]),)
    if action == "wrap":
        return ("WETH",)
    if action == "unwrap":
        return ("ETH",)
    if action in ("borrow", "withdraw"):
        return (str(step["token"]),)
    if action == "remove_liquidity":
        return (str(step["token_a"]), str(step["token_b"]))
    return ()


def spent(step: dict[str, object]) -> tuple[str, ...]:
    """The token symbols a canonical step takes out of the wallet."""
    action = step["action"]
    if action == "swap":
        return (str(step["token_in"]),)
    if action == "wrap":
        return ("ETH",)
    if action == "unwrap":
        return ("WETH",)
    if action in ("transfer", "supply", "repay"):
        return (str(step["token"]),)
    if action == "add_liquidity":
        return (str(step["token_a"]), str(step["token_b"]))
    return ()
