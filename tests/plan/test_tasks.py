import json
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.errors import BugError, PlanError
from swarmfi.plan import AGENT_KINDS, Plan, Ref, Task


def test_order_puts_every_task_after_what_it_needs_and_keeps_plan_order_among_ties():
    plan = Plan(
        (
            Task("supply", "supply", depends_on=("swap",)),
            Task("quote", "quote", is_read=True),
            Task("swap", "swap", {"min_out": Ref("quote", "amount_out")}),
            Task("balance", "query", is_read=True),
        )
    )
    assert [t.id for t in plan.order()] == ["quote", "balance", "swap", "supply"]


def test_refs_are_dependencies_even_when_not_listed():
    task = Task("s", "swap", {"a": Ref("q", "x"), "nested": {"b": [Ref("r")]}}, depends_on=("p",))
    assert task.needs == ("p", "q", "r")
    assert [r.task_id for r in task.refs] == ["q", "r"]


def test_a_cycle_is_refused_and_named():
    tasks = (
        Task("a", "quote", depends_on=("c",)),
        Task("b", "swap", {"x": Ref("a")}),
        Task("c", "supply", depends_on=("b",)),
        Task("d", "query"),
    )
    with pytest.raises(PlanError) as info:
        Plan(tasks)
    cycle = str(info.value).rsplit(": ", 1)[1].split(" -> ")
    assert cycle[0] == cycle[-1]
    assert sorted(cycle[:-1]) == ["a", "b", "c"]
    assert "planner bug" in info.value.hint


def test_a_task_needing_itself_is_a_cycle():
    with pytest.raises(PlanError, match=r"cycle.*: a -> a$"):
        Plan((Task("a", "swap", depends_on=("a",)),))


def test_unknown_dependency_and_duplicate_id_are_named():
    with pytest.raises(PlanError, match="task 'b' needs 'zz', which is not in the plan"):
        Plan((Task("a", "quote"), Task("b", "swap", {"x": Ref("zz", "out")})))
    with pytest.raises(PlanError, match="task id 'a' is used twice"):
        Plan((Task("a", "quote"), Task("a", "swap")))


def test_bad_tasks_are_refused():
    with pytest.raises(PlanError, match="kind must be a non-empty string"):
        Task("a", "")
    with pytest.raises(PlanError, match="timeout must be positive"):
        Task("a", "swap", timeout=0)
    with pytest.raises(PlanError, match="scale must be a positive Fraction"):
        Ref("a", "x", Fraction(0))
    with pytest.raises(PlanError, match="holds Tasks"):
        Plan(({"id": "a"},))  # type: ignore[arg-type]


def test_dependants_are_transitive_and_in_order():
    plan = Plan(
        (
            Task("a", "quote"),
            Task("b", "swap", depends_on=("a",)),
            Task("c", "supply", {"x": Ref("b")}),
            Task("d", "query"),
            Task("e", "transfer", depends_on=("c", "d")),
        )
    )
    assert plan.dependants("a") == ("b", "c", "e")
    assert plan.dependants("d") == ("e",)
    assert plan.dependants("e") == ()
    assert plan.children["a"] == ("b",)


@dataclass(frozen=True)
class Receipt:
    amounts: tuple[int, ...]
    gas_used: int


def test_ref_resolves_paths_through_mappings_sequences_and_attributes():
    result = {"swap": Receipt(amounts=(10, 2001), gas_used=7), "price": Decimal("2000.5")}
    assert Ref("t", "swap.amounts.1").resolve(result) == 2001
    assert Ref("t", "swap.gas_used").resolve(result) == 7
    assert Ref("t").resolve(result) is result
    assert Ref("t", "swap.amounts.1", Fraction(1, 2)).resolve(result) == 1000  # rounds down
    assert Ref("t", "price", Fraction(1, 4)).resolve(result) == Decimal("500.125")


def test_ref_to_a_missing_field_or_an_unscalable_value_is_a_bug():
    with pytest.raises(BugError, match="result of task 't' has no field 'amount_in'"):
        Ref("t", "amount_in").resolve({"amount_out": 1})
    with pytest.raises(BugError, match="has no field '5'"):
        Ref("t", "path.5").resolve({"path": ("ETH", "USDC")})
    with pytest.raises(BugError, match="cannot scale a str"):
        Ref("t", "symbol", Fraction(1, 2)).resolve({"symbol": "ETH"})


def test_resolved_replaces_refs_and_leaves_other_inputs():
    task = Task(
        "s",
        "supply",
        {"asset": "USDC", "amount": Ref("q", "out", Fraction(1, 3)), "legs": [Ref("q", "out"), 5]},
    )
    resolved = task.resolved({"q": {"out": 10}})
    assert resolved.inputs == {"asset": "USDC", "amount": 3, "legs": (10, 5)}
    assert resolved.refs == ()
    assert task.refs != ()  # the original is unchanged
    assert Task("x", "quote").resolved({}) == Task("x", "quote")


def test_round_trip_through_json_keeps_every_value_type():
    plan = Plan(
        (
            Task(
                "q",
                "quote",
                {"amount": 10**30, "slippage": Decimal("0.005")},
                is_read=True,
                timeout=2.5,
                label="quote ETH -> USDC",
            ),
            Task(
                "s",
                "swap",
                {
                    "min_out": Ref("q", "amount_out", Fraction(99, 100)),
                    "path": ["WETH", "USDC"],
                    "data": b"\x00\xff",
                    "share": Fraction(1, 3),
                    "meta": {"note": None, "ok": True, "rate": 0.25},
                },
                depends_on=("q",),
            ),
        )
    )
    text = json.dumps(plan.to_dict())
    again = Plan.from_dict(json.loads(text))
    assert again == plan
    assert again.task("s").inputs["min_out"] == Ref("q", "amount_out", Fraction(99, 100))
    assert again.task("s").inputs["data"] == b"\x00\xff"
    assert json.loads(text)["tasks"][1]["inputs"]["path"] == ["WETH", "USDC"]


def test_values_json_cannot_hold_are_refused_when_serialised():
    with pytest.raises(PlanError, match="key '\\$ref' must be a string not starting with"):
        Task("a", "swap", {"x": {"$ref": 1}}).to_dict()
    with pytest.raises(PlanError, match="a set cannot be stored as JSON"):
        Task("a", "swap", {"x": {1, 2}}).to_dict()


def test_from_dict_refuses_other_versions_and_broken_tasks():
    with pytest.raises(PlanError, match="not a version-1 plan"):
        Plan.from_dict({"kind": "plan", "version": 99, "tasks": []})
    with pytest.raises(PlanError, match="not a task"):
        Plan.from_dict({"kind": "plan", "version": 1, "tasks": [{"kind": "swap"}]})
    with pytest.raises(PlanError, match="not a task"):
        Plan.from_dict(
            {
                "kind": "plan",
                "version": 1,
                "tasks": [{"id": "a", "kind": "swap", "inputs": {"x": {"$decimal": "abc"}}}],
            }
        )


def test_plan_lookup_and_the_agent_kinds_the_planner_uses():
    plan = Plan((Task("a", "quote"),))
    assert plan.task("a").kind == "quote"
    with pytest.raises(PlanError, match="no task 'b'"):
        plan.task("b")
    assert {"quote", "swap", "supply", "add_liquidity", "watch"} <= AGENT_KINDS
    assert len(plan) == 1 and [t.id for t in plan] == ["a"]


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**260), max_value=2**260),
    st.text(max_size=8),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.binary(max_size=8),
    st.fractions(),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(max_size=5).filter(lambda k: not k.startswith("$")), inner, max_size=3
        )
    ),
    max_leaves=8,
)


@st.composite
def plans(draw):
    n = draw(st.integers(min_value=0, max_value=12))
    tasks = []
    for i in range(n):
        earlier = [f"t{j}" for j in range(i)]
        deps = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=3)) if earlier else []
        inputs = draw(st.dictionaries(st.sampled_from(["a", "b", "c"]), _values, max_size=3))
        if earlier and draw(st.booleans()):
            scale = draw(st.fractions(min_value=Fraction(1, 10**6), max_value=10))
            inputs["ref"] = Ref(draw(st.sampled_from(earlier)), "out", scale)
        kind = draw(st.sampled_from(sorted(AGENT_KINDS)))
        tasks.append(Task(f"t{i}", kind, inputs, tuple(deps), is_read=draw(st.booleans())))
    order = draw(st.permutations(tasks))
    return Plan(tuple(order))


@settings(max_examples=100, deadline=None)
@given(plans())
def test_any_plan_survives_json_and_orders_each_task_after_its_needs(plan):
    assert Plan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan
    position = {t.id: i for i, t in enumerate(plan.order())}
    assert sorted(position) == sorted(t.id for t in plan.tasks)
    for task in plan.tasks:
        assert all(position[need] < position[task.id] for need in task.needs)
