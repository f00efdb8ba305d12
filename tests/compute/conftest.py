import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Never read or write the real ~/.swarmfi; no stray provider settings from the shell."""
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path / "home"))
    for name in list(os.environ):
        if name.startswith(("SWARMFI_LLM_", "SWARMFI_BUDGET_")) or name in (
            "SWARMFI_PROVIDERS",
            "SWARMFI_USAGE_DB",
        ):
            monkeypatch.delenv(name)
