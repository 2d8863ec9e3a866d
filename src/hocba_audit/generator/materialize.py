"""Turn the generator's internal records into canonical table rows (dicts keyed by the model's
column names; no *_raw, provenance or name_key columns)."""

from __future__ import annotations

import random
from decimal import Decimal

from .city_plan import PUBLIC, SchoolPlan
from .curriculum import GRADES, grade_subjects, subject_name
from .identifiers import budget_code, tax_code
from .primary import PriPupil
from .pupils import Calendar, PupilRec
from .secondary import SecPupil
from .structure import Structure, teacher_subjects_text

TABLE_NAMES = (
    "schools", "school_years", "classes", "pupils", "enrolments", "teachers",
    "teaching_assignments", "subjects", "marks", "subject_results", "year_results",
    "primary_evaluations", "primary_results", "certificates", "grade_edits",
)


def school_rows(plan: SchoolPlan, seed: int) -> list[dict]:
    c = plan.commune
    return [{
        "school_name": plan.school_name, "level": plan.level, "commune_code": c.code,
        "commune_name": c.full, "province_code": "31",
        "tax_code": tax_code(seed, plan.index, c.former),
        "budget_code": budget_code(seed, plan.index) if plan.ownership == PUBLIC else None,
        "ownership": plan.ownership,
    }]


def calendar_rows(cal: Calendar) -> list[dict]:
    return [{"school_year": cal.school_year, "start_date": cal.start,
             "hk2_start_date": cal.hk2_start, "end_date": cal.end}]


def class_rows(struct: Structure, gvcn: dict[str, str | None], level: str, sy: str) -> list[dict]:
    return [{
        "school_year": sy, "class_name": c.name, "grade": c.grade,
        "homeroom_teacher_code": gvcn[c.name],
        "elective_bundle": ", ".join(subject_name(s, level) for s in c.bundle) if c.bundle else None,
    } for c in struct.classes]


def pupil_rows(pupils: list[PupilRec]) -> list[dict]:
    return [{
        "pupil_code": p.pupil_code, "personal_id": p.personal_id, "full_name": p.full_name,
        "birth_date": p.birth_date, "sex": p.sex, "ethnicity_code": p.ethnicity_code,
        "nationality": "Việt Nam", "birthplace": p.birthplace, "hometown": p.hometown,
        "address": p.address, "father_name": p.father_name, "mother_name": p.mother_name,
        "guardian_name": p.guardian_name, "status": p.status,
    } for p in pupils]


def enrolment_rows(pupils: list[PupilRec], sy: str) -> list[dict]:
    return [{
        "school_year": sy, "pupil_code": p.pupil_code, "class_name": p.class_name,
        "status": p.status,
        "enrol_date": p.enrol_date, "transfer_out_date": p.transfer_out_date,
    } for p in pupils]


def teacher_rows(struct: Structure, level: str) -> list[dict]:
    return [{
        "teacher_code": t.code, "personal_id": t.personal_id, "full_name": t.full_name,
        "birth_date": t.birth_date, "sex": t.sex, "position": t.position,
        "subjects": teacher_subjects_text(t, level),
    } for t in struct.teachers]


def assignment_rows(struct: Structure, dropped: set[tuple[str, str]], sy: str) -> list[dict]:
    return [{
        "school_year": sy, "class_name": c.name, "subject_code": s.code, "semester": sem,
        "teacher_code": struct.assignments[(c.name, s.code)],
    } for c in struct.classes for s in c.subjects if (c.name, s.code) not in dropped
        for sem in (1, 2)]


def subject_rows(level: str) -> list[dict]:
    return [{
        "grade": g, "subject_code": s.code, "subject_name": subject_name(s.code, level),
        "periods_per_year": s.periods, "assessment": s.assessment,
    } for g in GRADES[level] for s in grade_subjects(level, g)]


def secondary_rows(pupils: list[SecPupil], sy: str) -> tuple[list[dict], list[dict], list[dict]]:
    marks: list[dict] = []
    results: list[dict] = []
    years: list[dict] = []
    for p in pupils:
        code, cls, res = p.code, p.class_name, p.res
        vals, retest = res["vals"], res["retest"]
        for sd in p.subjects:
            s = sd.code
            for sem in (1, 2):
                for kind, idx, v in p.groups.get((s, sem), ()):
                    tok = v if isinstance(v, str) else None
                    marks.append({
                        "school_year": sy, "pupil_code": code, "class_name": cls, "subject_code": s,
                        "semester": sem, "kind": kind, "idx": idx,
                        "value": None if tok else v, "token": tok,
                    })
            for period in p.periods:
                v = vals[(s, period)]
                rt = retest.get(s) if period == "CN" else None
                results.append({
                    "school_year": sy, "pupil_code": code, "class_name": cls, "subject_code": s,
                    "period": period, "average": v if isinstance(v, Decimal) else None,
                    "level": v if isinstance(v, str) else None,
                    "retest": rt if isinstance(rt, Decimal) else None,
                    "retest_level": rt if isinstance(rt, str) else None,
                })
        h1, h2, hy = res["conduct"]
        ac = res["academic"]
        years.append({
            "school_year": sy, "pupil_code": code, "class_name": cls, "conduct_hk1": h1,
            "conduct_hk2": h2, "conduct_year": hy, "academic_hk1": ac.get("HK1"),
            "academic_hk2": ac.get("HK2"), "academic_year": ac.get("CN"), "absences": p.absences,
            "summer_conduct": res["summer"], "retest_academic": res["retest_academic"],
            "decision": res["decision"], "award": res["award"],
        })
    return marks, results, years


def primary_rows(pupils: list[PriPupil], sy: str) -> tuple[list[dict], list[dict]]:
    evals: list[dict] = []
    results: list[dict] = []
    for p in pupils:
        code, cls = p.code, p.class_name
        for (kind, item, cp), (level, score) in p.evals.items():
            evals.append({
                "school_year": sy, "pupil_code": code, "class_name": cls, "item_kind": kind,
                "item_code": item, "checkpoint": cp, "level": level, "test_score": score,
            })
        if p.departed:
            continue
        r = p.res
        results.append({
            "school_year": sy, "pupil_code": code, "class_name": cls, "overall": r["overall"],
            "completed_grade": r["completed_grade"], "completed_primary": r["completed_primary"],
            "award": r["award"], "absences_excused": p.absences[0],
            "absences_unexcused": p.absences[1],
        })
    return evals, results


def certificate_rows(struct: Structure, school_id: str, rng: random.Random) -> list[dict]:
    holders = ["GV0001"] + sorted({c.gvcn for c in struct.classes})
    rows = [{"holder_kind": "giáo viên", "holder_code": h, "cert_file": f"certs/{h}.cer",
             "serial": f"{rng.getrandbits(64):016X}"} for h in holders]
    rows.append({"holder_kind": "trường", "holder_code": school_id,
                 "cert_file": f"certs/{school_id}.cer", "serial": f"{rng.getrandbits(64):016X}"})
    return rows
