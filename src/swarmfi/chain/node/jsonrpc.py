"""JSON-RPC plumbing for the devnet node: the error type and parameter parsing.

Every parser raises `RpcError(INVALID_PARAMS, ...)` on bad input, so a method
body never sees a malformed address, quantity or block tag. Addresses are kept
as lowercase `0x` strings inside the node; hex strings go out the way geth
writes them (`0x0`, no leading zeros, lowercase).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
INVALID_INPUT = -32000  # EIP-1474: missing or invalid state (unknown block, halt)
TX_REJECTED = -32003  # EIP-1474: transaction rejected (nonce, funds, chain id…)
EXECUTION_REVERTED = 3  # geth: eth_call / eth_estimateGas reverted

ZERO_ADDRESS = "0x" + "00" * 20
REQUIRED: Any = object()  # marker: the parameter has no default


class RpcError(Exception):
    """A JSON-RPC error response; `data` goes into the error object when set."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def bad_params(message: str) -> RpcError:
    return RpcError(INVALID_PARAMS, message)


def error_response(request_id: Any, error: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_dict()}


# -- encoding ---------------------------------------------------------------


def qty(value: int) -> str:
    """An integer as a JSON-RPC quantity (`0x0`, `0x1a`)."""
    return hex(value)


def data_hex(value: bytes) -> str:
    return "0x" + value.hex()


def word_hex(value: int) -> str:
    """A 32-byte word as unformatted data (storage slots, topics)."""
    return "0x" + value.to_bytes(32, "big").hex()


# -- decoding ---------------------------------------------------------------


def parse_quantity(value: Any, name: str = "quantity") -> int:
    """A hex quantity ("0x1a"); plain non-negative ints are accepted too."""
    if isinstance(value, bool):
        raise bad_params(f"{name} must be a hex string like 0x1a, not a boolean")
    if isinstance(value, int):
        if value < 0:
            raise bad_params(f"{name} must not be negative")
        return value
    if not isinstance(value, str) or not value.startswith(("0x", "0X")) or len(value) < 3:
        raise bad_params(f"{name} must be a hex string like 0x1a, got {value!r}")
    try:
        return int(value, 16)
    except ValueError:
        raise bad_params(f"{name} is not valid hex: {value!r}") from None


def parse_data(value: Any, name: str = "data") -> bytes:
    """Unformatted hex data ("0x", "0xdeadbeef")."""
    if not isinstance(value, str) or not value.startswith(("0x", "0X")):
        raise bad_params(f"{name} must be a 0x-prefixed hex string, got {value!r}")
    body = value[2:]
    if len(body) % 2:
        raise bad_params(f"{name} has an odd number of hex digits")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise bad_params(f"{name} is not valid hex: {value!r}") from None


def parse_address(value: Any, name: str = "address") -> str:
    """A 20-byte address in any letter case, returned lowercase."""
    if not isinstance(value, str) or len(value) != 42 or not value.startswith(("0x", "0X")):
        raise bad_params(f"{name} must be a 0x-prefixed 20-byte hex address, got {value!r}")
    body = value[2:].lower()
    if body.strip("0123456789abcdef"):
        raise bad_params(f"{name} is not valid hex: {value!r}")
    return "0x" + body


def parse_hash(value: Any, name: str = "hash") -> bytes:
    raw = parse_data(value, name)
    if len(raw) != 32:
        raise bad_params(f"{name} must be 32 bytes, got {len(raw)}")
    return raw


def parse_bool(value: Any, name: str = "flag") -> bool:
    if not isinstance(value, bool):
        raise bad_params(f"{name} must be true or false, got {value!r}")
    return value


BLOCK_TAGS = ("latest", "pending", "earliest", "safe", "finalized")


def parse_block_tag(value: Any, name: str = "block") -> str | int:
    """A block tag, a hex number, or an EIP-1898 object with blockNumber."""
    if isinstance(value, dict):
        if "blockNumber" in value:
            return parse_block_tag(value["blockNumber"], name)
        raise bad_params(f"{name}: only {{'blockNumber': ...}} objects are supported here")
    if isinstance(value, str) and value in BLOCK_TAGS:
        return value
    return parse_quantity(value, name)


Parser = Callable[[Any], Any]


def take(params: Any, *specs: tuple[Parser, Any]) -> list[Any]:
    """Parse positional `params` by `(parser, default)` specs; REQUIRED has none."""
    if params is None:
        params = []
    if not isinstance(params, list | tuple):
        raise bad_params("params must be a JSON array")
    if len(params) > len(specs):
        raise bad_params(f"expected at most {len(specs)} params, got {len(params)}")
    return [_one(params, i, parser, default) for i, (parser, default) in enumerate(specs)]


def _one(params: Sequence[Any], index: int, parser: Parser, default: Any) -> Any:
    if index < len(params) and params[index] is not None:
        return parser(params[index])
    if default is REQUIRED:
        raise bad_params(f"missing value for required argument {index}")
    return default
