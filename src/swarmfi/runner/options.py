"""The `--rpc`, `--keystore` and `--account` options, shared by run, balances, resume and
watch; they arrive in the command as one `endpoint: Endpoint` (see `runner.session`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from swarmfi.runner.session import RPC_ENV, Endpoint

RPC_HELP = (f"JSON-RPC URL of a real network (or ${RPC_ENV}); plans are simulated on a "
            "pyrevm fork of it. Without it: the embedded devnet.")
KEYSTORE_HELP = ("Encrypted keystore holding the key to sign with (password from "
                 "$SWARMFI_KEYSTORE_PASSWORD, else a hidden prompt).")
ACCOUNT_HELP = ("Devnet test account index [default: 0]; with --rpc only on chain id 31337.")


def endpoint_options(account: bool = True) -> Callable[[Any], Any]:
    """Add --rpc, --keystore (and --account) to a command; it gets `endpoint=Endpoint(...)`."""

    def decorate(func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, rpc: str | None, keystore: Path | None,
                    account: int | None = None, **kwargs: Any) -> Any:
            return func(*args, endpoint=Endpoint(rpc, keystore, account), **kwargs)

        options = [
            click.option("--rpc", metavar="URL", envvar=RPC_ENV, help=RPC_HELP),
            click.option("--keystore", metavar="PATH", type=click.Path(path_type=Path),
                         help=KEYSTORE_HELP),
        ]
        if account:
            options.append(click.option("--account", type=click.IntRange(min=0), default=None,
                                        metavar="N", help=ACCOUNT_HELP))
        command: Any = wrapper
        for option in reversed(options):
            command = option(command)
        return command

    return decorate
