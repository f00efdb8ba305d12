import subprocess
import sys

from conftest import load_cases
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmfi.intent import compare, from_canonical, parse, to_canonical
from swarmfi.intent.en import entries as en_entries
from swarmfi.intent.parser import parse_canonical, parse_strict
from swarmfi.intent.types import Intent, Refusal
from swarmfi.intent.zh import entries as zh_entries

CASES = load_cases("dev.jsonl") + load_cases("cases_extra.jsonl")
WORDS = [
    *sorted({w for w, _ in en_entries()} | {w for w, _ in zh_entries()}),
    "ETH", "USDC", "WBTC", "DAI", "1", "0.5", "1,000", "2k", "-3", "$100", "50%", "1/3", "alice",
    "0xde709f2102306220921060314715629080e2fb77", "ETH/USDC", "(", ")", "#4", "然后", "，", ".",
]  # fmt: skip


def assert_canonical(out):
    assert to_canonical(from_canonical(out)) == out
    if "error" in out:
        assert out["error"]["kind"] in ("ambiguous", "unsupported", "invalid")
        assert out["error"]["message"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=10_000))
def test_any_text_gives_a_valid_intent_or_refusal(text):
    assert_canonical(parse_strict(text))


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=200, max_size=1_000))
def test_long_text_within_the_limit_gives_a_valid_intent_or_refusal(text):
    assert_canonical(parse_strict(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=25), st.sampled_from([" ", ""]))
def test_lexicon_soup_gives_a_valid_intent_or_refusal(words, sep):
    assert_canonical(parse_strict(sep.join(words)))


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=300))
def test_parse_returns_models_and_never_raises(text):
    assert isinstance(parse(text), Intent | Refusal)


def test_internal_errors_become_refusals(monkeypatch):
    import swarmfi.intent.parser as parser

    monkeypatch.setattr(parser, "lex", lambda text: 1 / 0)
    out = parse_canonical("swap 1 ETH for USDC")
    assert out["error"]["kind"] == "invalid" and "report" in out["error"]["message"]


def _english(text):
    return text.isascii()


def _case_free(case):
    """Recipients, launch names and checksummed addresses keep their case by design."""
    if "0x" in case["text"]:
        return False
    steps = case["expect"].get("steps", [])
    return not any(s["action"] in ("transfer", "launch") for s in steps)


def test_letter_case_does_not_change_the_result():
    checked = 0
    for case in CASES:
        if not _english(case["text"]) or not _case_free(case):
            continue
        for variant in (case["text"].upper(), case["text"].lower(), case["text"].title()):
            assert compare(parse_strict(variant), case["expect"]), variant
        checked += 1
    assert checked > 100


def test_extra_spaces_and_trailing_punctuation_do_not_change_the_result():
    for case in CASES:
        text = case["text"]
        if not text.strip():
            continue
        for variant in ("  " + text.replace(" ", "   ") + "  ", text + ".", text + "!",
                        text + "?", text + "。", text + "！", "\t" + text + "\n"):  # fmt: skip
            assert compare(parse_strict(variant), case["expect"]), variant


TEMPLATES = [
    "swap {n} USDC for DAI", "sell {n} DAI for USDC", "send {n} USDC to bob",
    "deposit {n} USDC into lending", "borrow {n} DAI", "repay {n} USDC",
    "if ETH drops below {n}, buy 1 ETH with USDC", "buy ETH with {n} USDC every day",
    "把{n} USDC换成DAI", "借{n} DAI",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(TEMPLATES), st.integers(1, 999_999).map(lambda k: k * 1000))
def test_number_formatting_does_not_change_the_result(template, n):
    plain = parse_strict(template.format(n=n))
    assert "steps" in plain, plain
    for form in (f"{n:,}", f"{n // 1000}k", f"{n // 1000}K", f"{n}.0", f"{n // 1000} thousand"):
        assert compare(parse_strict(template.format(n=form)), plain), form
    if n % 10_000 == 0 and not template.isascii():
        assert compare(parse_strict(template.format(n=f"{n // 10_000}万")), plain)


def test_the_embedded_parser_does_not_import_pydantic():
    code = "import sys, swarmfi.intent.parser as p; p.parse_canonical('swap 1 ETH for USDC'); " \
           "print('pydantic' in sys.modules)"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
