"""Dates with a time of day: the 'datetime' kind (edit logs, signing times)."""

# The value is a naive ``datetime.datetime`` in local (Vietnam) time, as the model's TIMESTAMP
# columns are. The date part is read exactly as the 'date' kind reads it (the profile's
# ``date_formats`` first, then the built-in forms, a day/month swap only when the other reading
# is impossible), so a profile that writes dates month-first also reads its times that way.

from __future__ import annotations

import datetime as dt
import re

from hocba_audit.normalize.dates import MAX_YEAR, MIN_YEAR, date_value, excel_serial_date
from hocba_audit.normalize.params import Params
from hocba_audit.normalize.result import Note, Result, fail

#: Vietnam's UTC offset: an ISO time with this offset is already local time
LOCAL_OFFSET = dt.timedelta(hours=7)

_DATE = r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}"
# 10:30, 10:30:05, 10:30:05.250, 10h30, 10h, 10g30; optional AM/PM or the Vietnamese SA/CH
_TIME = (r"\d{1,2}(?::\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?|[hg](?:\d{2})?)"
         r"(?:\s*(?:AM|PM|SA|CH|A\.M\.|P\.M\.))?")
_ZONE = r"(?:Z|[+\-]\d{2}:?\d{2})"
_DATE_THEN_TIME = re.compile(
    rf"^(?P<date>{_DATE})(?:T|\s*,\s*|\s+(?:lúc\s+)?)(?P<time>{_TIME})(?P<zone>\s*{_ZONE})?$", re.I)
_TIME_THEN_DATE = re.compile(
    rf"^(?P<time>{_TIME})(?:\s*,\s*|\s+(?:ngày\s+)?)(?P<date>{_DATE})$", re.I)
_TIME_PARTS = re.compile(
    r"^(?P<h>\d{1,2})(?::(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?|[hg](?P<m2>\d{2})?)"
    r"\s*(?P<ampm>AM|PM|SA|CH|A\.M\.|P\.M\.)?$", re.I)
_TIME_ONLY = re.compile(rf"^{_TIME}$", re.I)
_SERIAL = re.compile(r"^\d{1,5}(?:[.,]\d+)?$")
_YEAR = re.compile(r"^\d{4}(?:[.,]0+)?$")
_LAST_SERIAL = 73415  # 31/12/2100


def shown(value: dt.datetime) -> str:
    """How a time is shown to users: dd/mm/yyyy hh:mm:ss."""
    return value.strftime("%d/%m/%Y %H:%M:%S")


def excel_serial_datetime(serial: float) -> dt.datetime | None:
    """The local time of an Excel serial number with a fraction of a day (1900 system), rounded
    to the second; None outside years 1900-2100."""
    days = int(serial)
    if days > _LAST_SERIAL:
        return None
    seconds = round((serial - days) * 86400)
    day = excel_serial_date(days)
    if day is None:
        return None
    value = dt.datetime(day.year, day.month, day.day) + dt.timedelta(seconds=seconds)
    return value if MIN_YEAR <= value.year <= MAX_YEAR else None


def _clock(text: str) -> dt.time | None:
    """The time of day of '10:30', '10:30:05.5', '10h30', '2:30 CH' …, or None if impossible."""
    m = _TIME_PARTS.match(text)
    if m is None:
        return None
    hour = int(m.group("h"))
    minute = int(m.group("m") or m.group("m2") or 0)
    second = int(m.group("s") or 0)
    micro = int((m.group("f") or "0")[:6].ljust(6, "0"))
    ampm = (m.group("ampm") or "").upper().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        afternoon = ampm in ("PM", "CH")
        hour = hour % 12 + (12 if afternoon else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return dt.time(hour, minute, second, micro)


def _zone_shift(zone: str | None) -> dt.timedelta | None:
    """How far a written UTC offset is from Vietnam's, or None when there is none or it is +07."""
    if not zone:
        return None
    zone = zone.strip().upper()
    if zone == "Z":
        offset = dt.timedelta(0)
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return None if offset == LOCAL_OFFSET else LOCAL_OFFSET - offset


def _unreadable(text: str) -> Result:
    return fail("invalid_datetime",
                f"Không đọc được thời điểm '{text}'; cần dạng dd/mm/yyyy hh:mm:ss "
                "(ví dụ 15/01/2026 10:30:00).")


def _date_error(text: str, code: str | None) -> Result:
    """The datetime error for a date part the 'date' kind rejected with ``code``."""
    if code == "date_two_digit_year":
        return fail("datetime_two_digit_year", f"Thời điểm '{text}' chỉ ghi hai chữ số của năm; "
                                               "cần ghi đủ bốn chữ số (dd/mm/yyyy hh:mm:ss).")
    if code == "date_out_of_range":
        return fail("datetime_out_of_range",
                    f"Thời điểm '{text}' có năm nằm ngoài khoảng {MIN_YEAR}-{MAX_YEAR}.")
    return _unreadable(text)


def _swap_note(text: str, value: dt.datetime) -> Note:
    return Note("date_day_month_swapped",
                f"Thời điểm '{text}' không hợp lệ khi đọc ngày trước tháng; đã đọc với ngày và "
                f"tháng đảo chỗ thành {shown(value)}.", shown(value))


def _swapped(r: Result) -> bool:
    return any(n.code == "date_day_month_swapped" for n in r.notes)


def datetime_value(text: str, params: Params) -> Result:
    """The 'datetime' kind: a naive datetime in local time.

    Accepted: a date as the 'date' kind reads it followed by a time (space, 'T', comma or
    'lúc'), or a time followed by the date ('10:30 15/01/2026', '10:30 ngày 15/01/2026');
    times hh:mm, hh:mm:ss, hh:mm:ss.fff, 10h30, with AM/PM or SA/CH; an ISO UTC offset
    (+07:00 is dropped, any other is converted to Vietnam time with a note); an Excel serial
    number with a fraction of a day (note). A date without a time is read as 00:00:00 with a
    note. Errors: invalid_datetime, invalid_time, datetime_two_digit_year,
    datetime_out_of_range, datetime_year_only, datetime_time_only.
    """
    if _SERIAL.match(text):
        return _serial(text)
    m = _DATE_THEN_TIME.match(text) or _TIME_THEN_DATE.match(text)
    if m is None:
        if _TIME_ONLY.match(text):
            return fail("datetime_time_only", f"'{text}' chỉ có giờ, không có ngày; cần dạng "
                                              "dd/mm/yyyy hh:mm:ss.")
        return _date_only(text, params)
    day = date_value(m.group("date"), params)
    if day.error is not None:
        return _date_error(text, day.error)
    clock = _clock(m.group("time").strip())
    if clock is None:
        return fail("invalid_time", f"Giờ '{m.group('time').strip()}' trong '{text}' không hợp lệ "
                                    "(giờ 0-23, phút và giây 0-59).")
    value = dt.datetime.combine(day.value, clock)
    notes: list[Note] = []
    shift = _zone_shift(m.groupdict().get("zone"))
    if shift is not None:
        value = value + shift
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            return fail("datetime_out_of_range",
                        f"Thời điểm '{text}' có năm nằm ngoài khoảng {MIN_YEAR}-{MAX_YEAR}.")
        notes.append(Note("datetime_zone_converted",
                          f"Thời điểm '{text}' ghi theo múi giờ khác; đã đổi sang giờ Việt Nam "
                          f"(UTC+7) thành {shown(value)}.", shown(value)))
    if _swapped(day):
        notes.insert(0, _swap_note(text, value))
    return Result(value, tuple(notes))


def _date_only(text: str, params: Params) -> Result:
    r = date_value(text, params)
    if r.error is not None:
        return _date_error(text, r.error)
    value = dt.datetime(r.value.year, r.value.month, r.value.day)
    notes = [Note("datetime_date_only",
                  f"'{text}' chỉ có ngày, không có giờ; đã đọc là {shown(value)} (đầu ngày).",
                  shown(value))]
    if _swapped(r):
        notes.insert(0, _swap_note(text, value))
    return Result(value, tuple(notes))


def _serial(text: str) -> Result:
    if _YEAR.match(text) and MIN_YEAR <= int(text[:4]) <= MAX_YEAR:
        return fail("datetime_year_only", f"'{text}' chỉ là năm, không phải một thời điểm "
                                          "(dd/mm/yyyy hh:mm:ss).")
    value = excel_serial_datetime(float(text.replace(",", ".")))
    if value is None:
        return _unreadable(text)
    return Result(value, (Note("excel_serial_datetime",
                               f"'{text}' là số ngày kiểu Excel (ô thời điểm bị lưu thành số); đã "
                               f"đọc thành {shown(value)}.", shown(value)),))
