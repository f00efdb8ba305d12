"""`ledger anchor --arweave`: the ledger's head on Arweave, as a signed ANS-104 data item.

A data item (ANS-104, "Bundled Data v2.0") is, in order:

    signature type   2 bytes, little-endian: 3 = Ethereum (secp256k1)
    signature        65 bytes: r || s || v over EIP-191 ("personal_sign") of the message
    owner            65 bytes: the uncompressed public key (0x04 || x || y)
    target, anchor   a presence byte each (0: absent; we set neither)
    tag count        8 bytes LE;  tag bytes: 8 bytes LE;  tags: an Avro array of
                     {name: bytes, value: bytes} (zig-zag varint lengths, 0 at the end)
    data             the rest: here the canonical JSON {"app", "kind", "head", "seq",
                     "count", "root_cid"}

The message is the deep hash (SHA-384, Arweave 2.0) of
``["dataitem", "1", "3", owner, target, anchor, tags, data]`` (the signature type as
text, absent fields as empty bytes: what deployed bundlers verify), and the item's id
is base64url(sha256(signature)). The item is POSTed to a bundler (ArDrive Turbo's
``/v1/tx`` by default; $SWARMFI_BUNDLER_URL or --bundler for another), which must
answer with the same id. The id is then recorded in the ledger as an ``anchor``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from swarmfi.errors import BugError, ProviderError, UserInputError
from swarmfi.ledger.hashing import canonical

SIGNATURE_TYPE_ETHEREUM = 3
SIGNATURE_LENGTH = 65
OWNER_LENGTH = 65
DEFAULT_BUNDLER = "https://upload.ardrive.io/v1/tx"
DEFAULT_GATEWAY = "https://arweave.net"
BUNDLER_ENV = "SWARMFI_BUNDLER_URL"
TIMEOUT_S = 60.0
DeepHashChunk = bytes | Sequence["DeepHashChunk"]


class MessageSigner(Protocol):
    """Signs arbitrary bytes the Ethereum way (EIP-191), e.g. chain.wallet.LocalSigner."""

    @property
    def address(self) -> str: ...

    def sign_message(self, message: bytes) -> bytes: ...


def deep_hash(chunk: DeepHashChunk) -> bytes:
    """Arweave's deep hash: SHA-384 over a tagged tree of byte strings."""
    if isinstance(chunk, bytes | bytearray):
        tag = hashlib.sha384(b"blob" + str(len(chunk)).encode()).digest()
        return hashlib.sha384(tag + hashlib.sha384(chunk).digest()).digest()
    acc = hashlib.sha384(b"list" + str(len(chunk)).encode()).digest()
    for item in chunk:
        acc = hashlib.sha384(acc + deep_hash(item)).digest()
    return acc


def _avro_long(n: int) -> bytes:
    zigzag = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        low, zigzag = zigzag & 0x7F, zigzag >> 7
        out.append(low | (0x80 if zigzag else 0))
        if not zigzag:
            return bytes(out)


def encode_tags(tags: Sequence[tuple[str, str]]) -> bytes:
    """The Avro array of tags (empty bytes for no tags, as bundlers expect)."""
    if not tags:
        return b""
    out = bytearray(_avro_long(len(tags)))
    for name, value in tags:
        for text in (name.encode("utf-8"), value.encode("utf-8")):
            out += _avro_long(len(text)) + text
    return bytes(out + _avro_long(0))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class DataItem:
    """A signed data item: `raw` is what the bundler receives."""

    id: str
    raw: bytes
    owner: bytes
    data: bytes


def signature_message(owner: bytes, tags: bytes, data: bytes) -> bytes:
    """The 48 bytes the owner signs (target and anchor absent)."""
    parts = [b"dataitem", b"1", str(SIGNATURE_TYPE_ETHEREUM).encode(), owner, b"", b"", tags, data]
    return deep_hash(parts)


def eip191_hash(message: bytes) -> bytes:
    """keccak256 of "\\x19Ethereum Signed Message:\\n" + len + message (personal_sign)."""
    from eth_utils import keccak

    return bytes(keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message))


def public_key(message: bytes, signature: bytes, address: str) -> bytes:
    """The uncompressed public key that made `signature` over EIP-191(`message`)."""
    from eth_keys import keys

    digest = eip191_hash(message)
    v = signature[64] - 27 if signature[64] >= 27 else signature[64]
    key = keys.Signature(signature[:64] + bytes([v])).recover_public_key_from_msg_hash(digest)
    if key.to_checksum_address().lower() != address.lower():
        raise BugError(f"the signature recovers {key.to_checksum_address()}, not {address}")
    return b"\x04" + key.to_bytes()


_PROBE = b"swarmfi: the owner's public key"  # signed once to learn the key any signer holds


def build(signer: MessageSigner, data: bytes, tags: Sequence[tuple[str, str]]) -> DataItem:
    """Sign `data` with `tags` as an ANS-104 data item of `signer` (signature type 3)."""
    tag_bytes = encode_tags(tags)
    owner = public_key(_PROBE, signer.sign_message(_PROBE), signer.address)
    signature = signer.sign_message(signature_message(owner, tag_bytes, data))
    if len(signature) != SIGNATURE_LENGTH:
        raise BugError(f"an Ethereum signature of {len(signature)} bytes, not 65")
    raw = b"".join([
        SIGNATURE_TYPE_ETHEREUM.to_bytes(2, "little"), signature, owner, b"\x00", b"\x00",
        len(tags).to_bytes(8, "little"), len(tag_bytes).to_bytes(8, "little"), tag_bytes, data,
    ])  # fmt: skip
    return DataItem(b64url(hashlib.sha256(signature).digest()), raw, owner, data)


def anchor_item(signer: MessageSigner, head: str, seq: int, count: int, root: str) -> DataItem:
    """The data item that anchors a ledger whose record `seq` has hash `head`."""
    body = {"app": "swarmfi", "kind": "ledger-anchor", "head": head, "seq": seq,
            "count": count, "root_cid": root}
    tags = [("Content-Type", "application/json"), ("App-Name", "swarmfi"),
            ("Type", "ledger-anchor"), ("Ledger-Head", head), ("Root-CID", root)]
    return build(signer, canonical(body), tags)


def bundler_url(given: str | None) -> str:
    url = given or os.environ.get(BUNDLER_ENV) or DEFAULT_BUNDLER
    if not url.startswith(("http://", "https://")):
        raise UserInputError(f"the bundler URL {url!r} is not an http(s) URL",
                             f"pass --bundler https://HOST/tx or set {BUNDLER_ENV}")
    return url


async def post(item: DataItem, url: str) -> dict[str, Any]:
    """POST the item to the bundler; return its JSON answer, whose id must be the item's."""
    import aiohttp

    try:
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
        headers = {"Content-Type": "application/octet-stream"}
        async with (aiohttp.ClientSession(timeout=timeout) as http,
                    http.post(url, data=item.raw, headers=headers) as reply):
            status, text = reply.status, await reply.text()
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise ProviderError(f"cannot reach the bundler {url}: {exc}",
                            f"check the URL (--bundler or {BUNDLER_ENV}) and your network") from exc
    if status >= 300:
        raise ProviderError(f"the bundler {url} refused the anchor: HTTP {status}: {text[:200]}",
                            "check that the bundler takes ANS-104 items signed with an"
                            " Ethereum key (type 3), and its limits for free uploads")
    return _answer(url, text, item.id)


def _answer(url: str, text: str, wanted: str) -> dict[str, Any]:
    import json

    try:
        answer = json.loads(text)
        got = answer["id"]
    except (ValueError, TypeError, KeyError):
        raise ProviderError(f"the bundler {url} answered without an id: {text[:200]}",
                            "check that the URL is a bundler's upload endpoint") from None
    if got != wanted:
        raise ProviderError(f"the bundler {url} answered with id {got}, not {wanted}",
                            "the bundler did not store this item as sent; try another one")
    return dict(answer)
