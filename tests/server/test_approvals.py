"""The approval store: plans bound to their hash, expiring, claimed once, HMAC-authenticated."""

import sqlite3
import stat
import time
from decimal import Decimal

import pytest

from swarmfi.cli import run as cli
from swarmfi.errors import StateError, UserInputError
from swarmfi.guard.policy import Policy
from swarmfi.server.approvals import ApprovalStore, fits_auto_approve, plan_hash

PREVIEW = {"steps": [{"index": 0, "action": "swap", "usd_value": "3000", "recipient": None,
                      "spends_at_most": {"ETH": "1"}, "receives_at_least": {"USDC": "2975"},
                      "summary": "swap 1 ETH for USDC"}],
           "balance_changes": {"ETH": "-1", "USDC": "2990"}, "approvals": []}
STEPS = [{"action": "swap", "token_in": "ETH", "token_out": "USDC", "amount": {"value": "1"}}]


def digest(preview=PREVIEW):
    return plan_hash(STEPS, 31337, "0xABC", [{"index": 0}], preview)


@pytest.fixture
def store(tmp_path):
    with ApprovalStore(tmp_path) as s:
        yield s


def test_the_hash_binds_amounts_chain_and_sender():
    moved = {**PREVIEW, "balance_changes": {"ETH": "-1", "USDC": "2989"}}
    assert digest() == digest()
    assert digest() != digest(moved)
    assert plan_hash(STEPS, 1, "0xABC", [{"index": 0}], PREVIEW) != digest()
    assert plan_hash(STEPS, 31337, "0xDEF", [{"index": 0}], PREVIEW) != digest()
    assert plan_hash(STEPS, 31337, "0xabc", [{"index": 0}], PREVIEW) == digest()


def test_key_and_store_files_are_private(store, tmp_path):
    assert stat.S_IMODE((tmp_path / "approvals.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "approvals.sqlite3").stat().st_mode) == 0o600
    assert len((tmp_path / "approvals.key").read_bytes()) == 32


def test_a_key_others_can_read_is_refused(tmp_path):
    ApprovalStore(tmp_path).close()
    (tmp_path / "approvals.key").chmod(0o644)
    with pytest.raises(StateError, match="readable by other users"):
        ApprovalStore(tmp_path)


def test_an_approved_plan_is_claimed_once_with_its_hash(store):
    plan = store.add("swap 1 ETH for USDC", STEPS, digest(), PREVIEW, "test")
    assert store.get(plan.id).status() == "awaiting_approval"
    assert store.claim(plan.id, digest()) is False  # nobody approved it yet
    store.decide(plan.id, True, "cli")
    assert store.claim(plan.id, "sha256:other") is False
    assert store.claim(plan.id, digest()) is True
    assert store.claim(plan.id, digest()) is False
    assert store.get(plan.id).state == "running"


def test_an_expired_plan_cannot_be_approved_or_claimed(store):
    plan = store.add("swap", STEPS, digest(), PREVIEW, "test", ttl=0.05)
    approved = store.add("swap", STEPS, digest(), PREVIEW, "test", ttl=0.2)
    store.decide(approved.id, True, "cli")
    time.sleep(0.25)
    assert store.get(plan.id).status() == "expired"
    with pytest.raises(UserInputError, match="expired"):
        store.decide(plan.id, True, "cli")
    assert store.claim(approved.id, digest()) is False


def test_a_declined_plan_stays_declined(store):
    plan = store.add("swap", STEPS, digest(), PREVIEW, "test")
    store.decide(plan.id, False, "web")
    with pytest.raises(UserInputError, match="declined"):
        store.decide(plan.id, True, "web")
    assert store.claim(plan.id, digest()) is False


def test_a_row_written_without_the_key_fails_its_check(store, tmp_path):
    plan = store.add("swap", STEPS, digest(), PREVIEW, "test")
    with sqlite3.connect(tmp_path / "approvals.sqlite3") as conn:
        conn.execute("UPDATE plans SET state = 'approved', decided_by = 'model' WHERE id = ?",
                     (plan.id,))
    assert store.claim(plan.id, digest()) is False
    with pytest.raises(StateError, match="authentication check"):
        store.get(plan.id)
    assert store.recent() == []


def test_a_row_copied_from_another_store_fails_its_check(tmp_path):
    with ApprovalStore(tmp_path / "a") as a:
        plan = a.add("swap", STEPS, digest(), PREVIEW, "test")
        a.decide(plan.id, True, "cli")
    with ApprovalStore(tmp_path / "b") as b:
        b.add("swap", STEPS, digest(), PREVIEW, "test")
    with sqlite3.connect(tmp_path / "b" / "approvals.sqlite3") as conn:
        conn.execute("ATTACH ? AS a", (str(tmp_path / "a" / "approvals.sqlite3"),))
        conn.execute("INSERT INTO plans SELECT * FROM a.plans")
    with ApprovalStore(tmp_path / "b") as b:
        assert b.claim(plan.id, digest()) is False


def auto(**fields):
    return Policy.model_validate({"auto_approve": fields,
                                  "address_book": {"alice": "0x" + "11" * 20}})


def test_auto_approve_needs_the_section_and_every_limit():
    none = fits_auto_approve(PREVIEW, Policy(), Decimal(0))
    assert none == ["the policy has no [auto_approve] section"]
    ok = auto(max_tx_usd=5000, max_day_usd=6000, actions=["swap"])
    assert fits_auto_approve(PREVIEW, ok, Decimal(0)) == []
    [day] = fits_auto_approve(PREVIEW, ok, Decimal(3500))
    assert "max_day_usd" in day
    [tx] = fits_auto_approve(PREVIEW, auto(max_tx_usd=100, max_day_usd=6000,
                                           actions=["swap"]), Decimal(0))
    assert "max_tx_usd" in tx
    [action] = fits_auto_approve(PREVIEW, auto(max_tx_usd=5000, max_day_usd=6000,
                                               actions=["transfer"]), Decimal(0))
    assert "not one of the auto-approved actions" in action


def test_auto_approve_sends_only_to_the_address_book():
    send = {"steps": [{**PREVIEW["steps"][0], "action": "transfer", "usd_value": "10",
                       "recipient": "0x" + "22" * 20}]}
    policy = auto(max_tx_usd=50, max_day_usd=50, actions=["transfer"])
    [why] = fits_auto_approve(send, policy, Decimal(0))
    assert "not in the address book" in why
    to_alice = {"steps": [{**send["steps"][0], "recipient": "0x" + "11" * 20}]}
    assert fits_auto_approve(to_alice, policy, Decimal(0)) == []


def test_an_unknown_auto_approve_key_is_a_policy_error(tmp_path):
    from swarmfi.guard.policy import parse_policy

    with pytest.raises(StateError, match="auto_approve"):
        parse_policy("[auto_approve]\nmax_usd = 5\n", tmp_path / "policy.toml")


def test_cli_approve_marks_the_plan_approved(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path))
    with ApprovalStore(tmp_path) as s:
        plan = s.add("swap 1 ETH for USDC", STEPS, digest(), PREVIEW, "mcp")
    assert cli(["approve", plan.id, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "swap 1 ETH for USDC" in out and "approved" in out
    with ApprovalStore(tmp_path) as s:
        assert s.get(plan.id).state == "approved"
        assert s.get(plan.id).decided_by == "cli"
    assert cli(["approve", plan.id, "--yes"]) == 2  # not waiting any more
    assert cli(["approve", "p-nosuchplan", "--yes"]) == 2
