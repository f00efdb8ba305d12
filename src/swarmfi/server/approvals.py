"""Plans waiting for a person: the approval store (SQLite, `approvals.sqlite3` beside the ledger).

A caller that is not the user at the CLI prompt (an MCP client, an HTTP script, an agent
network) may preview and ask to run; a plan it asks for executes only when a person
approved that exact plan by id (`swarmfi approve ID`, or the web page) before it expires,
or when it fits the policy's standing `[auto_approve]` section (`fits_auto_approve`).

Each plan row is bound to `plan_hash`: SHA-256 of the canonical steps, the chain id, the
sender, every step's envelope and the preview's amounts. A run re-simulates the plan and
goes ahead only if the new hash is the approved one. Rows are authenticated with an HMAC
(key `approvals.key`, 0600, created on first use beside the store): a row written by
anything without the key (a model, another local program with write access to the file)
fails its check and counts as never approved. Fails closed everywhere.

States: awaiting_approval → approved → running → done | failed; or declined; `expired`
is derived from the clock, never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from swarmfi import paths
from swarmfi.errors import StateError, UserInputError
from swarmfi.sqlite import SqliteFile

APPLICATION_ID = 0x53574150  # "SWAP": a swarmfi approval store
STORE_FILE = "approvals.sqlite3"
KEY_FILE = "approvals.key"
TTL_ENV = "SWARMFI_APPROVAL_TTL"
DEFAULT_TTL_S = 300.0

State = Literal["awaiting_approval", "approved", "declined", "running", "done", "failed"]
_FIELDS = ("id", "plan_hash", "text", "steps", "preview", "source", "state", "created",
           "expires", "decided_by", "result", "mac")
_SCHEMA = (f"CREATE TABLE IF NOT EXISTS plans ({', '.join(_FIELDS)}, PRIMARY KEY (id))",)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes that are hashed and MACed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def plan_hash(steps: Sequence[Any], chain_id: int, sender: str,
              envelopes: Sequence[Mapping[str, Any]], preview: Mapping[str, Any]) -> str:
    """The identity of one plan as a person saw it: what it does and the amounts it moves."""
    amounts = [{k: s.get(k) for k in ("action", "spends_at_most", "receives_at_least",
                                       "usd_value", "recipient")}
               for s in preview.get("steps", [])]
    body = {"steps": list(steps), "chain_id": int(chain_id), "sender": sender.lower(),
            "envelopes": list(envelopes), "amounts": amounts,
            "balance_changes": preview.get("balance_changes", {})}
    return "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()


def ttl_seconds() -> float:
    """How long a plan may wait for approval: $SWARMFI_APPROVAL_TTL seconds, default 300."""
    raw = os.environ.get(TTL_ENV, "").strip()
    try:
        value = float(raw) if raw else DEFAULT_TTL_S
    except ValueError:
        raise UserInputError(f"{TTL_ENV}={raw!r} is not a number of seconds",
                             f"set {TTL_ENV} to e.g. 300, or unset it") from None
    if not 0 < value <= 86_400:
        raise UserInputError(f"{TTL_ENV}={raw} is outside 0..86400 seconds",
                             f"set {TTL_ENV} to e.g. 300")
    return value


def load_key(directory: Path) -> bytes:
    """The HMAC key in `directory`/approvals.key, created (0600, 32 random bytes) if missing."""
    file = directory / KEY_FILE
    paths.ensure_dir(directory)
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(file)
    with os.fdopen(fd, "wb") as out:
        out.write(secrets.token_bytes(32))
    return _read_key(file)


def _read_key(file: Path) -> bytes:
    if file.stat().st_mode & 0o077:
        raise StateError(f"the approval key {file} is readable by other users",
                         f"run `chmod 600 {file}`, or delete it (waiting plans are then void)")
    key = file.read_bytes()
    if len(key) != 32:
        raise StateError(f"the approval key {file} is damaged ({len(key)} bytes, not 32)",
                         "delete it; swarmfi makes a new one and waiting plans become void")
    return key


@dataclass(frozen=True)
class Plan:
    """One plan a remote caller asked for, as stored."""

    id: str
    plan_hash: str
    text: str
    steps: tuple[Any, ...]
    preview: Mapping[str, Any]
    source: str
    state: State
    created: float
    expires: float
    decided_by: str | None = None
    result: Mapping[str, Any] | None = None
    kind: Literal["remote_plan"] = "remote_plan"

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires

    def status(self, now: float | None = None) -> str:
        """The state a caller sees: a waiting or approved plan past its time is expired."""
        waiting = self.state in ("awaiting_approval", "approved")
        return "expired" if waiting and self.expired(now) else self.state

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status(), "plan_hash": self.plan_hash,
                "text": self.text, "source": self.source, "created": self.created,
                "expires": self.expires, "decided_by": self.decided_by,
                "preview": dict(self.preview), "result": self.result}

    def row(self) -> dict[str, Any]:
        return {"id": self.id, "plan_hash": self.plan_hash, "text": self.text,
                "steps": canonical_json(list(self.steps)).decode(),
                "preview": canonical_json(self.preview).decode(), "source": self.source,
                "state": self.state, "created": repr(self.created),
                "expires": repr(self.expires), "decided_by": self.decided_by,
                "result": None if self.result is None else canonical_json(self.result).decode()}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Plan:
        return cls(row["id"], row["plan_hash"], row["text"], tuple(json.loads(row["steps"])),
                   json.loads(row["preview"]), row["source"], row["state"],
                   float(row["created"]), float(row["expires"]), row["decided_by"],
                   None if row["result"] is None else json.loads(row["result"]))


def new_plan_id() -> str:
    """Short enough to type: `swarmfi approve p-7f3a9c2e1b`."""
    return "p-" + secrets.token_hex(5)


class ApprovalStore(SqliteFile):
    """The plans of remote callers, each row authenticated with the store's HMAC key."""

    application_id = APPLICATION_ID
    schema = _SCHEMA
    what = "approval store"

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else paths.home()
        self._key = load_key(self.directory)
        super().__init__(self.directory / STORE_FILE, create=True)
        os.chmod(self.path, 0o600)

    def _mac(self, row: Mapping[str, Any]) -> str:
        body = canonical_json({k: row[k] for k in _FIELDS if k != "mac"})
        return hmac.new(self._key, body, hashlib.sha256).hexdigest()

    def _put(self, plan: Plan, *, expect: Sequence[str] | None = None) -> Plan:
        """Write `plan`; with `expect`, only if the stored state is one of those (atomic)."""
        row = plan.row()
        row["mac"] = self._mac(row)
        with self._write() as conn:
            if expect is not None:
                current = self._read(conn, plan.id)
                if current is None or current.state not in expect:
                    raise _wrong_state(plan.id, current)
            conn.execute(f"INSERT OR REPLACE INTO plans ({', '.join(_FIELDS)}) VALUES "
                         f"({', '.join('?' * len(_FIELDS))})", tuple(row[k] for k in _FIELDS))
        return plan

    def _read(self, conn: Any, plan_id: str) -> Plan | None:
        cursor = conn.execute(f"SELECT {', '.join(_FIELDS)} FROM plans WHERE id = ?",
                              (plan_id,))
        found = cursor.fetchone()
        if found is None:
            return None
        row = dict(zip(_FIELDS, found, strict=True))
        if not hmac.compare_digest(str(row["mac"]), self._mac(row)):
            raise StateError(f"plan {plan_id} in {self.path} fails its authentication check: "
                             "it was written or changed by something other than swarmfi",
                             "nothing was run; preview the instruction again for a new plan")
        return Plan.from_row(row)

    def add(self, text: str, steps: Sequence[Any], digest: str, preview: Mapping[str, Any],
            source: str, ttl: float | None = None) -> Plan:
        now = time.time()
        plan = Plan(new_plan_id(), digest, text, tuple(steps), dict(preview), source,
                    "awaiting_approval", now, now + (ttl_seconds() if ttl is None else ttl))
        return self._put(plan)

    def get(self, plan_id: str) -> Plan:
        """The plan `plan_id`; UserInputError if there is none, StateError if forged."""
        with self._snapshot() as conn:
            plan = self._read(conn, plan_id)
        if plan is None:
            raise UserInputError(f"there is no plan {plan_id!r}",
                                 "preview the instruction first; its answer names the plan id")
        return plan

    def recent(self, limit: int = 20) -> list[Plan]:
        """The newest plans first (rows failing their check are left out)."""
        ids = [r[0] for r in self._select(
            "SELECT id FROM plans ORDER BY CAST(created AS REAL) DESC LIMIT ?", (limit,))]
        out = []
        for plan_id in ids:
            try:
                out.append(self.get(plan_id))
            except StateError:
                continue
        return out

    def decide(self, plan_id: str, approve: bool, by: str) -> Plan:
        """A person's answer for a waiting plan: approved or declined; not after it expired."""
        plan = self.get(plan_id)
        if plan.state != "awaiting_approval":
            raise _wrong_state(plan_id, plan)
        if plan.expired():
            raise UserInputError(f"plan {plan_id} expired before it was approved",
                                 "preview the instruction again and approve the new plan id")
        state: State = "approved" if approve else "declined"
        return self._put(replace(plan, state=state, decided_by=by),
                         expect=("awaiting_approval",))

    def claim(self, plan_id: str, digest: str) -> bool:
        """Take an approved, unexpired plan with this exact hash for execution, once.
        False (and nothing changes) for anything else."""
        try:
            plan = self.get(plan_id)
        except (StateError, UserInputError):
            return False
        if plan.state != "approved" or plan.expired() or not hmac.compare_digest(
                plan.plan_hash, digest):
            return False
        try:
            self._put(replace(plan, state="running"), expect=("approved",))
        except UserInputError:
            return False  # another process claimed it first
        return True

    def mark_auto(self, plan_id: str) -> None:
        """A plan the standing auto-approval covers: running, decided by the policy."""
        plan = self.get(plan_id)
        self._put(replace(plan, state="running", decided_by="policy:auto_approve"),
                  expect=("awaiting_approval",))

    def finish(self, plan_id: str, ok: bool, result: Mapping[str, Any]) -> Plan:
        plan = self.get(plan_id)
        state: State = "done" if ok else "failed"
        return self._put(replace(plan, state=state, result=dict(result)))


def _wrong_state(plan_id: str, plan: Plan | None) -> UserInputError:
    if plan is None:
        return UserInputError(f"there is no plan {plan_id!r}", "check the plan id")
    return UserInputError(f"plan {plan_id} is {plan.status()}, not waiting for approval",
                          "preview the instruction again for a new plan id")


def fits_auto_approve(preview: Mapping[str, Any], policy: Any, spent_today_usd: Decimal,
                      ) -> list[str]:
    """Why the standing `[auto_approve]` policy does not cover this preview ([]: it does)."""
    rule = getattr(policy, "auto_approve", None)
    if rule is None:
        return ["the policy has no [auto_approve] section"]
    steps = preview.get("steps", [])
    book = {a.lower() for a in policy.address_book.values()}
    why = [f"step {s['index'] + 1} is a {s['action']}, not one of the auto-approved actions "
           f"({', '.join(rule.actions) or 'none'})" for s in steps
           if s["action"] not in rule.actions]
    why += [f"step {s['index'] + 1} moves ${s['usd_value']}, over auto_approve.max_tx_usd "
            f"(${rule.max_tx_usd})" for s in steps if Decimal(s["usd_value"]) > rule.max_tx_usd]
    total = sum((Decimal(s["usd_value"]) for s in steps), Decimal(0)) + spent_today_usd
    if total > rule.max_day_usd:
        why.append(f"with ${spent_today_usd} already spent today this makes ${total}, over "
                   f"auto_approve.max_day_usd (${rule.max_day_usd})")
    why += [f"step {s['index'] + 1} sends to {s['recipient']}, which is not in the address "
            "book" for s in steps if s.get("recipient") and rule.address_book_only
            and str(s["recipient"]).lower() not in book]
    return why
