"""The defect catalogue: code → (table, field, description_en, description_vi, family).

``field`` is the column the truth rows name ('' = the record as a whole); ACADEMIC_LEVEL_WRONG
names academic_hk1, academic_hk2 or academic_year in its truth rows. Families group the codes
drawn together: each eligible record of a family gets a defect of that family with probability
``CitySpec.defect_rate`` (see docs/generator.md for what a record is in each family).
"""

from __future__ import annotations

from typing import NamedTuple


class DefectSpec(NamedTuple):
    table: str
    field: str
    description_en: str
    description_vi: str
    family: str


def _D(table: str, field: str, family: str, en: str, vi: str) -> DefectSpec:
    return DefectSpec(table, field, en, vi, family)


DEFECTS: dict[str, DefectSpec] = {
    # pupils (family 'pupil')
    "PUPIL_MISSING_PERSONAL_ID": _D(
        "pupils", "personal_id", "pupil",
        "personal ID missing",
        "thiếu số định danh cá nhân"),
    "PUPIL_ID_WRONG_LENGTH": _D(
        "pupils", "personal_id", "pupil",
        "personal ID is not 12 digits (10 or 13)",
        "số định danh không đủ/thừa chữ số"),
    "PUPIL_ID_SEX_DIGIT_MISMATCH": _D(
        "pupils", "personal_id", "pupil",
        "century/sex digit of the personal ID contradicts the sex",
        "mã giới tính trong số định danh không khớp giới tính"),
    "PUPIL_ID_YEAR_MISMATCH": _D(
        "pupils", "personal_id", "pupil",
        "year digits of the personal ID contradict the birth year",
        "năm sinh trong số định danh không khớp ngày sinh"),
    "PUPIL_DUPLICATE_ID_IN_SCHOOL": _D(
        "pupils", "personal_id", "pupil",
        "two pupils of the school share a personal ID",
        "hai học sinh trong trường trùng số định danh"),
    "PUPIL_MISSING_BIRTH_DATE": _D(
        "pupils", "birth_date", "pupil",
        "birth date missing",
        "thiếu ngày sinh"),
    "PUPIL_BIRTH_DATE_DAY_MONTH_SWAPPED": _D(
        "pupils", "birth_date", "pupil",
        "birth date written mm/dd/yyyy (day > 12, so dd/mm cannot parse)",
        "ngày sinh bị đảo ngày/tháng"),
    "PUPIL_AGE_IMPLAUSIBLE_FOR_GRADE": _D(
        "pupils", "birth_date", "pupil",
        "birth year far outside the window of the pupil's grade",
        "tuổi không phù hợp với khối lớp"),
    "PUPIL_MISSING_SEX": _D(
        "pupils", "sex", "pupil",
        "sex missing",
        "thiếu giới tính"),
    "PUPIL_UNKNOWN_ETHNICITY": _D(
        "pupils", "ethnicity_code", "pupil",
        "ethnicity code not in 01-55",
        "mã dân tộc không hợp lệ"),
    "NAME_DUPLICATE_PUPIL": _D(
        "pupils", "full_name", "pupil",
        "same normalised name, birth date and sex under two pupil codes",
        "hồ sơ học sinh trùng (họ tên, ngày sinh, giới tính)"),
    # cross-school (family 'cross_school')
    "PUPIL_DUPLICATE_ID_ACROSS_SCHOOLS": _D(
        "pupils", "personal_id", "cross_school",
        "the same personal ID is an active pupil in two schools",
        "một số định danh đang học ở hai trường"),
    # encoding notes (family 'encoding'): normalisation notes, not errors to report
    "PUPIL_ID_LEADING_ZERO_LOST": _D(
        "pupils", "personal_id", "encoding",
        "personal ID written as an 11-digit number (leading zero lost)",
        "số định danh mất số 0 đầu"),
    "NAME_MOJIBAKE_TCVN3": _D(
        "pupils", "full_name", "encoding",
        "name written in TCVN3 (ABC) bytes read as Unicode",
        "họ tên bị lỗi phông TCVN3"),
    "NAME_MOJIBAKE_VNI": _D(
        "pupils", "full_name", "encoding",
        "name written in VNI-Windows bytes read as Unicode",
        "họ tên bị lỗi phông VNI"),
    "MARK_DECIMAL_COMMA": _D(
        "marks", "value", "encoding",
        "mark written with a decimal comma ('8,5')",
        "điểm viết dấu phẩy thập phân"),
    # teachers (family 'teacher')
    "TEACHER_MISSING_PERSONAL_ID": _D(
        "teachers", "personal_id", "teacher",
        "teacher's personal ID missing",
        "giáo viên thiếu số định danh"),
    # classes (family 'class') and assignments (family 'assignment')
    "CLASS_WITHOUT_GVCN": _D(
        "classes", "homeroom_teacher_code", "class",
        "class has no homeroom teacher",
        "lớp chưa có GVCN"),
    "CLASS_GVCN_NOT_A_TEACHER": _D(
        "classes", "homeroom_teacher_code", "class",
        "homeroom teacher code is unknown or a non-teaching staff member",
        "GVCN không phải giáo viên của trường"),
    "CLASS_OVERSIZE": _D(
        "classes", "", "class",
        "more pupils than the class-size limit (TH 35, others 45)",
        "sĩ số lớp vượt quy định"),
    "SUBJECT_WITHOUT_ASSIGNMENT": _D(
        "teaching_assignments", "teacher_code", "assignment",
        "a subject of the class has no teaching assignment (rows absent)",
        "môn học chưa được phân công giảng dạy"),
    # marks (family 'mark')
    "MARK_OUT_OF_RANGE": _D(
        "marks", "value", "mark",
        "mark outside 0-10 (decimal point lost: 8.5 → 85)",
        "điểm ngoài thang 0-10"),
    "MARK_TOO_MANY_DECIMALS": _D(
        "marks", "value", "mark",
        "mark with two decimals",
        "điểm có hơn một chữ số thập phân"),
    "MARK_MISSING_TX": _D(
        "marks", "value", "mark",
        "fewer regular marks than required (the last TX row is absent)",
        "thiếu điểm đánh giá thường xuyên"),
    "MARK_DUPLICATE_GK": _D(
        "marks", "value", "mark",
        "a second mid-term mark",
        "thừa điểm giữa kì"),
    "MARK_MISSING_CK": _D(
        "marks", "value", "mark",
        "end-of-term mark absent",
        "thiếu điểm cuối kì"),
    "MARK_AFTER_TRANSFER_OUT": _D(
        "marks", "value", "mark",
        "semester-II marks of a pupil who left during semester II",
        "có điểm sau khi học sinh đã chuyển đi/thôi học"),
    # recorded subject results (family 'average')
    "AVG_HK_ARITHMETIC": _D(
        "subject_results", "average", "average",
        "recorded semester average differs from the TT22 formula",
        "ĐTBmhk tính sai"),
    "AVG_CN_ARITHMETIC": _D(
        "subject_results", "average", "average",
        "recorded year average differs from (HK1 + 2·HK2)/3",
        "ĐTBmcn tính sai"),
    "AVG_TX_FIRST_METHOD": _D(
        "subject_results", "average", "average",
        "semester average computed by averaging TX first ((avgTX + 2GK + 3CK)/6)",
        "ĐTBmhk tính theo cách lấy trung bình TX trước"),
    "COMMENT_SUBJECT_LEVEL_WRONG": _D(
        "subject_results", "level", "average",
        "comment-subject level contradicts its assessments (or CN ≠ HK2)",
        "mức đánh giá môn nhận xét sai"),
    # year results (family 'result')
    "ACADEMIC_LEVEL_WRONG": _D(
        "year_results", "academic_year", "result",
        "kết quả học tập contradicts the subject results (Điều 9)",
        "kết quả học tập xếp sai"),
    "CONDUCT_YEAR_WRONG": _D(
        "year_results", "conduct_year", "result",
        "year conduct contradicts the two semesters (Điều 8)",
        "kết quả rèn luyện cả năm xếp sai"),
    "PROMOTION_DESPITE_ABSENCES": _D(
        "year_results", "decision", "result",
        "promoted with more than 45 sessions absent",
        "lên lớp dù nghỉ quá 45 buổi"),
    "PROMOTION_INCONSISTENT": _D(
        "year_results", "decision", "result",
        "decision contradicts conduct/academic results and re-tests",
        "quyết định lên lớp không khớp kết quả"),
    "AWARD_WRONG": _D(
        "year_results", "award", "result",
        "award contradicts Điều 15",
        "khen thưởng sai điều kiện"),
    "PRIMARY_OVERALL_WRONG": _D(
        "primary_results", "overall", "result",
        "primary year result contradicts the CN evaluations (TT27 §2.4)",
        "đánh giá kết quả giáo dục sai"),
    # primary evaluations (family 'primary')
    "PRIMARY_LEVEL_CODE_INVALID": _D(
        "primary_evaluations", "level", "primary",
        "level code of the wrong scale ('Đ' for a subject, 'H' for a quality/competence)",
        "mã mức đánh giá không hợp lệ"),
    "PRIMARY_TEST_SCORE_INVALID": _D(
        "primary_evaluations", "test_score", "primary",
        "periodic test mark 0, decimal or above 10",
        "điểm kiểm tra định kì không hợp lệ"),
    "PRIMARY_TEST_SCORE_MISSING": _D(
        "primary_evaluations", "test_score", "primary",
        "required periodic test mark missing",
        "thiếu điểm kiểm tra định kì"),
}

_SECONDARY_ONLY = {
    "MARK_DECIMAL_COMMA", "MARK_OUT_OF_RANGE", "MARK_TOO_MANY_DECIMALS", "MARK_MISSING_TX",
    "MARK_DUPLICATE_GK", "MARK_MISSING_CK", "MARK_AFTER_TRANSFER_OUT", "AVG_HK_ARITHMETIC",
    "AVG_CN_ARITHMETIC", "AVG_TX_FIRST_METHOD", "COMMENT_SUBJECT_LEVEL_WRONG",
    "ACADEMIC_LEVEL_WRONG", "CONDUCT_YEAR_WRONG", "PROMOTION_DESPITE_ABSENCES",
    "PROMOTION_INCONSISTENT", "AWARD_WRONG",
}
_PRIMARY_ONLY = {
    "PRIMARY_OVERALL_WRONG", "PRIMARY_LEVEL_CODE_INVALID", "PRIMARY_TEST_SCORE_INVALID",
    "PRIMARY_TEST_SCORE_MISSING",
}
#: codes whose truth key names a record that is absent by design
ABSENT_RECORD_CODES = frozenset(
    {"MARK_MISSING_TX", "MARK_MISSING_CK", "SUBJECT_WITHOUT_ASSIGNMENT"}
)
#: codes that need ``hocba_audit.normalize`` (TCVN3/VNI converters)
MOJIBAKE_CODES = frozenset({"NAME_MOJIBAKE_TCVN3", "NAME_MOJIBAKE_VNI"})


def applicable_codes(level: str) -> tuple[str, ...]:
    """Defect codes that can occur in a school of ``level``."""
    out = []
    for code in DEFECTS:
        if level == "TH" and code in _SECONDARY_ONLY:
            continue
        if level != "TH" and code in _PRIMARY_ONLY:
            continue
        if level == "GDTX" and code == "COMMENT_SUBJECT_LEVEL_WRONG":
            continue  # GDTX (provisional) has no comment-only subjects
        out.append(code)
    return tuple(out)


def family_codes(family: str, level: str) -> tuple[str, ...]:
    return tuple(c for c in applicable_codes(level) if DEFECTS[c].family == family)
