"""Signers, test accounts, keystore and nonce manager."""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import stat

import pytest
from eth_account import Account

from swarmfi.chain.wallet import (
    PASSWORD_ENV,
    Keystore,
    LocalSigner,
    NonceManager,
    Signer,
    read_password,
    test_account,
    test_accounts,
)
from swarmfi.errors import StateError, UserInputError

HARDHAT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
HARDHAT_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
HARDHAT_9 = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"
KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
FAST_N = 2**4


def _tx(nonce: int = 0) -> dict:
    return {
        "to": HARDHAT_1,
        "value": 1,
        "gas": 21000,
        "maxFeePerGas": 2 * 10**9,
        "maxPriorityFeePerGas": 10**9,
        "nonce": nonce,
        "chainId": 31337,
        "type": 2,
    }


def test_test_accounts_are_the_standard_mnemonic_accounts():
    accounts = test_accounts()
    assert len(accounts) == 10
    assert accounts[0].address == HARDHAT_0
    assert accounts[1].address == HARDHAT_1
    assert accounts[9].address == HARDHAT_9
    assert len({a.address for a in accounts}) == 10


def test_signer_signs_a_transaction_recoverable_to_its_address():
    signer = test_account(3)
    raw = signer.sign_tx(_tx())
    assert isinstance(signer, Signer)
    assert Account.recover_transaction(raw) == signer.address


def test_signer_never_shows_its_key():
    signer = LocalSigner(KEY)
    shown = (repr(signer) + str(signer) + f"{signer}" + f"{signer!r}").lower()
    assert KEY.hex() not in shown
    assert signer.address.lower() in shown
    assert not hasattr(signer, "__dict__")
    with pytest.raises(TypeError):
        pickle.dumps(signer)


def test_invalid_key_is_rejected_without_echoing_it():
    bad = "0x" + "zz" * 32
    with pytest.raises(UserInputError) as info:
        LocalSigner(bad)
    assert "zz" not in info.value.one_line()
    assert info.value.__suppress_context__


def test_keystore_round_trip_with_owner_only_permissions(tmp_path):
    path = tmp_path / "keys" / "main.json"
    store = Keystore.import_key(path, KEY, "correct horse", scrypt_n=FAST_N)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert store.address == LocalSigner(KEY).address
    assert store.unlock("correct horse").address == LocalSigner(KEY).address
    assert KEY.hex() not in path.read_text()
    assert json.loads(path.read_text())["crypto"]["kdf"] == "scrypt"
    assert [p.name for p in path.parent.iterdir()] == ["main.json"]


def test_keystore_wrong_password_is_user_error(tmp_path):
    store = Keystore.create(tmp_path / "k.json", "right", scrypt_n=FAST_N)
    with pytest.raises(UserInputError, match="wrong password"):
        store.unlock("wrong")


def test_keystore_never_overwrites(tmp_path):
    path = tmp_path / "k.json"
    first = Keystore.create(path, "pw", scrypt_n=FAST_N).address
    with pytest.raises(UserInputError, match="already exists"):
        Keystore.create(path, "pw", scrypt_n=FAST_N)
    assert Keystore(path).address == first


def test_corrupt_keystore_is_state_error_naming_the_path(tmp_path):
    path = tmp_path / "k.json"
    path.write_text("{not json")
    with pytest.raises(StateError) as info:
        Keystore(path).unlock("pw")
    assert str(path) in info.value.one_line()


def test_keystore_default_kdf_is_strong_scrypt(tmp_path):
    path = tmp_path / "k.json"
    Keystore.create(path, "pw")
    params = json.loads(path.read_text())["crypto"]["kdfparams"]
    assert params["n"] >= 2**18


def test_read_password_from_env(monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "from-env")
    assert read_password() == "from-env"


def test_read_password_without_terminal_or_env_is_user_error(monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)

    def no_tty(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("getpass.getpass", no_tty)
    with pytest.raises(UserInputError, match="no keystore password"):
        read_password()


def test_nonce_manager_hands_out_consecutive_nonces_to_concurrent_writers():
    fetched: list[str] = []

    async def fetch(address: str) -> int:
        fetched.append(address)
        await asyncio.sleep(0)
        return 7

    async def writer(nonces: NonceManager, seen: list[int]) -> None:
        async with nonces.next(HARDHAT_0) as nonce:
            await asyncio.sleep(0)
            seen.append(nonce)

    async def main() -> list[int]:
        nonces, seen = NonceManager(fetch), []
        await asyncio.gather(*(writer(nonces, seen) for _ in range(20)))
        return seen

    assert asyncio.run(main()) == list(range(7, 27))
    assert fetched == [HARDHAT_0]


def test_nonce_manager_resyncs_from_chain_after_a_failed_send():
    chain_nonce = [0]

    async def fetch(address: str) -> int:
        return chain_nonce[0]

    async def main() -> list[int]:
        nonces, got = NonceManager(fetch), []
        async with nonces.next(HARDHAT_0) as n:
            got.append(n)
        chain_nonce[0] = 5  # someone else sent from this account meanwhile
        with pytest.raises(RuntimeError):
            async with nonces.next(HARDHAT_0) as n:
                got.append(n)
                raise RuntimeError("broadcast failed")
        async with nonces.next(HARDHAT_0.lower()) as n:
            got.append(n)
        return got

    assert asyncio.run(main()) == [0, 1, 5]
