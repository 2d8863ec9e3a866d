"""The 'ethnicity' kind: an ethnic group's name, variant or code -> its two-digit code."""

from __future__ import annotations

from hocba_audit.normalize.did_you_mean import did_you_mean
from hocba_audit.normalize.fold_key import compact_key
from hocba_audit.normalize.params import Params, whole_number_text
from hocba_audit.normalize.reference import ethnic_group_refs, reference_cached
from hocba_audit.normalize.result import Result, fail

_PREFIXES = ("dantoc", "nguoi")


@reference_cached
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for g in ethnic_group_refs():
        for text in (g.name, *g.aliases):
            key = compact_key(text)
            if index.setdefault(key, g.code) != g.code:
                raise ValueError(
                    f"ethnic_groups.yaml: '{text}' trùng khoá với dân tộc {index[key]}."
                )
    return index


@reference_cached
def _names() -> dict[str, str]:
    """Every official name and alias -> the official name (for did-you-mean)."""
    return {t: g.name for g in ethnic_group_refs() for t in (g.name, *g.aliases)}


def ethnicity_value(text: str, params: Params) -> Result:
    """Two-digit code ('01'…'54', '55' Người nước ngoài) from a name, spelling variant or code.

    Matching ignores case, diacritics, tone placement, spaces, hyphens and apostrophes
    ('H'Mông', 'Hmông', 'Mông' -> '08'); a leading 'Dân tộc'/'Người' is ignored.
    """
    whole = whole_number_text(text)
    digits = whole if whole is not None else text
    codes = {g.code for g in ethnic_group_refs()}
    if digits.isascii() and digits.isdigit():
        code = digits.zfill(2) if len(digits) <= 2 else digits
        if code in codes:
            return Result(code)
        return fail("unknown_ethnicity", f"Mã dân tộc '{text}' không có trong danh mục (01-55).")
    index = _index()
    key = compact_key(text)
    code = index.get(key)
    for prefix in _PREFIXES:
        if code is None and key.startswith(prefix):
            code = index.get(key[len(prefix):])
    if code is not None:
        return Result(code)
    names = _names()
    hint = did_you_mean(text, tuple(names))
    return fail(
        "unknown_ethnicity",
        f"Không nhận ra dân tộc '{text}'.",
        names[hint] if hint else None,
    )
