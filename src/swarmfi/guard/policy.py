"""The user's policy: limits every plan must stay inside, checked on its simulated result.

The policy lives in a TOML file (`paths.policy_path()`, ~/.swarmfi/policy.toml);
a missing file means the safe defaults below, and `swarmfi policy init` writes
them out with comments. A file that is not valid TOML, or holds an unknown key
or a bad value, is a StateError naming the file, the key and the fix: the guard
never runs on a policy it could not read.

The checks themselves are in swarmfi.guard.rules. `Allowlists` resolves the
token and contract allowlists against a chain's registry: by default, ETH,
every registry token, every registry contract and the tokens' own contracts.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from swarmfi import paths
from swarmfi.chain.base import CONTRACT_KEYS, NATIVE
from swarmfi.errors import StateError, UserInputError

if TYPE_CHECKING:
    from swarmfi.chain.base import Registry

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_SYMBOL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}")


def checksum_address(text: str) -> str:
    """`text` as an EIP-55 address; a mixed-case address must already carry a valid checksum."""
    if not isinstance(text, str) or not _ADDRESS.fullmatch(text):
        raise ValueError(f"{text!r} is not an address (0x and 40 hex digits)")
    from eth_utils import to_checksum_address

    good = str(to_checksum_address(text))
    body = text[2:]
    if body not in (body.lower(), body.upper()) and text != good:
        raise ValueError(
            f"{text} fails its EIP-55 checksum, so a character is probably wrong; "
            "copy the address again from a source you trust"
        )
    return good


def _token_entry(entry: str) -> str:
    if _ADDRESS.fullmatch(entry):
        return checksum_address(entry)
    if not _SYMBOL.fullmatch(entry):
        raise ValueError(f"{entry!r} is neither a token symbol (like USDC) nor an address")
    return entry.upper()


def _contract_entry(entry: str) -> str:
    if _ADDRESS.fullmatch(entry):
        return checksum_address(entry)
    if entry not in CONTRACT_KEYS:
        raise ValueError(f"{entry!r} is neither an address nor one of {', '.join(CONTRACT_KEYS)}")
    return entry


Address = Annotated[str, AfterValidator(checksum_address)]


class AutoApprove(BaseModel):
    """`[auto_approve]`: plans a caller other than the user (MCP, HTTP, agents) may run
    without a person approving each one; every limit must hold, and the rest of the
    policy still applies (swarmfi.server.approvals.fits_auto_approve)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_tx_usd: Decimal = Field(default=Decimal(0), ge=0, allow_inf_nan=False)
    max_day_usd: Decimal = Field(default=Decimal(0), ge=0, allow_inf_nan=False)
    actions: tuple[str, ...] = ()
    address_book_only: bool = True


class Policy(BaseModel):
    """The limits a plan must respect; field names are the keys of the TOML file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_tx_usd: Decimal = Field(default=Decimal(10_000), gt=0, allow_inf_nan=False)
    max_day_usd: Decimal = Field(default=Decimal(25_000), gt=0, allow_inf_nan=False)
    max_slippage_pct: Decimal = Field(default=Decimal(1), ge=0, le=100, allow_inf_nan=False)
    slippage_ceiling_pct: Decimal = Field(default=Decimal(5), ge=0, le=100, allow_inf_nan=False)
    max_price_impact_pct: Decimal = Field(default=Decimal(3), ge=0, le=100, allow_inf_nan=False)
    min_health_factor: Decimal = Field(default=Decimal("1.5"), gt=1, allow_inf_nan=False)
    allowed_tokens: tuple[str, ...] | None = None  # None: the chain registry's tokens and ETH
    extra_tokens: tuple[str, ...] = ()
    allowed_contracts: tuple[str, ...] | None = None  # None: the chain registry's contracts
    extra_contracts: tuple[str, ...] = ()
    address_book: dict[str, Address] = Field(default_factory=dict)
    auto_approve: AutoApprove | None = None  # None: every remote plan needs a person

    _path: Path | None = PrivateAttr(default=None)
    _loaded: bool = PrivateAttr(default=False)

    @field_validator("allowed_tokens", "extra_tokens")
    @classmethod
    def _tokens(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(_token_entry(v) for v in value)

    @field_validator("allowed_contracts", "extra_contracts")
    @classmethod
    def _contracts(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(_contract_entry(v) for v in value)

    @field_validator("address_book")
    @classmethod
    def _book(cls, book: dict[str, str]) -> dict[str, str]:
        seen: set[str] = set()
        for name in book:
            if not name.strip() or _ADDRESS.fullmatch(name) or name.lower() in seen:
                raise ValueError(f"{name!r} must be a name, not blank, an address or a repeat")
            seen.add(name.lower())
        return book

    @model_validator(mode="after")
    def _slippage_under_ceiling(self) -> Policy:
        if self.max_slippage_pct > self.slippage_ceiling_pct:
            raise ValueError(
                f"max_slippage_pct ({self.max_slippage_pct}) is above "
                f"slippage_ceiling_pct ({self.slippage_ceiling_pct})"
            )
        return self

    @property
    def path(self) -> Path:
        """The policy file this policy came from, or would come from."""
        return self._path if self._path is not None else paths.policy_path()

    @property
    def source(self) -> Path | None:
        """The file it was read from; None for the built-in defaults."""
        return self._path if self._loaded else None

    def lookup(self, name: str) -> str | None:
        """The address-book address for `name` (case-insensitive), or None."""
        wanted = name.strip().lower()
        return next((a for n, a in self.address_book.items() if n.lower() == wanted), None)

    def allowlists(self, registry: Registry) -> Allowlists:
        """The token and contract allowlists in force on the chain of `registry`."""
        return Allowlists.build(self, registry)

    def to_json(self) -> dict[str, Any]:
        """The effective policy and where it came from (`swarmfi policy show --json`)."""
        return {
            "path": str(self.path),
            "source": str(self.source) if self.source else None,
            "policy": self.model_dump(mode="json"),
        }

    def edit_hint(self, key: str, action: str) -> str:
        """'raise max_tx_usd in ~/.swarmfi/policy.toml if you mean it', with the real path."""
        init = "" if self._loaded else " (`swarmfi policy init` writes the file)"
        return f"{action} {key} in {self.path}{init} if you mean it"


@dataclass(frozen=True)
class Allowlists:
    """Tokens (upper-case symbols and lower-case addresses) and contracts (lower-case)."""

    tokens: frozenset[str]
    contracts: frozenset[str]
    kind: Literal["allowlists"] = "allowlists"

    @classmethod
    def build(cls, policy: Policy, registry: Registry) -> Allowlists:
        listed = policy.allowed_tokens
        names = [NATIVE, *registry.tokens] if listed is None else list(listed)
        token_set = _token_forms([*names, *policy.extra_tokens], registry)
        keys = list(registry.contracts) if policy.allowed_contracts is None else []
        entries = [*keys, *(policy.allowed_contracts or ()), *policy.extra_contracts]
        contracts = {registry.contracts.get(e, e).lower() for e in entries}
        contracts |= {t for t in token_set if t.startswith("0x")}  # allowed tokens are callable
        return cls(frozenset(token_set), frozenset(contracts))

    def allows_token(self, token: str) -> bool:
        return _norm_token(token) in self.tokens

    def allows_contract(self, address: str) -> bool:
        return address.lower() in self.contracts


def _norm_token(token: str) -> str:
    return token.lower() if token.startswith("0x") else token.upper()


def _token_forms(entries: Iterable[str], registry: Registry) -> set[str]:
    """Every entry in both forms the registry knows: its symbol and its address."""
    symbol_of = {t.address.lower(): s for s, t in registry.tokens.items()}
    forms: set[str] = set()
    for entry in map(_norm_token, entries):
        token = registry.tokens.get(entry)
        forms |= {entry, token.address.lower()} if token else {entry}
        forms |= {symbol_of[entry]} if entry in symbol_of else set()
    return forms


# -- loading ---------------------------------------------------------------------------

_FIXES = {
    "max_tx_usd": "write a positive number of US dollars, e.g. max_tx_usd = 10000",
    "max_day_usd": "write a positive number of US dollars, e.g. max_day_usd = 25000",
    "max_slippage_pct": "write a percentage no higher than slippage_ceiling_pct, e.g. 1",
    "slippage_ceiling_pct": "write a percentage from 0 to 100, e.g. slippage_ceiling_pct = 5",
    "max_price_impact_pct": "write a percentage from 0 to 100, e.g. max_price_impact_pct = 3",
    "min_health_factor": "write a number above 1, e.g. min_health_factor = 1.5",
    "allowed_tokens": 'write a list of symbols or addresses, e.g. allowed_tokens = ["ETH", "USDC"]',
    "extra_tokens": 'write a list of symbols or addresses, e.g. extra_tokens = ["PEPE"]',
    "allowed_contracts": 'write a list of addresses or registry names, e.g. ["router", "0x…"]',
    "extra_contracts": 'write a list of addresses, e.g. extra_contracts = ["0x…"]',
    "address_book": 'write one name = "0x…" line per address, under the address_book table',
    "auto_approve": 'e.g. [auto_approve] max_tx_usd = 50, max_day_usd = 200, actions = ["swap"]',
}


def load_policy(path: Path | str | None = None) -> Policy:
    """The policy in `path` (default `paths.policy_path()`); the defaults if it is missing."""
    file = Path(path).expanduser() if path is not None else paths.policy_path()
    if not file.exists():
        return _located(Policy(), file, loaded=False)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StateError(f"cannot read the policy file {file}: {exc}", _delete_hint()) from exc
    return parse_policy(text, file)


def parse_policy(text: str, file: Path) -> Policy:
    """Parse the TOML `text` of the policy file `file` (named in errors)."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise StateError(
            f"the policy file {file} is not valid TOML: {exc}", _delete_hint()
        ) from exc
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise _bad_value(exc, file) from exc
    return _located(policy, file, loaded=True)


def _located(policy: Policy, file: Path, *, loaded: bool) -> Policy:
    policy._path, policy._loaded = file, loaded
    return policy


def _delete_hint() -> str:
    return "fix the line shown, or delete the file to use the safe defaults"


def _bad_value(exc: ValidationError, file: Path) -> StateError:
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"]]
    key = loc[0] if loc else "max_slippage_pct"
    more = f" ({exc.error_count() - 1} more problems after it)" if exc.error_count() > 1 else ""
    if error["type"] == "extra_forbidden":
        close = difflib.get_close_matches(key, Policy.model_fields, n=1)
        hint = f"did you mean {close[0]}?" if close else "remove it"
        known = ", ".join(Policy.model_fields)
        return StateError(f"the policy file {file} has an unknown key {key!r}{more}",
                          f"{hint} (known keys: {known})")  # fmt: skip
    where = ".".join(loc) or key
    shown = f" = {error['input']!r}" if loc else ""
    message = str(error["msg"]).removeprefix("Value error, ")
    return StateError(f"the policy file {file}: {where}{shown} is not allowed: {message}{more}",
                      _FIXES.get(key, _delete_hint()))  # fmt: skip


# -- the file `swarmfi policy init` writes ---------------------------------------------

DEFAULT_TOML = """\
# swarmfi policy. Every plan is simulated first; then each step is checked
# against these limits before anything is signed. A step that breaks a rule is
# blocked, naming the rule and the numbers. Delete this file to get these
# defaults back. Money is in US dollars at oracle prices; percentages are in
# percent (1 = 1 %).

# Most US dollars one transaction may move out of the wallet.
max_tx_usd = 10000

# Most US dollars that may leave the wallet in any 24 hours.
max_day_usd = 25000

# Slippage a swap may allow when the instruction does not say ("with 2% slippage").
max_slippage_pct = 1

# Hard ceiling on slippage, even when the instruction asks for more.
slippage_ceiling_pct = 5

# Most a trade's price may be worse than the oracle's price.
max_price_impact_pct = 3

# Lowest health factor a borrow or withdraw may leave (at 1 you can be liquidated).
min_health_factor = 1.5

# Tokens a plan may touch. Left out: ETH and every token swarmfi knows on the chain.
# allowed_tokens = ["ETH", "WETH", "USDC"]
# Tokens to trust on top of those (symbols or 0x addresses).
extra_tokens = []

# Contracts a plan may call. Left out: every contract swarmfi knows on the chain
# (router, factory, weth, lending, oracle, governor, govtoken, launchpad); the
# allowed tokens' own contracts are always callable.
# allowed_contracts = ["router", "lending"]
extra_contracts = []

# Approvals are always for exactly what a step needs; unlimited ones are refused.

# Plans that callers other than you (MCP clients, the HTTP API, agents) may run without
# your approval of each one; without this table every such plan waits for you.
# [auto_approve]
# max_tx_usd = 50
# max_day_usd = 200
# actions = ["swap"]
# address_book_only = true

# Transfers go only to an address typed in the instruction or named here.
# Mixed-case addresses must pass their EIP-55 checksum.
[address_book]
# alice = "0x..."
"""


def write_default(path: Path | str | None = None) -> Path:
    """Write DEFAULT_TOML to `path` (default `paths.policy_path()`); never overwrite."""
    file = Path(path).expanduser() if path is not None else paths.policy_path()
    if file.exists():
        raise UserInputError(
            f"the policy file {file} already exists",
            "edit it, or move it aside and run `swarmfi policy init` again",
        )
    paths.ensure_dir(file.parent)
    with file.open("x", encoding="utf-8") as out:
        out.write(DEFAULT_TOML)
    return file
