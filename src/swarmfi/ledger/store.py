"""The ledger store: one SQLite file, append-only, hash-chained.

Every record is (seq, kind, run_id, ts, payload, prev_hash, hash, cid):
`payload` is canonical JSON (swarmfi.ledger.hashing), `cid` its CIDv1
(swarmfi.ledger.cid), `hash` the sha256 of the canonical JSON of all the other
fields, and `prev_hash` the hash of the record before (64 zeros for the first).

SQLite enforces the append-only rule itself: triggers abort any UPDATE or
DELETE, and AUTOINCREMENT remembers the highest seq ever written, so a cut tail
shows up in `verify()` and is never reused. WAL mode, synchronous=FULL (a
record is on disk before `append` returns: the executor writes a transaction
here before broadcasting it), and a 30 s busy timeout: any number of processes
may read and append; `BEGIN IMMEDIATE` makes each append the one writer.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swarmfi import paths
from swarmfi.errors import BugError, StateError
from swarmfi.ledger.cid import cid_v1
from swarmfi.ledger.hashing import GENESIS_HASH, canonical, normalize, record_hash
from swarmfi.ledger.verify import StoredRow, VerifyReport, check_chain
from swarmfi.sqlite import SqliteFile

APPLICATION_ID = 0x53574649  # "SWFI" in the SQLite header: this file is a swarmfi ledger
SCHEMA_VERSION = 1
KINDS = (
    "intent", "plan", "preview", "approval", "transaction", "receipt",
    "refusal", "order", "firing", "halt", "note", "anchor",
)  # fmt: skip
_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")
_COLUMNS = "seq, kind, run_id, ts, payload, prev_hash, hash, cid"
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS records (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        run_id TEXT,
        ts TEXT NOT NULL,
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        cid TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS records_by_run ON records (run_id, kind)",
    "CREATE INDEX IF NOT EXISTS records_by_kind ON records (kind)",
    """CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
        BEGIN SELECT RAISE(ABORT, 'the swarmfi ledger is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
        BEGIN SELECT RAISE(ABORT, 'the swarmfi ledger is append-only'); END""",
)


@dataclass(frozen=True)
class Record:
    """One ledger record. `payload` is in canonical form (decimals as strings)."""

    seq: int
    kind: str
    run_id: str | None
    ts: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str
    cid: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "run_id": self.run_id,
            "ts": self.ts,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "cid": self.cid,
        }


@dataclass(frozen=True)
class RunSummary:
    """What the ledger holds about one run: its span and its latest record's kind."""

    run_id: str
    first_seq: int
    last_seq: int
    count: int
    last_kind: str
    started: str
    updated: str


def new_run_id(now: dt.datetime | None = None) -> str:
    """A fresh run id, sortable by time: `20260509T073525-3f9a1c`."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _timestamp(moment: dt.datetime) -> str:
    utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return utc.isoformat(timespec="microseconds").replace("+00:00", "Z")


class Ledger(SqliteFile):
    """The append-only ledger in one SQLite file (default `paths.ledger_path()`).

    Thread-safe within a process (one connection behind a lock) and across
    processes (SQLite locking). `create=False` refuses to create a missing file.
    """

    application_id = APPLICATION_ID
    schema_version = SCHEMA_VERSION
    schema = _SCHEMA
    what = "ledger"
    newer_hint = "upgrade swarmfi, or point --ledger / SWARMFI_HOME at another ledger"
    not_ours_hint = (
        "move it aside (mv {path} {path}.bad) and swarmfi starts a new ledger there,"
        " or point --ledger / SWARMFI_HOME elsewhere"
    )

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        create: bool = True,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self._clock = clock
        super().__init__(
            Path(path).expanduser() if path is not None else paths.ledger_path(),
            create=create,
            missing_hint="nothing has been recorded there yet; run something first or pass"
            " --ledger PATH",
        )

    # -- writing -------------------------------------------------------------

    def append(self, kind: str, payload: Mapping[str, Any], run_id: str | None = None) -> Record:
        """Write one record at the end of the chain and return it (on disk on return)."""
        _check_kind(kind)
        _check_run_id(run_id)
        if not isinstance(payload, Mapping):
            raise BugError(f"a ledger payload must be a mapping, not {type(payload).__name__}")
        body = normalize(payload)
        text = canonical(body)
        cid = cid_v1(text)
        with self._write() as conn:
            seq, prev_hash = self._next(conn)
            ts = _timestamp(self._clock())
            digest = record_hash(
                seq=seq, kind=kind, run_id=run_id, ts=ts,
                payload=body, prev_hash=prev_hash, cid=cid,
            )  # fmt: skip
            conn.execute(
                f"INSERT INTO records ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, kind, run_id, ts, text.decode("utf-8"), prev_hash, digest, cid),
            )
        assert isinstance(body, dict)
        return Record(seq, kind, run_id, ts, body, prev_hash, digest, cid)

    @staticmethod
    def _next(conn: sqlite3.Connection) -> tuple[int, str]:
        """The next seq (past any seq ever used) and the hash to chain to."""
        last = conn.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
        used = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'records'").fetchone()
        top = max(last[0] if last else 0, used[0] if used else 0)
        return top + 1, (last[1] if last else GENESIS_HASH)

    # -- reading -------------------------------------------------------------

    def records(
        self, run_id: str | None = None, kind: str | None = None, *, limit: int | None = None
    ) -> list[Record]:
        """Records in seq order, filtered by run and kind; `limit` keeps the last N."""
        where, args = _filters(run_id, kind)
        sql = f"SELECT {_COLUMNS} FROM records{where} ORDER BY seq DESC LIMIT ?"
        rows = self._select(sql, (*args, -1 if limit is None else limit))
        return [self._record(row) for row in reversed(rows)]

    def count(self, run_id: str | None = None, kind: str | None = None) -> int:
        where, args = _filters(run_id, kind)
        return int(self._select(f"SELECT count(*) FROM records{where}", args)[0][0])

    def get(self, seq: int) -> Record | None:
        rows = self._select(f"SELECT {_COLUMNS} FROM records WHERE seq = ?", (seq,))
        return self._record(rows[0]) if rows else None

    def last(self, run_id: str | None = None, kind: str | None = None) -> Record | None:
        found = self.records(run_id, kind, limit=1)
        return found[0] if found else None

    def find(self, kind: str, run_id: str | None = None, **match: Any) -> list[Record]:
        """Records of `kind` (and run) whose payload has every `key=value` in `match`."""
        wanted = {key: normalize(value) for key, value in match.items()}
        return [
            record
            for record in self.records(run_id, kind)
            if all(key in record.payload and record.payload[key] == value
                   for key, value in wanted.items())
        ]  # fmt: skip

    def pending(
        self,
        run_id: str | None = None,
        *,
        kind: str = "transaction",
        answered_by: str = "receipt",
        key: str = "tx_hash",
    ) -> list[Record]:
        """Records of `kind` with no `answered_by` record of the same run and `payload[key]`.

        For crash recovery: by default, transactions written (before broadcast)
        whose receipt was never recorded. The executor looks each one up on the
        chain instead of signing it again. A transaction without `key` in its
        payload is always pending (fail closed).
        """
        answers = {
            (r.run_id, canonical(r.payload[key]))
            for r in self.records(run_id, answered_by)
            if key in r.payload
        }
        return [
            r
            for r in self.records(run_id, kind)
            if key not in r.payload or (r.run_id, canonical(r.payload[key])) not in answers
        ]

    def runs(self) -> list[RunSummary]:
        """Every run id in the ledger, oldest first, with the kind of its latest record."""
        sql = (
            "SELECT g.run_id, g.first, g.last, g.n, r.kind, f.ts, r.ts FROM"
            " (SELECT run_id, min(seq) AS first, max(seq) AS last, count(*) AS n FROM records"
            "  WHERE run_id IS NOT NULL GROUP BY run_id) AS g"
            " JOIN records AS r ON r.seq = g.last JOIN records AS f ON f.seq = g.first"
            " ORDER BY g.first"
        )
        return [RunSummary(*row) for row in self._select(sql, ())]

    def _record(self, row: tuple[Any, ...]) -> Record:
        seq, kind, run_id, ts, text, prev_hash, digest, cid = row
        try:
            payload = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise StateError(
                f"record {seq} of the ledger {self.path} is damaged: its payload is not JSON",
                "run `swarmfi ledger verify` to see what else was altered",
            ) from exc
        return Record(seq, kind, run_id, ts, payload, prev_hash, digest, cid)

    # -- checking and exporting ----------------------------------------------

    def verify(self) -> VerifyReport:
        """Re-hash the whole chain: any altered, missing or reordered record is a problem."""
        with self._snapshot() as conn:  # one snapshot for the rows and the seq counter
            used = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'records'").fetchone()
            rows = conn.execute(f"SELECT {_COLUMNS} FROM records ORDER BY seq")
            stored = (_stored(row) for row in rows)  # streamed: memory stays bounded
            return check_chain(stored, expected_last=used[0] if used else 0, source=str(self.path))

    def export(self, path: Path | str, payload_dir: Path | str | None = None) -> int:
        """Write every record to `path` as JSONL (canonical JSON, one record a line).

        With `payload_dir`, also write each payload's exact bytes to
        `<payload_dir>/<cid>.json`, so `ipfs add --cid-version=1 FILE` gives back
        the record's CID. Returns the number of records written.
        """
        records = self.records()
        _write_atomic(Path(path), b"".join(canonical(r.to_json()) + b"\n" for r in records))
        if payload_dir is not None:
            directory = paths.ensure_dir(Path(payload_dir))
            for record in records:
                _write_atomic(directory / f"{record.cid}.json", canonical(record.payload))
        return len(records)


def _check_kind(kind: str) -> None:
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise BugError(
            f"ledger kind {kind!r} is not a lower-case identifier (known: {', '.join(KINDS)})"
        )


def _check_run_id(run_id: str | None) -> None:
    if run_id is not None and (not isinstance(run_id, str) or not 0 < len(run_id) <= 128):
        raise BugError(f"run id {run_id!r} must be a non-empty string of at most 128 characters")


def _filters(run_id: str | None, kind: str | None) -> tuple[str, tuple[Any, ...]]:
    clauses = [(c, v) for c, v in (("run_id = ?", run_id), ("kind = ?", kind)) if v is not None]
    where = " WHERE " + " AND ".join(c for c, _ in clauses) if clauses else ""
    return where, tuple(v for _, v in clauses)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def _stored(row: tuple[Any, ...]) -> StoredRow:
    seq, kind, run_id, ts, text, prev_hash, digest, cid = row
    run = None if run_id is None else _text(run_id)
    return StoredRow(
        int(seq), _text(kind), run, _text(ts), _text(text), _text(prev_hash), _text(digest),
        _text(cid),
    )  # fmt: skip


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
