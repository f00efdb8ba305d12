"""Opening what a run needs: the chain, the signer, the ledger and the policy. The one
place that chooses the backend and the key (the CLI's `--rpc`, `--keystore`, `--account`):

    no --rpc            the embedded devnet (its state directory, `--state`)
    --rpc URL           `RpcChain` on URL (or $SWARMFI_RPC_URL); plans simulated on a
                        pyrevm fork of it; an unknown or wrong chain is refused
    --keystore PATH     sign with the key in that encrypted keystore (password from
                        $SWARMFI_KEYSTORE_PASSWORD or a hidden prompt; never shown)
    --account N         devnet test account N (default 0): the embedded devnet, or an
                        RPC whose chain id is 31337; anywhere else the keys are public

The ledger, the policy and the standing orders live in the home directory (or alongside
`--state` on the devnet).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from swarmfi.errors import UserInputError

RPC_ENV = "SWARMFI_RPC_URL"
KEYSTORE_HINT = "pass --keystore PATH (make one with `swarmfi wallet new` or `wallet import`)"


@dataclass(frozen=True)
class Endpoint:
    """Where to run and as whom: `rpc` None is the embedded devnet."""

    rpc: str | None = None
    keystore: Path | None = None
    account: int | None = None
    kind: Literal["endpoint"] = "endpoint"

    def check(self, state: Path | None) -> None:
        """UserInputError for option combinations that cannot mean anything."""
        if self.keystore is not None and self.account is not None:
            raise UserInputError("--keystore and --account both pick the signer",
                                 "give one of them")
        if self.rpc is not None and state is not None:
            raise UserInputError("--state is the embedded devnet's directory; --rpc uses "
                                 "another chain", "drop --state (the ledger stays in "
                                 "$SWARMFI_HOME) or drop --rpc")
        if self.rpc is not None and not self.rpc.startswith(("http://", "https://")):
            raise UserInputError(f"--rpc wants an http:// or https:// URL, not {self.rpc!r}",
                                 "e.g. --rpc http://127.0.0.1:8545")


def open_ledger(state: Path | None) -> Any:
    """The ledger of the home directory, or the one alongside a devnet `state` directory."""
    from swarmfi import paths
    from swarmfi.ledger.store import Ledger

    ledger_file = paths.ledger_path(state)
    paths.ensure_dir(ledger_file.parent)
    return Ledger(ledger_file)


async def open_chain(state: Path | None, endpoint: Endpoint) -> Any:
    """The devnet, or `RpcChain` on `endpoint.rpc` (ChainProviderError if unreachable or
    not a chain swarmfi knows)."""
    endpoint.check(state)
    if endpoint.rpc is None:
        from swarmfi.chain.devnet import open_devnet

        return open_devnet(state)
    from swarmfi.chain.rpc import RpcChain

    return await RpcChain.connect(endpoint.rpc)


def _test_accounts_allowed(chain: Any, endpoint: Endpoint) -> None:
    from swarmfi.chain.registry import DEVNET_CHAIN_ID

    chain_id = chain.registry.chain_id
    if endpoint.rpc is None or chain_id == DEVNET_CHAIN_ID:
        return
    which = "--account picks a devnet test account" if endpoint.account is not None else (
        "without --keystore swarmfi would sign with a devnet test account")
    raise UserInputError(f"{which}, whose key is public; this RPC is chain id {chain_id} "
                         f"({chain.registry.name or 'not the devnet'})", KEYSTORE_HINT)


def signer_address(chain: Any, endpoint: Endpoint) -> str:
    """The address that would sign, without asking for a password."""
    if endpoint.keystore is not None:
        from swarmfi.chain.wallet import Keystore

        return Keystore(endpoint.keystore).address
    _test_accounts_allowed(chain, endpoint)
    from swarmfi.chain.wallet import test_account

    return test_account(endpoint.account or 0).address


def open_signer(chain: Any, endpoint: Endpoint) -> Any:
    """The keystore's key (unlocked with the password) or a devnet test account."""
    if endpoint.keystore is not None:
        from swarmfi.chain.wallet import Keystore, read_password

        keystore = Keystore(endpoint.keystore)
        _ = keystore.address  # an unreadable file fails before the password is asked
        return keystore.unlock(read_password())
    _test_accounts_allowed(chain, endpoint)
    from swarmfi.chain.wallet import test_account

    return test_account(endpoint.account or 0)


async def open_session(state: Path | None = None, endpoint: Endpoint = Endpoint(),
                       policy: Any = None) -> tuple[Any, Any, Any, Any]:
    """(chain, signer, ledger, policy); the caller closes the chain and the ledger.
    `policy` None: the policy file's (the defaults when there is none)."""
    from swarmfi.guard.policy import load_policy

    chain = await open_chain(state, endpoint)
    try:
        signer = open_signer(chain, endpoint)
        policy = load_policy() if policy is None else policy
        ledger = open_ledger(state)
    except BaseException:
        await chain.close()
        raise
    return chain, signer, ledger, policy


async def token_balances(chain: Any, address: str) -> dict[str, str]:
    """`address`'s balances as {symbol: amount in token units, as a plain decimal string}."""
    from swarmfi.agents.context import to_units

    raw = await chain.balances(address)
    return {s: _plain(to_units(v, chain.registry.token(s))) for s, v in raw.items()}


def _plain(value: Any) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def describe(chain: Any, address: str) -> str:
    """One line saying which chain and which account, for runs on an RPC."""
    registry = chain.registry
    return f"{registry.name or 'chain'} (chain id {registry.chain_id}) as {address}"
