"""A small synthetic roster for signed-record corpora: schools, teachers, classes, pupils, results.

Rows use the canonical model's column names (:mod:`hocba_audit.model`), so the roster joins of
the next round (signer CCCD = GVCN of the class, seal MST/MNS = the school's) can run on them.
Every name, code and identifier is invented.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý")
MIDDLE_M = ("Văn", "Đức", "Minh", "Quang", "Hữu", "Gia")
MIDDLE_F = ("Thị", "Ngọc", "Thu", "Thanh", "Khánh", "Mai")
GIVEN_M = ("An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quân", "Sơn")
GIVEN_F = ("Anh", "Chi", "Dung", "Hà", "Hạnh", "Hoa", "Lan", "Linh", "My", "Ngân", "Trang", "Yến")

TT22_SCORED = ("TOAN", "NGU_VAN", "NGOAI_NGU_1", "KHTN", "LICH_SU_DIA_LI", "GDCD", "CONG_NGHE", "TIN_HOC")
TT22_COMMENT = ("GDTC", "NGHE_THUAT", "HDTN", "GDDP")
TH_SUBJECTS = ("TIENG_VIET", "TOAN", "DAO_DUC", "TNXH", "GDTC", "NGHE_THUAT", "HDTN")
TH_TESTED = ("TIENG_VIET", "TOAN")
QUALITIES = ("YEU_NUOC", "NHAN_AI", "CHAM_CHI", "TRUNG_THUC", "TRACH_NHIEM")
COMPETENCES = ("TU_CHU_TU_HOC", "GIAO_TIEP_HOP_TAC", "GQVD_SANG_TAO")
LEVELS = (("TH", 2), ("THCS", 7), ("THPT", 10), ("GDTX", 11))


@dataclass
class School:
    school_id: str
    row: dict
    level: str
    grade: int
    principal: dict
    teachers: list[dict] = field(default_factory=list)
    classes: list[dict] = field(default_factory=list)


def person_name(rng: random.Random, female: bool) -> str:
    middle = MIDDLE_F if female else MIDDLE_M
    given = GIVEN_F if female else GIVEN_M
    return f"{rng.choice(FAMILY)} {rng.choice(middle)} {rng.choice(given)}"


def cccd(rng: random.Random, birth_year: int, female: bool) -> str:
    """A synthetic 12-digit personal ID: province 031 (Hải Phòng), century/sex digit, year, serial."""
    century = 0 if birth_year < 2000 else 2
    return f"031{century + int(female)}{birth_year % 100:02d}{rng.randrange(10**6):06d}"


def _teacher(rng: random.Random, school_id: str, idx: int, position: str) -> dict:
    female = rng.random() < 0.7
    year = rng.randrange(1970, 1996)
    return {"school_id": school_id, "teacher_code": f"{school_id}-GV{idx:02d}",
            "personal_id": cccd(rng, year, female), "full_name": person_name(rng, female),
            "birth_date": dt.date(year, rng.randrange(1, 13), rng.randrange(1, 28)),
            "sex": "Nữ" if female else "Nam", "position": position, "legacy_cmnd": None}


def build_schools(rng: random.Random, n_schools: int, classes_per_school: int = 3) -> list[School]:
    schools = []
    for i in range(n_schools):
        level, grade = LEVELS[i % len(LEVELS)]
        sid = f"31{i + 1:03d}"
        kind = {"TH": "Tiểu học", "THCS": "THCS", "THPT": "THPT", "GDTX": "Trung tâm GDNN-GDTX"}[level]
        row = {"school_id": sid, "school_name": f"Trường {kind} Thử nghiệm số {i + 1}", "level": level,
               "tax_code": f"02{rng.randrange(10**8):08d}", "budget_code": f"10{rng.randrange(10**5):05d}",
               "commune_name": "Phường Lê Chân", "ownership": "Công lập"}
        principal = _teacher(rng, sid, 0, "Hiệu trưởng")
        school = School(sid, row, level, grade, principal, [principal])
        for c in range(classes_per_school):
            t = _teacher(rng, sid, c + 1, "Giáo viên")
            if c == 2:  # an old certificate with the 9-digit CMND (domain.md §5.4)
                t["legacy_cmnd"] = f"{rng.randrange(10**9):09d}"
            school.teachers.append(t)
            school.classes.append({"school_id": sid, "school_year": "2024-2025",
                                   "class_name": f"{grade}A{c + 1}", "grade": grade,
                                   "homeroom_teacher_code": t["teacher_code"],
                                   "homeroom_teacher_name": t["full_name"]})
        school.teachers.append(_teacher(rng, sid, 9, "Giáo viên"))  # teaches, is no GVCN
        schools.append(school)
    return schools


def _avg(rng: random.Random) -> Decimal:
    return Decimal(rng.randrange(50, 100)) / 10


def _secondary_results(rng: random.Random, pupil_code: str) -> tuple[list[dict], dict]:
    rows = []
    for code in TT22_SCORED:
        hk1, hk2 = _avg(rng), _avg(rng)
        cn = ((hk1 + 2 * hk2) / 3).quantize(Decimal("0.1"))
        rows += [{"subject_code": code, "period": p, "average": v} for p, v in (("HK1", hk1), ("HK2", hk2), ("CN", cn))]
    for code in TT22_COMMENT:
        rows += [{"subject_code": code, "period": p, "level": "Đ"} for p in ("HK1", "HK2", "CN")]
    cn_avgs = [r["average"] for r in rows if r["period"] == "CN" and r.get("average") is not None]
    academic = "T" if min(cn_avgs) >= 6.5 else "K" if min(cn_avgs) >= 5 else "Đ"
    year = {"conduct_hk1": "T", "conduct_hk2": "T", "conduct_year": "T", "academic_hk1": academic,
            "academic_hk2": academic, "academic_year": academic, "absences": rng.randrange(0, 6),
            "decision": "Lên lớp", "award": "Học sinh Giỏi" if academic == "T" else None}
    return rows, year


def _primary_results(rng: random.Random) -> tuple[list[dict], dict]:
    rows = []
    for code in TH_SUBJECTS:
        for cp in ("GK1", "CK1", "GK2", "CN"):
            score = Decimal(rng.randrange(6, 11)) if code in TH_TESTED and cp in ("CK1", "CN") else None
            rows.append({"item_kind": "môn học", "item_code": code, "checkpoint": cp,
                         "level": rng.choice("TTH"), "test_score": score})
    for kind, codes in (("phẩm chất", QUALITIES), ("năng lực", COMPETENCES)):
        for code in codes:
            for cp in ("CK1", "CN"):
                rows.append({"item_kind": kind, "item_code": code, "checkpoint": cp, "level": rng.choice("TTĐ")})
    result = {"overall": "HTT", "completed_grade": True, "award": None,
              "absences_excused": rng.randrange(0, 4), "absences_unexcused": 0}
    return rows, result


def pupil_record(rng: random.Random, school: School, klass: dict, n: int) -> dict:
    """The canonical rows of one pupil-year, in the shape :func:`.record.build_record` takes."""
    female = rng.random() < 0.5
    year = 2025 - klass["grade"] - 6
    code = f"{school.school_id}{n:05d}"
    pupil = {"school_id": school.school_id, "pupil_code": code, "personal_id": cccd(rng, year, female),
             "full_name": person_name(rng, female), "birth_date": dt.date(year, rng.randrange(1, 13), rng.randrange(1, 28)),
             "sex": "Nữ" if female else "Nam", "ethnicity_code": "01", "nationality": "Việt Nam"}
    rec = {"level": school.level, "school_year": "2024-2025", "issued": dt.date(2025, 5, 25),
           "signer_title": "Hiệu trưởng", "school": school.row, "pupil": pupil, "class": klass}
    if school.level == "TH":
        rec["primary_evaluations"], rec["primary_result"] = _primary_results(rng)
    else:
        rec["subject_results"], rec["year_result"] = _secondary_results(rng, code)
    return rec
