"""Identifiers: the 'code' and 'personal_id' kinds, and the CCCD structure helpers."""

from __future__ import annotations

import datetime as dt

import pytest

from hocba_audit.normalize import cccd_consistent, cccd_parts, normalize_value


def _codes(result):
    return [n.code for n in result.notes]


# ---- code ---------------------------------------------------------------------------------


def test_code_removes_every_space():
    r = normalize_value("code", " 31 00\u00a000 0001 ")
    assert r.value == "3100000001"
    assert r.notes == ()


def test_code_keeps_leading_zeros_and_letters():
    assert normalize_value("code", "0012345").value == "0012345"
    assert normalize_value("code", "6A1").value == "6A1"


def test_code_read_as_a_float_loses_its_point_zero_with_a_note():
    r = normalize_value("code", "3100000001.0")
    assert r.value == "3100000001"
    assert _codes(r) == ["numeric_code"]
    assert r.notes[0].suggestion == "3100000001"


def test_code_in_scientific_notation_is_kept_as_written_and_flagged():
    r = normalize_value("code", "3.12E+11")
    assert r.value == "3.12E+11"
    assert r.error is None
    assert _codes(r) == ["scientific_notation"]
    assert "mất" in r.notes[0].message  # says that digits are lost


def test_code_drops_an_excel_text_apostrophe():
    r = normalize_value("code", "'0312")
    assert r.value == "0312"
    assert _codes(r) == ["leading_apostrophe"]


def test_code_with_a_real_decimal_part_is_not_a_numeric_code():
    r = normalize_value("code", "10.5")
    assert r.value == "10.5"
    assert r.notes == ()


# ---- personal_id --------------------------------------------------------------------------


def test_personal_id_of_12_digits_is_the_value():
    r = normalize_value("personal_id", "031210000123")
    assert (r.value, r.notes, r.error) == ("031210000123", (), None)


def test_personal_id_read_as_float_is_read_as_digits():
    r = normalize_value("personal_id", "31210000123.0")
    assert r.value == "031210000123"
    assert _codes(r) == ["numeric_code", "leading_zero_restored"]


def test_personal_id_with_lost_zero_and_known_province_is_restored():
    r = normalize_value("personal_id", "31210000123")
    assert r.value == "031210000123"
    assert _codes(r) == ["leading_zero_restored"]
    assert r.notes[0].suggestion == "031210000123"
    assert "Hải Phòng" in r.notes[0].message


def test_personal_id_with_lost_zero_is_restored_when_sex_and_year_agree():
    params = {"sex": "Nam", "birth_year": 2010}
    r = normalize_value("personal_id", "31210000123", params=params)
    assert r.value == "031210000123"
    assert _codes(r) == ["leading_zero_restored"]


@pytest.mark.parametrize(
    "params",
    [{"sex": "Nữ"}, {"birth_year": 2011}, {"birth_year": 1910},
     {"sex": "Nam", "birth_year": "2009"}],
)
def test_personal_id_with_lost_zero_is_not_restored_when_sex_or_year_disagree(params):
    r = normalize_value("personal_id", "31210000123", params=params)
    assert r.value == "31210000123"
    assert _codes(r) == ["leading_zero_lost"]


def test_personal_id_reused_params_dict_is_reread_for_each_row():
    params = {"sex": "Nam", "birth_year": 2010}
    assert normalize_value("personal_id", "30210000555", params=params).value == "030210000555"
    params["sex"] = "Nữ"
    assert normalize_value("personal_id", "30210000555", params=params).value == "30210000555"


def test_personal_id_with_lost_zero_and_unknown_province_is_kept():
    r = normalize_value("personal_id", "99210000123")
    assert r.value == "99210000123"
    assert _codes(r) == ["leading_zero_lost"]


def test_personal_id_of_9_digits_is_an_old_cmnd():
    r = normalize_value("personal_id", "031234567")
    assert r.value == "031234567"
    assert _codes(r) == ["cmnd_9_digits"]


@pytest.mark.parametrize("raw", ["03121000012A", "031-210-000-123", "3.12E+11", "không có"])
def test_personal_id_with_non_digits_is_an_error(raw):
    r = normalize_value("personal_id", raw)
    assert r.error == "personal_id_not_digits"
    assert r.value is None
    assert f"'{raw}'" in r.message


def test_personal_id_in_scientific_notation_says_so():
    r = normalize_value("personal_id", "3.12E+11")
    assert "số mũ" in r.message
    assert _codes(r) == ["scientific_notation"]


@pytest.mark.parametrize("raw", ["0312", "0312100001234", "0312100001"])
def test_personal_id_of_another_length_is_an_error(raw):
    assert normalize_value("personal_id", raw).error == "personal_id_length"


def test_personal_id_made_of_one_repeated_digit_is_flagged_as_placeholder():
    r = normalize_value("personal_id", "000000000000")
    assert r.value == "000000000000"
    assert _codes(r) == ["personal_id_placeholder"]


def test_personal_id_spaces_are_removed_like_a_code():
    assert normalize_value("personal_id", "031 210 000 123").value == "031210000123"


# ---- cccd_parts / cccd_consistent ---------------------------------------------------------


def test_cccd_parts_splits_province_century_sex_year_and_serial():
    p = cccd_parts("031310000123")
    assert p is not None
    assert (p.province_code, p.century_sex_digit, p.sex, p.century, p.yy, p.serial) == (
        "031", 3, "Nữ", 2000, 10, "000123"
    )
    assert p.birth_year == 2010
    assert p.province_name == "Hải Phòng"


@pytest.mark.parametrize(
    ("digit", "sex", "century"),
    [(0, "Nam", 1900), (1, "Nữ", 1900), (2, "Nam", 2000), (3, "Nữ", 2000), (4, "Nam", 2100),
     (5, "Nữ", 2100)],
)
def test_cccd_century_sex_digit_follows_the_table(digit, sex, century):
    p = cccd_parts(f"030{digit}85000001")
    assert p is not None and (p.sex, p.century) == (sex, century)


@pytest.mark.parametrize("raw", ["31210000123", "03121000012A", "", "0312100001234"])
def test_cccd_parts_is_none_unless_12_digits(raw):
    assert cccd_parts(raw) is None


def test_cccd_consistent_is_empty_for_a_consistent_number():
    assert cccd_consistent("031310000123", "Nữ", 2010) == []
    assert cccd_consistent("031310000123", "nu", "2010") == []
    assert cccd_consistent("031310000123", "F", dt.date(2010, 5, 1)) == []
    assert cccd_consistent("031310000123") == []


def test_cccd_consistent_reports_each_kind_of_problem():
    assert cccd_consistent("031310000123", "Nam", 2010) == ["cccd_sex_mismatch"]
    assert cccd_consistent("031310000123", "Nữ", 1910) == ["cccd_century_mismatch"]
    assert cccd_consistent("031310000123", "Nữ", 2011) == ["cccd_year_mismatch"]
    assert cccd_consistent("099310000123") == ["cccd_unknown_province"]
    assert cccd_consistent("12345") == ["cccd_not_12_digits"]


def test_cccd_has_no_check_digit_so_any_serial_is_consistent():
    serials = ["000000", "123456", "999999", "271828"]
    assert all(cccd_consistent(f"030210{s}", "Nam", 2010) == [] for s in serials)
