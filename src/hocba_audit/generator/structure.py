"""School structure: classes, teachers (with staff), subjects and teaching assignments."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from . import vn_names
from .city_plan import SchoolPlan
from .curriculum import GDTX_BUNDLES, THPT_BUNDLES, SubjectDef, class_subjects, subject_name
from .identifiers import TEACHER_COUNTERS, IdAllocator
from .people import birth_province, random_date

#: yearly periods one teacher can take (≈ 17 periods a week × 35 weeks; primary 20 a week)
CAPACITY = {"TH": 700, "THCS": 595, "THPT": 595, "GDTX": 595}
#: primary subjects taught by the homeroom teacher; the rest by specialists
PRIMARY_HOMEROOM = ("TIENG_VIET", "TOAN", "DAO_DUC", "TNXH", "LICH_SU_DIA_LI", "KHOA_HOC", "HDTN")
HT, PHT, GV, NV = "Hiệu trưởng", "Phó hiệu trưởng", "Giáo viên", "Nhân viên"


@dataclass(slots=True)
class ClassInfo:
    grade: int
    name: str
    size: int
    bundle: tuple[str, ...] | None
    subjects: tuple[SubjectDef, ...]
    gvcn: str = ""


@dataclass(slots=True)
class Teacher:
    code: str
    personal_id: str | None
    full_name: str
    birth_date: object
    sex: str
    position: str
    subject_codes: list[str] = field(default_factory=list)
    load: int = 0


@dataclass(slots=True)
class Structure:
    classes: list[ClassInfo]
    teachers: list[Teacher]
    assignments: dict[tuple[str, str], str]  # (class, subject) -> teacher code


def _person(rng: random.Random, ids: IdAllocator, former: str, code: str, position: str,
            female_share: float, years: tuple[int, int]) -> Teacher:
    sex = "Nữ" if rng.random() < female_share else "Nam"
    birth = random_date(rng, rng.randint(*years))
    pid = ids.for_person(birth_province(rng, former), sex, birth, TEACHER_COUNTERS)
    return Teacher(code, pid, vn_names.full_name(rng, sex, older=True), birth, sex, position)


def build_structure(plan: SchoolPlan, sizes: dict[str, int], rng: random.Random,
                    ids: IdAllocator) -> Structure:
    level, former = plan.level, plan.commune.former
    classes = []
    for grade, name, _ in plan.classes:
        bundle = None
        if level == "THPT":
            bundle = rng.choice(THPT_BUNDLES)
        elif level == "GDTX":
            bundle = rng.choice(GDTX_BUNDLES)
        subjects = class_subjects(level, grade, bundle)
        classes.append(ClassInfo(grade, name, sizes[name], bundle, subjects))

    female = 0.85 if level == "TH" else 0.7
    teachers = [_person(rng, ids, former, "GV0001", HT, 0.5, (1968, 1982))]
    n_pht = 2 if len(classes) > 20 else 1
    for _ in range(n_pht):
        code = f"GV{len(teachers) + 1:04d}"
        teachers.append(_person(rng, ids, former, code, PHT, 0.6, (1970, 1986)))

    def new_teacher(subject: str | None) -> Teacher:
        t = _person(rng, ids, former, f"GV{len(teachers) + 1:04d}", GV, female, (1966, 1999))
        if subject:
            t.subject_codes.append(subject)
        teachers.append(t)
        return t

    assignments: dict[tuple[str, str], str] = {}
    homeroom: dict[str, Teacher] = {}
    if level == "TH":
        for c in classes:
            t = new_teacher(None)
            homeroom[c.name] = t
            for s in c.subjects:
                if s.code in PRIMARY_HOMEROOM:
                    assignments[(c.name, s.code)] = t.code
                    if s.code not in t.subject_codes:
                        t.subject_codes.append(s.code)
    # subject teachers (secondary: every subject but HĐTN; primary: the specialist subjects)
    demand: dict[str, int] = {}
    for c in classes:
        for s in c.subjects:
            if (c.name, s.code) not in assignments and s.code != "HDTN":
                demand[s.code] = demand.get(s.code, 0) + s.periods
    pools: dict[str, list[Teacher]] = {}
    for code, periods in demand.items():
        n = max(1, math.ceil(periods / CAPACITY[level]))
        pools[code] = [new_teacher(code) for _ in range(n)]
    for c in classes:
        for s in c.subjects:
            if (c.name, s.code) in assignments or s.code == "HDTN":
                continue
            t = min(pools[s.code], key=lambda x: x.load)
            t.load += s.periods
            assignments[(c.name, s.code)] = t.code
    # homeroom teachers of secondary classes: a teacher of the class, one class each
    if level != "TH":
        busy: set[str] = set()
        by_code = {t.code: t for t in teachers}
        free_pool = [t for t in teachers if t.position == GV]
        for c in classes:
            cands = [assignments[(c.name, s.code)] for s in c.subjects
                     if (c.name, s.code) in assignments]
            pick = next((k for k in cands if k not in busy), None)
            if pick is None:
                pick = next((t.code for t in free_pool if t.code not in busy), None)
            if pick is None:
                extra = new_teacher(None)
                pick, by_code[extra.code] = extra.code, extra
            busy.add(pick)
            homeroom[c.name] = by_code[pick]
            if any(s.code == "HDTN" for s in c.subjects):
                assignments[(c.name, "HDTN")] = pick
                if "HDTN" not in by_code[pick].subject_codes:
                    by_code[pick].subject_codes.append("HDTN")
    for c in classes:
        c.gvcn = homeroom[c.name].code
    teachers.append(_person(rng, ids, former, "NV001", NV, 0.8, (1975, 1998)))
    teachers.append(_person(rng, ids, former, "NV002", NV, 0.8, (1975, 1998)))
    return Structure(classes, teachers, assignments)


def teacher_subjects_text(t: Teacher, level: str) -> str | None:
    if not t.subject_codes:
        return None
    return ", ".join(subject_name(s, level) for s in t.subject_codes)
