"""The plan data model: a DAG of tasks, each for one narrow agent kind.

The planner compiles a canonical intent into a `Plan`; the swarm runs it; the
ledger stores `plan.to_dict()`. Nothing here knows about chains or intents.

::

    Plan(tasks=(
        Task("q0", "quote", {"sell": "ETH", "buy": "USDC", "amount": 10**18}, is_read=True),
        Task("s0", "swap", {"min_out": Ref("q0", "amount_out", Fraction(99, 100))}),
        Task("l0", "supply", {"asset": "USDC", "amount": Ref("s0", "amount_out", Fraction(1, 2))}),
    ))

A `Ref` is a data edge: at run time it is replaced by a field of the result of
an earlier task (scaled, rounding down, for "half of what step 0 produced").
A task runs only after every task in `depends_on` and every task its inputs
refer to; `Plan` rejects unknown ids, duplicates and cycles with a PlanError
that names them.

JSON form (`to_dict`): inputs are plain JSON except for these tagged objects,
which is why input dict keys must not start with "$":
``{"$ref": {"task": id, "field": "a.b", "scale": "1/2"}}``,
``{"$decimal": "1.5"}``, ``{"$bytes": "0x00ff"}``, ``{"$fraction": "1/3"}``.
Lists in inputs are kept as tuples so a plan survives the round trip unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, ClassVar, NamedTuple

from swarmfi.errors import BugError, PlanError

# The agent kinds the planner emits. The swarm runs any kind it has agents for.
AGENT_KINDS: frozenset[str] = frozenset(
    {
        "quote",
        "risk",
        "approve",
        "swap",
        "supply",
        "withdraw",
        "borrow",
        "repay",
        "transfer",
        "wrap",
        "unwrap",
        "add_liquidity",
        "remove_liquidity",
        "launch",
        "vote",
        "query",
        "watch",
    }
)

PLAN_VERSION = 1
_PLAN_HINT = "the plan was built wrongly; report it as a planner bug with the instruction you gave"
_ONE = Fraction(1)


@dataclass(frozen=True)
class Ref:
    """A data edge: `field` (dotted path; "" for all) of task `task_id`'s result, times `scale`."""

    task_id: str
    field: str = ""
    scale: Fraction = _ONE
    kind: ClassVar[str] = "ref"

    def __post_init__(self) -> None:
        if not self.task_id or not isinstance(self.task_id, str):
            raise PlanError("a Ref needs the id of the task it refers to", _PLAN_HINT)
        if not isinstance(self.scale, Fraction) or self.scale <= 0:
            raise PlanError(f"{self.describe()}: scale must be a positive Fraction", _PLAN_HINT)

    def describe(self) -> str:
        where = f"{self.task_id}.{self.field}" if self.field else self.task_id
        return where if self.scale == 1 else f"{self.scale} x {where}"

    def resolve(self, result: Any) -> Any:
        """The referenced value in `result` (the referred task's result), scaled."""
        value = result
        for part in self.field.split(".") if self.field else ():
            value = _step(value, part, self)
        return value if self.scale == 1 else _scaled(value, self)


def _step(value: Any, part: str, ref: Ref) -> Any:
    if isinstance(value, Mapping):
        if part in value:
            return value[part]
    elif isinstance(value, list | tuple) and part.isdigit():
        if int(part) < len(value):
            return value[int(part)]
    elif hasattr(value, part):
        return getattr(value, part)
    raise BugError(
        f"input {ref.describe()}: the result of task {ref.task_id!r} has no field {part!r}",
        "the planner and the agent disagree on the result's fields; report this",
    )


def _scaled(value: Any, ref: Ref) -> Any:
    scale = ref.scale
    if isinstance(value, int) and not isinstance(value, bool):
        return value * scale.numerator // scale.denominator  # raw units round down
    if isinstance(value, Decimal):
        return value * scale.numerator / scale.denominator
    if isinstance(value, Fraction):
        return value * scale
    raise BugError(
        f"input {ref.describe()}: cannot scale a {type(value).__name__}",
        "only int, Decimal and Fraction results can be scaled; report this as a planner bug",
    )


def resolve_inputs(value: Any, results: Mapping[str, Any]) -> Any:
    """`value` with every Ref replaced by its value in `results` (task id -> result)."""
    if isinstance(value, Ref):
        return value.resolve(results[value.task_id])
    if isinstance(value, dict):
        return {k: resolve_inputs(v, results) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(resolve_inputs(v, results) for v in value)
    return value


def _freeze(value: Any) -> Any:
    """Lists become tuples (recursively) so inputs compare equal after a JSON round trip."""
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    return value


def _find_refs(value: Any, found: list[Ref]) -> list[Ref]:
    if isinstance(value, Ref):
        found.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _find_refs(v, found)
    elif isinstance(value, tuple):
        for v in value:
            _find_refs(v, found)
    return found


@dataclass(frozen=True)
class Task:
    """Work for one agent of `kind`; `is_read` tasks change nothing and may be retried."""

    id: str
    kind: str
    inputs: dict[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    is_read: bool = False
    timeout: float | None = None  # seconds for one attempt; None: the run's default
    label: str = ""  # what a person sees in progress output

    def __post_init__(self) -> None:
        for name in ("id", "kind"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise PlanError(f"task {self.id!r}: {name} must be a non-empty string", _PLAN_HINT)
        if self.timeout is not None and not self.timeout > 0:
            raise PlanError(f"task {self.id!r}: timeout must be positive", _PLAN_HINT)
        object.__setattr__(self, "inputs", _freeze(dict(self.inputs)))
        object.__setattr__(self, "depends_on", tuple(self.depends_on))

    @cached_property
    def refs(self) -> tuple[Ref, ...]:
        """Every Ref in the inputs, in order."""
        return tuple(_find_refs(self.inputs, []))

    @cached_property
    def needs(self) -> tuple[str, ...]:
        """The ids this task must wait for: `depends_on`, then the tasks its inputs refer to."""
        return tuple(dict.fromkeys((*self.depends_on, *(r.task_id for r in self.refs))))

    def resolved(self, results: Mapping[str, Any]) -> Task:
        """This task with its Refs replaced by values from `results` (task id -> result)."""
        if not self.refs:
            return self
        return replace(self, inputs=resolve_inputs(self.inputs, results))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "inputs": _encode(self.inputs, f"task {self.id!r} inputs"),
            "depends_on": list(self.depends_on),
            "is_read": self.is_read,
            "timeout": self.timeout,
            "label": self.label,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Task:
        try:
            return cls(
                id=data["id"],
                kind=data["kind"],
                inputs=_decode(data.get("inputs", {})),
                depends_on=tuple(data.get("depends_on", ())),
                is_read=bool(data.get("is_read", False)),
                timeout=data.get("timeout"),
                label=data.get("label", ""),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise PlanError(f"not a task: {exc!r} in {dict(data)!r}", _PLAN_HINT) from exc


def _encode(value: Any, where: str) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Ref):
        scale = f"{value.scale.numerator}/{value.scale.denominator}"
        return {"$ref": {"task": value.task_id, "field": value.field, "scale": scale}}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, Fraction):
        return {"$fraction": f"{value.numerator}/{value.denominator}"}
    if isinstance(value, bytes):
        return {"$bytes": "0x" + value.hex()}
    if isinstance(value, list | tuple):
        return [_encode(v, where) for v in value]
    if isinstance(value, dict):
        return {_key(k, where): _encode(v, where) for k, v in value.items()}
    raise PlanError(f"{where}: a {type(value).__name__} cannot be stored as JSON", _PLAN_HINT)


def _key(key: Any, where: str) -> str:
    if not isinstance(key, str) or key.startswith("$"):
        raise PlanError(f"{where}: key {key!r} must be a string not starting with '$'", _PLAN_HINT)
    return key


_TAGS: dict[str, Callable[[Any], Any]] = {
    "$decimal": Decimal,
    "$fraction": Fraction,
    "$bytes": lambda text: bytes.fromhex(text.removeprefix("0x")),
    "$ref": lambda d: Ref(d["task"], d.get("field", ""), Fraction(d.get("scale", "1"))),
}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, inner),) = value.items()
        if tag in _TAGS:
            return _TAGS[tag](inner)
    return {k: _decode(v) for k, v in value.items()}


class _Graph(NamedTuple):
    by_id: dict[str, Task]
    children: dict[str, tuple[str, ...]]
    need_counts: dict[str, int]
    order: tuple[Task, ...]


@dataclass(frozen=True)
class Plan:
    """Tasks forming a DAG; validated on construction (unique ids, known dependencies, no cycle)."""

    tasks: tuple[Task, ...]
    kind: ClassVar[str] = "plan"
    _graph: _Graph = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tasks", tuple(self.tasks))
        object.__setattr__(self, "_graph", _graph(self.tasks))

    def __len__(self) -> int:
        return len(self.tasks)

    def __iter__(self) -> Iterator[Task]:
        return iter(self.tasks)

    def order(self) -> tuple[Task, ...]:
        """The tasks, each after all it needs (stable: ties keep plan order)."""
        return self._graph.order

    @property
    def by_id(self) -> Mapping[str, Task]:
        return self._graph.by_id

    def task(self, task_id: str) -> Task:
        try:
            return self._graph.by_id[task_id]
        except KeyError:
            raise PlanError(f"no task {task_id!r} in the plan", _PLAN_HINT) from None

    @property
    def children(self) -> Mapping[str, tuple[str, ...]]:
        """Task id -> ids of the tasks that need it directly."""
        return self._graph.children

    @property
    def need_counts(self) -> Mapping[str, int]:
        """Task id -> how many tasks it needs."""
        return self._graph.need_counts

    def dependants(self, task_id: str) -> tuple[str, ...]:
        """Ids of every task that needs `task_id`, directly or not, in topological order."""
        seen: set[str] = set()
        stack = [task_id]
        while stack:
            for kid in self.children[stack.pop()]:
                if kid not in seen:
                    seen.add(kid)
                    stack.append(kid)
        return tuple(t.id for t in self._graph.order if t.id in seen)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "plan", "version": PLAN_VERSION, "tasks": [t.to_dict() for t in self.tasks]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        if data.get("kind") != "plan" or data.get("version") != PLAN_VERSION:
            raise PlanError(
                f"not a version-{PLAN_VERSION} plan: kind={data.get('kind')!r} "
                f"version={data.get('version')!r}",
                "this plan was written by another swarmfi version; plan the instruction again",
            )
        return cls(tuple(Task.from_dict(t) for t in data["tasks"]))


def _graph(tasks: tuple[Task, ...]) -> _Graph:
    by_id = _index(tasks)
    kids: dict[str, list[str]] = {}  # only tasks that something needs: plans can be wide
    for t in tasks:
        for need in t.needs:
            if need not in by_id:
                message = f"task {t.id!r} needs {need!r}, which is not in the plan"
                raise PlanError(message, _PLAN_HINT)
            kids.setdefault(need, []).append(t.id)
    children: dict[str, tuple[str, ...]] = dict.fromkeys(by_id, ())
    children.update((i, tuple(k)) for i, k in kids.items())
    need_counts = {t.id: len(t.needs) for t in tasks}
    return _Graph(by_id, children, need_counts, _kahn(tasks, by_id, children, dict(need_counts)))


def _kahn(
    tasks: tuple[Task, ...],
    by_id: dict[str, Task],
    children: dict[str, tuple[str, ...]],
    waiting: dict[str, int],
) -> tuple[Task, ...]:
    order = [t for t in tasks if not waiting[t.id]]
    for t in order:  # grows while we walk it (Kahn's algorithm, plan order among ties)
        for kid in children[t.id]:
            waiting[kid] -= 1
            if not waiting[kid]:
                order.append(by_id[kid])
    if len(order) < len(tasks):
        cycle = _cycle(by_id, waiting)
        raise PlanError(f"the plan has a cycle (each task needs the next): {cycle}", _PLAN_HINT)
    return tuple(order)


def _index(tasks: tuple[Task, ...]) -> dict[str, Task]:
    by_id: dict[str, Task] = {}
    for t in tasks:
        if not isinstance(t, Task):
            raise PlanError(f"a plan holds Tasks, not {type(t).__name__}", _PLAN_HINT)
        if t.id in by_id:
            raise PlanError(f"task id {t.id!r} is used twice", _PLAN_HINT)
        by_id[t.id] = t
    return by_id


def _cycle(by_id: dict[str, Task], waiting: dict[str, int]) -> str:
    """A cycle among the tasks Kahn's algorithm could not order, as 'a -> b -> a' (a needs b)."""
    stuck = {i for i, n in waiting.items() if n}
    path: list[str] = [next(i for i in by_id if i in stuck)]
    while path.count(path[-1]) < 2:
        path.append(next(n for n in by_id[path[-1]].needs if n in stuck))
    start = path.index(path[-1])
    return " -> ".join(path[start:])
