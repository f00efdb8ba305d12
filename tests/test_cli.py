import subprocess
import sys

import click

from swarmfi import __version__, cli
from swarmfi.errors import PolicyError, UserInputError


def test_version_flag(capsys):
    assert cli.run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"swarmfi {__version__}"


def test_help_lists_commands(capsys):
    assert cli.run(["--help"]) == 0
    assert "demo" in capsys.readouterr().out


def test_unknown_command_is_usage_error(capsys):
    assert cli.run(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_user_error_is_one_line_exit_2(capsys):
    @cli.app.command("_fail_for_test", hidden=True)
    def _fail() -> None:
        raise UserInputError("the amount 'abc' is not a number", "write it as 1.5 or 1,500")

    try:
        assert cli.run(["_fail_for_test"]) == 2
    finally:
        cli.app.commands.pop(next(reversed(cli.app.commands)))
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert "Traceback" not in err
    assert "the amount 'abc' is not a number. write it as 1.5 or 1,500." in err


def test_policy_error_exit_3(capsys):
    @cli.app.command("_block_for_test", hidden=True)
    def _block() -> None:
        raise PolicyError("transfer of 5000 USD exceeds the 1000 USD cap", rule="max_tx_usd")

    try:
        assert cli.run(["_block_for_test"]) == 3
    finally:
        cli.app.commands.pop(next(reversed(cli.app.commands)))
    assert "(policy)" in capsys.readouterr().err


def test_unexpected_exception_is_reported_as_bug(capsys):
    @cli.app.command("_crash_for_test", hidden=True)
    def _crash() -> None:
        raise ZeroDivisionError("boom")

    try:
        assert cli.run(["_crash_for_test"]) == 70
    finally:
        cli.app.commands.pop(next(reversed(cli.app.commands)))
    assert "please report it" in capsys.readouterr().err


def test_typer_exit_code_passes_through():
    @cli.app.command("_exit_for_test", hidden=True)
    def _exit() -> None:
        raise click.exceptions.Exit(4)

    try:
        assert cli.run(["_exit_for_test"]) == 4
    finally:
        cli.app.commands.pop(next(reversed(cli.app.commands)))


def test_console_script_runs_as_module():
    out = subprocess.run(
        [sys.executable, "-m", "swarmfi", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"swarmfi {__version__}"
