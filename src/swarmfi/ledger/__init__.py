"""The ledger: an append-only, hash-chained record of every run, in SQLite.

    >>> ledger = Ledger()                       # ~/.swarmfi/ledger.sqlite3
    >>> record = ledger.append("intent", {"text": "swap 1 ETH for USDC"}, run_id="r1")
    >>> ledger.verify().ok
    True

See store.py for the storage rules, hashing.py for canonical JSON and
cid.py for the IPFS-compatible content ids.
"""

from swarmfi.ledger.store import KINDS, Ledger, Record, RunSummary, new_run_id
from swarmfi.ledger.verify import Problem, VerifyReport, check_jsonl

__all__ = [
    "KINDS",
    "Ledger",
    "Problem",
    "Record",
    "RunSummary",
    "VerifyReport",
    "check_jsonl",
    "new_run_id",
]
