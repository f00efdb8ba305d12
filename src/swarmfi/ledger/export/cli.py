"""`swarmfi ledger push --s3 URL` and `swarmfi ledger anchor --arweave`: records kept
outside swarmfi (the CAR and JSONL exports are `ledger export`)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from swarmfi import paths
from swarmfi.errors import UserInputError
from swarmfi.output import console, emit


def _ledger_path(path: Path | None) -> Path:
    return path if path is not None else paths.ledger_path()


def _common(func: Any) -> Any:
    func = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")(func)
    return click.option(
        "--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Ledger file to use [default: $SWARMFI_HOME/ledger.sqlite3, ~/.swarmfi/…].",
    )(func)


@click.command("push")
@click.option("--s3", "url", required=True, metavar="URL",
              help="s3://BUCKET/PREFIX (endpoint from $AWS_ENDPOINT_URL) or "
                   "https://HOST/BUCKET/PREFIX.")
@_common
def push_cmd(url: str, as_json: bool, ledger_path: Path | None) -> None:
    """Upload the ledger (CAR, JSONL and a head.json index) to an S3-compatible store:
    Storj's gateway, a Filecoin pinning service, MinIO or AWS. Credentials come from
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN, AWS_REGION).

    Example: AWS_ENDPOINT_URL=https://gateway.storjshare.io swarmfi ledger push --s3 s3://my-bucket/swarmfi
    """
    from swarmfi.ledger.export.push import push
    from swarmfi.ledger.export.s3 import Credentials, parse_url
    from swarmfi.ledger.store import Ledger

    creds = Credentials.from_env()
    target = parse_url(url, region=creds.region)
    with Ledger(_ledger_path(ledger_path), create=False) as ledger:
        pushed = asyncio.run(push(ledger, target, creds))
    emit(pushed.to_json(), as_json, lambda d: _render_push(d))


def _render_push(data: dict[str, Any]) -> None:
    console.print(f"pushed {data['records']} records (root {data['root']}):", highlight=False)
    for name in data["objects"]:
        console.print("  " + escape(name), highlight=False, soft_wrap=True)


@click.command("anchor")
@click.option("--arweave", is_flag=True, required=True,
              help="Anchor on Arweave through an ANS-104 bundler (the one target for now).")
@click.option("--bundler", default=None, metavar="URL",
              help="The bundler's upload URL [default: $SWARMFI_BUNDLER_URL, else "
                   "https://upload.ardrive.io/v1/tx].")
@click.option("--keystore", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sign with this keystore (password from $SWARMFI_KEYSTORE_PASSWORD or a "
                   "prompt).")
@click.option("--account", type=click.IntRange(min=0), default=None,
              help="Sign with devnet test account N [default: 0 without --keystore].")
@_common
def anchor_cmd(arweave: bool, bundler: str | None, keystore: Path | None, account: int | None,
               as_json: bool, ledger_path: Path | None) -> None:
    """Publish the ledger's head hash and CAR root CID on Arweave as a data item signed with
    your key, and record its id in the ledger; `ledger verify` then checks the ledger
    against it.

    Example: swarmfi ledger anchor --arweave --keystore ~/.swarmfi/key.json
    """
    from swarmfi.ledger.export.anchor import anchor
    from swarmfi.ledger.export.arweave import bundler_url
    from swarmfi.ledger.store import Ledger

    url = bundler_url(bundler)
    signer = _signer(keystore, account)
    with Ledger(_ledger_path(ledger_path), create=False) as ledger:
        record = asyncio.run(anchor(ledger, signer, url))
    emit(record.payload | {"record": record.seq}, as_json, lambda d: console.print(
        f"anchored record {d['seq']} (head {d['head'][:16]}…) on Arweave as "
        f"{d['arweave_id']}; recorded as record {d['record']}", highlight=False))


def _signer(keystore: Path | None, account: int | None) -> Any:
    from swarmfi.chain.wallet import Keystore, read_password, test_account

    if keystore is not None and account is not None:
        raise UserInputError("--keystore and --account both pick the key",
                             "give one of them")
    if keystore is not None:
        store = Keystore(keystore)
        _ = store.address  # an unreadable file fails before the password is asked
        return store.unlock(read_password())
    return test_account(account or 0)


def register_exports(group: click.Group) -> None:
    group.add_command(push_cmd)
    group.add_command(anchor_cmd)
