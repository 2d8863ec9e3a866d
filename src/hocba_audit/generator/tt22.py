"""TT 22/2021 arithmetic and decision rules used to make generated THCS/THPT/GDTX data consistent.

All averages use ``Decimal`` with ROUND_HALF_UP to one decimal (domain.md §1.4). Level codes:
T (Tốt), K (Khá), Đ (Đạt), CĐ (Chưa đạt).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

TENTH = Decimal("0.1")
LEVELS = ("CĐ", "Đ", "K", "T")
RANK = {lvl: i for i, lvl in enumerate(LEVELS)}

PROMOTED = "Lên lớp"
PROMOTED_AFTER = "Lên lớp sau kiểm tra lại/rèn luyện hè"
RETAINED = "Ở lại lớp"
COMPLETED = "Hoàn thành chương trình"
NOT_COMPLETED = "Chưa hoàn thành chương trình"
AWARD_EXCELLENT = "Học sinh Xuất sắc"
AWARD_GOOD = "Học sinh Giỏi"
MAX_ABSENCES = 45

_8, _65, _5 = Decimal("8.0"), Decimal("6.5"), Decimal("5.0")
_35, _9 = Decimal("3.5"), Decimal("9.0")


def round1(x: Decimal) -> Decimal:
    """Half-up rounding to one decimal."""
    return x.quantize(TENTH, rounding=ROUND_HALF_UP)


def semester_average(tx: Sequence[Decimal], gk: Decimal, ck: Decimal) -> Decimal:
    """ĐTBmhk = (ΣTX + 2·GK + 3·CK) / (nTX + 5), rounded half-up to one decimal."""
    return round1((sum(tx, Decimal(0)) + 2 * gk + 3 * ck) / (len(tx) + 5))


def tx_first_average(tx: Sequence[Decimal], gk: Decimal, ck: Decimal) -> Decimal:
    """The non-TT22 variant some apps use: the TX scores are averaged first, then weight 1 (÷ 6)."""
    return round1((sum(tx, Decimal(0)) / len(tx) + 2 * gk + 3 * ck) / 6)


def year_average(hk1: Decimal, hk2: Decimal) -> Decimal:
    """ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3 from the recorded (rounded) semester averages."""
    return round1((hk1 + 2 * hk2) / 3)


def comment_level(tokens: Sequence[str], required: int) -> str:
    """Semester level of a comment-only subject: Đ iff enough assessments and all of them Đ."""
    return "Đ" if len(tokens) >= required and all(t == "Đ" for t in tokens) else "CĐ"


def base_academic_level(scores: Sequence[Decimal], comments: Sequence[str]) -> str:
    """Kết quả học tập from the table of Điều 9 khoản 2 (no adjustment)."""
    all_c = all(c == "Đ" for c in comments)
    if all_c and all(s >= _65 for s in scores) and sum(s >= _8 for s in scores) >= 6:
        return "T"
    if all_c and all(s >= _5 for s in scores) and sum(s >= _65 for s in scores) >= 6:
        return "K"
    if (
        sum(c != "Đ" for c in comments) <= 1
        and sum(s >= _5 for s in scores) >= 6
        and all(s >= _35 for s in scores)
    ):
        return "Đ"
    return "CĐ"


def academic_level(scores: Sequence[Decimal], comments: Sequence[str]) -> str:
    """Kết quả học tập with the Điều 9 khoản 3 adjustment.

    Reading implemented (documented in docs/generator.md): compute the base level L; if leaving
    out one single subject (score or comment subject) would give Tốt or Khá and that is at least
    two levels above L, the result is raised one level above L.
    """
    base = base_academic_level(scores, comments)
    r = RANK[base]
    if r >= RANK["K"]:
        return base
    for i in range(len(scores)):
        w = base_academic_level([*scores[:i], *scores[i + 1:]], comments)
        if w in ("T", "K") and RANK[w] - r >= 2:
            return LEVELS[r + 1]
    for j in range(len(comments)):
        w = base_academic_level(scores, [*comments[:j], *comments[j + 1:]])
        if w in ("T", "K") and RANK[w] - r >= 2:
            return LEVELS[r + 1]
    return base


def conduct_year(hk1: str, hk2: str) -> str:
    """Year kết quả rèn luyện from the two semesters (Điều 8; domain.md §1.7)."""
    if hk2 == "T":
        return "T" if hk1 in ("T", "K") else "K"
    if hk2 == "K":
        return "Đ" if hk1 == "CĐ" else "K"
    if hk2 == "Đ":
        return "K" if hk1 == "T" else "Đ"
    return "CĐ"


def decision(
    final_grade: bool,
    conduct: str,
    academic: str,
    absences: int,
    summer_conduct: str | None,
    retest_academic: str | None,
) -> str:
    """Year-end decision (Điều 12-14): promotion, or completion in the last grade of the level."""
    ok_direct = RANK[conduct] >= 1 and RANK[academic] >= 1
    eff_conduct = summer_conduct if conduct == "CĐ" else conduct
    eff_academic = retest_academic if academic == "CĐ" else academic
    ok_after = (
        eff_conduct is not None
        and eff_academic is not None
        and RANK[eff_conduct] >= 1
        and RANK[eff_academic] >= 1
    )
    if absences > MAX_ABSENCES or not ok_after:
        return NOT_COMPLETED if final_grade else RETAINED
    if final_grade:
        return COMPLETED
    return PROMOTED if ok_direct else PROMOTED_AFTER


def award(conduct: str, academic: str, year_scores: Sequence[Decimal]) -> str | None:
    """Điều 15: Xuất sắc (T/T and ≥ 6 score subjects with ĐTBmcn ≥ 9.0), Giỏi (T/T)."""
    if conduct != "T" or academic != "T":
        return None
    return AWARD_EXCELLENT if sum(s >= _9 for s in year_scores) >= 6 else AWARD_GOOD
