"""Intent: plain-language instructions to the canonical intent of SCHEMA.md.

Public names (INTERFACES.md §5), imported lazily so that the embedded parser does
not pay for pydantic until a caller asks for the typed models:

- `parse(text) -> Intent | Refusal` (never raises), with the embedded parser;
- `parse_canonical(text) -> dict`: the embedded parser's canonical JSON, without
  pydantic (the fast path);
- `to_canonical(x) -> dict`, `from_canonical(d) -> Intent | Refusal`
  (raises `CanonicalError`), the types in `swarmfi.intent.types`;
- `compare(a, b) -> bool` per SCHEMA.md's Comparing rules;
- `swarmfi.intent.parsers`: the registry of parser backends.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs ~20 ms
if TYPE_CHECKING:
    from typing import Any

    from swarmfi.intent.comparing import compare
    from swarmfi.intent.parser import parse_canonical
    from swarmfi.intent.parsers import parse
    from swarmfi.intent.types import (
        CanonicalError,
        Intent,
        Refusal,
        from_canonical,
        to_canonical,
    )

_LAZY = {
    "parse": "swarmfi.intent.parsers",
    "compare": "swarmfi.intent.comparing",
    "to_canonical": "swarmfi.intent.types",
    "from_canonical": "swarmfi.intent.types",
    "CanonicalError": "swarmfi.intent.types",
    "Intent": "swarmfi.intent.types",
    "Refusal": "swarmfi.intent.types",
    "parse_canonical": "swarmfi.intent.parser",
}

__all__ = [
    "CanonicalError",
    "Intent",
    "Refusal",
    "compare",
    "from_canonical",
    "parse",
    "parse_canonical",
    "to_canonical",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'swarmfi.intent' has no attribute {name!r}")
