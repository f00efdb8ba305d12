"""The preview: what a plan would do, step by step, as simulated on a snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from swarmfi.agents.context import Prepared, to_units
from swarmfi.chain.base import LendingPosition, Registry, TxOutcome
from swarmfi.guard.rules import Violation


def diff(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """Raw balance changes from `before` to `after`, non-zero only, by symbol."""
    keys = set(before) | set(after)
    return {k: after.get(k, 0) - before.get(k, 0) for k in sorted(keys)
            if after.get(k, 0) != before.get(k, 0)}


@dataclass(frozen=True)
class StepPreview:
    prepared: Prepared
    outcomes: tuple[TxOutcome, ...]
    deltas: Mapping[str, int]  # simulated wallet change, raw units (gas not counted)
    position_after: LendingPosition
    kind: Literal["step_preview"] = "step_preview"

    @property
    def gas_used(self) -> int:
        return sum(o.gas_used for o in self.outcomes)


@dataclass(frozen=True)
class Preview:
    """The whole plan on a snapshot: per-step results, totals, and policy violations."""

    sender: str
    steps: tuple[StepPreview, ...]
    balances_before: Mapping[str, int]
    balances_after: Mapping[str, int]
    position_before: LendingPosition
    position_after: LendingPosition
    violations: tuple[Violation, ...] = ()
    kind: Literal["preview"] = "preview"

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def gas_used(self) -> int:
        return sum(s.gas_used for s in self.steps)

    @property
    def deltas(self) -> dict[str, int]:
        return diff(self.balances_before, self.balances_after)

    @property
    def approvals(self) -> list[Any]:
        return [a for s in self.steps for a in s.prepared.approvals]

    def with_violations(self, violations: list[Violation]) -> Preview:
        return replace(self, violations=tuple(violations))

    def to_dict(self, registry: Registry) -> dict[str, Any]:
        """JSON-ready: amounts as decimal strings in token units."""
        return {
            "sender": self.sender,
            "ok": self.ok,
            "steps": [_step_dict(s, registry) for s in self.steps],
            "balance_changes": _units(self.deltas, registry),
            "approvals": [{"token": a.token, "spender": a.spender,
                           "amount": str(to_units(a.amount, registry.token(a.token)))
                           if a.token in registry.symbols() else str(a.amount)}
                          for a in self.approvals],
            "position_before": position_dict(self.position_before, registry),
            "position_after": position_dict(self.position_after, registry),
            "gas_used": self.gas_used,
            "violations": [v.to_json() for v in self.violations],
        }


def _units(raw: Mapping[str, int], registry: Registry) -> dict[str, str]:
    return {s: str(to_units(v, registry.token(s))) for s, v in raw.items()
            if s in registry.symbols()}


def _step_dict(step: StepPreview, registry: Registry) -> dict[str, Any]:
    p = step.prepared
    return {
        "index": p.index, "action": p.action, "summary": p.summary,
        "transactions": [{"to": t.to, "value": str(t.value), "label": t.label,
                          "data": "0x" + t.data.hex()} for t in p.txs],
        "balance_changes": _units(step.deltas, registry),
        "spends_at_most": _units(p.spends, registry),
        "receives_at_least": _units(p.receives, registry),
        "expected": _units(p.expected, registry),
        "usd_value": str(p.usd_value),
        "slippage": None if p.slippage is None else str(p.slippage),
        "price_impact": None if p.price_impact is None else str(p.price_impact),
        "recipient": p.recipient,
        "gas_used": step.gas_used,
        **({"answer": p.data["answer"]} if "answer" in p.data else {}),
    }


def position_dict(position: LendingPosition, registry: Registry) -> dict[str, Any]:
    hf = position.health_factor
    return {
        "supplied": _units(position.supplied, registry),
        "borrowed": _units(position.borrowed, registry),
        "collateral_usd": str(position.collateral_usd.quantize(Decimal("0.01"))),
        "debt_usd": str(position.debt_usd.quantize(Decimal("0.01"))),
        "health_factor": None if hf is None else str(hf.quantize(Decimal("0.0001"))),
    }
