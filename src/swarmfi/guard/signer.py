"""The guarded signer: the only way swarmfi signs. It signs a transaction only if the
guard cleared exactly that transaction (sender, target, calldata, value) after simulating
it and checking the policy, and each clearance signs once. Every signed transaction is
handed to `on_signed` (which writes it to the ledger) before the chain broadcasts it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from swarmfi.chain.base import TxRequest
from swarmfi.errors import PolicyError


def _bytes(data: Any) -> bytes:
    if isinstance(data, str):
        return bytes.fromhex(data.removeprefix("0x"))
    return bytes(data or b"")


def fingerprint(sender: str, to: str, data: Any, value: Any) -> str:
    body = b"|".join([sender.lower().encode(), str(to).lower().encode(), _bytes(data),
                      str(int(value or 0)).encode()])
    return hashlib.sha256(body).hexdigest()


class Clearance:
    """Transactions the guard has cleared to be signed, each once."""

    def __init__(self) -> None:
        self._cleared: Counter[str] = Counter()
        self.history: list[str] = []  # every fingerprint ever cleared, in order

    def clear(self, txs: Iterable[TxRequest]) -> None:
        for tx in txs:
            print_ = fingerprint(tx.sender, tx.to, tx.data, tx.value)
            self._cleared[print_] += 1
            self.history.append(print_)

    def consume(self, print_: str) -> bool:
        if self._cleared[print_] <= 0:
            return False
        self._cleared[print_] -= 1
        return True

    def revoke_all(self) -> None:
        self._cleared.clear()


class GuardedSigner:
    """Wraps a Signer; see the module docstring."""

    def __init__(self, signer: Any, clearance: Clearance,
                 on_signed: Callable[[dict[str, Any], bytes], None]) -> None:
        self._signer, self.clearance, self._on_signed = signer, clearance, on_signed

    @property
    def address(self) -> str:
        return str(self._signer.address)

    def sign_tx(self, tx: dict[str, Any]) -> bytes:
        data = tx.get("data", tx.get("input", b""))
        if not self.clearance.consume(fingerprint(self.address, tx["to"], data,
                                                  tx.get("value", 0))):
            raise PolicyError(
                "refusing to sign a transaction that was not simulated and checked by the guard",
                rule="guarded_signer",
                hint="this is a safety stop; nothing was sent. Run the instruction again")
        raw = self._signer.sign_tx(tx)
        self._on_signed(tx, raw)
        return raw

    def __repr__(self) -> str:
        return f"GuardedSigner({self.address})"
