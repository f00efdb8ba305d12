import datetime as dt
import json
import sqlite3
import subprocess
import sys
import tempfile
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import tamper
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.errors import BugError, StateError
from swarmfi.ledger import Ledger, check_jsonl, new_run_id
from swarmfi.ledger.cid import cid_v1
from swarmfi.ledger.hashing import GENESIS_HASH, canonical, sha256_hex


def test_chain_links_each_record_to_the_one_before(tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        first = ledger.append("intent", {"text": "swap 1 ETH"}, run_id="r1")
        second = ledger.append("plan", {"steps": 2}, run_id="r1")
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH == "0" * 64
    assert second.prev_hash == first.hash
    assert first.hash != second.hash
    assert first.cid == cid_v1(b'{"text":"swap 1 ETH"}')


def test_hash_is_sha256_of_the_canonical_fields(tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        record = ledger.append("note", {"amount": Decimal("1.50")}, run_id="r")
    fields = {
        "seq": 1,
        "kind": "note",
        "run_id": "r",
        "ts": record.ts,
        "payload": {"amount": "1.50"},
        "prev_hash": GENESIS_HASH,
        "cid": record.cid,
    }
    assert record.hash == sha256_hex(canonical(fields))
    assert record.payload == {"amount": "1.50"}


def test_records_survive_reopening_and_filter(ledger_file):
    with Ledger(ledger_file, create=False) as ledger:
        assert [r.seq for r in ledger.records()] == [1, 2, 3, 4, 5, 6]
        assert [r.kind for r in ledger.records("r1", "transaction")] == ["transaction"] * 2
        assert [r.seq for r in ledger.records(limit=2)] == [5, 6]
        assert ledger.count() == 6
        assert ledger.count("r1") == 5
        assert ledger.get(2).payload == {"steps": ["approve", "swap"]}
        assert ledger.get(99) is None
        assert ledger.last("r1").kind == "transaction"
        assert ledger.last(kind="note").seq == 6


def test_find_matches_payload_fields(ledger_file):
    with Ledger(ledger_file) as ledger:
        assert [r.seq for r in ledger.find("transaction", tx_hash="0xbb")] == [5]
        assert [r.seq for r in ledger.find("transaction", run_id="r1", step=0)] == [3]
        assert ledger.find("transaction", tx_hash="0xcc") == []
        assert ledger.find("receipt", success=True)[0].seq == 4


def test_pending_lists_transactions_without_a_receipt(ledger_file):
    with Ledger(ledger_file) as ledger:
        assert [r.payload["tx_hash"] for r in ledger.pending()] == ["0xbb"]
        assert [r.seq for r in ledger.pending("r1")] == [5]
        assert ledger.pending("other-run") == []
        ledger.append("receipt", {"tx_hash": "0xbb", "success": False}, run_id="r1")
        assert ledger.pending() == []
        ledger.append("transaction", {"step": 2}, run_id="r2")  # no tx_hash: fail closed
        assert [r.run_id for r in ledger.pending()] == ["r2"]


def test_a_receipt_of_another_run_does_not_answer(tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        ledger.append("transaction", {"tx_hash": "0x01"}, run_id="a")
        ledger.append("receipt", {"tx_hash": "0x01"}, run_id="b")
        assert [r.run_id for r in ledger.pending()] == ["a"]


def test_runs_summarise_each_run(ledger_file):
    with Ledger(ledger_file) as ledger:
        ledger.append("intent", {"text": "vote yes"}, run_id="r2")
        runs = ledger.runs()
    assert [(r.run_id, r.first_seq, r.last_seq, r.count, r.last_kind) for r in runs] == [
        ("r1", 1, 5, 5, "transaction"),
        ("r2", 7, 7, 1, "intent"),
    ]
    assert runs[0].started <= runs[0].updated


def test_new_run_ids_are_distinct_and_sortable():
    moment = dt.datetime(2026, 5, 9, 7, 35, 25, tzinfo=dt.UTC)
    first, second = new_run_id(moment), new_run_id(moment)
    assert first.startswith("20260509T073525-")
    assert first != second


def test_timestamps_are_utc_with_microseconds(tmp_path):
    moment = dt.datetime(2026, 5, 9, 9, 35, 25, 123, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with Ledger(tmp_path / "l.sqlite3", clock=lambda: moment) as ledger:
        assert ledger.append("note", {}).ts == "2026-05-09T07:35:25.000123Z"


@pytest.mark.parametrize(
    ("kind", "payload", "run_id"),
    [
        ("Receipt", {}, None),
        ("", {}, None),
        ("note", ["not", "a", "mapping"], None),
        ("note", {}, ""),
        ("note", {"x": {1, 2}}, None),
    ],
)
def test_bad_appends_are_bugs_and_write_nothing(tmp_path, kind, payload, run_id):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        with pytest.raises(BugError):
            ledger.append(kind, payload, run_id=run_id)
        assert ledger.count() == 0


def test_sqlite_itself_refuses_update_and_delete(ledger_file):
    conn = sqlite3.connect(ledger_file)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE records SET payload = '{}' WHERE seq = 1")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM records WHERE seq = 6")
    finally:
        conn.close()


def test_intact_ledger_verifies(ledger_file):
    with Ledger(ledger_file) as ledger:
        report = ledger.verify()
        head = ledger.last().hash
    assert (report.ok, report.checked, report.problems, report.head) == (True, 6, (), head)


def test_empty_ledger_verifies(tmp_path):
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        report = ledger.verify()
    assert (report.ok, report.checked, report.head, report.first_bad_seq) == (True, 0, None, None)


def _verify(path):
    with Ledger(path, create=False) as ledger:
        return ledger.verify()


def test_altered_payload_fails_at_its_seq(ledger_file):
    tamper(
        ledger_file,
        """UPDATE records SET payload = '{"text":"swap 9 ETH for USDC"}' WHERE seq = 1""",
    )
    report = _verify(ledger_file)
    assert not report.ok
    assert report.first_bad_seq == 1
    assert [(p.seq, p.what) for p in report.problems] == [(1, "altered")]
    assert "CID" in report.problems[0].message


def test_altered_kind_fails(ledger_file):
    tamper(ledger_file, "UPDATE records SET kind = 'note' WHERE seq = 4")
    report = _verify(ledger_file)
    assert [(p.seq, p.what) for p in report.problems] == [(4, "altered")]
    assert "hash" in report.problems[0].message


def test_non_canonical_payload_fails(ledger_file):
    tamper(
        ledger_file,
        """UPDATE records SET payload = '{"steps": ["approve","swap"]}' WHERE seq = 2""",
    )
    report = _verify(ledger_file)
    assert report.first_bad_seq == 2
    assert "canonical" in report.problems[0].message


def test_rehashed_record_still_breaks_the_next_link(ledger_file):
    """An attacker who recomputes the altered record's CID and hash breaks seq+1's prev_hash."""
    with Ledger(ledger_file) as ledger:
        original = ledger.get(3)
    from swarmfi.ledger.hashing import record_hash

    payload = {"tx_hash": "0xaa", "step": 0, "to": "0xattacker"}
    text = canonical(payload)
    new_cid = cid_v1(text)
    new_hash = record_hash(
        seq=3, kind="transaction", run_id="r1", ts=original.ts, payload=payload,
        prev_hash=original.prev_hash, cid=new_cid,
    )  # fmt: skip
    tamper(
        ledger_file,
        f"UPDATE records SET payload = '{text.decode()}', cid = '{new_cid}', hash = '{new_hash}'"
        " WHERE seq = 3",
    )
    report = _verify(ledger_file)
    assert [(p.seq, p.what) for p in report.problems] == [(4, "reordered")]


def test_deleted_record_fails_as_missing(ledger_file):
    tamper(ledger_file, "DELETE FROM records WHERE seq = 3")
    report = _verify(ledger_file)
    assert report.first_bad_seq == 3
    assert [(p.seq, p.what) for p in report.problems] == [(3, "missing")]
    assert report.problems[0].message == "record 3 is missing"


def test_deleted_tail_fails_as_missing(ledger_file):
    tamper(ledger_file, "DELETE FROM records WHERE seq >= 5")
    report = _verify(ledger_file)
    assert [(p.seq, p.what) for p in report.problems] == [(5, "missing")]
    assert "records 5..6 are missing" in report.problems[0].message


def test_a_cut_tail_stays_visible_after_new_appends(ledger_file):
    tamper(ledger_file, "DELETE FROM records WHERE seq = 6")
    with Ledger(ledger_file) as ledger:
        assert ledger.append("note", {"after": "cut"}).seq == 7
        report = ledger.verify()
    assert [(p.seq, p.what) for p in report.problems] == [(6, "missing")]


def test_swapped_records_fail_as_reordered(ledger_file):
    tamper(
        ledger_file,
        "UPDATE records SET seq = -3 WHERE seq = 3",
        "UPDATE records SET seq = 3 WHERE seq = 4",
        "UPDATE records SET seq = 4 WHERE seq = -3",
    )
    report = _verify(ledger_file)
    assert not report.ok
    assert report.first_bad_seq == 3
    assert [(p.seq, p.what) for p in report.problems] == [
        (3, "reordered"),  # old 4 does not follow 2
        (3, "altered"),  # old 4's hash covers seq 4
        (4, "reordered"),  # old 3 does not follow old 4
        (4, "altered"),
        (5, "reordered"),  # 5 does not follow old 3
    ]


def test_reopening_restores_the_append_only_triggers(ledger_file):
    tamper(ledger_file)
    Ledger(ledger_file).close()
    conn = sqlite3.connect(ledger_file)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM records")
    finally:
        conn.close()


def test_export_is_canonical_jsonl_with_cids(ledger_file, tmp_path):
    out, payloads = tmp_path / "out" / "ledger.jsonl", tmp_path / "payloads"
    out.parent.mkdir()
    with Ledger(ledger_file) as ledger:
        assert ledger.export(out, payload_dir=payloads) == 6
        records = ledger.records()
    lines = out.read_bytes().splitlines()
    assert len(lines) == 6
    first = json.loads(lines[0])
    assert first == records[0].to_json()
    assert lines[0] == canonical(first)
    for record in records:
        assert cid_v1((payloads / f"{record.cid}.json").read_bytes()) == record.cid
    assert check_jsonl(out).ok


def test_tampered_export_fails(ledger_file, tmp_path):
    out = tmp_path / "e.jsonl"
    with Ledger(ledger_file) as ledger:
        ledger.export(out)
    lines = out.read_text().splitlines()
    lines[1] = lines[1].replace("approve", "approvE")
    del lines[3]
    out.write_text("\n".join([*lines, "not json"]) + "\n")
    report = check_jsonl(out)
    assert [(p.seq, p.what) for p in report.problems] == [
        (2, "altered"),
        (4, "missing"),
        (6, "altered"),
    ]


def test_corrupt_file_is_a_state_error(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"this is not a database, just text " * 100)
    with pytest.raises(StateError, match="is not a swarmfi ledger") as caught:
        Ledger(path)
    assert str(path) in caught.value.message
    assert f"mv {path} {path}.bad" in caught.value.hint


def test_other_sqlite_database_is_a_state_error(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE songs (title TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StateError, match="something else"):
        Ledger(path)


def test_missing_file_without_create(tmp_path):
    with pytest.raises(StateError, match="there is no ledger at"):
        Ledger(tmp_path / "nope.sqlite3", create=False)
    assert not (tmp_path / "nope.sqlite3").exists()


def test_damaged_payload_is_a_state_error_when_read(ledger_file):
    tamper(ledger_file, "UPDATE records SET payload = '{broken' WHERE seq = 2")
    with Ledger(ledger_file) as ledger, pytest.raises(StateError, match="record 2"):
        ledger.records()


def test_default_path_follows_swarmfi_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path / "home"))
    with Ledger() as ledger:
        ledger.append("note", {})
        assert ledger.path == tmp_path / "home" / "ledger.sqlite3"
    assert (tmp_path / "home" / "ledger.sqlite3").exists()


def test_threads_share_one_ledger(tmp_path):
    path = tmp_path / "l.sqlite3"
    with Ledger(path) as shared, Ledger(path) as second:

        def work(ledger, n):
            for i in range(25):
                ledger.append("note", {"thread": n, "i": i})

        threads = [threading.Thread(target=work, args=(led, n)) for n, led in
                   enumerate([shared, shared, second, second])]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        report = shared.verify()
    assert (report.ok, report.checked) == (True, 100)


WRITER = """
import sys
from swarmfi.ledger import Ledger
path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with Ledger(path) as ledger:
    for i in range(count):
        ledger.append("note", {"writer": name, "i": i}, run_id=name)
"""


def test_two_processes_append_concurrently(tmp_path):
    path = tmp_path / "l.sqlite3"
    Ledger(path).close()
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "60"])
        for name in ("a", "b")
    ]
    try:
        assert [p.wait(timeout=60) for p in procs] == [0, 0]
    finally:
        for p in procs:
            p.kill()
            p.wait()
    with Ledger(path) as ledger:
        report = ledger.verify()
        assert [r.seq for r in ledger.records()] == list(range(1, 121))
        assert ledger.count("a") == ledger.count("b") == 60
    assert (report.ok, report.checked) == (True, 120)


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=6))
def test_ledger_hash_independent_of_payload_key_order(payload):
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    reverse = dict(reversed(list(payload.items())))
    with tempfile.TemporaryDirectory() as tmp:
        with Ledger(Path(tmp) / "a", clock=lambda: moment) as a:
            first = a.append("note", payload, run_id="r")
        with Ledger(Path(tmp) / "b", clock=lambda: moment) as b:
            second = b.append("note", reverse, run_id="r")
    assert first.hash == second.hash
    assert first.cid == second.cid
