"""The city overview: every school ranked by readiness (with level and commune), lỗi and cảnh báo
by rule across the city, signing coverage and certificate readiness per school, schools at risk
for each deadline; and its XLSX summary.

The signing figures are those of the school reports (``report_school.build_signing_summary``,
called per school), so a school's verdict here is the verdict of its own report.

Only school-level counts: no pupil appears here, so nothing needs masking."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any

import duckdb

from hocba_audit.report_school import (
    SETTINGS_CHANGED_VI, VERDICT_VI, Table, build_signing_summary, days_left_text,
    decide_verdict, latest_run, load_catalogue_info, parse_date, percent, report_deadlines, settings_evidence,
    signing_rule_codes, vn_date, worst_verdict,
)

_VERDICT_ORDER = {"not_ready": 0, "needs_work": 1, "ready": 2}
#: A school that only needs work is at risk when a deadline is this close (or past).
RISK_WINDOW_DAYS = 30


def school_readiness(con: duckdb.DuckDBPyConnection, run_id: str = "", *, catalogue_path: str = "",
                     signing_deadline: str | dt.date | None = None, as_of: dt.date | None = None,
                     expiring_soon_days: int | None = None) -> list[dict[str, Any]]:
    """One row per school: level, commune, pupils, lỗi/cảnh báo records and rules of the data
    (signature rules apart), signing coverage, certificate readiness, and the verdicts:
    ``data_verdict`` (31/03), ``cert_verdict`` (certificates valid through the signing deadline,
    due 31/03), ``march_verdict`` (the two together), ``signing_verdict`` (15/06) and ``verdict``
    (all of them, as in the school report). Ranked least ready first (verdict, then lỗi per 100
    pupils, then signing coverage, then cảnh báo).

    ``catalogue_path``: the run's catalogue summary (tells the signature rules apart); empty
    loads the catalogue (slower), as ``findings_by_rule`` and the school report do. Without a
    catalogue the signature rules whose findings name no signed-file table (CKS-050 …, CTS-…,
    GOI-…) would be counted as data errors. ``signing_deadline``
    and ``expiring_soon_days``: None (or empty) means the run's settings, as in the school
    report (``report_school.report_deadlines``)."""
    run_id = run_id or latest_run(con)
    info = load_catalogue_info(catalogue_path)
    _, deadline, expiring_soon_days = report_deadlines(con, run_id, None, signing_deadline, expiring_soon_days)
    day = as_of or run_date(con, run_id)
    results: dict[str, list[tuple]] = {}
    for r in con.execute("SELECT school_id, rule_code, severity, checked, failing, rate, outcome, error "
                         "FROM rule_results WHERE run_id = ?", [run_id]).fetchall():
        results.setdefault(r[0], []).append(tuple(r[1:]))
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
        res = results.get(sid, [])
        sig_codes = signing_rule_codes(con, run_id, sid, info)
        data = [r for r in res if r[0] not in sig_codes]
        err = sum(int(r[3] or 0) for r in data if r[5] == "FAILED" and r[1] == "lỗi")
        warn = sum(int(r[3] or 0) for r in data if r[5] == "FAILED" and r[1] != "lỗi")
        rerr = sum(1 for r in data if r[5] == "FAILED" and r[1] == "lỗi")
        rwarn = sum(1 for r in data if r[5] == "FAILED" and r[1] != "lỗi")
        data_verdict = decide_verdict(err, warn, sum(1 for r in data if r[5] == "ERROR"), lerr)
        sig = build_signing_summary(con, sid, run_id, info, res, deadline, day, expiring_soon_days)
        c = sig.cert_counts
        cert_verdict = "not_ready" if c["blockers"] else ("needs_work" if c["warnings"] else "ready")
        march = worst_verdict(data_verdict, cert_verdict)
        verdict = worst_verdict(march, sig.verdict)
        out.append({"school_id": sid, "school_name": name, "level": level or "", "commune": commune or "",
                    "pupils": pupils, "errors": err, "warnings": warn, "rules_error": rerr,
                    "rules_warning": rwarn, "verdict": verdict, "verdict_vi": VERDICT_VI[verdict],
                    "data_verdict": data_verdict, "data_verdict_vi": VERDICT_VI[data_verdict],
                    "cert_verdict": cert_verdict, "cert_verdict_vi": VERDICT_VI[cert_verdict],
                    "march_verdict": march, "march_verdict_vi": VERDICT_VI[march],
                    "signing_verdict": sig.verdict, "signing_verdict_vi": sig.verdict_vi,
                    "signed_files": sig.files, "enrolled": sig.enrolled, "complete": sig.complete,
                    "coverage": sig.coverage_rate if sig.has_files else None,
                    "coverage_vi": (f"{sig.complete}/{sig.enrolled} ({percent(sig.coverage_rate)})"
                                    if sig.has_files else "Chưa có dữ liệu chữ ký"),
                    "signing_errors": sig.errors, "signing_warnings": sig.warnings,
                    "certs_needed": c["needed"], "certs_ready": c["ready"], "certs_missing": c["missing"],
                    "certs_expiring_soon": c["expiring_soon"], "certs_cmnd_only": c["cmnd_only"],
                    "certs_vi": f"{c['ready']}/{c['needed']}",
                    "errors_per_100": round(100 * err / pupils, 1) if pupils else None})
    out.sort(key=lambda r: (_VERDICT_ORDER[r["verdict"]], -(r["errors_per_100"] or 0), r["coverage"] or 0,
                            -r["warnings"], r["school_id"]))
    for i, r in enumerate(out, 1):
        r["rank"] = i
    return out


def city_deadlines(con: duckdb.DuckDBPyConnection, run_id: str = "", deadline_1: str | dt.date | None = None,
                   deadline_2: str | dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The overview's two deadlines: data and certificates (the run's ``cert_review_deadline``)
    and signing (the run's ``signing_deadline``). A given date wins; None or empty means the
    run's setting, else the defaults of ``report_school``."""
    d1, d2, _ = report_deadlines(con, run_id or latest_run(con), deadline_1, deadline_2)
    return d1, d2


def settings_table(con: duckdb.DuckDBPyConnection, run_id: str = "") -> tuple[str, Table]:
    """The run's settings that differ from their defaults: a Vietnamese sentence (as in the
    school report's evidence) and a table (setting, value, default; empty when none differ)."""
    e = settings_evidence(con, run_id or latest_run(con))
    changed, defaults = e["settings_changed"], e["settings_defaults"]
    return (f"{SETTINGS_CHANGED_VI}: {e['settings_vi']}" if not changed else f"{SETTINGS_CHANGED_VI}:",
            Table(("Thiết lập", "Giá trị của lần kiểm tra", "Mặc định"),
                  tuple((n, v, defaults[n]) for n, v in changed.items())))


def at_risk(schools: list[dict], deadline: str | dt.date, as_of: dt.date,
            window: int = RISK_WINDOW_DAYS, key: str = "verdict") -> list[dict]:
    """Schools at risk for ``deadline``: ``key`` (a verdict of ``school_readiness`` rows) not
    ready, or needing work with the deadline ``window`` days away or less (or past).

    Use ``key="march_verdict"`` for 31/03 (data and certificates) and ``"signing_verdict"`` for
    15/06 (records signed)."""
    days = (parse_date(deadline) - as_of).days
    return [dict(r, days_left=days, days_left_vi=days_left_text(days), risk_verdict_vi=VERDICT_VI[r[key]])
            for r in schools if r[key] == "not_ready" or (r[key] == "needs_work" and days <= window)]


#: Which verdict each deadline of the city overview is judged on.
DEADLINE_KEYS = ("march_verdict", "signing_verdict")


def risk_table(risk: list[dict], key: str) -> Table:
    """At-risk schools of one deadline, with the figures that explain it."""
    if key == "signing_verdict":
        return Table(("Mã trường", "Tên trường", "Cấp học", "Xã/phường", "Kết luận ký số", "Tệp học bạ",
                      "Đủ chữ ký hợp lệ", "Bản ghi lỗi chữ ký", "Chứng thư sẵn sàng", "Thời hạn"),
                     tuple((r["school_id"], r["school_name"], r["level"], r["commune"], r["signing_verdict_vi"],
                            r["signed_files"], r["coverage_vi"], r["signing_errors"], r["certs_vi"],
                            r["days_left_vi"]) for r in risk))
    return Table(("Mã trường", "Tên trường", "Cấp học", "Xã/phường", "Kết luận dữ liệu", "Bản ghi lỗi",
                  "Bản ghi cảnh báo", "Kết luận chứng thư", "Chứng thư sẵn sàng", "Thời hạn"),
                 tuple((r["school_id"], r["school_name"], r["level"], r["commune"], r["data_verdict_vi"],
                        r["errors"], r["warnings"], r["cert_verdict_vi"], r["certs_vi"], r["days_left_vi"])
                       for r in risk))


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


def count_ticks(counts: Any, most: int = 8) -> list[int]:
    """Whole-number axis ticks for bars of counts (0 up to the largest, at most ``most`` + 1
    ticks, step 1, 2, 5, 10, 20, 50, ...): a count axis never shows 0,5 or the same label twice."""
    top = max([int(c) for c in counts] or [0])
    scale = 1
    while True:
        step = next((m * scale for m in (1, 2, 5) if top <= most * m * scale), None)
        if step:
            break
        scale *= 10
    last = -(-top // step) * step  # top rounded up to a whole step
    return list(range(0, last + 1, step))


def run_date(con: duckdb.DuckDBPyConnection, run_id: str = "") -> dt.date:
    run_id = run_id or latest_run(con)
    row = con.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchall()
    return row[0][0].date() if row and row[0][0] else dt.date.today()


def readiness_table(schools: list[dict]) -> Table:
    return Table(("Hạng", "Mã trường", "Tên trường", "Cấp học", "Xã/phường", "Số học sinh", "Bản ghi lỗi",
                  "Lỗi / 100 học sinh", "Bản ghi cảnh báo", "Kết luận dữ liệu", "Chứng thư sẵn sàng",
                  "Đủ chữ ký hợp lệ", "Kết luận ký số", "Kết luận chung"),
                 tuple((r["rank"], r["school_id"], r["school_name"], r["level"], r["commune"], r["pupils"],
                        r["errors"], r["errors_per_100"], r["warnings"], r["data_verdict_vi"], r["certs_vi"],
                        r["coverage_vi"], r["signing_verdict_vi"], r["verdict_vi"]) for r in schools))


def write_city_xlsx(con: duckdb.DuckDBPyConnection, path: str | Path, *, run_id: str = "",
                    deadlines: tuple[str | None, ...] = ("", ""), as_of: str = "",
                    catalogue_path: str = "") -> Path:
    """The city summary workbook: ranking, by rule, one at-risk sheet per deadline, and the
    settings of the run that differ from their defaults.

    ``deadlines``: (data and certificates, signing); an empty one means the run's setting
    (``city_deadlines``)."""
    import xlsxwriter

    from hocba_audit.fixlist import neutralise

    run_id = run_id or latest_run(con)
    day = parse_date(as_of or None, run_date(con, run_id))
    deadlines = city_deadlines(con, run_id, *deadlines)
    schools = school_readiness(con, run_id, catalogue_path=catalogue_path, signing_deadline=deadlines[-1],
                               as_of=day)
    sheets: list[tuple[str, tuple[str, ...], list[tuple]]] = [
        ("Xếp hạng sẵn sàng", readiness_table(schools).columns, list(readiness_table(schools).rows)),
        ("Theo quy tắc", ("Mã quy tắc", "Mức độ", "Nội dung kiểm tra", "Số bản ghi", "Số trường"),
         [(r["rule_code"], r["severity"], r["title"], r["records"], r["schools"])
          for r in findings_by_rule(con, run_id, catalogue_path)]),
    ]
    for d, key in zip(deadlines, DEADLINE_KEYS):
        table = risk_table(at_risk(schools, d, day, key=key), key)
        sheets.append((f"Nguy cơ trễ hạn {parse_date(d).strftime('%d-%m')}", table.columns,
                       [(*row[:-1], f"{vn_date(parse_date(d))}: {row[-1]}") for row in table.rows]))
    note, changed = settings_table(con, run_id)
    sheets.append(("Thiết lập", changed.columns, list(changed.rows) or [(note, "", "")]))
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
