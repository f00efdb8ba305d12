import json

import pytest
from compute_support import client, dead_url, provider, run

from swarmfi.compute import parsers
from swarmfi.compute.fake import FakeOpenAI
from swarmfi.compute.intent_llm import LLMIntentParser, extract_json
from swarmfi.compute.router import Router
from swarmfi.intent.parser import parse_strict

SWAP = {"steps": [{"action": "swap", "token_in": "USDC", "token_out": "ETH",
                   "amount": {"value": "100"}, "side": "in", "slippage": None, "when": None}],
        "schedule": None}  # fmt: skip
ADDRESS = "0xde709f2102306220921060314715629080e2fb77"


def answer(data) -> str:
    return json.dumps(data)


def send_to(to: str, value: str = "100") -> dict:
    step = {"action": "transfer", "token": "USDC", "amount": {"value": value}, "to": to,
            "when": None}  # fmt: skip
    return {"steps": [step], "schedule": None}


async def parse(fake: FakeOpenAI, text: str, caps=("json_schema", "json_object"), **kw):
    router = Router([provider(fake.url, "m", privacy=kw.pop("privacy", "local"), caps=caps)],
                    client=client())  # fmt: skip
    async with router:
        return await LLMIntentParser(router, **kw).parse_outcome(text)


def user_text(seen) -> str:
    return [m for m in seen.body["messages"] if m["role"] == "user"][-1]["content"]


def test_a_valid_grounded_answer_is_the_intent_and_the_schema_is_sent():
    async def go():
        async with FakeOpenAI(answer(SWAP)) as fake:
            return await parse(fake, "100 usdc -> eth"), fake.chat_requests()

    outcome, seen = run(go())
    assert outcome.canonical == SWAP
    assert outcome.rounds == 1
    (request,) = seen
    fmt = request.body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "swarmfi_intent"
    assert "$defs" in fmt["json_schema"]["schema"]


def test_json_mode_providers_get_the_format_in_the_prompt():
    async def go():
        async with FakeOpenAI(answer(SWAP)) as fake:
            outcome = await parse(fake, "100 usdc -> eth", caps=("json_object",))
            return outcome, fake.chat_requests()[0].body

    outcome, body = run(go())
    assert outcome.canonical == SWAP
    assert body["response_format"] == {"type": "json_object"}
    assert "format described above" in body["messages"][0]["content"]


def test_one_repair_round_shows_the_validation_errors():
    broken = {"steps": [dict(SWAP["steps"][0], amount={"value": 100.0})], "schedule": None}

    async def go():
        async with FakeOpenAI(answer(SWAP)) as fake:
            fake.script(answer(broken))
            return await parse(fake, "100 usdc -> eth"), fake.chat_requests()

    outcome, seen = run(go())
    assert outcome.canonical == SWAP
    assert outcome.rounds == 2
    repair = seen[1].body["messages"]
    assert repair[-2] == {"role": "assistant", "content": answer(broken)}
    assert "not valid canonical intent" in repair[-1]["content"]
    assert "amount.value: numbers are decimal strings" in repair[-1]["content"]


def test_still_invalid_after_the_repair_round_is_refused():
    async def go():
        async with FakeOpenAI("Sure! I would swap your USDC for ETH.") as fake:
            return await parse(fake, "100 usdc -> eth"), len(fake.chat_requests())

    outcome, calls = run(go())
    assert calls == 2
    assert outcome.canonical["error"]["kind"] == "ambiguous"
    assert "no JSON object" in outcome.canonical["error"]["message"]


def test_hallucinated_recipient_is_refused_however_well_it_validates():
    async def go():
        async with FakeOpenAI(answer(send_to("bob"))) as fake:
            return await parse(fake, "send 100 USDC to alice"), len(fake.chat_requests())

    outcome, calls = run(go())
    assert calls == 1  # grounding is not repaired: the model guessed
    assert outcome.canonical["error"]["kind"] == "ambiguous"
    assert "recipient 'bob'" in outcome.canonical["error"]["message"]


def test_hallucinated_amount_is_refused():
    guessed = {"steps": [dict(SWAP["steps"][0], amount={"value": "1"})], "schedule": None}

    async def go():
        async with FakeOpenAI(answer(guessed)) as fake:
            return await parse(fake, "swap USDC to ETH")

    error = run(go()).canonical["error"]
    assert error["kind"] == "ambiguous"
    assert "amount value 1 is not stated" in error["message"]


def test_a_user_problem_is_their_refusal_not_a_repair():
    bad = "0x52908400098527886E0F7030069857D2E4169Ee7"

    async def go():
        async with FakeOpenAI(answer(send_to(bad))) as fake:
            return await parse(fake, f"send 100 USDC to {bad}"), len(fake.chat_requests())

    outcome, calls = run(go())
    assert calls == 1
    assert outcome.canonical["error"]["kind"] == "invalid"
    assert "checksum" in outcome.canonical["error"]["message"]


def test_the_models_refusal_passes_through_and_fences_are_allowed():
    refusal = {"error": {"kind": "unsupported", "message": "bridging is not supported"}}

    async def go():
        async with FakeOpenAI("```json\n" + answer(refusal) + "\n```") as fake:
            return await parse(fake, "move my USDC to Base")

    assert run(go()).canonical == refusal
    assert extract_json("no json here") == (None, "the answer holds no JSON object")


def test_an_address_keeps_the_parse_off_cloud_providers():
    text = f"send 100 USDC to {ADDRESS}"

    async def go():
        async with FakeOpenAI(answer(send_to(ADDRESS))) as tee, FakeOpenAI("no") as cloud:
            router = Router([provider(cloud.url, "cloud", privacy="cloud"),
                             provider(dead_url(), "local", privacy="local"),
                             provider(tee.url, "tee", privacy="tee", price=(5, 5))],
                            client=client())  # fmt: skip
            async with router:
                outcome = await LLMIntentParser(router).parse_outcome(text)
            return outcome, cloud.requests, tee.chat_requests()

    outcome, cloud_seen, tee_seen = run(go())
    assert outcome.canonical == send_to(ADDRESS)
    assert outcome.completions[0].provider == "tee"
    assert cloud_seen == []
    assert ADDRESS in user_text(tee_seen[0])


def test_empty_text_is_refused_without_a_call():
    async def go():
        async with FakeOpenAI("{}") as fake:
            return await parse(fake, "   "), fake.requests

    outcome, seen = run(go())
    assert outcome.canonical["error"]["kind"] == "invalid"
    assert seen == []


# ---- registered backends (synchronous, configured from the environment) ----------


@pytest.fixture
def fake_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SWARMFI_USAGE_DB", str(tmp_path / "usage.sqlite3"))
    parsers.reset()
    yield lambda url: monkeypatch.setenv("SWARMFI_LLM_BASE_URL", url)
    parsers.reset()


def test_hybrid_asks_the_model_only_for_ambiguous_refusals(fake_env):
    fake = FakeOpenAI(answer(SWAP))
    with fake.running() as url:
        fake_env(url)
        parsed = parsers.parse_hybrid("swap 1 ETH for USDC")
        bad_checksum = parsers.parse_hybrid(
            "send 1 ETH to 0x52908400098527886E0F7030069857D2E4169Ee7"
        )
        bridge = parsers.parse_hybrid("bridge 100 USDC to Base")
        assert fake.requests == []
        unreadable = parsers.parse_hybrid("100 usdc -> eth")
    assert parsed["steps"][0]["token_in"] == "ETH"
    assert bad_checksum["error"]["kind"] == "invalid"
    assert bridge["error"]["kind"] == "unsupported"
    assert unreadable == SWAP
    assert [user_text(s) for s in fake.chat_requests()] == ["100 usdc -> eth"]


SETTLED = [
    "did i swap 1 ETH for USDC?",  # a question
    "swap 1 ETH for USDC, actually swap 2 ETH for DAI",  # a correction
    "swap almost all my ETH for USDC",  # not an amount
    "send 100 USDC worth of ETH to bob",  # a unit that is not the token
    "swap 1 ETH for USDC and supply it if ETH is above 3000",  # unclear scope
]


def test_hybrid_never_asks_the_model_to_reread_what_the_embedded_parser_settled(fake_env):
    fake = FakeOpenAI(answer(SWAP))  # a model that would happily turn any of them into a swap
    with fake.running() as url:
        fake_env(url)
        results = [parsers.parse_hybrid(text) for text in SETTLED]
    assert fake.requests == []
    kinds = [r["error"]["kind"] for r in results]
    assert kinds == [parse_strict(text)["error"]["kind"] for text in SETTLED]
    assert set(kinds) <= {"ambiguous", "invalid"}


def test_hybrid_keeps_the_embedded_refusal_when_the_model_guesses_or_is_down(fake_env):
    guessed = {"steps": [dict(SWAP["steps"][0], amount={"value": "1"})], "schedule": None}
    with FakeOpenAI(answer(guessed)).running() as url:
        fake_env(url)
        guessed_result = parsers.parse_hybrid("swap ETH for USDC")
    assert guessed_result["error"]["kind"] == "ambiguous"
    assert "say how much" in guessed_result["error"]["message"]
    parsers.reset()
    fake_env(dead_url())
    down = parsers.parse_hybrid("100 usdc -> eth")
    assert down["error"]["kind"] == "ambiguous"
    assert "no model could be asked" in down["error"]["message"]


def test_llm_backend_is_registered_with_the_intent_registry(fake_env):
    from swarmfi.intent.parsers import parse_dict

    with FakeOpenAI(answer(SWAP)).running() as url:
        fake_env(url)
        assert parse_dict("100 usdc -> eth", "llm") == SWAP
        assert parse_dict("100 usdc -> eth", "hybrid") == SWAP


def test_swarmfi_parse_and_eval_with_the_llm_backends(fake_env, tmp_path, capsys):
    from swarmfi import cli

    cases = tmp_path / "cases.jsonl"
    bridge = {"error": {"kind": "unsupported", "message": ""}}
    embedded_ok = {"steps": [dict(SWAP["steps"][0], amount={"value": "5"})], "schedule": None}
    lines = [("100 usdc -> eth", SWAP), ("swap 5 USDC for ETH", embedded_ok),
             ("bridge 100 USDC to Base", bridge)]  # fmt: skip
    cases.write_text("".join(json.dumps({"text": t, "expect": e}) + "\n" for t, e in lines))
    fake = FakeOpenAI(answer(SWAP))
    with fake.running() as url:
        fake_env(url)
        assert cli.run(["parse", "--parser", "llm", "--json", "100 usdc -> eth"]) == 0
        assert json.loads(capsys.readouterr().out) == SWAP
        assert cli.run(["eval", "intents", "--parser", "hybrid", "--json", str(cases)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["passed"], report["total"]) == (3, 3)
    assert len(fake.chat_requests()) == 2  # the parse, and the one case hybrid escalated
