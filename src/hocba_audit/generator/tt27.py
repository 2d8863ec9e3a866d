"""TT 27/2020 (primary) year-result rules that keep generated TH data consistent (domain §2.4)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

HTXS, HTT, HT, CHT = "HTXS", "HTT", "HT", "CHT"
OVERALL_LEVELS = (CHT, HT, HTT, HTXS)
SUBJECT_LEVELS = ("T", "H", "C")
QC_LEVELS = ("T", "Đ", "C")
AWARD_EXCELLENT = "Học sinh Xuất sắc"
AWARD_EXEMPLARY = "Học sinh Tiêu biểu"


def overall(subject_levels: Sequence[str], qc_levels: Sequence[str],
            year_tests: Sequence[Decimal]) -> str:
    """Year overall result from the CN subject levels, quality/competence levels and CN tests."""
    all_t = all(s == "T" for s in subject_levels) and all(q == "T" for q in qc_levels)
    if all_t and all(t >= 9 for t in year_tests):
        return HTXS
    if all_t and all(t >= 7 for t in year_tests):
        return HTT
    if (
        all(s in ("T", "H") for s in subject_levels)
        and all(q in ("T", "Đ") for q in qc_levels)
        and all(t >= 5 for t in year_tests)
    ):
        return HT
    return CHT


def award(level: str, exemplary_draw: float) -> str | None:
    """Học sinh Xuất sắc ⇔ HTXS; some HTT pupils are Học sinh Tiêu biểu (class endorsement)."""
    if level == HTXS:
        return AWARD_EXCELLENT
    if level == HTT and exemplary_draw < 0.4:
        return AWARD_EXEMPLARY
    return None
