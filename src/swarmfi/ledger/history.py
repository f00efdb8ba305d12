"""`swarmfi history`: one line per run, newest first, read from the ledger alone.

For each run: when it started, the instruction (the intent's or the standing
order's text), its outcome, every transaction hash, and what actually moved (the
`step` records' measured balance changes, summed over the run, in token units when
the token's decimals are known).

Cost: the page of runs comes from one grouped query over the `run_id` index, and
each run's records from the same index, so `--limit 20` reads 20 runs whatever the
size of the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from swarmfi.ledger.store import Ledger

_RUNS = ("SELECT run_id, min(seq) AS first FROM records WHERE run_id IS NOT NULL"
         " GROUP BY run_id ORDER BY first DESC LIMIT ? OFFSET ?")
_OF_RUN = "SELECT kind, ts, payload FROM records WHERE run_id = ? ORDER BY seq"


@dataclass(frozen=True)
class RunLine:
    """One run as `history` shows it. `moved` maps a symbol to its signed change."""

    run_id: str
    when: str
    instruction: str
    outcome: str
    tx_hashes: tuple[str, ...] = ()
    moved: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "when": self.when, "instruction": self.instruction,
                "outcome": self.outcome, "tx_hashes": list(self.tx_hashes),
                "moved": dict(self.moved)}


def history(ledger: Ledger, limit: int | None = 20, offset: int = 0,
            decimals: Mapping[str, int] | None = None) -> list[RunLine]:
    """The runs of `ledger`, newest first: at most `limit` (None: all) after `offset`."""
    runs = ledger._select(_RUNS, (-1 if limit is None else limit, offset))
    return [summarize(run_id, _records(ledger, run_id), decimals or {}) for run_id, _ in runs]


def _records(ledger: Ledger, run_id: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for kind, ts, text in ledger._select(_OF_RUN, (run_id,)):
        try:
            payload = json.loads(text)
        except ValueError:
            payload = {}
        yield kind, ts, payload if isinstance(payload, dict) else {}


@dataclass
class _Run:
    when: str = ""
    instruction: str = ""
    outcome: str = "started"
    tx_hashes: list[str] = field(default_factory=list)
    raw: dict[str, int] = field(default_factory=dict)
    answers: list[str] = field(default_factory=list)


def summarize(run_id: str, records: Iterator[tuple[str, str, dict[str, Any]]],
              decimals: Mapping[str, int]) -> RunLine:
    """The history line of one run from its records (kind, ts, payload) in seq order."""
    run = _Run()
    for kind, ts, payload in records:
        run.when = run.when or ts
        _take(run, kind, payload)
    if run.outcome == "done" and run.answers and not run.tx_hashes:
        run.outcome = "answered: " + "; ".join(run.answers)
    moved = {symbol: units(amount, decimals.get(symbol)) for symbol, amount in run.raw.items()
             if amount}
    return RunLine(run_id, run.when, run.instruction, run.outcome, tuple(run.tx_hashes), moved)


def _take(run: _Run, kind: str, p: dict[str, Any]) -> None:
    if kind in ("intent", "firing"):
        run.instruction = run.instruction or str(p.get("text", ""))
        run.outcome = f"fired by order #{p['order_id']}" if "order_id" in p else run.outcome
    elif kind == "receipt" and p.get("tx_hash") and p["tx_hash"] not in run.tx_hashes:
        run.tx_hashes.append(str(p["tx_hash"]))
    elif kind == "step":
        _take_step(run, p)
    else:
        run.outcome = _outcome(kind, p) or run.outcome


def _take_step(run: _Run, p: dict[str, Any]) -> None:
    for symbol, amount in (p.get("deltas") or {}).items():
        run.raw[symbol] = run.raw.get(symbol, 0) + _int(amount)
    for tx_hash in p.get("tx_hashes") or ():
        if tx_hash not in run.tx_hashes:
            run.tx_hashes.append(str(tx_hash))
    if p.get("answer") is not None:
        run.answers.append(_short(p["answer"]))


def _outcome(kind: str, p: dict[str, Any]) -> str | None:
    found = p.get("error")
    error: dict[str, Any] = found if isinstance(found, dict) else {}
    problems = "; ".join(str(x) for x in p.get("problems") or ())
    step = p.get("step")
    outcomes = {
        "refusal": f"refused: {error.get('message', error.get('kind', ''))}",
        "order": f"stored as standing order #{p.get('order_id')}",
        "note": "declined: nothing was signed" if p.get("status") == "declined" else None,
        "preview": "previewed" if p.get("ok", True) else "blocked by the policy",
        "approval": "approved, unfinished (`swarmfi resume` finishes it)",
        "halt": f"halted at step {step + 1 if isinstance(step, int) else '?'}: {problems}",
        "done": "done" if p.get("ok") else "failed: " + "; ".join(map(str, p.get("failures",
                                                                               ()))),
    }
    return outcomes.get(kind)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def units(raw: int, decimals: int | None) -> str:
    """`raw` in token units ("+1.5", "-2000"), or raw with ' (raw)' when decimals are unknown."""
    if decimals is None:
        return f"{raw:+d} (raw)"
    value = Decimal(raw).scaleb(-decimals).normalize()
    text = f"{value:f}"
    return text if text.startswith("-") else "+" + text


def _short(answer: Any, width: int = 60) -> str:
    text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False,
                                                             sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"
