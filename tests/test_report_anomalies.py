"""The department explorer's flags: every kind listed with its count (0 too), details worded with
Vietnamese decimals, on a small grade book built here."""

from __future__ import annotations

import duckdb

from hocba_audit.model import create_schema
from hocba_audit.report_anomalies import FLAGS, anomaly_flags, flag_summary, vn_number, vn_share


def test_vietnamese_numbers():
    assert (vn_number(8.0234), vn_number(2.56, 1, sign=True), vn_share(0.171), vn_share(None)) == (
        "8,02", "+2,6", "17 %", "")


def test_every_flag_kind_is_listed_with_its_count():
    con = duckdb.connect(":memory:")
    create_schema(con)
    con.execute("INSERT INTO schools (school_id, level) VALUES ('S1', 'THCS'), ('S2', 'THCS')")
    # 6 classes of 25 pupils in TOAN; class 6A of S1 gives 10 to everyone (heaping, outlier)
    for school in ("S1", "S2"):
        for k, cls in enumerate(("6A", "6B", "6C")):
            for p in range(25):
                value = 10 if (school, cls) == ("S1", "6A") else 5 + (p + k) % 3
                con.execute("INSERT INTO marks (school_id, school_year, class_name, pupil_code, subject_code, "
                            "semester, kind, idx, value) VALUES (?, '2025-2026', ?, ?, 'TOAN', 1, 'CK', 1, ?)",
                            [school, cls, f"{school}{cls}{p}", value])
    flags = anomaly_flags(con)
    heaping = [f for f in flags if f["flag"] == "Dồn điểm 10"]
    assert [(f["school_id"], f["class_name"]) for f in heaping] == [("S1", "6A")]
    assert heaping[0]["detail"] == "100 % điểm 10 (thành phố 17 %)"
    summary = flag_summary(flags)
    assert summary.column("Dấu hiệu") == [name for name, _ in FLAGS] and len(FLAGS) == 5
    counts = dict(zip(summary.column("Dấu hiệu"), summary.column("Số lớp × môn")))
    assert counts["Dồn điểm 10"] == 1 and counts["Chuỗi điểm TX giống hệt nhau"] == 0
    assert all("." not in f["detail"] for f in flags)  # no decimal point in any detail
    assert "≥ 15 %" in summary.rows[0][1] and "≥ 2,5 độ lệch chuẩn" in summary.rows[2][1]
