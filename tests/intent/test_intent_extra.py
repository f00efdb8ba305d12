import pytest
from conftest import load_cases

from swarmfi.intent import compare
from swarmfi.intent.parser import parse_strict

EXTRA = load_cases("cases_extra.jsonl")


def test_extra_cases_are_many_and_varied():
    texts = [c["text"] for c in EXTRA]
    assert len(texts) >= 100 and len(set(texts)) == len(texts)
    chinese = [t for t in texts if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
    assert len(chinese) >= 40
    kinds = {c["expect"]["error"]["kind"] for c in EXTRA if "error" in c["expect"]}
    assert kinds == {"ambiguous", "unsupported", "invalid"}


@pytest.mark.parametrize("case", EXTRA, ids=[c["text"][:40] for c in EXTRA])
def test_extra_case(case):
    got = parse_strict(case["text"])
    assert compare(got, case["expect"]), got
