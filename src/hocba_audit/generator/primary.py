"""Primary (TT 27) evaluations: subject levels T/H/C with periodic test marks, qualities and
competences T/Đ/C, at the checkpoints GK1, CK1, GK2, CN; and the year result derived from them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from . import tt27
from .curriculum import (
    ITEM_COMPETENCE, ITEM_QUALITY, ITEM_SUBJECT, PRIMARY_CHECKPOINTS, QUALITIES, SubjectDef,
    competences_for, tested_checkpoints,
)

SCORES = tuple(Decimal(i) for i in range(11))


@dataclass(slots=True)
class PriPupil:
    code: str
    class_name: str
    grade: int
    departed: bool
    #: (item_kind, item_code, checkpoint) -> [level, test score or None]
    evals: dict[tuple[str, str, str], list]
    absences: tuple[int, int]
    exemplary_draw: float
    overrides: dict = field(default_factory=dict)
    res: dict = field(default_factory=dict)

    @property
    def checkpoints(self) -> tuple[str, ...]:
        return ("GK1", "CK1") if self.departed else PRIMARY_CHECKPOINTS


def _near(rng: random.Random, level: str, scale: tuple[str, str, str]) -> str:
    """A checkpoint level near the year-end one."""
    r = rng.random()
    if r < 0.75:
        return level
    i = scale.index(level)
    if r < 0.85:
        return scale[max(0, i - 1)]
    return scale[min(2, i + 1)] if r < 0.97 or i == 0 else level


def make_pri_pupil(rng: random.Random, code: str, class_name: str, grade: int, departed: bool,
                   subjects: tuple[SubjectDef, ...]) -> PriPupil:
    r = rng.random()
    tier = "XS" if r < 0.25 else "TOT" if r < 0.57 else "HT" if r < 0.985 else "CHT"
    items = [(ITEM_SUBJECT, s.code) for s in subjects]
    items += [(ITEM_QUALITY, q) for q in QUALITIES]
    items += [(ITEM_COMPETENCE, c) for c in competences_for(grade)]
    weak = rng.randrange(len(subjects)) if tier == "CHT" else -1
    evals: dict[tuple[str, str, str], list] = {}
    for n, (kind, item) in enumerate(items):
        is_subject = kind == ITEM_SUBJECT
        scale = tt27.SUBJECT_LEVELS if is_subject else tt27.QC_LEVELS
        if tier in ("XS", "TOT"):
            final = "T"
        elif n == weak:
            final = "C"
        else:
            final = "T" if rng.random() < (0.55 if is_subject else 0.6) else scale[1]
        tests = tested_checkpoints(item, grade) if is_subject else ()
        if tier == "XS":
            year_score = rng.randint(9, 10)
        elif tier == "TOT":
            year_score = rng.randint(7, 10)
        else:
            year_score = rng.randint(5, 10) if n != weak else rng.randint(3, 6)
        for cp in PRIMARY_CHECKPOINTS if not departed else ("GK1", "CK1"):
            level = final if cp == "CN" else _near(rng, final, scale)
            score = None
            if cp in tests:
                s = year_score if cp == "CN" else max(1, min(10, year_score + rng.randint(-2, 1)))
                score = SCORES[s]
            evals[(kind, item, cp)] = [level, score]
    absences = (rng.choice((0, 0, 0, 1, 1, 2, 3, 5)), rng.choice((0,) * 12 + (1, 2)))
    return PriPupil(code, class_name, grade, departed, evals, absences, rng.random())


def evaluate(p: PriPupil) -> dict:
    """Year result of a pupil from the recorded CN evaluations (and overrides)."""
    if p.departed:
        p.res = {}
        return p.res
    subj, qc, tests = [], [], []
    for (kind, _item, cp), (level, score) in p.evals.items():
        if cp != "CN":
            continue
        (subj if kind == ITEM_SUBJECT else qc).append(level)
        if score is not None:
            tests.append(score)
    level = p.overrides.get("overall") or tt27.overall(subj, qc, tests)
    completed = level != tt27.CHT
    p.res = {
        "overall": level,
        "completed_grade": completed,
        "completed_primary": completed if p.grade == 5 else None,
        "award": tt27.award(level, p.exemplary_draw),
    }
    return p.res
