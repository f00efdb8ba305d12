"""What a run produces and takes: progress events, outcomes, the report, the retry policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from swarmfi.errors import ProviderError, SwarmfiError

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
