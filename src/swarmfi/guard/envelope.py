"""The envelope the user approves for each step, and the checks that keep execution in it.

At execution a step is rebuilt from live state and must stay inside what the user saw:
the same action, contracts and recipient, spending at most (and receiving at least)
the approved amounts within a small tolerance. After it is sent, what actually moved
is compared again; any difference outside the envelope halts the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from swarmfi.agents.context import GAS_RESERVE_WEI, Prepared
from swarmfi.chain.base import NATIVE

TOLERANCE = Decimal("0.01")  # live state may drift 1 % from the preview, never more


@dataclass(frozen=True)
class Envelope:
    index: int
    action: str
    spends: Mapping[str, int] = field(default_factory=dict)
    receives: Mapping[str, int] = field(default_factory=dict)
    targets: tuple[str, ...] = ()
    recipient: str | None = None
    kind: Literal["envelope"] = "envelope"

    @classmethod
    def of(cls, p: Prepared) -> Envelope:
        targets = tuple(sorted({t.to.lower() for t in p.txs}))
        return cls(p.index, p.action, dict(p.spends), dict(p.receives), targets, p.recipient)

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "action": self.action,
                "spends": {k: str(v) for k, v in self.spends.items()},
                "receives": {k: str(v) for k, v in self.receives.items()},
                "targets": list(self.targets), "recipient": self.recipient}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Envelope:
        return cls(int(data["index"]), data["action"],
                   {k: int(v) for k, v in data["spends"].items()},
                   {k: int(v) for k, v in data["receives"].items()},
                   tuple(data["targets"]), data.get("recipient"))

    def problems(self, p: Prepared) -> list[str]:
        """Ways the rebuilt step `p` leaves this envelope."""
        found = []
        if p.action != self.action:
            found.append(f"the step became a {p.action}, not the approved {self.action}")
        stray = {t.to.lower() for t in p.txs} - set(self.targets)
        if stray:
            found.append(f"it would call contracts not in the preview: {sorted(stray)}")
        if (p.recipient or "").lower() != (self.recipient or "").lower():
            found.append(f"the recipient changed to {p.recipient}")
        return found + self.amount_problems(p.spends, p.receives, slack=0)

    def amount_problems(self, spends: Mapping[str, int], receives: Mapping[str, int],
                        slack: int) -> list[str]:
        """Spending over, or receiving under, the approved amounts (± TOLERANCE);
        `slack` is ether allowed for gas (spent on top, or missing from what came in)."""
        found = []
        for symbol, amount in spends.items():
            cap = int(self.spends.get(symbol, 0) * (1 + TOLERANCE))
            cap += slack if symbol == NATIVE else 0
            if amount > cap:
                found.append(f"it would spend {amount} raw {symbol}, above the approved {cap}")
        for symbol, floor in self.receives.items():
            least = int(floor * (1 - TOLERANCE)) - (slack if symbol == NATIVE else 0)
            if receives.get(symbol, 0) < least:
                found.append(f"it would receive {receives.get(symbol, 0)} raw {symbol}, "
                             f"below the approved {least}")
        return found

    def delta_problems(self, deltas: Mapping[str, int]) -> list[str]:
        """Check a measured wallet change (raw, negative = spent) against the envelope."""
        spent = {s: -d for s, d in deltas.items() if d < 0}
        got = {s: d for s, d in deltas.items() if d > 0}
        return self.amount_problems(spent, got, slack=GAS_RESERVE_WEI)
