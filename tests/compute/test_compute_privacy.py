from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.compute.privacy import is_sensitive, sensitive_reason


def msgs(text, role="user"):
    return [{"role": role, "content": text}]


def test_wallet_address_is_sensitive_in_any_role():
    addr = "0xde709f2102306220921060314715629080e2fb77"
    assert "address" in sensitive_reason(msgs(f"send 100 USDC to {addr}"))
    assert "address" in sensitive_reason(msgs(f"wallet {addr}", role="system"))


def test_balances_and_positions_are_sensitive():
    assert sensitive_reason(msgs("what is my balance?"))
    assert sensitive_reason(msgs("close my position on the lending market"))
    assert sensitive_reason(msgs("我的余额是多少"))
    assert sensitive_reason(msgs("what is my health factor after borrowing 100 DAI?"))
    assert sensitive_reason(msgs("I hold 3.2 ETH and 1,000 USDC, what should I do"))
    assert sensitive_reason(msgs("我有5个ETH"))
    assert sensitive_reason(msgs('{"balance": "12.5"}', role="system"))


def test_private_key_like_hex_is_sensitive():
    assert sensitive_reason(msgs("key " + "ab" * 32))


def test_plain_instructions_are_not_sensitive():
    assert sensitive_reason(msgs("swap 1 ETH for USDC")) is None
    assert sensitive_reason(msgs("把1个ETH换成USDC，滑点1%")) is None
    template = 'query is one of "price", "balance", "position"'
    assert sensitive_reason(msgs(template, role="system")) is None
    assert sensitive_reason(msgs(template, role="user")) is None
    assert sensitive_reason(msgs("if the health factor drops below 1.2, repay 100 DAI")) is None


def test_marking_forces_but_false_never_relaxes():
    assert is_sensitive(msgs("hello"), marked=True)
    assert is_sensitive(msgs("my balance"), marked=False)
    assert not is_sensitive(msgs("hello"), marked=False)


def test_multipart_content_is_checked():
    content = [{"type": "text", "text": "pay 0x" + "1" * 40}]
    assert sensitive_reason([{"role": "user", "content": content}])


@settings(max_examples=100, deadline=None)
@given(
    before=st.text(max_size=40),
    digits=st.text(alphabet="0123456789abcdefABCDEF", min_size=40, max_size=40),
    after=st.text(max_size=40),
    role=st.sampled_from(["user", "system", "assistant"]),
)
def test_any_text_holding_an_address_is_sensitive(before, digits, after, role):
    assert is_sensitive(msgs(f"{before} 0x{digits} {after}", role=role))
