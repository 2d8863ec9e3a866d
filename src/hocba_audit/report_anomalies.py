"""Mark anomalies for subject departments (department edition): distributions by school,
class, subject and teacher against the city, and flags for heaping at 10, identical TX patterns,
outlier class means, GK/CK discordance and jumps between semesters.

Two kinds of marks are read (``graded_marks``):

* THCS, THPT and GDTX: the grade book of TT 22/2021 (``marks``: TX, GK, CK, 0-10);
* primary: the periodic test scores of TT 27/2020 (``primary_evaluations.test_score`` of the
  subjects, at GK1, CK1, GK2 and CN; whole numbers 1-10, domain.md §2.2). A checkpoint belongs
  to a semester (GK1, CK1: I; GK2, CN: II; CN, the year-end test, is taken as the end-of-term
  test of semester II) and is a mid-term (GK*) or an end-of-term (CK1, CN) test.

Every "city" figure is computed per level (cấp học) and subject: a class is compared with the
classes of its own level only (``LEVEL_SQL``). Which flag applies to which level is declared in
``FLAG_SCOPE`` and shown by ``flag_applicability``.

Results are aggregates per class, subject and teacher code: no pupil and no name appears."""

from __future__ import annotations

from typing import Any

import duckdb

from hocba_audit.report_school import Table

#: Thresholds of the flags (documented in docs/reports.md).
MIN_MARKS = 20            # a class × subject needs this many marks to be flagged
HEAPING_RATIO = 2.0       # share of 10s at least this many times the city's for the level and subject
HEAPING_MIN_SHARE = 0.15  # ... and at least this share
IDENTICAL_TX_SHARE = 0.5  # share of pupils with the class's most common TX sequence
OUTLIER_Z = 2.5           # class mean this many SDs from the city's class means of the level and subject
DISCORDANCE_POINTS = 4.0  # |GK − CK| of a pupil at least this many points
DISCORDANCE_SHARE = 0.2   # ... for at least this share of the class's pupils
JUMP_POINTS = 3.0         # |ĐTB HK2 − ĐTB HK1| at least this many points
JUMP_SHARE = 0.2          # ... for at least this share of the class's pupils

#: Levels (cấp học) in display order, with their Vietnamese names. A class whose level cannot
#: be told (no school level, no grade) gets UNKNOWN_LEVEL and is compared with such classes only.
LEVELS: tuple[str, ...] = ("TH", "THCS", "THPT", "GDTX")
UNKNOWN_LEVEL = "?"
LEVEL_NAMES: dict[str, str] = {"TH": "Tiểu học", "THCS": "THCS", "THPT": "THPT", "GDTX": "GDTX",
                               UNKNOWN_LEVEL: "Chưa rõ cấp học"}

#: The level of a class, from ``schools.level`` (``sl.school_level``) and the class's grade
#: (``cg.grade``): the school's level when it names one level; for an inter-level school
#: ('TH-THCS', 'THCS-THPT' …) or a school without a level, the grade decides (1-5 TH, 6-9 THCS,
#: 10-12 THPT); else UNKNOWN_LEVEL. Primary test scores (TT 27) are always 'TH'.
LEVEL_SQL = f"""CASE WHEN sl.school_level IN ({", ".join(f"'{lv}'" for lv in LEVELS)}) THEN sl.school_level
                     WHEN cg.grade BETWEEN 1 AND 5 THEN 'TH'
                     WHEN cg.grade BETWEEN 6 AND 9 THEN 'THCS'
                     WHEN cg.grade BETWEEN 10 AND 12 THEN 'THPT'
                     ELSE '{UNKNOWN_LEVEL}' END"""

#: Primary checkpoints: (semester, kind of test, Vietnamese name).
CHECKPOINTS: dict[str, tuple[int, str, str]] = {
    "GK1": (1, "GK", "giữa HK I"), "CK1": (1, "CK", "cuối HK I"),
    "GK2": (2, "GK", "giữa HK II"), "CN": (2, "CK", "cuối năm học"),
}


def vn_number(x: float, decimals: int = 2, sign: bool = False) -> str:
    """'8,02', '+2,6': a decimal comma, like the report tables and the charts' tooltips."""
    return f"{x:{'+' if sign else ''}.{decimals}f}".replace(".", ",")


def vn_share(x: float | None) -> str:
    """'17 %' (whole percent, a space before the sign, as in Vietnamese typography)."""
    return "" if x is None else f"{x * 100:.0f} %"


def level_name(level: str | None) -> str:
    return LEVEL_NAMES.get(level or UNKNOWN_LEVEL, level or "")


HEAPING = "Dồn điểm 10"
IDENTICAL_TX = "Chuỗi điểm TX giống hệt nhau"
OUTLIER = "Điểm trung bình lớp bất thường"
DISCORDANCE = "Điểm GK và CK chênh lệch lớn"
JUMP = "Điểm trung bình thay đổi đột ngột giữa hai học kì"

#: The five flags, in the order the explorer lists them, with what raises each (Vietnamese).
FLAGS: tuple[tuple[str, str], ...] = (
    (HEAPING, f"tỉ lệ điểm 10 của lớp ≥ {vn_share(HEAPING_MIN_SHARE)} và ≥ {HEAPING_RATIO:g} lần tỉ lệ của "
              "môn ở cùng cấp học trong thành phố"),
    (IDENTICAL_TX, f"≥ {vn_share(IDENTICAL_TX_SHARE)} học sinh của lớp có cùng một chuỗi điểm TX"),
    (OUTLIER, f"điểm trung bình của lớp lệch ≥ {vn_number(OUTLIER_Z, 1)} độ lệch chuẩn so với các lớp cùng "
              "cấp học, cùng môn trong thành phố"),
    (DISCORDANCE, f"≥ {vn_share(DISCORDANCE_SHARE)} học sinh chênh ≥ {DISCORDANCE_POINTS:g} điểm "
                  "giữa điểm giữa kì và cuối kì"),
    (JUMP, f"≥ {vn_share(JUMP_SHARE)} học sinh có điểm trung bình học kì II khác học kì I ≥ {JUMP_POINTS:g} điểm"),
)

#: Which flags apply to primary test scores (TT 27), and why (Vietnamese, shown in the
#: notebook). Every flag applies to THCS, THPT and GDTX marks (TT 22).
PRIMARY_SCOPE: dict[str, tuple[bool, str]] = {
    HEAPING: (True, "Áp dụng cho điểm bài kiểm tra định kì (thang 1–10), so với các lớp tiểu học cùng môn."),
    IDENTICAL_TX: (False, "Không áp dụng: tiểu học không có điểm đánh giá thường xuyên; đánh giá thường xuyên "
                          "bằng nhận xét (TT 27/2020)."),
    OUTLIER: (True, "Áp dụng: điểm trung bình các bài kiểm tra định kì của lớp trong học kì, so với các lớp "
                    "tiểu học cùng môn."),
    DISCORDANCE: (True, "Áp dụng khi học sinh có cả bài kiểm tra giữa kì và cuối kì của cùng học kì: giữa HK I "
                        "với cuối HK I, giữa HK II với cuối năm học (theo tài liệu nghiệp vụ: Tiếng Việt và Toán "
                        "lớp 4, 5). Bài cuối năm học được coi là bài cuối HK II."),
    JUMP: (False, "Không áp dụng: TT 27/2020 không có điểm trung bình môn học kì; so sánh hai bài kiểm tra "
                  "cuối HK I và cuối năm học là một phép đo khác, chưa được đưa vào."),
}


def applies(flag: str, level: str | None) -> bool:
    """Whether a flag is computed for classes of a level (all flags but two for primary)."""
    return PRIMARY_SCOPE[flag][0] if level == "TH" else True


def flag_applicability() -> Table:
    """Which flag applies to which level, with the reason for primary (Vietnamese)."""
    return Table(("Dấu hiệu", "THCS, THPT, GDTX (TT 22/2021)", "Tiểu học (TT 27/2020)"),
                 tuple((name, "Áp dụng", PRIMARY_SCOPE[name][1]) for name, _ in FLAGS))


def _rows(con: duckdb.DuckDBPyConnection, sql: str, args: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, args or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def graded_marks_sql() -> str:
    """SQL of every numeric mark with its class's level: (school_id, school_year, class_name,
    pupil_code, subject_code, semester, kind, idx, checkpoint, value DOUBLE, level, source).

    TT 22 marks (``marks``) count when 0-10; primary test scores (``primary_evaluations`` of
    subjects at GK1, CK1, GK2, CN) when a whole number 1-10, the only values TT 27 allows (a 0,
    a decimal or an 11 is left to the rules TT27-003, not mixed into the distributions)."""
    cases = " ".join(f"WHEN '{cp}' THEN {sem}" for cp, (sem, _k, _n) in CHECKPOINTS.items())
    kinds = " ".join(f"WHEN '{cp}' THEN '{kind}'" for cp, (_s, kind, _n) in CHECKPOINTS.items())
    cps = ", ".join(f"'{cp}'" for cp in CHECKPOINTS)
    return f"""
        WITH sl AS (SELECT school_id, upper(trim(max(level))) AS school_level FROM schools GROUP BY 1),
        cg AS (SELECT school_id, school_year, class_name, max(grade) AS grade FROM classes GROUP BY ALL)
        SELECT m.school_id, m.school_year, m.class_name, m.pupil_code, m.subject_code, m.semester,
               m.kind, m.idx, NULL::VARCHAR AS checkpoint, m.value::DOUBLE AS value,
               {LEVEL_SQL} AS level, 'TT22' AS source
        FROM marks m LEFT JOIN sl USING (school_id) LEFT JOIN cg USING (school_id, school_year, class_name)
        WHERE m.value BETWEEN 0 AND 10
        UNION ALL
        SELECT e.school_id, e.school_year, e.class_name, e.pupil_code, e.item_code AS subject_code,
               CASE e.checkpoint {cases} END AS semester, CASE e.checkpoint {kinds} END AS kind,
               1 AS idx, e.checkpoint, e.test_score::DOUBLE AS value, 'TH' AS level, 'TT27' AS source
        FROM primary_evaluations e
        WHERE e.item_kind = 'môn học' AND e.checkpoint IN ({cps})
          AND e.test_score BETWEEN 1 AND 10 AND e.test_score = round(e.test_score)"""


def class_subject_stats(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per school, class, subject, semester: level, marks, mean, share of 10s, teacher code, and
    the city's figures for the same level and subject (the same denominators): ``city_mean``,
    ``city_share_10`` over the marks; ``mean_of_means``, ``sd_of_means`` and ``city_classes``
    over the class means of classes × semesters with at least MIN_MARKS marks."""
    return _rows(con, f"""
        WITH m AS ({graded_marks_sql()}),
        c AS (SELECT level, school_id, class_name, subject_code, semester, any_value(source) AS source,
                     count(*) AS n, avg(value) AS mean, avg((value = 10)::INT)::DOUBLE AS share_10
              FROM m GROUP BY level, school_id, class_name, subject_code, semester),
        city AS (SELECT level, subject_code, avg(value) AS city_mean,
                        avg((value = 10)::INT)::DOUBLE AS city_share_10, count(*) AS city_n
                 FROM m GROUP BY ALL),
        cm AS (SELECT level, subject_code, avg(mean) AS mean_of_means, stddev_samp(mean) AS sd_of_means,
                      count(*) AS city_classes
               FROM c WHERE n >= $1 GROUP BY ALL)
        SELECT c.*, city.city_mean, city.city_share_10, city.city_n, cm.mean_of_means, cm.sd_of_means,
               coalesce(cm.city_classes, 0) AS city_classes,
               (SELECT min(t.teacher_code) FROM teaching_assignments t WHERE t.school_id = c.school_id
                  AND t.class_name = c.class_name AND t.subject_code = c.subject_code
                  AND (t.semester = c.semester OR t.semester IS NULL)) AS teacher_code
        FROM c JOIN city USING (level, subject_code) LEFT JOIN cm USING (level, subject_code)
        ORDER BY school_id, class_name, subject_code, semester""", [MIN_MARKS])


def identical_tx(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per class, subject, semester: share of pupils whose TX sequence is the class's most common
    (TT 22 marks only: primary has no TX marks)."""
    return _rows(con, f"""
        WITH seq AS (SELECT level, school_id, class_name, subject_code, semester, pupil_code,
                            string_agg(CAST(value AS VARCHAR), ';' ORDER BY idx) AS pattern, count(*) AS k
                     FROM ({graded_marks_sql()}) WHERE source = 'TT22' AND kind = 'TX'
                     GROUP BY ALL HAVING count(*) >= 3),
        g AS (SELECT level, school_id, class_name, subject_code, semester, pattern, count(*) AS same
              FROM seq GROUP BY ALL),
        tot AS (SELECT level, school_id, class_name, subject_code, semester, count(*) AS pupils
                FROM seq GROUP BY ALL)
        SELECT level, school_id, class_name, subject_code, semester, max(same) AS same,
               any_value(pupils) AS pupils, max(same)::DOUBLE / any_value(pupils) AS share
        FROM g JOIN tot USING (level, school_id, class_name, subject_code, semester)
        GROUP BY ALL HAVING any_value(pupils) >= 5 ORDER BY share DESC""")


def discordance(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per class, subject, semester: share of pupils whose GK and CK differ by DISCORDANCE_POINTS+,
    among the pupils with both. Primary: GK1 with CK1, GK2 with CN (``CHECKPOINTS``)."""
    return _rows(con, f"""
        WITH p AS (SELECT level, source, school_id, class_name, subject_code, semester, pupil_code,
                          max(value) FILTER (WHERE kind = 'GK') AS gk, max(value) FILTER (WHERE kind = 'CK') AS ck
                   FROM ({graded_marks_sql()}) WHERE kind IN ('GK', 'CK') GROUP BY ALL)
        SELECT level, source, school_id, class_name, subject_code, semester, count(*) AS pupils,
               avg((abs(gk - ck) >= $1)::INT)::DOUBLE AS share
        FROM p WHERE gk IS NOT NULL AND ck IS NOT NULL GROUP BY ALL HAVING count(*) >= 5
        ORDER BY share DESC""", [DISCORDANCE_POINTS])


def semester_jumps(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per class and subject: share of pupils whose HK2 average moved JUMP_POINTS+ from HK1
    (recorded ĐTBmhk of TT 22, ``subject_results``; primary has no semester average)."""
    return _rows(con, f"""
        WITH sl AS (SELECT school_id, upper(trim(max(level))) AS school_level FROM schools GROUP BY 1),
        cg AS (SELECT school_id, school_year, class_name, max(grade) AS grade FROM classes GROUP BY ALL),
        p AS (SELECT {LEVEL_SQL} AS level, r.school_id, r.class_name, r.subject_code, r.pupil_code,
                     max(r.average) FILTER (WHERE r.period = 'HK1') AS hk1,
                     max(r.average) FILTER (WHERE r.period = 'HK2') AS hk2
              FROM subject_results r LEFT JOIN sl USING (school_id)
              LEFT JOIN cg USING (school_id, school_year, class_name)
              WHERE r.average BETWEEN 0 AND 10 GROUP BY ALL)
        SELECT level, school_id, class_name, subject_code, count(*) AS pupils,
               avg((abs(hk2 - hk1) >= $1)::INT)::DOUBLE AS share
        FROM p WHERE hk1 IS NOT NULL AND hk2 IS NOT NULL GROUP BY ALL HAVING count(*) >= 5
        ORDER BY share DESC""", [JUMP_POINTS])


def _city_of(level: str) -> str:
    return f"{level_name(level)} toàn thành phố"


def anomaly_flags(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every flag as {flag, level, school_id, class_name, subject_code, semester, teacher_code,
    value, city, detail}. Only the flags that apply to the level are computed (``applies``)."""
    flags: list[dict[str, Any]] = []
    stats = class_subject_stats(con)
    teacher = {(s["school_id"], s["class_name"], s["subject_code"], s["semester"]): s["teacher_code"] for s in stats}
    for s in stats:
        if s["n"] < MIN_MARKS:
            continue
        key = dict(level=s["level"], school_id=s["school_id"], class_name=s["class_name"],
                   subject_code=s["subject_code"], semester=s["semester"], teacher_code=s["teacher_code"])
        if (applies(HEAPING, s["level"]) and s["share_10"] >= HEAPING_MIN_SHARE
                and s["share_10"] >= HEAPING_RATIO * (s["city_share_10"] or 0)):
            flags.append(key | {"flag": HEAPING, "value": s["share_10"], "city": s["city_share_10"],
                                "detail": f"{vn_share(s['share_10'])} điểm 10 ({_city_of(s['level'])}: "
                                          f"{vn_share(s['city_share_10'])})"})
        sd = s["sd_of_means"]
        if applies(OUTLIER, s["level"]) and sd and abs(s["mean"] - s["mean_of_means"]) / sd >= OUTLIER_Z:
            z = (s["mean"] - s["mean_of_means"]) / sd
            flags.append(key | {"flag": OUTLIER, "value": s["mean"], "city": s["mean_of_means"],
                                "detail": f"trung bình {vn_number(s['mean'])}, lệch {vn_number(z, 1, sign=True)} "
                                          f"độ lệch chuẩn so với {s['city_classes']} lớp × học kì "
                                          f"({level_name(s['level'])}, trung bình {vn_number(s['mean_of_means'])})"})

    def class_flag(flag: str, r: dict, detail: str, semester: int | None) -> dict:
        k = (r["school_id"], r["class_name"], r["subject_code"], semester or 2)
        return {"flag": flag, "level": r["level"], "school_id": k[0], "class_name": k[1], "subject_code": k[2],
                "semester": semester, "teacher_code": teacher.get(k), "value": r["share"], "city": None,
                "detail": detail}

    for r in identical_tx(con):
        if r["share"] >= IDENTICAL_TX_SHARE and applies(IDENTICAL_TX, r["level"]):
            flags.append(class_flag(IDENTICAL_TX, r, f"{r['same']}/{r['pupils']} học sinh cùng một chuỗi điểm TX",
                                    r["semester"]))
    for r in discordance(con):
        if r["share"] >= DISCORDANCE_SHARE and applies(DISCORDANCE, r["level"]):
            pair = ""
            if r["source"] == "TT27":
                gk, ck = [cp for cp, (sem, _k, _n) in CHECKPOINTS.items() if sem == r["semester"]]
                pair = f" giữa bài kiểm tra {CHECKPOINTS[gk][2]} và {CHECKPOINTS[ck][2]}"
            flags.append(class_flag(DISCORDANCE, r, f"{vn_share(r['share'])} học sinh chênh ≥ "
                                                    f"{DISCORDANCE_POINTS:g} điểm{pair}", r["semester"]))
    for r in semester_jumps(con):
        if r["share"] >= JUMP_SHARE and applies(JUMP, r["level"]):
            flags.append(class_flag(JUMP, r, f"{vn_share(r['share'])} học sinh thay đổi ≥ {JUMP_POINTS:g} điểm",
                                    None))
    return flags


def flag_summary(flags: list[dict[str, Any]]) -> Table:
    """Every flag kind with its count, in all and per level (0 included: a check that ran and
    found nothing is shown; 'không áp dụng' where the flag is not computed for the level)."""
    counts: dict[tuple[str, str], int] = {}
    for f in flags:
        for k in ((f["flag"], ""), (f["flag"], f["level"])):
            counts[k] = counts.get(k, 0) + 1
    unknown = {name for name, _ in counts} - {name for name, _ in FLAGS}
    if unknown:
        raise ValueError(f"flags without a summary row: {sorted(unknown)}")
    levels = list(LEVELS) + ([UNKNOWN_LEVEL] if any(f["level"] == UNKNOWN_LEVEL for f in flags) else [])
    return Table(("Dấu hiệu", "Ngưỡng", "Số lớp × môn", *(level_name(lv) for lv in levels)),
                 tuple((name, rule, counts.get((name, ""), 0),
                        *(counts.get((name, lv), 0) if applies(name, lv) else "không áp dụng" for lv in levels))
                       for name, rule in FLAGS))


def flags_table(flags: list[dict[str, Any]]) -> Table:
    return Table(("Dấu hiệu", "Cấp học", "Mã trường", "Lớp", "Môn", "Học kì", "Mã giáo viên", "Chi tiết"),
                 tuple((f["flag"], level_name(f["level"]), f["school_id"], f["class_name"], f["subject_code"],
                        f["semester"] or "", f["teacher_code"] or "", f["detail"]) for f in flags))


# ---- what the notebook shows (no rule logic there) ---------------------------------------------

def _level_order(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def _vi_key(text: str) -> str:
    """A sort key close to Vietnamese order: letters without tone marks first ('Địa lí' with the
    D's, after them), so that 'Tiếng Việt' sorts before 'Tin học'."""
    import unicodedata

    folded = unicodedata.normalize("NFD", text.lower().replace("đ", "d\x7f"))
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def _subject_key(level: str, subject_code: str) -> tuple[int, str]:
    return _level_order(level), _vi_key(subject_label(level, subject_code))


def subject_label(level: str, subject_code: str) -> str:
    """'Tiểu học · Toán': a level and a subject's Vietnamese name."""
    from hocba_audit.labels import subject_name

    return f"{level_name(level)} · {subject_name(subject_code)}"


def with_labels(stats: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The class rows with what the charts show: level and subject names, a class label,
    and Vietnamese numbers for the tooltips."""
    return [dict(s, level_vi=level_name(s["level"]), subject_vi=subject_label(s["level"], s["subject_code"]),
                 label=f"{level_name(s['level'])} · {s['school_id']} · {s['class_name']} · HK{s['semester']}",
                 mean_vi=vn_number(s["mean"]), city_mean_vi=vn_number(s["city_mean"]),
                 share_10_vi=vn_share(s["share_10"]), city_share_10_vi=vn_share(s["city_share_10"]))
            for s in stats]


def school_subject_means(stats: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per school, level and subject: the mean of its marks against the city's mean of the same
    level and subject (rows for a chart, sorted by level then subject)."""
    acc: dict[tuple, dict[str, Any]] = {}
    for s in stats:
        k = (s["level"], s["subject_code"], s["school_id"])
        a = acc.setdefault(k, {"level": k[0], "subject_code": k[1], "school_id": k[2], "sum": 0.0, "n": 0,
                               "city": s["city_mean"]})
        a["sum"] += s["mean"] * s["n"]
        a["n"] += s["n"]
    rows = []
    for k in sorted(acc, key=lambda k: (*_subject_key(k[0], k[1]), k[2])):
        a = acc[k]
        mean = a.pop("sum") / a["n"]
        rows.append(a | {"mean": mean, "subject_vi": subject_label(a["level"], a["subject_code"]),
                         "level_vi": level_name(a["level"]), "mean_vi": vn_number(mean),
                         "city_vi": vn_number(a["city"])})
    return rows


def city_baselines(stats: list[dict[str, Any]]) -> Table:
    """The city's figures per level and subject that every class is compared with."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for s in stats:
        seen.setdefault((s["level"], s["subject_code"]), s)
    rows = []
    for (lv, code) in sorted(seen, key=lambda k: _subject_key(*k)):
        s = seen[(lv, code)]
        rows.append((level_name(lv), subject_label(lv, code).split(" · ", 1)[1], code, s["city_classes"],
                     s["city_n"], vn_number(s["city_mean"]),
                     vn_number(s["sd_of_means"]) if s["sd_of_means"] is not None else "",
                     vn_share(s["city_share_10"])))
    return Table(("Cấp học", "Môn", "Mã môn", f"Số lớp × học kì (≥ {MIN_MARKS} điểm)", "Số điểm", "Điểm trung bình",
                  "Độ lệch chuẩn giữa các lớp", "Tỉ lệ điểm 10"), tuple(rows))


def subject_classes(stats: list[dict[str, Any]], subject: str) -> list[dict[str, Any]]:
    """The class rows of one subject code, level by level (each against its own level)."""
    return sorted((s for s in stats if s["subject_code"] == subject),
                  key=lambda s: (_level_order(s["level"]), s["school_id"], s["class_name"], s["semester"]))


def focus_subject(stats: list[dict[str, Any]], flags: list[dict[str, Any]], subject: str = "") -> str:
    """The subject code the class view shows: the one given, else the one with most flags,
    else the first one."""
    if subject:
        return subject
    counts: dict[str, int] = {}
    for f in flags:
        counts[f["subject_code"]] = counts.get(f["subject_code"], 0) + 1
    if counts:
        return max(counts, key=counts.get)
    return stats[0]["subject_code"] if stats else ""
