"""Signed transactions: decode legacy, EIP-2930 and EIP-1559 raw bytes, recover
the sender, and compute intrinsic gas (with the EIP-7623 calldata floor).

Pure functions over bytes; every failure is `RpcError(INVALID_PARAMS)` with a
message that says what was wrong with the encoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coincurve import PublicKey

from swarmfi.chain.hashing import keccak256
from swarmfi.chain.node.jsonrpc import bad_params
from swarmfi.chain.node.rlp import RlpError, rlp_decode_list, rlp_encode, rlp_prefix

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
MAX_INITCODE_SIZE = 49_152  # EIP-3860
TX_GAS = 21_000
CREATE_GAS = 32_000
ACCESS_ADDRESS_GAS = 2_400
ACCESS_SLOT_GAS = 1_900
FLOOR_PER_TOKEN = 10  # EIP-7623


@dataclass(frozen=True, slots=True)
class SignedTx:
    """A decoded, signature-checked transaction (`to` is None for a deploy)."""

    kind: str  # "legacy" | "eip2930" | "eip1559"
    type: int
    chain_id: int | None
    nonce: int
    gas: int
    gas_price: int  # legacy/2930: the price; 1559: max fee per gas
    max_priority_fee: int  # legacy/2930: same as gas_price
    to: str | None
    value: int
    data: bytes
    access_list: tuple[tuple[str, tuple[int, ...]], ...]
    v: int
    r: int
    s: int
    sender: str
    hash: bytes

    @property
    def y_parity(self) -> int:
        return self.v if self.type else (self.v - 35) % 2 if self.v >= 35 else self.v - 27

    def effective_price(self, base_fee: int) -> int:
        """What one gas costs the sender in a block with `base_fee`."""
        if self.type == 2:
            return min(self.gas_price, base_fee + self.max_priority_fee)
        return self.gas_price


def decode_raw_tx(raw: bytes) -> SignedTx:
    """Decode and recover the sender of a raw signed transaction."""
    if not raw:
        raise bad_params("raw transaction is empty")
    first = raw[0]
    if first >= 0xC0:
        return _legacy(raw)
    if first == 1:
        return _typed(raw, 1, "eip2930")
    if first == 2:
        return _typed(raw, 2, "eip1559")
    raise bad_params(f"unsupported transaction type 0x{first:02x}; send legacy, 0x01 or 0x02")


def _rlp_list(payload: bytes, length: int, what: str) -> tuple[list[Any], list[int]]:
    try:
        items, offsets = rlp_decode_list(payload)
    except RlpError as exc:
        raise bad_params(f"malformed {what} transaction: {exc}") from None
    if len(items) != length:
        raise bad_params(f"malformed {what} transaction: expected an RLP list of {length} fields")
    return items, offsets


def _signing_hash(type_byte: bytes, raw_list: bytes, offsets: list[int], extra: bytes) -> bytes:
    """keccak of the unsigned payload: the signed list without v, r, s (sliced from the raw
    bytes, which the strict decoder guarantees are canonical), plus `extra` fields."""
    fields = raw_list[offsets[0] : offsets[-4]] + extra
    return keccak256(type_byte + rlp_prefix(len(fields), 0xC0) + fields)


def _legacy(raw: bytes) -> SignedTx:
    items, offsets = _rlp_list(raw, 9, "legacy")
    nonce, price, gas, to, value, data, v, r, s = items
    v_int = _int(v, "v")
    chain_id = (v_int - 35) // 2 if v_int >= 35 else None
    if chain_id is None and v_int not in (27, 28):
        raise bad_params(f"invalid legacy signature v={v_int}")
    extra = rlp_encode(chain_id) + b"\x80\x80" if chain_id is not None else b""  # EIP-155
    y_parity = (v_int - 35) % 2 if chain_id is not None else v_int - 27
    fields = (_int(nonce, "nonce"), _int(gas, "gas"), _to(to), _int(value, "value"), _bytes(data))
    msg_hash = _signing_hash(b"", raw, offsets, extra)
    sender = _recover(msg_hash, y_parity, _int(r, "r"), _int(s, "s"))
    price_int = _int(price, "gasPrice")
    return SignedTx(
        "legacy", 0, chain_id, fields[0], fields[1], price_int, price_int, fields[2],
        fields[3], fields[4], (), v_int, _int(r, "r"), _int(s, "s"), sender, keccak256(raw),
    )  # fmt: skip


def _typed(raw: bytes, tx_type: int, kind: str) -> SignedTx:
    items, offsets = _rlp_list(raw[1:], 11 if tx_type == 1 else 12, kind)
    if tx_type == 1:
        chain_id, nonce, price, gas, to, value, data, acl, v, r, s = items
        tip = price
    else:
        chain_id, nonce, tip, price, gas, to, value, data, acl, v, r, s = items
    y_parity = _int(v, "yParity")
    if y_parity > 1:
        raise bad_params(f"invalid signature yParity={y_parity}")
    msg_hash = _signing_hash(raw[:1], raw[1:], offsets, b"")
    sender = _recover(msg_hash, y_parity, _int(r, "r"), _int(s, "s"))
    return SignedTx(
        kind, tx_type, _int(chain_id, "chainId"), _int(nonce, "nonce"), _int(gas, "gas"),
        _int(price, "maxFeePerGas"), _int(tip, "maxPriorityFeePerGas"), _to(to),
        _int(value, "value"), _bytes(data), _access_list(acl), y_parity, _int(r, "r"),
        _int(s, "s"), sender, keccak256(raw),
    )  # fmt: skip


def _recover(msg_hash: bytes, y_parity: int, r: int, s: int) -> str:
    if not (0 < r < SECP256K1_N and 0 < s <= SECP256K1_N // 2):
        raise bad_params("invalid signature: r or s out of range")
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([y_parity])
    try:
        public = PublicKey.from_signature_and_message(signature, msg_hash, hasher=None)
    except Exception as exc:
        raise bad_params(f"invalid signature: {exc}") from None
    return "0x" + keccak256(public.format(compressed=False)[1:])[-20:].hex()


def _int(item: Any, name: str) -> int:
    if not isinstance(item, bytes):
        raise bad_params(f"malformed transaction: {name} must be a byte string")
    if item[:1] == b"\x00":
        raise bad_params(f"malformed transaction: {name} has leading zero bytes")
    if len(item) > 32:
        raise bad_params(f"malformed transaction: {name} is longer than 32 bytes")
    return int.from_bytes(item, "big")


def _bytes(item: Any) -> bytes:
    if not isinstance(item, bytes):
        raise bad_params("malformed transaction: data must be a byte string")
    return item


def _to(item: Any) -> str | None:
    if item == b"":
        return None
    if not isinstance(item, bytes) or len(item) != 20:
        raise bad_params("malformed transaction: `to` must be empty or 20 bytes")
    return "0x" + item.hex()


def _access_list(item: Any) -> tuple[tuple[str, tuple[int, ...]], ...]:
    if not isinstance(item, list):
        raise bad_params("malformed transaction: accessList must be a list")
    entries = []
    for entry in item:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], list)):
            raise bad_params("malformed transaction: accessList entries are [address, [slots]]")
        address = _to(entry[0])
        slots = entry[1]
        if address is None or not all(isinstance(k, bytes) and len(k) == 32 for k in slots):
            raise bad_params("malformed transaction: accessList address or slot has a bad size")
        entries.append((address, tuple(int.from_bytes(k, "big") for k in slots)))
    return tuple(entries)


def calldata_tokens(data: bytes) -> int:
    zeros = data.count(0)
    return zeros + 4 * (len(data) - zeros)


def intrinsic_gas(data: bytes, is_create: bool, access_list: Any = ()) -> int:
    """Gas charged before execution starts (calldata, create, access list)."""
    gas = TX_GAS + 4 * calldata_tokens(data)
    if is_create:
        gas += CREATE_GAS + 2 * ((len(data) + 31) // 32)
    for _address, slots in access_list:
        gas += ACCESS_ADDRESS_GAS + ACCESS_SLOT_GAS * len(slots)
    return gas


def floor_gas(data: bytes) -> int:
    """EIP-7623 (Prague): the least gas a transaction with this calldata pays."""
    return TX_GAS + FLOOR_PER_TOKEN * calldata_tokens(data)
