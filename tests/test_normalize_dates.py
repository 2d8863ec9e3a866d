"""Dates and years: the 'date', 'year' and 'school_year' kinds."""

from __future__ import annotations

import datetime as dt

import pytest

from hocba_audit.normalize import normalize_value
from hocba_audit.normalize.dates import excel_serial_date

D = dt.date(2010, 2, 15)


def _codes(result):
    return [n.code for n in result.notes]


@pytest.mark.parametrize(
    "raw",
    ["15/02/2010", "2010-02-15", "2010-02-15 00:00:00", "2010-02-15T00:00:00", "15-02-2010",
     "15.02.2010", "ngày 15 tháng 2 năm 2010", " 15/02/2010 "],
)
def test_date_reads_the_usual_forms_without_notes(raw):
    r = normalize_value("date", raw)
    assert (r.value, r.notes, r.error) == (D, (), None)


def test_date_reads_day_and_month_without_leading_zeros():
    assert normalize_value("date", "5/2/2010").value == dt.date(2010, 2, 5)


def test_date_returns_a_datetime_date():
    assert type(normalize_value("date", "15/02/2010").value) is dt.date


def test_date_with_impossible_month_is_read_swapped_with_a_note():
    r = normalize_value("date", "05/23/2010")
    assert r.value == dt.date(2010, 5, 23)
    assert _codes(r) == ["date_day_month_swapped"]
    assert r.notes[0].suggestion == "23/05/2010"


def test_date_that_reads_both_ways_is_read_day_first():
    r = normalize_value("date", "05/06/2010")
    assert r.value == dt.date(2010, 6, 5)
    assert r.notes == ()


def test_date_uses_the_profile_formats_first():
    params = {"date_formats": ["%m/%d/%Y"]}
    assert normalize_value("date", "05/06/2010", params=params).value == dt.date(2010, 5, 6)
    r = normalize_value("date", "23/05/2010", params=params)
    assert r.value == dt.date(2010, 5, 23)
    assert _codes(r) == ["date_day_month_swapped"]


def test_date_from_an_excel_serial_number_has_a_note():
    for raw in ("40224", "40224.0"):
        r = normalize_value("date", raw)
        assert r.value == D
        assert _codes(r) == ["excel_serial_date"]


def test_excel_serial_numbers_follow_the_1900_system():
    assert excel_serial_date(1) == dt.date(1900, 1, 1)
    assert excel_serial_date(59) == dt.date(1900, 2, 28)
    assert excel_serial_date(60) is None  # Excel's 29/02/1900 does not exist
    assert excel_serial_date(61) == dt.date(1900, 3, 1)
    assert excel_serial_date(40179) == dt.date(2010, 1, 1)
    assert excel_serial_date(73415) == dt.date(2100, 12, 31)
    assert excel_serial_date(73416) is None
    assert excel_serial_date(0) is None


def test_date_serial_beyond_2100_is_invalid():
    assert normalize_value("date", "99999").error == "invalid_date"


def test_date_that_is_only_a_year_is_an_error():
    r = normalize_value("date", "1980")
    assert r.error == "date_year_only"
    assert "'1980'" in r.message


@pytest.mark.parametrize("raw", ["15/02/10", "15-02-10", "5/2/10"])
def test_date_with_two_digit_year_is_an_error(raw):
    r = normalize_value("date", raw)
    assert r.error == "date_two_digit_year"
    assert r.value is None


@pytest.mark.parametrize("raw", ["abc", "31/02/2010", "32/13/2010", "15/02", "2010-13-45"])
def test_date_unreadable_is_invalid_date_quoting_the_value(raw):
    r = normalize_value("date", raw)
    assert r.error == "invalid_date"
    assert f"'{raw}'" in r.message


def test_date_before_1900_is_out_of_range():
    assert normalize_value("date", "15/02/1850").error == "date_out_of_range"


def test_blank_date_is_none():
    assert normalize_value("date", "").value is None
    assert normalize_value("date", None).error is None


# ---- year ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "year"), [("1980", 1980), ("1980.0", 1980), (" 2010 ", 2010)])
def test_year_reads_four_digits(raw, year):
    assert normalize_value("year", raw).value == year


def test_year_outside_1900_2100_is_out_of_range():
    assert normalize_value("year", "1850").error == "year_out_of_range"
    assert normalize_value("year", "2150").error == "year_out_of_range"


@pytest.mark.parametrize("raw", ["80", "năm 1980", "1980.5", "19800"])
def test_year_not_four_digits_is_invalid(raw):
    assert normalize_value("year", raw).error == "invalid_year"


# ---- school_year --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["2025-2026", "2025 - 2026", "2025/2026", "2025–2026", "2025—2026", "Năm học 2025-2026",
            "2025-26"],
)
def test_school_year_is_normalised_to_yyyy_dash_yyyy(raw):
    assert normalize_value("school_year", raw).value == "2025-2026"


def test_school_year_whose_years_do_not_follow_is_an_error():
    r = normalize_value("school_year", "2025-2027")
    assert r.error == "school_year_not_consecutive"
    assert "2025-2026" in r.message


@pytest.mark.parametrize("raw", ["2025", "HK1 2025", "25-26"])
def test_school_year_unreadable_is_an_error(raw):
    assert normalize_value("school_year", raw).error == "invalid_school_year"
