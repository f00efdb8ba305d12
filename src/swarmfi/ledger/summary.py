"""One line of plain text for a ledger record, as `ledger show` prints it at 80 columns."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

WIDTH = 60


def _short_hash(value: Any) -> str:
    text = str(value or "")
    return text[:10] + "…" if len(text) > 12 else text


def _receipt(p: dict[str, Any]) -> str:
    ok = "ok" if p.get("success") else f"REVERTED {p.get('revert_reason') or ''}".rstrip()
    return f"{_short_hash(p.get('tx_hash'))} {ok}, gas {p.get('gas_used', '?')}"


def _step(p: dict[str, Any]) -> str:
    moved = ", ".join(f"{k} {v}" for k, v in (p.get("deltas") or {}).items())
    return f"{p.get('summary', p.get('action', ''))}" + (f" ({moved})" if moved else "")


def _done(p: dict[str, Any]) -> str:
    return "every step done" if p.get("ok") else "failed: " + "; ".join(map(str, p.get(
        "failures") or ()))


_BY_KIND: dict[str, Callable[[dict[str, Any]], str]] = {
    "intent": lambda p: str(p.get("text", "")),
    "firing": lambda p: f"order #{p.get('order_id')}: {p.get('text', '')}",
    "order": lambda p: f"standing order #{p.get('order_id')}: {p.get('text', '')}",
    "refusal": lambda p: "refused: " + str((p.get("error") or {}).get("message", "")),
    "plan": lambda p: f"{len(p.get('tasks') or p.get('steps') or [])} tasks",
    "preview": lambda p: ("ok" if p.get("ok") else "blocked")
    + f", {len(p.get('steps') or [])} steps",
    "approval": lambda p: f"approved by {p.get('by', '?')}, {len(p.get('steps') or [])} steps",
    "transaction": lambda p: f"sent {p.get('label') or ''} {_short_hash(p.get('tx_hash'))}",
    "receipt": _receipt,
    "step": _step,
    "halt": lambda p: f"halted at step {p.get('step')}: " + "; ".join(map(str, p.get(
        "problems") or ())),
    "done": _done,
    "anchor": lambda p: f"anchored seq {p.get('seq')} on Arweave: {p.get('arweave_id')}",
}


def one_line(kind: str, payload: dict[str, Any], width: int = WIDTH) -> str:
    """What the record says, in at most `width` characters on one line."""
    try:
        text = _BY_KIND[kind](payload) if kind in _BY_KIND else _compact(payload)
    except (AttributeError, TypeError, ValueError):
        text = _compact(payload)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _compact(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
