"""Per-chain token and contract registries."""

from __future__ import annotations

import pytest
from eth_utils import is_checksum_address

from swarmfi.chain import registry
from swarmfi.chain.base import NATIVE_ADDRESS, Registry, Token
from swarmfi.errors import PlanError, UserInputError

SYMBOLS = ["USDC", "USDT", "DAI", "WBTC", "LINK", "UNI", "AAVE", "WETH"]


def test_mainnet_lists_the_well_known_tokens_with_decimals():
    mainnet = registry.lookup(1)
    assert list(mainnet.tokens) == SYMBOLS
    assert mainnet.token("usdc").decimals == 6
    assert mainnet.token("USDT").decimals == 6
    assert mainnet.token("WBTC").decimals == 8
    assert mainnet.token("DAI").decimals == 18
    assert mainnet.token("USDC").address == "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
    assert mainnet.contract("router") == "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"
    assert mainnet.contract("factory") == "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"
    assert mainnet.contract("weth") == mainnet.token("WETH").address


def test_mainnet_addresses_are_eip55_checksummed_and_distinct():
    mainnet = registry.lookup(1)
    addresses = [t.address for t in mainnet.tokens.values()]
    addresses += [a for k, a in mainnet.contracts.items() if k != "weth"]
    assert all(is_checksum_address(a) for a in addresses)
    assert len(set(addresses)) == len(addresses)


def test_eth_is_native_and_by_address_finds_tokens():
    mainnet = registry.lookup(1)
    assert mainnet.token("ETH").address == NATIVE_ADDRESS
    assert mainnet.token("eth").is_native
    assert mainnet.symbols()[0] == "ETH"
    assert mainnet.by_address("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2").symbol == "WETH"
    assert mainnet.by_address("0x" + "12" * 20) is None


def test_unknown_token_and_contract_are_plan_errors_naming_what_exists():
    mainnet = registry.lookup(1)
    with pytest.raises(PlanError, match="DOGE") as info:
        mainnet.token("DOGE")
    assert "USDC" in info.value.one_line()
    with pytest.raises(PlanError, match="lending"):
        mainnet.contract("lending")


def test_unknown_chain_is_user_error():
    with pytest.raises(UserInputError, match="chain id 424242"):
        registry.lookup(424242)


def test_register_and_dict_round_trip():
    mine = Registry(
        777,
        {"AAA": Token("AAA", "0x" + "ab" * 20, 6, "Triple A")},
        {"router": "0x" + "cd" * 20},
        name="test chain",
    )
    registry.register(mine)
    assert registry.lookup(777) is mine
    assert registry.from_dict(registry.to_dict(mine)) == mine


def test_registry_is_immutable():
    mainnet = registry.lookup(1)
    with pytest.raises(TypeError):
        mainnet.tokens["FAKE"] = Token("FAKE", "0x" + "00" * 20, 18)  # type: ignore[index]
