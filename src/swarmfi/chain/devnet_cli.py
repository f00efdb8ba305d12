"""`swarmfi devnet info` and `swarmfi devnet reset`, added to the `devnet` group of
`swarmfi.chain.cli` (which must be registered first); also the persistent-state plumbing
that `swarmfi devnet serve` uses. Heavy imports happen inside the commands."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from swarmfi.errors import BugError
from swarmfi.output import console, emit

if TYPE_CHECKING:
    from swarmfi.chain.devnet import DevnetChain

log = logging.getLogger(__name__)
AUTOSAVE_INTERVAL_S = 0.25
STATE_OPTION_HELP = (
    "The devnet state directory (default: ~/.swarmfi/devnet, or $SWARMFI_HOME/devnet)."
)


def state_option(function: Any) -> Any:
    return click.option(
        "--state",
        "state_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=STATE_OPTION_HELP,
    )(function)


def resolve_state_dir(state_dir: Path | None) -> Path:
    from swarmfi.chain.devnet_store import default_state_dir

    return state_dir if state_dir is not None else default_state_dir()


# ------------------------------------------------------------------ info


def devnet_info(state_dir: Path) -> dict[str, Any]:
    """Chain id, contracts, tokens and account addresses (never keys) of the devnet."""
    from swarmfi.chain import genesis, registry
    from swarmfi.chain.devnet_store import GENESIS_FILE, GENESIS_KIND
    from swarmfi.chain.state import read_dump

    genesis_path = state_dir / GENESIS_FILE
    exists = genesis_path.exists()
    dump = read_dump(genesis_path, GENESIS_KIND) if exists else genesis.genesis_dump()
    data = registry.to_dict(genesis.registry_of(dump))
    return data | {
        "accounts": list(dump.meta["accounts"]),
        "state": str(state_dir),
        "started": exists,
        "rpc_default": "http://127.0.0.1:8545",
    }


def _render_info(info: dict[str, Any]) -> None:
    console.print(f"[bold]{info['name']}[/] (chain id {info['chain_id']})")
    state = "in use" if info["started"] else "not started yet (created on first use)"
    console.print(f"state: {info['state']} — {state}", highlight=False)
    console.print("contracts:")
    for key, address in info["contracts"].items():
        console.print(f"  {key:<10} {address}", highlight=False)
    console.print("tokens:")
    for token in info["tokens"]:
        console.print(
            f"  {token['symbol']:<5} {token['address']}  ({token['decimals']} decimals)",
            highlight=False,
        )
    console.print("accounts (standard test mnemonic, m/44'/60'/0'/0/i):")
    for index, address in enumerate(info["accounts"]):
        console.print(f"  ({index}) {address}", highlight=False)


@click.command("info")
@state_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def info_command(state_dir: Path | None, as_json: bool) -> None:
    """Show the devnet's chain id, contract and token addresses, and test accounts."""
    emit(devnet_info(resolve_state_dir(state_dir)), as_json, _render_info)


# ------------------------------------------------------------------ reset


@click.command("reset")
@state_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset_command(state_dir: Path | None, yes: bool) -> None:
    """Delete the devnet's state; the next use starts again from genesis."""
    from swarmfi.chain.devnet_store import reset

    directory = resolve_state_dir(state_dir)
    if not yes:
        click.confirm(f"Delete the devnet state in {directory}?", abort=True)
    reset(directory)
    console.print(
        f"devnet state in {directory} deleted; the next use starts from genesis", highlight=False
    )


# ------------------------------------------------------------------ serving


def open_for_serving(state_dir: Path | None, ephemeral: bool) -> DevnetChain:
    from swarmfi.chain.devnet import open_devnet

    if ephemeral:
        return open_devnet(persist=False)
    return open_devnet(resolve_state_dir(state_dir))


@contextlib.contextmanager
def autosave(chain: DevnetChain, interval: float = AUTOSAVE_INTERVAL_S) -> Iterator[None]:
    """Save the chain's state every `interval` seconds while serving, and once at the end."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                chain.persist()
            except Exception:  # keep serving; the final save below reports for real
                log.exception("devnet: saving the state failed")

    thread = threading.Thread(target=loop, name="devnet-autosave", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        chain.persist()


def register(group: click.Group) -> None:
    devnet = group.commands.get("devnet")
    if not isinstance(devnet, click.Group):
        raise BugError("swarmfi.chain.devnet_cli needs swarmfi.chain.cli registered before it")
    devnet.add_command(info_command)
    devnet.add_command(reset_command)
