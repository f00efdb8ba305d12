"""Canonical JSON and the record hash of the ledger.

Canonical JSON, the only byte form the ledger hashes or stores:

- object keys sorted by code point, no whitespace, UTF-8 (no ``\\u`` escapes
  for non-ASCII text, so Chinese stays readable);
- every non-integer number is a string: ``Decimal("1.50")`` -> ``"1.50"``,
  a float by its shortest round-trip repr (``0.1`` -> ``"0.1"``); NaN and
  infinities are refused. Integers stay integers (any size: raw token amounts);
- bytes -> ``"0x"`` + lower-case hex; tuples -> lists; Enums -> their value;
  datetimes -> ISO 8601; dataclasses and pydantic models -> their fields.

Anything else (sets, non-string keys, objects) is a bug in the caller and
raises BugError: a payload that cannot be hashed the same way twice must never
reach the ledger.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from swarmfi.errors import BugError

GENESIS_HASH = "0" * 64

Json = None | bool | int | str | list["Json"] | dict[str, "Json"]


def normalize(value: Any) -> Json:
    """`value` as plain JSON types following the canonical rules above."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Mapping):
        return {_key(k): normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    return _normalize_scalar(value)


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise BugError(f"ledger payload key {key!r} is a {type(key).__name__}, not a string")
    return key


def _normalize_scalar(value: Any) -> Json:
    if isinstance(value, Decimal | float):
        return _number(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, enum.Enum):
        return normalize(value.value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return normalize({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if callable(getattr(value, "model_dump", None)):
        return normalize(value.model_dump(mode="json"))
    raise BugError(f"a {type(value).__name__} cannot go into the ledger: {value!r}")


def _number(value: Decimal | float) -> str:
    finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
    if not finite:
        raise BugError(f"the number {value!r} cannot go into the ledger")
    return str(value) if isinstance(value, Decimal) else repr(value)


def canonical(value: Any) -> bytes:
    """The canonical JSON bytes of `value`."""
    text = json.dumps(normalize(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BugError(f"ledger payload holds text that is not valid UTF-8: {exc}") from exc


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_hash(
    *,
    seq: int,
    kind: str,
    run_id: str | None,
    ts: str,
    payload: Json,
    prev_hash: str,
    cid: str,
) -> str:
    """sha256 (hex) of the canonical JSON of every record field but the hash itself."""
    fields = {
        "seq": seq,
        "kind": kind,
        "run_id": run_id,
        "ts": ts,
        "payload": payload,
        "prev_hash": prev_hash,
        "cid": cid,
    }
    return sha256_hex(canonical(fields))
