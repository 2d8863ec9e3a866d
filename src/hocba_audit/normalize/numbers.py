"""Numbers: the 'int', 'decimal' and 'mark' kinds (decimal comma accepted, no rounding)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from hocba_audit.normalize.fold_key import fold_key
from hocba_audit.normalize.params import Params
from hocba_audit.normalize.result import Note, Result, fail

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")
_FLOAT_NOISE_DIGITS = 9  # a binary float rendered in full: '8.299999999999999'

MARK_TOKENS: dict[str, str] = {
    **dict.fromkeys(["d", "dat"], "Đ"),
    **dict.fromkeys(["cd", "chua dat"], "CĐ"),
    **dict.fromkeys(["mien", "m", "mg", "mien giam"], "Miễn"),
}


def parse_number(text: str, params: Params) -> tuple[Decimal | None, tuple[Note, ...], str | None]:
    """(value, notes, error message) for a decimal number written with '.' or ','."""
    if not _NUMBER.match(text):
        return None, (), f"'{text}' không phải là số."
    notes: list[Note] = []
    plain = text
    if "," in text:
        if not params.decimal_comma:
            message = f"'{text}' dùng dấu phẩy thập phân, nhưng hồ sơ nguồn quy định dấu chấm."
            return None, (), message
        plain = text.replace(",", ".")
        notes.append(
            Note("decimal_comma", f"'{text}' dùng dấu phẩy thập phân; đã đọc là {plain}.", plain)
        )
    try:
        value = Decimal(plain)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None, (), f"'{text}' không phải là số."
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent >= _FLOAT_NOISE_DIGITS:
        rounded = value.quantize(Decimal("0.01"))
        if abs(rounded - value) < Decimal("1e-9"):
            tidy = format(rounded.normalize(), "f")
            notes.append(
                Note(
                    "float_artifact",
                    f"'{text}' có vẻ là sai số làm tròn của Excel (số thực nhị phân); giá trị "
                    f"được giữ nguyên, có thể ý là {tidy}.",
                    tidy,
                )
            )
    return value, tuple(notes), None


def decimal_value(text: str, params: Params) -> Result:
    """The 'decimal' kind: a Decimal with every digit given ('8.50' stays Decimal('8.50'))."""
    value, notes, error = parse_number(text, params)
    if error is not None:
        return fail("not_a_number", error)
    return Result(value, notes)


def int_value(text: str, params: Params) -> Result:
    """The 'int' kind: a whole number ('3', '3.0'); '3.5' is an error."""
    value, notes, error = parse_number(text, params)
    if error is not None or value is None:
        return fail("not_a_number", error or f"'{text}' không phải là số.")
    if value != value.to_integral_value():
        return fail("not_an_integer", f"'{text}' không phải là số nguyên.")
    return Result(int(value), notes)


def mark_value(text: str, params: Params) -> Result:
    """The 'mark' kind: (Decimal, None) for a number, (None, 'Đ' | 'CĐ' | 'Miễn') for a token.

    Numbers keep every decimal given and are not range-checked here (11 still loads: the
    range is a rule's job).
    """
    value, notes, error = parse_number(text, params)
    if error is None:
        return Result((value, None), notes)
    token = MARK_TOKENS.get(fold_key(text))
    if token is not None:
        return Result((None, token))
    return fail(
        "invalid_mark",
        f"Không đọc được điểm '{text}': cần một số (ví dụ 8.5 hoặc 8,5) hoặc Đ, CĐ, Miễn.",
    )
