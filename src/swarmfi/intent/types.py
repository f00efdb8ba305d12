"""Pydantic types of the canonical intent (../shared/intents/SCHEMA.md).

One model per action, tagged by its `action` literal; amounts are one of `Value`,
`Usd` or `Fraction` (optionally `of_step`); numbers are `Decimal` inside and
normalised decimal strings outside. `to_canonical` gives exactly SCHEMA.md's JSON;
`from_canonical` validates a dict and raises `CanonicalError` saying what is wrong.

Problems that are the user's (a zero amount, a swap of a token into itself, a bad
address checksum) are raised as the custom error type ``intent_invalid`` so that
`CanonicalError.refusal` can hand back the matching refusal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from swarmfi.errors import UserInputError
from swarmfi.intent import canon

INVALID = "intent_invalid"  # pydantic error type for problems that are the user's


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError(INVALID, message)


def _decimal(value: object) -> Decimal:
    try:
        return canon.read_decimal(value)
    except ValueError as exc:
        if isinstance(value, str) and value.strip().startswith("-"):
            raise _invalid("an amount must be more than zero") from exc
        raise


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise _invalid("an amount must be more than zero")
    return value


def _share(value: Decimal) -> Decimal:
    if not 0 < value <= 1:
        raise _invalid(f"a share must be more than 0 and at most 1 (100%), not {value}")
    return value


def _under_one(value: Decimal) -> Decimal:
    if value >= 1:
        raise _invalid(f"slippage must be below 1 (100%), not {value}")
    return value


def _symbol(value: object) -> str:
    return canon.norm_symbol(value)


def _recipient(value: object) -> str:
    problem = canon.recipient_problem(value)
    if problem:
        raise _invalid(problem)
    assert isinstance(value, str)
    return value


_DEC_SCHEMA = {"type": "string", "pattern": canon.DECIMAL_PATTERN}
_DecBase = Annotated[
    Decimal,
    BeforeValidator(_decimal),
    PlainSerializer(canon.fmt_decimal, return_type=str),
    WithJsonSchema(_DEC_SCHEMA),
]
Dec = _DecBase  # any non-negative decimal
PositiveDec = Annotated[_DecBase, AfterValidator(_positive)]
Share = Annotated[_DecBase, AfterValidator(_share)]
Slippage = Annotated[_DecBase, AfterValidator(_under_one)]
Symbol = Annotated[
    str,
    BeforeValidator(_symbol),
    WithJsonSchema({"type": "string", "pattern": canon.SYMBOL_PATTERN}),
]
Recipient = Annotated[
    str,
    BeforeValidator(_recipient),
    WithJsonSchema({"type": "string", "pattern": canon.NAME_PATTERN}),
]

_FROZEN = ConfigDict(extra="forbid", frozen=True, strict=False)


class _Model(BaseModel):
    model_config = _FROZEN


# ---- amounts ----------------------------------------------------------------


class Value(_Model):
    """That many units of the step's token."""

    value: PositiveDec


class Usd(_Model):
    """That much in US dollars of the step's token."""

    usd: PositiveDec


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # absent, never null, in canonical JSON


class Fraction(_Model):
    """A share of what the user holds, or of what step `of_step` produced."""

    fraction: Share
    of_step: Annotated[int, Field(ge=0, strict=True)] | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_no_default
    )


def _amount_tag(value: Any) -> str | None:
    keys = set(value) if isinstance(value, dict) else set()
    if isinstance(value, BaseModel):
        keys = set(type(value).model_fields)
    for tag in ("value", "usd", "fraction"):
        if tag in keys:
            return tag
    return None


Amount = Annotated[
    Annotated[Value, Tag("value")]
    | Annotated[Usd, Tag("usd")]
    | Annotated[Fraction, Tag("fraction")],
    Discriminator(
        _amount_tag,
        custom_error_type="amount_shape",
        custom_error_message='an amount is {"value": ..}, {"usd": ..} or {"fraction": ..}',
    ),
]


# ---- condition and schedule -------------------------------------------------


class Condition(_Model):
    """Must hold before the step runs (price in USD, APYs as fractions)."""

    metric: Literal["price", "supply_apy", "borrow_apy", "health_factor"]
    token: Symbol | None
    op: Literal["<", "<=", ">", ">="]
    value: Dec

    @model_validator(mode="after")
    def _check(self) -> Condition:
        if self.metric == "health_factor" and self.token is not None:
            raise ValueError("a health_factor condition has token null")
        if self.metric != "health_factor" and self.token is None:
            raise _invalid(f"a {self.metric} condition needs a token: say which token")
        return self


class Schedule(_Model):
    """Repeat the whole instruction every `every_seconds`, `times` times (None: no end)."""

    every_seconds: Annotated[int, Field(gt=0, strict=True)]
    times: Annotated[int, Field(ge=1, le=canon.MAX_SCHEDULE_TIMES, strict=True)] | None


# ---- steps ------------------------------------------------------------------


class _Step(_Model):
    when: Condition | None


class Swap(_Step):
    """Exchange `token_in` for `token_out`; `side` says which one `amount` measures."""

    action: Literal["swap"]
    token_in: Symbol
    token_out: Symbol
    amount: Amount
    side: Literal["in", "out"]
    slippage: Slippage | None

    @model_validator(mode="after")
    def _distinct(self) -> Swap:
        if self.token_in == self.token_out:
            raise _invalid(f"a swap of {self.token_in} into itself does nothing: name two tokens")
        return self


class Transfer(_Step):
    """Send `amount` of `token` to `to` (0x address or address-book name)."""

    action: Literal["transfer"]
    token: Symbol
    amount: Amount
    to: Recipient


class Wrap(_Step):
    """Turn ETH into WETH."""

    action: Literal["wrap"]
    amount: Amount


class Unwrap(_Step):
    """Turn WETH into ETH."""

    action: Literal["unwrap"]
    amount: Amount


class Supply(_Step):
    """Deposit into the lending market."""

    action: Literal["supply"]
    token: Symbol
    amount: Amount


class Withdraw(_Step):
    """Take back from the lending market (fractions are of the supplied position)."""

    action: Literal["withdraw"]
    token: Symbol
    amount: Amount


class Borrow(_Step):
    """Borrow from the lending market (fractions are of the borrowing capacity)."""

    action: Literal["borrow"]
    token: Symbol
    amount: Amount


class Repay(_Step):
    """Repay debt (fractions are of the debt)."""

    action: Literal["repay"]
    token: Symbol
    amount: Amount


class _PairStep(_Step):
    token_a: Symbol
    token_b: Symbol
    amount: Amount

    @model_validator(mode="after")
    def _distinct(self) -> _PairStep:
        if self.token_a == self.token_b:
            raise _invalid(f"a pool needs two different tokens, not {self.token_a} twice")
        return self


class AddLiquidity(_PairStep):
    """Add `amount` of `token_a` (and `token_b` at the pool ratio) to their pool."""

    action: Literal["add_liquidity"]


class RemoveLiquidity(_PairStep):
    """Remove a fraction of the LP position in the `token_a`/`token_b` pool."""

    action: Literal["remove_liquidity"]


class Launch(_Step):
    """Launch a community token on the bonding-curve launchpad."""

    action: Literal["launch"]
    name: Annotated[str, Field(min_length=1, max_length=64)]
    symbol: Symbol
    supply: PositiveDec | None
    community_share: Share | None
    fdv_usd: PositiveDec | None


class Vote(_Step):
    """Vote on a governance proposal."""

    action: Literal["vote"]
    proposal: Annotated[int, Field(ge=0, strict=True)]
    support: Literal["for", "against", "abstain"]


class Query(_Step):
    """Read-only: prices, balances, rates, lending position, proposals, pools."""

    action: Literal["query"]
    query: Literal["price", "balance", "rates", "position", "proposals", "pools"]
    token: Symbol | None


Step = Annotated[
    Swap
    | Transfer
    | Wrap
    | Unwrap
    | Supply
    | Withdraw
    | Borrow
    | Repay
    | AddLiquidity
    | RemoveLiquidity
    | Launch
    | Vote
    | Query,
    Field(discriminator="action"),
]


# ---- the whole output -------------------------------------------------------


class Intent(_Model):
    """A parsed instruction: steps in order, and an optional repeat schedule."""

    steps: Annotated[list[Step], Field(min_length=1, max_length=canon.MAX_STEPS)]
    schedule: Schedule | None

    @model_validator(mode="after")
    def _references(self) -> Intent:
        for index, step in enumerate(self.steps):
            of_step = _of_step(step)
            if of_step is not None and of_step >= index:
                raise ValueError(
                    f"step {index} uses of_step {of_step}: it must name an earlier step"
                )
        return self


def _of_step(step: BaseModel) -> int | None:
    amount = getattr(step, "amount", None)
    return amount.of_step if isinstance(amount, Fraction) else None


class Refusal(_Model):
    """The parser refused: `kind` is ambiguous, unsupported or invalid; `message` says why."""

    kind: Literal["ambiguous", "unsupported", "invalid"]
    message: str


class RefusalOutput(_Model):
    """The canonical form of a refusal: {"error": {"kind": .., "message": ..}}."""

    error: Refusal


def _output_tag(value: Any) -> str:
    has_error = isinstance(value, RefusalOutput) or (isinstance(value, dict) and "error" in value)
    return "refusal" if has_error else "intent"


Canonical = Annotated[
    Annotated[Intent, Tag("intent")] | Annotated[RefusalOutput, Tag("refusal")],
    Discriminator(_output_tag),
]
_ADAPTER: TypeAdapter[Intent | RefusalOutput] = TypeAdapter(Canonical)


# ---- conversions ------------------------------------------------------------


class CanonicalError(UserInputError):
    """A dict is not canonical intent JSON; `problems` lists each as "where: what".

    `refusal` is set when every problem is the user's (zero amount, swap of a token
    into itself, bad checksum): a parser should return it instead of failing.
    """

    def __init__(self, problems: list[str], refusal: Refusal | None) -> None:
        super().__init__(
            "not a canonical intent: " + "; ".join(problems),
            "fix the fields named above to match SCHEMA.md (docs/intent.schema.json)",
        )
        self.problems = problems
        self.refusal = refusal


def _where(loc: tuple[int | str, ...]) -> str:
    """Error location without the union tags pydantic inserts."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("intent", "refusal"):
        parts = parts[1:]
    kept = [p for i, p in enumerate(parts) if not (i and parts[i - 1] == "amount")]
    return ".".join(kept) or "(top)"


def _problems(exc: ValidationError) -> tuple[list[str], bool]:
    problems, users = [], True
    for err in exc.errors(include_url=False):
        message = err["msg"].removeprefix("Value error, ")
        problems.append(f"{_where(err['loc'])}: {message}")
        users = users and err["type"] == INVALID
    return problems, users


def from_canonical(data: object) -> Intent | Refusal:
    """Validate canonical intent JSON (already decoded) into `Intent` or `Refusal`.

    Raises CanonicalError naming every problem; see its `refusal` attribute.
    """
    try:
        parsed = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        problems, users = _problems(exc)
        refusal = Refusal(kind="invalid", message=problems[0].split(": ", 1)[-1]) if users else None
        raise CanonicalError(problems, refusal) from None
    return parsed.error if isinstance(parsed, RefusalOutput) else parsed


def to_canonical(item: Intent | Refusal | BaseModel) -> dict[str, Any]:
    """The exact canonical JSON object (SCHEMA.md) for an intent, a refusal or one part."""
    if isinstance(item, Refusal):
        return {"error": item.model_dump(mode="json")}
    return item.model_dump(mode="json", exclude_none=False, exclude=_none_of_steps(item))


def _none_of_steps(item: BaseModel) -> Any:
    """Exclude spec dropping `of_step` wherever it is None (SCHEMA.md leaves it out)."""
    if isinstance(item, Fraction):
        return {"of_step"} if item.of_step is None else None
    if isinstance(item, Intent):
        drops = {i: {"amount": {"of_step"}} for i, s in enumerate(item.steps) if _drop(s)}
        return {"steps": drops} if drops else None
    return {"amount": {"of_step"}} if _drop(item) else None


def _drop(step: BaseModel) -> bool:
    amount = getattr(step, "amount", None)
    return isinstance(amount, Fraction) and amount.of_step is None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of canonical intent JSON (what docs/intent.schema.json holds)."""
    schema = _ADAPTER.json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "swarmfi canonical intent",
        "description": "Output of `swarmfi parse --json`: a parsed instruction or a refusal.",
        **schema,
    }
