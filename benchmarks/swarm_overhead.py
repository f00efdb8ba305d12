"""Swarm overhead: 10,000 trivial tasks over 1,000 agents, against a bare asyncio.gather.

Both sides run the same handler (one `await asyncio.sleep(0)`), in the same
process, interleaved, over several rounds; the figure is the fastest round of
each (as timeit does: the least disturbed by other processes on a shared
machine), the medians are printed too. The swarm side includes building and
validating the Plan, choosing agents, inboxes and the report.

Memory: tracemalloc over creating and registering 10,000 idle agents, next to
what a coroutine-per-agent design (an asyncio Task blocked on its own Queue)
costs for the same 10,000 agents.

Aims (issue 5): swarm time <= 2x gather's; <= 5 KB per idle agent.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import tracemalloc
from collections.abc import Callable
from time import perf_counter

from swarmfi.plan import AGENT_KINDS, Task
from swarmfi.swarm import Swarm

TASKS = 10_000
AGENTS = 1_000
IDLE_AGENTS = 10_000
ROUNDS = 7


async def work(task: Task) -> int:
    await asyncio.sleep(0)
    return 1


def build() -> tuple[Swarm, list[Task]]:
    kinds = sorted(AGENT_KINDS)[:10]
    swarm = Swarm()
    for kind in kinds:
        swarm.spawn(kind, work, count=AGENTS // len(kinds))
    tasks = [Task(f"t{i}", kinds[i % len(kinds)], {"n": i}) for i in range(TASKS)]
    return swarm, tasks


async def timed_swarm(swarm: Swarm, tasks: list[Task]) -> float:
    began = perf_counter()
    report = await swarm.run_dag(tasks)
    elapsed = perf_counter() - began
    assert report.ok and len(report.results) == TASKS
    return elapsed


async def timed_gather(tasks: list[Task]) -> float:
    began = perf_counter()
    results = await asyncio.gather(*(work(t) for t in tasks))
    elapsed = perf_counter() - began
    assert len(results) == TASKS
    return elapsed


async def measure_time() -> tuple[list[float], list[float]]:
    swarm, tasks = build()
    await timed_swarm(swarm, tasks)  # warm-up: both sides once
    await timed_gather(tasks)
    swarm_times, gather_times = [], []
    for _ in range(ROUNDS):
        gc.collect()
        swarm_times.append(await timed_swarm(swarm, tasks))
        gc.collect()
        gather_times.append(await timed_gather(tasks))
    return swarm_times, gather_times


def traced_bytes(make: Callable[[], object]) -> float:
    """Bytes per item still allocated after calling `make()` (which keeps what it made)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    kept = make()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = sum(s.size_diff for s in after.compare_to(before, "filename"))
    del kept
    return growth / IDLE_AGENTS


def idle_swarm() -> Swarm:
    swarm = Swarm()
    for kind in sorted(AGENT_KINDS):
        swarm.spawn(kind, work, count=IDLE_AGENTS // len(AGENT_KINDS))
    swarm.spawn("query", work, count=IDLE_AGENTS - len(swarm))
    return swarm


async def coroutine_per_agent() -> float:
    async def serve(inbox: asyncio.Queue[Task]) -> None:
        while True:
            await work(await inbox.get())

    def make() -> list[asyncio.Task[None]]:
        return [asyncio.ensure_future(serve(asyncio.Queue())) for _ in range(IDLE_AGENTS)]

    handles: list[asyncio.Task[None]] = []
    per_agent = traced_bytes(lambda: handles.extend(make()) or handles)
    await asyncio.sleep(0)  # let every server reach its first `get`
    for handle in handles:
        handle.cancel()
    await asyncio.gather(*handles, return_exceptions=True)
    return per_agent


def main() -> None:
    swarm_times, gather_times = asyncio.run(measure_time())
    swarm_s, gather_s = min(swarm_times), min(gather_times)
    medians = statistics.median(swarm_times), statistics.median(gather_times)
    per_agent = traced_bytes(idle_swarm)
    per_coroutine = asyncio.run(coroutine_per_agent())
    ratio = swarm_s / gather_s
    print(f"{TASKS} tasks over {AGENTS} agents, fastest of {ROUNDS} rounds:")
    print(f"  swarm  {swarm_s * 1000:8.1f} ms   ({swarm_s / TASKS * 1e6:.1f} us/task)")
    print(f"  gather {gather_s * 1000:8.1f} ms   ({gather_s / TASKS * 1e6:.1f} us/task)")
    print(f"  ratio  {ratio:8.2f}      (aim <= 2)")
    print(
        f"  medians: swarm {medians[0] * 1000:.1f} ms, gather {medians[1] * 1000:.1f} ms, "
        f"ratio {medians[0] / medians[1]:.2f}"
    )
    print(f"idle agent: {per_agent:.0f} bytes (aim <= 5120)")
    print(f"  for comparison, a coroutine per agent on its own queue: {per_coroutine:.0f} bytes")
    figure = {
        "figure": "swarm_overhead",
        "value": round(swarm_s, 6),
        "baseline": round(gather_s, 6),
        "ratio": round(ratio, 3),
        "unit": "s",
        "bytes_per_idle_agent": round(per_agent, 1),
        "better": "lower",
    }
    print(json.dumps(figure))


if __name__ == "__main__":
    main()
