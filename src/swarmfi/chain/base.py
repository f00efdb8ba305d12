"""The chain interface the rest of swarmfi uses: core types and the `Chain` protocol.

Two backends implement `Chain`: `swarmfi.chain.devnet.DevnetChain` (the embedded
pyrevm devnet) and `swarmfi.chain.rpc.RpcChain` (any JSON-RPC URL). Both are
async-first; `swarmfi.chain.sync.SyncChain` wraps either for sync callers.

Amounts are ints in the token's raw units. Addresses are EIP-55 checksum strings.
Native ether is the symbol "ETH" (it has no contract); "WETH" is the wrapped token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from swarmfi.errors import PlanError

if TYPE_CHECKING:
    from swarmfi.chain.wallet import Signer

NATIVE = "ETH"
NATIVE_ADDRESS = "0x0000000000000000000000000000000000000000"
CONTRACT_KEYS = (
    "router",
    "factory",
    "weth",
    "lending",
    "oracle",
    "governor",
    "govtoken",
    "launchpad",
)
PROPOSAL_STATES = ("pending", "active", "defeated", "succeeded")


@dataclass(frozen=True)
class Token:
    """An ERC20 token (or native ether, whose address is the zero address)."""

    symbol: str
    address: str
    decimals: int
    name: str = ""
    kind: Literal["token"] = "token"

    @property
    def is_native(self) -> bool:
        return self.address == NATIVE_ADDRESS


ETHER = Token(NATIVE, NATIVE_ADDRESS, 18, "Ether")


def _frozen(mapping: Mapping[str, object]) -> MappingProxyType:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Registry:
    """Tokens and contracts of one chain. `tokens` holds ERC20s only; "ETH" is implicit."""

    chain_id: int
    tokens: Mapping[str, Token]
    contracts: Mapping[str, str]
    name: str = ""
    kind: Literal["registry"] = "registry"

    def __post_init__(self) -> None:
        object.__setattr__(self, "tokens", _frozen(self.tokens))
        object.__setattr__(self, "contracts", _frozen(self.contracts))

    def token(self, symbol: str) -> Token:
        """The token called `symbol` (case-insensitive; "ETH" is native ether)."""
        key = symbol.upper()
        if key == NATIVE:
            return ETHER
        found = self.tokens.get(key)
        if found is None:
            known = ", ".join(self.symbols())
            raise PlanError(
                f"unknown token {symbol!r} on chain {self.chain_id}", hint=f"use one of: {known}"
            )
        return found

    def contract(self, key: str) -> str:
        """The address of contract `key` ("router", "lending", …)."""
        address = self.contracts.get(key)
        if address is None:
            raise PlanError(
                f"chain {self.chain_id} has no {key} contract in swarmfi's registry",
                hint="use the devnet, or a chain whose registry lists it",
            )
        return address

    def symbols(self) -> list[str]:
        """ "ETH" then every ERC20 symbol, in registry order."""
        return [NATIVE, *self.tokens]

    def price_feed(self, symbol: str) -> str | None:
        """The Chainlink-style USD feed listed for `symbol` ("feed:ETH"; WETH reads ETH's)."""
        key = symbol.upper()
        found = self.contracts.get(f"feed:{key}")
        return found if found is not None or key != "WETH" else self.contracts.get("feed:ETH")

    def has_price(self, symbol: str) -> bool:
        """Whether swarmfi can value `symbol` in USD here: an oracle, or a feed for it."""
        return "oracle" in self.contracts or self.price_feed(symbol) is not None

    def by_address(self, address: str) -> Token | None:
        """The token at `address`, or None."""
        wanted = address.lower()
        if wanted == NATIVE_ADDRESS:
            return ETHER
        return next((t for t in self.tokens.values() if t.address.lower() == wanted), None)


@dataclass(frozen=True)
class TxRequest:
    """A transaction to simulate or send; `gas` None means estimate."""

    sender: str
    to: str
    data: bytes = b""
    value: int = 0
    gas: int | None = None
    label: str = ""
    kind: Literal["tx"] = "tx"


@dataclass(frozen=True)
class Log:
    address: str
    topics: tuple[bytes, ...]
    data: bytes
    kind: Literal["log"] = "log"


@dataclass(frozen=True)
class TxOutcome:
    """What one simulated transaction did."""

    success: bool
    output: bytes
    gas_used: int
    logs: tuple[Log, ...] = ()
    revert_reason: str | None = None
    label: str = ""
    kind: Literal["outcome"] = "outcome"


@dataclass(frozen=True)
class LendingPosition:
    """A user's lending position; usd in dollars, health factor None when there is no debt."""

    supplied: Mapping[str, int]
    borrowed: Mapping[str, int]
    collateral_usd: Decimal
    debt_usd: Decimal
    available_borrow_usd: Decimal
    health_factor: Decimal | None
    kind: Literal["position"] = "position"

    def __post_init__(self) -> None:
        object.__setattr__(self, "supplied", _frozen(self.supplied))
        object.__setattr__(self, "borrowed", _frozen(self.borrowed))


EMPTY_POSITION = LendingPosition({}, {}, Decimal(0), Decimal(0), Decimal(0), None)


@dataclass(frozen=True)
class Simulation:
    """A plan run on a snapshot. Simulation stops at the first failing transaction, so
    `outcomes` may be shorter than the plan; `ok` says whether every one succeeded.
    `balance_deltas` are the raw changes (symbol -> int, non-zero only) of the first
    transaction's sender over the whole plan, gas not counted."""

    sender: str
    outcomes: tuple[TxOutcome, ...]
    balance_deltas: Mapping[str, int]
    position_before: LendingPosition
    position_after: LendingPosition
    planned: int = 0
    kind: Literal["simulation"] = "simulation"

    def __post_init__(self) -> None:
        object.__setattr__(self, "balance_deltas", _frozen(self.balance_deltas))

    @property
    def ok(self) -> bool:
        return len(self.outcomes) == self.planned and all(o.success for o in self.outcomes)

    @property
    def gas_used(self) -> int:
        return sum(o.gas_used for o in self.outcomes)

    @property
    def failure(self) -> TxOutcome | None:
        return next((o for o in self.outcomes if not o.success), None)


@dataclass(frozen=True)
class Receipt:
    tx_hash: str
    success: bool
    gas_used: int
    block_number: int
    logs: tuple[Log, ...] = ()
    revert_reason: str | None = None
    kind: Literal["receipt"] = "receipt"


@dataclass(frozen=True)
class Proposal:
    """A governance proposal; `state` is one of PROPOSAL_STATES."""

    id: int
    proposer: str
    description: str
    start: int
    end: int
    votes_for: int
    votes_against: int
    votes_abstain: int
    state: str
    kind: Literal["proposal"] = "proposal"


@runtime_checkable
class Chain(Protocol):
    """Everything swarmfi needs from a chain. Async-first; see swarmfi.chain.sync."""

    registry: Registry

    async def balance(self, owner: str, symbol: str) -> int: ...
    async def balances(self, owner: str) -> dict[str, int]: ...
    async def price_usd(self, symbol: str) -> Decimal: ...
    async def reserves(self, a_symbol: str, b_symbol: str) -> tuple[int, int] | None: ...
    async def position(self, owner: str) -> LendingPosition: ...
    async def rates(self, symbol: str) -> tuple[Decimal, Decimal]: ...
    async def allowance(self, owner: str, symbol: str, spender: str) -> int: ...
    async def proposals(self) -> list[Proposal]: ...
    async def call(self, tx: TxRequest) -> bytes: ...
    async def simulate(self, txs: list[TxRequest]) -> Simulation: ...
    async def send(self, tx: TxRequest, signer: Signer) -> Receipt: ...
    async def timestamp(self) -> int: ...
    async def block_number(self) -> int: ...
    async def close(self) -> None: ...


__all__ = [
    "CONTRACT_KEYS",
    "EMPTY_POSITION",
    "ETHER",
    "NATIVE",
    "NATIVE_ADDRESS",
    "PROPOSAL_STATES",
    "Chain",
    "LendingPosition",
    "Log",
    "Proposal",
    "Receipt",
    "Registry",
    "Simulation",
    "Token",
    "TxOutcome",
    "TxRequest",
]
