"""The standing-order store: one SQLite file (default `paths.orders_path()`).

Two tables: `orders` (one row per order, with its schedule state and last result)
and `firings` (one row per firing, written *before* the fire callback runs, with
UNIQUE(order_id, due) so that no slot is ever fired twice, across restarts and
across processes). `claim` marks the attempt and moves the slot on in one
transaction; `record_firing` stores the result. The rules live in
`swarmfi.orders.model`; this module only persists them.

WAL mode, synchronous=FULL, `BEGIN IMMEDIATE` for every write, 30 s busy timeout.
"""

from __future__ import annotations

import builtins
import json
import os
import socket
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from swarmfi import paths
from swarmfi.errors import BugError, StateError, UserInputError
from swarmfi.intent.types import Intent, from_canonical, to_canonical
from swarmfi.orders import model
from swarmfi.orders.model import FireResult, Firing, Order

APPLICATION_ID = 0x53574F52  # "SWOR": this file is a swarmfi order store
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 30.0
_ORDER_COLUMNS = (
    "id, created_at, text, intent, owner, chain_id, status, every_seconds, times, next_due,"
    " fired, succeeded, failures, last_result"
)
_FIRING_COLUMNS = "id, order_id, due, started_at, claimant, status, finished_at, message, run_id"
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS orders (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at INTEGER NOT NULL,
        text TEXT NOT NULL,
        intent TEXT NOT NULL,
        owner TEXT NOT NULL,
        chain_id INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'done', 'cancelled', 'failed')),
        every_seconds INTEGER,
        times INTEGER,
        next_due INTEGER,
        fired INTEGER NOT NULL DEFAULT 0,
        succeeded INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        last_result TEXT)""",
    """CREATE TABLE IF NOT EXISTS firings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        order_id INTEGER NOT NULL REFERENCES orders (id),
        due INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        claimant TEXT NOT NULL,
        status TEXT NOT NULL,
        finished_at INTEGER,
        message TEXT NOT NULL DEFAULT '',
        run_id TEXT,
        UNIQUE (order_id, due))""",
    "CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status, chain_id)",
    "CREATE INDEX IF NOT EXISTS firings_by_status ON firings (status)",
)


def default_claimant() -> str:
    """Who is firing: `host:pid` (used to find firings of a process that died)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claimant_alive(claimant: str) -> bool | None:
    """Whether the process behind `claimant` still runs; None when it is on another host."""
    host, _, pid = claimant.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class OrderStore:
    """Standing orders and their firings in one SQLite file. Thread- and process-safe."""

    def __init__(
        self, path: Path | str | None = None, *, create: bool = True, claimant: str | None = None
    ) -> None:
        self.path = Path(path).expanduser() if path is not None else paths.orders_path()
        self.claimant = claimant or default_claimant()
        self._lock = threading.RLock()
        if not self.path.exists() and not create:
            raise StateError(
                f"there is no order store at {self.path}",
                "no standing order was stored there yet; `swarmfi run` stores conditional "
                "and scheduled instructions",
            )
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
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            for statement in _SCHEMA:
                conn.execute(statement)

    def _check_identity(self) -> None:
        app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id == APPLICATION_ID and version > SCHEMA_VERSION:
            raise StateError(
                f"the order store {self.path} was written by a newer swarmfi (schema {version})",
                "upgrade swarmfi, or point --state / SWARMFI_HOME elsewhere",
            )
        if app_id != APPLICATION_ID and (app_id or tables):
            raise self._corrupt("it is an SQLite database of something else")

    def _corrupt(self, why: str) -> StateError:
        return StateError(
            f"{self.path} is not a swarmfi order store: {why}",
            f"move it aside (mv {self.path} {self.path}.bad); swarmfi then starts an empty "
            "store there (standing orders in it are lost: store them again)",
        )

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StateError(
                    f"the order store {self.path} stayed locked for {BUSY_TIMEOUT_S:.0f} s",
                    "another swarmfi process is holding it; let it finish, then retry",
                ) from exc
            raise self._corrupt(str(exc)) from exc
        except sqlite3.DatabaseError as exc:
            raise self._corrupt(str(exc)) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._errors():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> OrderStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- orders ----------------------------------------------------------------

    def add(
        self, intent: Mapping[str, Any] | Intent, text: str, owner: str, chain_id: int, now: int
    ) -> Order:
        """Store a standing order (first schedule slot: `now`, the chain's time)."""
        canonical = _standing_intent(intent)
        schedule = canonical["schedule"] or {}
        every, times = schedule.get("every_seconds"), schedule.get("times")
        row = (now, text, json.dumps(canonical, sort_keys=True, ensure_ascii=False), owner,
               chain_id, "active", every, times, now if every else None)  # fmt: skip
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO orders (created_at, text, intent, owner, chain_id, status,"
                " every_seconds, times, next_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            order_id = cursor.lastrowid
        assert order_id is not None
        return self.get(order_id)

    def get(self, order_id: int) -> Order:
        rows = self._select(f"SELECT {_ORDER_COLUMNS} FROM orders WHERE id = ?", (order_id,))
        if not rows:
            raise UserInputError(
                f"there is no standing order {order_id}", "see `swarmfi orders --all` for the ids"
            )
        return self._order(rows[0])

    def list(self, status: str | Iterable[str] | None = None) -> builtins.list[Order]:
        """Orders, oldest first; `status` one status or several (None: all)."""
        wanted = [status] if isinstance(status, str) else list(status or model.ORDER_STATUSES)
        marks = ", ".join("?" * len(wanted))
        sql = f"SELECT {_ORDER_COLUMNS} FROM orders WHERE status IN ({marks}) ORDER BY id"
        return [self._order(row) for row in self._select(sql, tuple(wanted))]

    def cancel(self, order_id: int) -> Order:
        """Cancel an active order (a firing already under way still records its result)."""
        with self._write() as conn:
            order = self._get_in(conn, order_id)
            if order.status != "active":
                raise UserInputError(
                    f"standing order {order_id} is {order.status}; only active orders can be "
                    "cancelled",
                    "see `swarmfi orders` for the active ones",
                )
            conn.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?", (order_id,))
        return self.get(order_id)

    def due(self, now: int, chain_id: int | None = None) -> builtins.list[Order]:
        """Active orders whose slot has come and with no firing under way, oldest first."""
        sql = (
            f"SELECT {_ORDER_COLUMNS} FROM orders AS o WHERE status = 'active'"
            " AND (next_due IS NULL OR next_due <= ?) AND (? IS NULL OR chain_id = ?)"
            " AND NOT EXISTS (SELECT 1 FROM firings AS f"
            "   WHERE f.order_id = o.id AND f.status = 'pending') ORDER BY id"
        )
        return [self._order(row) for row in self._select(sql, (now, chain_id, chain_id))]

    # -- firings -----------------------------------------------------------------

    def claim(self, order_id: int, now: int) -> Firing | None:
        """Write down a firing at `now` and move the slot on, before anything fires.

        None when the order is no longer due, a firing of it is under way, or its
        slot was already fired (by this or another process).
        """
        with self._write() as conn:
            order = self._get_in(conn, order_id)
            if not model.is_due(order, now) or self._pending_in(conn, order_id):
                return None
            due = model.firing_key(order, now)
            try:
                cursor = conn.execute(
                    "INSERT INTO firings (order_id, due, started_at, claimant, status)"
                    " VALUES (?, ?, ?, ?, 'pending')",
                    (order_id, due, now, self.claimant),
                )
            except sqlite3.IntegrityError:
                return None
            self._save(conn, model.claimed(order, now))
            firing_id = cursor.lastrowid
        return Firing(firing_id or 0, order_id, due, now, self.claimant, "pending")

    def record_firing(self, order_id: int, now: int, result: FireResult) -> Order:
        """Store the result of the order's firing under way and update the order."""
        with self._write() as conn:
            pending = self._pending_in(conn, order_id)
            if pending is None:
                raise BugError(f"order {order_id} has no firing under way to record a result for")
            self._finish(conn, pending, now, result.status, result.message, result.run_id)
            self._save(conn, model.settled(self._get_in(conn, order_id), result))
        return self.get(order_id)

    def recover(self, now: int) -> builtins.list[Firing]:
        """Mark `interrupted` the firings under way of processes that are gone (this host)."""
        found = []
        message = "interrupted before its result was recorded; not repeated (check the ledger)"
        with self._write() as conn:
            rows = conn.execute(
                f"SELECT {_FIRING_COLUMNS} FROM firings WHERE status = 'pending' ORDER BY id"
            ).fetchall()
            for firing in (_firing(row) for row in rows):
                if firing.claimant == self.claimant or claimant_alive(firing.claimant) is not False:
                    continue
                self._finish(conn, firing, now, "interrupted", message, None)
                self._save(conn, model.interrupted(self._get_in(conn, firing.order_id), message))
                found.append(firing)
        return found

    def firings(self, order_id: int | None = None) -> builtins.list[Firing]:
        """Firings (of one order, or all), oldest first."""
        where = "" if order_id is None else " WHERE order_id = ?"
        args: tuple[Any, ...] = () if order_id is None else (order_id,)
        sql = f"SELECT {_FIRING_COLUMNS} FROM firings{where} ORDER BY id"
        return [_firing(row) for row in self._select(sql, args)]

    # -- rows ------------------------------------------------------------------

    def _select(self, sql: str, args: tuple[Any, ...]) -> builtins.list[tuple[Any, ...]]:
        with self._lock, self._errors():
            return self._conn.execute(sql, args).fetchall()

    def _get_in(self, conn: sqlite3.Connection, order_id: int) -> Order:
        row = conn.execute(f"SELECT {_ORDER_COLUMNS} FROM orders WHERE id = ?", (order_id,))
        found = row.fetchone()
        if found is None:
            raise UserInputError(f"there is no standing order {order_id}")
        return self._order(found)

    @staticmethod
    def _pending_in(conn: sqlite3.Connection, order_id: int) -> Firing | None:
        row = conn.execute(
            f"SELECT {_FIRING_COLUMNS} FROM firings WHERE order_id = ? AND status = 'pending'",
            (order_id,),
        ).fetchone()
        return _firing(row) if row else None

    @staticmethod
    def _finish(conn: sqlite3.Connection, firing: Firing, now: int, status: str, message: str,
                run_id: str | None) -> None:  # fmt: skip
        conn.execute(
            "UPDATE firings SET status = ?, finished_at = ?, message = ?, run_id = ? WHERE id = ?",
            (status, now, message, run_id, firing.id),
        )

    @staticmethod
    def _save(conn: sqlite3.Connection, order: Order) -> None:
        last = json.dumps(order.last_result.to_json()) if order.last_result else None
        conn.execute(
            "UPDATE orders SET status = ?, next_due = ?, fired = ?, succeeded = ?, failures = ?,"
            " last_result = ? WHERE id = ?",
            (order.status, order.next_due, order.fired, order.succeeded, order.failures, last,
             order.id),
        )  # fmt: skip

    def _order(self, row: tuple[Any, ...]) -> Order:
        oid, created, text, intent, owner, chain_id, status, every, times, due, *counts, last = row
        fired, succeeded, failures = counts
        try:
            result = FireResult(**json.loads(last)) if last else None
            json.loads(intent)
        except (TypeError, ValueError) as exc:
            raise self._corrupt(f"order {oid} is damaged ({exc})") from exc
        return Order(oid, created, text, intent, owner, chain_id, status, every, times, due,
                     fired, succeeded, failures, result)  # fmt: skip


def _firing(row: tuple[Any, ...]) -> Firing:
    fid, order_id, due, started, claimant, status, finished, message, run_id = row
    return Firing(fid, order_id, due, started, claimant, status, finished, message, run_id)


def _standing_intent(intent: Mapping[str, Any] | Intent) -> dict[str, Any]:
    """The canonical form of `intent`, which must be a standing one (a `when` or a schedule)."""
    parsed = intent if isinstance(intent, Intent) else from_canonical(dict(intent))
    if not isinstance(parsed, Intent):
        raise UserInputError(
            f"a refusal cannot be stored as a standing order ({parsed.message})",
            "rephrase the instruction",
        )
    canonical = to_canonical(parsed)
    if not model.is_standing(canonical):
        raise UserInputError(
            "this instruction has no condition and no schedule: it is not a standing order",
            "run it at once with `swarmfi run`",
        )
    return canonical
