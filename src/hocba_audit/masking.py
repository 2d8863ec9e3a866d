"""Masking of personal data in report outputs (Luật 91/2025/QH15): personal IDs keep their
first 3 and last 3 digits; audience editions decide whether names are shown."""

from __future__ import annotations

import math
import re

# Digit runs that look like personal IDs: 9 (old CMND), 11 (CCCD without its leading zero) or
# 12+ (CCCD). 10-digit runs are MOET pupil codes, which schools need to find the record.
_ID_RUN = re.compile(r"(?<!\d)(?:\d{9}|\d{11,})(?!\d)")
#: A whole 12-digit personal ID standing alone (used by the leak scanners in tests and bench).
#: Digits right after a '.' are the fraction of a decimal number (the inlined Vega runtime has
#: constants such as 33.912866078383), and 12 digits after 4 hex digits and '-' are the last
#: group of a UUID (nbconvert gives each JavaScript output a random UUID element id): not IDs.
UNMASKED_ID = re.compile(r"(?<![0-9A-Za-z.])(?<![0-9a-fA-F]{4}-)\d{12}(?![0-9A-Za-z])")


def mask_id(value: object) -> str | None:
    """Mask a personal ID, keeping the first 3 and last 3 characters.

    >>> mask_id("031207001234")
    '031******234'
    >>> mask_id("12345")
    '*****'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    if len(text) <= 6:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 6) + text[-3:]


def mask_ids_in_text(text: object) -> str | None:
    """Mask every digit run in ``text`` that looks like a personal ID (9, 11 or 12+ digits).

    >>> mask_ids_in_text("Số 031207001234 của học sinh 0312345678")
    'Số 031******234 của học sinh 0312345678'
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    return _ID_RUN.sub(lambda m: mask_id(m[0]) or "", str(text))


def mask_value(field: str | None, value: object) -> str | None:
    """Mask a finding's bad value: the whole value for a personal-ID field, ID runs otherwise."""
    if value is None:
        return None
    if field == "personal_id":
        return mask_id(value)
    return mask_ids_in_text(value)


def hide_names(text: object, names: list[str] | tuple[str, ...]) -> str | None:
    """Replace every listed person name in ``text`` by '(ẩn tên)' (department edition).

    >>> hide_names("Học sinh 0312345678 (Nguyễn Văn An)", ["Nguyễn Văn An"])
    'Học sinh 0312345678 ((ẩn tên))'
    """
    if text is None:
        return None
    out = str(text)
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        out = out.replace(name, "(ẩn tên)")
    return out


def mask_finding_text(field: str | None, bad_value: object, text: object) -> str | None:
    """Mask a finding's message or key: a personal-ID bad value is masked wherever it appears
    (even when malformed, e.g. 10 digits), then every ID-like digit run.

    >>> mask_finding_text("personal_id", "0312093356", "Số 0312093356 sai")
    'Số 031****356 sai'
    """
    if text is None:
        return None
    out = str(text)
    if field == "personal_id" and bad_value:
        out = out.replace(str(bad_value), mask_id(bad_value) or "")
    return mask_ids_in_text(out)
