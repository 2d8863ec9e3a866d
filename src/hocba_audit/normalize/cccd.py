"""Structure of the 12-digit personal number (CCCD): ``cccd_parts`` and ``cccd_consistent``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hocba_audit.normalize.reference import province_codes
from hocba_audit.normalize.vocab import resolve_sex


@dataclass(frozen=True)
class CccdParts:
    """PPP G YY RRRRRR (domain.md §4.1). There is no check digit."""

    province_code: str  # PPP: where the birth was registered ('0' + statistical code)
    century_sex_digit: int  # G: 0/1 = Nam/Nữ 1900s, 2/3 = 2000s, 4/5 = 2100s …
    sex: str  # 'Nam' or 'Nữ'
    century: int  # first year of the century G encodes: 1900, 2000, 2100 …
    yy: int  # last two digits of the birth year
    serial: str  # RRRRRR

    @property
    def birth_year(self) -> int:
        return self.century + self.yy

    @property
    def province_name(self) -> str | None:
        return province_codes().get(self.province_code)


def cccd_parts(s: str) -> CccdParts | None:
    """The parts of a 12-digit number, or None when ``s`` is not exactly 12 ASCII digits."""
    s = s.strip()
    if len(s) != 12 or not (s.isascii() and s.isdigit()):
        return None
    g = int(s[3])
    sex = "Nam" if g % 2 == 0 else "Nữ"
    return CccdParts(s[:3], g, sex, 1900 + 100 * (g // 2), int(s[4:6]), s[6:])


def _year(birth_year: int | str | dt.date | None) -> int | None:
    if birth_year is None:
        return None
    if isinstance(birth_year, dt.date):
        return birth_year.year
    if isinstance(birth_year, int):
        return birth_year
    text = str(birth_year).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() else None


def cccd_consistent(
    s: str, sex: str | None = None, birth_year: int | str | dt.date | None = None
) -> list[str]:
    """Problem codes of a personal number against the person's sex and birth year.

    Codes: 'cccd_not_12_digits', 'cccd_unknown_province', 'cccd_sex_mismatch',
    'cccd_century_mismatch', 'cccd_year_mismatch'. Empty list: consistent. ``sex`` may be
    any spelling the 'sex' kind reads ('Nam', 'Nữ', 'nu', 'F' …); unknown or None is skipped,
    like a None ``birth_year``.

    Example:
        >>> cccd_consistent("031310000123", "Nữ", 2010)
        []
        >>> cccd_consistent("031310000123", "Nam", 2011)
        ['cccd_sex_mismatch', 'cccd_year_mismatch']
    """
    parts = cccd_parts(s)
    if parts is None:
        return ["cccd_not_12_digits"]
    problems = []
    if parts.province_code not in province_codes():
        problems.append("cccd_unknown_province")
    canonical_sex = resolve_sex(sex) if sex is not None else None
    if canonical_sex is not None and canonical_sex != parts.sex:
        problems.append("cccd_sex_mismatch")
    year = _year(birth_year)
    if year is not None:
        if year - year % 100 != parts.century:
            problems.append("cccd_century_mismatch")
        if year % 100 != parts.yy:
            problems.append("cccd_year_mismatch")
    return problems
