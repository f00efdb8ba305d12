"""The held-out cases of issue 12 (tests/intent/heldout/), written before the fixes.

Cases the parser does not read yet are listed in known_failing.txt: each is an expected
failure that must keep failing until fixed (strict), and the list may only shrink.
A case that reads a different plan than expected is never allowed to be known-failing.
"""

import json
from pathlib import Path

import pytest

from swarmfi.intent import compare
from swarmfi.intent.parser import parse_strict

HERE = Path(__file__).parent / "heldout"
CASES = [json.loads(x) for x in (HERE / "heldout_new.jsonl").read_text("utf-8").splitlines() if x]
KNOWN = {json.loads(x) for x in (HERE / "known_failing.txt").read_text("utf-8").splitlines() if x}


def test_heldout_cases_are_many_and_cover_both_languages():
    texts = [c["text"] for c in CASES]
    assert len(texts) >= 150 and len(set(texts)) == len(texts)
    assert sum(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts) >= 60
    assert set(texts) >= KNOWN


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] or "(empty)" for c in CASES])
def test_heldout_case(case):
    got = parse_strict(case["text"])
    if case["text"] in KNOWN and not compare(got, case["expect"]):
        assert "steps" not in got, f"dangerous parse: {got}"
        pytest.xfail("known failing (tests/intent/heldout/known_failing.txt)")
    assert case["text"] not in KNOWN, "now passes: remove it from known_failing.txt"
    assert compare(got, case["expect"]), got
