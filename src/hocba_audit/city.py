"""The city overview: every school ranked by readiness (with level and commune), lỗi and cảnh báo
by rule across the city, schools at risk for each deadline; and its XLSX summary.

Only school-level counts: no pupil appears here, so nothing needs masking."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any

import duckdb

from hocba_audit.report_school import (
    VERDICT_VI, Table, days_left_text, decide_verdict, latest_run, load_catalogue_info, parse_date,
    vn_date,
)

_VERDICT_ORDER = {"not_ready": 0, "needs_work": 1, "ready": 2}
#: A school that only needs work is at risk when a deadline is this close (or past).
RISK_WINDOW_DAYS = 30


def school_readiness(con: duckdb.DuckDBPyConnection, run_id: str = "") -> list[dict[str, Any]]:
    """One row per school: level, commune, pupils, lỗi/cảnh báo records and rules, verdict;
    ranked least ready first (verdict, then lỗi per 100 pupils, then cảnh báo)."""
    run_id = run_id or latest_run(con)
    rows = con.execute("""
        SELECT s.school_id, max(s.school_name), max(s.level), max(s.commune_name),
               (SELECT count(*) FROM pupils p WHERE p.school_id = s.school_id),
               coalesce(sum(r.failing) FILTER (WHERE r.outcome = 'FAILED' AND r.severity = 'lỗi'), 0),
               coalesce(sum(r.failing) FILTER (WHERE r.outcome = 'FAILED' AND r.severity <> 'lỗi'), 0),
               count(*) FILTER (WHERE r.outcome = 'FAILED' AND r.severity = 'lỗi'),
               count(*) FILTER (WHERE r.outcome = 'FAILED' AND r.severity <> 'lỗi'),
               count(*) FILTER (WHERE r.outcome = 'ERROR'),
               (SELECT count(*) FROM load_errors e WHERE e.run_id = $1 AND e.school_id = s.school_id
                  AND e.severity = 'lỗi')
        FROM schools s LEFT JOIN rule_results r ON r.school_id = s.school_id AND r.run_id = $1
        GROUP BY s.school_id""", [run_id]).fetchall()
    out = []
    for sid, name, level, commune, pupils, err, warn, rerr, rwarn, rerrored, lerr in rows:
        verdict = decide_verdict(int(err), int(warn), rerrored, lerr)
        out.append({"school_id": sid, "school_name": name, "level": level or "", "commune": commune or "",
                    "pupils": pupils, "errors": int(err), "warnings": int(warn), "rules_error": rerr,
                    "rules_warning": rwarn, "verdict": verdict, "verdict_vi": VERDICT_VI[verdict],
                    "errors_per_100": round(100 * int(err) / pupils, 1) if pupils else None})
    out.sort(key=lambda r: (_VERDICT_ORDER[r["verdict"]], -(r["errors_per_100"] or 0), -r["warnings"],
                            r["school_id"]))
    for i, r in enumerate(out, 1):
        r["rank"] = i
    return out


def at_risk(schools: list[dict], deadline: str | dt.date, as_of: dt.date,
            window: int = RISK_WINDOW_DAYS) -> list[dict]:
    """Schools at risk for ``deadline``: not ready (any lỗi), or needing work with the deadline
    ``window`` days away or less (or past)."""
    days = (parse_date(deadline) - as_of).days
    return [dict(r, days_left=days, days_left_vi=days_left_text(days)) for r in schools
            if r["verdict"] == "not_ready" or (r["verdict"] == "needs_work" and days <= window)]


def findings_by_rule(con: duckdb.DuckDBPyConnection, run_id: str = "", catalogue_path: str = "") -> list[dict]:
    """lỗi and cảnh báo by rule across the city: records, schools affected, rule title."""
    run_id = run_id or latest_run(con)
    info = load_catalogue_info(catalogue_path)
    rows = con.execute("""
        SELECT rule_code, severity, sum(failing), count(DISTINCT school_id)
        FROM rule_results WHERE run_id = ? AND outcome = 'FAILED'
        GROUP BY 1, 2 ORDER BY CASE severity WHEN 'lỗi' THEN 0 ELSE 1 END, 3 DESC, 1""", [run_id]).fetchall()
    return [{"rule_code": c, "severity": s, "records": int(n), "schools": k,
             "title": info.rules[c].title_vi if c in info.rules else ""} for c, s, n, k in rows]


def run_date(con: duckdb.DuckDBPyConnection, run_id: str = "") -> dt.date:
    run_id = run_id or latest_run(con)
    row = con.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchall()
    return row[0][0].date() if row and row[0][0] else dt.date.today()


def readiness_table(schools: list[dict]) -> Table:
    return Table(("Hạng", "Mã trường", "Tên trường", "Cấp học", "Xã/phường", "Số học sinh", "Bản ghi lỗi",
                  "Lỗi / 100 học sinh", "Bản ghi cảnh báo", "Kết luận"),
                 tuple((r["rank"], r["school_id"], r["school_name"], r["level"], r["commune"], r["pupils"],
                        r["errors"], r["errors_per_100"], r["warnings"], r["verdict_vi"]) for r in schools))


def write_city_xlsx(con: duckdb.DuckDBPyConnection, path: str | Path, *, run_id: str = "",
                    deadlines: tuple[str, ...] = ("2026-03-31", "2026-06-15"), as_of: str = "",
                    catalogue_path: str = "") -> Path:
    """The city summary workbook: ranking, by rule, and one at-risk sheet per deadline."""
    import xlsxwriter

    from hocba_audit.fixlist import neutralise

    run_id = run_id or latest_run(con)
    day = parse_date(as_of or None, run_date(con, run_id))
    schools = school_readiness(con, run_id)
    sheets: list[tuple[str, tuple[str, ...], list[tuple]]] = [
        ("Xếp hạng sẵn sàng", readiness_table(schools).columns, list(readiness_table(schools).rows)),
        ("Theo quy tắc", ("Mã quy tắc", "Mức độ", "Nội dung kiểm tra", "Số bản ghi", "Số trường"),
         [(r["rule_code"], r["severity"], r["title"], r["records"], r["schools"])
          for r in findings_by_rule(con, run_id, catalogue_path)]),
    ]
    for d in deadlines:
        risk = at_risk(schools, d, day)
        sheets.append((f"Nguy cơ trễ hạn {parse_date(d).strftime('%d-%m')}",
                       ("Mã trường", "Tên trường", "Cấp học", "Xã/phường", "Kết luận", "Bản ghi lỗi",
                        "Bản ghi cảnh báo", "Thời hạn"),
                       [(r["school_id"], r["school_name"], r["level"], r["commune"], r["verdict_vi"],
                         r["errors"], r["warnings"], f"{vn_date(parse_date(d))}: {r['days_left_vi']}")
                        for r in risk]))
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    try:
        head = wb.add_format({"bold": True, "bg_color": "#DDE5F0", "border": 1, "text_wrap": True})
        for name, cols, rows in sheets:
            ws = wb.add_worksheet(name[:31])
            for j, c in enumerate(cols):
                ws.write_string(0, j, c, head)
                ws.set_column(j, j, 40 if c in ("Tên trường", "Nội dung kiểm tra") else 14)
            for i, row in enumerate(rows, 1):
                for j, v in enumerate(row):
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        ws.write_number(i, j, v)
                    elif v not in (None, ""):
                        ws.write_string(i, j, neutralise(str(v)))
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(rows), 1), len(cols) - 1)
        wb.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
