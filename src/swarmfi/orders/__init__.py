"""Standing orders: instructions with conditions or a schedule, fired later by `swarmfi watch`.

    >>> store = OrderStore()                                   # ~/.swarmfi/orders.sqlite3
    >>> order = store.add(intent, text, owner, chain_id, now)  # a canonical intent with a `when`
    >>> await watch(chain, store, fire, blocks=10)             # fire(order, now) -> FireResult

model.py holds the rules (when an order fires, how schedules move on, what a
result does to an order), conditions.py reads conditions from the chain,
store.py persists orders and firings in SQLite, watcher.py runs the checks.
Names are imported lazily so that `swarmfi --help` does not load pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swarmfi.orders.conditions import Observation, compare, evaluate
    from swarmfi.orders.model import FireResult, Firing, Order, describe, is_standing
    from swarmfi.orders.store import OrderStore
    from swarmfi.orders.watcher import FireCallback, WatchEvent, WatchSummary, advance_time, watch

_LAZY = {
    "Observation": "swarmfi.orders.conditions",
    "compare": "swarmfi.orders.conditions",
    "evaluate": "swarmfi.orders.conditions",
    "FireResult": "swarmfi.orders.model",
    "Firing": "swarmfi.orders.model",
    "Order": "swarmfi.orders.model",
    "describe": "swarmfi.orders.model",
    "is_standing": "swarmfi.orders.model",
    "OrderStore": "swarmfi.orders.store",
    "FireCallback": "swarmfi.orders.watcher",
    "WatchEvent": "swarmfi.orders.watcher",
    "WatchSummary": "swarmfi.orders.watcher",
    "advance_time": "swarmfi.orders.watcher",
    "watch": "swarmfi.orders.watcher",
}

__all__ = [
    "FireCallback",
    "FireResult",
    "Firing",
    "Observation",
    "Order",
    "OrderStore",
    "WatchEvent",
    "WatchSummary",
    "advance_time",
    "compare",
    "describe",
    "evaluate",
    "is_standing",
    "watch",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'swarmfi.orders' has no attribute {name!r}")
