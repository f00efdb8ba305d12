"""Is a prompt sensitive? Wallet addresses, keys, balances and positions make it so.

A sensitive request may only go to `local` or `tee` providers (see `Router`). The
check errs on the side of sensitive (fails closed): a false positive costs a
cheaper provider, a false negative leaks the user's wallet to a third party.

- Every message (system prompts too): an 0x address (40 hex), a 64-hex secret,
  or structured wallet data such as `balance: 1.5` / `"debt": "200"`.
- The caller's messages (every role but `system`): also the user's own holdings —
  "my balance", "our positions", "my health factor", "I hold 3 ETH", "I have 2,000
  USDC", seed phrases and private keys; in Chinese 余额, 持仓, 仓位, 私钥, 助记词,
  我的抵押/债务/健康因子/资产/钱包, 我有/我持有 + a number.
Bare words such as the query name "balance" in a schema or a validation message
are not wallet data; system prompts are swarmfi's own templates. A caller who
puts wallet data into a message in another form passes `sensitive=True`.
`sensitive=False` never turns the check off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from swarmfi.compute.types import Message

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}(?![0-9a-fA-F])")
_SECRET = re.compile(r"(?<![0-9a-fA-F])(?:0x)?[0-9a-fA-F]{64}(?![0-9a-fA-F])")
_WALLET_DATA = re.compile(
    r"(?i)\b(?:balance|position|collateral|debt|holding|supplied|borrowed)s?\b\W{0,3}[:=]\s*\"?\d"
)
_WALLET_WORDS = re.compile(
    r"(?i)\b(?:my|our|mine|your)\s+(?:\w+\s+){0,2}?(?:balances?|positions?|collateral"
    r"|debts?|loans?|health[ _-]?factor|portfolio|holdings?|net[ _-]?worth|wallet)\b"
    r"|\b(?:i|we)\s+(?:have|hold|own|holds?)\b[^.\n]{0,40}?\d"
    r"|\b(?:seed[ _-]?phrase|mnemonic|private[ _-]?key)\b"
    r"|余额|持仓|仓位|私钥|助记词|我的(?:抵押|债务|健康因子|资产|钱包)|我(?:有|持有)[^。\n]{0,20}?\d"
)


def sensitive_reason(messages: Sequence[Message]) -> str | None:
    """Why these messages are sensitive (for error messages), or None when they are not."""
    for message in messages:
        text = _text(message.get("content"))
        reason = _always(text) or (None if message.get("role") == "system" else _words(text))
        if reason:
            return reason
    return None


def is_sensitive(messages: Sequence[Message], marked: bool | None = None) -> bool:
    """`marked=True` forces sensitive; otherwise the content decides (never relaxed)."""
    return bool(marked) or sensitive_reason(messages) is not None


def _always(text: str) -> str | None:
    if _ADDRESS.search(text):
        return "it holds a wallet address"
    if _SECRET.search(text):
        return "it holds a 64-hex-digit secret (a private key?)"
    if _WALLET_DATA.search(text):
        return "it holds wallet balances or positions"
    return None


def _words(text: str) -> str | None:
    match = _WALLET_WORDS.search(text)
    return f"it mentions wallet data ({match.group(0)!r})" if match else None


def _text(content: Any) -> str:
    """Message content as text: a string, or the text parts of a multi-part content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text(part.get("text")) for part in content if isinstance(part, dict))
    return "" if content is None else str(content)
