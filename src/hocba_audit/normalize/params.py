"""Profile options for normalisers as one hashable object (``Params``), built once per dict."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hocba_audit.normalize.fold_key import fold_key

DEFAULT_DATE_FORMATS: tuple[str, ...] = ("%d/%m/%Y", "%Y-%m-%d")
_WHOLE_FLOAT = re.compile(r"^\s*([+-]?\d+)\.0+\s*$")


def whole_number_text(s: str) -> str | None:
    """'1' for '1.0' (a whole number rendered as a float by Excel), else None."""
    m = _WHOLE_FLOAT.match(s)
    return m.group(1) if m else None


class ValueMap:
    """A profile's value map, matched by ``fold_key``; its targets also map to themselves."""

    __slots__ = ("items", "choices", "_map", "_hash")

    def __init__(self, mapping: Mapping[Any, Any]):
        targets = [v for v in mapping.values() if isinstance(v, str)]
        self.choices: tuple[str, ...] = tuple(dict.fromkeys([str(k) for k in mapping] + targets))
        folded: dict[str, Any] = {}
        for raw, target in mapping.items():
            folded.setdefault(fold_key(str(raw)), target)
        for target in list(folded.values()):
            if isinstance(target, str):
                folded.setdefault(fold_key(target), target)
        self._map = folded
        self.items: tuple[tuple[str, str], ...] = tuple(
            sorted((k, repr(v)) for k, v in folded.items())
        )
        self._hash = hash(self.items)

    def get(self, raw: str) -> Any:
        """The target for ``raw`` (fold_key match; '1.0' also tries '1'), or None."""
        hit = self._map.get(fold_key(raw))
        if hit is None:
            whole = whole_number_text(raw)
            if whole is not None:
                hit = self._map.get(fold_key(whole))
        return hit

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ValueMap) and other.items == self.items


class Params:
    """The options a normaliser may read; hashable so results can be cached per option set."""

    __slots__ = ("date_formats", "value_map", "decimal_comma", "sex", "birth_year", "scope", "_key",
                 "_hash")

    def __init__(
        self,
        date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS,
        value_map: ValueMap | None = None,
        decimal_comma: bool = True,
        sex: str | None = None,
        birth_year: int | None = None,
        scope: str | None = None,
    ):
        self.date_formats = date_formats
        self.value_map = value_map
        self.decimal_comma = decimal_comma
        self.sex = sex
        self.birth_year = birth_year
        self.scope = scope
        self._key = (date_formats, value_map, decimal_comma, sex, birth_year, scope)
        self._hash = hash(self._key)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Params:
        """Params from a profile dict (date_formats, value_map, decimal_comma, sex, …)."""
        if not d:
            return NO_PARAMS
        formats = d.get("date_formats")
        vm = d.get("value_map")
        by = d.get("birth_year")
        if by is not None and not isinstance(by, int):
            by = getattr(by, "year", None) or _int_or_none(str(by))
        sex = d.get("sex")
        return cls(
            tuple(formats) if formats else DEFAULT_DATE_FORMATS,
            ValueMap(vm) if vm else None,
            bool(d.get("decimal_comma", True)),
            None if sex is None else str(sex),
            by,
            d.get("scope"),
        )

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Params) and other._key == self._key

    def __repr__(self) -> str:
        return f"Params{self._key!r}"


def _int_or_none(s: str) -> int | None:
    whole = whole_number_text(s)
    s = whole if whole is not None else s.strip()
    return int(s) if s.lstrip("+-").isdigit() else None


NO_PARAMS = Params()
