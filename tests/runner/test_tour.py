"""`swarmfi demo` as a user runs it: a subprocess, exit 0, the whole tour in its output."""

import os
import subprocess
import sys


def test_demo_runs_the_tour_fires_the_standing_order_and_verifies_the_ledger(tmp_path):
    env = {**os.environ, "SWARMFI_HOME": str(tmp_path), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "swarmfi", "demo"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert out.count("PolicyError") == 1
    assert "RefusalError: refused (ambiguous)" in out
    assert "stored as standing order #1" in out
    assert "stored as standing order #2" in out
    assert out.count("order 1: ok") == 3  # fired each of the 3 days, through the guard
    assert out.count("order 2: price ETH 3000 < 2500 ✗ → wait") == 3
    assert "standing order #1 (every 1d, 3 times): done, fired 3" in out
    assert "standing order #2 (price ETH < 2500): active, fired 0" in out
    assert "hash chain verified" in out
    assert "error" not in out.lower().replace("policyerror", "").replace("refusalerror", "")
