"""One SQLite file owned by swarmfi: identity check, schema, locking and error mapping.

The file carries an `application_id` so that a stray database is never taken for
ours; every SQLite failure becomes a StateError naming the path and what to do.
WAL mode, synchronous=FULL (a write is on disk when it returns), `BEGIN IMMEDIATE`
for every write (one writer at a time across processes), 30 s busy timeout.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from swarmfi import paths
from swarmfi.errors import StateError

BUSY_TIMEOUT_S = 30.0


class SqliteFile:
    """A swarmfi SQLite file: `what` names it in messages ("order store")."""

    application_id: int = 0
    schema_version: int = 1
    schema: Sequence[str] = ()
    what: str = "database"

    def __init__(self, path: Path, *, create: bool, missing_hint: str) -> None:
        self.path = path
        self._lock = threading.RLock()
        if not self.path.exists() and not create:
            raise StateError(f"there is no {self.what} at {self.path}", missing_hint)
        if create:
            paths.ensure_dir(self.path.parent)
        self._conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            with self._errors():
                self._prepare()
        except BaseException:
            self._conn.close()
            raise

    def _prepare(self) -> None:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        self._check_identity()
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        with self._write():
            self._check_identity()  # again under the write lock: another process may race
            conn.execute(f"PRAGMA application_id = {self.application_id}")
            conn.execute(f"PRAGMA user_version = {self.schema_version}")
            for statement in self.schema:
                conn.execute(statement)

    def _check_identity(self) -> None:
        app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id == self.application_id and version > self.schema_version:
            raise StateError(
                f"the {self.what} {self.path} was written by a newer swarmfi (schema {version})",
                "upgrade swarmfi, or point --state / SWARMFI_HOME elsewhere",
            )
        if app_id != self.application_id and (app_id or tables):
            raise self._corrupt("it is an SQLite database of something else")

    def _corrupt(self, why: str) -> StateError:
        return StateError(
            f"{self.path} is not a swarmfi {self.what}: {why}",
            f"move it aside (mv {self.path} {self.path}.bad); swarmfi then starts an empty "
            f"{self.what} there",
        )

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StateError(
                    f"the {self.what} {self.path} stayed locked for {BUSY_TIMEOUT_S:.0f} s",
                    "another swarmfi process is holding it; let it finish, then retry",
                ) from exc
            raise self._corrupt(str(exc)) from exc
        except sqlite3.DatabaseError as exc:
            raise self._corrupt(str(exc)) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE); rolled back on any exception."""
        with self._lock, self._errors():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _select(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock, self._errors():
            return self._conn.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()
