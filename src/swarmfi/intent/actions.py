"""Builders for the money-moving actions: swap, transfer, wrap/unwrap, lending,
liquidity. Each takes a clause's items and the steps built so far and returns one
canonical step (without "when"), or raises `Refuse`.
"""

from __future__ import annotations

from decimal import Decimal

from swarmfi.intent import canon, tokens
from swarmfi.intent.grammar import NP, Item, ambiguous, invalid, unclear
from swarmfi.intent.lexer import Tok
from swarmfi.intent.refs import Role, is_place, resolve, roles

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs ~20 ms
if TYPE_CHECKING:
    from typing import Any

    Step = dict[str, Any]


def _pick(rs: list[Role], wanted: tuple[str, ...], what: str) -> Role | None:
    found = [r for r in rs if r.role in wanted and not is_place(r.np)]
    if len(found) > 1:
        raise ambiguous(f"more than one {what} is named: give one")
    return found[0] if found else None


def _used(*picked: Role | None) -> set[int]:
    return {r.index for r in picked if r is not None}


# ---- swap ---------------------------------------------------------------------

_SRC = {"swap": ("ba", "pre", "direct", "with"), "sell": ("ba", "pre", "direct"),
        "spend": ("ba", "pre", "direct", "with"), "buy": ("with", "for", "ba", "pre")}  # fmt: skip
_DST = {"swap": ("to", "for"), "sell": ("to", "for"), "spend": ("on", "for", "to"),
        "buy": ("direct", "to")}  # fmt: skip


def swap(items: list[Item], verb: Tok, mode: str, prior: list[Step]) -> tuple[Step, set[int]]:
    """swap / exchange / convert / sell (mode "sell") / buy (mode "buy") / spend."""
    rs = roles(items, verb)
    src, dst = _swap_roles(rs, mode, items.index(verb), verb.text)
    if src is not None and src.np.nouns & _POSITIONS:  # "swap half my supplied ETH"
        raise unclear("a swap spends from your wallet, not from a lending position: "
                      "withdraw it first, or say an amount")  # fmt: skip
    if dst is not None and dst.np.token == "AAVE" and (dst.role == "on" or mode == "spend"):
        raise unclear("'in Aave' could mean the AAVE token or the lending market: say "
                      "'for AAVE', or 'supply'")  # fmt: skip
    if src is not None and dst is not None and src.np.worth and not dst.np.has_token:
        dst = None
    if dst is not None and dst.np.worth and dst.np.unit_token is not None:
        src, dst = _worth(src, dst)
    step = _swap_step(_implicit(src, prior), dst.np if dst else None, prior)
    return step, _used(src, dst)


def _swap_roles(
    rs: list[Role], mode: str, verb_at: int, verb_text: str = ""
) -> tuple[Role | None, Role | None]:
    dst = _pick(rs, _DST[mode], "token to receive")
    if dst is None and mode in ("swap", "sell"):
        direct = _pick(rs, ("direct",), "token")
        before = _pick([r for r in rs if r.index < verb_at], ("ba", "pre", "with"), "token")
        if before is not None and direct is not None and mode == "swap" and not verb_text.isascii():
            return before, direct  # 1个ETH换USDC, 用500 USDT换DAI
        if before is not None and direct is not None:  # "用USDC卖1个ETH": which is sold?
            raise unclear("say which token to sell and which to get, such as 'sell 1 ETH "
                          "for USDC'")  # fmt: skip
        after = _pick([r for r in rs if r.index > verb_at], ("with",), "token")
        if mode == "swap" and direct is not None and after is not None:  # swap 1 ETH with USDC
            return direct, after
    src_roles = tuple(r for r in _SRC[mode] if dst is None or r != dst.role)
    src = _pick([r for r in rs if r is not dst], src_roles, "token to spend")
    return src, dst


def _implicit(role: Role | None, prior: list[Step]) -> NP | None:
    """The phrase, or "what the previous step produced" when none is given."""
    if role is not None:
        return role.np
    return NP(ref=True) if prior and tokens.produced(prior[-1]) else None


def _worth(src: Role | None, dst: Role) -> tuple[Role | None, Role]:
    """ "buy 100 USDC worth of ETH": the amount is what is spent, in USDC."""
    unit = dst.np.unit_token
    if src is not None and src.np.token not in (None, unit):
        raise ambiguous(f"the amount is in {unit} but {src.np.token} is named to pay with")
    paid = NP(kind=dst.np.kind, amount=dst.np.amount, token=unit)
    target = NP(token=dst.np.token)
    return Role(paid, "with", dst.index), Role(target, "direct", dst.index)


def _swap_step(src: NP | None, dst: NP | None, prior: list[Step]) -> Step:
    if src is None or (src.token is None and not src.ref and src.kind is None):
        raise ambiguous("say which token to spend, such as 'with USDC'")
    if dst is None or not dst.has_token:
        raise ambiguous("say which token to get, such as 'for USDC'")
    token_in, in_amount = resolve(src, prior)
    token_out, out_amount = resolve(dst, prior) if not dst.vague else (dst.token, None)
    if src.kind is None and out_amount is not None:
        in_amount = None  # "then buy 2 LINK" paid from an earlier step's output
    if token_in is None:
        raise ambiguous("say which token to spend")
    if token_out is None:
        raise ambiguous("say which token to get")
    if token_in == token_out:
        raise invalid(f"swapping {token_in} into itself does nothing: name two different tokens")
    if in_amount is not None and out_amount is not None:
        raise ambiguous(
            "give the amount of one side only (a fixed price would be a limit order, "
            "which is not supported)"
        )
    if in_amount is None and out_amount is None:
        raise ambiguous(f"say how much {token_in} to spend or how much {token_out} to get")
    if out_amount is not None and "fraction" in out_amount:
        raise ambiguous(f"a share of {token_out} is not an amount to buy: say how much")
    side = "in" if in_amount is not None else "out"
    if token_in == token_out:
        raise invalid(f"swapping {token_in} into itself does nothing: name two different tokens")
    return _swap_dict(token_in, token_out, in_amount or out_amount, side)


def _swap_dict(token_in: str, token_out: str, amount: Any, side: str) -> Step:
    if (token_in, token_out) == ("ETH", "WETH"):
        return {"action": "wrap", "amount": amount}
    if (token_in, token_out) == ("WETH", "ETH"):
        return {"action": "unwrap", "amount": amount}
    return {"action": "swap", "token_in": token_in, "token_out": token_out, "amount": amount,
            "side": side, "slippage": None}  # fmt: skip


# ---- transfer -------------------------------------------------------------------

_SELF = ("me", "myself", "my", "mine", "i", "我", "我自己", "自己", "my wallet", "us")


def transfer(items: list[Item], verb: Tok, prior: list[Step]) -> tuple[Step, set[int]]:
    """send / transfer / pay / 转给: a token NP and a recipient."""
    rs = roles(items, verb)
    recipient, rec_index = _recipient(items, rs)
    rest = [r for r in rs if r.index != rec_index]
    what = _pick(rest, ("direct", "ba", "pre", "post"), "amount to send")
    phrase = _implicit(what, prior)
    if phrase is None:
        raise ambiguous("say how much of which token to send")
    token, amount = resolve(phrase, prior)
    if token is None:
        raise ambiguous("say which token to send")
    if amount is None:
        raise ambiguous(f"say how much {token} to send")
    if recipient is None:
        raise ambiguous("say who receives it: an 0x address or an address-book name")
    if phrase.nouns & _POSITIONS:
        raise unclear(f"a transfer sends {token} from your wallet, not from a lending "
                      "position: withdraw it first, or say an amount")  # fmt: skip
    step = {"action": "transfer", "token": token, "amount": amount, "to": recipient}
    return step, _used(what) | {rec_index}


def _recipient(items: list[Item], rs: list[Role]) -> tuple[str | None, int]:
    for k, item in enumerate(items):
        prev = items[k - 1] if k else None
        if isinstance(item, Tok) and item.tag == "addr" and isinstance(prev, Tok) and (
            prev.tag == "p.from"
        ):
            raise unclear("swarmfi sends from your own account only: leave out 'from' and "
                          "the address")  # fmt: skip
        marked = isinstance(prev, Tok) and prev.tag in ("p.to", "p.give")
        if isinstance(item, Tok) and item.tag == "addr":
            return _address(item.text), k
        if marked and isinstance(item, Tok) and item.tag in ("word", "cjk", "d.my"):
            return _name(item), k
        if marked and isinstance(item, NP) and _bare_name(item):
            return _name(item.toks[-1]), k
    direct = [r for r in rs if r.role == "direct"]
    if len(direct) == 1 and _bare_name(direct[0].np) and any(r.role == "post" for r in rs):
        return _name(direct[0].np.toks[-1]), direct[0].index  # "pay bob 50 DAI"
    return None, -1


def merge_names(toks: list[Tok]) -> list[Tok]:
    """ "给张三转…": unknown characters and numerals right after 给/向/转给 form one name."""
    out: list[Tok] = []
    for tok in toks:
        prev = out[-1] if out else None
        part = tok.tag == "cjk" or (tok.tag == "num" and not tok.text.isascii())
        glued = prev is not None and prev.end == tok.start and prev.tag == "cjk"
        after_marker = len(out) >= 2 and out[-2].tag in ("p.give", "p.to")
        if part and glued and prev is not None and after_marker:
            out[-1] = Tok("cjk", prev.text + tok.text, prev.start, tok.end)
            continue
        out.append(tok)
    return out


def _bare_name(np: NP) -> bool:
    return not np.has_qty and len(np.toks) == 1 and np.toks[0].tag in ("word", "cjk")


def _name(tok: Tok) -> str:
    if tok.tag == "d.my" or tok.text.lower() in _SELF:
        raise ambiguous("say the recipient's 0x address or address-book name")
    name = tok.text
    if name.lower().endswith(("'s", "’s")) and len(name) > 2:
        name = name[:-2]  # "Bob's wallet"
    problem = canon.recipient_problem(name)
    if problem:
        raise invalid(problem)
    return name


def _address(text: str) -> str:
    problem = canon.address_problem(text)
    if problem:
        raise invalid(problem + ": check the address")
    return text


# ---- wrap / unwrap ------------------------------------------------------------


def wrap(items: list[Item], verb: Tok, action: str, prior: list[Step]) -> tuple[Step, set[int]]:
    """wrap ETH into WETH / unwrap WETH into ETH."""
    rs = [r for r in roles(items, verb) if not is_place(r.np)]
    source = "ETH" if action == "wrap" else "WETH"
    main = [r for r in rs if r.np.has_qty or r.np.ref or r.role in ("direct", "ba")]
    phrase = _implicit(main[0] if main else None, prior) if len(main) <= 1 else None
    if phrase is None:
        raise ambiguous(f"say how much {source} to {action}, such as '{action} 1 {source}'")
    if phrase.nouns & _POSITIONS:
        raise unclear(f"{action} takes {source} from your wallet, not from a lending position: "
                      "withdraw it first, or say an amount")  # fmt: skip
    token, amount = resolve(phrase, prior)
    target = "WETH" if action == "wrap" else "ETH"
    others = {r.np.token for r in rs if r not in main} - {None, target}
    if token not in (None, source) or others:
        undo = f"; to turn {target} into {source}, {'unwrap' if action == 'wrap' else 'wrap'} it"
        raise invalid(f"{action} turns {source} into {target}" + (
            undo if {token, *others} & {"ETH", "WETH"} else "; to exchange other tokens, use swap"
        ))  # fmt: skip
    if amount is None:
        raise ambiguous(f"say how much {source} to {action}")
    return {"action": action, "amount": amount}, {r.index for r in rs}


# ---- lending --------------------------------------------------------------------


def lending(items: list[Item], verb: Tok, action: str, prior: list[Step]) -> tuple[Step, set[int]]:
    """supply / withdraw / borrow / repay (and pay off: all of the debt)."""
    rs = roles(items, verb)
    used = {r.index for r in rs if _venue(r)}
    main = [r for r in rs if r.index not in used and r.role != "against"]
    used |= {r.index for r in rs if r.role == "against" and r.np.has_token}
    if any(r.role == "against" and r.np.has_qty for r in rs):  # "borrow 100 USDC against 1 ETH"
        raise unclear("swarmfi borrows against what you have supplied: supply the collateral "
                      "first, such as 'supply 1 ETH, then borrow 100 USDC'")  # fmt: skip
    if verb.tag == "v.payoff" and (
        any(r.np.nouns & {"n.position", "n.lending", "n.supplied"} for r in rs)
        or (verb.text.lower() in _CLOSE and any(r.np.kind == "value" for r in rs))
    ):
        raise unclear(f"'{verb.text}' could mean repaying or withdrawing: say 'repay' or "
                      "'withdraw' and how much")  # fmt: skip
    phrase = _implicit(main[0] if len(main) == 1 else None, prior) if len(main) <= 1 else None
    if phrase is None:
        raise ambiguous(f"say how much of which token to {_VERBS[action]}")
    token, amount = resolve(phrase, prior)
    if token is None:
        raise ambiguous(f"say which token to {_VERBS[action]}")
    if amount is None and verb.tag == "v.payoff":
        amount = {"fraction": Decimal(1)}
    if amount is None:
        raise ambiguous(f"say how much {token} to {_VERBS[action]}, such as 'all' or '100'")
    if "fraction" in amount and "of_step" not in amount:
        _share_base(action, phrase, [r.np for r in rs], token, amount["fraction"])
    return {"action": action, "token": token, "amount": amount}, used | {r.index for r in main}


_BASES = {"supply": "your wallet balance", "withdraw": "what you supplied",
          "borrow": "what you can borrow", "repay": "your debt"}  # fmt: skip


_POSITIONS = frozenset({"n.supplied", "n.position", "n.debt"})


def _share_base(action: str, phrase: NP, nps: list[NP], token: str, share: Decimal) -> None:
    """Refuse a share whose words name another base than the action's (SCHEMA.md):
    "repay 50% of my USDC" could be of the wallet or of the debt."""
    wallet = any(names_wallet(np) for np in nps)
    other = (
        (action in ("withdraw", "borrow", "repay") and wallet)
        or (action != "withdraw" and "n.supplied" in phrase.nouns)
        or (action == "borrow" and "n.position" in phrase.nouns)
        or (action == "supply" and phrase.nouns & {"n.debt", "n.position"})
        or (action == "repay" and share < 1 and phrase.my and "n.debt" not in phrase.nouns)
    )
    if other:
        raise unclear(
            f"a share to {action} is a share of {_BASES[action]}: say an amount, or name "
            f"the base, such as 'half my {token} debt'"
        )


def names_wallet(np: NP) -> bool:
    """Whether the phrase names the user's wallet or balance ("my wallet", 钱包)."""
    return any(
        t.tag in ("n.balance", "n.venue", "d.my")
        and any(w in t.text.lower() for w in ("wallet", "balance", "钱包", "余额"))
        for t in np.toks
    )


_CLOSE = frozenset({"close out", "clear", "settle"})
_VERBS = {"supply": "supply", "withdraw": "withdraw", "borrow": "borrow", "repay": "repay"}


def _venue(r: Role) -> bool:
    np = r.np
    if is_place(np):
        return True
    return np.token == "AAVE" and not np.has_qty and r.role in ("to", "on", "from")


# ---- liquidity --------------------------------------------------------------------


def add_liquidity(items: list[Item], verb: Tok, prior: list[Step]) -> tuple[Step, set[int]]:
    """Add an amount of token_a to the token_a/token_b pool."""
    rs = roles(items, verb)
    pair = _pair(rs)
    qty = [r for r in rs if r.np.has_qty or r.np.ref]
    phrase = _implicit(qty[0] if qty else None, prior) if len(qty) <= 1 else None
    if phrase is None:
        raise ambiguous("give the amount of one token; the other follows the pool ratio")
    if phrase.nouns & _POSITIONS:
        raise unclear("liquidity is added from your wallet, not from a lending position: "
                      "withdraw it first, or say an amount")  # fmt: skip
    token, amount = resolve(phrase, prior)
    if token is None or amount is None:
        raise ambiguous("say how much of which token to add")
    pair = pair or _pair_from_tokens(rs, token)
    named = verb.tag == "v.addliq" or any(r.np.nouns & {"n.pool", "n.liquidity"} for r in rs)
    if not named and any(s not in tokens.KNOWN for s in pair):  # "send 10 USDC to bob-usdc"
        raise unclear(f"'{pair[0]}/{pair[1]}' is not a pool swarmfi knows: say 'the "
                      "ETH/USDC pool', or an address to send to")  # fmt: skip
    if token not in pair:
        raise ambiguous(f"{token} is not in the {pair[0]}/{pair[1]} pool: name the pool")
    other = pair[1] if token == pair[0] else pair[0]
    step = {"action": "add_liquidity", "token_a": token, "token_b": other, "amount": amount}
    return step, {r.index for r in rs}


def remove_liquidity(items: list[Item], verb: Tok, prior: list[Step]) -> tuple[Step, set[int]]:
    """Remove a share of the LP position in a pool."""
    rs = roles(items, verb)
    pair = _pair(rs) or _pair_from_tokens(rs, None)
    qty = [r for r in rs if r.np.has_qty]
    if len(qty) != 1:
        raise ambiguous("say how much of the position to remove, such as 'half' or '50%'")
    _, amount = resolve(qty[0].np, [])
    if amount is None or "fraction" not in amount:
        raise ambiguous("give the share of the position to remove, such as 'half' or '50%'")
    step = {"action": "remove_liquidity", "token_a": pair[0], "token_b": pair[1],
            "amount": amount}  # fmt: skip
    return step, {r.index for r in rs}


def _pair(rs: list[Role]) -> tuple[str, str] | None:
    pairs = {r.np.pair for r in rs if r.np.pair is not None}
    if len(pairs) > 1:
        raise ambiguous("more than one pool is named: give one")
    pair = pairs.pop() if pairs else None
    if pair is not None and pair[0] == pair[1]:
        raise invalid(f"a pool needs two different tokens, not {pair[0]} twice")
    return pair


def _pair_from_tokens(rs: list[Role], first: str | None) -> tuple[str, str]:
    named = [r.np.token for r in rs if r.np.token is not None]
    distinct = list(dict.fromkeys(([first] if first else []) + named))
    if len(distinct) != 2:
        raise ambiguous("name the pool, such as 'the ETH/USDC pool'")
    return distinct[0], distinct[1]
