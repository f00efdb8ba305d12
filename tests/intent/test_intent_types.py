import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import load_cases

from swarmfi.intent import compare, from_canonical, to_canonical
from swarmfi.intent.schema import DEFAULT_PATH, render
from swarmfi.intent.types import CanonicalError, Fraction, Intent, Refusal, Swap, Value

DEV = load_cases("dev.jsonl")
ROOT = Path(__file__).resolve().parents[2]
SHARED_DEV = (
    next(
        (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.exists()),
        ROOT.parent / "shared",
    )
    / "intents"
    / "dev.jsonl"
)


def swap(**over):
    step = {
        "action": "swap",
        "token_in": "ETH",
        "token_out": "USDC",
        "amount": {"value": "1"},
        "side": "in",
        "slippage": None,
        "when": None,
    }
    return {"steps": [{**step, **over}], "schedule": None}


def problem(data):
    with pytest.raises(CanonicalError) as info:
        from_canonical(data)
    return info.value


@pytest.mark.parametrize("case", DEV, ids=[c["text"][:40] for c in DEV])
def test_every_dev_expectation_round_trips(case):
    parsed = from_canonical(case["expect"])
    out = to_canonical(parsed)
    if isinstance(parsed, Refusal):
        assert out["error"]["kind"] == case["expect"]["error"]["kind"]
    else:
        assert out == case["expect"]


def test_dev_copy_matches_the_shared_file():
    if not SHARED_DEV.exists():
        pytest.skip("../shared/intents/dev.jsonl is not beside this checkout")
    ours = (Path(__file__).parent / "data" / "dev.jsonl").read_text(encoding="utf-8")
    assert ours == SHARED_DEV.read_text(encoding="utf-8")


def test_decimals_are_normalised():
    out = to_canonical(from_canonical(swap(amount={"value": "1.50"}, slippage="0.0100")))
    assert out["steps"][0]["amount"] == {"value": "1.5"}
    assert out["steps"][0]["slippage"] == "0.01"
    assert to_canonical(Value(value=Decimal("1E+3"))) == {"value": "1000"}
    assert to_canonical(Value(value="100.000")) == {"value": "100"}


def test_of_step_is_absent_unless_given():
    assert to_canonical(Fraction(fraction="0.5")) == {"fraction": "0.5"}
    assert to_canonical(Fraction(fraction="1", of_step=0)) == {"fraction": "1", "of_step": 0}


def test_floats_and_exponents_are_not_canonical():
    assert "never floats" in problem(swap(amount={"value": 1.5})).message
    assert problem(swap(amount={"value": "1e3"})).refusal is None


def test_user_level_problems_carry_an_invalid_refusal():
    for bad in (
        swap(amount={"value": "0"}),
        swap(amount={"value": "-5"}),
        swap(token_out="eth"),
        swap(amount={"fraction": "1.5"}),
    ):
        err = problem(bad)
        assert err.refusal is not None and err.refusal.kind == "invalid", bad


def test_bad_checksum_is_invalid_but_lower_case_is_fine():
    step = {"action": "transfer", "token": "ETH", "amount": {"value": "1"}, "when": None}
    bad = {
        "steps": [{**step, "to": "0x52908400098527886E0F7030069857D2E4169Ee7"}],
        "schedule": None,
    }
    assert "EIP-55" in problem(bad).refusal.message
    for good in (
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x52908400098527886e0f7030069857d2e4169ee7",
        "alice",
    ):
        assert (
            from_canonical({"steps": [{**step, "to": good}], "schedule": None}).steps[0].to == good
        )


def test_structural_problems_name_the_field_and_have_no_refusal():
    err = problem({"steps": [{"action": "swap", "token_in": "ETH"}], "schedule": None})
    assert err.refusal is None
    assert any(p.startswith("steps.0.swap.token_out:") for p in err.problems)
    assert "Extra inputs" in problem({**swap(), "extra": 1}).message
    assert "does not match any of the expected tags" in problem(swap(action="bridge")).message
    assert problem([]).problems == [
        "(top): Input should be a valid dictionary or instance of Intent"
    ]


def test_of_step_must_name_an_earlier_step():
    step = swap()["steps"][0]
    later = {**step, "amount": {"fraction": "1", "of_step": 1}}
    assert "earlier step" in problem({"steps": [step, later], "schedule": None}).message
    fine = {
        **later,
        "token_in": "USDC",
        "token_out": "DAI",
        "amount": {"fraction": "1", "of_step": 0},
    }
    ok = from_canonical({"steps": [step, fine], "schedule": None})
    assert isinstance(ok, Intent) and len(ok.steps) == 2


def test_condition_token_rules():
    hf = {"metric": "health_factor", "token": "ETH", "op": "<", "value": "1.2"}
    assert "token null" in problem(swap(when=hf)).message
    price = {"metric": "price", "token": None, "op": "<", "value": "2000"}
    assert problem(swap(when=price)).refusal.kind == "invalid"


def test_symbols_are_upper_cased_and_models_are_frozen():
    parsed = from_canonical(swap(token_in="pepe"))
    assert isinstance(parsed.steps[0], Swap) and parsed.steps[0].token_in == "PEPE"
    with pytest.raises(Exception, match="frozen"):
        parsed.steps[0].token_in = "ETH"


def test_refusal_round_trip():
    data = {"error": {"kind": "ambiguous", "message": "say how much"}}
    assert to_canonical(from_canonical(data)) == data
    assert problem({"error": {"kind": "maybe", "message": ""}}).refusal is None


def test_compare_follows_schema_rules():
    a = swap(amount={"value": "1.50"}, token_in="eth")
    b = json.loads(json.dumps(swap(amount={"value": "1.5"})))
    assert compare(a, b)
    assert compare(from_canonical(a), b)
    assert not compare(a, swap(amount={"value": "2"}))
    assert compare(
        {"error": {"kind": "invalid", "message": "x"}},
        {"error": {"kind": "invalid", "message": "y"}},
    )
    assert not compare(
        {"error": {"kind": "invalid", "message": ""}},
        {"error": {"kind": "ambiguous", "message": ""}},
    )
    assert not compare(a, {"error": {"kind": "invalid", "message": ""}})
    assert not compare(swap(), swap(to="x"))


def test_schema_file_is_the_exported_schema():
    assert DEFAULT_PATH.read_text(encoding="utf-8") == render()


def test_schema_requires_exactly_the_canonical_keys():
    defs = json.loads(render())["$defs"]
    for case in DEV:
        for step in case["expect"].get("steps", []):
            model = next(
                d
                for d in defs.values()
                if d.get("properties", {}).get("action", {}).get("const") == step["action"]
            )
            assert set(model["required"]) == set(step) == set(model["properties"])
            for field, value in step["amount"].items() if "amount" in step else ():
                assert (
                    field
                    in defs[{"value": "Value", "usd": "Usd"}.get(field, "Fraction")]["properties"]
                )
                assert value is not None
    assert set(defs["Intent"]["required"]) == {"steps", "schedule"}
    assert defs["Fraction"]["required"] == ["fraction"]
