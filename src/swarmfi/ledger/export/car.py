"""`ledger export --car`: the ledger as a CARv1 file that any IPFS node imports.

    ipfs dag import ledger.car      # pins the root; every record is then on IPFS

Layout (CARv1: a DAG-CBOR header ``{"roots": [root], "version": 1}``, then
blocks as ``varint(len(cid)+len(data)) cid data``):

- each record's payload, a **raw** block under the CID the ledger already
  stored for it (cid.py), so `ipfs cat <cid>` gives the payload's exact bytes;
- **page** blocks (DAG-CBOR): ``{"records": [entry, ...]}``, up to
  `PAGE_SIZE` entries in seq order, each ``{"seq", "kind", "run_id", "ts",
  "prev_hash", "hash", "payload": <link>}``: everything the record hash
  covers, so the chain can be re-hashed from the CAR alone;
- the **root** block (DAG-CBOR): ``{"format": "swarmfi-ledger/1", "count",
  "head", "pages": [<link>, ...]}``, pages in order.

The header names the root, which is known only at the end: the file is written
with a placeholder of the same length and the header is rewritten last (a CID
of DAG-CBOR over sha2-256 is always 36 bytes). Memory stays bounded: one page
of entries and the set of payload CIDs already written (a payload repeated in
several records is one block).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from swarmfi.errors import StateError
from swarmfi.ledger.cid import CID_VERSION, RAW, SHA2_256, encode, varint
from swarmfi.ledger.export.cbor import Link
from swarmfi.ledger.export.cbor import encode as cbor
from swarmfi.ledger.verify import StoredRow

DAG_CBOR = 0x71
FORMAT = "swarmfi-ledger/1"
PAGE_SIZE = 1000
Block = tuple[bytes, bytes]  # (binary CID, data)


@dataclass(frozen=True)
class CarSummary:
    """What an export wrote: the root CID, the records, blocks and bytes."""

    root: str
    records: int
    blocks: int
    size: int
    head: str | None

    def to_json(self) -> dict[str, object]:
        return {"root": self.root, "records": self.records, "blocks": self.blocks,
                "bytes": self.size, "head": self.head}


def cid_bytes(codec: int, digest: bytes) -> bytes:
    """The binary CIDv1 of a sha2-256 `digest` of content in `codec`."""
    return varint(CID_VERSION) + varint(codec) + varint(SHA2_256) + varint(len(digest)) + digest


def _dag_cbor_block(value: object) -> Block:
    data = cbor(value)
    return cid_bytes(DAG_CBOR, hashlib.sha256(data).digest()), data


class _Builder:
    """Turns rows (seq order) into blocks; `root` is set once the rows are used up."""

    def __init__(self) -> None:
        self.root = b""
        self.count = 0
        self.head: str | None = None
        self._seen: set[bytes] = set()
        self._page: list[dict[str, object]] = []
        self._pages: list[Link] = []

    def blocks(self, rows: Iterable[StoredRow]) -> Iterator[Block]:
        for row in rows:
            yield from self._record(row)
            if len(self._page) == PAGE_SIZE:
                yield self._flush()
        if self._page:
            yield self._flush()
        root_cid, data = _dag_cbor_block(
            {"format": FORMAT, "count": self.count, "head": self.head, "pages": self._pages})
        self.root = root_cid
        yield root_cid, data

    def _record(self, row: StoredRow) -> Iterator[Block]:
        data = row.payload_text.encode("utf-8")
        digest = hashlib.sha256(data).digest()
        if encode(RAW, digest) != row.cid:
            raise StateError(
                f"record {row.seq} no longer matches its CID {row.cid}; it cannot be exported",
                "run `swarmfi ledger verify` to see what was altered",
            )
        binary = cid_bytes(RAW, digest)
        self._page.append({
            "seq": row.seq, "kind": row.kind, "run_id": row.run_id, "ts": row.ts,
            "prev_hash": row.prev_hash, "hash": row.hash, "payload": Link(binary),
        })  # fmt: skip
        self.count, self.head = self.count + 1, row.hash
        if binary not in self._seen:
            self._seen.add(binary)
            yield binary, data

    def _flush(self) -> Block:
        block = _dag_cbor_block({"records": self._page})
        self._pages.append(Link(block[0]))
        self._page = []
        return block


def _header(root: bytes) -> bytes:
    body = cbor({"roots": [Link(root)], "version": 1})
    return varint(len(body)) + body


_PLACEHOLDER = cid_bytes(DAG_CBOR, bytes(32))


def write_car(rows: Iterable[StoredRow], out: BinaryIO) -> CarSummary:
    """Write `rows` as a CARv1 to the seekable binary file `out`; return what it holds."""
    start = out.tell()
    size = out.write(_header(_PLACEHOLDER))
    builder, blocks = _Builder(), 0
    for cid, data in builder.blocks(rows):
        size += out.write(varint(len(cid) + len(data)) + cid + data)
        blocks += 1
    out.seek(start)
    out.write(_header(builder.root))  # same length as the placeholder
    out.seek(0, os.SEEK_END)
    return CarSummary(_cid_text(builder.root), builder.count, blocks, size, builder.head)


def export_car(rows: Iterable[StoredRow], path: Path) -> CarSummary:
    """Write the CAR to `path` atomically (a temporary file renamed into place)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as out:
            summary = write_car(rows, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return summary


def summarize(rows: Iterable[StoredRow]) -> CarSummary:
    """What `export_car` would write for `rows` (root CID, counts, size), writing nothing."""
    builder, blocks, size = _Builder(), 0, len(_header(_PLACEHOLDER))
    for cid, data in builder.blocks(rows):
        blocks, size = blocks + 1, size + len(varint(len(cid) + len(data))) + len(cid) + len(data)
    return CarSummary(_cid_text(builder.root), builder.count, blocks, size, builder.head)


def _cid_text(binary: bytes) -> str:
    return encode(DAG_CBOR, binary[-32:])
