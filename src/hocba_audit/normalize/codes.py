"""Identifiers read as text: the 'code' and 'personal_id' kinds."""

from __future__ import annotations

import re
import unicodedata

from hocba_audit.normalize.cccd import cccd_consistent
from hocba_audit.normalize.params import Params
from hocba_audit.normalize.reference import province_codes
from hocba_audit.normalize.result import Note, Result, fail

_ALL_SPACE = re.compile(r"[\s\u00a0\u2007\u202f\u200b\u200c\u200d\u2060\ufeff]+")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_FLOAT_CODE = re.compile(r"^(\d+)\.0+$")


def code_value(text: str, params: Params) -> Result:
    """The 'code' kind: NFC text with every space removed, never read as a number.

    '3100000001.0' -> '3100000001' (note 'numeric_code'); '3.12E+11' stays as written (note
    'scientific_notation': digits are lost); a leading apostrophe is dropped (note
    'leading_apostrophe').
    """
    value = _ALL_SPACE.sub("", unicodedata.normalize("NFC", text))
    notes: list[Note] = []
    if value.startswith("'") and len(value) > 1:
        value = value[1:]
        notes.append(
            Note(
                "leading_apostrophe",
                f"Mã '{text}' có dấu nháy đơn ở đầu (dấu Excel dùng cho ô văn bản); "
                "đã bỏ dấu nháy.",
                value,
            )
        )
    if _SCIENTIFIC.match(value):
        notes.append(
            Note(
                "scientific_notation",
                f"Mã '{text}' bị Excel ghi ở dạng số mũ: các chữ số cuối đã mất và không khôi phục "
                "được; giá trị được giữ nguyên, cần lấy lại mã gốc từ nguồn.",
            )
        )
        return Result(value, tuple(notes))
    m = _FLOAT_CODE.match(value)
    if m:
        value = m.group(1)
        notes.append(
            Note(
                "numeric_code",
                f"Mã '{text}' bị lưu dưới dạng số thực; đã bỏ phần thập phân '.0' thành '{value}'.",
                value,
            )
        )
    return Result(value, tuple(notes))


def personal_id_value(text: str, params: Params) -> Result:
    """The 'personal_id' kind: a 12-digit number; lost leading zeros restored when provably safe.

    11 digits are padded to '0' + s only when the first three digits then name a known
    province and, when params give 'sex' and/or 'birth_year', the century/sex digit and the
    year digits agree with them. There is no check digit (domain.md §4.1).
    """
    code = code_value(text, params)
    value = str(code.value)
    notes = code.notes
    if not (value.isascii() and value.isdigit()):
        why = " (dạng số mũ của Excel, các chữ số cuối đã mất)" if _SCIENTIFIC.match(value) else ""
        return fail(
            "personal_id_not_digits",
            f"Số định danh '{text}' chứa ký tự không phải chữ số{why}; cần đúng 12 chữ số.",
            notes=notes,
        )
    n = len(value)
    if n == 12:
        if len(set(value)) == 1:
            notes += (
                Note(
                    "personal_id_placeholder",
                    f"Số định danh '{text}' có vẻ là giá trị giữ chỗ (mọi chữ số giống nhau), "
                    "không phải số thật.",
                ),
            )
        return Result(value, notes)
    if n == 11:
        note = _eleven_digits(text, value, params)
        restored = note.suggestion if note.code == "leading_zero_restored" else None
        return Result(restored or value, notes + (note,))
    if n == 9:
        note = Note(
            "cmnd_9_digits",
            f"'{text}' là số chứng minh nhân dân (CMND) cũ 9 chữ số, không phải số định danh cá "
            "nhân 12 chữ số; cần cập nhật số định danh.",
        )
        return Result(value, notes + (note,))
    return fail(
        "personal_id_length",
        f"Số định danh '{text}' có {n} chữ số; số định danh cá nhân phải có đúng 12 chữ số.",
        notes=notes,
    )


def _eleven_digits(text: str, value: str, params: Params) -> Note:
    padded = "0" + value
    province = province_codes().get(padded[:3])
    problems = [p for p in cccd_consistent(padded, params.sex, params.birth_year)
                if p != "cccd_unknown_province"]
    if province is not None and not problems:
        checked = " và khớp giới tính/năm sinh" if params.sex or params.birth_year else ""
        return Note(
            "leading_zero_restored",
            f"Số định danh '{text}' chỉ có 11 chữ số (Excel đã bỏ số 0 ở đầu); đã khôi phục "
            f"thành '{padded}' vì mã tỉnh {padded[:3]} ({province}) hợp lệ{checked}.",
            padded,
        )
    reason = (
        f"'0' + số này không bắt đầu bằng mã tỉnh hợp lệ ({padded[:3]})" if province is None
        else "giới tính/năm sinh không khớp với số sau khi thêm 0"
    )
    return Note(
        "leading_zero_lost",
        f"Số định danh '{text}' chỉ có 11 chữ số, có thể đã mất số 0 ở đầu, nhưng không khôi "
        f"phục vì {reason}; giữ nguyên.",
    )
