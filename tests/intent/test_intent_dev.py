import pytest
from conftest import load_cases

from swarmfi.intent import compare, from_canonical, parse, to_canonical
from swarmfi.intent.parser import parse_canonical, parse_strict

DEV = load_cases("dev.jsonl")


@pytest.mark.parametrize("case", DEV, ids=[c["text"][:40] or "(empty)" for c in DEV])
def test_dev_case(case):
    got = parse_strict(case["text"])
    assert compare(got, case["expect"]), got


@pytest.mark.parametrize("case", DEV, ids=[c["text"][:40] or "(empty)" for c in DEV])
def test_dev_output_is_canonical_and_refusals_say_what_to_do(case):
    got = parse_canonical(case["text"])
    assert to_canonical(from_canonical(got)) == got
    if "error" in got:
        assert len(got["error"]["message"]) > 15


def test_parse_returns_typed_models():
    intent = parse("swap 1 ETH for USDC and then supply half of it")
    assert [s.action for s in intent.steps] == ["swap", "supply"]
    assert intent.steps[1].amount.of_step == 0
    refusal = parse("swap ETH for USDC")
    assert refusal.kind == "ambiguous"
