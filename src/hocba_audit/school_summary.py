"""Read one school's audit results from an audit DuckDB file, for the per-school notebook.

Everything returned is ready to show: Vietnamese column names, and personal IDs masked
(``mask_id``). Only duckdb and pandas are imported, so the notebook kernel starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from hocba_audit.errors import CatalogueError, HocbaAuditError
from hocba_audit.masking import mask_id, mask_ids_in_text
from hocba_audit.report_school import location, percent

#: Fields whose values are personal IDs and are always masked when shown.
PERSONAL_ID_FIELDS = frozenset({"personal_id"})
#: Outcomes as shown in reports.
OUTCOME_VI = {
    "PASSED": "Đạt",
    "FAILED": "Không đạt",
    "ERROR": "Lỗi khi chạy quy tắc",
    "NOT_APPLICABLE": "Không áp dụng",
}
_OUTCOME_ORDER = {"ERROR": 0, "FAILED": 1, "PASSED": 2, "NOT_APPLICABLE": 3}


@dataclass(frozen=True)
class FindingsSection:
    """The first findings of one failing rule."""

    rule_code: str
    title: str
    fix: str
    failing: int
    table: pd.DataFrame


@dataclass(frozen=True)
class SchoolSummary:
    """What the per-school report shows, already masked and labelled in Vietnamese."""

    db_path: str
    run_id: str
    school_id: str
    school_name: str | None
    level: str | None
    school_years: tuple[str, ...]
    reconciliation: pd.DataFrame
    rejected: pd.DataFrame
    rejected_total: int
    rule_results: pd.DataFrame
    findings: tuple[FindingsSection, ...]
    notes: tuple[str, ...] = field(default=())

    def header_markdown(self) -> str:
        years = ", ".join(self.school_years) or "(chưa có)"
        lines = [
            f"**Trường:** {self.school_name or '(chưa có tên)'} (mã {self.school_id})",
            f"**Cấp học:** {self.level or '(chưa rõ)'}",
            f"**Năm học:** {years}",
            f"**Lần kiểm tra:** {self.run_id or '(chưa có lần chạy nào)'}",
        ]
        return "  \n".join(lines + [f"*{n}*" for n in self.notes])


def load_school_summary(
    db_path: str | Path,
    school_id: str = "",
    run_id: str = "",
    rules_dir: str | Path | None = None,
    *,
    rejected_limit: int = 50,
    findings_per_rule: int = 10,
) -> SchoolSummary:
    """Read one school's results of one run from an audit DuckDB file (opened read-only).

    Args:
        db_path: the audit database.
        school_id: the school; empty means the first school (by id) in the database.
        run_id: the run; empty means the latest run.
        rules_dir: the rule catalogue, for rule titles and fix steps; None = audits/rules.
        rejected_limit: how many rejected rows to show.
        findings_per_rule: how many findings to show per failing rule.

    Raises:
        HocbaAuditError: the database is missing, has no school, or lacks the given ids.
    """
    path = Path(db_path)
    if not path.is_file():
        raise HocbaAuditError(
            f"Audit database '{path}' does not exist. Hint: run the audit first, or pass db_path."
        )
    notes: list[str] = []
    rules = _rules(rules_dir, notes)
    con = duckdb.connect(str(path), read_only=True)
    try:
        school_id = _school(con, school_id)
        run_id = _run(con, run_id)
        info = con.execute(
            "SELECT max(school_name), max(level) FROM schools WHERE school_id = ?", [school_id]
        ).fetchall()[0]
        years = con.execute(
            "SELECT DISTINCT school_year FROM school_years WHERE school_id = ? "
            "AND school_year IS NOT NULL ORDER BY 1", [school_id]
        ).fetchall()
        args = [run_id, school_id]
        rejected_total = con.execute(
            "SELECT count(*) FROM rejected_rows WHERE run_id = ? AND school_id = ?", args
        ).fetchall()[0][0]
        if rejected_total > rejected_limit:
            notes.append(f"Chỉ hiển thị {rejected_limit} trong số {rejected_total} dòng bị loại.")
        return SchoolSummary(
            db_path=str(path), run_id=run_id, school_id=school_id, school_name=info[0],
            level=info[1], school_years=tuple(y[0] for y in years),
            reconciliation=_reconciliation(con, args),
            rejected=_rejected(con, args, rejected_limit), rejected_total=rejected_total,
            rule_results=_rule_results(con, args, rules),
            findings=_findings(con, args, rules, findings_per_rule), notes=tuple(notes),
        )
    finally:
        con.close()


def show_header(summary: SchoolSummary) -> None:
    """Display the school header (in a notebook)."""
    from IPython.display import Markdown, display

    display(Markdown(summary.header_markdown()))


def show_table(table: pd.DataFrame, empty_text: str = "Không có dữ liệu.") -> None:
    """Display a table, or ``empty_text`` when it has no rows (in a notebook)."""
    from IPython.display import Markdown, display

    if not len(table):
        display(Markdown(f"*{empty_text}*"))
        return
    with pd.option_context("display.max_colwidth", None, "display.max_rows", None):
        display(table)


def show_findings(summary: SchoolSummary) -> None:
    """Display, per failing rule, its title, fix steps and first findings (in a notebook)."""
    from IPython.display import Markdown, display

    if not summary.findings:
        display(Markdown("*Không có lỗi nào.*"))
    for s in summary.findings:
        shown = len(s.table)
        display(Markdown(
            f"### {s.rule_code} — {s.title}\n\n"
            f"Số bản ghi không đạt: {s.failing} (hiển thị {shown} phát hiện đầu tiên).\n\n"
            f"**Cách khắc phục:**\n\n{s.fix}"
        ))
        show_table(s.table)


def _rules(rules_dir: str | Path | None, notes: list[str]) -> dict[str, tuple[str, str]]:
    from hocba_audit.catalogue import load_catalogue

    try:
        catalogue = load_catalogue(rules_dir)
    except CatalogueError as e:
        notes.append(f"Không đọc được danh mục quy tắc ({len(getattr(e, 'problems', []))} lỗi).")
        return {}
    return {r.code: (r.title_vi, r.render_fix()) for r in catalogue}


def _school(con: duckdb.DuckDBPyConnection, school_id: str) -> str:
    if school_id:
        found = con.execute(
            "SELECT count(*) FROM schools WHERE school_id = ?", [school_id]
        ).fetchall()[0][0]
        if not found:
            raise HocbaAuditError(f"School '{school_id}' is not in the audit database.")
        return school_id
    first = con.execute("SELECT min(school_id) FROM schools").fetchall()[0][0]
    if first is None:
        raise HocbaAuditError("The audit database has no school. Hint: load an export first.")
    return first


def _run(con: duckdb.DuckDBPyConnection, run_id: str) -> str:
    if run_id:
        return run_id
    latest = con.execute(
        "SELECT run_id FROM runs WHERE run_id IS NOT NULL "
        "ORDER BY started_at DESC NULLS LAST, run_id DESC LIMIT 1"
    ).fetchall()
    if not latest:
        latest = con.execute(
            "SELECT max(run_id) FROM (SELECT run_id FROM rule_results UNION ALL "
            "SELECT run_id FROM manifest)"
        ).fetchall()
    return (latest[0][0] or "") if latest else ""


def _frame(con: duckdb.DuckDBPyConnection, sql: str, args: list) -> pd.DataFrame:
    df = con.execute(sql, args).df()
    df.index = pd.RangeIndex(1, len(df) + 1, name="STT")
    return df


def _reconciliation(con: duckdb.DuckDBPyConnection, args: list) -> pd.DataFrame:
    df = _frame(con, """
        SELECT file AS "Tệp", coalesce(sheet, '') AS "Trang tính",
               CASE status WHEN 'loaded' THEN 'Đã nạp' WHEN 'error' THEN 'Lỗi tệp'
                           WHEN 'skipped' THEN 'Bỏ qua' WHEN 'empty' THEN 'Trống' ELSE status END AS "Trạng thái",
               rows_read AS "Số dòng đọc", rows_loaded AS "Số dòng nạp",
               rows_rejected AS "Số dòng bị loại",
               CASE WHEN rows_read = coalesce(rows_loaded, 0) + coalesce(rows_rejected, 0)
                    THEN 'Khớp' ELSE 'Không khớp' END AS "Đối chiếu",
               coalesce(error, '') AS "Ghi chú"
        FROM manifest WHERE run_id = ? AND school_id = ? ORDER BY file, sheet
        """, args)
    if len(df):
        counts = ["Số dòng đọc", "Số dòng nạp", "Số dòng bị loại"]
        total = {c: "" for c in df.columns} | {"Tệp": "Tổng cộng"}
        total |= {c: int(df[c].fillna(0).sum()) for c in counts}
        matches = total["Số dòng đọc"] == total["Số dòng nạp"] + total["Số dòng bị loại"]
        total["Đối chiếu"] = "Khớp" if matches else "Không khớp"
        df.loc[""] = total
        df["Ghi chú"] = df["Ghi chú"].map(mask_ids_in_text)
    return df


def _rejected(con: duckdb.DuckDBPyConnection, args: list, limit: int) -> pd.DataFrame:
    df = _frame(con, """
        SELECT file AS "Tệp", coalesce(sheet, '') AS "Trang tính", row_number AS "Dòng",
               coalesce(field, '') AS "Trường dữ liệu", reason_code AS "Mã lý do",
               reason AS "Lý do"
        FROM rejected_rows WHERE run_id = ? AND school_id = ?
        ORDER BY file, sheet, row_number LIMIT ?
        """, [*args, limit])
    df["Lý do"] = df["Lý do"].map(mask_ids_in_text)
    return df


def _rule_results(
    con: duckdb.DuckDBPyConnection, args: list, rules: dict[str, tuple[str, str]]
) -> pd.DataFrame:
    rows = con.execute(
        "SELECT rule_code, severity, checked, failing, rate, outcome, error FROM rule_results "
        "WHERE run_id = ? AND school_id = ?", args
    ).fetchall()
    rows.sort(key=lambda r: (_OUTCOME_ORDER.get(r[5], 9), r[0]))
    df = pd.DataFrame([{
        "Mã quy tắc": code,
        "Mức độ": severity,
        "Nội dung kiểm tra": rules.get(code, ("(không có trong danh mục hiện tại)", ""))[0],
        "Số bản ghi kiểm tra": checked,
        "Số bản ghi không đạt": failing,
        "Tỉ lệ không đạt": percent(rate),
        "Kết quả": OUTCOME_VI.get(outcome, outcome),
        "Ghi chú": mask_ids_in_text(error) or "",
    } for code, severity, checked, failing, rate, outcome, error in rows])
    df.index = pd.RangeIndex(1, len(df) + 1, name="STT")
    return df


def _findings(
    con: duckdb.DuckDBPyConnection, args: list, rules: dict[str, tuple[str, str]], per_rule: int
) -> tuple[FindingsSection, ...]:
    failing = dict(con.execute(
        "SELECT rule_code, failing FROM rule_results WHERE run_id = ? AND school_id = ?", args
    ).fetchall())
    rows = con.execute("""
        SELECT rule_code, entity_key, field, bad_value, message, src_file, src_sheet, src_row
        FROM findings WHERE run_id = ? AND school_id = ?
        QUALIFY row_number() OVER (PARTITION BY rule_code
            ORDER BY src_file NULLS LAST, src_sheet NULLS LAST, src_row NULLS LAST, entity_key) <= ?
        ORDER BY rule_code, src_file NULLS LAST, src_sheet NULLS LAST, src_row NULLS LAST,
                 entity_key
        """, [*args, per_rule]).fetchall()
    by_rule: dict[str, list[dict]] = {}
    for code, key, fld, bad, message, src_file, src_sheet, src_row in rows:
        if fld in PERSONAL_ID_FIELDS and bad is not None:
            message = message.replace(bad, mask_id(bad) or "") if message else message
            bad = mask_id(bad)
        by_rule.setdefault(code, []).append({
            "Đối tượng": key,
            "Trường dữ liệu": fld,
            "Giá trị sai": mask_ids_in_text(bad),
            "Mô tả": mask_ids_in_text(message),
            "Vị trí trong tệp nguồn": location(src_file, src_sheet, src_row),
        })
    sections = []
    for code, items in by_rule.items():
        table = pd.DataFrame(items)
        table.index = pd.RangeIndex(1, len(table) + 1, name="STT")
        title, fix = rules.get(code, ("(không có trong danh mục hiện tại)", ""))
        sections.append(FindingsSection(code, title, fix, int(failing.get(code) or 0), table))
    return tuple(sections)
