"""City specification and the cheap school plan (ids, names, level, commune, class sizes)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .curriculum import GRADES
from .identifiers import school_id as make_school_id
from .places import COMMUNES, SCHOOL_NAMES, Commune
from .seeding import rng_for

#: Hải Phòng school counts by level (domain.md §6.1): 437 TH, 426 THCS, 129 THPT, ~20 GDTX.
CITY_MIX: tuple[tuple[str, int], ...] = (("TH", 437), ("THCS", 426), ("THPT", 129), ("GDTX", 20))
#: maximum class size (Điều lệ trường): 35 at primary, 45 at secondary.
CLASS_LIMIT = {"TH": 35, "THCS": 45, "THPT": 45, "GDTX": 45}
#: share of non-public schools by level (domain.md §6.1).
PRIVATE_SHARE = {"TH": 3 / 437, "THCS": 3 / 426, "THPT": 47 / 129, "GDTX": 0.0}
PUBLIC, PRIVATE = "Công lập", "Ngoài công lập"
LEVEL_WORD = {"TH": "Trường Tiểu học", "THCS": "Trường THCS", "THPT": "Trường THPT"}
MIN_CLASS = 6


@dataclass(frozen=True)
class CitySpec:
    schools: int = 4
    seed: int = 1
    defect_rate: float = 0.02
    school_year: str = "2025-2026"
    levels: tuple[str, ...] | None = None
    pupils_scale: float = 1.0


@dataclass(frozen=True)
class SchoolPlan:
    index: int
    school_id: str
    school_name: str
    level: str
    commune: Commune
    ownership: str
    classes: tuple[tuple[int, str, int], ...]  # (grade, class name, planned pupils)

    @property
    def pupils(self) -> int:
        return sum(c[2] for c in self.classes)


def _levels(spec: CitySpec) -> list[str]:
    if spec.levels:
        for lvl in spec.levels:
            if lvl not in GRADES:
                raise ValueError(f"unknown level {lvl!r}")
        return [spec.levels[i % len(spec.levels)] for i in range(spec.schools)]
    total = sum(w for _, w in CITY_MIX)
    exact = [(lvl, spec.schools * w / total) for lvl, w in CITY_MIX]
    counts = {lvl: int(x) for lvl, x in exact}
    rest = spec.schools - sum(counts.values())
    for lvl, x in sorted(exact, key=lambda e: -(e[1] - int(e[1])))[:rest]:
        counts[lvl] += 1
    # grouped by level so that neighbours (cross-school duplicates) are compatible
    return [lvl for lvl, _ in CITY_MIX for _ in range(counts[lvl])]


def _class_sizes(rng, level: str, private: bool, scale: float) -> tuple[tuple[int, str, int], ...]:
    limit = CLASS_LIMIT[level]
    if level == "TH":
        base, lo, hi = rng.choice((2, 3, 4, 5, 5, 6, 6, 7, 7, 8)), 30, 35
    elif level == "THCS":
        base, lo, hi = rng.choice((2, 3, 4, 4, 5, 5, 6, 7)), 36, 45
    elif level == "THPT" and not private:
        base, lo, hi = rng.randint(6, 12), 38, 45
    else:
        base, lo, hi = rng.randint(2, 5), 30, 42
    out = []
    for g in GRADES[level]:
        n = max(1, base + rng.choice((-1, 0, 0, 0, 1)))
        sizes = [rng.randint(lo, hi) for _ in range(n)]
        if scale != 1.0:
            total = sum(sizes) * scale
            n = max(1, round(n * scale))
            avg = total / n
            sizes = [min(limit, max(MIN_CLASS, round(avg + rng.uniform(-1.5, 1.5))))
                     for _ in range(n)]
        out += [(g, f"{g}A{k + 1}", s) for k, s in enumerate(sizes)]
    return tuple(out)


@lru_cache(maxsize=16)
def _plan(spec: CitySpec) -> tuple[SchoolPlan, ...]:
    rng = rng_for("plan", spec.seed)
    levels = _levels(spec)
    pools = {lvl: list(SCHOOL_NAMES) for lvl in LEVEL_WORD}
    for pool in pools.values():
        rng.shuffle(pool)
    used: dict[str, set[str]] = {lvl: set() for lvl in CITY_MIX_LEVELS}
    plans = []
    for i, lvl in enumerate(levels):
        commune = rng.choice(COMMUNES)
        private = rng.random() < PRIVATE_SHARE[lvl]
        if lvl == "GDTX":
            base = f"Trung tâm GDNN-GDTX {commune.name}"
        elif pools[lvl]:
            base = f"{LEVEL_WORD[lvl]} {pools[lvl].pop()}"
        else:
            base = f"{LEVEL_WORD[lvl]} {commune.name}"
        name, n = base, 1
        while name in used[lvl]:
            n += 1
            name = f"{base} số {n}"
        used[lvl].add(name)
        plans.append(
            SchoolPlan(
                index=i,
                school_id=make_school_id(lvl, i),
                school_name=name,
                level=lvl,
                commune=commune,
                ownership=PRIVATE if private else PUBLIC,
                classes=_class_sizes(rng, lvl, private, spec.pupils_scale),
            )
        )
    return tuple(plans)


CITY_MIX_LEVELS = tuple(lvl for lvl, _ in CITY_MIX)


def plan_city(spec: CitySpec) -> list[SchoolPlan]:
    """The schools of a city: cheap (no records), deterministic from the spec."""
    return list(_plan(spec))
