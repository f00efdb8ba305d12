import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.errors import UserInputError
from swarmfi.ledger import cid

# Published vectors: `ipfs add --cid-version=1 --raw-leaves` of these bytes.
HELLO_WORLD = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
EMPTY = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


def _by_hand(data: bytes) -> str:
    """An independent encoding: prefix bytes, then 5 bits at a time into RFC 4648 base32."""
    raw = bytes([0x01, 0x55, 0x12, 0x20]) + hashlib.sha256(data).digest()
    bits = "".join(f"{byte:08b}" for byte in raw)
    bits += "0" * (-len(bits) % 5)
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    return "b" + "".join(alphabet[int(bits[i : i + 5], 2)] for i in range(0, len(bits), 5))


def test_hello_world_vector():
    assert hashlib.sha256(b"hello world").hexdigest() == (
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
    )
    assert cid.cid_v1(b"hello world") == HELLO_WORLD
    assert _by_hand(b"hello world") == HELLO_WORLD


def test_empty_vector():
    assert cid.cid_v1(b"") == EMPTY


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_matches_independent_encoding(data):
    assert cid.cid_v1(data) == _by_hand(data)


def test_prefix_bytes():
    raw_prefix = "bafkrei"  # 0x01 0x55 0x12 0x20 in base32
    assert cid.cid_v1(b"x").startswith(raw_prefix)
    assert cid.cid_v1(b"x", codec=cid.JSON).startswith("bagaaiera")
    assert len(cid.cid_v1(b"x")) == 59


def test_varint_known_values():
    assert cid.varint(0) == b"\x00"
    assert cid.varint(0x55) == b"\x55"
    assert cid.varint(0x80) == b"\x80\x01"
    assert cid.varint(0x0200) == b"\x80\x04"
    assert cid.varint(300) == b"\xac\x02"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2**62))
def test_varint_round_trip(n):
    encoded = cid.varint(n)
    assert cid.read_varint(encoded + b"rest", 0) == (n, len(encoded))


def test_varint_rejects_negative():
    with pytest.raises(ValueError):
        cid.varint(-1)


def test_decode_round_trip():
    parsed = cid.decode(HELLO_WORLD)
    assert parsed.version == 1
    assert parsed.codec == cid.RAW
    assert parsed.digest.hex() == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
    assert str(parsed) == HELLO_WORLD
    assert cid.decode(cid.cid_v1(b"{}", codec=cid.JSON)).codec == 0x0200


@pytest.mark.parametrize(
    "text",
    [
        "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD",  # CIDv0, base58
        "bafkrei",  # truncated
        HELLO_WORLD[:-4],  # digest too short
        "b!!!!",
    ],
)
def test_decode_rejects(text):
    with pytest.raises(UserInputError, match="not a base32 sha2-256 CIDv1"):
        cid.decode(text)
