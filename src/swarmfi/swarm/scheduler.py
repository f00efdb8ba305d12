"""The DAG scheduler: runs a Plan's tasks on a swarm's agents as their inputs become ready.

A `DagRun` is a state machine. Each attempt of a task is one asyncio Task
running `_attempt`, which calls the agent's handler and then settles the task
in place (frees the agent, records the outcome, dispatches what became ready),
so no coroutine waits per task and no done-callback round trip is paid. Rules:

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
  CancelledError, and `wait()` returns only after all of them have ended. A
  handler that completes anyway (say, its transaction was already sent) is
  reported done, never cancelled.

A SwarmfiError raised by a handler is kept as it is; anything else becomes a
BugError with the original chained as its cause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from time import perf_counter
from typing import TYPE_CHECKING, Any

from swarmfi.errors import BugError, ProviderError, SwarmfiError
from swarmfi.swarm.outcomes import Event, EventKind, Outcome, RetryPolicy, RunReport

if TYPE_CHECKING:
    from swarmfi.plan.tasks import Plan, Task
    from swarmfi.swarm.registry import Agent, Registry


class _Job:
    """One attempt of one task on one agent; `handle` is set once it starts."""

    __slots__ = ("agent", "attempt", "entered", "handle", "run", "started", "task")

    def __init__(self, run: DagRun, task: Task, attempt: int, agent: Agent) -> None:
        self.run = run
        self.task = task
        self.attempt = attempt
        self.agent = agent
        self.handle: asyncio.Task[None] | None = None
        self.started = 0.0
        self.entered = False  # its coroutine began (a Task cancelled before that never does)

    def start(self) -> None:
        self.run._launch(self)


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
        self._waiting = dict(plan.need_counts)
        self._results: dict[str, Any] = {}
        self._outcomes: dict[str, Outcome] = {}
        self._failures: list[str] = []
        self._jobs: dict[str, _Job] = {}  # queued or running
        self._timers: dict[str, asyncio.TimerHandle] = {}  # retries waiting out their backoff
        self._unstarted: list[asyncio.Task[None]] = []  # cancelled before their first step
        self._stopped = ""  # why the run was stopped; "" while it runs
        self._stop_cause: str | None = None
        self._stop_error: SwarmfiError | None = None
        self._fatal: BaseException | None = None
        self._finished: asyncio.Future[None] = self._loop.create_future()

    # -- public ---------------------------------------------------------------------------

    def begin(self) -> DagRun:
        for kind in {task.kind: None for task in self.plan.tasks}:
            self._registry.require(kind)  # refuse before anything runs
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
        await self._drain()  # tasks cancelled before their first step end on it
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
            self._cancelled(task_id, None)
        jobs = sorted(self._jobs.values(), key=lambda job: job.handle is not None)
        for job in jobs:  # the queued ones first, so that freed agents start none of them
            self._stop_job(job)
        for task in self.plan.order():
            if task.id not in self._outcomes and task.id not in self._jobs:
                self._cancelled(task.id, None)

    def report(self) -> RunReport:
        """The outcomes so far (tasks not yet ended are missing)."""
        outcomes = {t.id: self._outcomes[t.id] for t in self.plan.tasks if t.id in self._outcomes}
        return RunReport(outcomes, tuple(self._failures), self._now(), self._stopped)

    # -- the hot path: once per task, kept flat on purpose ---------------------------------

    def _dispatch(self, task_id: str, attempt: int) -> None:
        if self._stopped or task_id in self._outcomes:
            return
        task = self._tasks[task_id]
        try:
            if task.refs:
                task = task.resolved(self._results)
            agent = self._registry.acquire(task.kind)
        except SwarmfiError as exc:
            self._fail(task_id, exc)
            return
        job = _Job(self, task, attempt, agent)
        self._jobs[task_id] = job
        agent.accept(job)  # starts it now, or when the agent has a free slot

    def _launch(self, job: _Job) -> None:
        job.started = perf_counter()
        job.handle = self._loop.create_task(self._attempt(job))
        if self._on_event is not None:
            self._emit("started", job.task, attempt=job.attempt, agent=job.agent.name)

    async def _attempt(self, job: _Job) -> None:
        job.entered = True
        task = job.task
        timeout = task.timeout if task.timeout is not None else self._timeout
        try:
            if timeout is None:
                result = await job.agent.handler(task)
            else:
                result = await _timed(job.agent.handler, task, timeout)
        except asyncio.CancelledError:
            self._ended(job, None, None, cancelled=True)
        except Exception as exc:
            self._ended(job, None, exc)
        else:
            self._ended(job, result, None)

    def _ended(
        self, job: _Job, result: Any, exc: Exception | None, cancelled: bool = False
    ) -> None:
        try:
            self._free(job)
            if cancelled:
                self._interrupted(job)
            elif exc is not None:
                self._failed(job, exc)
            else:
                self._done(job, result)
        except Exception as bug:  # a bug of ours: stop rather than hang
            self._fatal = self._fatal or bug
            self.cancel("the scheduler failed")
            self._finish_if_idle()

    def _free(self, job: _Job) -> None:
        self._registry.release(job.agent)
        job.agent.finished()  # may start the agent's next waiting job
        del self._jobs[job.task.id]

    def _done(self, job: _Job, result: Any) -> None:
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
        if len(self._outcomes) == len(self._tasks):
            self._finish_if_idle()

    # -- failure, retry, cancellation -----------------------------------------------------

    def _failed(self, job: _Job, exc: Exception) -> None:
        if self._should_retry(job, exc):
            self._schedule_retry(job, exc)
        else:
            self._fail(job.task.id, _as_swarmfi(exc, job.task), job)

    def _interrupted(self, job: _Job) -> None:
        if self._stopped:
            self._cancelled(job.task.id, job)
        else:
            error = BugError(f"task {job.task.id!r}: its handler was cancelled by someone else")
            self._fail(job.task.id, error, job)

    def _should_retry(self, job: _Job, exc: BaseException) -> bool:
        return (
            job.task.is_read
            and not self._stopped
            and job.attempt < self._retry.attempts
            and self._retry.transient(exc)
        )

    def _schedule_retry(self, job: _Job, exc: Exception) -> None:
        task, attempt = job.task, job.attempt
        delay = self._retry.delay(attempt)
        self._timers[task.id] = self._loop.call_later(delay, self._retry_now, task.id, attempt)
        error, elapsed = _as_swarmfi(exc, task), perf_counter() - job.started
        self._emit(
            "retrying", task, attempt=attempt, agent=job.agent.name, elapsed=elapsed, error=error
        )

    def _retry_now(self, task_id: str, attempt: int) -> None:
        del self._timers[task_id]
        self._dispatch(task_id, attempt + 1)

    def _fail(self, task_id: str, error: SwarmfiError, job: _Job | None = None) -> None:
        task, (agent, attempts, started) = self._tasks[task_id], self._attempt_of(job)
        now = self._now()
        self._failures.append(task_id)
        self._record(
            Outcome(
                task_id, task.kind, "failed", None, error, None, "", agent, attempts, started, now
            )
        )
        elapsed = None if started is None else now - started
        self._emit("failed", task, attempt=attempts, agent=agent, error=error, elapsed=elapsed)
        for kid in self.plan.dependants(task_id):
            if kid not in self._outcomes:
                self._cancelled(kid, None, (f"task {task_id!r} failed", task_id, error))
        if self._fail_fast:
            self.cancel(f"task {task_id!r} failed", task_id)

    def _stop_job(self, job: _Job) -> None:
        if job.handle is None:  # waiting in its agent's inbox
            if job.agent.withdraw(job):
                self._registry.release(job.agent)
                del self._jobs[job.task.id]
                self._cancelled(job.task.id, None)
            return
        job.handle.cancel()  # a running handler settles itself, as done if it finished anyway
        if not job.entered:  # cancelled before its first step: its coroutine never runs
            self._unstarted.append(job.handle)
            self._free(job)
            self._cancelled(job.task.id, None)

    def _cancelled(
        self, task_id: str, job: _Job | None, why: tuple[str, str | None, Any] | None = None
    ) -> None:
        """Record `task_id` as cancelled: `why` is (reason, cause, error), else the run's stop."""
        reason, cause, error = why or (self._stopped, self._stop_cause, self._stop_error)
        self._timers.pop(task_id, None)
        task, (agent, attempts, started) = self._tasks[task_id], self._attempt_of(job)
        self._record(
            Outcome(
                task_id,
                task.kind,
                "cancelled",
                None,
                error,
                cause,
                reason,
                agent,
                attempts,
                started,
                self._now(),
            )
        )
        self._emit("cancelled", task, attempt=attempts, agent=agent, error=error, cause=cause)

    # -- bookkeeping ----------------------------------------------------------------------

    def _attempt_of(self, job: _Job | None) -> tuple[str, int, float | None]:
        """(agent name, attempt number, start time) of `job`, or blanks when none ran."""
        return (job.agent.name, job.attempt, job.started - self._t0) if job else ("", 0, None)

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
        handles += self._unstarted
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


def _as_swarmfi(exc: BaseException, task: Task) -> SwarmfiError:
    if isinstance(exc, SwarmfiError):
        return exc
    error = BugError(f"task {task.id!r} ({task.kind}) raised {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error
