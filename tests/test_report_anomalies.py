"""The department explorer's flags: every kind listed with its count (0 too), details worded with
Vietnamese decimals; city figures per level (a class is compared with its own level only);
primary periodic test scores (TT 27) in the distributions and flagged for heaping and outliers,
and the flags that do not apply to primary never raised there. Each test builds a small grade
book here."""

from __future__ import annotations

import re

import duckdb
import pytest

from hocba_audit.model import create_schema
from hocba_audit.report_anomalies import (
    DISCORDANCE, FLAGS, HEAPING, IDENTICAL_TX, JUMP, OUTLIER, anomaly_flags, class_subject_stats,
    flag_applicability, flag_summary, flags_table, vn_number, vn_share,
)

YEAR = "2025-2026"
PUPILS = 25


def _db(*schools: tuple[str, str | None]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    create_schema(con)
    con.executemany("INSERT INTO schools (school_id, level) VALUES (?, ?)", list(schools))
    return con


def _class(con, school: str, cls: str, grade: int | None) -> None:
    con.execute("INSERT INTO classes (school_id, school_year, class_name, grade) VALUES (?, ?, ?, ?)",
                [school, YEAR, cls, grade])


def _marks(con, school: str, cls: str, values: list[float], subject: str = "TOAN", semester: int = 1,
           kind: str = "CK", idx: int = 1) -> None:
    """One mark per pupil (pupil i gets values[i])."""
    con.executemany(
        "INSERT INTO marks (school_id, school_year, class_name, pupil_code, subject_code, semester, kind, idx, value) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[school, YEAR, cls, f"HS{school}{cls}{p:03d}", subject, semester, kind, idx, v] for p, v in enumerate(values)])


def _tests(con, school: str, cls: str, values: list[float | None], subject: str = "TOAN",
           checkpoint: str = "CK1") -> None:
    """One primary periodic test score per pupil at a checkpoint (pupil i gets values[i])."""
    con.executemany(
        "INSERT INTO primary_evaluations (school_id, school_year, class_name, pupil_code, item_kind, item_code, "
        "checkpoint, level, test_score) VALUES (?, ?, ?, ?, 'môn học', ?, ?, 'H', ?)",
        [[school, YEAR, cls, f"HS{school}{cls}{p:03d}", subject, checkpoint, v] for p, v in enumerate(values)])


def _tens(k: int, other: float = 7.0) -> list[float]:
    """PUPILS marks of which k are 10."""
    return [10.0] * k + [other] * (PUPILS - k)


def _flagged(flags, kind: str) -> list[tuple[str, str]]:
    return sorted((f["school_id"], f["class_name"]) for f in flags if f["flag"] == kind)


def test_vietnamese_numbers():
    assert (vn_number(8.0234), vn_number(2.56, 1, sign=True), vn_share(0.171), vn_share(None)) == (
        "8,02", "+2,6", "17 %", "")


def test_every_flag_kind_is_listed_with_its_count():
    con = _db(("S1", "THCS"), ("S2", "THCS"))
    # 6 classes of 25 pupils in TOAN; class 6A of S1 gives 10 to everyone (heaping, outlier)
    for school in ("S1", "S2"):
        for k, cls in enumerate(("6A", "6B", "6C")):
            _marks(con, school, cls, [10 if (school, cls) == ("S1", "6A") else 5 + (p + k) % 3 for p in range(PUPILS)])
    flags = anomaly_flags(con)
    heaping = [f for f in flags if f["flag"] == HEAPING]
    assert [(f["school_id"], f["class_name"], f["level"]) for f in heaping] == [("S1", "6A", "THCS")]
    assert heaping[0]["detail"] == "100 % điểm 10 (THCS toàn thành phố: 17 %)"
    summary = flag_summary(flags)
    assert summary.column("Dấu hiệu") == [name for name, _ in FLAGS] and len(FLAGS) == 5
    counts = dict(zip(summary.column("Dấu hiệu"), summary.column("Số lớp × môn")))
    assert counts[HEAPING] == 1 and counts[IDENTICAL_TX] == 0
    assert dict(zip(summary.column("Dấu hiệu"), summary.column("THCS")))[HEAPING] == 1
    assert all("." not in f["detail"] for f in flags)  # no decimal point in any detail
    assert "≥ 15 %" in summary.rows[0][1] and "≥ 2,5 độ lệch chuẩn" in summary.rows[2][1]


def test_heaping_baseline_is_the_class_level_not_the_pooled_city():
    """THCS classes with 20 % of 10s among THPT classes with none: pooled, the city's share of 10s
    in TOAN is 15/325 = 4,6 % and every THCS class (20 % ≥ 15 % and ≥ 2 × 4,6 %) would be flagged;
    against THCS only (20 %) none is."""
    con = _db(("C", "THCS"), ("P", "THPT"))
    for i in range(3):
        _marks(con, "C", f"7A{i}", _tens(5))
    for i in range(10):
        _marks(con, "P", f"10A{i}", [7.0] * PUPILS)
    pooled = 15 / (13 * PUPILS)
    assert 0.2 >= 0.15 and 0.2 >= 2 * pooled  # what a pooled baseline would flag
    stats = class_subject_stats(con)
    assert {s["level"]: s["city_share_10"] for s in stats} == {"THCS": pytest.approx(0.2), "THPT": 0.0}
    assert _flagged(anomaly_flags(con), HEAPING) == []


def test_outlier_baseline_is_the_class_level_and_an_inter_level_school_splits_by_grade():
    """A THPT class with mean 7,0 among THPT classes near 6,0 is an outlier of its level; pooled
    with THCS classes near 8,0 it sits at the centre and would not be. The THPT classes are in an
    inter-level school ('THCS-THPT'): the grade of the class gives its level."""
    con = _db(("M", "THCS-THPT"), ("C", "THCS"))
    for i in range(12):
        _class(con, "M", f"11A{i}", 11)
        _marks(con, "M", f"11A{i}", [7.0 if i == 0 else 5.9 + 0.2 * (i % 2)] * PUPILS)
        _marks(con, "C", f"8A{i}", [7.9 + 0.2 * (i % 2)] * PUPILS)
    levels = {(s["school_id"], s["level"]) for s in class_subject_stats(con)}
    assert levels == {("M", "THPT"), ("C", "THCS")}
    flags = anomaly_flags(con)
    assert _flagged(flags, OUTLIER) == [("M", "11A0")]
    outlier = next(f for f in flags if f["flag"] == OUTLIER)
    assert outlier["level"] == "THPT" and "so với 12 lớp × học kì (THPT" in outlier["detail"]
    # pooled: mean and SD of all 24 class means; the class would be well inside
    means = [7.0] + [5.9 + 0.2 * (i % 2) for i in range(1, 12)] + [7.9 + 0.2 * (i % 2) for i in range(12)]
    m = sum(means) / len(means)
    sd = (sum((x - m) ** 2 for x in means) / (len(means) - 1)) ** 0.5
    assert abs(7.0 - m) / sd < 1


def test_level_from_grade_when_the_school_has_none_and_unknown_otherwise():
    con = _db(("X", None), ("Y", ""))
    _class(con, "X", "4A", 4)
    _class(con, "X", "9A", 9)
    for school, cls in (("X", "4A"), ("X", "9A"), ("Y", "6A")):
        _marks(con, school, cls, [7.0] * PUPILS)
    got = {(s["school_id"], s["class_name"]): s["level"] for s in class_subject_stats(con)}
    assert got == {("X", "4A"): "TH", ("X", "9A"): "THCS", ("Y", "6A"): "?"}


def test_primary_test_scores_are_in_the_distributions_and_flagged_for_heaping_and_outliers():
    """12 primary classes (TT 27 periodic tests at CK1 and CN); class 3A0 has 13/25 tens at CK1.
    Against primary classes only (city 13/600 ≈ 2 %) it heaps; pooled with THCS classes where 80 %
    of TOAN marks are 10, the city share would be (13 + 240)/900 ≈ 28 % and 52 % < 2 × 28 %."""
    con = _db(("T", "TH"), ("C", "THCS"))
    for i in range(12):
        _tests(con, "T", f"3A{i}", _tens(13, 6.0) if i == 0 else [6.0 + (p % 3) for p in range(PUPILS)], "TOAN", "CK1")
        _tests(con, "T", f"3A{i}", [6.0 + (p % 3) for p in range(PUPILS)], "TOAN", "CN")
        _marks(con, "C", f"6A{i}", _tens(20))
    # scores TT 27 does not allow (0, a decimal, 11) are left to the rules, not counted
    _tests(con, "T", "3A1", [0.0, 8.5, 11.0], "KHOA_HOC", "CK1")
    stats = class_subject_stats(con)
    primary = [s for s in stats if s["school_id"] == "T"]
    assert {s["level"] for s in primary} == {"TH"} and {s["source"] for s in primary} == {"TT27"}
    assert {s["subject_code"] for s in primary} == {"TOAN"}
    a0 = next(s for s in primary if s["class_name"] == "3A0" and s["semester"] == 1)
    assert (a0["n"], a0["share_10"], a0["city_share_10"]) == (PUPILS, 13 / PUPILS, pytest.approx(13 / 600))
    flags = anomaly_flags(con)
    assert ("T", "3A0") in _flagged(flags, HEAPING)
    assert ("T", "3A0") in _flagged(flags, OUTLIER)
    heap = next(f for f in flags if f["flag"] == HEAPING and f["school_id"] == "T")
    assert (heap["level"], heap["semester"]) == ("TH", 1)
    assert heap["detail"] == "52 % điểm 10 (Tiểu học toàn thành phố: 2 %)"
    assert not [f for f in flags if f["school_id"] == "T" and f["class_name"] != "3A0"]


def test_primary_gk_ck_discordance_pairs_the_tests_of_one_semester():
    """Grade 4 TOAN has GK1/CK1 and GK2/CN; 8 of 25 pupils drop 5 points from GK1 to CK1.
    Grade 3 has only CK1 and CN tests: those two are not a GK/CK pair."""
    con = _db(("T", "TH"))
    _tests(con, "T", "4A", [9.0] * PUPILS, "TOAN", "GK1")
    _tests(con, "T", "4A", [4.0] * 8 + [9.0] * 17, "TOAN", "CK1")
    _tests(con, "T", "4A", [8.0] * PUPILS, "TOAN", "GK2")
    _tests(con, "T", "4A", [8.0] * PUPILS, "TOAN", "CN")
    _tests(con, "T", "3A", [9.0] * PUPILS, "TOAN", "CK1")
    _tests(con, "T", "3A", [3.0] * PUPILS, "TOAN", "CN")
    flags = [f for f in anomaly_flags(con) if f["flag"] == DISCORDANCE]
    assert [(f["class_name"], f["semester"], f["level"]) for f in flags] == [("4A", 1, "TH")]
    assert flags[0]["detail"] == "32 % học sinh chênh ≥ 4 điểm giữa bài kiểm tra giữa HK I và cuối HK I"


def _tx_and_jumps(con, school: str, cls: str) -> None:
    """Identical TX sequences and HK1 → HK2 average jumps for every pupil of a class (TT 22 tables),
    and primary tests with one sequence for everyone and a 6-point fall from CK1 to CN."""
    for idx, v in enumerate((8.0, 7.0, 9.0), start=1):
        _marks(con, school, cls, [v] * PUPILS, kind="TX", idx=idx)
    con.executemany(
        "INSERT INTO subject_results (school_id, school_year, class_name, pupil_code, subject_code, period, average) "
        "VALUES (?, ?, ?, ?, 'TOAN', ?, ?)",
        [[school, YEAR, cls, f"HS{school}{cls}{p:03d}", period, avg]
         for p in range(PUPILS) for period, avg in (("HK1", 8.5), ("HK2", 4.0))])
    for cp, v in (("GK1", 9.0), ("CK1", 9.0), ("GK2", 3.0), ("CN", 3.0)):
        _tests(con, school, cls, [v] * PUPILS, "TOAN", cp)


def test_flags_not_applicable_to_primary_are_never_raised_there():
    """The same records in a primary and in a THCS school: identical TX patterns and semester
    jumps are raised for the THCS class only. The primary school even carries stray TT 22 rows
    (TX marks, semester averages): they do not make those flags apply to primary."""
    con = _db(("T", "TH"), ("C", "THCS"))
    _class(con, "T", "4A", 4)
    _class(con, "C", "6A", 6)
    _tx_and_jumps(con, "T", "4A")
    _tx_and_jumps(con, "C", "6A")
    flags = anomaly_flags(con)
    assert _flagged(flags, IDENTICAL_TX) == [("C", "6A")]
    assert _flagged(flags, JUMP) == [("C", "6A")]
    assert not [f for f in flags if f["level"] == "TH" and f["flag"] in (IDENTICAL_TX, JUMP)]
    summary = flag_summary(flags)
    by_flag = dict(zip(summary.column("Dấu hiệu"), summary.column("Tiểu học")))
    assert by_flag[IDENTICAL_TX] == by_flag[JUMP] == "không áp dụng"
    assert by_flag[HEAPING] == 0 and by_flag[DISCORDANCE] == 0
    scope = dict(zip(flag_applicability().column("Dấu hiệu"), flag_applicability().column("Tiểu học (TT 27/2020)")))
    assert scope[IDENTICAL_TX].startswith("Không áp dụng") and scope[JUMP].startswith("Không áp dụng")
    assert scope[HEAPING].startswith("Áp dụng") and scope[OUTLIER].startswith("Áp dụng")


def test_no_pupil_code_in_what_the_explorer_shows():
    con = _db(("T", "TH"), ("C", "THCS"))
    _class(con, "C", "6A", 6)
    _tx_and_jumps(con, "T", "4A")
    _tx_and_jumps(con, "C", "6A")
    pupils = {r[0] for r in con.execute("SELECT pupil_code FROM marks UNION SELECT pupil_code FROM primary_evaluations")
              .fetchall()}
    flags = anomaly_flags(con)
    shown = repr(class_subject_stats(con)) + repr(flags) + repr(flags_table(flags).rows)
    assert flags and not [p for p in pupils if p in shown]


def test_numbers_written_the_vietnamese_way_are_right_aligned_and_codes_are_not():
    """The explorer's tables carry means and shares as text ('7,82', '24 %'): they line up
    on the right like numbers; codes made of digits (school, pupil) stay on the left."""
    from hocba_audit.report_school import Table

    html = Table(("a", "b", "c", "d", "e", "f"), (("7,82", "24 %", "+2,6", "31200000", "2025-2026", 3),)).to_html()
    aligns = re.findall(r'<td style="text-align:(\w+)">', html)
    assert aligns == ["right", "right", "right", "left", "left", "right"]
