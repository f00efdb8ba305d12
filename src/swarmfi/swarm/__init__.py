"""The swarm runtime: narrow agents with inboxes, and a DAG scheduler on asyncio.

One process by default. `Swarm` holds agents by kind; `run_dag` runs a Plan
(or tasks) with timeouts, cancellation of dependants on failure, retries for
reads only, and progress events. See `scheduler` for the rules.
"""

from swarmfi.plan.tasks import Plan, Ref, Task
from swarmfi.swarm.outcomes import Event, Outcome, RetryPolicy, RunReport
from swarmfi.swarm.registry import Agent, Handler, Registry
from swarmfi.swarm.runtime import Swarm, run_dag, run_dag_sync
from swarmfi.swarm.scheduler import DagRun

__all__ = [
    "Agent",
    "DagRun",
    "Event",
    "Handler",
    "Outcome",
    "Plan",
    "Ref",
    "Registry",
    "RetryPolicy",
    "RunReport",
    "Swarm",
    "Task",
    "run_dag",
    "run_dag_sync",
]
