"""Dates with a time of day: the 'datetime' kind (grade-edit log, signing times)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from hocba_audit.normalize import normalize_value
from hocba_audit.normalize.datetimes import excel_serial_datetime

T = dt.datetime(2026, 1, 15, 10, 30)
TS = dt.datetime(2026, 1, 15, 10, 30, 5)


def _codes(result):
    return [n.code for n in result.notes]


@pytest.mark.parametrize(
    "raw, value",
    [
        ("15/01/2026 10:30", T),
        ("15/01/2026 10:30:05", TS),
        ("5/1/2026 7:05", dt.datetime(2026, 1, 5, 7, 5)),
        ("2026-01-15 10:30:05", TS),              # calamine's rendering of an XLSX datetime cell
        ("2026-01-15T10:30:05", TS),              # ISO 8601
        ("2026-01-15T10:30:05+07:00", TS),        # Vietnam's own offset: already local time
        ("15-01-2026 10:30", T),
        ("15.01.2026 10:30", T),
        ("15/01/2026, 10:30", T),
        ("15/01/2026 lúc 10h30", T),
        ("10:30:05 15/01/2026", TS),              # time first, as some software prints it
        ("10:30:05 ngày 15/01/2026", TS),
        ("15/01/2026 2:30 CH", dt.datetime(2026, 1, 15, 14, 30)),
        ("15/01/2026 2:30 PM", dt.datetime(2026, 1, 15, 14, 30)),
        ("15/01/2026 12:10 SA", dt.datetime(2026, 1, 15, 0, 10)),
        ("15/01/2026 10h", dt.datetime(2026, 1, 15, 10, 0)),
        ("  15/01/2026\u00a0 10:30 ", T),
    ],
)
def test_datetime_reads_the_usual_forms_without_notes(raw, value):
    r = normalize_value("datetime", raw)
    assert (r.value, r.notes, r.error) == (value, (), None)
    assert type(r.value) is dt.datetime


def test_fractions_of_a_second_are_kept():
    r = normalize_value("datetime", "2026-01-15 10:30:05.250")
    assert r.value == dt.datetime(2026, 1, 15, 10, 30, 5, 250000) and r.notes == ()


def test_nfd_text_is_read_after_nfc():
    raw = unicodedata.normalize("NFD", "15/01/2026 lúc 10h30")
    assert raw != unicodedata.normalize("NFC", raw)
    assert normalize_value("datetime", raw).value == T


def test_other_time_zones_are_converted_to_vietnam_time_with_a_note():
    r = normalize_value("datetime", "2026-01-15T03:30:05Z")
    assert r.value == TS and _codes(r) == ["datetime_zone_converted"]
    assert r.notes[0].suggestion == "15/01/2026 10:30:05"
    r = normalize_value("datetime", "2025-12-31T23:30:00-05:00")
    assert r.value == dt.datetime(2026, 1, 1, 11, 30)


def test_excel_serial_with_a_fraction_of_a_day_has_a_note():
    for raw in ("46037.4375", "46037,4375"):
        r = normalize_value("datetime", raw)
        assert r.value == T
        assert _codes(r) == ["excel_serial_datetime"]
        assert r.notes[0].suggestion == "15/01/2026 10:30:00"
        assert f"'{raw}'" in r.notes[0].message


def test_excel_serial_is_rounded_to_the_second():
    # 10:30:05 is not exact in binary: Excel stores 46037.43755787037…
    assert excel_serial_datetime(46037 + (10 * 3600 + 30 * 60 + 5) / 86400) == TS
    assert excel_serial_datetime(46037.999999999) == dt.datetime(2026, 1, 16)
    assert excel_serial_datetime(0.5) is None
    assert excel_serial_datetime(3_000_000.5) is None


def test_whole_excel_serial_is_midnight():
    r = normalize_value("datetime", "46037")
    assert r.value == dt.datetime(2026, 1, 15) and _codes(r) == ["excel_serial_datetime"]


def test_date_without_time_is_midnight_with_a_note():
    for raw in ("15/01/2026", "2026-01-15", "ngày 15 tháng 1 năm 2026"):
        r = normalize_value("datetime", raw)
        assert r.value == dt.datetime(2026, 1, 15), raw
        assert _codes(r) == ["datetime_date_only"], raw


def test_impossible_day_first_reading_is_swapped_with_a_note():
    r = normalize_value("datetime", "01/15/2026 10:30")
    assert r.value == T and _codes(r) == ["date_day_month_swapped"]
    assert r.notes[0].suggestion == "15/01/2026 10:30:00"
    r = normalize_value("datetime", "01/15/2026")
    assert r.value == dt.datetime(2026, 1, 15)
    assert _codes(r) == ["date_day_month_swapped", "datetime_date_only"]


def test_ambiguous_day_month_is_read_the_profile_way_without_a_note():
    r = normalize_value("datetime", "05/06/2026 10:30")
    assert r.value == dt.datetime(2026, 6, 5, 10, 30) and r.notes == ()
    month_first = {"date_formats": ["%m/%d/%Y"]}
    r = normalize_value("datetime", "05/06/2026 10:30", params=month_first)
    assert r.value == dt.datetime(2026, 5, 6, 10, 30) and r.notes == ()
    r = normalize_value("datetime", "15/01/2026 10:30", params=month_first)
    assert r.value == T and _codes(r) == ["date_day_month_swapped"]


@pytest.mark.parametrize(
    "raw, code",
    [
        ("hôm qua", "invalid_datetime"),
        ("31/02/2026 10:30", "invalid_datetime"),
        ("15/01/2026 10:30 sáng mai", "invalid_datetime"),
        ("15/01/26 10:30", "datetime_two_digit_year"),
        ("15/01/1850 10:30", "datetime_out_of_range"),
        ("15/01/2026 24:00", "invalid_time"),
        ("15/01/2026 10:60", "invalid_time"),
        ("15/01/2026 10:30:60", "invalid_time"),
        ("15/01/2026 13:10 PM", "invalid_time"),
        ("15/01/2026 0:10 SA", "invalid_time"),
        ("10:30", "datetime_time_only"),
        ("10:30:05", "datetime_time_only"),
        ("2026", "datetime_year_only"),
        ("2026.0", "datetime_year_only"),
        ("0.4375", "invalid_datetime"),
    ],
)
def test_unreadable_or_ambiguous_text_is_an_error_quoting_the_text(raw, code):
    r = normalize_value("datetime", raw)
    assert r.value is None and r.error == code, (r.error, r.value)
    assert f"'{raw}'" in r.message
    assert unicodedata.is_normalized("NFC", r.message)


def test_datetime_messages_are_vietnamese():
    for raw in ("hôm qua", "46037.4375", "15/01/2026"):
        r = normalize_value("datetime", raw)
        text = r.message or r.notes[0].message
        assert any(ch in text for ch in "ờểđọố"), text
