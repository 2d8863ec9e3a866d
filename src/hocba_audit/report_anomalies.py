"""Mark anomalies for subject departments (department edition): distributions by school,
class, subject and teacher against the city, and flags for heaping at 10, identical TX patterns,
outlier class means, GK/CK discordance and jumps between semesters.

Results are aggregates per class, subject and teacher code: no pupil and no name appears."""

from __future__ import annotations

from typing import Any

import duckdb

from hocba_audit.report_school import Table

#: Thresholds of the flags (documented in docs/reports.md).
MIN_MARKS = 20            # a class × subject needs this many marks to be flagged
HEAPING_RATIO = 2.0       # share of 10s at least this many times the city's for the subject
HEAPING_MIN_SHARE = 0.15  # ... and at least this share
IDENTICAL_TX_SHARE = 0.5  # share of pupils with the class's most common TX sequence
OUTLIER_Z = 2.5           # class mean this many SDs from the city's class means of the subject
DISCORDANCE_POINTS = 4.0  # |GK − CK| of a pupil at least this many points
DISCORDANCE_SHARE = 0.2   # ... for at least this share of the class's pupils
JUMP_POINTS = 3.0         # |ĐTB HK2 − ĐTB HK1| at least this many points
JUMP_SHARE = 0.2          # ... for at least this share of the class's pupils

def vn_number(x: float, decimals: int = 2, sign: bool = False) -> str:
    """'8,02', '+2,6': a decimal comma, like the report tables and the charts' tooltips."""
    return f"{x:{'+' if sign else ''}.{decimals}f}".replace(".", ",")


def vn_share(x: float | None) -> str:
    """'17 %' (whole percent, a space before the sign, as in Vietnamese typography)."""
    return "" if x is None else f"{x * 100:.0f} %"


#: The five flags, in the order the explorer lists them, with what raises each (Vietnamese).
FLAGS: tuple[tuple[str, str], ...] = (
    ("Dồn điểm 10", f"tỉ lệ điểm 10 của lớp ≥ {vn_share(HEAPING_MIN_SHARE)} và ≥ {HEAPING_RATIO:g} lần tỉ lệ của "
                    "môn trong thành phố"),
    ("Chuỗi điểm TX giống hệt nhau", f"≥ {vn_share(IDENTICAL_TX_SHARE)} học sinh của lớp có cùng một chuỗi điểm TX"),
    ("Điểm trung bình lớp bất thường", f"điểm trung bình của lớp lệch ≥ {vn_number(OUTLIER_Z, 1)} độ lệch chuẩn so với các "
                                       "lớp cùng môn trong thành phố"),
    ("Điểm GK và CK chênh lệch lớn", f"≥ {vn_share(DISCORDANCE_SHARE)} học sinh chênh ≥ {DISCORDANCE_POINTS:g} điểm "
                                     "giữa điểm giữa kì và cuối kì"),
    ("Điểm trung bình thay đổi đột ngột giữa hai học kì", f"≥ {vn_share(JUMP_SHARE)} học sinh có điểm trung bình "
                                                          f"học kì II khác học kì I ≥ {JUMP_POINTS:g} điểm"),
)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, args: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, args or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def class_subject_stats(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per school, class, subject, semester: marks, mean, share of 10s, teacher code, and the
    city's figures for the same subject (the same denominators: numeric marks 0–10)."""
    return _rows(con, """
        WITH m AS (SELECT * FROM marks WHERE value BETWEEN 0 AND 10),
        c AS (SELECT school_id, class_name, subject_code, semester, count(*) AS n,
                     avg(value)::DOUBLE AS mean, avg((value = 10)::INT)::DOUBLE AS share_10
              FROM m GROUP BY ALL),
        city AS (SELECT subject_code, avg(value)::DOUBLE AS city_mean,
                        avg((value = 10)::INT)::DOUBLE AS city_share_10 FROM m GROUP BY ALL),
        cm AS (SELECT subject_code, avg(mean) AS mean_of_means, stddev_samp(mean) AS sd_of_means
               FROM c WHERE n >= $1 GROUP BY ALL)
        SELECT c.*, s.level, city.city_mean, city.city_share_10, cm.mean_of_means, cm.sd_of_means,
               (SELECT min(t.teacher_code) FROM teaching_assignments t WHERE t.school_id = c.school_id
                  AND t.class_name = c.class_name AND t.subject_code = c.subject_code
                  AND (t.semester = c.semester OR t.semester IS NULL)) AS teacher_code
        FROM c JOIN city USING (subject_code) LEFT JOIN cm USING (subject_code)
        JOIN (SELECT school_id, max(level) AS level FROM schools GROUP BY 1) s USING (school_id)
        ORDER BY school_id, class_name, subject_code, semester""", [MIN_MARKS])


def identical_tx(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per class, subject, semester: share of pupils whose TX sequence is the class's most common."""
    return _rows(con, """
        WITH seq AS (SELECT school_id, class_name, subject_code, semester, pupil_code,
                            string_agg(CAST(value AS VARCHAR), ';' ORDER BY idx) AS pattern, count(*) AS k
                     FROM marks WHERE kind = 'TX' AND value IS NOT NULL GROUP BY ALL HAVING count(*) >= 3),
        g AS (SELECT school_id, class_name, subject_code, semester, pattern, count(*) AS same
              FROM seq GROUP BY ALL),
        tot AS (SELECT school_id, class_name, subject_code, semester, count(*) AS pupils FROM seq GROUP BY ALL)
        SELECT school_id, class_name, subject_code, semester, max(same) AS same, any_value(pupils) AS pupils,
               max(same)::DOUBLE / any_value(pupils) AS share
        FROM g JOIN tot USING (school_id, class_name, subject_code, semester)
        GROUP BY ALL HAVING any_value(pupils) >= 5 ORDER BY share DESC""")


def discordance(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per class, subject, semester: share of pupils whose GK and CK differ by DISCORDANCE_POINTS+."""
    return _rows(con, """
        WITH p AS (SELECT school_id, class_name, subject_code, semester, pupil_code,
                          max(value) FILTER (WHERE kind = 'GK') AS gk, max(value) FILTER (WHERE kind = 'CK') AS ck
                   FROM marks WHERE kind IN ('GK', 'CK') AND value BETWEEN 0 AND 10 GROUP BY ALL)
        SELECT school_id, class_name, subject_code, semester, count(*) AS pupils,
               avg((abs(gk - ck) >= $1)::INT)::DOUBLE AS share
        FROM p WHERE gk IS NOT NULL AND ck IS NOT NULL GROUP BY ALL HAVING count(*) >= 5
        ORDER BY share DESC""", [DISCORDANCE_POINTS])


def semester_jumps(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per class and subject: share of pupils whose HK2 average moved JUMP_POINTS+ from HK1."""
    return _rows(con, """
        WITH p AS (SELECT school_id, class_name, subject_code, pupil_code,
                          max(average) FILTER (WHERE period = 'HK1') AS hk1,
                          max(average) FILTER (WHERE period = 'HK2') AS hk2
                   FROM subject_results WHERE average BETWEEN 0 AND 10 GROUP BY ALL)
        SELECT school_id, class_name, subject_code, count(*) AS pupils,
               avg((abs(hk2 - hk1) >= $1)::INT)::DOUBLE AS share
        FROM p WHERE hk1 IS NOT NULL AND hk2 IS NOT NULL GROUP BY ALL HAVING count(*) >= 5
        ORDER BY share DESC""", [JUMP_POINTS])


def anomaly_flags(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every flag as {flag, school_id, class_name, subject_code, semester, teacher_code, value, city, detail}."""
    flags: list[dict[str, Any]] = []
    stats = class_subject_stats(con)
    teacher = {(s["school_id"], s["class_name"], s["subject_code"], s["semester"]): s["teacher_code"] for s in stats}
    for s in stats:
        if s["n"] < MIN_MARKS:
            continue
        key = dict(school_id=s["school_id"], class_name=s["class_name"], subject_code=s["subject_code"],
                   semester=s["semester"], teacher_code=s["teacher_code"])
        if s["share_10"] >= HEAPING_MIN_SHARE and s["share_10"] >= HEAPING_RATIO * (s["city_share_10"] or 0):
            flags.append(key | {"flag": "Dồn điểm 10", "value": s["share_10"], "city": s["city_share_10"],
                                "detail": f"{vn_share(s['share_10'])} điểm 10 (thành phố {vn_share(s['city_share_10'])})"})
        sd = s["sd_of_means"]
        if sd and abs(s["mean"] - s["mean_of_means"]) / sd >= OUTLIER_Z:
            z = (s["mean"] - s["mean_of_means"]) / sd
            flags.append(key | {"flag": "Điểm trung bình lớp bất thường", "value": s["mean"],
                                "city": s["mean_of_means"],
                                "detail": f"trung bình {vn_number(s['mean'])}, lệch {vn_number(z, 1, sign=True)} độ lệch chuẩn"})
    def class_flag(flag: str, r: dict, detail: str) -> dict:
        k = (r["school_id"], r["class_name"], r["subject_code"], r["semester"])
        return {"flag": flag, "school_id": k[0], "class_name": k[1], "subject_code": k[2], "semester": k[3],
                "teacher_code": teacher.get(k), "value": r["share"], "city": None, "detail": detail}

    for r in identical_tx(con):
        if r["share"] >= IDENTICAL_TX_SHARE:
            flags.append(class_flag("Chuỗi điểm TX giống hệt nhau", r,
                                    f"{r['same']}/{r['pupils']} học sinh cùng một chuỗi điểm TX"))
    for r in discordance(con):
        if r["share"] >= DISCORDANCE_SHARE:
            flags.append(class_flag("Điểm GK và CK chênh lệch lớn", r,
                                    f"{vn_share(r['share'])} học sinh chênh ≥ {DISCORDANCE_POINTS:g} điểm"))
    for r in semester_jumps(con):
        if r["share"] >= JUMP_SHARE:
            flags.append({"flag": "Điểm trung bình thay đổi đột ngột giữa hai học kì", "school_id": r["school_id"],
                          "class_name": r["class_name"], "subject_code": r["subject_code"], "semester": None,
                          "teacher_code": teacher.get((r["school_id"], r["class_name"], r["subject_code"], 2)),
                          "value": r["share"], "city": None,
                          "detail": f"{vn_share(r['share'])} học sinh thay đổi ≥ {JUMP_POINTS:g} điểm"})
    return flags


def flag_summary(flags: list[dict[str, Any]]) -> Table:
    """Every flag kind with its count (0 included: a check that ran and found nothing is shown)."""
    counts: dict[str, int] = {}
    for f in flags:
        counts[f["flag"]] = counts.get(f["flag"], 0) + 1
    unknown = set(counts) - {name for name, _ in FLAGS}
    if unknown:
        raise ValueError(f"flags without a summary row: {sorted(unknown)}")
    return Table(("Dấu hiệu", "Ngưỡng", "Số lớp × môn"), tuple((name, rule, counts.get(name, 0)) for name, rule in FLAGS))


def flags_table(flags: list[dict[str, Any]]) -> Table:
    return Table(("Dấu hiệu", "Mã trường", "Lớp", "Môn", "Học kì", "Mã giáo viên", "Chi tiết"),
                 tuple((f["flag"], f["school_id"], f["class_name"], f["subject_code"], f["semester"] or "",
                        f["teacher_code"] or "", f["detail"]) for f in flags))
