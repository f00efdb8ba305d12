"""An action word inside a noun phrase never makes a step (issue 12's dangerous parse).

Every word that is both a position noun and an action verb, in every noun slot, in
English and Chinese: the parse has exactly one step (the one verb the user said), or is
refused; it never grows a second step out of the noun.
"""

import pytest

from swarmfi.intent.parser import parse_strict

EN_NOUNS = ["deposit", "deposits", "supply", "borrow", "loan", "collateral", "stake"]
EN_SLOTS = [
    "take out 100 USDC of my {w}",
    "withdraw 100 USDC from my {w}",
    "pull 1 WETH out of my {w}",
    "repay 100 USDC of my {w}",
    "repay half of my USDC {w}",
    "withdraw half of the USDC {w}",
    "send 10 USDC from my {w} to bob",
    "swap 1 ETH from the {w} for USDC",
]
ZH_NOUNS = ["存款", "抵押", "借款", "贷款", "质押", "存款中", "借款里"]
ZH_SLOTS = [
    "从我的{w}里取出100 USDC",
    "提取{w}中的1个WETH",
    "偿还一半的USDC{w}",
    "把{w}里的500 USDC取出来",
    "從我的{w}提領200 USDC",
]


def _cases():
    for slots, nouns in ((EN_SLOTS, EN_NOUNS), (ZH_SLOTS, ZH_NOUNS)):
        for slot in slots:
            for noun in nouns:
                yield slot.format(w=noun)


@pytest.mark.parametrize("text", list(_cases()))
def test_noun_action_word_never_adds_a_step(text):
    got = parse_strict(text)
    assert "error" in got or len(got["steps"]) == 1, got


def test_deposit_as_noun_is_the_withdraw_only():
    got = parse_strict("take out 100 USDC of my deposit")
    assert got["steps"] == [
        {"action": "withdraw", "token": "USDC", "amount": {"value": "100"}, "when": None}
    ]


def test_borrow_as_noun_is_the_repay_only():
    got = parse_strict("repay half of my USDC borrow")
    assert got["steps"] == [
        {"action": "repay", "token": "USDC", "amount": {"fraction": "0.5"}, "when": None}
    ]


def test_chinese_deposit_noun_before_a_locative():
    got = parse_strict("从我的存款里取出100 USDC")
    assert [s["action"] for s in got["steps"]] == ["withdraw"]
