import sqlite3
from pathlib import Path

import pytest

from swarmfi.ledger import Ledger


@pytest.fixture
def ledger_file(tmp_path: Path) -> Path:
    """A ledger with 6 records in two runs, closed again; the test opens it as it likes."""
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        ledger.append("intent", {"text": "swap 1 ETH for USDC"}, run_id="r1")
        ledger.append("plan", {"steps": ["approve", "swap"]}, run_id="r1")
        ledger.append("transaction", {"tx_hash": "0xaa", "step": 0}, run_id="r1")
        ledger.append("receipt", {"tx_hash": "0xaa", "success": True}, run_id="r1")
        ledger.append("transaction", {"tx_hash": "0xbb", "step": 1}, run_id="r1")
        ledger.append("note", {"text": "unrelated"}, run_id=None)
    return path


def tamper(path: Path, *statements: str) -> None:
    """Change the file behind swarmfi's back, as an attacker with the file would."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS records_no_update")
        conn.execute("DROP TRIGGER IF EXISTS records_no_delete")
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()
