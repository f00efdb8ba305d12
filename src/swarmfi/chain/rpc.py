"""`Chain` over Ethereum JSON-RPC: `JsonRpcChain` (shared by both backends) and `RpcChain`.

`JsonRpcChain` implements reads, `call`, `send` and time on top of one primitive,
`Transport.request(method, params)`; the devnet answers it in-process, `RpcChain` over HTTP
(web3.py's AsyncHTTPProvider). Only `simulate` differs: `RpcChain` runs the plan on a
pyrevm fork of the URL pinned to the latest block's hash, in a worker thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

from eth_utils import to_checksum_address

from swarmfi.chain.base import (
    Log,
    Receipt,
    Registry,
    Simulation,
    TxRequest,
)
from swarmfi.chain.reads import Reader, ReaderReads
from swarmfi.chain.simulation import (
    is_panic,
    provider_failure,
    simulate_on_evm,
)
from swarmfi.chain.wallet import NonceManager, Signer
from swarmfi.errors import ChainProviderError, SimulationError, UserInputError

EXECUTION_REVERTED = 3
GAS_MARGIN = (6, 5)  # send with 1.2x the estimate
RECEIPT_TIMEOUT_S = 120.0
BLOCK_TIME_S = 12


class RpcFailure(Exception):
    """A JSON-RPC error object from the node."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{message} (code {code})")
        self.code, self.message, self.data = code, message, data


class Transport(Protocol):
    async def request(self, method: str, params: list[Any]) -> Any:
        """The result; RpcFailure for a JSON-RPC error, ChainProviderError if unreachable."""
        ...

    async def close(self) -> None: ...


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _call_object(tx: TxRequest) -> dict[str, Any]:
    obj = {"from": tx.sender, "to": tx.to, "data": _hex(tx.data), "value": hex(tx.value)}
    return obj | ({"gas": hex(tx.gas)} if tx.gas is not None else {})


def revert_error(failure: RpcFailure, label: str = "") -> SimulationError:
    """A node's "execution reverted: …" as the harness's RevertError (a SimulationError)."""
    from swarmfi.chain.harness import RevertError

    reason = failure.message.removeprefix("execution reverted").lstrip(": ") or "no reason"
    data = bytes.fromhex(str(failure.data or "0x")[2:]) if failure.data else b""
    return RevertError(reason, label, data=data)


class JsonRpcChain(ReaderReads):
    """The parts of `Chain` that any JSON-RPC node can answer."""

    def __init__(self, transport: Transport, registry: Registry) -> None:
        self.registry = registry
        self.transport = transport
        self.reader = Reader(registry, self._eth_call, self._native, self.timestamp)
        self.nonces = NonceManager(self._pending_nonce)

    async def rpc(self, method: str, params: list[Any]) -> Any:
        """One JSON-RPC request; RpcFailure becomes ChainProviderError."""
        try:
            return await self.transport.request(method, params)
        except RpcFailure as exc:
            raise ChainProviderError(f"{method} failed: {exc.message}") from None

    # reads

    async def _eth_call(self, to: str, data: bytes) -> bytes:
        return await self.call(TxRequest(sender="0x" + "00" * 20, to=to, data=data))

    async def _native(self, owner: str) -> int:
        return int(await self.rpc("eth_getBalance", [owner, "latest"]), 16)

    async def _pending_nonce(self, owner: str) -> int:
        return int(await self.rpc("eth_getTransactionCount", [owner, "pending"]), 16)

    async def call(self, tx: TxRequest) -> bytes:
        """eth_call at the latest block; a revert raises RevertError (a SimulationError)."""
        try:
            result = await self.transport.request("eth_call", [_call_object(tx), "latest"])
        except RpcFailure as exc:
            if exc.code == EXECUTION_REVERTED or "revert" in exc.message:
                raise revert_error(exc, tx.label) from None
            raise ChainProviderError(f"eth_call failed: {exc.message}") from None
        return bytes.fromhex(str(result)[2:])

    async def block_number(self) -> int:
        return int(await self.rpc("eth_blockNumber", []), 16)

    async def latest_block(self) -> dict[str, Any]:
        block = await self.rpc("eth_getBlockByNumber", ["latest", False])
        return dict(block)

    async def timestamp(self) -> int:
        return int((await self.latest_block())["timestamp"], 16)

    async def chain_id(self) -> int:
        return int(await self.rpc("eth_chainId", []), 16)

    # writes

    async def send(self, tx: TxRequest, signer: Signer) -> Receipt:
        """Fill nonce, gas and EIP-1559 fees, sign locally, broadcast, wait for the receipt."""
        if signer.address.lower() != tx.sender.lower():
            raise UserInputError(
                f"the signer is {signer.address}, the transaction's sender is {tx.sender}",
                hint="sign with the sender's key",
            )
        async with self.nonces.next(tx.sender) as nonce:
            raw = signer.sign_tx(await self._fill(tx, nonce))
            tx_hash = await self.rpc("eth_sendRawTransaction", [_hex(raw)])
        return await self.wait_for_receipt(str(tx_hash))

    async def _fill(self, tx: TxRequest, nonce: int) -> dict[str, Any]:
        gas = tx.gas if tx.gas is not None else await self._estimate(tx)
        block = await self.latest_block()
        tip = int(await self.rpc("eth_maxPriorityFeePerGas", []), 16)
        base = int(block.get("baseFeePerGas", "0x0"), 16)
        return {
            "type": 2,
            "chainId": self.registry.chain_id,
            "nonce": nonce,
            "to": tx.to,
            "value": tx.value,
            "data": tx.data,
            "gas": gas,
            "maxPriorityFeePerGas": tip,
            "maxFeePerGas": 2 * base + tip,
        }

    async def _estimate(self, tx: TxRequest) -> int:
        try:
            estimate = await self.transport.request("eth_estimateGas", [_call_object(tx)])
        except RpcFailure as exc:
            if exc.code == EXECUTION_REVERTED or "revert" in exc.message:
                raise revert_error(exc, tx.label) from None
            raise ChainProviderError(f"eth_estimateGas failed: {exc.message}") from None
        return int(estimate, 16) * GAS_MARGIN[0] // GAS_MARGIN[1]

    async def wait_for_receipt(self, tx_hash: str, timeout: float = RECEIPT_TIMEOUT_S) -> Receipt:
        deadline, pause = time.monotonic() + timeout, 0.01
        while time.monotonic() < deadline:
            found = await self.rpc("eth_getTransactionReceipt", [tx_hash])
            if found:
                return _receipt(found)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)
        raise ChainProviderError(
            f"transaction {tx_hash} was sent but no receipt came in {timeout:.0f} s",
            hint="check it later by its hash; do not resend, or it may execute twice",
        )

    async def close(self) -> None:
        await self.transport.close()


def _receipt(data: dict[str, Any]) -> Receipt:
    logs = tuple(
        Log(
            to_checksum_address(entry["address"]),
            tuple(bytes.fromhex(t[2:]) for t in entry["topics"]),
            bytes.fromhex(entry["data"][2:]),
        )
        for entry in data.get("logs", [])
    )
    success = int(data["status"], 16) == 1
    return Receipt(
        str(data["transactionHash"]),
        success,
        int(data["gasUsed"], 16),
        int(data["blockNumber"], 16),
        logs,
        None if success else data.get("revertReason") or "reverted",
    )


# ------------------------------------------------------------------ RpcChain


class HttpTransport:
    """JSON-RPC over HTTP through web3.py's AsyncHTTPProvider."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        from web3 import AsyncHTTPProvider

        self.url = url
        self.provider = AsyncHTTPProvider(url, request_kwargs={"timeout": timeout})

    async def request(self, method: str, params: list[Any]) -> Any:
        try:
            response = await self.provider.make_request(method, params)
        except Exception as exc:
            raise ChainProviderError(
                f"cannot reach {self.url}: {type(exc).__name__}: {exc}",
                hint="check the URL and that the node is up",
            ) from None
        if "error" in response:
            error: dict[str, Any] = dict(response["error"])
            raise RpcFailure(
                int(error.get("code", 0)), str(error.get("message", "")), error.get("data")
            )
        return response["result"]

    async def close(self) -> None:
        await self.provider.disconnect()


class RpcChain(JsonRpcChain):
    """Any EVM JSON-RPC endpoint; simulation on a pyrevm fork pinned to the latest block."""

    def __init__(self, url: str, registry: Registry | None = None) -> None:
        """Without `registry`, asks the node its chain id (blocking) and looks it up;
        `await RpcChain.connect(url)` does the same without blocking."""
        if registry is None:
            from swarmfi.chain import registry as registries

            registry = registries.lookup(_chain_id_blocking(url))
        super().__init__(HttpTransport(url), registry)
        self.url = url

    @classmethod
    async def connect(cls, url: str) -> RpcChain:
        """Ask `url` its chain id, use swarmfi's registry for it and check that the registry's
        router has code there; ChainProviderError if the node is down or the wrong chain."""
        chain = cls(url, _registry_for(url, await _ask_chain_id(url)))
        try:
            await chain.check_deployed()
        except BaseException:
            await chain.close()
            raise
        return chain

    async def check_deployed(self) -> None:
        """ChainProviderError unless the registry's router (or first token) has code here."""
        probe = _probe_address(self.registry)
        if probe is None:
            return
        name, address = probe
        if str(await self.rpc("eth_getCode", [address, "latest"])) in ("0x", "0x0", ""):
            raise ChainProviderError(
                f"{self.url} (chain id {self.registry.chain_id}) has no contract at the "
                f"{name} address of {self.registry.name or 'its registry'} ({address})",
                hint="it is not the chain swarmfi knows by that id; check the URL "
                "(for the devnet, `swarmfi devnet serve`)",
            )

    @asynccontextmanager
    async def sandbox_evm(self) -> AsyncIterator[Any]:
        """A fresh pyrevm fork pinned at the latest block, for `guard.sandbox.open_sandbox`.
        Its reads fetch state from the node as needed (blocking); a fork that cannot
        fetch state (a pyrevm panic) is a ChainProviderError."""
        block = await self.latest_block()
        try:
            yield self._fork(block)
        except BaseException as exc:
            if is_panic(exc) or str(exc).startswith("Database("):
                raise provider_failure(exc, self.url) from None
            raise

    async def simulate(self, txs: list[TxRequest]) -> Simulation:
        block = await self.latest_block()
        return await asyncio.to_thread(self._simulate_fork, txs, block)

    def _simulate_fork(self, txs: list[TxRequest], block: dict[str, Any]) -> Simulation:
        from swarmfi.chain.sync import run_sync

        try:
            evm = self._fork(block)
            return run_sync(simulate_on_evm(evm, self.registry, txs))
        except BaseException as exc:
            if is_panic(exc) or str(exc).startswith("Database("):
                raise provider_failure(exc, self.url) from None
            raise

    def _fork(self, block: dict[str, Any]) -> Any:
        import pyrevm

        env = pyrevm.Env(cfg=pyrevm.CfgEnv(chain_id=self.registry.chain_id))
        evm = pyrevm.EVM(
            env=env, fork_url=self.url, fork_block=str(block["hash"]), spec_id="PRAGUE"
        )
        number, timestamp = int(block["number"], 16), int(block["timestamp"], 16)
        evm.set_block_env(
            pyrevm.BlockEnv(
                number=number + 1,
                timestamp=timestamp + BLOCK_TIME_S,
                gas_limit=int(block.get("gasLimit", "0x1c9c380"), 16),
            )
        )
        return evm


async def _ask_chain_id(url: str) -> int:
    probe = HttpTransport(url)
    try:
        return _parse_chain_id(url, await probe.request("eth_chainId", []))
    except RpcFailure as exc:
        raise ChainProviderError(f"{url} answered eth_chainId with {exc.message}") from None
    finally:
        await probe.close()


def _parse_chain_id(url: str, answer: Any) -> int:
    try:
        return int(str(answer), 16)
    except ValueError:
        raise ChainProviderError(
            f"{url} answered eth_chainId with {str(answer)[:40]!r}, not a chain id",
            hint="point --rpc at an Ethereum JSON-RPC endpoint",
        ) from None


def _registry_for(url: str, chain_id: int) -> Registry:
    from swarmfi.chain import registry as registries

    try:
        return registries.lookup(chain_id)
    except UserInputError as exc:
        raise ChainProviderError(f"{url} is chain id {chain_id}: {exc.message}", exc.hint) from None


def _probe_address(registry: Registry) -> tuple[str, str] | None:
    if "router" in registry.contracts:
        return "router", registry.contracts["router"]
    for token in registry.tokens.values():
        return token.symbol, token.address
    return None


def _chain_id_blocking(url: str, timeout: float = 10.0) -> int:
    """eth_chainId with the stdlib, for the sync constructor."""
    import json
    import urllib.request

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(json.loads(response.read())["result"], 16)
    except Exception as exc:
        raise ChainProviderError(
            f"cannot ask {url} for its chain id: {type(exc).__name__}: {exc}",
            hint="check the URL and that the node is up",
        ) from None
