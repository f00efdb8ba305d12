"""Compare two canonical outputs the way SCHEMA.md says ("Comparing").

Equal after: token symbols upper-cased, decimal strings compared as numbers, key
order ignored; for refusals only `kind` counts. Works on canonical dicts (or
pydantic types, converted first) and never raises on odd input: anything that
is not canonical simply compares by value.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

TOKEN_KEYS = frozenset({"token", "token_in", "token_out", "token_a", "token_b", "symbol"})
NUMBER_KEYS = frozenset(
    {"value", "usd", "fraction", "slippage", "supply", "community_share", "fdv_usd"}
)
_NUMBER_RE = re.compile(r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$")


def _field(key: str, value: Any) -> Any:
    if key in TOKEN_KEYS and isinstance(value, str):
        return value.upper()
    if key in NUMBER_KEYS and isinstance(value, str) and _NUMBER_RE.match(value):
        return Decimal(value)
    return normalise(value)


def normalise(data: Any) -> Any:
    """The comparable form of canonical JSON (see the module docstring)."""
    if isinstance(data, dict):
        if isinstance(data.get("error"), dict):
            return {"error": {"kind": data["error"].get("kind")}}
        return {key: _field(key, value) for key, value in data.items()}
    if isinstance(data, list):
        return [normalise(item) for item in data]
    return data


def _as_dict(item: Any) -> Any:
    if hasattr(item, "model_dump"):
        from swarmfi.intent.types import to_canonical

        return to_canonical(item)
    return item


def compare(a: Any, b: Any) -> bool:
    """True when two canonical outputs agree per SCHEMA.md."""
    return bool(normalise(_as_dict(a)) == normalise(_as_dict(b)))
