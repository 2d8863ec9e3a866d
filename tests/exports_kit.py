"""Helpers that build small, hand-written school exports for loader tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import xlsxwriter

from hocba_audit import model

# The header of a real MOET sector-database class-list export (domain.md §4.2), in order.
CSDL_CLASS_HEADER = [
    "STT", "Mã định danh Bộ GD&ĐT", "Họ tên", "Ngày sinh", "Giới tính", "Dân tộc", "Trạng thái", "SĐT liên hệ",
    "Nơi sinh chi tiết", "Tổ/thôn hộ khẩu thường trú", "Tỉnh thành quê quán", "Phường xã quê quán",
    "Chỗ ở hiện nay", "Số CMND", "Ngày cấp", "Nơi cấp", "Tên cha", "Nghề nghiệp cha", "Năm sinh cha", "Tên mẹ",
    "Nghề nghiệp mẹ", "Năm sinh mẹ", "Lớp học", "Khối học", "Số định danh cá nhân",
]
CSDL_TITLES = ["SỞ GIÁO DỤC VÀ ĐÀO TẠO HẢI PHÒNG", "DANH SÁCH HỌC SINH LỚP 6A1 - NĂM HỌC 2025-2026"]


def pupil_row(stt, code, name, born, sex, pid, cls="6A1", status="Đang học"):
    row = dict.fromkeys(CSDL_CLASS_HEADER, "")
    row.update({"STT": stt, "Mã định danh Bộ GD&ĐT": code, "Họ tên": name, "Ngày sinh": born, "Giới tính": sex,
                "Dân tộc": "Kinh", "Trạng thái": status, "Tỉnh thành quê quán": "Hải Phòng",
                "Phường xã quê quán": "Phường Lê Chân", "Chỗ ở hiện nay": "Số 5 phố Trần Nguyên Hãn",
                "Tên cha": "Nguyễn Văn Hùng", "Tên mẹ": "Trần Thị Mai", "Lớp học": cls, "Khối học": "6",
                "Số định danh cá nhân": pid})
    return [row[h] for h in CSDL_CLASS_HEADER]


def write_xlsx(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[tuple]] | None = None,
               start_row: int = 0) -> Path:
    """One workbook; each sheet's rows written from ``start_row`` (0-based); merges are
    (first_row, first_col, last_row, last_col, text) in 0-based coordinates."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    datef = wb.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for (r1, c1, r2, c2, text) in (merges or {}).get(name, []):
            ws.merge_range(r1, c1, r2, c2, text)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is None or v == "":
                    continue
                if isinstance(v, dt.date):
                    ws.write_datetime(start_row + i, j, dt.datetime(v.year, v.month, v.day), datef)
                elif isinstance(v, (int, float)):
                    ws.write_number(start_row + i, j, v)
                else:
                    ws.write_string(start_row + i, j, str(v))
    wb.close()
    return path


def csdl_class_list(path: Path, rows: list[list]) -> Path:
    """A CSDL class list: two title rows, a blank row, the header, then ``rows``."""
    data = [[CSDL_TITLES[0]], [CSDL_TITLES[1]], [], CSDL_CLASS_HEADER, *rows]
    return write_xlsx(path, {"Danh sách học sinh": data})


def fresh_db() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    model.create_schema(con)
    return con


def counts(con, run_id: str | None = None) -> dict[str, int]:
    out = {}
    for t in [*model.TABLES_BY_NAME, *model.RUN_TABLES]:
        out[t] = con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]
    return out


def reconciliation(con) -> list[tuple]:
    """Per manifest row: (file, sheet, read, loaded, rejected, rejected rows actually listed)."""
    return con.execute("""
        SELECT m.file, m.sheet, m.rows_read, m.rows_loaded, m.rows_rejected,
               (SELECT count(*) FROM rejected_rows r WHERE r.file = m.file AND coalesce(r.sheet, '') = coalesce(m.sheet, '')
                  AND r.school_id = m.school_id AND r.run_id = m.run_id) AS listed
        FROM manifest m ORDER BY 1, 2""").fetchall()
