"""Loader contract (issue #2): every non-blank source row is loaded or listed as rejected with its
file, sheet, row and reason; an unusable file gets one clear error and the rest still loads."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from exports_kit import (CSDL_CLASS_HEADER, counts, csdl_class_list, fresh_db, pupil_row, reconciliation,
                         write_xlsx)
from hocba_audit.errors import LoadError
from hocba_audit.exports import discover_exports
from hocba_audit.ingest import detect_profile, load_export
from hocba_audit.profiles import load_profiles
from hocba_audit.writers import encode_cp1258

PROFILES = load_profiles()


def load_dir(export_dir: Path, profile: str | None = None):
    con = fresh_db()
    results = [load_export(con, e, "r1", PROFILES, profile_name=profile) for e in discover_exports(export_dir.parent)]
    return con, results


def assert_reconciled(con) -> None:
    for file, sheet, read, loaded, rejected, listed in reconciliation(con):
        assert read == loaded + rejected, (file, sheet, read, loaded, rejected)
        assert rejected == listed, (file, sheet, rejected, listed)


def errors(con) -> list[tuple[str, str, str, str]]:
    return con.execute("SELECT error_code, file, sheet, message FROM load_errors ORDER BY 1, 2").fetchall()


def test_csdl_class_list_with_title_rows_loads_pupils_and_enrolments_with_spreadsheet_row_numbers(tmp_path):
    exp = tmp_path / "x" / "31000001_2025-2026"
    csdl_class_list(exp / "DanhSachHocSinh_6A1.xlsx", [
        pupil_row(1, "3100000001", "Nguyễn Văn An", "15/02/2014", "Nam", "031214000123"),
        pupil_row(2, "3100000002", "Trần Thị Bình", "03/11/2014", "Nữ", "031314000456"),
    ])
    con, (res,) = load_dir(exp)
    rows = con.execute("SELECT pupil_code, full_name, birth_date, sex, personal_id, ethnicity_code, hometown, "
                       "src_row, src_sheet FROM pupils ORDER BY pupil_code").fetchall()
    assert rows == [
        ("3100000001", "Nguyễn Văn An", dt.date(2014, 2, 15), "Nam", "031214000123", "01",
         "Phường Lê Chân, Hải Phòng", 5, "Danh sách học sinh"),
        ("3100000002", "Trần Thị Bình", dt.date(2014, 11, 3), "Nữ", "031314000456", "01",
         "Phường Lê Chân, Hải Phòng", 6, "Danh sách học sinh"),
    ]
    enrol = con.execute("SELECT school_id, school_year, pupil_code, class_name, status FROM enrolments "
                        "ORDER BY 3").fetchall()
    assert enrol[0] == ("31000001", "2025-2026", "3100000001", "6A1", "Đang học")
    assert res.profile == "csdl_nganh" and res.rows_read == 2 and res.rows_loaded == 2
    manifest = con.execute("SELECT header_row, sha256, size_bytes FROM manifest").fetchall()
    data = (exp / "DanhSachHocSinh_6A1.xlsx").read_bytes()
    assert manifest == [(4, hashlib.sha256(data).hexdigest(), len(data))]
    assert_reconciled(con)


def test_row_without_required_pupil_code_is_rejected_with_row_field_and_whole_row_kept(tmp_path):
    exp = tmp_path / "x" / "31000001_2025-2026"
    csdl_class_list(exp / "DanhSachHocSinh_6A1.xlsx", [
        pupil_row(1, "3100000001", "Nguyễn Văn An", "15/02/2014", "Nam", "031214000123"),
        pupil_row(2, "", "Lê Thị Cúc", "01/01/2014", "Nữ", "031314000789"),
        ["Người lập biểu"],
    ])
    con, (res,) = load_dir(exp)
    rej = con.execute("SELECT file, sheet, row_number, field, reason_code, reason, raw_row FROM rejected_rows "
                      "ORDER BY row_number").fetchall()
    assert [(r[2], r[3], r[4]) for r in rej] == [(6, "pupil_code", "missing_required"),
                                                 (7, "pupil_code", "missing_required")]
    assert rej[0][0] == "DanhSachHocSinh_6A1.xlsx" and "Mã định danh Bộ GD&ĐT" in rej[0][5]
    assert json.loads(rej[0][6])["Họ tên"] == "Lê Thị Cúc"
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (3, 1, 2)
    assert_reconciled(con)


def test_value_problems_load_the_row_with_raw_text_and_a_note(tmp_path):
    exp = tmp_path / "x" / "31000001_2025-2026"
    csdl_class_list(exp / "DanhSachHocSinh_6A1.xlsx", [
        pupil_row(1, "3100000001", "Nguyễn  Văn\u00a0An", "31/02/2014", "Nam", "31214000123"),
        pupil_row(2, "3100000002", "Trần Thị Bình", "05/23/2014", "Nữ", "031314000456"),
    ])
    con, _ = load_dir(exp)
    p1 = con.execute("SELECT full_name, full_name_raw, birth_date, birth_date_raw, personal_id, personal_id_raw "
                     "FROM pupils WHERE pupil_code = '3100000001'").fetchall()[0]
    assert p1 == ("Nguyễn Văn An", "Nguyễn  Văn\u00a0An", None, "31/02/2014", "031214000123", "31214000123")
    p2 = con.execute("SELECT birth_date FROM pupils WHERE pupil_code = '3100000002'").fetchall()[0][0]
    assert p2 == dt.date(2014, 5, 23)
    notes = {(r[0], r[1]) for r in con.execute("SELECT field, note_code FROM normalization_notes").fetchall()}
    assert ("birth_date", "invalid_date") in notes
    assert ("birth_date", "date_day_month_swapped") in notes
    assert ("personal_id", "leading_zero_restored") in notes
    assert counts(con)["rejected_rows"] == 0


def test_wide_grade_book_melts_marks_and_keeps_semester_averages(tmp_path):
    exp = tmp_path / "x" / "31000001_2025-2026"
    header = ["STT", "Mã định danh", "Họ và tên", "Môn học", "ĐĐGtx1", "ĐĐGtx2", "ĐĐGtx3", "ĐĐGtx4", "ĐĐGgk",
              "ĐĐGck", "ĐTBmhk"]
    hk1 = [["SỔ THEO DÕI — LỚP 6A1 — HỌC KỲ 1"], [], header,
           [1, "3100000001", "Nguyễn Văn An", "Toán", 6, 8, 7.5, "", 5, 10, 7.7],
           [2, "3100000001", "Nguyễn Văn An", "Giáo dục thể chất", "Đ", "Đ", "", "", "Đ", "Đ", "Đ"],
           [3, "3100000001", "Nguyễn Văn An", "Môn lạ", 5, 5, "", "", 5, 5, 5]]
    write_xlsx(exp / "SoDiem_6A1.xlsx", {"HK1": hk1, "HK2": [[], header]})
    con, (res,) = load_dir(exp)
    marks = con.execute("SELECT subject_code, semester, kind, idx, value, token, value_raw, src_row FROM marks "
                        "ORDER BY subject_code, kind, idx").fetchall()
    toan = [m for m in marks if m[0] == "TOAN"]
    assert [(m[2], m[3], float(m[4])) for m in toan] == [("CK", 1, 10.0), ("GK", 1, 5.0), ("TX", 1, 6.0),
                                                       ("TX", 2, 8.0), ("TX", 3, 7.5)]
    assert all(m[1] == 1 and m[7] == 4 for m in toan)
    gdtc = [m for m in marks if m[0] == "GDTC"]
    assert {m[5] for m in gdtc} == {"Đ"} and all(m[4] is None for m in gdtc)
    avg = con.execute("SELECT subject_code, period, average, level FROM subject_results ORDER BY 1").fetchall()
    assert [(a[0], a[1], None if a[2] is None else float(a[2]), a[3]) for a in avg] == [
        ("GDTC", "HK1", None, "Đ"), ("TOAN", "HK1", 7.7, None)]
    rej = con.execute("SELECT row_number, reason_code, reason FROM rejected_rows").fetchall()
    assert rej[0][:2] == (6, "unknown_subject")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (3, 2, 1)
    assert_reconciled(con)


def test_two_row_header_with_merged_group_cells_is_understood(tmp_path):
    exp = tmp_path / "x" / "31000001_2025-2026"
    top = ["STT", "Mã định danh", "Họ và tên", "Môn học", "ĐĐGtx", "", "", "", "ĐĐGgk", "ĐĐGck", "ĐTBmhk"]
    sub = ["", "", "", "", "1", "2", "3", "4", "", "", ""]
    rows = [top, sub, [1, "3100000001", "Nguyễn Văn An", "Ngữ văn", 7, 8, 9, 6, 7, 8, 7.6]]
    merges = {"HK2": [(0, 4, 0, 7, "ĐĐGtx"), (0, 1, 1, 1, "Mã định danh")]}
    write_xlsx(exp / "SoDiem_6A1.xlsx", {"HK2": rows}, merges=merges)
    con, _ = load_dir(exp)
    got = con.execute("SELECT kind, idx, value FROM marks WHERE kind = 'TX' ORDER BY idx").fetchall()
    assert [(k, i, float(v)) for k, i, v in got] == [("TX", 1, 7.0), ("TX", 2, 8.0), ("TX", 3, 9.0), ("TX", 4, 6.0)]
    assert con.execute("SELECT DISTINCT semester, src_row FROM marks").fetchall() == [(2, 3)]


def test_long_csv_with_bom_semicolons_and_decimal_commas(tmp_path):
    exp = tmp_path / "x" / "31000002_2025-2026"
    exp.mkdir(parents=True)
    text = ("nam_hoc;lop;ma_hoc_sinh;mon_hoc;hoc_ky;loai_diem;lan;diem\r\n"
            "2025-2026;7A1;3100000009;Toán học;1;TX;1;8,5\r\n"
            "2025-2026;7A1;3100000009;Toán học;1;GK;1;7\r\n"
            "2025-2026;7A1;3100000009;Mĩ thuật;1;TX;1;Đ\r\n"
            "2025-2026;7A1;3100000009;Toán học;1;TX;2;abc\r\n")
    (exp / "diem.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    con, (res,) = load_dir(exp)
    assert res.profile == "csv_long"
    got = con.execute("SELECT subject_code, kind, idx, value, token, value_raw FROM marks ORDER BY src_row").fetchall()
    assert got[0][:3] == ("TOAN", "TX", 1) and float(got[0][3]) == 8.5 and got[0][5] == "8,5"
    assert got[2][4] == "Đ"
    assert got[3][3] is None and got[3][5] == "abc"
    codes = {r[0] for r in con.execute("SELECT note_code FROM normalization_notes").fetchall()}
    assert {"decimal_comma", "invalid_mark"} <= codes
    enc = con.execute("SELECT encoding FROM manifest").fetchall()
    assert enc == [("utf-8-sig",)]
    assert_reconciled(con)


def test_windows_1258_csv_is_detected_reported_and_converted(tmp_path):
    exp = tmp_path / "x" / "31000002_2025-2026"
    exp.mkdir(parents=True)
    text = "ma_can_bo;ho_ten;chuc_vu\r\nGV01;Phạm Thị Hường;HT\r\nGV02;Đỗ Quốc Việt;GV\r\n"
    (exp / "canbo.csv").write_bytes(encode_cp1258(text))
    con, _ = load_dir(exp)
    names = [r[0] for r in con.execute("SELECT full_name FROM teachers ORDER BY teacher_code").fetchall()]
    assert names == ["Phạm Thị Hường", "Đỗ Quốc Việt"]
    assert con.execute("SELECT encoding FROM manifest").fetchall() == [("cp1258",)]
    assert ("encoding_cp1258", "canbo.csv") in {(e[0], e[1]) for e in errors(con)}
    assert con.execute("SELECT position FROM teachers ORDER BY teacher_code").fetchall() == [("Hiệu trưởng",),
                                                                                         ("Giáo viên",)]


def test_unusable_files_get_one_clear_error_each_and_the_rest_still_loads(tmp_path):
    exp = tmp_path / "x" / "31000001_2025-2026"
    good = csdl_class_list(exp / "DanhSachHocSinh_6A1.xlsx", [
        pupil_row(1, "3100000001", "Nguyễn Văn An", "15/02/2014", "Nam", "031214000123")])
    data = good.read_bytes()
    (exp / "DanhSachHocSinh_6A2.xlsx").write_bytes(data[: len(data) // 2])      # truncated
    (exp / "DanhSachHocSinh_6A3.xlsx").write_bytes(b"")                         # 0 bytes
    write_xlsx(exp / "DanhSachHocSinh_6A4.xlsx", {"Trống": []})                  # empty sheet
    dup = list(CSDL_CLASS_HEADER)
    dup[12] = "Họ tên"                                                           # duplicated header
    write_xlsx(exp / "DanhSachHocSinh_6A5.xlsx", {"DS": [dup, pupil_row(1, "3100000005", "Vũ Văn E", "01/01/2014",
                                                                        "Nam", "031214000555")]})
    missing = [h if h != "Mã định danh Bộ GD&ĐT" else "Mã định danh BGD" for h in CSDL_CLASS_HEADER]
    write_xlsx(exp / "DanhSachHocSinh_6A6.xlsx", {"DS": [missing, pupil_row(1, "3100000006", "Vũ Thị F",
                                                                            "01/01/2014", "Nữ", "031314000666")]})
    con, (res,) = load_dir(exp)
    errs = {e[1]: e for e in errors(con) if e[0] != "unknown_column"}
    assert errs["DanhSachHocSinh_6A2.xlsx"][0] == "unreadable_xlsx"
    assert errs["DanhSachHocSinh_6A3.xlsx"][0] == "empty_file"
    assert errs["DanhSachHocSinh_6A4.xlsx"][0] == "empty_sheet" and errs["DanhSachHocSinh_6A4.xlsx"][2] == "Trống"
    assert errs["DanhSachHocSinh_6A5.xlsx"][0] == "duplicate_header"
    assert "M" in errs["DanhSachHocSinh_6A5.xlsx"][3] and "C" in errs["DanhSachHocSinh_6A5.xlsx"][3]
    miss = errs["DanhSachHocSinh_6A6.xlsx"]
    assert miss[0] == "missing_header" and "có phải ý bạn là 'Mã định danh BGD'" in miss[3]
    assert "DanhSachHocSinh_6A6.xlsx" in miss[3] and "'DS'" in miss[3]
    # the good file loaded; the rows of unusable sheets are listed as rejected
    assert con.execute("SELECT pupil_code FROM pupils").fetchall() == [("3100000001",)]
    rej = con.execute("SELECT file, reason_code FROM rejected_rows ORDER BY file").fetchall()
    assert rej == [("DanhSachHocSinh_6A5.xlsx", "file_unusable"), ("DanhSachHocSinh_6A5.xlsx", "file_unusable"),
                   ("DanhSachHocSinh_6A6.xlsx", "file_unusable"), ("DanhSachHocSinh_6A6.xlsx", "file_unusable")]
    assert_reconciled(con)
    assert res.rows_read == 1 + 2 + 2


def test_zip_entry_escaping_its_folder_is_refused_and_the_rest_loads(tmp_path):
    root = tmp_path / "x"
    src = tmp_path / "src"
    csdl_class_list(src / "DanhSachHocSinh_6A1.xlsx", [
        pupil_row(1, "3100000001", "Nguyễn Văn An", "15/02/2014", "Nam", "031214000123")])
    root.mkdir()
    with zipfile.ZipFile(root / "31000001_2025-2026.zip", "w") as z:
        z.write(src / "DanhSachHocSinh_6A1.xlsx", "31000001_2025-2026/DanhSachHocSinh_6A1.xlsx")
        z.writestr("../../evil.csv", "ma_can_bo;ho_ten\nX;Y\n")
        z.writestr("/etc/abs.csv", "a;b\n")
    con = fresh_db()
    (export,) = discover_exports(root)
    load_export(con, export, "r1", PROFILES)
    errs = errors(con)
    assert {e[1] for e in errs if e[0] == "unsafe_zip_entry"} == {"../../evil.csv", "/etc/abs.csv"}
    assert con.execute("SELECT count(*) FROM pupils").fetchall() == [(1,)]
    assert not (tmp_path / "evil.csv").exists()


@pytest.mark.parametrize("files, expected", [
    ({"DanhSachHocSinh_6A1.xlsx": None, "DanhSachLop.xlsx": None}, "csdl_nganh"),
    ({"SoLieuTruong.xlsx": None}, "smas_workbook"),
    ({"hocsinh.csv": None, "diem.csv": None, "lop.csv": None}, "csv_long"),
])
def test_profile_is_detected_from_the_export_files(tmp_path, files, expected):
    exp = tmp_path / "31000001_2025-2026"
    exp.mkdir()
    for name in files:
        (exp / name).write_bytes(b"x")
    (export,) = discover_exports(tmp_path)
    profile, note = detect_profile(export, PROFILES)
    assert profile.name == expected and note == ""


def test_unknown_forced_profile_names_the_closest(tmp_path):
    exp = tmp_path / "31000001_2025-2026"
    exp.mkdir()
    (exp / "diem.csv").write_text("a;b\n", encoding="utf-8")
    (export,) = discover_exports(tmp_path)
    with pytest.raises(LoadError, match="csv_long"):
        load_export(fresh_db(), export, "r1", PROFILES, profile_name="csv_lng")


def test_export_without_contract_name_still_loads_with_a_warning(tmp_path):
    exp = tmp_path / "truong-le-chan"
    csdl_class_list(exp / "DanhSachHocSinh_6A1.xlsx", [
        pupil_row(1, "3100000001", "Nguyễn Văn An", "15/02/2014", "Nam", "031214000123")])
    con = fresh_db()
    (export,) = discover_exports(tmp_path)
    load_export(con, export, "r1", PROFILES)
    assert ("export_name", "") in {(e[0], e[1]) for e in errors(con)}
    assert con.execute("SELECT school_id FROM pupils").fetchall() == [("truong-le-chan",)]


def test_a_sheet_no_source_claims_is_listed_with_its_rows_rejected(tmp_path):
    exp = tmp_path / "x" / "31000001_2025-2026"
    header = ["STT", "Mã định danh", "Họ và tên", "Môn học", "ĐĐGtx1", "ĐĐGgk", "ĐĐGck", "ĐTBmhk"]
    write_xlsx(exp / "SoDiem_6A1.xlsx", {"HK1": [header, [1, "3100000001", "An", "Toán", 7, 7, 7, 7]],
                                        "Hướng dẫn": [["Nhập điểm vào các cột TX"], ["Không sửa tiêu đề"]]})
    con, (res,) = load_dir(exp)
    m = con.execute("SELECT sheet, status, rows_read, rows_rejected FROM manifest ORDER BY sheet").fetchall()
    assert m == [("HK1", "loaded", 1, 0), ("Hướng dẫn", "skipped", 2, 2)]
    assert ("unmatched_sheet", "SoDiem_6A1.xlsx") in {(e[0], e[1]) for e in errors(con)}
    assert_reconciled(con)


def test_legacy_8bit_csv_is_reported_and_its_mojibake_flagged_per_value(tmp_path):
    from hocba_audit.normalize import unicode_to_tcvn3

    exp = tmp_path / "x" / "31000002_2025-2026"
    exp.mkdir(parents=True)
    name = unicode_to_tcvn3("Nguyễn Thị Hường")
    text = f"ma_can_bo;ho_ten\r\nGV01;{name}\r\n"
    (exp / "canbo.csv").write_bytes(text.encode("cp1252", errors="strict"))
    con, _ = load_dir(exp)
    assert con.execute("SELECT encoding FROM manifest").fetchall() == [("cp1252?",)]
    assert "encoding_legacy_8bit" in {e[0] for e in errors(con)}
    notes = con.execute("SELECT note_code, suggestion FROM normalization_notes WHERE field = 'full_name'").fetchall()
    assert notes == [("mojibake_tcvn3", "Nguyễn Thị Hường")]
