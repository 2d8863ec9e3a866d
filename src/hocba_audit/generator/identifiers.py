"""Identifiers: 12-digit personal IDs, 10-digit MOET pupil codes, school, tax and budget codes.

Personal IDs (domain.md §4.1) are ``PPP G YY RRRRRR``. The six "random" digits are a bijection
of (school index, counter) keyed by the prefix and the seed, so no two generated records share
an ID by accident anywhere in a city of up to 1 000 schools. Counter ranges per school and
prefix: pupils 0-498, the cross-school shared pupil 499, teachers 500-899, IDs rewritten by a
defect 900-999.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from .seeding import derive_seed

PUPIL_COUNTERS = range(0, 499)
SHARED_COUNTER = 499
TEACHER_COUNTERS = range(500, 900)
DEFECT_COUNTERS = range(900, 1000)

_A6 = 389_237  # coprime with 10**6
_A8 = 61_803_397  # coprime with 10**8


def century_sex_digit(sex: str, year: int) -> int:
    """G: 0/1 for men/women born 1900-1999, 2/3 for 2000-2099 …"""
    return 2 * ((year - 1900) // 100) + (0 if sex == "Nam" else 1)


def id_prefix(province: str, sex: str, year: int) -> str:
    return f"{province}{century_sex_digit(sex, year)}{year % 100:02d}"


@lru_cache(maxsize=4096)
def _offset(seed: int, prefix: str) -> int:
    return derive_seed("personal-id", seed, prefix) % 1_000_000


def personal_id(seed: int, school_index: int, prefix: str, counter: int) -> str:
    if not 0 <= counter < 1000:
        raise ValueError("personal-id counter out of range")
    x = (school_index % 1000) * 1000 + counter
    return f"{prefix}{(_A6 * x + _offset(seed, prefix)) % 1_000_000:06d}"


class IdAllocator:
    """Hands out personal IDs of one school, a separate counter per prefix and range."""

    def __init__(self, seed: int, school_index: int) -> None:
        self.seed = seed
        self.school_index = school_index
        self._next: dict[tuple[str, int], int] = {}

    def new(self, prefix: str, counters: range) -> str:
        k = (prefix, counters.start)
        n = self._next.get(k, counters.start)
        if n >= counters.stop:
            raise RuntimeError(f"personal-id namespace exhausted for prefix {prefix}")
        self._next[k] = n + 1
        return personal_id(self.seed, self.school_index, prefix, n)

    def for_person(self, province: str, sex: str, birth: dt.date, counters: range) -> str:
        return self.new(id_prefix(province, sex, birth.year), counters)


@lru_cache(maxsize=256)
def _offset8(seed: int) -> int:
    return derive_seed("pupil-code", seed) % 100_000_000


def pupil_code(seed: int, school_index: int, serial: int, province2: str) -> str:
    """10-digit MOET code: 2-digit province (31 Hải Phòng / 30 former Hải Dương) + 8 digits."""
    if not 0 <= serial < 10_000:
        raise ValueError("pupil serial out of range")
    x = (school_index % 10_000) * 10_000 + serial
    return f"{province2}{(_A8 * x + _offset8(seed)) % 100_000_000:08d}"


SHARED_DONOR_SERIAL = 9998
SHARED_RECEIVER_SERIAL = 9999

LEVEL_DIGIT = {"TH": "2", "THCS": "3", "THPT": "4", "GDTX": "5"}


def school_id(level: str, index: int) -> str:
    """8-digit illustrative school code: '31' + level digit (02 TH … 05 GDTX) + 5-digit index."""
    return f"31{LEVEL_DIGIT[level]}{index:05d}"


def tax_code(seed: int, index: int, former: str) -> str:
    """10-digit illustrative MST: 02 (Hải Phòng) or 08 (former Hải Dương) + 8 digits."""
    body = (_A8 * (index + 1) + derive_seed("mst", seed)) % 100_000_000
    return f"{'08' if former == 'HD' else '02'}{body:08d}"


def budget_code(seed: int, index: int) -> str:
    """7-digit illustrative MNS of a public unit."""
    return f"1{(_A6 * (index + 1) + derive_seed('mns', seed)) % 1_000_000:06d}"
