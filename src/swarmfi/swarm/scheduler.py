"""The DAG scheduler: runs a Plan's tasks on a swarm's agents as their inputs become ready.

A `DagRun` is a state machine driven by asyncio done-callbacks: no coroutine
waits per task; one asyncio Task runs each attempt of each task. Rules:

- a task starts once every task it needs is done; its Refs are resolved then;
- each attempt has a timeout (the task's, else the run's); a timed-out attempt
  fails with a ProviderError;
- a failed task cancels every task that needs it, directly or not; each is
  reported as cancelled with the id and the error of the failure that caused
  it (with `fail_fast` the whole run stops instead);
- read tasks (`is_read=True`) are retried with exponential backoff on
  transient errors (ProviderError, OSError, timeouts); a write never is;
- `cancel()` (or cancelling the task awaiting `wait()`, e.g. on Ctrl-C) stops
  everything: waiting jobs leave their agents' inboxes, running handlers get
  CancelledError, and `wait()` returns only after all of them have ended.

A SwarmfiError raised by a handler is kept as it is; anything else becomes a
BugError with the original chained as its cause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from swarmfi.errors import BugError, ProviderError, SwarmfiError

if TYPE_CHECKING:
    from swarmfi.plan.tasks import Plan, Task
    from swarmfi.swarm.registry import Agent, Registry

Status = Literal["done", "failed", "cancelled"]
EventKind = Literal["started", "done", "failed", "retrying", "cancelled"]


@dataclass(frozen=True)
class RetryPolicy:
    """Retries for read tasks: `attempts` in all, waiting base * factor**n (capped) between them."""

    attempts: int = 3
    base_delay: float = 0.05
    factor: float = 2.0
    max_delay: float = 2.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        return min(self.max_delay, self.base_delay * self.factor ** (attempt - 1))

    @staticmethod
    def transient(exc: BaseException) -> bool:
        """Worth another try: an outside service failed or was slow."""
        return isinstance(exc, ProviderError | OSError)


@dataclass(frozen=True)
class Event:
    """Progress of one task; times are seconds since the run started."""

    kind: EventKind
    task_id: str
    task_kind: str
    at: float
    attempt: int = 1
    agent: str = ""
    elapsed: float | None = None  # how long the attempt ran (done, failed, retrying)
    error: SwarmfiError | None = None
    cause: str | None = None  # cancelled: the failed task that caused it
    label: str = ""


class Outcome(NamedTuple):
    """How one task ended. A cancelled task with `started` set was interrupted mid-run.

    A NamedTuple rather than a frozen dataclass: a run makes one per task, and
    this is four times cheaper to build.
    """

    task_id: str
    task_kind: str
    status: Status
    result: Any = None
    error: SwarmfiError | None = None
    cause: str | None = None  # cancelled because this task failed
    reason: str = ""  # cancelled: why
    agent: str = ""
    attempts: int = 0
    started: float | None = None
    ended: float | None = None


@dataclass(frozen=True)
class RunReport:
    """Every task's outcome, in plan order, plus the failures in the order they happened."""

    outcomes: Mapping[str, Outcome]
    failures: tuple[str, ...]
    elapsed: float
    cancelled: str = ""  # why the whole run was stopped, if it was

    @property
    def ok(self) -> bool:
        return all(o.status == "done" for o in self.outcomes.values())

    @property
    def results(self) -> dict[str, Any]:
        return {i: o.result for i, o in self.outcomes.items() if o.status == "done"}

    def with_status(self, status: Status) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes.values() if o.status == status)

    def raise_for_failure(self) -> None:
        """Raise the first task failure as it was raised, or an error if the run was stopped."""
        for task_id in self.failures:
            error = self.outcomes[task_id].error
            if error is not None:
                raise error
        if not self.ok:
            raise SwarmfiError(
                f"the run was stopped: {self.cancelled or 'tasks were cancelled'}",
                "nothing more was started; see the report for what had completed",
            )


class _Job:
    """One attempt of one task on one agent; `handle` is set once it starts."""

    __slots__ = ("agent", "attempt", "handle", "run", "started", "task")

    def __init__(self, run: DagRun, task: Task, attempt: int, agent: Agent) -> None:
        self.run = run
        self.task = task
        self.attempt = attempt
        self.agent = agent
        self.handle: asyncio.Task[Any] | None = None
        self.started = 0.0

    def start(self) -> None:
        self.run._launch(self)

    def ended(self, handle: asyncio.Task[Any]) -> None:
        self.run._ended(self, handle)


class DagRun:
    """One run of a Plan on a registry of agents. Use `Swarm.start` / `Swarm.run_dag`."""

    def __init__(
        self,
        plan: Plan,
        registry: Registry,
        *,
        on_event: Callable[[Event], None] | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        fail_fast: bool = False,
    ) -> None:
        self.plan = plan
        self._registry = registry
        self._on_event = on_event
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._fail_fast = fail_fast
        self._loop = asyncio.get_running_loop()
        self._t0 = perf_counter()
        self._tasks = plan.by_id
        self._children = plan.children
        self._waiting = {t.id: len(t.needs) for t in plan.tasks}
        self._results: dict[str, Any] = {}
        self._outcomes: dict[str, Outcome] = {}
        self._failures: list[str] = []
        self._jobs: dict[str, _Job] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._stopped = ""  # why the run was stopped; "" while it runs
        self._stop_cause: str | None = None
        self._stop_error: SwarmfiError | None = None
        self._fatal: BaseException | None = None
        self._finished: asyncio.Future[None] = self._loop.create_future()

    # -- public ---------------------------------------------------------------------------

    def begin(self) -> DagRun:
        self._check_kinds()
        if not self._tasks:
            self._finished.set_result(None)
        for task in self.plan.tasks:
            if not task.needs:
                self._dispatch(task.id, 1)
        return self

    async def wait(self) -> RunReport:
        """The report once every task has ended; on cancellation, stop the run cleanly first."""
        try:
            await asyncio.shield(self._finished)
        except asyncio.CancelledError:
            self.cancel("the run was cancelled")
            await self._drain()
            raise
        if self._fatal is not None:
            raise BugError(f"the swarm scheduler broke: {self._fatal!r}") from self._fatal
        return self.report()

    def cancel(self, reason: str = "the run was cancelled", cause: str | None = None) -> None:
        """Stop the run: nothing new starts, running handlers are cancelled."""
        if self._stopped or self._finished.done():
            return
        error = self._outcomes[cause].error if cause else None
        self._stopped, self._stop_cause, self._stop_error = reason, cause, error
        for task_id, timer in list(self._timers.items()):
            timer.cancel()
            self._cancelled(task_id, reason, cause, error)
        for job in list(self._jobs.values()):
            self._stop_job(job, reason, cause, error)
        for task in self.plan.order():
            if task.id not in self._outcomes and task.id not in self._jobs:
                self._cancelled(task.id, reason, cause, error)

    def report(self) -> RunReport:
        """The outcomes so far (tasks not yet ended are missing)."""
        outcomes = {t.id: self._outcomes[t.id] for t in self.plan.tasks if t.id in self._outcomes}
        return RunReport(outcomes, tuple(self._failures), self._now(), self._stopped)

    # -- dispatching ----------------------------------------------------------------------

    def _check_kinds(self) -> None:
        for kind in {task.kind: None for task in self.plan.tasks}:
            self._registry.require(kind)

    def _dispatch(self, task_id: str, attempt: int) -> None:
        if self._stopped or task_id in self._outcomes:
            return
        try:
            task = self._tasks[task_id].resolved(self._results)
            agent = self._registry.acquire(task.kind)
        except SwarmfiError as exc:
            self._fail(task_id, exc)
            return
        job = _Job(self, task, attempt, agent)
        self._jobs[task_id] = job
        agent.accept(job)

    def _launch(self, job: _Job) -> None:
        job.started = perf_counter()
        task = job.task
        timeout = task.timeout if task.timeout is not None else self._timeout
        try:
            if timeout is None:  # the common case: no wrapper coroutine
                job.handle = self._loop.create_task(job.agent.handler(task))
            else:
                job.handle = self._loop.create_task(_timed(job.agent.handler, task, timeout))
        except Exception as exc:  # the handler is not an async function, or raised when called
            job.handle = self._loop.create_task(_reraise(exc))
        job.handle.add_done_callback(job.ended)
        if self._on_event is not None:
            self._emit("started", task, attempt=job.attempt, agent=job.agent.name)

    def _ended(self, job: _Job, handle: asyncio.Task[Any]) -> None:
        try:
            self._registry.release(job.agent)
            job.agent.finished()
            del self._jobs[job.task.id]
            self._settle(job, handle)
        except Exception as exc:  # a bug of ours: stop rather than hang
            self._fatal = self._fatal or exc
            self.cancel("the scheduler failed")
            self._finish_if_idle()

    def _settle(self, job: _Job, handle: asyncio.Task[Any]) -> None:
        if handle.cancelled():
            self._interrupted(job)
            return
        exc = handle.exception()
        if exc is None:
            self._done(job, handle.result())
        elif self._should_retry(job, exc):
            self._schedule_retry(job, exc)
        else:
            self._fail(job.task.id, _as_swarmfi(exc, job.task), job)

    def _done(self, job: _Job, result: Any) -> None:  # the hot path: kept flat on purpose
        task, agent = job.task, job.agent.name
        started, now = job.started - self._t0, perf_counter() - self._t0
        self._results[task.id] = result
        self._outcomes[task.id] = Outcome(
            task.id, task.kind, "done", result, None, None, "", agent, job.attempt, started, now
        )
        if self._on_event is not None:
            self._emit("done", task, attempt=job.attempt, agent=agent, elapsed=now - started)
        waiting = self._waiting
        for kid in self._children[task.id]:
            waiting[kid] -= 1
            if not waiting[kid]:
                self._dispatch(kid, 1)
        self._finish_if_idle()

    def _interrupted(self, job: _Job) -> None:
        if self._stopped:
            self._cancelled(job.task.id, self._stopped, self._stop_cause, self._stop_error, job)
        else:
            error = BugError(f"task {job.task.id!r}: its handler was cancelled by someone else")
            self._fail(job.task.id, error, job)

    # -- failure, retry, cancellation -----------------------------------------------------

    def _should_retry(self, job: _Job, exc: BaseException) -> bool:
        return (
            job.task.is_read
            and not self._stopped
            and job.attempt < self._retry.attempts
            and self._retry.transient(exc)
        )

    def _schedule_retry(self, job: _Job, exc: BaseException) -> None:
        task_id = job.task.id
        delay = self._retry.delay(job.attempt)
        self._timers[task_id] = self._loop.call_later(delay, self._retry_now, task_id, job.attempt)
        self._emit(
            "retrying",
            job.task,
            attempt=job.attempt,
            agent=job.agent.name,
            elapsed=perf_counter() - job.started,
            error=_as_swarmfi(exc, job.task),
        )

    def _retry_now(self, task_id: str, attempt: int) -> None:
        del self._timers[task_id]
        self._dispatch(task_id, attempt + 1)

    def _fail(self, task_id: str, error: SwarmfiError, job: _Job | None = None) -> None:
        task = self._tasks[task_id]
        started = job.started - self._t0 if job else None
        self._failures.append(task_id)
        self._record(
            Outcome(
                task_id,
                task.kind,
                "failed",
                error=error,
                agent=job.agent.name if job else "",
                attempts=job.attempt if job else 0,
                started=started,
                ended=self._now(),
            )
        )
        self._emit(
            "failed",
            task,
            attempt=job.attempt if job else 0,
            agent=job.agent.name if job else "",
            error=error,
            elapsed=None if started is None else self._now() - started,
        )
        for kid in self.plan.dependants(task_id):
            if kid not in self._outcomes:
                self._cancelled(kid, f"task {task_id!r} failed", task_id, error)
        if self._fail_fast:
            self.cancel(f"task {task_id!r} failed", task_id)

    def _stop_job(self, job: _Job, reason: str, cause: str | None, error: Any) -> None:
        if job.handle is not None:
            job.handle.cancel()  # settles in _ended, as done if it had already finished
        elif job.agent.withdraw(job):
            self._registry.release(job.agent)
            del self._jobs[job.task.id]
            self._cancelled(job.task.id, reason, cause, error)

    def _cancelled(
        self,
        task_id: str,
        reason: str,
        cause: str | None,
        error: SwarmfiError | None,
        job: _Job | None = None,
    ) -> None:
        self._timers.pop(task_id, None)
        task = self._tasks[task_id]
        started = job.started - self._t0 if job else None
        self._record(
            Outcome(
                task_id,
                task.kind,
                "cancelled",
                error=error,
                cause=cause,
                reason=reason,
                agent=job.agent.name if job else "",
                attempts=job.attempt if job else 0,
                started=started,
                ended=self._now(),
            )
        )
        self._emit(
            "cancelled",
            task,
            attempt=job.attempt if job else 0,
            agent=job.agent.name if job else "",
            error=error,
            cause=cause,
        )

    # -- bookkeeping ----------------------------------------------------------------------

    def _record(self, outcome: Outcome) -> None:
        self._outcomes[outcome.task_id] = outcome
        self._finish_if_idle()

    def _finish_if_idle(self) -> None:
        if self._finished.done():
            return
        if len(self._outcomes) == len(self._tasks) or (self._fatal and not self._jobs):
            self._finished.set_result(None)

    def _emit(self, kind: EventKind, task: Task, **fields: Any) -> None:
        if self._on_event is None or self._fatal is not None:
            return
        try:
            self._on_event(Event(kind, task.id, task.kind, self._now(), label=task.label, **fields))
        except Exception as exc:  # a broken progress display must stop the run, not hide
            self._fatal = exc
            self.cancel("the progress callback failed")

    def _now(self) -> float:
        return perf_counter() - self._t0

    async def _drain(self) -> None:
        handles = [job.handle for job in self._jobs.values() if job.handle is not None]
        if handles:
            await asyncio.wait(handles)


async def _timed(handler: Callable[[Task], Any], task: Task, timeout: float) -> Any:
    try:
        async with asyncio.timeout(timeout) as scope:
            return await handler(task)
    except TimeoutError as exc:
        if not scope.expired():
            raise
        raise ProviderError(
            f"task {task.id!r} ({task.kind}) took longer than {timeout:g} s",
            "check the node or service it talks to, or give the task a longer timeout",
        ) from exc


async def _reraise(exc: Exception) -> None:
    raise exc


def _as_swarmfi(exc: BaseException, task: Task) -> SwarmfiError:
    if isinstance(exc, SwarmfiError):
        return exc
    error = BugError(f"task {task.id!r} ({task.kind}) raised {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error
