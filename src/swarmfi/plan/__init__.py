"""Plans: a canonical intent compiled into a DAG of tasks for narrow agents.

This package stays light: importing it loads only the data model in `tasks`.
"""

from swarmfi.plan.tasks import AGENT_KINDS, Plan, Ref, Task

__all__ = ["AGENT_KINDS", "Plan", "Ref", "Task"]
