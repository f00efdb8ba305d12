"""IPFS-compatible content identifiers (CIDv1) for ledger payloads, written from the spec.

A CIDv1 is the bytes ``<version varint> <codec varint> <multihash>``, where the
multihash is ``<hash-fn varint> <digest length varint> <digest>``, written in a
multibase: here base32, lower case, no padding, behind the prefix ``b``.

The ledger uses codec **raw (0x55)** over the canonical JSON bytes of a payload
and sha2-256 (0x12, 32-byte digest). Raw is chosen over dag-json/json because it
is what `ipfs add --cid-version=1` (raw leaves) produces for any file of one
block (up to 256 KiB), so `ipfs add --cid-version=1 payload.json` on the exact
canonical bytes gives the same CID, and `ipfs block put` (codec raw by default)
does for any size. ``cid_v1(b"hello world")`` is
``bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from swarmfi.errors import UserInputError

CID_VERSION = 1
RAW = 0x55
JSON = 0x0200
SHA2_256 = 0x12
SHA2_256_LENGTH = 32
BASE32_PREFIX = "b"


@dataclass(frozen=True)
class Cid:
    """A decoded CIDv1 (sha2-256 only)."""

    version: int
    codec: int
    digest: bytes

    def __str__(self) -> str:
        return encode(self.codec, self.digest)


def varint(n: int) -> bytes:
    """Unsigned LEB128, as multiformats uses for every prefix."""
    if n < 0:
        raise ValueError(f"varint of a negative number: {n}")
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_varint(data: bytes, at: int) -> tuple[int, int]:
    """Decode the varint at `data[at:]`; return (value, index after it)."""
    value = shift = 0
    for i in range(at, min(len(data), at + 9)):
        value |= (data[i] & 0x7F) << shift
        if not data[i] & 0x80:
            return value, i + 1
        shift += 7
    raise ValueError("truncated or overlong varint")


def encode(codec: int, digest: bytes) -> str:
    """The base32 CIDv1 string for a sha2-256 `digest` of content in `codec`."""
    raw = varint(CID_VERSION) + varint(codec) + varint(SHA2_256) + varint(len(digest)) + digest
    return BASE32_PREFIX + base64.b32encode(raw).decode("ascii").lower().rstrip("=")


def cid_v1(data: bytes, codec: int = RAW) -> str:
    """The CIDv1 (sha2-256, base32) of `data`, by default with the raw codec."""
    return encode(codec, hashlib.sha256(data).digest())


def decode(text: str) -> Cid:
    """Parse a base32 sha2-256 CIDv1 string; raise UserInputError if it is not one."""
    try:
        return _decode(text)
    except (ValueError, IndexError) as exc:
        raise UserInputError(
            f"{text!r} is not a base32 sha2-256 CIDv1 ({exc})",
            "a ledger CID starts with 'bafkrei'; copy it whole from `swarmfi ledger show`",
        ) from exc


def _decode(text: str) -> Cid:
    if not text.startswith(BASE32_PREFIX):
        raise ValueError("missing the multibase prefix 'b'")
    body = text[1:].upper()
    raw = base64.b32decode(body + "=" * (-len(body) % 8))
    version, at = read_varint(raw, 0)
    codec, at = read_varint(raw, at)
    fn, at = read_varint(raw, at)
    length, at = read_varint(raw, at)
    digest = raw[at:]
    if (version, fn, length, len(digest)) != (CID_VERSION, SHA2_256, SHA2_256_LENGTH, length):
        raise ValueError(f"version {version}, hash 0x{fn:x}, digest {len(digest)} bytes")
    return Cid(version, codec, digest)
