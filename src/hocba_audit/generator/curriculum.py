"""The generator's own small curriculum table (CT GDPT 2018; domain.md §1.10, §2.1).

Deliberately independent of ``audits/reference/subjects.yaml``: it fixes, per level and grade,
the subjects taught, their periods per school year and their assessment mode, and from those
the number of regular assessments (ĐĐGtx) per semester (TT 22 Điều 6: ≤ 35 periods → 2,
≤ 70 → 3, more → 4; comment-only subjects: 2). GDTX is provisional (domain.md §1.12).
"""

from __future__ import annotations

from dataclasses import dataclass

SCORE = "điểm"
COMMENT = "nhận xét"

GRADES: dict[str, tuple[int, ...]] = {
    "TH": (1, 2, 3, 4, 5),
    "THCS": (6, 7, 8, 9),
    "THPT": (10, 11, 12),
    "GDTX": (10, 11, 12),
}

#: the last grade of each level: its decision is about completing the programme.
FINAL_GRADE = {"TH": 5, "THCS": 9, "THPT": 12, "GDTX": 12}

SUBJECT_NAMES: dict[str, str] = {
    "NGU_VAN": "Ngữ văn",
    "TOAN": "Toán",
    "NGOAI_NGU_1": "Ngoại ngữ 1",
    "GDCD": "Giáo dục công dân",
    "LICH_SU_DIA_LI": "Lịch sử và Địa lí",
    "KHTN": "Khoa học tự nhiên",
    "CONG_NGHE": "Công nghệ",
    "TIN_HOC": "Tin học",
    "GDTC": "Giáo dục thể chất",
    "NGHE_THUAT": "Nghệ thuật",
    "HDTN": "Hoạt động trải nghiệm, hướng nghiệp",
    "GDDP": "Nội dung giáo dục của địa phương",
    "LICH_SU": "Lịch sử",
    "DIA_LI": "Địa lí",
    "GDKTPL": "Giáo dục kinh tế và pháp luật",
    "VAT_LI": "Vật lí",
    "HOA_HOC": "Hoá học",
    "SINH_HOC": "Sinh học",
    "GDQPAN": "Giáo dục quốc phòng và an ninh",
    "AM_NHAC": "Âm nhạc",
    "MI_THUAT": "Mĩ thuật",
    "TIENG_VIET": "Tiếng Việt",
    "DAO_DUC": "Đạo đức",
    "TNXH": "Tự nhiên và Xã hội",
    "KHOA_HOC": "Khoa học",
    "TIN_HOC_CONG_NGHE": "Tin học và Công nghệ",
}
PRIMARY_HDTN_NAME = "Hoạt động trải nghiệm"


@dataclass(frozen=True, slots=True)
class SubjectDef:
    code: str
    periods: int
    scored: bool

    @property
    def assessment(self) -> str:
        return SCORE if self.scored else COMMENT

    @property
    def n_tx(self) -> int:
        """Required regular assessments per semester (TT 22 Điều 6)."""
        if not self.scored:
            return 2
        return 2 if self.periods <= 35 else 3 if self.periods <= 70 else 4


def _s(code: str, periods: int, scored: bool = True) -> SubjectDef:
    return SubjectDef(code, periods, scored)


def _thcs(grade: int) -> tuple[SubjectDef, ...]:
    return (
        _s("NGU_VAN", 140), _s("TOAN", 140), _s("NGOAI_NGU_1", 105), _s("GDCD", 35),
        _s("LICH_SU_DIA_LI", 105), _s("KHTN", 140), _s("CONG_NGHE", 35 if grade <= 7 else 52),
        _s("TIN_HOC", 35), _s("GDTC", 70, False), _s("NGHE_THUAT", 70, False),
        _s("HDTN", 105, False), _s("GDDP", 35, False),
    )


THPT_COMPULSORY = (
    _s("NGU_VAN", 105), _s("TOAN", 105), _s("NGOAI_NGU_1", 105), _s("LICH_SU", 52),
    _s("GDTC", 70, False), _s("GDQPAN", 35), _s("HDTN", 105, False), _s("GDDP", 35, False),
)
THPT_ELECTIVES = (
    _s("DIA_LI", 70), _s("GDKTPL", 70), _s("VAT_LI", 70), _s("HOA_HOC", 70), _s("SINH_HOC", 70),
    _s("CONG_NGHE", 70), _s("TIN_HOC", 70), _s("AM_NHAC", 70, False), _s("MI_THUAT", 70, False),
)
#: GDTX (provisional): THPT without the comment-only subjects.
GDTX_COMPULSORY = tuple(s for s in THPT_COMPULSORY if s.scored)
GDTX_ELECTIVES = tuple(s for s in THPT_ELECTIVES if s.scored)

#: typical elective bundles (tổ hợp), 4 of the 9 electives each.
THPT_BUNDLES: tuple[tuple[str, ...], ...] = (
    ("VAT_LI", "HOA_HOC", "SINH_HOC", "TIN_HOC"),
    ("VAT_LI", "HOA_HOC", "TIN_HOC", "CONG_NGHE"),
    ("HOA_HOC", "SINH_HOC", "DIA_LI", "TIN_HOC"),
    ("VAT_LI", "HOA_HOC", "DIA_LI", "GDKTPL"),
    ("DIA_LI", "GDKTPL", "TIN_HOC", "CONG_NGHE"),
    ("DIA_LI", "GDKTPL", "VAT_LI", "TIN_HOC"),
    ("DIA_LI", "GDKTPL", "TIN_HOC", "MI_THUAT"),
    ("DIA_LI", "GDKTPL", "CONG_NGHE", "AM_NHAC"),
)
GDTX_BUNDLES: tuple[tuple[str, ...], ...] = (
    ("VAT_LI", "HOA_HOC", "SINH_HOC", "TIN_HOC"),
    ("DIA_LI", "GDKTPL", "TIN_HOC", "CONG_NGHE"),
    ("DIA_LI", "GDKTPL", "VAT_LI", "HOA_HOC"),
)


def _primary(grade: int) -> tuple[SubjectDef, ...]:
    # 'scored' marks the subjects with periodic tests (TT 27; domain.md §2.2)
    if grade <= 2:
        return (
            _s("TIENG_VIET", 420 if grade == 1 else 350), _s("TOAN", 105 if grade == 1 else 175),
            _s("DAO_DUC", 35, False), _s("TNXH", 70, False), _s("GDTC", 70, False),
            _s("AM_NHAC", 35, False), _s("MI_THUAT", 35, False), _s("HDTN", 105, False),
        )
    if grade == 3:
        middle: tuple[SubjectDef, ...] = (_s("TNXH", 70, False),)
    else:
        middle = (_s("LICH_SU_DIA_LI", 70), _s("KHOA_HOC", 70))
    return (
        _s("TIENG_VIET", 245), _s("TOAN", 175), _s("NGOAI_NGU_1", 140), _s("DAO_DUC", 35, False),
        *middle, _s("TIN_HOC_CONG_NGHE", 70), _s("GDTC", 70, False), _s("AM_NHAC", 35, False),
        _s("MI_THUAT", 35, False), _s("HDTN", 105, False),
    )


def grade_subjects(level: str, grade: int) -> tuple[SubjectDef, ...]:
    """Every subject a school of ``level`` offers in ``grade`` (THPT/GDTX: electives included)."""
    if level == "TH":
        return _primary(grade)
    if level == "THCS":
        return _thcs(grade)
    if level == "THPT":
        return THPT_COMPULSORY + THPT_ELECTIVES
    if level == "GDTX":
        return GDTX_COMPULSORY + GDTX_ELECTIVES
    raise ValueError(f"unknown level {level!r}")


def class_subjects(
    level: str, grade: int, bundle: tuple[str, ...] | None
) -> tuple[SubjectDef, ...]:
    """The subjects one class studies: THPT/GDTX compulsory subjects plus the class's bundle."""
    if level in ("TH", "THCS"):
        return grade_subjects(level, grade)
    compulsory, electives = (
        (THPT_COMPULSORY, THPT_ELECTIVES) if level == "THPT" else (GDTX_COMPULSORY, GDTX_ELECTIVES)
    )
    chosen = set(bundle or ())
    return compulsory + tuple(s for s in electives if s.code in chosen)


def subject_name(code: str, level: str) -> str:
    if code == "HDTN" and level == "TH":
        return PRIMARY_HDTN_NAME
    return SUBJECT_NAMES[code]


# --- primary (TT 27) -----------------------------------------------------------------------

PRIMARY_CHECKPOINTS = ("GK1", "CK1", "GK2", "CN")
QUALITIES = ("YEU_NUOC", "NHAN_AI", "CHAM_CHI", "TRUNG_THUC", "TRACH_NHIEM")
COMPETENCES = (
    "TU_CHU_TU_HOC", "GIAO_TIEP_HOP_TAC", "GQVD_SANG_TAO", "NGON_NGU", "TINH_TOAN",
    "KHOA_HOC", "CONG_NGHE", "TIN_HOC", "THAM_MI", "THE_CHAT",
)
ITEM_SUBJECT = "môn học"
ITEM_QUALITY = "phẩm chất"
ITEM_COMPETENCE = "năng lực"

#: subjects with periodic tests at CK1 and CN (where the grade has them)
PRIMARY_TESTED = (
    "TIENG_VIET", "TOAN", "NGOAI_NGU_1", "LICH_SU_DIA_LI", "KHOA_HOC", "TIN_HOC_CONG_NGHE",
)


def competences_for(grade: int) -> tuple[str, ...]:
    if grade <= 2:
        return tuple(c for c in COMPETENCES if c not in ("CONG_NGHE", "TIN_HOC"))
    return COMPETENCES


def tested_checkpoints(subject: str, grade: int) -> tuple[str, ...]:
    """Checkpoints at which a primary subject has a periodic test mark (integer 1-10)."""
    if subject not in PRIMARY_TESTED:
        return ()
    if subject in ("TIENG_VIET", "TOAN") and grade >= 4:
        return ("GK1", "CK1", "GK2", "CN")
    return ("CK1", "CN")
