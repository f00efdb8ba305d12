"""Token and cost accounting in SQLite, and the budgets checked against it.

One row per provider call (failed calls too, with zero tokens), in
`~/.swarmfi/usage.sqlite3` by default (`$SWARMFI_HOME`, or `$SWARMFI_USAGE_DB`, or a
given path). Days are UTC. `swarmfi usage [--json]` reads `summary()`.

File handling (WAL, locking, errors as StateError) is `swarmfi.sqlite.SqliteFile`'s. The
file has no application id of its own (files written before it had none either); only a
file that carries another id, such as the ledger, is refused.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from swarmfi.compute.providers import swarmfi_home
from swarmfi.sqlite import SqliteFile

_COLUMNS = (
    "id", "ts", "day", "run_id", "provider", "model", "privacy", "sensitive", "ok",
    "input_tokens", "output_tokens", "estimated", "cost_usd", "latency_s", "error",
)  # fmt: skip
_INSERT = (
    "INSERT INTO calls (ts, day, run_id, provider, model, privacy, sensitive, ok,"
    " input_tokens, output_tokens, estimated, cost_usd, latency_s, error)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    day TEXT NOT NULL,
    run_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    privacy TEXT NOT NULL,
    sensitive INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    estimated INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    latency_s REAL NOT NULL,
    error TEXT
)""",
    "CREATE INDEX IF NOT EXISTS calls_day ON calls (day)",
    "CREATE INDEX IF NOT EXISTS calls_run ON calls (run_id)",
)
_SUMMARY_KEYS = (
    "day", "provider", "model", "privacy", "calls", "failed",
    "input_tokens", "output_tokens", "cost_usd", "avg_latency_s",
)  # fmt: skip


@dataclass(frozen=True)
class CallRecord:
    """One provider call as accounted."""

    run_id: str
    provider: str
    model: str
    privacy: str
    sensitive: bool
    ok: bool
    input_tokens: int = 0
    output_tokens: int = 0
    estimated: bool = False
    cost_usd: float = 0.0
    latency_s: float = 0.0
    error: str | None = None
    ts: float = field(default_factory=time.time)
    kind: Literal["call"] = field(default="call", repr=False)

    @property
    def day(self) -> str:
        return utc_day(self.ts)


def utc_day(ts: float) -> str:
    """The UTC date of a Unix time, as YYYY-MM-DD."""
    return _day_name(int(ts // 86400))


@functools.lru_cache(maxsize=16)
def _day_name(day_number: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=day_number)).isoformat()


def default_usage_path(environ: Mapping[str, str] = os.environ) -> Path:
    explicit = environ.get("SWARMFI_USAGE_DB")
    return Path(explicit).expanduser() if explicit else swarmfi_home(environ) / "usage.sqlite3"


class UsageStore(SqliteFile):
    """Append-only call log with per-day and per-run sums.

    Rows are written in batches (every `commit_every` rows, and by `flush()`, which
    the router calls shortly after a call and when it closes): a commit costs more
    than the rest of the router's work. Every read flushes first.
    """

    schema = _SCHEMA
    what = "usage database"
    synchronous = "NORMAL"  # a lost batch of accounting rows is not worth an fsync per commit
    busy_timeout_s = 5.0  # the router flushes on its event loop: do not block it for long
    newer_hint = "upgrade swarmfi, or point $SWARMFI_USAGE_DB elsewhere"
    not_ours = "cannot open the {what} {path}: {why}"
    not_ours_hint = open_hint = "fix or remove that file, or point $SWARMFI_USAGE_DB elsewhere"

    def __init__(self, path: str | Path | None = None, *, commit_every: int = 64) -> None:
        self.commit_every = commit_every
        self._rows: list[tuple[Any, ...]] = []
        path = Path(path).expanduser() if path is not None else default_usage_path()
        super().__init__(path, create=True)

    def record(self, call: CallRecord) -> None:
        """Buffer one call; committed by `flush()` or once `commit_every` are buffered."""
        self._rows.append(
            (call.ts, call.day, call.run_id, call.provider, call.model, call.privacy,
             int(call.sensitive), int(call.ok), call.input_tokens, call.output_tokens,
             int(call.estimated), call.cost_usd, call.latency_s, call.error)
        )  # fmt: skip
        if len(self._rows) >= self.commit_every:
            self.flush()

    @property
    def pending(self) -> int:
        return len(self._rows)

    def flush(self) -> None:
        """Write and commit the buffered calls."""
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        with self._write() as conn:
            conn.executemany(_INSERT, rows)

    def spent_day(self, day: str | None = None) -> float:
        return self._sum("day", day or utc_day(time.time()))

    def spent_run(self, run_id: str) -> float:
        return self._sum("run_id", run_id)

    def _sum(self, column: str, value: str) -> float:
        self.flush()
        sql = f"SELECT COALESCE(SUM(cost_usd), 0) FROM calls WHERE {column} = ?"
        return float(self._select(sql, (value,))[0][0])

    def calls(self, run_id: str | None = None) -> list[dict[str, Any]]:
        self.flush()
        where, args = ("WHERE run_id = ?", (run_id,)) if run_id else ("", ())
        rows = self._select(f"SELECT {', '.join(_COLUMNS)} FROM calls {where} ORDER BY id", args)
        return [dict(zip(_COLUMNS, row, strict=True)) for row in rows]

    def summary(self, days: int | None = None) -> list[dict[str, Any]]:
        """Per day and provider: calls, failures, tokens, cost; newest day first."""
        self.flush()
        since = utc_day(time.time() - 86400 * (days - 1)) if days else "0000-00-00"
        rows = self._select(
            "SELECT day, provider, model, privacy, COUNT(*), SUM(1 - ok), SUM(input_tokens),"
            " SUM(output_tokens), SUM(cost_usd), AVG(CASE WHEN ok THEN latency_s END)"
            " FROM calls WHERE day >= ? GROUP BY day, provider, model, privacy"
            " ORDER BY day DESC, provider, model",
            (since,),
        )
        return [dict(zip(_SUMMARY_KEYS, row, strict=True)) for row in rows]

    def close(self) -> None:
        self.flush()
        super().close()


@dataclass(frozen=True)
class Budget:
    """USD limits: per run (one Router) and per UTC day (all runs, from the usage store)."""

    run_usd: float | None = None
    day_usd: float | None = None

    @property
    def limited(self) -> bool:
        return self.run_usd is not None or self.day_usd is not None

    def allows(self, spent_run: float, spent_day: float, estimate: float) -> str | None:
        """None if a call estimated at `estimate` fits; else which budget it would break."""
        if self.run_usd is not None and spent_run + estimate > self.run_usd:
            return "run"
        if self.day_usd is not None and spent_day + estimate > self.day_usd:
            return "day"
        return None
