import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.errors import PolicyError
from swarmfi.swarm import Ref, Swarm, Task


@st.composite
def dags(draw):
    """Random DAGs: each task needs a few earlier ones, via depends_on or a data edge."""
    n = draw(st.integers(min_value=1, max_value=25))
    tasks = []
    for i in range(n):
        earlier = [f"t{j}" for j in range(i)]
        needs = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=3)) if earlier else []
        split = draw(st.integers(min_value=0, max_value=len(needs)))
        inputs = {f"in_{d}": Ref(d, "id") for d in needs[:split]}
        tasks.append(Task(f"t{i}", draw(st.sampled_from(["a", "b"])), inputs, tuple(needs[split:])))
    failing = draw(st.sets(st.sampled_from([t.id for t in tasks]), max_size=3))
    pauses = {t.id: draw(st.integers(min_value=0, max_value=3)) for t in tasks}
    return draw(st.permutations(tasks)), failing, pauses


def ancestors(by_id, task_id):
    seen, stack = set(), list(by_id[task_id].needs)
    while stack:
        need = stack.pop()
        if need not in seen:
            seen.add(need)
            stack.extend(by_id[need].needs)
    return seen


@settings(max_examples=120, deadline=None)
@given(dags(), st.sampled_from(["least_busy", "round_robin"]), st.integers(1, 3))
def test_every_task_runs_once_after_its_needs_or_is_cancelled_by_a_failed_ancestor(
    case, strategy, agents_per_kind
):
    tasks, failing, pauses = case
    by_id = {t.id: t for t in tasks}
    log = []  # ("start" | "end", task id), in the order handlers saw them

    async def handler(task):
        log.append(("start", task.id))
        for need in task.refs:  # the data edge carries the needed task's result
            assert task.inputs[f"in_{need.task_id}"] == need.task_id
        for _ in range(pauses[task.id]):
            await asyncio.sleep(0)
        log.append(("end", task.id))
        if task.id in failing:
            raise PolicyError(f"{task.id} refused")
        return {"id": task.id}

    swarm = Swarm(strategy=strategy)
    for kind in ("a", "b"):
        swarm.spawn(kind, handler, count=agents_per_kind)
    report = asyncio.run(swarm.run_dag(tasks))

    starts = [i for what, i in log if what == "start"]
    assert len(starts) == len(set(starts))  # at most once
    position = {entry: n for n, entry in enumerate(log)}
    for task_id in starts:
        for need in by_id[task_id].needs:
            assert position[("end", need)] < position[("start", task_id)]
            assert report.outcomes[need].status == "done"
    failed = {i for i, o in report.outcomes.items() if o.status == "failed"}
    assert failed == failing & set(starts)
    for task in tasks:
        outcome = report.outcomes[task.id]
        doomed = ancestors(by_id, task.id) & failed
        if doomed:
            assert outcome.status == "cancelled" and task.id not in starts
            assert outcome.cause in doomed
        else:
            assert task.id in starts
            assert outcome.status == ("failed" if task.id in failing else "done")
    assert all(a.load == 0 and a.running == 0 for a in swarm)
