"""Numbers: the 'int', 'decimal' and 'mark' kinds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hocba_audit.normalize import normalize_value


def _codes(result):
    return [n.code for n in result.notes]


# ---- int ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"), [("3", 3), ("3.0", 3), ("-2", -2), (" 45 ", 45), ("0", 0)]
)
def test_int_reads_whole_numbers(raw, value):
    r = normalize_value("int", raw)
    assert r.value == value
    assert type(r.value) is int


def test_int_with_a_fraction_is_not_an_integer():
    r = normalize_value("int", "3.5")
    assert r.error == "not_an_integer"
    assert "'3.5'" in r.message


def test_int_that_is_not_a_number_is_not_a_number():
    assert normalize_value("int", "ba").error == "not_a_number"


# ---- decimal ------------------------------------------------------------------------------


def test_decimal_keeps_every_digit_given():
    assert normalize_value("decimal", "8.50").value == Decimal("8.50")
    assert str(normalize_value("decimal", "8.50").value) == "8.50"


def test_decimal_with_a_comma_is_read_with_a_note():
    r = normalize_value("decimal", "8,5")
    assert r.value == Decimal("8.5")
    assert _codes(r) == ["decimal_comma"]


def test_decimal_comma_is_rejected_when_the_profile_says_points_only():
    r = normalize_value("decimal", "8,5", params={"decimal_comma": False})
    assert r.error == "not_a_number"
    points_only = {"decimal_comma": False}
    assert normalize_value("decimal", "8.5", params=points_only).value == Decimal("8.5")


@pytest.mark.parametrize("raw", ["tám", "8,5,1", "1.234,5", "8..5", "NaN", "Infinity", "--8"])
def test_decimal_rejects_what_is_not_a_plain_number(raw):
    r = normalize_value("decimal", raw)
    assert r.error == "not_a_number"
    assert r.value is None


def test_decimal_flags_binary_float_noise_but_keeps_the_value():
    r = normalize_value("decimal", "8.299999999999999")
    assert r.value == Decimal("8.299999999999999")
    assert _codes(r) == ["float_artifact"]
    assert r.notes[0].suggestion == "8.3"


def test_decimal_with_few_decimals_has_no_float_note():
    assert normalize_value("decimal", "8.25").notes == ()


# ---- mark ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [("8.5", Decimal("8.5")), ("7", Decimal("7")), ("8.25", Decimal("8.25")), ("10", Decimal("10")),
     ("0", Decimal("0")), ("11", Decimal("11")), ("-1", Decimal("-1"))],
)
def test_mark_numbers_load_unrounded_and_unchecked(raw, value):
    r = normalize_value("mark", raw)
    assert r.value == (value, None)
    assert r.error is None


def test_mark_keeps_the_decimals_as_given():
    number, token = normalize_value("mark", "8.25").value
    assert str(number) == "8.25" and token is None


def test_mark_with_a_decimal_comma_has_a_note():
    r = normalize_value("mark", "8,5")
    assert r.value == (Decimal("8.5"), None)
    assert _codes(r) == ["decimal_comma"]


@pytest.mark.parametrize(
    ("raw", "token"),
    [("Đ", "Đ"), ("D", "Đ"), ("Đạt", "Đ"), ("Dat", "Đ"), ("đ", "Đ"), ("Ðạt", "Đ"),
     ("CĐ", "CĐ"), ("CD", "CĐ"), ("Chưa đạt", "CĐ"), ("Chua dat", "CĐ"), ("cđ", "CĐ"),
     ("Miễn", "Miễn"), ("M", "Miễn"), ("MG", "Miễn"), ("Miễn giảm", "Miễn"), ("mien", "Miễn")],
)
def test_mark_tokens_are_canonical(raw, token):
    assert normalize_value("mark", raw).value == (None, token)


@pytest.mark.parametrize("raw", ["x", "T", "Giỏi", "8.5đ", "vắng"])
def test_mark_other_text_is_invalid(raw):
    r = normalize_value("mark", raw)
    assert r.error == "invalid_mark"
    assert f"'{raw}'" in r.message


def test_blank_mark_is_none_not_zero():
    assert normalize_value("mark", " ").value is None
    assert normalize_value("mark", "0").value == (Decimal("0"), None)
