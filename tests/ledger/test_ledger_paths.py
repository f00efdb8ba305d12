from pathlib import Path

from swarmfi import paths


def test_home_defaults_to_dot_swarmfi(monkeypatch):
    monkeypatch.delenv("SWARMFI_HOME", raising=False)
    assert paths.home() == Path.home() / ".swarmfi"


def test_everything_follows_swarmfi_home(monkeypatch, tmp_path):
    monkeypatch.setenv("SWARMFI_HOME", str(tmp_path))
    assert paths.home() == tmp_path
    assert paths.ledger_path() == tmp_path / "ledger.sqlite3"
    assert paths.policy_path() == tmp_path / "policy.toml"
    assert paths.state_dir() == tmp_path / "devnet"
    assert not tmp_path.joinpath("devnet").exists()


def test_tilde_and_blank_values(monkeypatch):
    monkeypatch.setenv("SWARMFI_HOME", "~/elsewhere")
    assert paths.home() == Path.home() / "elsewhere"
    monkeypatch.setenv("SWARMFI_HOME", "  ")
    assert paths.home() == Path.home() / ".swarmfi"


def test_ledger_alongside_a_state_dir(tmp_path):
    assert paths.ledger_path(tmp_path / "run1") == tmp_path / "run1" / "ledger.sqlite3"


def test_ensure_dir_creates_private_dirs(tmp_path):
    made = paths.ensure_dir(tmp_path / "a" / "b")
    assert made.is_dir()
    assert made.stat().st_mode & 0o777 == 0o700
    assert paths.ensure_dir(made) == made
