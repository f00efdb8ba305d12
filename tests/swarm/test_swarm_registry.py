import asyncio
from collections import Counter

import pytest

from swarmfi.errors import BugError, PlanError
from swarmfi.swarm import Agent, Registry, Swarm, Task, run_dag_sync


async def noop(task):
    return None


def test_least_busy_prefers_idle_agents_and_rotates_among_ties():
    registry = Registry()
    agents = [registry.add(Agent("swap", noop, name=f"a{i}")) for i in range(3)]
    picks = [registry.acquire("swap").name for _ in range(5)]
    assert picks == ["a0", "a1", "a2", "a0", "a1"]
    assert [a.load for a in agents] == [2, 2, 1]
    registry.release(agents[0])
    registry.release(agents[0])
    assert registry.acquire("swap") is agents[0]  # now the least busy
    assert registry.acquire("swap") is agents[2]


def test_round_robin_ignores_load():
    registry = Registry("round_robin")
    for i in range(3):
        registry.add(Agent("quote", noop, name=f"q{i}"))
    assert [registry.acquire("quote").name for _ in range(4)] == ["q0", "q1", "q2", "q0"]


def test_removed_agents_are_not_chosen_and_bad_use_is_refused():
    registry = Registry()
    a, b = registry.add(Agent("vote", noop)), registry.add(Agent("vote", noop))
    busy = registry.acquire("vote")
    registry.remove(busy)
    registry.release(busy)
    assert busy.load == 0
    assert {registry.acquire("vote") for _ in range(3)} == {a, b} - {busy}
    with pytest.raises(BugError, match="already registered"):
        registry.add(a if a is not busy else b)
    with pytest.raises(PlanError, match="no agent of kind 'launch'"):
        registry.acquire("launch")
    with pytest.raises(BugError, match="unknown strategy"):
        Registry("random")  # type: ignore[arg-type]
    with pytest.raises(BugError, match="capacity must be at least 1"):
        Agent("vote", noop, capacity=0)
    assert registry.kinds() == ("vote",)


def test_an_agent_runs_up_to_its_capacity_and_queues_the_rest_in_its_inbox():
    peak, running, seen_inbox = [0], [0], []

    async def handler(task):
        running[0] += 1
        peak[0] = max(peak[0], running[0])
        seen_inbox.append(len(agent.inbox))
        await asyncio.sleep(0.005)
        running[0] -= 1
        return task.id

    swarm = Swarm()
    (agent,) = swarm.spawn("w", handler, capacity=2)
    report = run_dag_sync(swarm, [Task(f"t{i}", "w") for i in range(5)])
    assert report.ok
    assert peak == [2]
    assert seen_inbox[:2] == [3, 3]  # t2..t4 waited while t0 and t1 ran
    assert agent.inbox == () and agent.queued == 0


def test_thousands_of_agents_share_the_work_and_idle_ones_own_no_coroutine_or_queue():
    used = Counter()

    async def handler(task):
        await asyncio.sleep(0)
        used[task.inputs["kind_index"]] += 1
        return task.id

    kinds = ["quote", "swap", "supply", "vote"]
    swarm = Swarm()
    for kind in kinds:
        swarm.spawn(kind, handler, count=500)

    async def main():
        idle_tasks = len(asyncio.all_tasks())
        run = swarm.start(Task(f"t{i}", kinds[i % 4], {"kind_index": i % 4}) for i in range(6000))
        busy = sum(1 for a in swarm if a.running)
        report = await run.wait()
        return idle_tasks, busy, report

    idle_tasks, busy, report = asyncio.run(main())
    assert idle_tasks == 1  # 2000 registered agents, no coroutine among them
    assert busy == 2000  # least busy: every agent got work at once
    assert report.ok and len(report.results) == 6000
    assert used == {0: 1500, 1: 1500, 2: 1500, 3: 1500}
    assert all(a._inbox is None and a.load == 0 for a in swarm)


def test_a_kind_whose_last_agent_was_removed_has_no_agents():
    registry = Registry()
    agent = registry.add(Agent("wrap", noop))
    registry.remove(agent)
    assert registry.kinds() == () and registry.agents("wrap") == ()
    with pytest.raises(PlanError, match="no agent of kind 'wrap'"):
        registry.acquire("wrap")
    registry.add(agent)
    assert registry.acquire("wrap") is agent
