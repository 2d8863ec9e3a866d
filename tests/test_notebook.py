"""Per-school notebook contract: it runs with papermill on an audit database, and the HTML
export hides code, shows the Vietnamese sections and never shows a whole personal ID."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from hocba_audit.catalogue import load_catalogue
from hocba_audit.errors import ReportError
from hocba_audit.model import create_schema
from hocba_audit.reports import execute_school_notebook
from hocba_audit.runner import run_rules
from hocba_audit.masking import mask_id, mask_ids_in_text

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "school_audit.ipynb"
RULES_DIR = ROOT / "audits" / "rules"
BAD_ID = "031208001235"  # a girl's ID with a boy's century digit: fails HS-003
REJECTED_ID = "031299990001"
HEADINGS = (
    "Thông tin trường",
    "Đối chiếu dữ liệu nạp",
    "Các dòng bị loại khi nạp",
    "Kết quả kiểm tra theo quy tắc",
    "Chi tiết các lỗi phát hiện",
)


def insert(con: duckdb.DuckDBPyConnection, table: str, **row: object) -> None:
    cols = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("?" for _ in row)
    con.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', list(row.values())).fetchall()


@pytest.fixture()
def audit_db(tmp_path: Path) -> Path:
    path = tmp_path / "audit.duckdb"
    con = duckdb.connect(str(path))
    create_schema(con)
    insert(con, "runs", run_id="r1", started_at="2026-01-05 08:00:00", tool_version="test")
    insert(con, "schools", school_id="S1", school_name="Trường THCS Lê Lợi", level="THCS")
    insert(con, "school_years", school_id="S1", school_year="2025-2026")
    insert(con, "pupils", school_id="S1", pupil_code="0312345678", personal_id="031210001234",
           full_name="Nguyễn Văn An", sex="Nam", birth_date="2010-03-04",
           src_file="hoc_sinh.xlsx", src_sheet="DS", src_row=2)
    insert(con, "pupils", school_id="S1", pupil_code="0312345679", personal_id=BAD_ID,
           full_name="Trần Thị Bình", sex="Nữ", birth_date="2008-05-01",
           src_file="hoc_sinh.xlsx", src_sheet="DS", src_row=3)
    insert(con, "manifest", run_id="r1", school_id="S1", export="S1", file="hoc_sinh.xlsx",
           sheet="DS", rows_read=3, rows_loaded=2, rows_rejected=1, status="ok")
    insert(con, "rejected_rows", run_id="r1", school_id="S1", file="hoc_sinh.xlsx", sheet="DS",
           row_number=4, field="birth_date", reason_code="date.invalid",
           reason=f"Ngày sinh '31/02/2010' không hợp lệ (số định danh {REJECTED_ID})",
           raw_row=f"Lê Văn Cường;{REJECTED_ID};31/02/2010")
    run_rules(con, load_catalogue(RULES_DIR), "r1")
    con.close()
    return path


def test_mask_id_keeps_three_digits_at_each_end() -> None:
    assert mask_id("031208001235") == "031******235"
    assert mask_id("31208001235") == "312*****235"
    assert mask_id("123") == "***"
    assert mask_id(None) is None
    assert mask_ids_in_text(f"số {BAD_ID}, mã 0312345679") == "số 031******235, mã 0312345679"


@pytest.mark.slow
def test_school_notebook_renders_html_without_code_or_ids(audit_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    params = {
        "db_path": str(audit_db), "school_id": "S1", "run_id": "", "rules_dir": str(RULES_DIR),
    }
    executed = execute_school_notebook(NOTEBOOK, out, params)
    html_path = out / "school_audit.html"
    assert executed == out / "school_audit.ipynb" and executed.is_file() and html_path.is_file()
    assert sorted(p.name for p in out.iterdir()) == ["school_audit.html", "school_audit.ipynb"]
    html = html_path.read_text(encoding="utf-8")
    code_cells = re.findall(r'class="jp-Cell jp-CodeCell[^"]*"', html)
    assert code_cells and all("jp-mod-noInput" in c for c in code_cells)
    for code in ("load_school_summary", "show_table(", "db_path"):
        assert code not in html, code
    for heading in HEADINGS:
        assert heading in html, heading
    assert "Trường THCS Lê Lợi" in html and "HS-003" in html and "Không đạt" in html
    assert "031******235" in html and "031******001" in html
    assert BAD_ID not in html and REJECTED_ID not in html
    nb = json.loads(executed.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    assert not any(o.get("output_type") == "error" for o in outputs)


def test_committed_notebook_has_no_outputs_and_one_parameters_cell() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    source = "".join(tagged[0]["source"])
    for line in ('db_path: str = "../reports/latest/audit.duckdb"', 'school_id: str = ""',
                 'run_id: str = ""'):
        assert line in source


def test_unknown_parameter_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="'colour'"):
        execute_school_notebook(NOTEBOOK, tmp_path, {"colour": "red"})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_failing_notebook_keeps_the_partial_notebook(audit_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "school_audit.html").write_text("stale", encoding="utf-8")
    with pytest.raises(ReportError) as info:
        execute_school_notebook(NOTEBOOK, out, {"db_path": str(audit_db), "school_id": "NOPE"})
    err = info.value
    assert err.cell is not None and "NOPE" in str(err)
    assert err.notebook == str(out / "school_audit.ipynb") and Path(err.notebook).is_file()
    assert sorted(p.name for p in out.iterdir()) == ["school_audit.ipynb"]


def test_unknown_kernel_is_a_report_error_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no-such-kernel") as info:
        execute_school_notebook(NOTEBOOK, tmp_path, {}, kernel_name="no-such-kernel")
    assert info.value.notebook is None
    assert list(tmp_path.iterdir()) == []


def _outputs(executed: Path) -> list[str]:
    nb = json.loads(executed.read_text(encoding="utf-8"))
    return [json.dumps(c["outputs"], sort_keys=True, ensure_ascii=False)
            for c in nb["cells"] if c["cell_type"] == "code"
            and "injected-parameters" not in c["metadata"].get("tags", [])]


@pytest.mark.slow
def test_notebook_given_a_prepared_report_does_not_open_the_database(audit_db: Path, tmp_path: Path) -> None:
    """The renderer hands the notebook the report it built (``report_path``): the notebook shows
    it without querying the database (its db_path here does not exist) and shows exactly what
    it shows when it builds the report itself."""
    from hocba_audit.report_school import build_school_report, load_catalogue_info, open_db
    from hocba_audit.reports import save_report

    con = open_db(audit_db)
    report = build_school_report(con, "S1", "r1", load_catalogue_info("", RULES_DIR), as_of="2026-01-05",
                                 parameters={"school_id": "S1", "run_id": "r1"})
    con.close()
    prepared = tmp_path / "report.pickle"
    save_report(report, prepared)
    common = {"school_id": "S1", "run_id": "r1", "rules_dir": str(RULES_DIR), "as_of": "2026-01-05"}
    loaded = execute_school_notebook(NOTEBOOK, tmp_path / "loaded", {
        **common, "db_path": str(tmp_path / "no-such.duckdb"), "report_path": str(prepared)})
    built = execute_school_notebook(NOTEBOOK, tmp_path / "built", {**common, "db_path": str(audit_db)})
    assert not (tmp_path / "no-such.duckdb").exists()
    assert _outputs(loaded) == _outputs(built)
    html = (tmp_path / "loaded" / "school_audit.html").read_text(encoding="utf-8")
    assert "Trường THCS Lê Lợi" in html and "031******235" in html and BAD_ID not in html
    # a prepared report that is gone (the executed notebook run again): built from the database
    again = execute_school_notebook(NOTEBOOK, tmp_path / "again", {
        **common, "db_path": str(audit_db), "report_path": str(tmp_path / "gone.pickle")})
    assert _outputs(again) == _outputs(built)


def test_prepared_report_of_another_school_is_refused(audit_db: Path, tmp_path: Path) -> None:
    from hocba_audit.report_school import build_school_report, load_catalogue_info, open_db
    from hocba_audit.reports import load_report, save_report

    con = open_db(audit_db)
    report = build_school_report(con, "S1", "r1", load_catalogue_info("", RULES_DIR))
    con.close()
    path = tmp_path / "r.pickle"
    save_report(report, path)
    assert load_report(str(path), "S1", "r1") == report
    assert load_report("", "S1") is None and load_report(str(tmp_path / "gone"), "S1") is None
    with pytest.raises(ReportError, match="S2"):
        load_report(str(path), "S2", "r1")
    save_report({"school_id": "S1"}, path)
    with pytest.raises(ReportError, match="no school report"):
        load_report(str(path), "S1")
