"""The LLM intent parser: text -> canonical intent (SCHEMA.md) through any `LLM`.

    parser = LLMIntentParser(router)
    canonical = await parser.parse("swap a hundred USDC to ether")

1. The model is asked for the canonical JSON: `response_format` carries the JSON
   Schema of canonical intent where the provider enforces schemas, JSON mode with
   the format described in the prompt elsewhere (the router picks per provider).
2. The answer is validated against the intent types (`from_canonical`). When it
   does not validate, the model gets exactly one repair round that shows it the
   validation errors; when it still does not, the answer is a refusal. A problem
   that is the user's (zero amount, swap into itself, bad checksum) is their refusal.
3. Grounding (`swarmfi.compute.grounding`): every token, number and recipient of
   a valid answer must be traceable to the user's text; anything else — a guessed
   token, amount or recipient — is refused as ambiguous, however well it validates.

Hybrid (`parse_hybrid`): the embedded parser first. Its answer stands when it
parsed the text, and when it refused as `invalid` (bad checksum, zero amount: the
text is wrong, a model must not "fix" it) or `unsupported` (it recognised a
request swarmfi does not do: bridging, leverage…). Only an `ambiguous` refusal —
which is also how the embedded parser says it could not read a phrasing — goes to
the model, and not even that when it is settled: the embedded parser read the text
and found a question, a correction, a negation or an unclear scope, which a model
must not turn into an order. If the model gives no valid, grounded intent (or
cannot be reached), the embedded refusal stands.

Prompts holding an address (or the user's balances) are sensitive: the router
keeps them on local or TEE providers. Provider configuration for `swarmfi parse
--parser llm|hybrid` and `swarmfi eval intents --parser llm|hybrid` comes from the
environment (`swarmfi.compute.config`): `SWARMFI_LLM_BASE_URL` for one endpoint,
or `SWARMFI_PROVIDERS` naming a providers TOML, `SWARMFI_LLM_PROVIDERS` to pick.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from swarmfi.compute.grounding import ungrounded
from swarmfi.compute.types import LLM, Completion, Message, Schema

MAX_CHARS = 1_000
REPAIR_ROUNDS = 1

SYSTEM_PROMPT = """\
You turn one DeFi instruction (English or Chinese) into swarmfi's canonical intent JSON.
Answer with one JSON object and nothing else, exactly one of:
{"steps": [STEP, ...], "schedule": null or {"every_seconds": N, "times": M or null}}
{"error": {"kind": "ambiguous" or "unsupported" or "invalid", "message": "what to add or change"}}

STEP: "action", "when" (null or a CONDITION) and the action's fields, in the user's order:
- swap: token_in, token_out, amount, side ("in": amount is what is spent; "out": amount is
  what is received, as in "buy 3 ETH with USDC"), slippage (a fraction, "1%" -> "0.01"; null)
- transfer: token, amount, to (an 0x address or a name, exactly as written)
- wrap, unwrap: amount (ETH to WETH, WETH to ETH)
- supply, withdraw, borrow, repay: token, amount
- add_liquidity: token_a, token_b, amount (of token_a); remove_liquidity: token_a, token_b,
  amount (a fraction of the LP position)
- launch: name, symbol, supply, community_share (a fraction), fdv_usd (each null if not said)
- vote: proposal (an integer), support ("for", "against" or "abstain")
- query: query ("price", "balance", "rates", "position", "proposals" or "pools"), token or null
AMOUNT, one of: {"value": "1.5"} units of the step's token; {"usd": "100"} dollars' worth;
{"fraction": "0.5"} a share of what the user holds ("half" 0.5, "all" 1);
{"fraction": "1", "of_step": 0} a share of what an earlier step (0-based) produced ("it").
CONDITION: {"metric": "price" (USD), "supply_apy", "borrow_apy" (5% -> "0.05") or
"health_factor", "token": a symbol (null for health_factor), "op": "<", "<=", ">" or ">=",
"value": "2000"}. "drops below", "跌破" <; "rises above" >; "reaches" >=; "falls to" <=.
Numbers are decimal strings ("0.5", "2000"; "2k" is "2000"), never JSON numbers, except
proposal, every_seconds and times, which are integers. "every day for a week":
{"every_seconds": 86400, "times": 7}; no end given: "times": null.
Tokens are upper-case symbols: ETH (native), WETH, USDC, USDT, DAI, WBTC, LINK, UNI, AAVE;
ether/以太坊 -> ETH, bitcoin/BTC/比特币 -> WBTC, tether -> USDT; any other as written, upper-cased.
Leave venues out ("on Uniswap"). Never guess: when the text does not give a token, amount
or recipient a step needs, answer {"error": {"kind": "ambiguous", ...}} saying what to add.
Bridging, other chains, leverage, longs/shorts, options, staking, NFTs: "unsupported".
Not an instruction, or impossible (zero or negative amount, a token into itself): "invalid".

Examples:
swap 1 ETH for USDC then supply half of it ->
{"steps": [{"action": "swap", "token_in": "ETH", "token_out": "USDC", "amount": {"value": "1"},
"side": "in", "slippage": null, "when": null}, {"action": "supply", "token": "USDC",
"amount": {"fraction": "0.5", "of_step": 0}, "when": null}], "schedule": null}
如果ETH跌破2000美元，就用1000 USDC买入ETH ->
{"steps": [{"action": "swap", "token_in": "USDC", "token_out": "ETH", "amount": {"value": "1000"},
"side": "in", "slippage": null, "when": {"metric": "price", "token": "ETH", "op": "<",
"value": "2000"}}], "schedule": null}
send 50 DAI to bob every week ->
{"steps": [{"action": "transfer", "token": "DAI", "amount": {"value": "50"}, "to": "bob",
"when": null}], "schedule": {"every_seconds": 604800, "times": null}}
swap ETH for USDC -> {"error": {"kind": "ambiguous", "message": "say how much ETH to swap"}}
"""

INSTRUCTION = "Answer with one JSON object in the format described above, and nothing else."
REPAIR = (
    "That answer is not valid canonical intent JSON:\n{problems}\n"
    "Answer again with the corrected JSON object only."
)


def refusal(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"kind": kind, "message": message}}


def intent_schema() -> Schema:
    """The canonical intent's JSON Schema, as the router sends it (or describes it)."""
    from swarmfi.intent.types import json_schema

    return Schema(json_schema(), name="swarmfi_intent", instruction=INSTRUCTION)


@dataclass
class Outcome:
    """A parse and how it went: the canonical answer, each completion, the problems seen."""

    canonical: dict[str, Any]
    completions: list[Completion] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    grounding: list[str] = field(default_factory=list)

    @property
    def rounds(self) -> int:
        return len(self.completions)


class LLMIntentParser:
    """Text -> canonical intent dict through `llm`; see the module docstring."""

    def __init__(self, llm: LLM, *, repair_rounds: int = REPAIR_ROUNDS) -> None:
        self.llm = llm
        self.repair_rounds = repair_rounds
        self._schema: Schema | None = None

    async def parse(self, text: str) -> dict[str, Any]:
        return (await self.parse_outcome(text)).canonical

    async def parse_outcome(self, text: str) -> Outcome:
        if not isinstance(text, str) or not text.strip():
            return Outcome(refusal("invalid", "the instruction is empty: say what to do"))
        if len(text) > MAX_CHARS:
            return Outcome(refusal("invalid", f"the instruction is longer than {MAX_CHARS} "
                                              "characters: split it up"))  # fmt: skip
        messages: list[Message] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": text},
        ]
        outcome = Outcome(refusal("ambiguous", ""))
        for round_ in range(1 + self.repair_rounds):
            completion = await self.llm.complete(messages, schema=self.schema)
            outcome.completions.append(completion)
            answer, problems = check_answer(completion.text)
            if answer is not None:
                return _grounded(text, answer, outcome)
            outcome.problems = problems
            if round_ < self.repair_rounds:
                messages += _repair(completion.text, problems)
        outcome.canonical = refusal(
            "ambiguous",
            "the model's answer was not a valid intent ("
            + "; ".join(outcome.problems[:3])
            + "): rephrase the instruction more plainly",
        )
        return outcome

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            self._schema = intent_schema()
        return self._schema

    def parse_sync(self, text: str) -> dict[str, Any]:
        """`parse` for synchronous callers (a fresh event loop; connections closed after)."""
        return run_sync(self.llm, lambda: self.parse(text))


def run_sync(llm: LLM, make: Callable[[], Awaitable[Any]]) -> Any:
    run = getattr(llm, "run_sync", None)
    if run is not None:
        return run(lambda _llm: make())

    async def main() -> Any:
        return await make()

    return asyncio.run(main())


def _repair(answer: str, problems: list[str]) -> list[Message]:
    listed = "\n".join(f"- {p}" for p in problems[:12])
    return [
        {"role": "assistant", "content": answer},
        {"role": "user", "content": REPAIR.format(problems=listed)},
    ]


def _grounded(text: str, answer: dict[str, Any], outcome: Outcome) -> Outcome:
    outcome.grounding = ungrounded(text, answer)
    if outcome.grounding:
        outcome.canonical = refusal(
            "ambiguous",
            "the model's reading uses what the text does not say ("
            + "; ".join(outcome.grounding[:3])
            + "): say it explicitly",
        )
    else:
        outcome.canonical = answer
    return outcome


def check_answer(raw: str) -> tuple[dict[str, Any] | None, list[str]]:
    """(canonical dict, []) when `raw` is valid canonical JSON, else (None, problems).

    A problem that is the user's (zero amount, swap into itself, bad checksum)
    comes back as that refusal: it is the right answer, not something to repair.
    """
    from swarmfi.intent.types import CanonicalError, from_canonical, to_canonical

    data, problem = extract_json(raw)
    if data is None:
        return None, [problem]
    try:
        return to_canonical(from_canonical(data)), []
    except CanonicalError as exc:
        if exc.refusal is not None:
            return to_canonical(exc.refusal), []
        return None, list(exc.problems)


def extract_json(raw: str) -> tuple[dict[str, Any] | None, str]:
    """The one JSON object in a model's answer (code fences and chatter around it allowed)."""
    start, end = raw.find("{"), raw.rfind("}")
    if start < 0 or end < start:
        return None, "the answer holds no JSON object"
    try:
        data = json.loads(raw[start : end + 1])
    except ValueError as exc:
        return None, f"the answer is not valid JSON ({exc})"
    if not isinstance(data, dict):
        return None, "the answer is not a JSON object"
    return data, ""
