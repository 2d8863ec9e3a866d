"""The defect-injection helper shared by the per-family injectors.

Each family draws once per eligible record (probability ``rate``), picks one of the codes that
apply to that record, and applies it. Afterwards every code of the family that applies to the
level but did not occur is forced once on a suitable record (so small sample corpora exercise
every defect). With ``rate == 0`` nothing is drawn and nothing is forced.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

from .records import truth_row

R = TypeVar("R")


class Injector:
    def __init__(self, school_id: str, school_year: str, rng: random.Random, rate: float,
                 level: str, allowed: Sequence[str]) -> None:
        self.school_id = school_id
        self.school_year = school_year
        self.rng = rng
        self.rate = rate
        self.level = level
        self.allowed = frozenset(allowed)
        self.truth: list[dict] = []
        self.counts: Counter[str] = Counter()

    @property
    def active(self) -> bool:
        return self.rate > 0

    def record(self, table: str, key: str, field: str, code: str, detail: str,
               count: bool = True) -> None:
        self.truth.append(truth_row(self.school_id, table, key, field, code, detail))
        if count:
            self.counts[code] += 1

    def run_family(
        self,
        codes: Sequence[str],
        records: Sequence[R],
        applicable: Callable[[R], list[str]],
        apply: Callable[[R, str], bool],
    ) -> None:
        """Random draws over ``records``, then force every code of ``codes`` that did not occur."""
        codes = [c for c in codes if c in self.allowed]
        if not self.active or not codes or not records:
            return
        rng, rate = self.rng, self.rate
        for rec in records:
            if rng.random() < rate:
                opts = [c for c in applicable(rec) if c in codes]
                if opts:
                    apply(rec, rng.choice(opts))
        n = len(records)
        for code in codes:
            if self.counts[code]:
                continue
            start = rng.randrange(n)
            for i in range(n):
                rec = records[(start + i) % n]
                if code in applicable(rec) and apply(rec, code):
                    break
