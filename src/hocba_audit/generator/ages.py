"""Birth years by grade: what the generator draws and what counts as plausible."""

from __future__ import annotations

import random


def normal_year(start_year: int, grade: int) -> int:
    """Birth year of a pupil who started grade 1 at six (2025-2026, grade g → 2020 − g)."""
    return start_year - 5 - grade


def plausible_years(level: str, grade: int, start_year: int) -> tuple[int, int]:
    """Inclusive birth-year window of clean data (up to two years older; GDTX: adults too)."""
    y0 = normal_year(start_year, grade)
    return (start_year - 40 if level == "GDTX" else y0 - 2, y0)


def draw_birth_year(rng: random.Random, level: str, grade: int, start_year: int) -> int:
    y0 = normal_year(start_year, grade)
    r = rng.random()
    if level == "GDTX":
        if r < 0.6:
            return y0
        if r < 0.75:
            return y0 - 1
        if r < 0.85:
            return y0 - 2
        return rng.randint(start_year - 40, y0 - 3)
    return y0 if r < 0.88 else y0 - 1 if r < 0.98 else y0 - 2


def implausible_year(rng: random.Random, level: str, grade: int, start_year: int) -> int:
    """A birth year clearly outside the window: 3-4 years too young, or (not GDTX) 6-8 too old."""
    y0 = normal_year(start_year, grade)
    if level == "GDTX" or rng.random() < 0.5:
        return y0 + rng.randint(3, 4)
    return y0 - rng.randint(6, 8)
