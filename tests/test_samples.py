"""The committed data_samples/ load without losing a row, and the end-to-end command works (#2)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from hocba_audit.cli import cli
from hocba_audit.paths import project_dir
from hocba_audit.run import load_all

SAMPLES = project_dir() / "data_samples"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("samples") / "samples.duckdb"
    results = load_all(db, SAMPLES / "exports", "t1")
    con = duckdb.connect(str(db), read_only=True)
    yield con, results
    con.close()


def truth_rows() -> list[dict]:
    with (SAMPLES / "truth.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_samples_cover_every_level_profile_zip_and_legacy_encoding(sample_db):
    con, results = sample_db
    levels = {r[0] for r in con.execute("SELECT level FROM schools").fetchall()}
    assert levels == {"TH", "THCS", "THPT", "GDTX"}
    assert {r.profile for r in results} == {"csdl_nganh", "smas_workbook", "csv_long"}
    assert any(Path(r.export).name for r in results)
    assert (SAMPLES / "exports").glob("*.zip"), "one sample export is zipped"
    assert any(p.suffix == ".zip" for p in (SAMPLES / "exports").iterdir())
    encodings = {r[0] for r in con.execute("SELECT DISTINCT encoding FROM manifest").fetchall()}
    assert {"xlsx", "cp1258"} <= encodings


def test_every_sample_file_reconciles_read_loaded_rejected(sample_db):
    con, results = sample_db
    rows = con.execute("""
        SELECT m.school_id, m.file, m.sheet, m.rows_read, m.rows_loaded, m.rows_rejected,
               (SELECT count(*) FROM rejected_rows r WHERE r.school_id = m.school_id AND r.file = m.file
                  AND coalesce(r.sheet, '') = coalesce(m.sheet, '')) AS listed
        FROM manifest m""").fetchall()
    assert len(rows) > 20
    for sid, file, sheet, read, loaded, rejected, listed in rows:
        assert read == loaded + rejected, (sid, file, sheet)
        assert rejected == listed, (sid, file, sheet)
    for r in results:
        assert r.rows_read == r.rows_loaded + r.rows_rejected > 0


def test_every_sample_file_is_in_the_manifest_with_its_hash(sample_db):
    con, _ = sample_db
    hashes = {r[0] for r in con.execute("SELECT sha256 FROM manifest").fetchall()}
    folders = [p for p in (SAMPLES / "exports").iterdir() if p.is_dir()]
    import hashlib

    for folder in folders:
        for f in folder.rglob("*"):
            if f.is_file():
                assert hashlib.sha256(f.read_bytes()).hexdigest() in hashes, f


def test_truth_file_names_only_sample_schools_and_known_tables(sample_db):
    con, _ = sample_db
    schools = {r[0] for r in con.execute("SELECT school_id FROM schools").fetchall()}
    rows = truth_rows()
    assert rows and {r["school_id"] for r in rows} <= schools
    from hocba_audit.model import TABLES_BY_NAME

    assert {r["table"] for r in rows} <= set(TABLES_BY_NAME) | {""}


def test_encoding_level_defects_of_the_truth_surface_as_load_notes(sample_db):
    """Mojibake, lost leading zeros and swapped day/month are seen by the loader itself."""
    con, _ = sample_db
    truth = truth_rows()
    notes = con.execute("SELECT school_id, field, note_code FROM normalization_notes").fetchall()

    def count(code):
        return sum(1 for r in truth if r["defect_code"] == code)

    def noted(field, codes):
        return sum(1 for n in notes if n[1] == field and n[2] in codes)

    assert count("NAME_MOJIBAKE_TCVN3") + count("NAME_MOJIBAKE_VNI") > 0
    assert noted("full_name", {"mojibake_tcvn3", "mojibake_vni"}) >= (count("NAME_MOJIBAKE_TCVN3")
                                                                      + count("NAME_MOJIBAKE_VNI"))
    assert noted("personal_id", {"leading_zero_restored", "leading_zero_lost"}) >= count("PUPIL_ID_LEADING_ZERO_LOST")
    assert noted("birth_date", {"date_day_month_swapped"}) == count("PUPIL_BIRTH_DATE_DAY_MONTH_SWAPPED")


def test_samples_readme_has_a_line_per_file():
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for p in sorted((SAMPLES / "exports").iterdir()):
        assert p.name in readme, p.name
        if p.is_dir():
            for f in p.iterdir():
                assert f.name in readme, f
    assert "truth.csv" in readme


def test_samples_stay_small():
    size = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert size < 10 * 1024 * 1024


def test_run_command_loads_audits_and_writes_reports(tmp_path):
    result = CliRunner().invoke(cli, ["run", "--exports", str(SAMPLES / "exports"), "--out", str(tmp_path),
                                      "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "rows read" in result.output and "findings" in result.output
    latest = tmp_path / "latest"
    assert latest.exists()
    reports = sorted(latest.glob("*/school_audit.html"))
    assert len(reports) == 4
    for html in reports:
        text = html.read_text(encoding="utf-8")
        assert "Đối chiếu dữ liệu nạp" in text
        assert (html.parent / "school_audit.ipynb").exists()
    con = duckdb.connect(str(latest / "audit.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM rule_results").fetchall()[0][0] > 0
    assert con.execute("SELECT count(*) FROM findings").fetchall()[0][0] > 0
    con.close()
