"""Re-checking a hash chain of ledger records, pure: rows in, a report out.

Each record is checked on its own (its payload is canonical JSON, matches its
CID, and every field matches its hash) and against the one before it (seq is
the previous seq + 1 and prev_hash is the previous record's hash). The same
check runs over the SQLite store and over an exported JSONL file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swarmfi.errors import BugError
from swarmfi.ledger.cid import cid_v1
from swarmfi.ledger.hashing import GENESIS_HASH, canonical, record_hash

MAX_PROBLEMS = 1000  # a report lists at most this many (memory stays bounded)


@dataclass(frozen=True)
class StoredRow:
    """A record as stored: the payload still as its canonical JSON text."""

    seq: int
    kind: str
    run_id: str | None
    ts: str
    payload_text: str
    prev_hash: str
    hash: str
    cid: str


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the chain. `what` is missing, altered or reordered."""

    seq: int
    what: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "what": self.what, "message": self.message}


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of re-hashing a chain; `head` is the hash of its last record."""

    ok: bool
    checked: int
    head: str | None
    problems: tuple[Problem, ...] = ()
    source: str = ""

    @property
    def first_bad_seq(self) -> int | None:
        return min((p.seq for p in self.problems), default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head": self.head,
            "first_bad_seq": self.first_bad_seq,
            "problems": [p.to_json() for p in self.problems],
            "source": self.source,
        }


def check_chain(
    rows: Iterable[StoredRow], *, expected_last: int = 0, source: str = ""
) -> VerifyReport:
    """Check `rows` (in stored order). `expected_last`: the highest seq ever written."""
    problems: list[Problem] = []
    prev_seq, prev_hash, checked, unlisted = 0, GENESIS_HASH, 0, 0
    for row in rows:
        found = _check_link(row, prev_seq, prev_hash) + _check_content(row)
        room = max(0, MAX_PROBLEMS - len(problems))
        problems += found[:room]
        unlisted += len(found) - len(found[:room])
        prev_seq, prev_hash, checked = row.seq, row.hash, checked + 1
    if expected_last > prev_seq:
        problems.append(_missing(prev_seq + 1, expected_last, "at the end (the ledger was cut)"))
    if unlisted:
        problems.append(Problem(prev_seq, "more", f"{unlisted} more problems are not listed"))
    head = prev_hash if checked else None
    return VerifyReport(not problems, checked, head, tuple(problems), source)


def _missing(first: int, last: int, where: str = "") -> Problem:
    span = f"record {first} is" if first == last else f"records {first}..{last} are"
    return Problem(first, "missing", f"{span} missing {where}".rstrip())


def _check_link(row: StoredRow, prev_seq: int, prev_hash: str) -> list[Problem]:
    if row.seq > prev_seq + 1:
        return [_missing(prev_seq + 1, row.seq - 1)]
    if row.seq <= prev_seq:
        return [Problem(row.seq, "reordered", f"record {row.seq} comes after record {prev_seq}")]
    if row.prev_hash != prev_hash:
        before = f"record {prev_seq}" if prev_seq else "the start of the ledger"
        return [
            Problem(
                row.seq,
                "reordered",
                f"record {row.seq} does not follow {before}: its prev_hash "
                f"{row.prev_hash[:12]}… is not {prev_hash[:12]}…",
            )
        ]
    return []


def _check_content(row: StoredRow) -> list[Problem]:
    reason = _content_fault(row)
    return (
        [Problem(row.seq, "altered", f"record {row.seq} was altered: {reason}")] if reason else []
    )


def _content_fault(row: StoredRow) -> str | None:
    try:
        payload = json.loads(row.payload_text)
    except ValueError:
        return "its payload is not JSON"
    data = row.payload_text.encode("utf-8")
    try:
        recanonical = canonical(payload)
    except BugError:
        recanonical = b""
    if recanonical != data:
        return "its payload is not in canonical form"
    if cid_v1(data) != row.cid:
        return f"its payload no longer matches its CID {row.cid}"
    digest = record_hash(
        seq=row.seq, kind=row.kind, run_id=row.run_id, ts=row.ts,
        payload=payload, prev_hash=row.prev_hash, cid=row.cid,
    )  # fmt: skip
    if digest != row.hash:
        return f"its fields no longer match its hash {row.hash[:12]}…"
    return None


def check_jsonl(path: Path) -> VerifyReport:
    """Check a full export (`Ledger.export`) the same way as the store itself."""
    problems: list[Problem] = []
    with path.open(encoding="utf-8") as lines:
        report = check_chain(_jsonl_rows(lines, problems), source=str(path))
    if not problems:
        return report
    merged = tuple(sorted((*problems, *report.problems), key=lambda p: p.seq))
    return VerifyReport(False, report.checked, report.head, merged, report.source)


def _jsonl_rows(lines: Iterable[str], problems: list[Problem]) -> Iterator[StoredRow]:
    """The records of an export, one line at a time; lines that are none go to `problems`."""
    for number, line in enumerate(lines, start=1):
        row = _row_from_line(line)
        if row is None:
            if len(problems) < MAX_PROBLEMS:
                problems.append(Problem(number, "altered", f"line {number} is not a ledger record"))
        else:
            yield row


def _row_from_line(line: str) -> StoredRow | None:
    try:
        data = json.loads(line)
        text = canonical(data["payload"]).decode("utf-8")
        row = StoredRow(
            data["seq"], data["kind"], data["run_id"], data["ts"], text,
            data["prev_hash"], data["hash"], data["cid"],
        )  # fmt: skip
    except (ValueError, TypeError, KeyError, BugError):
        return None
    ok = isinstance(row.seq, int) and all(
        isinstance(v, str) for v in (row.kind, row.ts, row.prev_hash, row.hash, row.cid)
    )
    return row if ok else None
