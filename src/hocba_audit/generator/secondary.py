"""THCS/THPT/GDTX grade books (TT 22): clean marks, and the recorded results derived from them.

A :class:`SecPupil` keeps a pupil's marks per (subject, semester) as ``[kind, idx, value]``
entries and a dict of *overrides* (values recorded differently from what the rules give, set by
defects). :func:`evaluate` derives every recorded result from the marks and the overrides, each
stage from the *recorded* values of the stage before (so a defect changes exactly one visible
relation and everything downstream stays consistent with what is recorded).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from . import tt22
from .curriculum import SubjectDef

#: shared Decimal instances for marks in tenths (0.0 … 10.0)
DEC = tuple(Decimal(t) / 10 for t in range(101))
_RETEST_PASS = 0.8
_SUMMER_PASS = 0.85


@dataclass(slots=True)
class SecPupil:
    code: str
    class_name: str
    grade: int
    final: bool
    departed: bool
    subjects: tuple[SubjectDef, ...]
    groups: dict[tuple[str, int], list[list]]
    conduct: tuple[str, str | None]
    absences: int
    aux_seed: int
    overrides: dict = field(default_factory=dict)
    res: dict = field(default_factory=dict)
    #: rule values of the groups as they now are; drop an entry when its group changes
    cache: dict = field(default_factory=dict)

    @property
    def semesters(self) -> tuple[int, ...]:
        return (1,) if self.departed else (1, 2)

    @property
    def periods(self) -> tuple[str, ...]:
        return ("HK1",) if self.departed else ("HK1", "HK2", "CN")


def _clamp(x: float, lo: float = 0.0, hi: float = 10.0) -> float:
    return lo if x < lo else hi if x > hi else x


def tx_mark(rng: random.Random, mean: float) -> Decimal:
    x = _clamp(rng.gauss(mean, 1.0))
    r = rng.random()
    if r < 0.6:
        return DEC[int(x + 0.5) * 10]
    if r < 0.9:
        return DEC[int(x * 2 + 0.5) * 5]
    return DEC[int(x * 10 + 0.5)]


def exam_mark(rng: random.Random, mean: float) -> Decimal:
    """A periodic test scored in quarter points, written with one decimal (7.75 → 7.8)."""
    quarters = int(_clamp(rng.gauss(mean, 0.9)) * 4 + 0.5)
    return DEC[(quarters * 25 + 5) // 10]


_CONDUCT = ("T", "K", "Đ", "CĐ")


def _conduct(rng: random.Random, ability: float) -> tuple[str, str]:
    r = rng.random() - (ability - 7.0) * 0.06
    i1 = 0 if r < 0.62 else 1 if r < 0.90 else 2 if r < 0.99 else 3
    r2 = rng.random()
    i2 = i1 if r2 < 0.72 else max(0, i1 - 1) if r2 < 0.9 else min(3, i1 + 1)
    if i2 == 3 and rng.random() < 0.5:
        i2 = 2
    return _CONDUCT[i1], _CONDUCT[i2]


def _absences(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.45:
        return 0
    if r < 0.75:
        return rng.randint(1, 3)
    if r < 0.93:
        return rng.randint(4, 10)
    if r < 0.99:
        return rng.randint(11, 30)
    if r < 0.996:
        return rng.randint(31, 45)
    return rng.randint(46, 75)


def make_group(rng: random.Random, sd: SubjectDef, mean: float, fail_p: float) -> list[list]:
    if sd.scored:
        g = [["TX", i + 1, tx_mark(rng, mean)] for i in range(sd.n_tx)]
        g.append(["GK", 1, exam_mark(rng, mean)])
        g.append(["CK", 1, exam_mark(rng, mean + 0.1)])
        return g
    tok = [("CĐ" if rng.random() < fail_p else "Đ") for _ in range(sd.n_tx + 2)]
    out = [["TX", i + 1, tok[i]] for i in range(sd.n_tx)]
    return out + [["GK", 1, tok[-2]], ["CK", 1, tok[-1]]]


def make_sec_pupil(rng: random.Random, code: str, class_name: str, grade: int, final: bool,
                   departed: bool, subjects: tuple[SubjectDef, ...]) -> SecPupil:
    ability = _clamp(rng.gauss(7.45, 1.05), 4.0, 9.8)
    fail_p = 0.001 if ability >= 5.5 else 0.02
    groups: dict[tuple[str, int], list[list]] = {}
    for sd in subjects:
        m = _clamp(ability + rng.gauss(0, 0.65), 2.0, 10.0)
        for sem in ((1,) if departed else (1, 2)):
            groups[(sd.code, sem)] = make_group(rng, sd, m + (0.15 if sem == 2 else 0.0), fail_p)
    h1, h2 = _conduct(rng, ability)
    absences = _absences(rng)
    if departed:
        absences = min(absences, 20)
    return SecPupil(code, class_name, grade, final, departed, subjects, groups,
                    (h1, None if departed else h2), absences, rng.getrandbits(32))


def group_parts(g: list[list]) -> tuple[list, object, object]:
    tx = [v for k, _, v in g if k == "TX"]
    gk = next((v for k, _, v in g if k == "GK"), None)
    ck = next((v for k, _, v in g if k == "CK"), None)
    return tx, gk, ck


def correct_value(p: SecPupil, sd: SubjectDef, sem: int):
    """What the rules give for a semester from the marks as they now are."""
    tx, gk, ck = group_parts(p.groups[(sd.code, sem)])
    if sd.scored:
        return tt22.semester_average(tx, gk, ck)
    return tt22.comment_level([v for _, _, v in p.groups[(sd.code, sem)]], sd.n_tx + 2)


def evaluate(p: SecPupil) -> dict:
    """All recorded results of a pupil (see module docstring); stored in ``p.res``."""
    ov = p.overrides
    vals: dict[tuple[str, str], object] = {}
    for sd in p.subjects:
        for sem in p.semesters:
            key = (sd.code, f"HK{sem}")
            if key in ov:
                vals[key] = ov[key]
                continue
            v = p.cache.get(key)
            if v is None:
                v = p.cache[key] = correct_value(p, sd, sem)
            vals[key] = v
        if not p.departed:
            key = (sd.code, "CN")
            if key in ov:
                vals[key] = ov[key]
            elif sd.scored:
                vals[key] = tt22.year_average(vals[(sd.code, "HK1")], vals[(sd.code, "HK2")])
            else:
                vals[key] = vals[(sd.code, "HK2")]
    res: dict = {"vals": vals, "academic": {}}
    for period in p.periods:
        scores = [vals[(sd.code, period)] for sd in p.subjects if sd.scored]
        comments = [vals[(sd.code, period)] for sd in p.subjects if not sd.scored]
        recorded = ov.get(("academic", period))
        res["academic"][period] = recorded or tt22.academic_level(scores, comments)
    h1, h2 = p.conduct
    year = None if p.departed else ov.get("conduct_year") or tt22.conduct_year(h1, h2)
    res["conduct"] = (h1, h2, year)
    res.update(retest={}, retest_academic=None, summer=None, decision=None, award=None)
    if p.departed:
        p.res = res
        return res
    aux = random.Random(p.aux_seed)
    academic, conduct = res["academic"]["CN"], res["conduct"][2]
    if academic == "CĐ" and p.absences <= tt22.MAX_ABSENCES:
        scores, comments = [], []
        for sd in p.subjects:
            v = vals[(sd.code, "CN")]
            if sd.scored:
                if v < 5:
                    passed = aux.random() < _RETEST_PASS
                    v = DEC[aux.randint(50, 75) if passed else aux.randint(20, 48)]
                    res["retest"][sd.code] = v
                scores.append(v)
            else:
                if v != "Đ":
                    v = "Đ" if aux.random() < _RETEST_PASS else "CĐ"
                    res["retest"][sd.code] = v
                comments.append(v)
        res["retest_academic"] = tt22.academic_level(scores, comments)
    if conduct == "CĐ" and p.absences <= tt22.MAX_ABSENCES:
        res["summer"] = "Đ" if aux.random() < _SUMMER_PASS else "CĐ"
    res["decision"] = ov.get("decision") or tt22.decision(
        p.final, conduct, academic, p.absences, res["summer"], res["retest_academic"])
    year_scores = [vals[(sd.code, "CN")] for sd in p.subjects if sd.scored]
    res["award"] = ov["award"] if "award" in ov else tt22.award(conduct, academic, year_scores)
    p.res = res
    return res
