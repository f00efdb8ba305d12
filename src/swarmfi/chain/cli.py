"""`swarmfi devnet …`: the embedded devnet from the command line.

`serve` runs the genesis devnet (tokens, pools, lending, governance, launchpad; the
standard test accounts funded) over HTTP JSON-RPC on 127.0.0.1, so MetaMask, web3.py
or any tool can connect. Its state is the one every swarmfi command uses (see
`swarmfi.chain.devnet`), saved as it changes; `info` and `reset` live in
`swarmfi.chain.devnet_cli`. Heavy imports (pyrevm, web3) happen inside the commands.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from swarmfi.chain.devnet_cli import autosave, open_for_serving, resolve_state_dir, state_option
from swarmfi.errors import UserInputError
from swarmfi.output import console, emit

if TYPE_CHECKING:
    from swarmfi.chain.node import DevnetNode

TEST_ACCOUNT_ETH = 10_000


@click.group("devnet")
def devnet() -> None:
    """The embedded EVM devnet: serve it to wallets and tools, inspect it, reset it."""


@devnet.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8545,
    show_default=True,
    help="TCP port on 127.0.0.1; 0 picks a free one.",
)
@state_option
@click.option(
    "--ephemeral", is_flag=True, help="Serve a fresh genesis devnet in memory; save nothing."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the URL and accounts as one JSON line."
)
def serve_command(port: int, state_dir: Path | None, ephemeral: bool, as_json: bool) -> None:
    """Serve the devnet (genesis market, saved state) over HTTP JSON-RPC until Ctrl-C."""
    from swarmfi.chain.node.server import DevnetHTTPServer
    from swarmfi.chain.sync import run_sync

    chain = open_for_serving(state_dir, ephemeral)
    try:
        try:
            server = DevnetHTTPServer(chain.node, "127.0.0.1", port)
        except OSError as exc:
            raise UserInputError(
                f"cannot listen on 127.0.0.1:{port}: {exc.strerror}",
                hint="pick another port with --port, or --port 0 for any free one",
            ) from None
        _announce(server.url, chain.node, as_json)
        with autosave(chain):
            _run_until_stopped(server)
    finally:
        run_sync(chain.close())
    if not as_json:
        saved = "" if ephemeral else f"; state saved in {resolve_state_dir(state_dir)}"
        console.print("devnet stopped" + saved, highlight=False)


def _announce(url: str, node: DevnetNode, as_json: bool) -> None:
    from eth_utils import to_checksum_address

    accounts = [to_checksum_address(a) for a in node.accounts]
    info = {"url": url, "chain_id": node.chain_id, "accounts": accounts}
    if as_json:
        emit(info, as_json=True)
        return
    console.print(f"swarmfi devnet on [bold]{url}[/] (chain id {node.chain_id})")
    console.print(
        f"Accounts, {TEST_ACCOUNT_ETH:,} ETH each (keys: the standard test mnemonic "
        "\"test test … junk\", m/44'/60'/0'/0/i):"
    )
    for index, address in enumerate(accounts):
        console.print(f"  ({index}) {address}", highlight=False)
    console.print("Ctrl-C to stop.")


def _run_until_stopped(server: Any) -> None:
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def register(group: click.Group) -> None:
    group.add_command(devnet)
