"""Opening what a run needs on the devnet: the chain, a test-account signer, the ledger
and the policy (each from the home directory, or alongside a `--state` directory)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def open_ledger_policy(state: Path | None) -> tuple[Any, Any]:
    from swarmfi import paths
    from swarmfi.guard.policy import load_policy
    from swarmfi.ledger.store import Ledger

    ledger_file = paths.ledger_path(state)
    paths.ensure_dir(ledger_file.parent)
    return Ledger(ledger_file), load_policy()


def open_session(state: Path | None, account: int) -> tuple[Any, Any, Any, Any]:
    """(chain, signer, ledger, policy) for the devnet test account `account`."""
    from swarmfi.chain.devnet import open_devnet
    from swarmfi.chain.wallet import test_account

    ledger, policy = open_ledger_policy(state)
    return open_devnet(state), test_account(account), ledger, policy
