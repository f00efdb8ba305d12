"""The `swarmfi` command line: one Click group that every area plugs its commands into.

Each area keeps its commands in its own module exposing `register(group)`; the
module must import heavy dependencies (web3, pyrevm, vyper) inside the command
functions so that `swarmfi --help` stays fast.
"""

from __future__ import annotations

import importlib
import sys
import traceback

import click

from swarmfi import __version__
from swarmfi.errors import BugError, SwarmfiError
from swarmfi.output import err_console

# Modules that add commands; each exposes `register(group: click.Group) -> None`.
COMMAND_MODULES: list[str] = [
    "swarmfi.demo",
    "swarmfi.ledger.cli",
    "swarmfi.ledger.history_cli",
    "swarmfi.chain.cli",
    "swarmfi.chain.chains_cli",
    "swarmfi.chain.devnet_cli",
    "swarmfi.chain.wallet_cli",
    "swarmfi.guard.cli",
    "swarmfi.compute.cli",
    "swarmfi.runner.cli",
    "swarmfi.orders.cli",
    "swarmfi.intent.cli",
    "swarmfi.server.cli",
]


@click.group(
    name="swarmfi",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="swarmfi", message="%(prog)s %(version)s")
def app() -> None:
    """Plain-language DeFi (English or Chinese) turned into typed plans, simulated
    and checked against your policy before anything is signed.

    Commands that report data take --json. Exit status: 2 bad input, 3 blocked by
    policy, 4 simulation failed or the chain diverged from it, 5 an outside provider
    failed, 70 a bug, 130 interrupted or aborted at a prompt.
    """


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_all()


def _report(error: SwarmfiError) -> int:
    from rich.markup import escape

    err_console.print(f"[bold red]error[/] ({error.blame}): {escape(error.one_line())}",
                      highlight=False, soft_wrap=True)  # one line, however long
    return error.exit_code


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status instead of exiting."""
    from swarmfi import paths

    paths.private_umask()  # state, ledger and keys: readable by this user only
    try:
        result = app.main(args=argv, standalone_mode=False, prog_name="swarmfi")
    except click.exceptions.Abort:
        err_console.print("aborted; nothing further was sent")
        return 130
    except click.exceptions.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except BugError as exc:
        traceback.print_exc()
        return _report(exc)
    except SwarmfiError as exc:
        return _report(exc)
    except KeyboardInterrupt:
        err_console.print("interrupted; nothing further was sent")
        return 130
    except Exception as exc:  # a bug: show the traceback and how to report it
        traceback.print_exc()
        return _report(BugError(f"unexpected {type(exc).__name__}: {exc}"))
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())
