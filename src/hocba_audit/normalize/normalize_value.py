"""``normalize_value``: one cell's text to the canonical value of a column kind (cached)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from hocba_audit.normalize.clean_text import clean_text, mojibake_note, squeeze
from hocba_audit.normalize.codes import code_value, personal_id_value
from hocba_audit.normalize.dates import date_value, year_value
from hocba_audit.normalize.datetimes import datetime_value
from hocba_audit.normalize.did_you_mean import did_you_mean
from hocba_audit.normalize.ethnicity import ethnicity_value
from hocba_audit.normalize.levels import level_value
from hocba_audit.normalize.numbers import decimal_value, int_value, mark_value
from hocba_audit.normalize.params import NO_PARAMS, Params
from hocba_audit.normalize.primary_items import item_value
from hocba_audit.normalize.reference import register_cache
from hocba_audit.normalize.result import BLANK, Result
from hocba_audit.normalize.school_terms import grade_value, school_year_value, semester_value
from hocba_audit.normalize.subjects import subject_value
from hocba_audit.normalize.vocab import bool_value, enum_value, sex_value, status_value

KindFn = Callable[[str, Params], Result]

#: Kind name -> normaliser of non-blank, space-squeezed text. 'text' and 'name' get the raw
#: text instead, so that their notes can say what was cleaned.
NORMALISERS: dict[str, KindFn] = {
    "text": lambda raw, p: clean_text(raw),
    "name": lambda raw, p: clean_text(raw),
    "code": code_value,
    "personal_id": personal_id_value,
    "date": date_value,
    "datetime": datetime_value,
    "year": year_value,
    "school_year": school_year_value,
    "sex": sex_value,
    "ethnicity": ethnicity_value,
    "status": status_value,
    "subject": lambda s, p: subject_value(s),
    "semester": semester_value,
    "grade": grade_value,
    "int": int_value,
    "decimal": decimal_value,
    "mark": mark_value,
    "level": level_value,
    "enum": enum_value,
    "bool": bool_value,
    "item": item_value,
}
_RAW_KINDS = frozenset({"text", "name"})
_PARAM_KINDS = frozenset(
    {"personal_id", "date", "datetime", "sex", "status", "int", "decimal", "mark", "level", "enum",
     "bool"}
)
_LOOKUP_KINDS = frozenset(
    {"sex", "ethnicity", "status", "subject", "level", "enum", "bool", "item"}
)

# id(params dict) -> (the dict, its values when seen, Params). The values are compared on
# every call, so a dict reused with new 'sex'/'birth_year' values per row still works; a
# value_map mutated in place is not noticed (profiles are read-only).
_SEEN: dict[int, tuple[Mapping[str, Any], tuple[Any, ...], Params]] = {}


def _params_for(params: Mapping[str, Any]) -> Params:
    values = tuple(params.values())
    hit = _SEEN.get(id(params))
    if hit is not None and hit[0] is params and hit[1] == values:
        return hit[2]
    built = Params.from_dict(params)
    if len(_SEEN) >= 4096:
        _SEEN.clear()
    _SEEN[id(params)] = (params, values, built)
    return built


@lru_cache(maxsize=1 << 16)
def _normalize(kind: str, raw: str, params: Params) -> Result:
    fn = NORMALISERS[kind]
    if kind in _RAW_KINDS:
        return fn(raw, params)
    text = squeeze(raw)
    if not text:
        return BLANK
    result = fn(text, params)
    if result.error is not None and kind in _LOOKUP_KINDS:
        note = mojibake_note(text)
        if note is not None:
            message = f"{result.message} Văn bản có vẻ sai bảng mã, có thể là '{note.suggestion}'."
            return Result(None, result.notes + (note,), result.error, message)
    return result


register_cache(_normalize)


def normalize_value(kind: str, raw: str | None, *, params: dict | None = None) -> Result:
    """Normalise one cell's text as a column ``kind`` of ``model.KINDS``.

    Args:
        kind: one of text, name, code, personal_id, date, datetime, year, school_year, sex,
            ethnicity, status, subject, semester, grade, int, decimal, mark, level, enum, bool,
            item.
        raw: the cell text as read (CSV text, or an XLSX cell rendered as a string), or None.
        params: profile options: ``date_formats`` (strftime formats, default
            ["%d/%m/%Y", "%Y-%m-%d"]; also the date part of a datetime), ``value_map``
            (raw -> canonical, matched by fold_key; for enum, level, sex, status, bool),
            ``decimal_comma`` (default True; False rejects '8,5'), ``sex`` and ``birth_year``
            (personal_id: checks before restoring a lost leading zero), ``scope`` (level:
            'tt22', 'subject', 'quality', 'overall').

    Returns:
        A Result: ``value`` None for blank; ``error`` and ``message`` set when the text
        cannot be read as the kind. Results are cached on (kind, raw, params).

    Raises:
        ValueError: for an unknown kind (a programming error, not a data problem).

    Example:
        >>> normalize_value("mark", "8,5").value
        (Decimal('8.5'), None)
    """
    if kind not in NORMALISERS:
        hint = did_you_mean(kind, NORMALISERS)
        raise ValueError(f"unknown kind {kind!r}" + (f"; did you mean {hint!r}?" if hint else ""))
    if raw is None:
        return BLANK
    if params is None or kind not in _PARAM_KINDS:
        p = NO_PARAMS
    else:
        p = _params_for(params)
    if not isinstance(raw, str):
        raw = str(raw)
    return _normalize(kind, raw, p)
