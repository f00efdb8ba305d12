"""Agents and the registry that chooses one of a kind for each task.

An idle agent is a small slotted object: no coroutine, no queue object (its
inbox is created on first overflow). Work reaches it through `accept`; when a
job ends, `finished` starts the next one from its inbox. The scheduler and the
event loop are the one shared dispatcher, so only busy agents cost anything
(about 200 bytes per idle agent, against some 4 KB for a coroutine per agent).

The registry keeps, per kind, agents bucketed by load (running + queued jobs),
so choosing the least busy agent is O(1) however many agents there are; ties
rotate, which makes an idle pool round-robin.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from itertools import count
from typing import TYPE_CHECKING, Any, Literal, Protocol

from swarmfi.errors import BugError, PlanError

if TYPE_CHECKING:
    from swarmfi.plan.tasks import Task

Handler = Callable[["Task"], Coroutine[Any, Any, Any]]
Strategy = Literal["least_busy", "round_robin"]
_serial = count()


class Job(Protocol):
    """What an agent's inbox holds: the scheduler's record of one task attempt."""

    task: Task

    def start(self) -> None: ...


class Agent:
    """A narrow worker: one `kind`, an async `handler(task) -> result`, an inbox of waiting jobs."""

    __slots__ = ("_inbox", "capacity", "handler", "kind", "load", "name", "running")

    def __init__(self, kind: str, handler: Handler, *, name: str = "", capacity: int = 1) -> None:
        if not kind or not isinstance(kind, str):
            raise BugError(f"an agent needs a kind, got {kind!r}", "pass a kind such as 'swap'")
        if not callable(handler):
            raise BugError(
                f"agent {kind!r}: handler {handler!r} is not callable",
                "pass an async function taking the task",
            )
        if capacity < 1:
            raise BugError(f"agent {kind!r}: capacity must be at least 1", "use capacity=1 or more")
        self.kind = kind
        self.handler = handler
        self.name = name or f"{kind}-{next(_serial)}"
        self.capacity = capacity  # jobs this agent runs at once; the rest wait in its inbox
        self.running = 0
        self.load = 0  # running + queued; kept by the registry
        self._inbox: deque[Job] | None = None

    def __repr__(self) -> str:
        return f"Agent({self.name!r}, running={self.running}, queued={self.queued})"

    @property
    def inbox(self) -> tuple[Task, ...]:
        """The tasks waiting for this agent, oldest first."""
        return tuple(job.task for job in self._inbox or ())

    @property
    def queued(self) -> int:
        return len(self._inbox) if self._inbox else 0

    def accept(self, job: Job) -> None:
        """Start `job` now if a slot is free, else queue it."""
        if self.running < self.capacity:
            self.running += 1
            job.start()
        elif self._inbox is None:
            self._inbox = deque((job,))
        else:
            self._inbox.append(job)

    def finished(self) -> None:
        """A job of this agent ended: start the next waiting one, if any."""
        self.running -= 1
        if self._inbox:
            self.running += 1
            self._inbox.popleft().start()
        if self._inbox is not None and not self._inbox:
            self._inbox = None  # an idle agent owns no queue

    def withdraw(self, job: Job) -> bool:
        """Take a waiting `job` back out of the inbox; False if it is not waiting here."""
        if not self._inbox or job not in self._inbox:
            return False
        self._inbox.remove(job)
        if not self._inbox:
            self._inbox = None
        return True


class _Pool:
    """The agents of one kind, bucketed by load; `low` <= the lowest non-empty bucket."""

    __slots__ = ("buckets", "low", "ring", "turn")

    def __init__(self) -> None:
        self.buckets: list[dict[Agent, None]] = [{}]
        self.low = 0
        self.ring: list[Agent] = []  # registration order, for round robin
        self.turn = 0

    def add(self, agent: Agent) -> None:
        while len(self.buckets) <= agent.load:
            self.buckets.append({})
        self.buckets[agent.load][agent] = None
        self.low = min(self.low, agent.load)
        self.ring.append(agent)

    def remove(self, agent: Agent) -> None:
        del self.buckets[agent.load][agent]
        self.ring.remove(agent)

    # The three methods below run once per task: kept flat on purpose.

    def take_least_busy(self) -> Agent:
        """The first of the least busy agents, its load counted up (it goes to the back)."""
        buckets, low = self.buckets, self.low
        while not buckets[low]:
            low += 1
        self.low = low
        agent = next(iter(buckets[low]))
        self.up(agent)
        return agent

    def up(self, agent: Agent) -> None:
        buckets, load = self.buckets, agent.load
        del buckets[load][agent]
        agent.load = load = load + 1
        if load == len(buckets):
            buckets.append({agent: None})
        else:
            buckets[load][agent] = None

    def down(self, agent: Agent) -> None:
        buckets, load = self.buckets, agent.load
        del buckets[load][agent]
        agent.load = load = load - 1
        buckets[load][agent] = None
        if load < self.low:
            self.low = load

    def take_next_in_turn(self) -> Agent:
        self.turn %= len(self.ring)
        self.turn += 1
        agent = self.ring[self.turn - 1]
        self.up(agent)
        return agent


class Registry:
    """Agents by kind; `acquire(kind)` picks one and counts the job against it until `release`."""

    def __init__(self, strategy: Strategy = "least_busy") -> None:
        if strategy not in ("least_busy", "round_robin"):
            raise BugError(f"unknown strategy {strategy!r}", "use 'least_busy' or 'round_robin'")
        self.strategy: Strategy = strategy
        self._least_busy = strategy == "least_busy"
        self._pools: dict[str, _Pool] = {}
        self._members: dict[Agent, _Pool] = {}

    def __len__(self) -> int:
        return len(self._members)

    def __iter__(self) -> Iterator[Agent]:
        return iter(self._members)

    def kinds(self) -> tuple[str, ...]:
        return tuple(self._pools)

    def agents(self, kind: str) -> tuple[Agent, ...]:
        pool = self._pools.get(kind)
        return tuple(pool.ring) if pool else ()

    def add(self, agent: Agent) -> Agent:
        if agent in self._members:
            raise BugError(f"agent {agent.name!r} is already registered", "add each agent once")
        pool = self._pools.setdefault(agent.kind, _Pool())
        pool.add(agent)
        self._members[agent] = pool
        return agent

    def remove(self, agent: Agent) -> None:
        """Stop choosing `agent`; jobs it already holds still run."""
        pool = self._members.pop(agent)
        pool.remove(agent)
        if not pool.ring:
            del self._pools[agent.kind]

    def require(self, kind: str) -> _Pool:
        """The agents of `kind`; a PlanError naming the kind if there are none."""
        pool = self._pools.get(kind)
        if pool is None:
            raise PlanError(
                f"no agent of kind {kind!r} in the swarm",
                f"add one with swarm.spawn({kind!r}, handler) before running the plan",
            )
        return pool

    def acquire(self, kind: str) -> Agent:
        """Choose an agent of `kind` and count one more job against it."""
        pool = self._pools.get(kind) or self.require(kind)
        return pool.take_least_busy() if self._least_busy else pool.take_next_in_turn()

    def release(self, agent: Agent) -> None:
        pool = self._members.get(agent)
        if pool is None:  # removed while busy
            agent.load -= 1
        else:
            pool.down(agent)
