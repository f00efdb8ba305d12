"""`swarmfi devnet …`: the embedded devnet from the command line.

`serve` runs a node over HTTP JSON-RPC on 127.0.0.1 with the standard test
accounts funded, so MetaMask, web3.py or any tool can connect. With `--state`
the chain's history is replayed from that file on start and written back on
exit. Heavy imports (pyrevm, web3) happen inside the commands.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from swarmfi.errors import StateError, UserInputError
from swarmfi.output import console, emit

if TYPE_CHECKING:
    from swarmfi.chain.node import DevnetNode

TEST_ACCOUNT_ETH = 10_000
STATE_VERSION = 1


@click.group("devnet")
def devnet() -> None:
    """The embedded EVM devnet: serve it over JSON-RPC for wallets and tools."""


@devnet.command("serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8545,
    show_default=True,
    help="TCP port on 127.0.0.1; 0 picks a free one.",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Replay the chain from this file if it exists, and save it there on exit.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the URL and accounts as one JSON line."
)
def serve_command(port: int, state_path: Path | None, as_json: bool) -> None:
    """Serve a devnet over HTTP JSON-RPC until Ctrl-C."""
    from swarmfi.chain.server import DevnetHTTPServer

    node, start = _funded_node()
    if state_path is not None and state_path.exists():
        _replay(node, state_path)
    try:
        server = DevnetHTTPServer(node, "127.0.0.1", port)
    except OSError as exc:
        raise UserInputError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror}",
            hint="pick another port with --port, or --port 0 for any free one",
        ) from None
    _announce(server.url, node, as_json)
    _run_until_stopped(server)
    if state_path is not None:
        _save(node.history[start:], node.chain_id, state_path)
    if not as_json:
        console.print("devnet stopped" + (f"; state saved to {state_path}" if state_path else ""))


def _funded_node() -> tuple[DevnetNode, int]:
    """A node with the ten test accounts funded; also where its own history starts."""
    from swarmfi.chain.node import DevnetNode
    from swarmfi.chain.wallet import test_accounts

    addresses = [signer.address for signer in test_accounts(10)]
    node = DevnetNode(accounts=addresses)
    for address in addresses:
        node.fund(address, TEST_ACCOUNT_ETH * 10**18)
    return node, len(node.history)


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


def _replay(node: DevnetNode, path: Path) -> None:
    from swarmfi.chain.node_rpc import RpcError

    try:
        saved = json.loads(path.read_text())
        if saved.get("version") != STATE_VERSION or saved.get("chain_id") != node.chain_id:
            raise ValueError(f"not a version {STATE_VERSION} devnet state for this chain")
        node.replay(saved["history"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RpcError) as exc:
        raise StateError(
            f"the devnet state file {path} is unreadable: {exc}",
            hint="move it away or delete it to start a fresh devnet",
        ) from None


def _save(history: list[dict[str, Any]], chain_id: int, path: Path) -> None:
    data = {"version": STATE_VERSION, "chain_id": chain_id, "history": history}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data))
    os.replace(temporary, path)


def register(group: click.Group) -> None:
    group.add_command(devnet)
