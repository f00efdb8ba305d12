"""Reading the ledger in bounded memory: rows in seq order, a page at a time.

The ledger is append-only, so paging by seq (`WHERE seq > last`) never skips or
repeats a record, and fixing the upper bound when the scan starts gives one
consistent view even while other processes append: `rows(ledger)` holds no
transaction open between pages, and at most `page` rows in memory.
"""

from __future__ import annotations

from collections.abc import Iterator

from swarmfi.ledger.store import _COLUMNS, Ledger, _stored
from swarmfi.ledger.verify import StoredRow

PAGE = 2000


def last_seq(ledger: Ledger) -> int:
    """The highest seq now in the ledger (0 when it is empty)."""
    rows = ledger._select("SELECT coalesce(max(seq), 0) FROM records", ())
    return int(rows[0][0])


def rows(ledger: Ledger, *, upto: int | None = None, page: int = PAGE) -> Iterator[StoredRow]:
    """Every record with seq <= `upto` (default: the last one now), oldest first."""
    top = last_seq(ledger) if upto is None else upto
    after = 0
    while after < top:
        batch = ledger._select(
            f"SELECT {_COLUMNS} FROM records WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
            (after, top, page),
        )
        if not batch:
            return
        for row in batch:
            yield _stored(row)
        after = int(batch[-1][0])
