import asyncio
from dataclasses import dataclass
from fractions import Fraction
from time import perf_counter

import pytest

from swarmfi.errors import BugError, ChainProviderError, PlanError, PolicyError, ProviderError
from swarmfi.swarm import Event, Ref, RetryPolicy, Swarm, Task, run_dag, run_dag_sync


class Log:
    """What handlers saw, in order: ("start"|"end", task id, perf_counter)."""

    def __init__(self):
        self.entries = []
        self.inputs = {}

    def starts(self):
        return [i for what, i, _ in self.entries if what == "start"]

    def time(self, what, task_id):
        return next(t for w, i, t in self.entries if w == what and i == task_id)


def echo(log, delay=0.0, result=None):
    async def handler(task):
        log.entries.append(("start", task.id, perf_counter()))
        log.inputs[task.id] = task.inputs
        await asyncio.sleep(delay)
        log.entries.append(("end", task.id, perf_counter()))
        return {"id": task.id, "amount_out": 1000} if result is None else result

    return handler


def raising(error, log=None):
    async def handler(task):
        if log is not None:
            log.entries.append(("start", task.id, perf_counter()))
        await asyncio.sleep(0)
        raise error

    return handler


def test_a_chain_runs_in_dependency_order():
    log = Log()
    swarm = Swarm()
    swarm.spawn("step", echo(log, 0.001), count=3)
    tasks = [
        Task("c", "step", depends_on=("b",)),
        Task("b", "step", depends_on=("a",)),
        Task("a", "step"),
    ]
    report = run_dag_sync(swarm, tasks)
    assert report.ok
    assert log.starts() == ["a", "b", "c"]
    assert log.time("end", "a") <= log.time("start", "b")
    assert log.time("end", "b") <= log.time("start", "c")


def test_independent_tasks_run_at_the_same_time():
    running = []
    all_in = asyncio.Event()

    async def meet(task):
        running.append(task.id)
        if len(running) == 3:
            all_in.set()
        await all_in.wait()  # deadlocks (and times out) unless all three run together
        return task.id

    swarm = Swarm(timeout=2)
    swarm.spawn("meet", meet, count=3)
    report = run_dag_sync(swarm, [Task(f"t{i}", "meet") for i in range(3)])
    assert report.ok, report.failures
    assert sorted(running) == ["t0", "t1", "t2"]


def test_a_diamond_runs_its_middle_in_parallel_and_joins_after_both():
    log = Log()
    swarm = Swarm()
    swarm.spawn("w", echo(log, 0.02), count=2)
    tasks = [
        Task("a", "w"),
        Task("b", "w", depends_on=("a",)),
        Task("c", "w", depends_on=("a",)),
        Task("d", "w", depends_on=("b", "c")),
    ]
    report = run_dag_sync(swarm, tasks)
    assert report.ok
    assert log.time("start", "c") < log.time("end", "b")  # overlapped
    assert log.time("start", "d") >= max(log.time("end", "b"), log.time("end", "c"))


@dataclass(frozen=True)
class SwapResult:
    amount_out: int
    path: tuple[str, ...]


def test_data_edges_are_resolved_from_earlier_results_at_run_time():
    log = Log()

    async def swap(task):
        return SwapResult(amount_out=task.inputs["amount"] * 3, path=("WETH", "USDC"))

    swarm = Swarm()
    swarm.spawn("quote", echo(log, result={"amount_out": 1001, "fee": {"bps": 30}}))
    swarm.spawn("swap", swap)
    swarm.spawn("supply", echo(log))
    tasks = [
        Task("q", "quote", is_read=True),
        Task("s", "swap", {"amount": Ref("q", "amount_out", Fraction(1, 2))}),
        Task(
            "l",
            "supply",
            {
                "asset": Ref("s", "path.1"),
                "amount": Ref("s", "amount_out"),
                "fee": Ref("q", "fee.bps"),
                "fixed": 7,
            },
        ),
    ]
    report = run_dag_sync(swarm, tasks)
    assert report.ok
    assert report.results["s"] == SwapResult(amount_out=1500, path=("WETH", "USDC"))
    assert log.inputs["l"] == {"asset": "USDC", "amount": 1500, "fee": 30, "fixed": 7}


def test_a_ref_to_a_missing_field_fails_that_task_as_a_bug():
    log = Log()
    swarm = Swarm()
    swarm.spawn("w", echo(log, result={"amount_out": 5}))
    tasks = [
        Task("q", "w"),
        Task("s", "w", {"x": Ref("q", "amount_in")}),
        Task("t", "w", depends_on=("s",)),
    ]
    report = run_dag_sync(swarm, tasks)
    assert [o.status for o in report.outcomes.values()] == ["done", "failed", "cancelled"]
    assert isinstance(report.outcomes["s"].error, BugError)
    assert "has no field 'amount_in'" in report.outcomes["s"].error.message
    assert log.starts() == ["q"]


def test_a_task_over_its_timeout_fails_with_a_provider_error():
    log = Log()
    swarm = Swarm(timeout=5)
    swarm.spawn("slow", echo(log, delay=10))
    swarm.spawn("fast", echo(log, delay=10))
    began = perf_counter()
    report = run_dag_sync(swarm, [Task("s", "slow", timeout=0.05), Task("f", "fast")], timeout=0.1)
    assert perf_counter() - began < 2
    for task_id, limit in (("s", "0.05"), ("f", "0.1")):
        error = report.outcomes[task_id].error
        assert isinstance(error, ProviderError)
        assert f"took longer than {limit} s" in error.message
        assert isinstance(error.__cause__, TimeoutError)


def test_a_handlers_own_timeout_error_is_not_mistaken_for_the_tasks():
    async def handler(task):
        async with asyncio.timeout(0.001):
            await asyncio.sleep(1)

    swarm = Swarm(timeout=5)
    swarm.spawn("w", handler)
    report = run_dag_sync(swarm, [Task("a", "w")])
    error = report.outcomes["a"].error
    assert isinstance(error, BugError)
    assert isinstance(error.__cause__, TimeoutError)


def test_a_failure_cancels_its_dependants_and_leaves_the_rest_running():
    log = Log()
    failure = ChainProviderError("node down")
    swarm = Swarm()
    swarm.spawn("w", echo(log, 0.01), count=2)
    swarm.spawn("bad", raising(failure))
    tasks = [
        Task("a", "bad"),
        Task("b", "w", depends_on=("a",)),
        Task("c", "w", {"x": Ref("b", "amount_out")}),
        Task("d", "w"),
        Task("e", "w", depends_on=("d",)),
    ]
    report = run_dag_sync(swarm, tasks)
    status = {i: o.status for i, o in report.outcomes.items()}
    assert status == {"a": "failed", "b": "cancelled", "c": "cancelled", "d": "done", "e": "done"}
    for task_id in ("b", "c"):
        outcome = report.outcomes[task_id]
        assert (outcome.cause, outcome.error, outcome.started) == ("a", failure, None)
        assert outcome.reason == "task 'a' failed"
    assert report.failures == ("a",)
    assert sorted(log.starts()) == ["d", "e"]


def test_a_failing_tasks_own_error_reaches_the_caller():
    refusal = PolicyError("swap exceeds the daily cap", rule="daily_cap")
    swarm = Swarm()
    swarm.spawn("swap", raising(refusal))
    report = run_dag_sync(swarm, [Task("s", "swap")])
    assert report.outcomes["s"].error is refusal
    with pytest.raises(PolicyError) as info:
        report.raise_for_failure()
    assert info.value is refusal


def test_an_unexpected_exception_becomes_a_bug_error_with_the_original_chained():
    original = ValueError("bad math")
    swarm = Swarm()
    swarm.spawn("risk", raising(original))
    report = run_dag_sync(swarm, [Task("r", "risk")])
    error = report.outcomes["r"].error
    assert isinstance(error, BugError)
    assert error.__cause__ is original
    assert "task 'r' (risk) raised ValueError: bad math" in error.message


def flaky(failures, log, error=None):
    """A handler that raises `error` for the first `failures` calls, then succeeds."""
    calls = []

    async def handler(task):
        calls.append(perf_counter())
        log.entries.append(("start", task.id, calls[-1]))
        if len(calls) <= failures:
            raise error or ChainProviderError("connection reset")
        return {"attempt": len(calls)}

    return handler, calls


def test_a_read_is_retried_with_backoff_until_it_succeeds():
    log, events = Log(), []
    handler, calls = flaky(2, log)
    swarm = Swarm(retry=RetryPolicy(attempts=3, base_delay=0.02, factor=2))
    swarm.spawn("quote", handler)
    report = run_dag_sync(swarm, [Task("q", "quote", is_read=True)], on_event=events.append)
    assert report.results["q"] == {"attempt": 3}
    assert report.outcomes["q"].attempts == 3
    assert calls[1] - calls[0] >= 0.02 and calls[2] - calls[1] >= 0.04
    assert [e.kind for e in events] == [
        "started",
        "retrying",
        "started",
        "retrying",
        "started",
        "done",
    ]
    assert [e.attempt for e in events if e.kind == "started"] == [1, 2, 3]


def test_a_write_that_fails_once_is_never_retried():
    log = Log()
    handler, calls = flaky(1, log)
    swarm = Swarm(retry=RetryPolicy(attempts=5, base_delay=0.001))
    swarm.spawn("swap", handler)
    report = run_dag_sync(swarm, [Task("s", "swap")])
    assert len(calls) == 1
    assert report.outcomes["s"].status == "failed"
    assert isinstance(report.outcomes["s"].error, ChainProviderError)


def test_a_read_is_not_retried_for_a_deterministic_error_and_stops_after_its_attempts():
    log = Log()
    refused, refused_calls = flaky(9, log, PolicyError("token not allowed"))
    down, down_calls = flaky(9, log)
    swarm = Swarm(retry=RetryPolicy(attempts=4, base_delay=0.001))
    swarm.spawn("risk", refused)
    swarm.spawn("quote", down)
    report = run_dag_sync(
        swarm, [Task("r", "risk", is_read=True), Task("q", "quote", is_read=True)]
    )
    assert len(refused_calls) == 1
    assert len(down_calls) == 4
    assert report.outcomes["q"].attempts == 4
    assert report.outcomes["q"].status == "failed"


def test_fail_fast_stops_the_independent_branches_too():
    log = Log()
    swarm = Swarm()
    swarm.spawn("bad", raising(ChainProviderError("down")))
    swarm.spawn("slow", echo(log, delay=5))
    report = run_dag_sync(
        swarm,
        [Task("s", "slow"), Task("b", "bad"), Task("t", "slow", depends_on=("s",))],
        fail_fast=True,
    )
    status = {i: o.status for i, o in report.outcomes.items()}
    assert status == {"s": "cancelled", "b": "failed", "t": "cancelled"}
    assert report.outcomes["s"].started is not None  # interrupted mid-run
    assert report.outcomes["s"].cause == "b"
    assert report.cancelled == "task 'b' failed"
    assert log.starts() == ["s"]


def test_progress_events_tell_start_end_and_timings():
    events: list[Event] = []
    swarm = Swarm()
    swarm.spawn("w", echo(Log(), delay=0.01))
    swarm.spawn("bad", raising(ProviderError("down")))
    tasks = [
        Task("a", "w", label="quote"),
        Task("b", "bad", depends_on=("a",)),
        Task("c", "w", depends_on=("b",)),
    ]
    run_dag_sync(swarm, tasks, on_event=events.append)
    assert [(e.kind, e.task_id) for e in events] == [
        ("started", "a"),
        ("done", "a"),
        ("started", "b"),
        ("failed", "b"),
        ("cancelled", "c"),
    ]
    done = events[1]
    assert done.label == "quote" and done.task_kind == "w" and done.agent.startswith("w-")
    assert done.elapsed is not None and done.elapsed >= 0.01
    assert events[0].at <= done.at <= events[2].at
    assert events[4].cause == "b" and isinstance(events[4].error, ProviderError)


def test_a_broken_progress_callback_stops_the_run_as_a_bug():
    seen = []

    def on_event(event):
        seen.append(event.kind)
        if event.kind == "done":
            raise RuntimeError("display broke")

    swarm = Swarm()
    swarm.spawn("w", echo(Log(), delay=0.01), count=3)
    with pytest.raises(BugError) as info:
        run_dag_sync(swarm, [Task("a", "w"), Task("b", "w", depends_on=("a",))], on_event=on_event)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert seen == ["started", "done"]


def test_a_kind_without_agents_is_refused_before_anything_runs():
    log = Log()
    swarm = Swarm()
    swarm.spawn("quote", echo(log))
    with pytest.raises(PlanError, match="no agent of kind 'swpa'"):
        run_dag_sync(swarm, [Task("q", "quote"), Task("s", "swpa", depends_on=("q",))])
    assert log.entries == []


def test_a_handler_that_is_not_async_fails_its_task_as_a_bug():
    def sync_handler(task):
        return 1

    swarm = Swarm()
    swarm.spawn("w", sync_handler)  # type: ignore[arg-type]
    report = run_dag_sync(swarm, [Task("a", "w")])
    assert isinstance(report.outcomes["a"].error, BugError)
    assert isinstance(report.outcomes["a"].error.__cause__, TypeError)


def test_the_report_lists_results_and_an_empty_plan_is_fine():
    swarm = Swarm()
    swarm.spawn("w", echo(Log(), result=42))
    report = run_dag_sync(swarm, [Task("a", "w"), Task("b", "w")])
    assert report.ok and report.results == {"a": 42, "b": 42}
    report.raise_for_failure()
    assert [o.task_id for o in report.with_status("done")] == ["a", "b"]
    assert run_dag_sync(swarm, []).outcomes == {}


def test_the_async_entry_point_and_reuse_of_a_swarm_across_runs():
    swarm = Swarm()
    swarm.spawn("w", echo(Log(), result=1), count=2)

    async def main():
        first = await run_dag(swarm, [Task("a", "w")])
        second = await swarm.run_dag([Task("a", "w"), Task("b", "w", depends_on=("a",))])
        return first, second

    first, second = asyncio.run(main())
    assert first.results == {"a": 1} and second.results == {"a": 1, "b": 1}
    assert all(agent.load == 0 and agent.running == 0 for agent in swarm)
