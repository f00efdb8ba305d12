import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from swarmfi.errors import BugError, SwarmfiError
from swarmfi.swarm import Swarm, Task, run_dag_sync


def blocking(started, interrupted):
    async def handler(task):
        started.append(task.id)
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            interrupted.append(task.id)
            raise
        return task.id

    return handler


async def quick(task):
    return task.id


def plan():
    # two agents of "slow": s0 and s1 run, s2 (after q) waits in an inbox, "after" waits on s0
    return [
        Task("q", "quick"),
        Task("s0", "slow"),
        Task("s1", "slow"),
        Task("s2", "slow", depends_on=("q",)),
        Task("after", "quick", depends_on=("s0",)),
    ]


def test_cancelling_the_awaiting_task_stops_the_run_and_leaves_clean_state():
    started, interrupted, events = [], [], []
    swarm = Swarm()
    swarm.spawn("slow", blocking(started, interrupted), count=2)
    swarm.spawn("quick", quick)

    async def main():
        runner = asyncio.create_task(swarm.run_dag(plan(), on_event=events.append))
        while len(started) < 2 or not any(a.queued for a in swarm):
            await asyncio.sleep(0.001)
        assert [a.queued for a in swarm.agents("slow")] in ([1, 0], [0, 1])
        runner.cancel()
        with pytest.raises(asyncio.CancelledError):
            await runner
        return asyncio.all_tasks()

    left = asyncio.run(main())
    assert len(left) == 1  # only main(): no handler or helper task outlives the run
    assert sorted(started) == sorted(interrupted) == ["s0", "s1"]
    assert all((a.load, a.running, a.queued) == (0, 0, 0) for a in swarm)
    ended = {e.task_id: e.kind for e in events if e.kind != "started"}
    assert ended == {
        "q": "done",
        "s0": "cancelled",
        "s1": "cancelled",
        "s2": "cancelled",
        "after": "cancelled",
    }


def test_run_cancel_returns_a_report_keeping_what_completed():
    started, interrupted = [], []
    swarm = Swarm()
    swarm.spawn("slow", blocking(started, interrupted), count=2)
    swarm.spawn("quick", quick)

    async def main():
        run = swarm.start(plan())
        while len(started) < 2 or not any(a.queued for a in swarm):
            await asyncio.sleep(0.001)
        run.cancel("the user pressed stop")
        return await run.wait()

    report = asyncio.run(main())
    status = {i: o.status for i, o in report.outcomes.items()}
    assert status == {
        "q": "done",
        "s0": "cancelled",
        "s1": "cancelled",
        "s2": "cancelled",
        "after": "cancelled",
    }
    assert report.cancelled == "the user pressed stop"
    assert report.outcomes["s0"].started is not None and report.outcomes["s2"].started is None
    assert report.outcomes["s2"].reason == "the user pressed stop"
    with pytest.raises(SwarmfiError, match="the run was stopped: the user pressed stop"):
        report.raise_for_failure()


def test_a_handler_that_completes_despite_cancellation_is_reported_done():
    # a write whose transaction went out must never be reported as not having happened
    entered = asyncio.Event()

    async def stubborn(task):
        entered.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            return "sent"  # e.g. the broadcast had already happened
        return "slept"

    swarm = Swarm()
    swarm.spawn("send", stubborn)

    async def main():
        run = swarm.start([Task("tx", "send"), Task("next", "send", depends_on=("tx",))])
        await entered.wait()
        run.cancel("stop")
        return await run.wait()

    report = asyncio.run(main())
    assert report.outcomes["tx"].status == "done"
    assert report.results == {"tx": "sent"}
    assert report.outcomes["next"].status == "cancelled"


def test_a_handler_cancelled_from_outside_fails_as_a_bug():
    handles = []

    async def handler(task):
        handles.append(asyncio.current_task())
        await asyncio.sleep(30)

    async def main():
        swarm = Swarm()
        swarm.spawn("w", handler)
        run = swarm.start([Task("a", "w")])
        while not handles:
            await asyncio.sleep(0.001)
        handles[0].cancel()
        return await run.wait()

    report = asyncio.run(main())
    assert isinstance(report.outcomes["a"].error, BugError)
    assert "cancelled by someone else" in report.outcomes["a"].error.message


def test_the_swarm_runs_again_after_a_cancelled_run():
    started, interrupted = [], []
    swarm = Swarm()
    swarm.spawn("slow", blocking(started, interrupted), count=2)
    swarm.spawn("quick", quick)

    async def main():
        runner = asyncio.create_task(swarm.run_dag(plan()))
        while len(started) < 2:
            await asyncio.sleep(0.001)
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        return await swarm.run_dag([Task("a", "quick"), Task("b", "quick", depends_on=("a",))])

    assert asyncio.run(main()).results == {"a": "a", "b": "b"}


def test_sync_wrapper_refuses_to_run_inside_an_event_loop():
    async def main():
        run_dag_sync(Swarm(), [])

    with pytest.raises(BugError, match="called from a running event loop"):
        asyncio.run(main())
    with pytest.raises(BugError, match="needs a running event loop"):
        Swarm().start([])


CTRL_C_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from swarmfi.swarm import Swarm, Task, run_dag_sync

    interrupted, events = [], []

    async def slow(task):
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            interrupted.append(task.id)
            raise

    def on_event(event):
        events.append([event.kind, event.task_id])
        if event.kind == "started" and event.task_id == "b":
            print("ready", flush=True)

    swarm = Swarm()
    swarm.spawn("slow", slow, count=2)
    tasks = [Task("a", "slow"), Task("b", "slow"), Task("c", "slow", depends_on=("a",))]
    try:
        run_dag_sync(swarm, tasks, on_event=on_event)
    except KeyboardInterrupt:
        clean = all((a.load, a.running, a.queued) == (0, 0, 0) for a in swarm)
        print(json.dumps({"interrupted": sorted(interrupted), "events": events, "clean": clean}))
        sys.exit(130)
    """
)


def test_ctrl_c_cancels_the_run_cleanly_and_raises_keyboard_interrupt():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_SCRIPT], stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=30)
    assert child.returncode == 130
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["interrupted"] == ["a", "b"]
    assert summary["clean"] is True
    assert sorted(summary["events"][-3:]) == [
        ["cancelled", "a"],
        ["cancelled", "b"],
        ["cancelled", "c"],
    ]


def test_cancelling_before_any_handler_ran_settles_everything_at_once():
    entered, events = [], []

    async def handler(task):
        entered.append(task.id)

    swarm = Swarm()
    swarm.spawn("w", handler, count=2)

    async def main():
        run = swarm.start([Task(f"t{i}", "w") for i in range(4)], on_event=events.append)
        run.cancel("changed my mind")
        report = await run.wait()
        return report, asyncio.all_tasks()

    report, left = asyncio.run(main())
    assert entered == []
    assert [o.status for o in report.outcomes.values()] == ["cancelled"] * 4
    assert [e.kind for e in events].count("started") == 2  # t0, t1 had been handed to agents
    assert len(left) == 1
    assert all((a.load, a.running, a.queued) == (0, 0, 0) for a in swarm)
