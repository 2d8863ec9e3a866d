"""Generated canonical data written in each vendor layout loads back to the same values (issue #2).

This exercises every profile's declarations end to end: file and sheet patterns, header aliases,
value maps, combined name parts, wide-to-long melting, dates, decimal commas and encodings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from exports_kit import fresh_db, reconciliation
from hocba_audit.exports import discover_exports
from hocba_audit.generator import CitySpec, generate_school, plan_city
from hocba_audit.ingest import load_export
from hocba_audit.profiles import load_profiles
from hocba_audit.writers import write_export

PROFILES = load_profiles()
SPEC = CitySpec(schools=3, seed=11, defect_rate=0.0, levels=("TH", "THCS", "THPT"), pupils_scale=0.08)


@pytest.fixture(scope="module")
def clean_schools():
    return {p.level: generate_school(p, SPEC) for p in plan_city(SPEC)}


def _norm(v):
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, (int,)) and not isinstance(v, bool):
        return str(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _rows(records, cols):
    return sorted(tuple(_norm(r.get(c)) for c in cols) for r in records)


def _db_rows(con, table, cols):
    out = con.execute(f'SELECT {", ".join(cols)} FROM "{table}"').fetchall()
    return sorted(tuple(_norm(v) for v in r) for r in out)


CHECKS = {
    "pupils": ["pupil_code", "personal_id", "full_name", "birth_date", "sex", "ethnicity_code", "status",
               "father_name", "mother_name"],
    "enrolments": ["pupil_code", "class_name", "status", "transfer_out_date"],
    "classes": ["class_name", "grade", "homeroom_teacher_code"],
    "teachers": ["teacher_code", "personal_id", "full_name", "birth_date", "sex", "position"],
    "teaching_assignments": ["class_name", "subject_code", "semester", "teacher_code"],
    "marks": ["pupil_code", "subject_code", "semester", "kind", "idx", "value", "token"],
    "subject_results": ["pupil_code", "subject_code", "period", "average", "level"],
    "year_results": ["pupil_code", "conduct_hk1", "conduct_hk2", "conduct_year", "academic_hk1", "academic_hk2",
                     "academic_year", "absences", "decision", "award"],
    "primary_evaluations": ["pupil_code", "item_kind", "item_code", "checkpoint", "level", "test_score"],
    "primary_results": ["pupil_code", "overall", "completed_grade", "completed_primary", "award"],
    "certificates": ["holder_kind", "holder_code", "cert_file", "serial"],
    "grade_edits": ["school_year", "class_name", "pupil_code", "subject_code", "period", "field", "old_value",
                    "new_value", "changed_at", "changed_by"],
}


# how each profile writes the edit time: text dd/mm/yyyy, a real XLSX datetime cell (read back as
# calamine renders it), ISO 8601 with 'T'
EDIT_TIME_TEXT = {
    "csdl_nganh": lambda t: t.strftime("%d/%m/%Y %H:%M:%S"),
    "smas_workbook": lambda t: t.strftime("%Y-%m-%d %H:%M:%S"),
    "csv_long": lambda t: t.strftime("%Y-%m-%dT%H:%M:%S"),
}


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("level", ["TH", "THCS", "THPT"])
def test_clean_school_written_in_a_profile_loads_back_unchanged(tmp_path, clean_schools, profile, level):
    data = clean_schools[level]
    out = tmp_path / "exports" / f"{data.school_id}_{data.school_year}"
    write_export(data.tables, PROFILES[profile], out, {"encoding": "cp1258"} if profile == "csv_long" else {})
    con = fresh_db()
    (export,) = discover_exports(tmp_path / "exports")
    res = load_export(con, export, "r1", PROFILES)
    assert res.profile == profile
    assert res.rows_rejected == 0, con.execute("SELECT * FROM rejected_rows LIMIT 5").fetchall()
    problems = con.execute("SELECT error_code, file, sheet, message FROM load_errors "
                           "WHERE error_code NOT LIKE 'encoding_%'").fetchall()
    assert problems == []
    notes = con.execute("SELECT DISTINCT note_code FROM normalization_notes").fetchall()
    assert set(n[0] for n in notes) <= {"decimal_comma"}, notes
    for file, sheet, read, loaded, rejected, listed in reconciliation(con):
        assert read == loaded + rejected == loaded
    for table, cols in CHECKS.items():
        expected = _rows(data.tables.get(table, []), cols)
        assert _db_rows(con, table, cols) == expected, table
    assert data.tables["grade_edits"], "every generated school has an edit log"
    raw, stamp = con.execute("SELECT changed_at_raw, changed_at FROM grade_edits LIMIT 1").fetchone()
    assert raw == EDIT_TIME_TEXT[profile](stamp)
    year = con.execute("SELECT school_year FROM school_years").fetchall()
    assert year == [(data.school_year,)]


TRAP_TIMES = [   # (cell text, loaded value or None if the row is rejected, note code)
    ("2026-01-15T10:30:05", dt.datetime(2026, 1, 15, 10, 30, 5), None),
    ("15/01/2026 10:30", dt.datetime(2026, 1, 15, 10, 30), None),
    ("46037.4375", dt.datetime(2026, 1, 15, 10, 30), "excel_serial_datetime"),
    ("15/01/2026", dt.datetime(2026, 1, 15), "datetime_date_only"),
    ("2026-01-15T03:30:05Z", dt.datetime(2026, 1, 15, 10, 30, 5), "datetime_zone_converted"),
    ("01/15/2026 10:30", dt.datetime(2026, 1, 15, 10, 30), "date_day_month_swapped"),
    ("15/01/26 10:30", None, "datetime_two_digit_year"),
    ("hôm qua", None, "invalid_datetime"),
]


def test_edit_times_in_odd_forms_load_with_notes_or_are_rejected(tmp_path, clean_schools):
    """The edit time is required: unreadable times reject the row (listed with the reason);
    odd but readable forms load with a note on the row."""
    data = clean_schools["THCS"]
    out = tmp_path / "exports" / f"{data.school_id}_{data.school_year}"
    write_export(data.tables, PROFILES["csv_long"], out)
    log = out / "nhat_ky_sua_diem.csv"
    lines = log.read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0].split(";"), [line.split(";") for line in lines[1:len(TRAP_TIMES) + 1]]
    assert len(rows) == len(TRAP_TIMES)
    at = header.index("thoi_gian_sua")
    for row, (text, _, _) in zip(rows, TRAP_TIMES):
        row[at] = text
    log.write_text("\n".join([";".join(header)] + [";".join(r) for r in rows]) + "\n",
                   encoding="utf-8-sig")
    con = fresh_db()
    (export,) = discover_exports(tmp_path / "exports")
    load_export(con, export, "r1", PROFILES)
    loaded = dict(con.execute("SELECT src_row, changed_at FROM grade_edits").fetchall())
    rejected = dict(con.execute("SELECT row_number, reason_code FROM rejected_rows "
                                "WHERE file = 'nhat_ky_sua_diem.csv' AND field = 'changed_at'").fetchall())
    notes = dict(con.execute("SELECT row_number, note_code FROM normalization_notes "
                             "WHERE \"table\" = 'grade_edits' AND field = 'changed_at'").fetchall())
    for i, (text, value, code) in enumerate(TRAP_TIMES, start=2):   # row 1 is the header
        if value is None:
            assert i not in loaded and rejected.get(i) == code, (text, rejected)
        else:
            assert loaded.get(i) == value, (text, loaded.get(i))
            assert notes.get(i) == code, (text, notes.get(i))
    read, loaded_n, rejected_n = con.execute(
        "SELECT rows_read, rows_loaded, rows_rejected FROM manifest WHERE file = 'nhat_ky_sua_diem.csv'").fetchone()
    assert (read, loaded_n, rejected_n) == (len(TRAP_TIMES), len(TRAP_TIMES) - 2, 2)
