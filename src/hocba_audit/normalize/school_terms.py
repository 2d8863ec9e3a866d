"""School calendar terms: the 'school_year', 'semester' and 'grade' kinds."""

from __future__ import annotations

import re

from hocba_audit.normalize.fold_key import fold_key
from hocba_audit.normalize.params import Params, whole_number_text
from hocba_audit.normalize.result import Result, fail

_SCHOOL_YEAR = re.compile(r"^(?:nam hoc )?(\d{4}) (\d{4}|\d{2})$")
_SEMESTER = re.compile(r"^(?:hk|hocki|ki|semester)?(1|2|i|ii)$")
_WHOLE_YEAR = frozenset({"cn", "canam", "canamhoc", "namhoc", "hkcn"})
_ROMAN = {"1": 1, "i": 1, "2": 2, "ii": 2}
_GRADE = re.compile(r"^(?:khoi lop |khoi |lop )?(\d{1,2})(?:[a-z].*| \d.*| [a-z].*)?$")
_DECIMAL = re.compile(r"^\d+[.,]\d+$")


def school_year_value(text: str, params: Params) -> Result:
    """The 'school_year' kind: 'YYYY-YYYY' from '2025-2026', '2025 - 2026', '2025/2026' …"""
    m = _SCHOOL_YEAR.match(fold_key(text))
    if not m:
        return fail(
            "invalid_school_year",
            f"Không đọc được năm học '{text}'; cần dạng 2025-2026.",
        )
    first = int(m.group(1))
    second = int(m.group(2))
    if len(m.group(2)) == 2:
        second += first - first % 100
    if second != first + 1:
        return fail(
            "school_year_not_consecutive",
            f"Năm học '{text}' không hợp lệ: năm sau phải bằng năm đầu cộng 1 "
            f"(ví dụ {first}-{first + 1}).",
        )
    return Result(f"{first}-{second}")


def semester_value(text: str, params: Params) -> Result:
    """The 'semester' kind: 1 or 2 from '1', 'HK1', 'HKI', 'Học kì I', 'Học kỳ 2', 'II' …"""
    whole = whole_number_text(text)
    key = fold_key(whole if whole is not None else text).replace(" ", "").replace("y", "i")
    m = _SEMESTER.match(key)
    if m:
        return Result(_ROMAN[m.group(1)])
    if key in _WHOLE_YEAR:
        return fail(
            "not_a_semester",
            f"'{text}' là cả năm học, không phải một học kì; cột này cần học kì 1 hoặc 2.",
        )
    return fail("invalid_semester", f"Không đọc được học kì '{text}'; cần 1, 2, HK1, HKII …")


def grade_value(text: str, params: Params) -> Result:
    """The 'grade' kind: 1-12 from '6', 'Khối 6', 'Lớp 6', '10.0', a class name ('6A1')."""
    whole = whole_number_text(text)
    if whole is None and _DECIMAL.match(text):
        return fail("invalid_grade", f"Khối lớp '{text}' không phải số nguyên.")
    m = _GRADE.match(fold_key(whole if whole is not None else text))
    if not m:
        return fail("invalid_grade", f"Không đọc được khối lớp '{text}'; cần một số từ 1 đến 12.")
    grade = int(m.group(1))
    if not 1 <= grade <= 12:
        return fail("grade_out_of_range", f"Khối lớp '{text}' nằm ngoài khoảng 1-12.")
    return Result(grade)
