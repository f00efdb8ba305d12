"""One SQLite file owned by swarmfi: identity check, schema, locking and error mapping.

The ledger, the standing-order store and the usage database are subclasses; each
sets its `application_id`, `schema`, the word for it in messages (`what`) and the
hints that say where else to point swarmfi.

The file carries an `application_id` so that a stray database is never taken for
ours, and a `user_version` so that a newer swarmfi's file is refused rather than
misread; every SQLite failure becomes a StateError naming the path and what to do.
WAL mode, `synchronous` FULL by default (a write is on disk when it returns),
`BEGIN IMMEDIATE` for every write (one writer at a time across processes), and a
busy timeout (30 s by default) before a held lock becomes an error.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Self

from swarmfi import paths
from swarmfi.errors import StateError

BUSY_TIMEOUT_S = 30.0


class SqliteFile:
    """A swarmfi SQLite file. Thread-safe (one connection behind a lock) and process-safe.

    `not_ours` and the hints are format strings over `path`, `what` and `why`.
    """

    application_id: int = 0  # 0: no identity of its own; only a foreign id is refused
    schema_version: int = 1
    schema: Sequence[str] = ()
    what: str = "database"
    synchronous: str = "FULL"
    busy_timeout_s: float = BUSY_TIMEOUT_S
    newer_hint: str = "upgrade swarmfi, or point SWARMFI_HOME elsewhere"
    not_ours: str = "{path} is not a swarmfi {what}: {why}"
    not_ours_hint: str = (
        "move it aside (mv {path} {path}.bad); swarmfi then starts an empty {what} there"
    )
    open_hint: str = "check that {path} is in a directory you can write to"

    def __init__(self, path: Path, *, create: bool, missing_hint: str | None = None) -> None:
        self.path = path
        self._lock = threading.RLock()
        if not self.path.exists() and not create:
            raise StateError(f"there is no {self.what} at {self.path}", missing_hint)
        self._conn = self._open(create)
        try:
            with self._errors():
                self._prepare()
        except BaseException:
            self._conn.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self, create: bool) -> sqlite3.Connection:
        try:
            if create:
                paths.private_file(self.path)
            return sqlite3.connect(
                self.path, timeout=self.busy_timeout_s, isolation_level=None,
                check_same_thread=False,
            )  # fmt: skip
        except (OSError, sqlite3.Error) as exc:
            raise StateError(
                f"cannot open the {self.what} {self.path}: {exc}", self._format(self.open_hint)
            ) from exc

    def _prepare(self) -> None:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
        with self._snapshot():  # one read: a racing creator's commit is seen whole or not at all
            self._check_identity()
        self._use_wal()
        conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        with self._write():
            self._check_identity()  # again under the write lock: another process may race
            conn.execute(f"PRAGMA application_id = {self.application_id}")
            conn.execute(f"PRAGMA user_version = {self.schema_version}")
            for statement in self.schema:
                conn.execute(statement)

    def _use_wal(self) -> None:
        """Switch the file to WAL mode, waiting out other processes doing the same.

        The switch needs an exclusive lock taken while holding a shared one, and SQLite
        answers "locked" at once, without its busy handler, when two connections do that
        together (either waiting would deadlock); so this one backs off and retries.
        """
        deadline = time.monotonic() + self.busy_timeout_s
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(random.uniform(0.001, 0.01))

    def _check_identity(self) -> None:
        app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id == self.application_id and version > self.schema_version:
            raise StateError(
                f"the {self.what} {self.path} was written by a newer swarmfi (schema {version})",
                self._format(self.newer_hint),
            )
        if app_id != self.application_id and (app_id or tables):
            raise self._corrupt("it is an SQLite database of something else")

    def _corrupt(self, why: str) -> StateError:
        """The error for a file that is not (or no longer) one of ours."""
        return StateError(self._format(self.not_ours, why), self._format(self.not_ours_hint))

    def _format(self, template: str, why: str = "") -> str:
        return template.format(path=self.path, what=self.what, why=why)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StateError(
                    f"the {self.what} {self.path} stayed locked for {self.busy_timeout_s:g} s",
                    "another swarmfi process is holding it; let it finish, then retry",
                ) from exc
            raise self._corrupt(str(exc)) from exc
        except sqlite3.DatabaseError as exc:
            raise self._corrupt(str(exc)) from exc

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE); rolled back on any exception."""
        return self._transaction("BEGIN IMMEDIATE")

    def _snapshot(self) -> AbstractContextManager[sqlite3.Connection]:
        """One read transaction: every select inside sees the same state of the file."""
        return self._transaction("BEGIN")

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        with self._lock, self._errors():
            self._conn.execute(begin)
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
