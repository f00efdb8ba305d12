"""Pushing the ledger to an S3-compatible store: the CAR, the JSONL and a small index.

Objects, under the URL's prefix (ROOT is the CAR's root CID, so a push of an
unchanged ledger writes the same names again):

    ledger-ROOT.car      import with `ipfs dag import`
    ledger-ROOT.jsonl    check with `swarmfi ledger verify --jsonl`
    head.json            {"root", "head", "count", "car", "jsonl"}: the latest push
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from swarmfi.ledger import scan
from swarmfi.ledger.export.car import CarSummary, export_car
from swarmfi.ledger.export.jsonl import export_jsonl
from swarmfi.ledger.export.s3 import Credentials, Target, put_file
from swarmfi.ledger.store import Ledger


@dataclass(frozen=True)
class Pushed:
    car: CarSummary
    objects: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {**self.car.to_json(), "objects": list(self.objects)}


async def push(ledger: Ledger, target: Target, creds: Credentials) -> Pushed:
    """Export the ledger (as of now) and PUT its three objects; return what was written."""
    upto = scan.last_seq(ledger)
    with tempfile.TemporaryDirectory(prefix="swarmfi-push-") as tmp:
        car_path, jsonl_path, index = Path(tmp, "l.car"), Path(tmp, "l.jsonl"), Path(tmp, "h")
        summary = export_car(scan.rows(ledger, upto=upto), car_path)
        export_jsonl(scan.rows(ledger, upto=upto), jsonl_path)
        names = {"car": target.key(f"ledger-{summary.root}.car"),
                 "jsonl": target.key(f"ledger-{summary.root}.jsonl")}
        index.write_text(json.dumps({"root": summary.root, "head": summary.head,
                                     "count": summary.records, **names}, sort_keys=True))
        await put_file(target, names["car"], car_path, creds, "application/vnd.ipld.car")
        await put_file(target, names["jsonl"], jsonl_path, creds, "application/x-ndjson")
        await put_file(target, target.key("head.json"), index, creds, "application/json")
    keys = (names["car"], names["jsonl"], target.key("head.json"))
    return Pushed(summary, tuple(target.describe(k) for k in keys))
