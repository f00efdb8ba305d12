"""`swarmfi wallet new | import | address`: the encrypted keystore that `--keystore PATH`
signs with on a real network. Passwords come from $SWARMFI_KEYSTORE_PASSWORD or a hidden
prompt; neither a password nor a key is ever printed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from swarmfi.errors import UserInputError
from swarmfi.output import console, emit


def _keystore_option(func: Any) -> Any:
    return click.option("--keystore", "path", required=True, metavar="PATH",
                        type=click.Path(dir_okay=False, path_type=Path),
                        help="The keystore file (eth-account v3, scrypt).")(func)


def _json_option(func: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print {keystore, address} as JSON.")(func)


@click.group("wallet")
def wallet() -> None:
    """Encrypted keystores for signing on a real network (`--keystore PATH`)."""


def _report(path: Path, address: str, as_json: bool, verb: str) -> None:
    emit({"keystore": str(path), "address": address}, as_json,
         lambda d: console.print(f"{verb} {d['keystore']}: {d['address']}", highlight=False))


@wallet.command("new")
@_keystore_option
@_json_option
def new_command(path: Path, as_json: bool) -> None:
    """Make a new random key and encrypt it to PATH (which must not exist)."""
    from swarmfi.chain.wallet import Keystore, read_password

    _refuse_existing(path)
    keystore = Keystore.create(path, read_password(confirm=True))
    _report(path, keystore.address, as_json, "new key in")


@wallet.command("import")
@_keystore_option
@_json_option
def import_command(path: Path, as_json: bool) -> None:
    """Encrypt an existing private key to PATH: the key (64 hex digits) from stdin when
    it is piped, else from a hidden prompt."""
    from swarmfi.chain.wallet import Keystore, LocalSigner, read_password

    _refuse_existing(path)
    key = _read_key()
    LocalSigner(key)  # a bad key fails before the password is asked
    keystore = Keystore.import_key(path, key, read_password(confirm=True))
    _report(path, keystore.address, as_json, "imported into")


@wallet.command("address")
@_keystore_option
@_json_option
def address_command(path: Path, as_json: bool) -> None:
    """The address of the keystore at PATH (no password needed)."""
    from swarmfi.chain.wallet import Keystore

    _report(path, Keystore(path).address, as_json, "address of")


def _refuse_existing(path: Path) -> None:
    if path.exists():
        raise UserInputError(f"{path} already exists", "choose another path; swarmfi never "
                             "overwrites a keystore")


def _read_key() -> str:
    if sys.stdin is not None and not sys.stdin.isatty():
        key = sys.stdin.readline().strip()
    else:
        key = str(click.prompt("Private key (hex)", hide_input=True, err=True)).strip()
    if not key:
        raise UserInputError("no private key given", "pipe it in, or type it at the prompt")
    return key


def register(group: click.Group) -> None:
    group.add_command(wallet)
