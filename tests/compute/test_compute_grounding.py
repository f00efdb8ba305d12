from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.compute.grounding import ungrounded
from swarmfi.compute.numbers import stated_numbers, zh_integer

ADDRESS = "0xde709f2102306220921060314715629080e2fb77"


def swap(token_in="ETH", token_out="USDC", amount=None, **kw):
    step = {
        "action": "swap",
        "token_in": token_in,
        "token_out": token_out,
        "amount": amount or {"value": "1"},
        "side": "in",
        "slippage": None,
        "when": None,
    }
    step.update(kw)
    return step  # fmt: skip


def intent(*steps, schedule=None):
    return {"steps": list(steps), "schedule": schedule}


def test_numbers_in_every_stated_form():
    assert stated_numbers("swap 1.5k DAI with 0.5% slippage") >= {
        Decimal("1.5"),
        Decimal("1500"),
        Decimal("0.005"),
    }
    assert Decimal(1500) in stated_numbers("send 1,500 USDC")
    assert Decimal(250) in stated_numbers("two hundred and fifty dollars of ETH")
    assert Decimal(100) in stated_numbers("a hundred USDC")
    assert Decimal("0.5") in stated_numbers("卖出一半的ETH")
    assert Decimal("0.5") in stated_numbers("百分之五十")
    assert Decimal(10**7) in stated_numbers("at a $10M FDV")
    assert Decimal(10000) in stated_numbers("1万USDC")
    assert Decimal(1) in stated_numbers("sell all my LINK")
    assert Decimal(1) not in stated_numbers("swap ETH for USDC")


def test_chinese_numerals():
    assert [zh_integer(t) for t in ("两千", "一千五", "三万五", "一百零五", "十五", "二十")] == [
        2000,
        1500,
        35000,
        105,
        15,
        20,
    ]


def test_a_faithful_reading_is_grounded():
    text = "swap 1 ETH for USDC then supply half of it"
    supply = {"action": "supply", "token": "USDC",
              "amount": {"fraction": "0.5", "of_step": 0}, "when": None}  # fmt: skip
    assert ungrounded(text, intent(swap(), supply)) == []


def test_aliases_and_earlier_steps_count_as_named():
    assert ungrounded("把1个以太坊换成USDC", intent(swap())) == []
    wrap = {"action": "wrap", "amount": {"value": "1"}, "when": None}
    supply = {"action": "supply", "token": "WETH",
              "amount": {"fraction": "1", "of_step": 0}, "when": None}  # fmt: skip
    assert ungrounded("wrap 1 ETH, then supply it", intent(wrap, supply)) == []


def test_guessed_amount_token_and_recipient_are_found():
    assert ungrounded("swap ETH for USDC", intent(swap())) == [
        "step 0: amount value 1 is not stated"
    ]
    assert ungrounded("swap 1 ETH", intent(swap())) == ["step 0: token 'USDC' is not named"]
    send = {"action": "transfer", "token": "USDC", "amount": {"value": "100"},
            "to": "bob", "when": None}  # fmt: skip
    assert ungrounded("send 100 USDC to alice", intent(send)) == [
        "step 0: recipient 'bob' is not named"
    ]


def test_address_must_be_copied_exactly():
    send = {"action": "transfer", "token": "USDC", "amount": {"value": "100"},
            "to": ADDRESS, "when": None}  # fmt: skip
    assert ungrounded(f"send 100 USDC to {ADDRESS}", intent(send)) == []
    checksummed = "0xDe709F2102306220921060314715629080e2FB77"
    problems = ungrounded(f"send 100 USDC to {checksummed}", intent(send))
    assert problems == [f"step 0: recipient {ADDRESS} is not written in the text as such"]


def test_conditions_and_schedules():
    when = {"metric": "price", "token": "ETH", "op": "<", "value": "2000"}
    text = "buy $50 of ETH with USDC every day for a week if ETH drops below 2k"
    buy = swap("USDC", "ETH", {"usd": "50"}, side="out", when=when)
    weekly = intent(buy, schedule={"every_seconds": 86400, "times": 7})
    assert ungrounded(text, weekly) == []
    wrong = intent(buy, schedule={"every_seconds": 3600, "times": 7})
    assert ungrounded(text, wrong) == ["schedule period 3600 s is not stated"]
    guessed_level = dict(when, value="1800")
    assert ungrounded(text, intent(swap("USDC", "ETH", {"usd": "50"}, when=guessed_level))) == [
        "step 0: condition level 1800 is not stated"
    ]


def test_refusals_need_no_grounding():
    assert ungrounded("anything", {"error": {"kind": "ambiguous", "message": "x"}}) == []


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=2, max_value=10**9))
def test_an_amount_never_written_is_never_grounded(n):
    text = f"send {n} USDC to alice"
    send = {"action": "transfer", "token": "USDC", "amount": {"value": str(n + 1)},
            "to": "alice", "when": None}  # fmt: skip
    assert ungrounded(text, intent(send)) == [f"step 0: amount value {n + 1} is not stated"]


def test_traditional_characters_state_what_their_simplified_forms_do():
    borrow = {"action": "borrow", "token": "USDC", "when": None}
    two_thousand = {**borrow, "amount": {"value": "2000"}}
    assert ungrounded("借入兩千USDC", {"steps": [two_thousand], "schedule": None}) == []
    one_thousand = {**borrow, "amount": {"value": "1000"}}
    assert ungrounded("借入兩千USDC", {"steps": [one_thousand], "schedule": None}) != []
    price = {"action": "query", "query": "price", "token": "WBTC", "when": None}
    assert ungrounded("查詢比特幣價格", {"steps": [price], "schedule": None}) == []
