"""USD cost of a 100-intent workload under each routing objective, vs always-cloud.

Every preset provider (`src/swarmfi/compute/providers.toml`, with its published
list prices) is played by a fake OpenAI-compatible server on loopback that answers
like a model would (a canonical intent) after a delay proportional to the
preset's latency prior, and reports tokens as ~4 characters each. The workload
is the LLM intent parser's real prompt over 100 instructions: 70 plain ones, 20
naming an 0x address and 10 about the user's own balances or positions — those 30
are sensitive and may only go to local or TEE providers.

Two situations: no local model running (the local presets are down: sensitive
requests go to the TEE provider), and a local model running. The baseline sends
everything to one cloud API (the `openai` preset, gpt-4o-mini), ignoring privacy,
as a naive application would. The figure is the cost under "cheapest" with no
local model. Prices are list prices and approximate (see providers.toml).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import tempfile
from pathlib import Path

from swarmfi.compute.client import ChatClient
from swarmfi.compute.fake import FakeOpenAI, free_port
from swarmfi.compute.intent_llm import SYSTEM_PROMPT, intent_schema
from swarmfi.compute.protocol import ChatRequest, build_body, completion_from_answer
from swarmfi.compute.providers import Provider, load_registry
from swarmfi.compute.router import Router
from swarmfi.compute.usage import UsageStore

ANSWER = json.dumps({"steps": [{"action": "swap", "token_in": "ETH", "token_out": "USDC",
                                "amount": {"value": "1"}, "side": "in", "slippage": None,
                                "when": None}], "schedule": None})  # fmt: skip
LATENCY_SCALE = 0.005  # a preset's latency prior of 3 s becomes 15 ms here


def workload() -> list[str]:
    plain = [
        "swap {n} ETH for USDC", "buy {n} LINK with DAI", "supply {n} USDC then borrow 100 DAI",
        "if ETH drops below 2{n}00, buy 1 ETH with USDC", "把{n}个ETH换成USDC，滑点1%",
        "repay {n}00 DAI", "add liquidity with {n} ETH to the ETH/USDC pool",
    ]  # fmt: skip
    address = "0x{:040x}"
    texts = [plain[i % len(plain)].format(n=i % 9 + 1) for i in range(70)]
    texts += [f"send {i + 1} USDC to {address.format(0xABC0 + i)}" for i in range(20)]
    texts += ["show my balances", "what is my health factor", "show my lending position",
              "我的余额是多少", "close my position on the lending market"] * 2  # fmt: skip
    return texts


async def start_fakes(presets: list[Provider], local_up: bool) -> tuple[list[Provider], list]:
    fakes, providers = [], []
    for p in presets:
        if p.privacy == "local" and not local_up:
            providers.append(dataclasses.replace(p, base_url=f"http://127.0.0.1:{free_port()}/v1"))
            continue
        fake = FakeOpenAI(ANSWER, latency_s=p.latency_s * LATENCY_SCALE)
        await fake.start()
        fakes.append(fake)
        providers.append(dataclasses.replace(p, base_url=fake.url))
    return providers, fakes


async def run_workload(providers: list[Provider], objective: str, db: Path) -> dict:
    env = {p.api_key_env: "sk-bench" for p in providers if p.api_key_env}
    router = Router(providers, objective=objective, environ=env, usage=UsageStore(db))
    schema, cost, used = intent_schema(), 0.0, {}
    async with router:
        for text in workload():
            messages = [{"role": "system", "content": SYSTEM_PROMPT},
                        {"role": "user", "content": text}]  # fmt: skip
            done = await router.complete(messages, schema=schema)
            cost += done.cost_usd
            used[done.provider] = used.get(done.provider, 0) + 1
    return {"cost_usd": cost, "providers": used}


async def always_cloud(cloud: Provider) -> dict:
    """The naive baseline: every request to one cloud API, privacy ignored (no router)."""
    schema, cost = intent_schema(), 0.0
    async with ChatClient() as client:
        endpoint = dataclasses.replace(cloud.endpoint({}), api_key="sk-bench")
        for text in workload():
            request = ChatRequest(({"role": "system", "content": SYSTEM_PROMPT},
                                   {"role": "user", "content": text}), schema)  # fmt: skip
            body, fmt = build_body(cloud, request)
            data = await client.complete(endpoint, body)
            done = completion_from_answer(cloud, request, data, fmt=fmt, latency_s=0,
                                          sensitive=False)  # fmt: skip
            cost += done.cost_usd
    return {"cost_usd": cost, "providers": {cloud.name: len(workload())}}


async def scenario(local_up: bool, tmp: Path) -> dict[str, dict]:
    presets = list(load_registry(user=False).providers)
    providers, fakes = await start_fakes(presets, local_up)
    results = {}
    try:
        for objective in ("cheapest", "fastest", "weighted"):
            db = tmp / f"{objective}-{local_up}.sqlite3"
            results[objective] = await run_workload(providers, objective, db)
        results["always-cloud"] = await always_cloud(
            next(p for p in providers if p.name == "openai")
        )
    finally:
        for fake in fakes:
            await fake.stop()
    return results


def report(title: str, results: dict[str, dict]) -> None:
    print(title)
    for name, r in results.items():
        used = ", ".join(f"{k} {v}" for k, v in sorted(r["providers"].items()))
        print(f"  {name:13s} ${r['cost_usd']:.5f}   {used}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        no_local = asyncio.run(scenario(False, Path(tmp)))
        with_local = asyncio.run(scenario(True, Path(tmp)))
    report("100 intents, no local model (local presets down):", no_local)
    report("100 intents, a local model running:", with_local)
    value = no_local["cheapest"]["cost_usd"]
    baseline = no_local["always-cloud"]["cost_usd"]
    result = {
        "figure": "routing_cost_usd_per_100_intents",
        "value": round(value, 6),
        "baseline": round(baseline, 6),
        "ratio": round(value / baseline, 4) if baseline else None,
        "unit": "USD",
        "better": "lower",
        "objectives_no_local": {k: round(v["cost_usd"], 6) for k, v in no_local.items()},
        "objectives_with_local": {k: round(v["cost_usd"], 6) for k, v in with_local.items()},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
