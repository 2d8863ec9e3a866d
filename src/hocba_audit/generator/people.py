"""Personal details shared by pupils and teachers: birth dates, provinces, places."""

from __future__ import annotations

import datetime as dt
import random

from .places import (
    COMMUNES, HOMETOWN_PROVINCES, OTHER_PROVINCES, PROVINCES, STREETS, VILLAGE_WORDS, Commune,
)


def random_date(rng: random.Random, year: int) -> dt.date:
    start = dt.date(year, 1, 1).toordinal()
    end = dt.date(year, 12, 31).toordinal()
    return dt.date.fromordinal(rng.randint(start, end))


def birth_province(rng: random.Random, former: str) -> str:
    """CCCD birth-registration province: mostly 031/030 depending on the school's area."""
    r = rng.random()
    if former == "HD":
        return "030" if r < 0.72 else "031" if r < 0.88 else rng.choice(OTHER_PROVINCES)
    return "031" if r < 0.78 else "030" if r < 0.88 else rng.choice(OTHER_PROVINCES)


def birthplace(rng: random.Random, province: str) -> str:
    name = PROVINCES[province]
    if province in ("030", "031"):
        former = "HD" if province == "030" else "HP"
        c = rng.choice([c for c in COMMUNES if c.former == former])
        return f"{c.full}, {name}"
    return name


def hometown(rng: random.Random) -> str:
    return rng.choice(HOMETOWN_PROVINCES)


def address(rng: random.Random, home: Commune) -> str:
    c = home if rng.random() < 0.8 else rng.choice(COMMUNES)
    if c.kind == "Phường" and rng.random() < 0.6:
        return f"Số {rng.randint(1, 250)} {rng.choice(STREETS)}, {c.full}, TP Hải Phòng"
    return f"{rng.choice(VILLAGE_WORDS)} {rng.randint(1, 15)}, {c.full}, TP Hải Phòng"
