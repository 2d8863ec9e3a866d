"""Generate one school's canonical data with injected defects and their ground truth."""

from __future__ import annotations

from collections.abc import Iterator

from . import materialize as m
from .city_plan import CitySpec, SchoolPlan, plan_city
from .cross_school import shared_pupils
from .curriculum import FINAL_GRADE
from .defects import MOJIBAKE_CODES, applicable_codes
from .grade_edits import edit_rows
from .identifiers import IdAllocator
from .inject_primary import PrimaryDefects
from .inject_pupils import PupilDefects, inject_teachers, mojibake_converters
from .inject_secondary import SecondaryDefects
from .inject_structure import apply_class_defects, drop_assignments, plan_class_defects
from .injector import Injector
from .primary import evaluate as evaluate_primary
from .primary import make_pri_pupil
from .pupils import Calendar, make_pupils
from .records import SchoolData
from .secondary import evaluate as evaluate_secondary
from .secondary import make_sec_pupil
from .seeding import rng_for
from .structure import build_structure


def _allowed(level: str) -> tuple[str, ...]:
    codes = applicable_codes(level)
    if not mojibake_converters():
        codes = tuple(c for c in codes if c not in MOJIBAKE_CODES)
    return codes


def generate_school(plan: SchoolPlan, spec: CitySpec) -> SchoolData:
    """Deterministic from (spec, plan.index); other schools are only consulted through the cheap
    city plan (for the cross-school duplicate shared with the neighbours)."""
    seed, idx, level, sy = spec.seed, plan.index, plan.level, spec.school_year
    cal = Calendar.of(sy)
    inj = Injector(plan.school_id, sy, rng_for("defects", seed, idx), max(0.0, spec.defect_rate),
                   level, _allowed(level))
    ids = IdAllocator(seed, idx)

    chosen, sizes = plan_class_defects(inj, plan)
    struct = build_structure(plan, sizes, rng_for("structure", seed, idx), ids)
    shared = shared_pupils(spec, plan)
    pupils = make_pupils(plan, struct.classes, cal, seed, ids, rng_for("pupils", seed, idx), shared)

    by_class = {c.name: c for c in struct.classes}
    rngs = {c.name: rng_for("assess", seed, idx, c.name) for c in struct.classes}
    tables: dict[str, list[dict]] = {name: [] for name in m.TABLE_NAMES}
    if level == "TH":
        pri = [make_pri_pupil(rngs[p.class_name], p.pupil_code, p.class_name, p.grade, p.departed,
                              by_class[p.class_name].subjects) for p in pupils]
        for q in pri:
            evaluate_primary(q)
        PrimaryDefects(inj, pri).run()
        tables["primary_evaluations"], tables["primary_results"] = m.primary_rows(pri, sy)
        del pri
    else:
        final = FINAL_GRADE[level]
        sec = [make_sec_pupil(rngs[p.class_name], p.pupil_code, p.class_name, p.grade,
                              p.grade == final, p.departed, by_class[p.class_name].subjects)
               for p in pupils]
        for q in sec:
            evaluate_secondary(q)
        SecondaryDefects(inj, sec).run()
        marks, results, years = m.secondary_rows(sec, sy)
        tables["marks"], tables["subject_results"], tables["year_results"] = marks, results, years
        del sec

    PupilDefects(inj, pupils, ids, level, cal.start.year).run()
    inject_teachers(inj, struct.teachers)
    dropped = drop_assignments(inj, struct)
    gvcn = apply_class_defects(inj, struct, chosen)
    for p in pupils:
        if p.role:
            other_role = "receiver" if p.role == "donor" else "donor"
            sp = next(sp for role, sp in shared if role == p.role)
            other = sp.receiver if p.role == "donor" else sp.donor
            inj.record("pupils", p.pupil_code, "personal_id", "PUPIL_DUPLICATE_ID_ACROSS_SCHOOLS",
                       f"also active in school {other.school_id} as pupil {sp.code_in(other_role)}")

    tables["schools"] = m.school_rows(plan, seed)
    tables["school_years"] = m.calendar_rows(cal)
    tables["classes"] = m.class_rows(struct, gvcn, level, sy)
    tables["pupils"] = m.pupil_rows(pupils)
    tables["enrolments"] = m.enrolment_rows(pupils, sy)
    tables["teachers"] = m.teacher_rows(struct, level)
    tables["teaching_assignments"] = m.assignment_rows(struct, dropped, sy)
    tables["subjects"] = m.subject_rows(level)
    tables["certificates"] = m.certificate_rows(struct, plan.school_id, rng_for("certs", seed, idx))
    tables["grade_edits"] = edit_rows(tables, cal, rng_for("grade_edits", seed, idx))
    return SchoolData(plan.school_id, sy, level, tables, inj.truth)


def iter_city(spec: CitySpec) -> Iterator[SchoolData]:
    """The city's schools one at a time (only one school's records in memory)."""
    for plan in plan_city(spec):
        yield generate_school(plan, spec)
