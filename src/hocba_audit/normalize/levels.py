"""Assessment levels: the 'level' kind (T, K, Đ, CĐ, H, C, HTXS, HTT, HT, CHT)."""

from __future__ import annotations

from hocba_audit.normalize.fold_key import fold_key
from hocba_audit.normalize.params import Params
from hocba_audit.normalize.result import Result, fail

LEVEL_CODES: tuple[str, ...] = ("T", "K", "Đ", "CĐ", "H", "C", "HTXS", "HTT", "HT", "CHT")

#: Codes allowed per ``scope`` param. tt22: THCS/THPT learning and conduct results and
#: comment subjects; subject: TT27 subject levels; quality: TT27 qualities and competences;
#: overall: TT27 end-of-year result (domain.md §1.6, §2.2-2.4).
SCOPES: dict[str, tuple[str, ...]] = {
    "tt22": ("T", "K", "Đ", "CĐ"),
    "subject": ("T", "H", "C"),
    "quality": ("T", "Đ", "C"),
    "overall": ("HTXS", "HTT", "HT", "CHT"),
}

_CODE_KEYS = {fold_key(c): c for c in LEVEL_CODES}  # 'd' -> Đ and 'cd' -> CĐ come free
# Spelled-out names per scope. Without a scope the TT27 names are read the subject way
# ('Hoàn thành' -> H, 'Hoàn thành tốt' -> T, 'Chưa hoàn thành' -> C).
_SCOPE_NAMES: dict[str, dict[str, str]] = {
    "tt22": {"tot": "T", "kha": "K", "dat": "Đ", "chua dat": "CĐ"},
    "subject": {"hoan thanh tot": "T", "tot": "T", "hoan thanh": "H", "chua hoan thanh": "C"},
    "quality": {"tot": "T", "dat": "Đ", "can co gang": "C"},
    "overall": {
        "hoan thanh xuat sac": "HTXS", "hoan thanh tot": "HTT", "hoan thanh": "HT",
        "chua hoan thanh": "CHT",
    },
}
_DEFAULT = {
    **_SCOPE_NAMES["overall"], **_SCOPE_NAMES["tt22"], **_SCOPE_NAMES["quality"],
    **_SCOPE_NAMES["subject"], **_CODE_KEYS,
}


def resolve_level(text: str, scope: str | None = None) -> str | None:
    """The level code for a code or spelled-out level name, read in ``scope``; None if unknown."""
    key = fold_key(text)
    if scope in SCOPES:
        code = _CODE_KEYS.get(key)
        if code is not None:
            return code if code in SCOPES[scope] else None
        return _SCOPE_NAMES[scope].get(key)
    return _DEFAULT.get(key)


def level_value(text: str, params: Params) -> Result:
    """The 'level' kind. Profile value map first; then codes and names; checked against scope."""
    scope = params.scope if params.scope in SCOPES else None
    code: object = None
    if params.value_map is not None:
        target = params.value_map.get(text)
        if target is not None:
            code = resolve_level(str(target), scope) or target
    if code is None:
        code = resolve_level(text, scope)
    if code is not None:
        return Result(code)
    allowed = ", ".join(SCOPES[scope] if scope else LEVEL_CODES)
    if scope and resolve_level(text) is not None:
        return fail(
            "unknown_level",
            f"Mức đánh giá '{text}' không dùng cho loại đánh giá này; các mức hợp lệ: {allowed}.",
        )
    return fail("unknown_level", f"Không nhận ra mức đánh giá '{text}'; các mức hợp lệ: {allowed}.")
