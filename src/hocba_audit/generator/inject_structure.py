"""Defects in the school structure: family 'class' (homeroom teacher, class size) and family
'assignment' (a class subject without teaching-assignment rows)."""

from __future__ import annotations

from .city_plan import CLASS_LIMIT, SchoolPlan
from .defects import family_codes
from .injector import Injector
from .structure import Structure


def plan_class_defects(
    inj: Injector, plan: SchoolPlan
) -> tuple[dict[str, set[str]], dict[str, int]]:
    """Class-family defects are drawn before pupils exist: an oversize class gets extra pupils."""
    sizes = {name: size for _, name, size in plan.classes}
    chosen: dict[str, set[str]] = {name: set() for name in sizes}
    limit = CLASS_LIMIT[plan.level]
    names = list(sizes)

    def codes(name: str) -> list[str]:
        have = chosen[name]
        out = [] if "CLASS_OVERSIZE" in have else ["CLASS_OVERSIZE"]
        if not have & {"CLASS_WITHOUT_GVCN", "CLASS_GVCN_NOT_A_TEACHER"}:
            out += ["CLASS_WITHOUT_GVCN", "CLASS_GVCN_NOT_A_TEACHER"]
        return out

    def apply(name: str, code: str) -> bool:
        chosen[name].add(code)
        key = f"{inj.school_year}|{name}"
        if code == "CLASS_OVERSIZE":
            sizes[name] = limit + inj.rng.randint(1, 5)
            inj.record("classes", key, "", code, f"{sizes[name]} pupils, limit {limit}")
        else:
            inj.counts[code] += 1  # truth recorded once the teacher codes are known
        return True

    inj.run_family(family_codes("class", plan.level), names, codes, apply)
    return chosen, sizes


def apply_class_defects(
    inj: Injector, struct: Structure, chosen: dict[str, set[str]]
) -> dict[str, str | None]:
    """The homeroom-teacher code each class records (clean, absent, or not a teacher)."""
    out: dict[str, str | None] = {}
    known = {t.code for t in struct.teachers}
    for c in struct.classes:
        key = f"{inj.school_year}|{c.name}"
        out[c.name] = c.gvcn
        if "CLASS_WITHOUT_GVCN" in chosen[c.name]:
            out[c.name] = None
            inj.record("classes", key, "homeroom_teacher_code", "CLASS_WITHOUT_GVCN",
                       f"GVCN {c.gvcn} not recorded", count=False)
        elif "CLASS_GVCN_NOT_A_TEACHER" in chosen[c.name]:
            if inj.rng.random() < 0.5:
                code, why = "NV001", "a non-teaching staff member"
            else:
                n = 9000 + inj.rng.randrange(1000)
                while f"GV{n}" in known:
                    n += 1
                code, why = f"GV{n}", "no such teacher"
            out[c.name] = code
            inj.record("classes", key, "homeroom_teacher_code", "CLASS_GVCN_NOT_A_TEACHER",
                       f"{code}: {why}", count=False)
    return out


def drop_assignments(inj: Injector, struct: Structure) -> set[tuple[str, str]]:
    """(class, subject) pairs whose teaching-assignment rows are absent; at most one per class."""
    dropped: set[tuple[str, str]] = set()
    hit: set[str] = set()
    pairs = [(c.name, s.code) for c in struct.classes for s in c.subjects]

    def apply(pair: tuple[str, str], code: str) -> bool:
        dropped.add(pair)
        hit.add(pair[0])
        for sem in (1, 2):
            key = f"{inj.school_year}|{pair[0]}|{pair[1]}|{sem}"
            inj.record("teaching_assignments", key, "teacher_code", code,
                       f"teacher {struct.assignments[pair]} not assigned (rows absent)",
                       count=sem == 1)
        return True

    inj.run_family(family_codes("assignment", inj.level), pairs,
                   lambda pair: [] if pair[0] in hit else ["SUBJECT_WITHOUT_ASSIGNMENT"], apply)
    return dropped
