"""Shared by the tests that need the npm artifacts (tests/replica; `make replica` fills it)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

REPLICA_DIR = Path(__file__).parents[1] / "replica"


def require_artifacts() -> Path:
    """tests/replica/node_modules; a failure that says how to fill it (never a skip)."""
    from swarmfi.chain.replica import artifacts

    return artifacts.root()


def second_table() -> dict[str, dict[str, dict[str, str]]]:
    """The independent address table built by tests/replica/second_table.js with node."""
    require_artifacts()
    node = shutil.which("node")
    assert node is not None, "node is needed to build the second address table"
    out = subprocess.run(
        [node, "second_table.js"], cwd=REPLICA_DIR, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    data: Any = json.loads(out.stdout)
    return dict(data)
