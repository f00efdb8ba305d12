"""Where swarmfi keeps its files: one home directory, overridable with `SWARMFI_HOME`.

::

    $SWARMFI_HOME (default ~/.swarmfi)
    ├── ledger.sqlite3     the append-only record of every run (swarmfi.ledger)
    ├── orders.sqlite3     standing orders and their firings (swarmfi.orders)
    ├── policy.toml        the user's policy; missing means safe defaults (swarmfi.guard.policy)
    └── devnet/            the embedded devnet's chain state (`--state DIR` replaces it)

A run against a `--state DIR` keeps its ledger and orders alongside: `ledger_path(DIR)`,
`orders_path(DIR)`.
These functions only compute paths; nothing here creates a directory. Call
`ensure_dir(path)` before writing: directories swarmfi creates are 0700, and files it
creates 0600 (`private_file`, and the CLI's umask 077): the ledger holds signed
transactions, the state directory keys.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "SWARMFI_HOME"
LEDGER_FILE = "ledger.sqlite3"
POLICY_FILE = "policy.toml"
ORDERS_FILE = "orders.sqlite3"


def home() -> Path:
    """The swarmfi home directory: `$SWARMFI_HOME`, else `~/.swarmfi`."""
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser() if value else Path.home() / ".swarmfi"


def state_dir() -> Path:
    """The embedded devnet's default state directory (`swarmfi devnet reset` clears it)."""
    return home() / "devnet"


def ledger_path(state: Path | None = None) -> Path:
    """The ledger database: in the home directory, or alongside an explicit `--state` dir."""
    return (state if state is not None else home()) / LEDGER_FILE


def orders_path(state: Path | None = None) -> Path:
    """The standing-orders database: in the home directory, or alongside a `--state` dir."""
    return (state if state is not None else home()) / ORDERS_FILE


def policy_path() -> Path:
    """The policy file."""
    return home() / POLICY_FILE


def ensure_dir(path: Path) -> Path:
    """Create directory `path` (and parents) if missing, private to the user; return it.
    The swarmfi home itself is made private even when it exists already."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    for created in missing:  # mkdir's mode is masked by the umask
        os.chmod(created, 0o700)
    if path == home():
        _make_private(path)
    return path


def _make_private(directory: Path) -> None:
    try:
        if directory.stat().st_uid == os.getuid() and directory.stat().st_mode & 0o077:
            os.chmod(directory, 0o700)
    except OSError:
        return


def private_file(path: Path) -> Path:
    """Create `path` empty with mode 0600 if missing (SQLite gives its -wal and -shm files
    the same mode); an existing file of ours that others can read is made private."""
    ensure_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except FileExistsError:
        _tighten(path)
    return path


def _tighten(path: Path) -> None:
    try:
        if path.is_file() and path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    except OSError:
        return


def private_umask() -> None:
    """Files and directories this process creates from now on are private to the user."""
    os.umask(0o077)
