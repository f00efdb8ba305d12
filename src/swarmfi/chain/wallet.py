"""Keys and nonces: signers, the devnet test accounts, an encrypted keystore, nonces.

- `Signer` is what `Chain.send` needs: an address and `sign_tx(tx_dict) -> raw bytes`.
  `LocalSigner` holds a key in memory and never shows it (repr/str print the address).
- `test_accounts()` are the standard test mnemonic's accounts (Hardhat, Anvil): public
  keys everyone knows, for the devnet only.
- `Keystore` is one eth-account v3 keyfile (scrypt), written with mode 0600.
- `NonceManager` makes one writer per account: a lock per address and the next nonce,
  resynced from the chain whenever a send fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import getpass
import json
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from swarmfi.errors import StateError, UserInputError

TEST_MNEMONIC = "test test test test test test test test test test test junk"
TEST_PATH = "m/44'/60'/0'/0/{}"
PASSWORD_ENV = "SWARMFI_KEYSTORE_PASSWORD"


@runtime_checkable
class Signer(Protocol):
    """Signs transactions for one address."""

    @property
    def address(self) -> str: ...

    def sign_tx(self, tx: dict[str, Any]) -> bytes:
        """Sign a transaction dict (eth-account fields) and return the raw signed bytes."""
        ...


class LocalSigner:
    """A private key held in memory. It is never shown: repr and str give the address."""

    __slots__ = ("_address", "_key")

    def __init__(self, private_key: bytes | str) -> None:
        from eth_account import Account

        try:
            account = Account.from_key(private_key)
        except Exception:
            raise UserInputError(
                "that is not a valid private key", hint="give 32 bytes as 64 hex digits"
            ) from None
        self._key: bytes = bytes(account.key)
        self._address: str = account.address

    @property
    def address(self) -> str:
        return self._address

    def sign_tx(self, tx: dict[str, Any]) -> bytes:
        from eth_account import Account

        return bytes(Account.sign_transaction(tx, self._key).raw_transaction)

    def sign_message(self, message: bytes) -> bytes:
        """EIP-191 (`personal_sign`) signature of `message`: r || s || v, v in {27, 28}."""
        from eth_account import Account
        from eth_account.messages import encode_defunct

        return bytes(Account.sign_message(encode_defunct(primitive=message), self._key).signature)

    def __repr__(self) -> str:
        return f"LocalSigner({self._address})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a LocalSigner holds a private key and is not picklable")


@functools.lru_cache(maxsize=64)
def _derive_test_key(index: int) -> bytes:
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    account = Account.from_mnemonic(TEST_MNEMONIC, account_path=TEST_PATH.format(index))
    return bytes(account.key)


def test_account(index: int) -> LocalSigner:
    """Account `index` of the standard test mnemonic (m/44'/60'/0'/0/index)."""
    return LocalSigner(_derive_test_key(index))


def test_accounts(count: int = 10) -> list[LocalSigner]:
    """The first `count` accounts of the standard test mnemonic; devnet use only."""
    return [test_account(i) for i in range(count)]


test_accounts.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
test_account.__test__ = False  # type: ignore[attr-defined]


def read_password(confirm: bool = False, env: str = PASSWORD_ENV) -> str:
    """The keystore password from `env` if set, else from a hidden prompt."""
    if os.environ.get(env):
        return os.environ[env]
    try:
        password = getpass.getpass("Keystore password: ")
        if confirm and getpass.getpass("Repeat password: ") != password:
            raise UserInputError("the two passwords differ", hint="type the same password twice")
    except EOFError:
        raise UserInputError(
            "no keystore password given", hint=f"set {env} or run in a terminal"
        ) from None
    if not password:
        raise UserInputError("the keystore password is empty", hint="choose a password")
    return password


class Keystore:
    """One encrypted keyfile (eth-account v3, scrypt) at `path`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Keystore({str(self.path)!r})"

    @classmethod
    def create(cls, path: Path | str, password: str, scrypt_n: int | None = None) -> Keystore:
        """A new random key, encrypted to `path` (which must not exist)."""
        return cls.import_key(path, secrets.token_bytes(32), password, scrypt_n)

    @classmethod
    def import_key(
        cls, path: Path | str, private_key: bytes | str, password: str, scrypt_n: int | None = None
    ) -> Keystore:
        """Encrypt an existing key to `path` (which must not exist)."""
        from eth_account import Account

        signer = LocalSigner(private_key)
        keyfile = Account.encrypt(signer._key, password, kdf="scrypt", iterations=scrypt_n)
        _write_private(Path(path), json.dumps(keyfile).encode())
        return cls(path)

    def _keyfile(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
            _ = data["crypto"], data["address"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StateError(
                f"cannot read keystore {self.path}: {type(exc).__name__}",
                hint="check the path, or create one with a new key",
            ) from None
        return dict(data)

    @property
    def address(self) -> str:
        """The address, read without decrypting."""
        from eth_utils import to_checksum_address

        return str(to_checksum_address("0x" + str(self._keyfile()["address"]).removeprefix("0x")))

    def unlock(self, password: str) -> LocalSigner:
        """Decrypt the key (scrypt: about half a second) into a signer."""
        from eth_account import Account

        keyfile = self._keyfile()
        try:
            key = Account.decrypt(keyfile, password)
        except ValueError:
            raise UserInputError(
                f"wrong password for keystore {self.path}",
                hint="try again, or set SWARMFI_KEYSTORE_PASSWORD",
            ) from None
        return LocalSigner(bytes(key))


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to a new file readable by its owner only; never overwrite."""
    if path.exists():
        raise UserInputError(f"{path} already exists", hint="choose another path")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)  # fails if `path` appeared meanwhile
    finally:
        tmp.unlink(missing_ok=True)


class NonceManager:
    """One writer per account: `async with nonces.next(addr) as nonce:` holds the
    account's lock, hands out the tracked next nonce (fetched from the chain on first use
    or after an error) and advances it only if the block exits without an exception."""

    def __init__(self, fetch: Callable[[str], Awaitable[int]]) -> None:
        self._fetch = fetch
        self._locks: dict[str, asyncio.Lock] = {}
        self._next: dict[str, int] = {}

    def _lock(self, address: str) -> asyncio.Lock:
        return self._locks.setdefault(address.lower(), asyncio.Lock())

    @contextlib.asynccontextmanager
    async def next(self, address: str) -> AsyncIterator[int]:
        key = address.lower()
        async with self._lock(key):
            if key not in self._next:
                self._next[key] = await self._fetch(address)
            nonce = self._next[key]
            try:
                yield nonce
            except BaseException:
                self._next.pop(key, None)  # resync from the chain next time
                raise
            self._next[key] = nonce + 1

    def forget(self, address: str) -> None:
        """Drop the tracked nonce so the next send asks the chain."""
        self._next.pop(address.lower(), None)
