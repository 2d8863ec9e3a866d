"""Per-school, city and department reports on data_samples/ (#5): outputs exist, personal IDs
are masked in every file, Vietnamese survives into the PDF, the fix-list is safe to open, reruns
skip unchanged schools and a killed render leaves earlier reports whole."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import duckdb
import pytest

from hocba_audit.catalogue import load_catalogue
from hocba_audit.fixlist import neutralise
from hocba_audit.masking import UNMASKED_ID
from hocba_audit.paths import project_dir
from hocba_audit.report_render import SCHOOL_FILES, render_city_reports, render_school_reports
from hocba_audit.report_school import days_left_text, decide_verdict
from hocba_audit.run import load_all
from hocba_audit.runner import run_rules

ROOT = project_dir()
SCHOOLS = ["31200000", "31400002"]  # a primary and an upper-secondary school
INJECTED = ("=HYPERLINK(\"http://x\")", "@SUM(A1)", "+1", "-2")


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="session")
def run(tmp_path_factory, catalogue):
    """data_samples/ loaded and audited once, then rendered once (two schools, city, department)."""
    reports = tmp_path_factory.mktemp("reports")
    run_dir = reports / "r1"
    run_dir.mkdir()
    db = run_dir / "audit.duckdb"
    load_all(db, ROOT / "data_samples" / "exports", "r1", jobs=2)
    con = duckdb.connect(str(db))
    run_rules(con, catalogue, "r1")
    con.execute("UPDATE runs SET finished_at = now()")
    # findings whose values would be formulas in a spreadsheet
    for i, v in enumerate(INJECTED):
        con.execute("INSERT INTO findings VALUES ('r1', '31400002', 'DIEM-001', 'lỗi', 'marks', ?, 'value', ?, ?,"
                    " 'sửa', 'diem.csv', '', ?)", [f"k{i}", v, v, 9000 + i])
    con.close()
    outcomes = render_school_reports(db, run_dir, SCHOOLS, 2, catalogue=catalogue)
    city = render_city_reports(db, run_dir)
    return run_dir, db, outcomes, city


def _ids(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("""SELECT personal_id FROM pupils UNION SELECT personal_id_raw FROM pupils
                          UNION SELECT personal_id FROM teachers UNION SELECT personal_id_raw FROM teachers""").fetchall()
    con.close()
    return {r[0] for r in rows if r[0] and len(r[0]) >= 9}


def _text_of(path: Path) -> str:
    if path.suffix == ".pdf":
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                              text=True).stdout
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                         for c in row if c is not None)
    return path.read_text(encoding="utf-8")


def test_verdict_and_days_left_wording():
    assert decide_verdict(1, 0) == "not_ready" and decide_verdict(0, 3) == "needs_work"
    assert decide_verdict(0, 0) == "ready" and decide_verdict(0, 0, rules_errored=1) == "needs_work"
    assert days_left_text(12) == "còn 12 ngày" and days_left_text(-5) == "quá hạn 5 ngày"


def test_neutralise_prefixes_formula_starters_only():
    assert [neutralise(v) for v in INJECTED] == ["'" + v for v in INJECTED]
    assert neutralise("Nguyễn Văn An") == "Nguyễn Văn An" and neutralise(3) == 3


def test_every_school_gets_all_four_outputs(run):
    run_dir, _db, outcomes, city = run
    assert [o.status for o in outcomes] == ["rendered", "rendered"], [o.error for o in outcomes]
    for sid in SCHOOLS:
        for name in SCHOOL_FILES + ("report.json",):
            assert (run_dir / sid / name).stat().st_size > 0, (sid, name)
        assert not list((run_dir / sid).glob(".*")), "temporary files left behind"
    for p in city.values():
        assert p.stat().st_size > 0


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_every_output_masks_personal_ids(run):
    run_dir, db, _o, _c = run
    ids = _ids(db)
    assert ids
    files = [p for p in run_dir.rglob("*") if p.suffix in (".html", ".ipynb", ".pdf", ".xlsx")]
    assert len(files) == 4 * len(SCHOOLS) + 5
    for f in files:
        text = _text_of(f)
        leaked = [i for i in ids if i in text]
        assert not leaked, (f, leaked[:3])
        if f.suffix != ".ipynb":  # sha256 hashes live in the notebook's evidence outputs too
            assert not UNMASKED_ID.findall(text), (f, UNMASKED_ID.findall(text)[:3])
    assert "******" in _text_of(run_dir / "31400002" / "danh_sach_sua_loi.xlsx")


def test_department_edition_shows_no_names(run):
    _run_dir, db, _o, city = run
    con = duckdb.connect(str(db), read_only=True)
    names = {r[0] for r in con.execute("SELECT full_name FROM pupils UNION SELECT full_name FROM teachers").fetchall() if r[0]}
    con.close()
    html = city["department_html"].read_text(encoding="utf-8")
    assert "Dồn điểm 10" in html or "Không có dấu hiệu" in html
    assert not [n for n in names if n in html]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_pdf_keeps_vietnamese_diacritics(run):
    run_dir, db, _o, _c = run
    text = _text_of(run_dir / "31400002" / "thanh_tra.pdf")
    assert unicodedata.is_normalized("NFC", text)
    flat = " ".join(text.split())
    for s in ("SỞ GIÁO DỤC VÀ ĐÀO TẠO HẢI PHÒNG", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
              "Độc lập – Tự do – Hạnh phúc", "BÁO CÁO KIỂM TRA DỮ LIỆU HỌC BẠ SỐ",
              "Trường THPT Trần Quang Khải", "Phường Đông Hải", "Chưa sẵn sàng", "quá hạn",
              "Bằng chứng kiểm tra", "Ký số học bạ và chứng thư số", "Độ phủ chữ ký theo lớp và vai trò",
              "Trang 1/"):
        assert s in flat, s
    con = duckdb.connect(str(db), read_only=True)
    manifest = con.execute("SELECT file, sheet, sha256, size_bytes, rows_read, rows_loaded, rows_rejected, "
                           "status FROM manifest WHERE school_id = '31400002'").fetchall()
    con.close()
    # tabular files one by one; signed học bạ XML files as one digest per folder (pdf.evidence_files)
    from hocba_audit.pdf import evidence_files

    tabular = [r[2] for r in manifest if not r[0].lower().endswith(".xml")]
    grouped = [f["sha256"] for f in evidence_files(manifest) if f["group"]]
    assert tabular and all(h[:20] in flat.replace(" ", "") for h in tabular + grouped)


def test_fixlist_is_filtered_frozen_and_neutralised(run):
    import openpyxl

    run_dir, db, _o, _c = run
    wb = openpyxl.load_workbook(run_dir / "31400002" / "danh_sach_sua_loi.xlsx")
    assert wb.sheetnames[0] == "Tổng hợp" and "Tính hợp lệ" in wb.sheetnames
    names = set()
    con = duckdb.connect(str(db), read_only=True)
    names = {r[0] for r in con.execute("SELECT full_name FROM pupils WHERE school_id = '31400002'").fetchall()}
    con.close()
    seen_name = False
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref, ws.title
        assert ws["A1"].value in ("STT", "Nhóm quy tắc")
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, str):
                    assert c.data_type == "s" and not c.value.startswith(("=", "+", "-", "@")), (ws.title, c.value)
                    seen_name = seen_name or any(n in c.value for n in names)
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\")" in values and "'@SUM(A1)" in values
    assert seen_name, "the school edition shows names"


def test_rerun_skips_unchanged_schools_and_reuses_across_runs(run, catalogue):
    run_dir, db, _o, _c = run
    before = (run_dir / "31400002" / "thanh_tra.pdf").stat().st_mtime_ns
    again = render_school_reports(db, run_dir, SCHOOLS, 2, catalogue=catalogue)
    assert [o.status for o in again] == ["unchanged", "unchanged"]
    assert (run_dir / "31400002" / "thanh_tra.pdf").stat().st_mtime_ns == before
    sibling = run_dir.parent / "r2"
    sibling.mkdir()
    reused = render_school_reports(db, sibling, SCHOOLS, 1, run_id="r1", catalogue=catalogue)
    assert [o.status for o in reused] == ["reused", "reused"]
    assert (sibling / "31400002" / "thanh_tra.pdf").read_bytes() == (run_dir / "31400002" / "thanh_tra.pdf").read_bytes()


def test_killed_render_leaves_previous_reports_whole(run, catalogue, monkeypatch):
    run_dir, db, _o, _c = run
    out = run_dir / "31200000"
    before = {n: (out / n).read_bytes() for n in SCHOOL_FILES}

    def killed(*_a, **_k):
        raise KeyboardInterrupt

    import hocba_audit.pdf

    monkeypatch.setattr(hocba_audit.pdf, "write_inspector_pdf", killed)
    with pytest.raises(KeyboardInterrupt):
        render_school_reports(db, run_dir, ["31200000"], 1, catalogue=catalogue, as_of="2026-01-02")
    assert (out / "thanh_tra.pdf").read_bytes() == before["thanh_tra.pdf"]
    assert (out / "danh_sach_sua_loi.xlsx").read_bytes() == before["danh_sach_sua_loi.xlsx"]
    assert json.loads((out / "school_audit.ipynb").read_text(encoding="utf-8"))["cells"]
    assert not (out / "report.json").exists(), "an interrupted school must render again next time"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("name", ["school_audit", "city_overview", "anomaly_explorer"])
def test_committed_notebooks_have_one_parameters_cell_and_no_outputs(name):
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    assert 'db_path: str = "../reports/latest/audit.duckdb"' in "".join(tagged[0]["source"])


def test_the_leak_scanner_finds_ids_but_not_decimals_or_uuid_tails():
    assert UNMASKED_ID.findall("CCCD 031234567890; so-031234567891.") == ["031234567890", "031234567891"]
    # nbconvert's random element id of a JavaScript output, and a Vega runtime constant
    assert not UNMASKED_ID.findall('<div id="53772ccd-a7e9-4901-bf39-269649725126"> 33.912866078383')


def test_sample_schools_pdfs_have_no_overflowing_cell_and_no_split_row(run, catalogue):
    """On the real reports of the sample schools (every level, signed files, all the defect
    kinds of the generator), Typst finds no cell content wider than its column and no
    multi-line row split across two pages."""
    from hocba_audit.charts import chart_payloads, school_charts
    from hocba_audit.pdf import inspector_document, overflowing_cells, split_rows, svgs_of
    from hocba_audit.report_render import PDF_EDITION
    from hocba_audit.report_school import build_school_report, catalogue_info, open_db

    _run_dir, db, _o, _c = run
    con = open_db(db)
    try:
        for sid in SCHOOLS:
            report = build_school_report(con, sid, "r1", catalogue_info(catalogue), as_of="2026-01-05",
                                         **PDF_EDITION)
            svgs = svgs_of(chart_payloads(school_charts(report), html=False))
            doc = inspector_document(report, svgs)
            assert overflowing_cells(doc, svgs) == [], sid
            assert split_rows(doc, svgs) == [], sid
    finally:
        con.close()


def test_pdf_edition_cut_from_the_notebook_report_equals_one_built_for_it(run, catalogue):
    """The worker builds one report (the notebook's) and cuts the PDF's edition from it: the
    same report as ``build_school_report`` gives with the PDF's top rules, samples and
    parameters."""
    from hocba_audit.report_render import PDF_EDITION, inspector_edition
    from hocba_audit.report_school import build_school_report, catalogue_info, open_db

    _run_dir, db, _o, _c = run
    info = catalogue_info(catalogue)
    con = open_db(db)
    try:
        for sid in SCHOOLS:
            nb_params = {"school_id": sid, "run_id": "r1"}
            full = build_school_report(con, sid, "r1", info, as_of="2026-01-05", parameters=nb_params)
            direct = build_school_report(con, sid, "r1", info, as_of="2026-01-05", **PDF_EDITION)
            cut = inspector_edition(full, nb_params)
            assert cut == direct, sid
            assert list(cut.evidence["parameters"]) == list(direct.evidence["parameters"])
            assert full.top_findings[0].samples.rows[:3] == cut.top_findings[0].samples.rows
        # the sample schools exercise the cut: more rules and samples than the PDF shows
        assert len(full.top_findings) > PDF_EDITION["top_rules"]
        assert max(len(g.samples) for g in full.top_findings) > PDF_EDITION["samples_per_rule"]
    finally:
        con.close()


def test_cache_key_params_follow_the_run_settings_and_leave_the_deadline_to_the_run(run, monkeypatch):
    """render_school_reports' parameters (part of each cache key) hold the run's settings, so a
    rerun with another --setting renders again; the deadline is None (the run's setting) unless
    given."""
    from hocba_audit import report_school
    from hocba_audit.report_render import render_params, render_school_reports
    import inspect

    _run_dir, db, _o, _c = run
    assert inspect.signature(render_school_reports).parameters["deadline"].default is None
    con = report_school.open_db(db)
    try:
        monkeypatch.setattr(report_school, "run_settings", lambda con, run_id: {"signing_deadline": "2026-06-15"})
        first = render_params(con, "r1", as_of="2026-01-05")
        monkeypatch.setattr(report_school, "run_settings", lambda con, run_id: {"signing_deadline": "2026-06-30"})
        second = render_params(con, "r1", as_of="2026-01-05")
        given = render_params(con, "r1", deadline="2026-04-30")
    finally:
        con.close()
    assert first == {"deadline": None, "as_of": "2026-01-05", "settings": {"signing_deadline": "2026-06-15"}}
    assert second["settings"] == {"signing_deadline": "2026-06-30"} and first != second
    assert given["deadline"] == "2026-04-30"


def test_chart_payloads_convert_each_chart_once(run, catalogue, monkeypatch):
    """Altair's to_dict runs once per chart, not once per form (SVG for the PDF, display
    bundle for the notebook), and without JSON-schema validation (tests/test_charts_specs.py
    validates every chart of real reports); the number locale is in the spec (not vl-convert's
    slower format_locale) and still formats '10 %' the Vietnamese way."""
    import re

    import altair as alt

    from hocba_audit.charts import chart_payloads, school_charts
    from hocba_audit.report_school import build_school_report, catalogue_info, open_db

    _run_dir, db, _o, _c = run
    con = open_db(db)
    try:
        report = build_school_report(con, "31400002", "r1", catalogue_info(catalogue))
    finally:
        con.close()
    charts = school_charts(report)
    calls = []
    real = alt.TopLevelMixin.to_dict

    def counted(self, *a, **k):
        if any(self is c for c in charts.values()):  # a top-level chart, not one of its layers
            calls.append((type(self).__name__, k.get("validate", True)))
        return real(self, *a, **k)

    monkeypatch.setattr(alt.TopLevelMixin, "to_dict", counted)
    payloads = chart_payloads(charts, html=False)
    assert set(payloads) == set(charts) and len(charts) == 4
    assert len(calls) == len(charts) and not [v for _, v in calls if v is not False], calls
    for name, p in payloads.items():
        assert p["svg"].startswith("<svg") and p["bundle"]["image/svg+xml"] == p["svg"]
        spec = p["bundle"]["application/vnd.vegalite.v5+json"]
        assert spec["$schema"].endswith("v5.json") and spec["config"]["locale"]["number"]["decimal"] == ","
    assert re.search(r">\d+ %</text>", payloads["marks"]["svg"]), "percent axis in the Vietnamese format"


def test_city_figures_are_the_same_without_the_run_catalogue_summary(run):
    """The city notebook opened by hand has no catalogue summary (``catalogue_path`` empty):
    the catalogue is loaded, so its figures equal the run's city report. Before, an empty
    catalogue counted 18 signature, certificate and package rules (CKS-050, CTS-001, GOI-004 …)
    as data errors: 169 lỗi instead of 153 for the primary sample school."""
    from hocba_audit.city import school_readiness
    from hocba_audit.report_school import open_db

    run_dir, db, _o, _c = run
    con = open_db(db)
    try:
        with_summary = school_readiness(con, "r1", catalogue_path=str(run_dir / "catalogue.json"))
        without = school_readiness(con, "r1")
    finally:
        con.close()
    assert without == with_summary
    assert any(r["signing_errors"] for r in with_summary)
