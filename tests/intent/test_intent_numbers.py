from decimal import Decimal

import pytest

from swarmfi.intent import numbers


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.5万", "15000"),
        ("3万5", "35000"),  # colloquial: 3万5千
        ("3万五", "35000"),
        ("3万5千", "35000"),
        ("2千5", "2500"),
        ("1万2千5百", "12500"),
        ("1万2千500", "12500"),
        ("3万1500", "31500"),
        ("3万零5", "30005"),  # 零: the 5 is units
        ("5千万", "50000000"),
        ("0.5亿", "50000000"),
        ("2亿3千万", "230000000"),
        ("1亿2万", "100020000"),
    ],
)
def test_digits_mixed_with_chinese_units(text, value):
    assert numbers.zh_mixed(text) == Decimal(value)


@pytest.mark.parametrize("text", ["3万15", "3万5.5", "5百3千", "3万 5", "abc", "3万5个"])
def test_mixed_forms_with_no_plain_value_are_not_numbers(text):
    assert numbers.zh_mixed(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("两千五百", 2500), ("一千五", 1500), ("两万三", 23000), ("三点五", Decimal("3.5"))],
)
def test_chinese_numerals(text, value):
    assert numbers.zh_numeral(text) == value


def test_english_number_words():
    words = ["one", "thousand", "two", "hundred", "and", "five"]
    assert numbers.en_words(words) == 1205
    assert numbers.en_words(["twenty", "banana"]) is None
