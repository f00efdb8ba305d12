import json

import pytest
from conftest import tamper

from swarmfi import cli
from swarmfi.ledger import Ledger


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "home"


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_show_json_lists_records(ledger_file, capsys):
    assert cli.run(["ledger", "show", "--json", "--ledger", str(ledger_file)]) == 0
    data = _json(capsys)
    assert data["total"] == 6
    assert [r["seq"] for r in data["records"]] == [1, 2, 3, 4, 5, 6]
    assert data["records"][0]["payload"] == {"text": "swap 1 ETH for USDC"}
    assert data["records"][0]["cid"].startswith("bafkrei")


def test_show_filters_and_limits(ledger_file, capsys):
    args = ["ledger", "show", "--json", "--ledger", str(ledger_file)]
    assert cli.run([*args, "--run", "r1", "--kind", "transaction", "--limit", "1"]) == 0
    data = _json(capsys)
    assert data["total"] == 2
    assert [r["seq"] for r in data["records"]] == [5]


def test_show_renders_a_table(ledger_file, capsys, home):
    assert cli.run(["ledger", "show", "--ledger", str(ledger_file)]) == 0
    out = capsys.readouterr().out
    assert "6 of 6 records" in out
    assert "swap 1 ETH for USDC" in out
    assert "transaction" in out


def test_show_default_ledger_under_swarmfi_home(home, capsys):
    assert cli.run(["ledger", "show"]) == 0
    assert "no ledger yet at" in capsys.readouterr().out
    assert not (home / "ledger.sqlite3").exists()
    with Ledger(home / "ledger.sqlite3") as ledger:
        ledger.append("note", {"hello": "世界"})
    assert cli.run(["ledger", "show", "--json"]) == 0
    assert _json(capsys)["records"][0]["payload"] == {"hello": "世界"}


def test_verify_ok(ledger_file, capsys):
    assert cli.run(["ledger", "verify", "--json", "--ledger", str(ledger_file)]) == 0
    data = _json(capsys)
    assert (data["ok"], data["checked"], data["first_bad_seq"]) == (True, 6, None)


def test_verify_fails_naming_the_first_bad_seq(ledger_file, capsys, home):
    tamper(ledger_file, "DELETE FROM records WHERE seq = 4")
    assert cli.run(["ledger", "verify", "--ledger", str(ledger_file)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "FAILED" in out
    assert "first bad record is seq 4" in out
    assert cli.run(["ledger", "verify", "--json", "--ledger", str(ledger_file)]) == 1
    data = _json(capsys)
    assert (data["ok"], data["first_bad_seq"], data["problems"][0]["what"]) == (
        False,
        4,
        "missing",
    )


def test_verify_corrupt_file_is_exit_2(tmp_path, capsys):
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"garbage" * 200)
    assert cli.run(["ledger", "verify", "--ledger", str(path)]) == 2
    err = " ".join(capsys.readouterr().err.split())  # Rich wraps long lines
    assert "is not a swarmfi ledger" in err
    assert "mv " in err


def test_export_then_verify_the_export(ledger_file, tmp_path, capsys):
    out = tmp_path / "ledger.jsonl"
    args = ["--ledger", str(ledger_file)]
    assert cli.run(["ledger", "export", str(out), "--json", *args]) == 0
    assert _json(capsys)["records"] == 6
    assert len(out.read_text().splitlines()) == 6
    assert cli.run(["ledger", "verify", "--jsonl", str(out), "--json"]) == 0
    assert _json(capsys)["checked"] == 6
    out.write_text(out.read_text().replace("swap 1 ETH", "swap 2 ETH"))
    assert cli.run(["ledger", "verify", "--jsonl", str(out), "--json"]) == 1
    assert _json(capsys)["first_bad_seq"] == 1


def test_export_of_missing_ledger_is_state_error(tmp_path, capsys):
    missing = tmp_path / "none.sqlite3"
    assert cli.run(["ledger", "export", str(tmp_path / "o.jsonl"), "--ledger", str(missing)]) == 2
    assert "there is no ledger at" in " ".join(capsys.readouterr().err.split())


def test_help_texts(capsys):
    for command in ("show", "verify", "export"):
        assert cli.run(["ledger", command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--limit" in out
    assert "--jsonl" in out
    assert "--payloads" in out
