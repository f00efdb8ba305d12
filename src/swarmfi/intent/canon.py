"""Pure helpers for the canonical intent (SCHEMA.md): decimals, symbols, addresses.

Nothing here imports pydantic, so the embedded parser stays cheap to import; the
pydantic types in `swarmfi.intent.types` call these same checks.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# A canonical decimal string: digits, optionally a point and more digits. At most
# 30 digits either side keeps every amount exact and far beyond any real balance.
DECIMAL_PATTERN = r"^[0-9]{1,30}(\.[0-9]{1,30})?$"
_DECIMAL_RE = re.compile(DECIMAL_PATTERN)

SYMBOL_PATTERN = r"^[^\s]{1,40}$"
_SYMBOL_RE = re.compile(SYMBOL_PATTERN)

_HEX_ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
NAME_PATTERN = r"^[^\s]{1,64}$"
_NAME_RE = re.compile(NAME_PATTERN)

MAX_SCHEDULE_TIMES = 100_000
MAX_STEPS = 20


def fmt_decimal(value: Decimal) -> str:
    """`Decimal` -> canonical string: no exponent, no trailing zeros ("0.5", "100")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def read_decimal(value: object) -> Decimal:
    """A canonical decimal (str, int or Decimal; never a float) -> `Decimal`.

    Raises ValueError with a message naming the accepted form.
    """
    if isinstance(value, (bool, float)):
        raise ValueError('numbers are decimal strings such as "1.5", never floats')
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, Decimal):
        if not value.is_finite() or value.is_signed():
            raise ValueError("a number must be finite and not negative")
        value = fmt_decimal(value)
    if not isinstance(value, str) or not _DECIMAL_RE.match(value):
        raise ValueError(f'{value!r} is not a decimal string like "1.5" or "100"')
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # unreachable given the pattern; fail closed
        raise ValueError(f"{value!r} is not a decimal number") from exc


def norm_decimal(value: object) -> str:
    """Any accepted decimal form -> its canonical string."""
    return fmt_decimal(read_decimal(value))


def norm_symbol(value: object) -> str:
    """A token symbol as written -> upper-case; refuses empty or spaced symbols."""
    if not isinstance(value, str) or not _SYMBOL_RE.match(value):
        raise ValueError(f'{value!r} is not a token symbol (one word, such as "USDC")')
    return value.upper()


def _checksum(lower_hex: str) -> str:
    from eth_hash.auto import keccak  # lazy: only addresses pay for it

    digest = keccak(lower_hex.encode("ascii")).hex()
    return "".join(
        c.upper() if int(d, 16) >= 8 else c for c, d in zip(lower_hex, digest[:40], strict=True)
    )


def address_problem(text: str) -> str | None:
    """Why `text` is not an acceptable 0x address, or None when it is.

    Lower-case (or upper-case) hex carries no checksum and is accepted; mixed case
    must match EIP-55.
    """
    if not _HEX_ADDRESS_RE.match(text):
        return f"{text!r} is not a 0x address of 40 hex digits"
    body = text[2:]
    if body.strip("0") == "":
        return "the zero address burns whatever is sent to it"
    if body == body.lower() or body == body.upper():
        return None
    if _checksum(body.lower()) != body:
        return f"the address {text} has a bad EIP-55 checksum (a typo?)"
    return None


def recipient_problem(text: object) -> str | None:
    """Why `text` is not a recipient (0x address or address-book name), or None."""
    if not isinstance(text, str) or not _NAME_RE.match(text):
        return f"{text!r} is not a recipient: give an 0x address or an address-book name"
    if text[:2].lower() == "0x" and (len(text) == 42 or _looks_hex(text[2:])):
        return address_problem(text)
    return None


def _looks_hex(text: str) -> bool:
    return len(text) >= 8 and all(c in "0123456789abcdefABCDEF" for c in text)
