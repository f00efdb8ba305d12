"""Hardhat artifacts (ABI, bytecode, library link references) from the npm packages.

Where they are: $SWARMFI_REPLICA_ARTIFACTS (a node_modules directory), else the repository's
tests/replica/node_modules (filled by `make replica`). Nothing here needs node at run time.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_utils import keccak

from swarmfi.chain.compile import Compiled
from swarmfi.errors import UserInputError

ENV = "SWARMFI_REPLICA_ARTIFACTS"
# The periphery's PoolAddress.POOL_INIT_CODE_HASH: what SwapRouter02 and QuoterV2 expect
POOL_INIT_CODE_HASH = "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54"

_PERIPHERY_13 = "@uniswap/swap-router-contracts/node_modules/@uniswap/v3-periphery"
PATHS = {
    "UniswapV3Factory": "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol",
    "UniswapV3Pool": "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol",
    "NonfungiblePositionManager": "@uniswap/v3-periphery/artifacts/contracts/"
    "NonfungiblePositionManager.sol",
    "SwapRouter02": "@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol",
    "QuoterV2": f"{_PERIPHERY_13}/artifacts/contracts/lens/QuoterV2.sol",
    "WETH9": "@aave/core-v3/artifacts/contracts/dependencies/weth/WETH9.sol",
    "SequencerOracle": "@aave/core-v3/artifacts/contracts/mocks/oracle/SequencerOracle.sol",
}
_AAVE = "@aave/core-v3/artifacts/contracts/"
for _name, _where in {
    "PoolAddressesProvider": "protocol/configuration",
    "ACLManager": "protocol/configuration",
    "Pool": "protocol/pool",
    "PoolConfigurator": "protocol/pool",
    "DefaultReserveInterestRateStrategy": "protocol/pool",
    "AaveOracle": "misc",
    "AaveProtocolDataProvider": "misc",
    "AToken": "protocol/tokenization",
    "VariableDebtToken": "protocol/tokenization",
    "StableDebtToken": "protocol/tokenization",
    **{lib: "protocol/libraries/logic" for lib in (
        "BorrowLogic", "BridgeLogic", "EModeLogic", "FlashLoanLogic", "LiquidationLogic",
        "PoolLogic", "SupplyLogic", "ConfiguratorLogic")},
}.items():  # fmt: skip
    PATHS[_name] = f"{_AAVE}{_where}/{_name}.sol"


@dataclass(frozen=True)
class Artifact:
    """One contract's artifact: ABI, creation bytecode (hex, maybe with link placeholders)
    and the libraries it must be linked to ({library name: [byte offsets]})."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    links: dict[str, list[int]]
    kind: str = "artifact"

    def linked(self, libraries: dict[str, str]) -> Compiled:
        """The deployable contract with each library's address written in its placeholders."""
        code = _patch(self.bytecode.removeprefix("0x"), self.links, libraries)
        return Compiled(self.name, self.abi, code)


def _patch(hex_code: str, links: dict[str, list[int]], libraries: dict[str, str]) -> bytes:
    chars = list(hex_code)
    for library, offsets in links.items():
        address = libraries.get(library)
        if address is None:
            raise UserInputError(f"library {library} was not deployed before its user")
        for offset in offsets:
            chars[2 * offset : 2 * offset + 40] = address.lower().removeprefix("0x")
    return bytes.fromhex("".join(chars))


def root() -> Path:
    """The node_modules directory holding the artifacts; UserInputError if it is missing."""
    configured = os.environ.get(ENV)
    default = Path(__file__).parents[4] / "tests/replica/node_modules"
    where = Path(configured) if configured else default
    if not (where / "@uniswap/v3-core").is_dir() or not (where / "@aave/core-v3").is_dir():
        raise UserInputError(
            f"the Uniswap V3 / Aave V3 artifacts are not in {where}",
            hint="run `make replica` (npm ci in tests/replica) in a swarmfi checkout, or point "
            f"{ENV} at a node_modules directory holding them",
        )
    return where


@cache
def load(name: str) -> Artifact:
    """The artifact of contract `name` (a key of PATHS)."""
    path = root() / PATHS[name] / f"{name}.json"
    data = json.loads(path.read_text())
    links = {lib: [int(o["start"]) for o in spots]
             for per_file in data.get("linkReferences", {}).values()
             for lib, spots in per_file.items()}  # fmt: skip
    return Artifact(name, data["abi"], data["bytecode"], links)


def pool_init_code_hash() -> str:
    """keccak256 of the UniswapV3Pool creation code from the artifact."""
    return "0x" + keccak(bytes.fromhex(load("UniswapV3Pool").bytecode.removeprefix("0x"))).hex()
