"""Anchoring the ledger's head on Arweave, and checking the ledger against its last anchor.

`anchor` signs and posts a data item (arweave.py) naming the head hash, its seq and
the CAR root CID of the records up to it, then appends an ``anchor`` record:

    {"arweave_id", "head", "seq", "count", "root_cid", "bundler", "owner"}

`check_last_anchor` (run by `ledger verify`) finds the last such record and checks
that the record at its seq still has the anchored hash and that the records up to it
still give the anchored root CID: a ledger rewritten from the start, hashes and all,
no longer matches what was published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from swarmfi.errors import StateError, UserInputError
from swarmfi.ledger import scan
from swarmfi.ledger.export.arweave import MessageSigner, anchor_item, post
from swarmfi.ledger.export.car import summarize
from swarmfi.ledger.store import Ledger, Record
from swarmfi.ledger.verify import Problem

ANCHOR_KIND = "anchor"


async def anchor(ledger: Ledger, signer: MessageSigner, bundler: str) -> Record:
    """Anchor the ledger as it is now; return the `anchor` record written."""
    upto = scan.last_seq(ledger)
    if upto == 0:
        raise UserInputError(f"the ledger {ledger.path} is empty: there is nothing to anchor",
                             "run something first")
    car = summarize(scan.rows(ledger, upto=upto))
    assert car.head is not None
    item = anchor_item(signer, car.head, upto, car.records, car.root)
    await post(item, bundler)
    return ledger.append(ANCHOR_KIND, {
        "arweave_id": item.id, "head": car.head, "seq": upto, "count": car.records,
        "root_cid": car.root, "bundler": bundler, "owner": signer.address,
    })  # fmt: skip


@dataclass(frozen=True)
class AnchorCheck:
    """The outcome of checking the ledger against its last anchor."""

    arweave_id: str
    seq: int
    head: str
    problems: tuple[Problem, ...]

    def to_json(self) -> dict[str, Any]:
        return {"arweave_id": self.arweave_id, "seq": self.seq, "head": self.head,
                "ok": not self.problems, "problems": [p.to_json() for p in self.problems]}


def check_last_anchor(ledger: Ledger) -> AnchorCheck | None:
    """Check the ledger against its last anchor record; None when it has none."""
    last = ledger.last(kind=ANCHOR_KIND)
    if last is None:
        return None
    try:
        seq, head, root = int(last.payload["seq"]), str(last.payload["head"]), last.payload[
            "root_cid"]
        arweave_id = str(last.payload["arweave_id"])
    except (KeyError, TypeError, ValueError):
        bad = Problem(last.seq, "anchor", f"anchor record {last.seq} is not an anchor")
        return AnchorCheck("", 0, "", (bad,))
    return AnchorCheck(arweave_id, seq, head, tuple(_anchor_problems(ledger, seq, head, root)))


def _anchor_problems(ledger: Ledger, seq: int, head: str, root: str) -> list[Problem]:
    record = ledger.get(seq)
    if record is None:
        return [Problem(seq, "anchor", f"record {seq}, the anchored head, is missing")]
    if record.hash != head:
        return [Problem(seq, "anchor", f"record {seq} has hash {record.hash[:12]}…, but the"
                        f" anchor published {head[:12]}…: the ledger was rewritten")]
    try:
        found = summarize(scan.rows(ledger, upto=seq)).root
    except StateError as exc:
        return [Problem(seq, "anchor", f"the records up to {seq} cannot give a root: {exc}")]
    if found != root:
        return [Problem(seq, "anchor", f"the records up to {seq} give root {found}, but the"
                        f" anchor published {root}")]
    return []
