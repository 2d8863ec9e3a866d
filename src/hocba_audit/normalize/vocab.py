"""Closed vocabularies: the 'sex', 'status', 'bool' and 'enum' kinds (profile value maps first)."""

from __future__ import annotations

from typing import Any

from hocba_audit.normalize.clean_text import clean_text
from hocba_audit.normalize.did_you_mean import did_you_mean
from hocba_audit.normalize.fold_key import fold_key
from hocba_audit.normalize.params import Params, whole_number_text
from hocba_audit.normalize.result import Result, fail

_SEX = {
    **dict.fromkeys(
        ["nam", "m", "male", "1", "trai", "con trai", "nam gioi", "gioi tinh nam"], "Nam"
    ),
    **dict.fromkeys(["nu", "f", "female", "2", "gai", "con gai", "nu gioi", "gioi tinh nu"], "Nữ"),
}
_SEX_UNKNOWN = frozenset({"0", "khong xac dinh", "chua xac dinh", "khong ro", "khac"})

_STATUS = {
    **dict.fromkeys(["dang hoc", "dang theo hoc", "con hoc"], "Đang học"),
    **dict.fromkeys(
        ["chuyen di", "chuyen truong di", "da chuyen di", "chuyen truong", "da chuyen truong"],
        "Chuyển đi",
    ),
    **dict.fromkeys(
        ["chuyen den", "chuyen truong den", "moi chuyen den", "da chuyen den"], "Chuyển đến"
    ),
    **dict.fromkeys(
        ["thoi hoc", "da thoi hoc", "nghi hoc", "da nghi hoc", "bo hoc", "da bo hoc"], "Thôi học"
    ),
    **dict.fromkeys(["bao luu", "bao luu ket qua", "dang bao luu"], "Bảo lưu"),
}
STATUSES: tuple[str, ...] = ("Đang học", "Chuyển đi", "Chuyển đến", "Thôi học", "Bảo lưu")

_TRUE = frozenset({"co", "x", "1", "true", "yes", "y", "da", "dung", "v"})
_FALSE = frozenset({"khong", "0", "false", "no", "n", "chua", "sai"})


def _key(text: str) -> str:
    whole = whole_number_text(text)
    return fold_key(whole if whole is not None else text)


def resolve_sex(text: str) -> str | None:
    """'Nam' or 'Nữ' for any default spelling of a sex ('nu', 'F', '2' …), else None."""
    return _SEX.get(_key(text))


def _mapped(text: str, params: Params) -> Any:
    return params.value_map.get(text) if params.value_map is not None else None


def sex_value(text: str, params: Params) -> Result:
    """The 'sex' kind: 'Nam' or 'Nữ'. A profile value map wins over the default spellings."""
    target = _mapped(text, params)
    if target is not None:
        return Result(resolve_sex(str(target)) or target)
    key = _key(text)
    if key in _SEX_UNKNOWN:
        message = f"Giới tính '{text}' là mã 'không xác định'; cần ghi Nam hoặc Nữ."
        return fail("sex_unknown", message)
    sex = _SEX.get(key)
    if sex is not None:
        return Result(sex)
    return fail("invalid_sex", f"Không đọc được giới tính '{text}'; cần ghi Nam hoặc Nữ.")


def status_value(text: str, params: Params) -> Result:
    """The 'status' kind: Đang học, Chuyển đi, Chuyển đến, Thôi học or Bảo lưu."""
    target = _mapped(text, params)
    if target is not None:
        return Result(_STATUS.get(fold_key(str(target)), target))
    status = _STATUS.get(fold_key(text))
    if status is not None:
        return Result(status)
    return fail(
        "unknown_status",
        f"Không nhận ra trạng thái học sinh '{text}'; các trạng thái: {', '.join(STATUSES)}.",
        did_you_mean(text, STATUSES),
    )


def _bool(text: str) -> bool | None:
    key = _key(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return None


def bool_value(text: str, params: Params) -> Result:
    """The 'bool' kind: Có/x/1/true/Yes/Đã -> True; Không/0/false/No/Chưa -> False."""
    target = _mapped(text, params)
    if target is not None:
        if isinstance(target, bool):
            return Result(target)
        as_bool = _bool(str(target))
        return Result(target if as_bool is None else as_bool)
    value = _bool(text)
    if value is None:
        return fail("invalid_bool", f"Không đọc được '{text}' là Có/Không.")
    return Result(value)


def enum_value(text: str, params: Params) -> Result:
    """The 'enum' kind: the profile value map's target; without a map, the cleaned text."""
    if params.value_map is None:
        return clean_text(text)
    target = params.value_map.get(text)
    if target is not None:
        return Result(target)
    choices = params.value_map.choices
    return fail(
        "unknown_enum_value",
        f"Giá trị '{text}' không có trong danh sách của hồ sơ nguồn ({', '.join(choices)}).",
        did_you_mean(text, choices),
    )
