"""DAG-CBOR encoding, the little of it the CAR export needs, written from the IPLD spec.

DAG-CBOR is CBOR (RFC 8949) with one encoding for each value: integers and
lengths in their shortest form, map keys (strings only) sorted by the length of
their encoded bytes and then bytewise, no indefinite lengths, no floats here,
and a link to another block as CBOR tag 42 over the bytes ``0x00 <binary CID>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from swarmfi.errors import BugError

_UINT, _NEGINT, _BYTES, _TEXT, _ARRAY, _MAP, _TAG = range(7)
CID_TAG = 42
_SIMPLE = {False: b"\xf4", True: b"\xf5", None: b"\xf6"}


@dataclass(frozen=True)
class Link:
    """A link to a block, by its binary CID."""

    cid: bytes


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | extra]) + n.to_bytes(size, "big")
    raise BugError(f"an integer too large for DAG-CBOR: {n}")


def encode(value: Any) -> bytes:
    """The DAG-CBOR bytes of `value` (None, bool, int, str, bytes, list, dict, Link)."""
    if isinstance(value, bool) or value is None:
        return _SIMPLE[value]
    if isinstance(value, int):
        return _head(_UINT, value) if value >= 0 else _head(_NEGINT, -1 - value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _head(_TEXT, len(data)) + data
    if isinstance(value, bytes):
        return _head(_BYTES, len(value)) + value
    return _encode_container(value)


def _encode_container(value: Any) -> bytes:
    if isinstance(value, Link):
        return _head(_TAG, CID_TAG) + encode(b"\x00" + value.cid)
    if isinstance(value, list | tuple):
        return _head(_ARRAY, len(value)) + b"".join(encode(v) for v in value)
    if isinstance(value, dict):
        items = sorted((encode(_key(k)), encode(v)) for k, v in value.items())
        items.sort(key=lambda kv: len(kv[0]))  # stable: bytewise within one length
        return _head(_MAP, len(items)) + b"".join(k + v for k, v in items)
    raise BugError(f"a {type(value).__name__} has no DAG-CBOR form here: {value!r}")


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise BugError(f"a DAG-CBOR map key must be a string, not {key!r}")
    return key
