"""`swarmfi wallet new | import | address` through the real CLI (default scrypt)."""

from __future__ import annotations

import io
import json
import stat

from eth_account import Account

from swarmfi import cli
from swarmfi.chain.wallet import PASSWORD_ENV, Keystore

KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
PASSWORD = "wallet-cli pw 91"


def test_import_then_address_then_unlock(tmp_path, monkeypatch, capsys):
    path = tmp_path / "keys" / "me.json"
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
    assert cli.run(["wallet", "import", "--keystore", str(path), "--json"]) == 0
    expected = Account.from_key(KEY).address
    assert json.loads(capsys.readouterr().out) == {"keystore": str(path), "address": expected}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cli.run(["wallet", "address", "--keystore", str(path)]) == 0
    out = capsys.readouterr().out
    assert expected in out and KEY not in out and PASSWORD not in out
    assert Keystore(path).unlock(PASSWORD).address == expected


def test_new_makes_a_fresh_key_and_never_overwrites(tmp_path, monkeypatch, capsys):
    path = tmp_path / "new.json"
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    assert cli.run(["wallet", "new", "--keystore", str(path), "--json"]) == 0
    address = json.loads(capsys.readouterr().out)["address"]
    assert Keystore(path).address == address
    before = path.read_bytes()
    assert cli.run(["wallet", "new", "--keystore", str(path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_a_bad_key_is_refused_and_writes_nothing(tmp_path, monkeypatch, capsys):
    path = tmp_path / "bad.json"
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    monkeypatch.setattr("sys.stdin", io.StringIO("0x1234\n"))
    assert cli.run(["wallet", "import", "--keystore", str(path)]) == 2
    assert "not a valid private key" in capsys.readouterr().err
    assert not path.exists()


def test_address_of_a_missing_keystore_is_a_state_error(tmp_path, capsys):
    assert cli.run(["wallet", "address", "--keystore", str(tmp_path / "none.json")]) == 2
    assert "cannot read keystore" in capsys.readouterr().err
