"""The policy rules, pure: what one simulated step would do in, broken rules out.

The guard simulates a plan, describes each step as `Effects` and calls
`check(policy, effects, registry)` (or `check_plan` for all steps, which
carries the day's spending from step to step). Each `Violation` names the rule
(the policy key to edit, when there is one), the numbers, and what to do.
A bound itself is allowed: a 10,000 USD step passes a 10,000 USD cap.

    rule                   breaks when
    max_tx_usd             usd_value_out > max_tx_usd
    max_day_usd            spent_today_usd + usd_value_out > max_day_usd
    slippage_ceiling_pct   the user asked for more than the hard ceiling
    max_slippage_pct       the step's tolerance > what the user asked (else the default)
    max_price_impact_pct   execution price worse than the oracle by more than this
    min_health_factor      health factor after < minimum, and lower than before
    allowed_tokens         a token touched is not on the token allowlist
    allowed_contracts      a contract called (or approved as spender) is not allowed
                           (an AMM pool of two allowed tokens is: its LP token)
    exact_approvals        an approval for more than the step needs (unlimited included)
    transfer_recipients    tokens sent to an address the user neither typed nor named
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from swarmfi.errors import PolicyError
from swarmfi.guard.policy import Allowlists, Policy

if TYPE_CHECKING:
    from swarmfi.chain.base import Registry

UNLIMITED = 2**255  # approvals at or above this are "unlimited" (max uint256 and friends)
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


@dataclass(frozen=True)
class Approval:
    """An ERC20 approval a step grants: raw amounts, and what the step really needs."""

    token: str
    spender: str
    amount: int
    needed: int
    kind: Literal["approval"] = "approval"


@dataclass(frozen=True)
class Transfer:
    """Tokens leaving for `to`; `given_as` is how the user named the recipient.

    `given_as` is the text from the instruction: the address itself when the
    user typed it, an address-book name, or "" when the plan derived it.
    """

    token: str
    to: str
    given_as: str = ""
    kind: Literal["transfer"] = "transfer"


@dataclass(frozen=True)
class Pool:
    """An AMM pool a step calls itself (to approve its LP token): the pool's address and
    the tokens it holds, as the registry's factory reported them."""

    address: str
    tokens: tuple[str, ...]
    kind: Literal["pool"] = "pool"


@dataclass(frozen=True)
class Effects:
    """What one simulated step would do, as the policy sees it.

    USD values at oracle prices; percentages in percent (1 = 1 %);
    `price_impact_pct` > 0 means worse than the oracle; a health factor of
    None means no debt. `spent_today_usd`: what already left the wallet in the
    last 24 hours, before this step. `tokens`: symbols or addresses touched;
    `contracts`: addresses called; `pools`: those of them that are AMM pools.
    """

    label: str = ""
    sender: str = ""
    usd_value_out: Decimal = Decimal(0)
    spent_today_usd: Decimal = Decimal(0)
    tokens: tuple[str, ...] = ()
    contracts: tuple[str, ...] = ()
    approvals: tuple[Approval, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    pools: tuple[Pool, ...] = ()
    slippage_pct: Decimal | None = None
    requested_slippage_pct: Decimal | None = None
    price_impact_pct: Decimal | None = None
    health_factor_before: Decimal | None = None
    health_factor_after: Decimal | None = None
    kind: Literal["effects"] = "effects"


@dataclass(frozen=True)
class Violation:
    """A broken rule: which one, the numbers, and what to do about it."""

    rule: str
    message: str
    hint: str
    step: str = ""
    kind: Literal["violation"] = "violation"

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message, "hint": self.hint, "step": self.step}

    def to_error(self) -> PolicyError:
        where = f"{self.step}: " if self.step else ""
        return PolicyError(f"{where}{self.message}", rule=self.rule, hint=self.hint)


def check(policy: Policy, effects: Effects, registry: Registry) -> list[Violation]:
    """Every rule `effects` breaks; empty when the step is within policy."""
    allow = policy.allowlists(registry)
    found = [
        *_usd_caps(policy, effects),
        *_slippage(policy, effects),
        *_price_impact(policy, effects),
        *_health(policy, effects),
        *_tokens(policy, effects, allow),
        *_contracts(policy, effects, allow),
        *_approvals(effects),
        *_recipients(policy, effects),
    ]
    return [replace(v, step=effects.label) for v in found]


def check_plan(
    policy: Policy,
    steps: Sequence[Effects],
    registry: Registry,
    spent_today_usd: Decimal = Decimal(0),
) -> list[Violation]:
    """Check steps in order, each counting what the steps before it spend today."""
    found: list[Violation] = []
    spent = spent_today_usd
    for step in steps:
        found += check(policy, replace(step, spent_today_usd=spent), registry)
        spent += step.usd_value_out
    return found


def raise_for(violations: Sequence[Violation]) -> None:
    """Raise the first violation as a PolicyError (counting the rest); nothing if none."""
    if violations:
        error = violations[0].to_error()
        if len(violations) > 1:
            error.message += f" (and {len(violations) - 1} more policy violations)"
            error.args = (error.message,)
        raise error


def _usd(value: Decimal) -> str:
    return f"{value:,.2f} USD"


def _num(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.0001')).normalize():f}"


def _pct(value: Decimal) -> str:
    return f"{_num(value)} %"


def _usd_caps(policy: Policy, fx: Effects) -> list[Violation]:
    found = []
    if fx.usd_value_out > policy.max_tx_usd:
        found.append(
            Violation(
                "max_tx_usd",
                f"this step moves {_usd(fx.usd_value_out)}, above the per-transaction cap "
                f"max_tx_usd = {_usd(policy.max_tx_usd)}",
                "split it into smaller steps, or " + policy.edit_hint("max_tx_usd", "raise"),
            )
        )
    total = fx.spent_today_usd + fx.usd_value_out
    if total > policy.max_day_usd:
        found.append(
            Violation(
                "max_day_usd",
                f"{_usd(fx.spent_today_usd)} already spent in the last 24 h plus "
                f"{_usd(fx.usd_value_out)} now makes {_usd(total)}, above the daily cap "
                f"max_day_usd = {_usd(policy.max_day_usd)}",
                "wait until tomorrow, or " + policy.edit_hint("max_day_usd", "raise"),
            )
        )
    return found


def _slippage(policy: Policy, fx: Effects) -> list[Violation]:
    asked, used = fx.requested_slippage_pct, fx.slippage_pct
    if asked is not None and asked > policy.slippage_ceiling_pct:
        return [
            Violation(
                "slippage_ceiling_pct",
                f"you asked for {_pct(asked)} slippage, above the hard ceiling "
                f"slippage_ceiling_pct = {_pct(policy.slippage_ceiling_pct)}",
                "ask for less slippage, or " + policy.edit_hint("slippage_ceiling_pct", "raise"),
            )
        ]
    limit = asked if asked is not None else policy.max_slippage_pct
    if used is None or used <= limit:
        return []
    if asked is not None:
        why = f"you asked for {_pct(asked)}"
    else:
        why = f"max_slippage_pct = {_pct(limit)} and you did not ask for more"
    return [
        Violation(
            "max_slippage_pct",
            f"this step allows {_pct(used)} slippage, but {why}",
            "say the slippage you accept in the instruction (e.g. 'with 2% slippage'), or "
            + policy.edit_hint("max_slippage_pct", "raise"),
        )
    ]


def _price_impact(policy: Policy, fx: Effects) -> list[Violation]:
    impact = fx.price_impact_pct
    if impact is None or impact <= policy.max_price_impact_pct:
        return []
    return [
        Violation(
            "max_price_impact_pct",
            f"the price is {_pct(impact)} worse than the oracle's, above "
            f"max_price_impact_pct = {_pct(policy.max_price_impact_pct)}",
            "trade a smaller amount (the pool is too shallow for this size), or "
            + policy.edit_hint("max_price_impact_pct", "raise"),
        )
    ]


def _health(policy: Policy, fx: Effects) -> list[Violation]:
    after, before = fx.health_factor_after, fx.health_factor_before
    if after is None or after >= policy.min_health_factor:
        return []
    if before is not None and after >= before:
        return []  # repaying or supplying never makes a weak position worse
    was = f" (it is {_num(before)} now)" if before is not None else ""
    return [
        Violation(
            "min_health_factor",
            f"the health factor after this step would be {_num(after)}{was}, below "
            f"min_health_factor = {_num(policy.min_health_factor)}",
            "borrow or withdraw less, or supply more collateral first; or "
            + policy.edit_hint("min_health_factor", "lower"),
        )
    ]


def _tokens(policy: Policy, fx: Effects, allow: Allowlists) -> list[Violation]:
    return [
        Violation(
            "allowed_tokens",
            f"{token} is not on the token allowlist",
            f"check it is the token you mean; to trust it, add it to extra_tokens in {policy.path}",
        )
        for token in dict.fromkeys(fx.tokens)
        if not allow.allows_token(token)
    ]


def _contracts(policy: Policy, fx: Effects, allow: Allowlists) -> list[Violation]:
    called = dict.fromkeys([*fx.contracts, *(a.spender for a in fx.approvals)])
    pools = {p.address.lower() for p in fx.pools if all(map(allow.allows_token, p.tokens))}
    return [
        Violation(
            "allowed_contracts",
            f"contract {address} is not on the contract allowlist",
            "swarmfi only calls contracts it knows; to trust this one, add it to "
            f"extra_contracts in {policy.path}",
        )
        for address in called
        if not allow.allows_contract(address) and address.lower() not in pools
    ]


def _approvals(fx: Effects) -> list[Violation]:
    return [
        Violation(
            "exact_approvals",
            f"the approval of {a.token} to {a.spender} is for "
            f"{'an unlimited amount' if a.amount >= UNLIMITED else a.amount} (raw units), "
            f"but the step needs {a.needed}",
            "swarmfi approves exactly what a step needs and this plan asked for more; "
            "nothing was signed: re-plan, and report it if it happens again",
        )
        for a in fx.approvals
        if a.amount > a.needed
    ]


def _recipients(policy: Policy, fx: Effects) -> list[Violation]:
    return [
        _recipient_violation(policy, t)
        for t in fx.transfers
        if not _recipient_ok(policy, fx.sender, t)
    ]


def _recipient_ok(policy: Policy, sender: str, transfer: Transfer) -> bool:
    to, given = transfer.to.lower(), transfer.given_as.strip()
    if sender and to == sender.lower():
        return True
    if _ADDRESS.fullmatch(given):
        return given.lower() == to
    booked = policy.lookup(given) if given else None
    return booked is not None and booked.lower() == to


def _recipient_violation(policy: Policy, transfer: Transfer) -> Violation:
    given = transfer.given_as.strip()
    if not given:
        how = "an address you did not give"
    elif _ADDRESS.fullmatch(given):
        how = f"not the address {given} you typed"
    elif policy.lookup(given) is None:
        how = f"for {given!r}, a name that is not in the address book"
    else:
        how = f"not the address the address book has for {given!r}"
    return Violation(
        "transfer_recipients",
        f"this step sends {transfer.token} to {transfer.to}, {how}",
        "type the full address in the instruction, or add the name to the address_book "
        f"table in {policy.path}",
    )
