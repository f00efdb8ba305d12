"""Router overhead per LLM call, against a direct ChatClient call to the same endpoint.

Both talk to the fake OpenAI-compatible server (its own process, answering at once),
one call at a time, alternating; the router does its whole job each call (privacy
check, route, request body, answer parsing, usage accounting into SQLite). The
figure is the router's median per-call time minus the direct client's (medians,
because the machine is shared and single calls see spikes). Aim: < 0.5 ms.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from swarmfi.compute.client import ChatClient
from swarmfi.compute.fake import serve_in_subprocess
from swarmfi.compute.providers import Provider
from swarmfi.compute.router import Router
from swarmfi.compute.usage import UsageStore

PAIRS = 3000
MESSAGES = [
    {"role": "system", "content": "Turn the user's DeFi instruction into JSON."},
    {"role": "user", "content": "swap 1 ETH for USDC with at most 0.5% slippage"},
]


async def timed(call) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


async def measure(url: str, db: Path) -> tuple[list[float], list[float]]:
    provider = Provider("fake", url, "local", ("m",), price_in=0.1, price_out=0.2)
    body = {"model": "m", "messages": MESSAGES, "temperature": 0.0}
    direct_client = ChatClient()
    router = Router([provider], usage=UsageStore(db))
    endpoint = provider.endpoint()

    async def direct() -> None:
        await direct_client.complete(endpoint, body)

    async def routed() -> None:
        await router.complete(MESSAGES)

    direct_times, routed_times = [], []
    try:
        for _ in range(200):  # warm both connection pools
            await direct()
            await routed()
        for i in range(PAIRS):  # alternate, so both see the same machine load
            first, second = (direct, routed) if i % 2 else (routed, direct)
            a, b = await timed(first), await timed(second)
            direct_times.append(a if first is direct else b)
            routed_times.append(b if first is direct else a)
    finally:
        await direct_client.aclose()
        await router.aclose()
    return direct_times, routed_times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, serve_in_subprocess() as url:
        direct, routed = asyncio.run(measure(url, Path(tmp) / "usage.sqlite3"))
    d_ms, r_ms = statistics.median(direct) * 1e3, statistics.median(routed) * 1e3
    overhead = r_ms - d_ms
    print(f"direct client: {d_ms:.3f} ms/call   router: {r_ms:.3f} ms/call (medians, {PAIRS} each)")
    print(f"router overhead: {overhead:.3f} ms/call (aim < 0.5 ms)")
    result = {
        "figure": "router_overhead_ms_per_call",
        "value": round(overhead, 4),
        "baseline": round(d_ms, 4),
        "ratio": round(r_ms / d_ms, 3),
        "unit": "ms",
        "better": "lower",
    }
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
