"""The school edition's XLSX fix-list: every finding of one school, a sheet per rule category,
Vietnamese headers and labels (fields and entity keys in words, subject names; ``labels``), autofilter, frozen header row, set column widths; personal IDs masked and
every text cell that a spreadsheet could read as a formula neutralised."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import duckdb

from hocba_audit.labels import entity_text, finding_field_label
from hocba_audit.masking import mask_finding_text, mask_value
from hocba_audit.report_school import CATEGORY_VI, CatalogueInfo

#: Leading characters that make Excel, LibreOffice or Sheets evaluate a cell (CSV/formula
#: injection); tab and carriage return are included as OWASP recommends.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    ("STT", 6), ("Mã quy tắc", 11), ("Mức độ", 10), ("Nội dung kiểm tra", 40), ("Đối tượng", 45),
    ("Trường dữ liệu", 16), ("Giá trị sai", 16), ("Mô tả", 70), ("Cách khắc phục", 60),
    ("Tệp nguồn", 24), ("Trang tính", 16), ("Dòng", 7), ("Đã sửa (Có/Không)", 12), ("Ghi chú của trường", 30),
)


def neutralise(value: Any) -> Any:
    """Text that would start a formula gets a leading apostrophe; other values pass through.

    >>> neutralise("=HYPERLINK(\\"x\\")")
    '\\'=HYPERLINK("x")'
    >>> neutralise("-1"), neutralise(7)
    ("'-1", 7)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_fixlist(con: duckdb.DuckDBPyConnection, run_id: str, school_id: str, path: str | Path,
                  catalogue: CatalogueInfo) -> Path:
    """Write the school's fix-list to ``path`` (atomically). Returns the path."""
    import xlsxwriter

    rows = con.execute("""
        SELECT rule_code, severity, entity_key, field, bad_value, message, fix, src_file, src_sheet, src_row, entity
        FROM findings WHERE run_id = ? AND school_id = ?
        ORDER BY CASE severity WHEN 'lỗi' THEN 0 ELSE 1 END, rule_code, src_file NULLS LAST,
                 src_sheet NULLS LAST, src_row NULLS LAST, entity_key""", [run_id, school_id]).fetchall()
    by_cat: dict[str, list[tuple]] = {}
    for r in rows:
        rule = catalogue.rules.get(r[0])
        by_cat.setdefault(CATEGORY_VI.get(rule.category, rule.category) if rule else "Khác", []).append(r)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    try:
        head = wb.add_format({"bold": True, "bg_color": "#DDE5F0", "border": 1, "text_wrap": True,
                              "valign": "top"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        _summary_sheet(wb, head, wrap, by_cat, catalogue)
        for cat in [c for c in CATEGORY_VI.values() if c in by_cat] + sorted(set(by_cat) - set(CATEGORY_VI.values())):
            ws = wb.add_worksheet(cat[:31])
            for j, (name, width) in enumerate(COLUMNS):
                ws.write_string(0, j, name, head)
                ws.set_column(j, j, width, wrap if width >= 30 else None)
            for i, (code, sev, key, fld, bad, msg, fix, sf, ss, sr, ent) in enumerate(by_cat[cat], 1):
                rule = catalogue.rules.get(code)
                values = (i, code, sev, rule.title_vi if rule else "", mask_finding_text(fld, bad, entity_text(ent, key)),
                          finding_field_label(ent, key, fld),
                          mask_value(fld, bad), mask_finding_text(fld, bad, msg), fix, sf, ss, sr, "", "")
                for j, v in enumerate(values):
                    _write(ws, i, j, v)
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, len(by_cat[cat]), len(COLUMNS) - 1)
        wb.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write(ws: Any, row: int, col: int, value: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value)
    else:
        ws.write_string(row, col, neutralise(str(value)))


def _summary_sheet(wb: Any, head: Any, wrap: Any, by_cat: dict[str, list[tuple]], catalogue: CatalogueInfo) -> None:
    ws = wb.add_worksheet("Tổng hợp")
    cols = (("Nhóm quy tắc", 24), ("Mã quy tắc", 11), ("Mức độ", 10), ("Nội dung kiểm tra", 50),
            ("Số bản ghi cần sửa", 12), ("Căn cứ", 50))
    for j, (name, width) in enumerate(cols):
        ws.write_string(0, j, name, head)
        ws.set_column(j, j, width, wrap if width >= 30 else None)
    i = 0
    for cat, rows in by_cat.items():
        counts: dict[tuple[str, str], int] = {}
        for r in rows:
            counts[(r[0], r[1])] = counts.get((r[0], r[1]), 0) + 1
        for (code, sev), n in sorted(counts.items()):
            i += 1
            rule = catalogue.rules.get(code)
            for j, v in enumerate((cat, code, sev, rule.title_vi if rule else "", n,
                                   rule.legal_basis if rule else "")):
                _write(ws, i, j, v)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(i, 1), len(cols) - 1)
