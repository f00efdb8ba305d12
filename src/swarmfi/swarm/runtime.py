"""The swarm: agents registered by kind, and the entry points that run a plan on them.

::

    swarm = Swarm()
    swarm.spawn("quote", quote_handler, count=4)     # async def quote_handler(task) -> result
    swarm.spawn("swap", swap_handler)
    report = await swarm.run_dag(plan, on_event=print, timeout=30)
    report.raise_for_failure()                       # the failing task's own SwarmfiError
    report.results["q0"]

`run_dag_sync` runs the same on a fresh event loop for sync callers; Ctrl-C
there cancels the run cleanly and then raises KeyboardInterrupt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from swarmfi.errors import BugError
from swarmfi.plan.tasks import Plan, Task
from swarmfi.swarm.outcomes import Event, RetryPolicy, RunReport
from swarmfi.swarm.registry import Agent, Handler, Registry, Strategy
from swarmfi.swarm.scheduler import DagRun


class Swarm:
    """A registry of agents by kind, with defaults for the runs it carries out."""

    def __init__(
        self,
        *,
        strategy: Strategy = "least_busy",
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.registry = Registry(strategy)
        self.timeout = timeout  # default seconds per task attempt; None: no limit
        self.retry = retry or RetryPolicy()

    def __len__(self) -> int:
        return len(self.registry)

    def __iter__(self) -> Iterator[Agent]:
        return iter(self.registry)

    def add(self, agent: Agent) -> Agent:
        return self.registry.add(agent)

    def spawn(
        self, kind: str, handler: Handler, count: int = 1, *, capacity: int = 1, prefix: str = ""
    ) -> list[Agent]:
        """Create and register `count` agents of `kind` sharing `handler`."""
        names = [f"{prefix}-{i}" if prefix else "" for i in range(count)]
        return [self.add(Agent(kind, handler, name=n, capacity=capacity)) for n in names]

    def remove(self, agent: Agent) -> None:
        self.registry.remove(agent)

    def agents(self, kind: str) -> tuple[Agent, ...]:
        return self.registry.agents(kind)

    def kinds(self) -> tuple[str, ...]:
        return self.registry.kinds()

    def start(
        self,
        tasks: Plan | Iterable[Task],
        *,
        on_event: Callable[[Event], None] | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        fail_fast: bool = False,
    ) -> DagRun:
        """Begin running `tasks` on the running loop; `await run.wait()` for the report."""
        plan = tasks if isinstance(tasks, Plan) else Plan(tuple(tasks))
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            hint = "await swarm.run_dag(...), or call run_dag_sync"
            raise BugError("Swarm.start needs a running event loop", hint) from None
        run = DagRun(
            plan,
            self.registry,
            on_event=on_event,
            timeout=self.timeout if timeout is None else timeout,
            retry=retry or self.retry,
            fail_fast=fail_fast,
        )
        return run.begin()

    async def run_dag(self, tasks: Plan | Iterable[Task], **options: Any) -> RunReport:
        """Run `tasks` to the end; options as for `start`."""
        return await self.start(tasks, **options).wait()


async def run_dag(swarm: Swarm, tasks: Plan | Iterable[Task], **options: Any) -> RunReport:
    """Run `tasks` on `swarm` (see `Swarm.start` for the options)."""
    return await swarm.run_dag(tasks, **options)


def run_dag_sync(swarm: Swarm, tasks: Plan | Iterable[Task], **options: Any) -> RunReport:
    """`run_dag` for sync callers, on a fresh event loop; not callable from inside a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(swarm.run_dag(tasks, **options))
    raise BugError(
        "run_dag_sync was called from a running event loop", "use `await run_dag(...)` there"
    )
