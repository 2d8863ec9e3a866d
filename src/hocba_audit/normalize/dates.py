"""Dates and years: the 'date' and 'year' kinds (profile formats, Excel serials, swaps)."""

from __future__ import annotations

import datetime as dt
import re

from hocba_audit.normalize.fold_key import fold_key
from hocba_audit.normalize.params import Params, whole_number_text
from hocba_audit.normalize.result import Note, Result, fail

MIN_YEAR, MAX_YEAR = 1900, 2100
EXCEL_EPOCH = dt.date(1899, 12, 30)  # the 1900 date system, as Excel counts from serial 61 on
_ISO_TIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})$")
_SHORT_YEAR = re.compile(r"^(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}|\d{2}[/.\-]\d{1,2}[/.\-]\d{1,2})$")
_SERIAL = re.compile(r"^\d{1,5}(?:\.0+)?$")
_WRITTEN = re.compile(r"^(?:.*\b)?ngay (\d{1,2}) thang (\d{1,2}) nam (\d{4})$")


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _strptime(text: str, fmt: str) -> dt.date | None:
    try:
        value = dt.datetime.strptime(text, fmt).date()
    except ValueError:
        return None
    # strptime reads '%Y' from 1-4 digits: '15/02/10' would be year 10
    return value if MIN_YEAR <= value.year <= MAX_YEAR and str(value.year) in text else None


def _swapped(fmt: str) -> str | None:
    if "%d" not in fmt or "%m" not in fmt:
        return None
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def excel_serial_date(serial: int) -> dt.date | None:
    """The date of an Excel serial number (1900 system), or None outside years 1900-2100.

    Serials 1-59 are shifted one day (Excel counts the non-existent 29/02/1900 as serial 60,
    which is rejected).
    """
    if serial < 1 or serial == 60:
        return None
    value = EXCEL_EPOCH + dt.timedelta(days=serial + (1 if serial < 60 else 0))
    return value if MIN_YEAR <= value.year <= MAX_YEAR else None


def _builtin(text: str) -> dt.date | None:
    m = _ISO_TIME.match(text)
    if m:
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DAY_FIRST.match(text)
    if m:
        return _date(int(m.group(4)), int(m.group(3)), int(m.group(1)))
    m = _WRITTEN.match(fold_key(text))
    if m:
        return _date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return None


def _swapped_builtin(text: str) -> dt.date | None:
    m = _DAY_FIRST.match(text)
    return _date(int(m.group(4)), int(m.group(1)), int(m.group(3))) if m else None


def date_value(text: str, params: Params) -> Result:
    """The 'date' kind: a datetime.date.

    Tried in order: the profile's formats; the same with day and month swapped (note
    'date_day_month_swapped'); the built-in forms ('2010-02-15 00:00:00', dd/mm/yyyy,
    dd-mm-yyyy, dd.mm.yyyy, 'ngày 15 tháng 2 năm 2010'); dd/mm/yyyy with day and month
    swapped (note); an Excel serial number (note 'excel_serial_date'). A text that both
    readings accept is read the profile's way (day first by default), without a note.
    """
    for fmt in params.date_formats:
        value = _strptime(text, fmt)
        if value is not None:
            return Result(value)
    for fmt in params.date_formats:
        swapped = _swapped(fmt)
        value = _strptime(text, swapped) if swapped else None
        if value is not None:
            return _swap_note(text, value)
    value = _builtin(text)
    if value is not None:
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            return fail(
                "date_out_of_range",
                f"Ngày '{text}' có năm nằm ngoài khoảng {MIN_YEAR}-{MAX_YEAR}.",
            )
        return Result(value)
    value = _swapped_builtin(text)
    if value is not None and MIN_YEAR <= value.year <= MAX_YEAR:
        return _swap_note(text, value)
    if _SERIAL.match(text):
        return _serial(text)
    if _SHORT_YEAR.match(text):
        return fail(
            "date_two_digit_year",
            f"Ngày '{text}' chỉ ghi hai chữ số của năm; cần ghi đủ bốn chữ số (dd/mm/yyyy).",
        )
    return fail("invalid_date", f"Không đọc được ngày '{text}'; cần dạng dd/mm/yyyy.")


def _swap_note(text: str, value: dt.date) -> Result:
    shown = value.strftime("%d/%m/%Y")
    note = Note(
        "date_day_month_swapped",
        f"Ngày '{text}' không hợp lệ khi đọc ngày trước tháng; đã đọc với ngày và tháng đảo chỗ "
        f"thành {shown}.",
        shown,
    )
    return Result(value, (note,))


def _serial(text: str) -> Result:
    serial = int(float(text))
    if MIN_YEAR <= serial <= MAX_YEAR:
        return fail("date_year_only", f"'{text}' chỉ là năm, không phải ngày đầy đủ (dd/mm/yyyy).")
    value = excel_serial_date(serial)
    if value is None:
        return fail("invalid_date", f"Không đọc được ngày '{text}'; cần dạng dd/mm/yyyy.")
    shown = value.strftime("%d/%m/%Y")
    note = Note(
        "excel_serial_date",
        f"'{text}' là số ngày kiểu Excel (ô ngày bị lưu thành số); đã đọc thành {shown}.",
        shown,
    )
    return Result(value, (note,))


def year_value(text: str, params: Params) -> Result:
    """The 'year' kind: a four-digit year 1900-2100 as int ('1980', '1980.0')."""
    whole = whole_number_text(text)
    digits = whole if whole is not None else text
    if not (digits.isascii() and digits.isdigit()):
        return fail("invalid_year", f"Không đọc được năm '{text}'; cần bốn chữ số, ví dụ 1980.")
    if len(digits) != 4:
        return fail("invalid_year", f"Năm '{text}' không có đủ bốn chữ số, ví dụ 1980.")
    year = int(digits)
    if not MIN_YEAR <= year <= MAX_YEAR:
        return fail("year_out_of_range", f"Năm '{text}' nằm ngoài khoảng {MIN_YEAR}-{MAX_YEAR}.")
    return Result(year)
