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
    year = con.execute("SELECT school_year FROM school_years").fetchall()
    assert year == [(data.school_year,)]
