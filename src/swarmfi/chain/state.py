"""Save and load a pyrevm EVM's whole state (accounts, code, storage) plus node metadata.

pyrevm 0.3.7 keeps every change in its journal and never moves it to the database, and it
exposes storage only slot by slot. So a dump reads account info with `EVM.basic`, finds the
touched storage slots in `EVM.journal_str` (the journal's Debug text), and merges them over
the slots it restored into the database at load time (`StateDump.storage`), which the
journal does not list until they are touched. Code is kept exactly: pyrevm pads analysed
bytecode, so the original is found by its code hash and memoised.

Files: one JSON header line {"format", "version", "sha256"} then the JSON payload, written
to a temp file and renamed, so a reader sees the old or the new file, never half of one.
An unreadable or corrupt file raises StateError naming the path and `swarmfi devnet reset`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import keccak, to_checksum_address

from swarmfi.errors import StateError

FORMAT = "swarmfi-devnet-state"
VERSION = 1
EMPTY_CODE_HASH = keccak(b"")
_ACCOUNT = re.compile(r"(0x[0-9a-fA-F]{40}): Account \{ info: ")
_STORAGE = re.compile(r"storage: \{(.*?)\}, status: ", re.DOTALL)
_SLOT = re.compile(r"(\d+): StorageSlot \{[^}]*?present_value: (\d+)")
RESET_HINT = "run `swarmfi devnet reset` to start over from genesis (this loses devnet state)"


@dataclass
class StateDump:
    """Accounts by checksum address: {"balance", "nonce", "code" (hex), "storage" {slot: value}}."""

    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        accounts = {
            a: {
                "balance": hex(v["balance"]),
                "nonce": v["nonce"],
                "code": v["code"],
                "storage": {hex(k): hex(s) for k, s in v["storage"].items()},
            }
            for a, v in self.accounts.items()
        }
        return {"accounts": accounts, "meta": self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StateDump:
        accounts = {
            str(to_checksum_address(a)): {
                "balance": int(v["balance"], 16),
                "nonce": int(v["nonce"]),
                "code": v["code"],
                "storage": {int(k, 16): int(s, 16) for k, s in v["storage"].items()},
            }
            for a, v in data["accounts"].items()
        }
        return cls(accounts, dict(data.get("meta", {})))


class StateTracker:
    """Dumps one EVM's state; remembers what it loaded so untouched slots are kept."""

    def __init__(self, base: StateDump | None = None) -> None:
        self._base: dict[str, dict[int, int]] = {}
        self._codes: dict[bytes, str] = {EMPTY_CODE_HASH: ""}
        if base is not None:
            self._remember(base)

    def _remember(self, dump: StateDump) -> None:
        for address, account in dump.accounts.items():
            self._base[address] = dict(account["storage"])
            code = bytes.fromhex(account["code"])
            self._codes[keccak(code)] = account["code"]

    def load(self, evm: Any, dump: StateDump) -> None:
        """Write `dump` into `evm` (a fresh one) and track it as the base."""
        import pyrevm

        for address, account in dump.accounts.items():
            code = bytes.fromhex(account["code"]) or None
            evm.insert_account_info(address, pyrevm.AccountInfo(nonce=account["nonce"], code=code))
            evm.set_balance(address, account["balance"])
            for slot, value in account["storage"].items():
                evm.insert_account_storage(address, slot, value)
        self._remember(dump)

    def dump(self, evm: Any, meta: dict[str, Any] | None = None) -> StateDump:
        """Everything `evm` holds now (accounts that are wholly empty are left out)."""
        touched = _journal_storage(evm.journal_str)
        addresses = set(self._base) | set(touched) | set(evm.journal_state) | set(evm.db_accounts)
        accounts: dict[str, dict[str, Any]] = {}
        for raw in addresses:
            address = to_checksum_address(raw)
            storage = {**self._base.get(address, {}), **touched.get(address, {})}
            storage = {k: v for k, v in storage.items() if v}
            account = self._account(evm, address, storage)
            if account["balance"] or account["nonce"] or account["code"] or storage:
                accounts[address] = account
        return StateDump(dict(sorted(accounts.items())), dict(meta or {}))

    def _account(self, evm: Any, address: str, storage: dict[int, int]) -> dict[str, Any]:
        info = evm.basic(address)
        code_hash = bytes(info.code_hash) if info.code_hash is not None else EMPTY_CODE_HASH
        return {
            "balance": int(info.balance),
            "nonce": int(info.nonce),
            "code": self._code(evm, address, code_hash),
            "storage": storage,
        }

    def _code(self, evm: Any, address: str, code_hash: bytes) -> str:
        known = self._codes.get(code_hash)
        if known is not None:
            return known
        padded = bytes(evm.get_code(address) or b"")
        for end in range(len(padded), -1, -1):
            if keccak(padded[:end]) == code_hash:
                self._codes[code_hash] = padded[:end].hex()
                return padded[:end].hex()
            if end and padded[end - 1] != 0:
                break
        raise StateError(
            f"cannot recover the code of {address} from the EVM",
            hint="this is a bug in swarmfi's state dump; please report it",
        )


def _journal_storage(text: str) -> dict[str, dict[int, int]]:
    """Present storage values per address from pyrevm's JournaledState Debug text."""
    end = text.find("}, transient_storage: ")
    state = text[: end if end >= 0 else len(text)]
    starts = list(_ACCOUNT.finditer(state))
    found: dict[str, dict[int, int]] = {}
    for i, match in enumerate(starts):
        chunk = state[match.end() : starts[i + 1].start() if i + 1 < len(starts) else len(state)]
        block = _STORAGE.search(chunk)
        slots = {int(k): int(v) for k, v in _SLOT.findall(block.group(1))} if block else {}
        found[to_checksum_address(match.group(1))] = slots
    return found


# ------------------------------------------------------------------ files


def write_file(path: Path, payload: dict[str, Any], kind: str = FORMAT) -> None:
    """Write `payload` to `path` atomically (temp file in the same directory, then rename)."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    header = {"format": kind, "version": VERSION, "sha256": hashlib.sha256(body).hexdigest()}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(json.dumps(header).encode() + b"\n" + body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_file(path: Path, kind: str = FORMAT) -> dict[str, Any]:
    """Read a file `write_file` made; StateError (naming `path` and the reset command) if
    it is missing, unreadable, of another kind or version, truncated or edited."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _corrupt(path, exc.strerror or type(exc).__name__) from None
    head, _, body = raw.partition(b"\n")
    try:
        header = json.loads(head)
    except ValueError:
        raise _corrupt(path, "its header is not JSON") from None
    if not isinstance(header, dict) or header.get("format") != kind:
        raise _corrupt(path, f"it is not a {kind} file")
    if header.get("version") != VERSION:
        raise _corrupt(path, f"it has format version {header.get('version')}, not {VERSION}")
    if hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise _corrupt(path, "its checksum does not match (truncated or edited)")
    try:
        payload = json.loads(body)
    except ValueError:
        raise _corrupt(path, "its content is not JSON") from None
    if not isinstance(payload, dict):
        raise _corrupt(path, "its content is not a JSON object")
    return payload


def write_dump(path: Path, dump: StateDump, kind: str = FORMAT) -> None:
    write_file(path, dump.to_json(), kind)


def read_dump(path: Path, kind: str = FORMAT) -> StateDump:
    payload = read_file(path, kind)
    try:
        return StateDump.from_json(payload)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _corrupt(path, f"its content is malformed ({type(exc).__name__})") from None


def _corrupt(path: Path, why: str) -> StateError:
    return StateError(f"cannot read devnet state file {path}: {why}", hint=RESET_HINT)
