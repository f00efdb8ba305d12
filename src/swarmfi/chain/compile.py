"""Compile swarmfi's Vyper contracts in-process, cached on disk and in memory.

`compile_contract("Pair")` reads ``src/swarmfi/contracts/Pair.vy`` (the repo's
``contracts/`` is a symlink to it, and it ships as package data), compiles it
with the installed ``vyper`` and returns a :class:`Compiled`. The output is
cached under ``$SWARMFI_CACHE`` (or ``~/.cache/swarmfi/vyper/``) by the sha256
of the source, the sources it imports and the vyper version, so a warm load is
one small JSON read. The ``vyper`` package is only imported on a cache miss.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from swarmfi.errors import BugError, UserInputError

log = logging.getLogger(__name__)

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "contracts"
_IMPORT = re.compile(r"^\s*(?:from\s+[\w.]+\s+)?import\s+([\w.]+)", re.MULTILINE)
_MEMO: dict[tuple[str, str], Compiled] = {}


@dataclass(frozen=True)
class Compiled:
    """One compiled contract: its ABI, init bytecode and blueprint init bytecode.

    ``blueprint`` deploys an EIP-5202 blueprint of the contract, for factories
    that make instances with ``create_from_blueprint``.
    """

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    blueprint: bytes | None = None
    kind: str = "compiled"


def contracts_dir() -> Path:
    """Where the ``.vy`` sources live (inside the installed package)."""
    return CONTRACTS_DIR


def cache_dir() -> Path:
    """``$SWARMFI_CACHE`` if set, else ``~/.cache/swarmfi/vyper/``."""
    env = os.environ.get("SWARMFI_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "swarmfi" / "vyper"


@cache
def vyper_version() -> str:
    """The installed vyper's version (+ commit), read without importing the compiler.

    Reads ``vyper/version.py`` next to the package (a few hundred microseconds);
    falls back to ``importlib.metadata`` (tens of milliseconds to import).
    """
    spec = importlib.util.find_spec("vyper")
    if spec is not None and spec.origin:
        root = Path(spec.origin).parent
        found = re.search(r"__version__\s*=.*?'([^']+)'", _read(root / "version.py"))
        if found:
            commit = _read(root / "vyper_git_commithash.txt").strip()
            return f"{found.group(1)}+{commit}" if commit else found.group(1)
    from importlib import metadata

    return metadata.version("vyper")


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def source_path(name: str, directory: Path | None = None) -> Path:
    """The ``.vy`` file for contract `name`; UserInputError if there is none."""
    root = directory or CONTRACTS_DIR
    path = root / f"{name}.vy"
    if not re.fullmatch(r"\w+", name) or not path.is_file():
        known = ", ".join(sorted(p.stem for p in root.glob("*.vy")))
        raise UserInputError(f"no contract named {name!r}", hint=f"use one of: {known}")
    return path


def source_hash(name: str, directory: Path | None = None) -> str:
    """sha256 over the source, every local source it imports, and the vyper version."""
    root = directory or CONTRACTS_DIR
    digest = hashlib.sha256(f"vyper=={vyper_version()}\n".encode())
    for path in _dependency_closure(source_path(name, root), root):
        digest.update(f"\n--- {path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _dependency_closure(path: Path, root: Path) -> list[Path]:
    """`path` and the local ``.vy``/``.vyi`` files it imports, transitively, in a stable order."""
    seen: dict[Path, None] = {}
    todo = [path]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen[current] = None
        for dotted in _IMPORT.findall(current.read_text()):
            stem = dotted.rsplit(".", 1)[-1]
            todo.extend(p for p in (root / f"{stem}.vy", root / f"{stem}.vyi") if p.is_file())
    return [path, *sorted(p for p in seen if p != path)]


def compile_contract(name: str, directory: Path | None = None) -> Compiled:
    """The compiled contract `name`, from memory, the disk cache or the compiler."""
    root = directory or CONTRACTS_DIR
    key = (str(root), source_hash(name, root))
    hit = _MEMO.get(key)
    if hit is None:
        hit = _load_cached(name, key[1]) or _compile_and_store(name, root, key[1])
        _MEMO[key] = hit
    return hit


def _cache_file(name: str, digest: str) -> Path:
    return cache_dir() / f"{name}-{digest[:32]}.json"


def _load_cached(name: str, digest: str) -> Compiled | None:
    path = _cache_file(name, digest)
    try:
        data = json.loads(path.read_text())
        return _from_json(name, data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable compile cache %s: %s", path, exc)
        return None


def _from_json(name: str, data: dict[str, Any]) -> Compiled:
    blueprint = data.get("blueprint")
    return Compiled(
        name=name,
        abi=data["abi"],
        bytecode=bytes.fromhex(data["bytecode"]),
        blueprint=bytes.fromhex(blueprint) if blueprint else None,
    )


def _compile_and_store(name: str, root: Path, digest: str) -> Compiled:
    compiled = compile_source(name, root)
    payload = {
        "abi": compiled.abi,
        "bytecode": compiled.bytecode.hex(),
        "blueprint": compiled.blueprint.hex() if compiled.blueprint else None,
        "vyper": vyper_version(),
    }
    _write_atomic(_cache_file(name, digest), json.dumps(payload))
    return compiled


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temp file + rename so concurrent readers never see half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only cache only costs speed
        log.warning("cannot write compile cache %s: %s", path, exc)


def compile_source(name: str, directory: Path | None = None) -> Compiled:
    """Compile `name` with vyper now (no cache). Vyper warnings are logged."""
    root = directory or CONTRACTS_DIR
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _run_vyper(source_path(name, root), root)
    for warning in caught:
        log.warning("vyper warning in %s.vy: %s", name, warning.message)
    blueprint = out.get("blueprint_bytecode")
    return Compiled(
        name=name,
        abi=out["abi"],
        bytecode=bytes.fromhex(out["bytecode"].removeprefix("0x")),
        blueprint=bytes.fromhex(blueprint.removeprefix("0x")) if blueprint else None,
    )


def _run_vyper(path: Path, root: Path) -> dict[str, Any]:
    import vyper.compiler
    from vyper.compiler.input_bundle import FilesystemInputBundle
    from vyper.exceptions import VyperException

    bundle = FilesystemInputBundle([root])
    try:
        file_input = bundle.load_file(path.relative_to(root))
        formats = ["abi", "bytecode", "blueprint_bytecode"]
        return vyper.compiler.compile_from_file_input(
            file_input, input_bundle=bundle, output_formats=formats
        )
    except VyperException as exc:
        raise BugError(f"contract {path.name} does not compile: {exc}") from exc
