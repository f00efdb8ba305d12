"""The standing-order store: one SQLite file (default `paths.orders_path()`).

Two tables: `orders` (one row per order, with its schedule state and last result)
and `firings` (one row per firing, written *before* the fire callback runs, with
UNIQUE(order_id, due) so that no slot is ever fired twice, across restarts and
across processes). `claim` marks the attempt and moves the slot on in one
transaction; `record_firing` stores the result. The rules live in
`swarmfi.orders.model`; this module only persists them.

File handling (identity, locking, errors as StateError) is `swarmfi.sqlite.SqliteFile`'s.
"""

from __future__ import annotations

import builtins
import json
import os
import socket
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from swarmfi import paths
from swarmfi.errors import BugError, UserInputError
from swarmfi.intent.types import Intent, from_canonical, to_canonical
from swarmfi.orders import model
from swarmfi.orders.model import FireResult, Firing, Order
from swarmfi.sqlite import SqliteFile

APPLICATION_ID = 0x53574F52  # "SWOR": this file is a swarmfi order store
SCHEMA_VERSION = 1
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


class OrderStore(SqliteFile):
    """Standing orders and their firings in one SQLite file. Thread- and process-safe."""

    application_id = APPLICATION_ID
    schema_version = SCHEMA_VERSION
    schema = _SCHEMA
    what = "order store"
    newer_hint = "upgrade swarmfi, or point --state / SWARMFI_HOME elsewhere"

    def __init__(
        self, path: Path | str | None = None, *, create: bool = True, claimant: str | None = None
    ) -> None:
        self.claimant = claimant or default_claimant()
        super().__init__(
            Path(path).expanduser() if path is not None else paths.orders_path(),
            create=create,
            missing_hint="no standing order was stored there yet; `swarmfi run` stores "
            "conditional and scheduled instructions",
        )

    @classmethod
    def open(cls, state: Path | None = None, *, create: bool = True) -> OrderStore:
        """The store of the home directory, or the one alongside a `--state` directory."""
        return cls(paths.orders_path(state), create=create)

    # -- orders ----------------------------------------------------------------

    def add(
        self, intent: Mapping[str, Any] | Intent, text: str, owner: str, chain_id: int, now: int
    ) -> Order:
        """Store a standing order (first schedule slot: `now`, the chain's time)."""
        canonical = _standing_intent(intent)
        schedule = canonical["schedule"] or {}
        every, times = schedule.get("every_seconds"), schedule.get("times")
        row = (
            now,
            text,
            json.dumps(canonical, sort_keys=True, ensure_ascii=False),
            owner,
            chain_id,
            "active",
            every,
            times,
            now if every else None,
        )
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

    def give_up(self, order_id: int, message: str) -> Order:
        """Mark an active order `failed` without firing it (it can never run: say why)."""
        with self._write() as conn:
            order = self._get_in(conn, order_id)
            if order.status == "active":
                self._save(conn, model.given_up(order, message))
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
    def _finish(
        conn: sqlite3.Connection,
        firing: Firing,
        now: int,
        status: str,
        message: str,
        run_id: str | None,
    ) -> None:
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
            (
                order.status,
                order.next_due,
                order.fired,
                order.succeeded,
                order.failures,
                last,
                order.id,
            ),
        )

    def _order(self, row: tuple[Any, ...]) -> Order:
        oid, created, text, intent, owner, chain_id, status, every, times, due, *counts, last = row
        fired, succeeded, failures = counts
        try:
            result = FireResult(**json.loads(last)) if last else None
            json.loads(intent)
        except (TypeError, ValueError) as exc:
            raise self._corrupt(f"order {oid} is damaged ({exc})") from exc
        return Order(
            oid,
            created,
            text,
            intent,
            owner,
            chain_id,
            status,
            every,
            times,
            due,
            fired,
            succeeded,
            failures,
            result,
        )


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
