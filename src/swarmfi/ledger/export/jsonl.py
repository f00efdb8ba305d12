"""`ledger export FILE|-`: every record as one canonical JSON line, streamed.

The same bytes as `Ledger.export` (which `ledger verify --jsonl` checks), written a
page of records at a time, so the export of any ledger runs in bounded memory and can
go to stdout (`swarmfi ledger export - | gzip > ledger.jsonl.gz`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from swarmfi.ledger.hashing import canonical
from swarmfi.ledger.verify import StoredRow


def line(row: StoredRow) -> bytes:
    """The canonical JSON line of one record (as `Record.to_json` gives it)."""
    return canonical({
        "seq": row.seq, "kind": row.kind, "run_id": row.run_id, "ts": row.ts,
        "payload": json.loads(row.payload_text), "prev_hash": row.prev_hash,
        "hash": row.hash, "cid": row.cid,
    }) + b"\n"  # fmt: skip


def write_jsonl(rows: Iterable[StoredRow], out: BinaryIO) -> int:
    """Write `rows` to `out`; return how many."""
    count = 0
    for row in rows:
        out.write(line(row))
        count += 1
    out.flush()
    return count


def export_jsonl(rows: Iterable[StoredRow], path: Path) -> int:
    """Write the JSONL to `path` atomically (a temporary file renamed into place)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as out:
            count = write_jsonl(rows, out)
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def export_payloads(rows: Iterable[StoredRow], directory: Path) -> int:
    """Write each payload's exact bytes to `directory/<cid>.json`; return how many files."""
    directory.mkdir(parents=True, exist_ok=True)
    written = set()
    for row in rows:
        if row.cid not in written:
            target = directory / f"{row.cid}.json"
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            tmp.write_bytes(row.payload_text.encode("utf-8"))
            os.replace(tmp, target)
            written.add(row.cid)
    return len(written)
