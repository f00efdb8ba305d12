from __future__ import annotations

import json
import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from swarmfi.chain import compile as cc
from swarmfi.errors import UserInputError

REPO = Path(__file__).resolve().parents[2]
ALL_CONTRACTS = sorted(p.stem for p in cc.contracts_dir().glob("*.vy"))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SWARMFI_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cc, "_MEMO", {})
    return tmp_path / "cache"


def test_compile_gives_abi_bytecode_and_blueprint(cache):
    compiled = cc.compile_contract("ERC20")
    names = {e["name"] for e in compiled.abi if e["type"] == "function"}
    assert {"transfer", "transferFrom", "approve", "mint", "balanceOf", "decimals"} <= names
    assert compiled.bytecode and compiled.blueprint
    assert compiled.blueprint != compiled.bytecode


def test_disk_cache_is_written_and_read_back(cache):
    first = cc.compile_contract("WETH")
    files = list(cache.glob("WETH-*.json"))
    assert len(files) == 1
    data = json.loads(files[0].read_text())
    data["abi"] = [{"type": "function", "name": "fromDisk", "inputs": [], "outputs": []}]
    files[0].write_text(json.dumps(data))
    cc._MEMO.clear()
    second = cc.compile_contract("WETH")
    assert second.abi == data["abi"]
    assert second.bytecode == first.bytecode


def test_memo_returns_same_object(cache):
    assert cc.compile_contract("WETH") is cc.compile_contract("WETH")


def test_corrupt_cache_file_is_recompiled(cache, caplog):
    good = cc.compile_contract("WETH")
    path = next(cache.glob("WETH-*.json"))
    path.write_text("{not json")
    cc._MEMO.clear()
    with caplog.at_level(logging.WARNING):
        again = cc.compile_contract("WETH")
    assert again == good
    assert "unreadable compile cache" in caplog.text
    assert json.loads(path.read_text())["bytecode"] == good.bytecode.hex()


def test_hash_covers_imported_sources_and_version(tmp_path):
    root = tmp_path / "contracts"
    root.mkdir()
    (root / "Lib.vy").write_text("# pragma version ~=0.4.3\nX: constant(uint256) = 1\n")
    (root / "Main.vy").write_text(
        "# pragma version ~=0.4.3\nimport Lib\n\n@external\n@view\n"
        "def x() -> uint256:\n    return Lib.X\n"
    )
    before = cc.source_hash("Main", root)
    (root / "Lib.vy").write_text("# pragma version ~=0.4.3\nX: constant(uint256) = 2\n")
    assert cc.source_hash("Main", root) != before
    assert cc.source_hash("Main", root) != cc.source_hash("Lib", root)


def test_contract_importing_a_module_compiles(tmp_path, monkeypatch):
    monkeypatch.setenv("SWARMFI_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "contracts"
    root.mkdir()
    (root / "Lib.vy").write_text("# pragma version ~=0.4.3\nX: constant(uint256) = 7\n")
    (root / "Main.vy").write_text(
        "# pragma version ~=0.4.3\nimport Lib\n\n@external\n@view\n"
        "def x() -> uint256:\n    return Lib.X\n"
    )
    compiled = cc.compile_contract("Main", root)
    assert [e["name"] for e in compiled.abi] == ["x"]


def test_unknown_contract_is_a_user_error():
    with pytest.raises(UserInputError, match="no contract named 'Nope'") as info:
        cc.compile_contract("Nope")
    assert "ERC20" in info.value.hint
    with pytest.raises(UserInputError):
        cc.compile_contract("../ERC20")


@pytest.mark.parametrize("name", ALL_CONTRACTS)
def test_every_contract_compiles_without_warnings(name, caplog):
    with caplog.at_level(logging.WARNING):
        compiled = cc.compile_source(name)
    assert compiled.bytecode
    assert "vyper warning" not in caplog.text


def test_repo_contracts_dir_is_a_symlink_into_the_package():
    link = REPO / "contracts"
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    assert link.is_symlink()
    assert link.resolve() == cc.contracts_dir()
    mode = subprocess.run(
        ["git", "ls-files", "-s", "contracts"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()[0]
    assert mode == "120000"


def test_unwritable_cache_still_compiles(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("SWARMFI_CACHE", str(blocker / "sub"))
    monkeypatch.setattr(cc, "_MEMO", {})
    assert cc.compile_contract("WETH").bytecode


def test_contracts_dir_copy_compiles_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("SWARMFI_CACHE", str(tmp_path / "cache"))
    copy = tmp_path / "copy"
    shutil.copytree(cc.contracts_dir(), copy)
    assert cc.compile_contract("ERC20", copy).bytecode == cc.compile_contract("ERC20").bytecode
