"""Signing sections of the reports (#5 round 2): coverage by class and role, record statuses,
certificate readiness, sync package, the verdict joining data quality and signing, Vietnamese
labels in the fix-list and tables, interactive charts in an HTML that fetches nothing, and
masking of every 12-digit ID in the new sections.

The database is built with the model's DDL and rows written here (no signed-file loader, no
rule pack): the numbers below are counted by hand from these rows."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from hocba_audit.masking import UNMASKED_ID
from hocba_audit.model import TABLES, create_schema

SCHOOL = "31999001"
YEAR = "2025-2026"
TEACHER_ID = "031085000111"   # GVCN 6A: in teachers, certificate_files and record_signatures
SIGNER_ID = "031085000222"    # GVCN 6B as signer
HT_ID = "031070000999"
CMND = "031234567"            # GV02's certificate identifies by a 9-digit CMND
IDS = (TEACHER_ID, SIGNER_ID, HT_ID, "031210001234")
SIG_RULE = "SIGTEST-001"      # a rule of the signature pack (codes are not fixed: found by entity)
AS_OF = "2026-05-01"


def insert(con, table: str, **row) -> None:
    cols = ", ".join(f'"{c}"' for c in row)
    con.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" for _ in row)})', list(row.values()))


def _record(con, pupil: str, cls: str, status: str, slots: dict[str, str | None], year: str = YEAR) -> str:
    """A signed record and its three role slots: slot value 'ok', a sub-indication, or None (empty)."""
    f = f"hoc_ba/{pupil}_{year}.xml"
    insert(con, "signed_records", school_id=SCHOOL, src_file=f, src_sheet="", src_row=1, record_id=f"HB-{pupil}",
           record_school_id=SCHOOL, school_year=year, pupil_code=pupil, class_name=cls, level="THCS",
           status=status, schema_valid=True, sha256="ab" * 32, size_bytes=2048,
           explanation="Học bạ đã được kiểm tra.")
    for i, role in enumerate(("GVCN", "HT", "DonVi")):
        v = slots.get(role, "ok")
        insert(con, "record_signatures", school_id=SCHOOL, src_file=f, src_sheet="", src_row=40 + i,
               school_year=year, pupil_code=pupil, class_name=cls, role=role, present=v is not None,
               indication=None if v is None else ("TOTAL_PASSED" if v == "ok" else "TOTAL_FAILED"),
               sub_indication=None if v in (None, "ok") else v,
               signing_time=dt.datetime(2026, 4, 20, 9, i), signer_name="Người ký",
               signer_id_kind="CCCD" if role != "DonVi" else "MST",
               signer_personal_id={"GVCN": SIGNER_ID, "HT": HT_ID}.get(role),
               explanation=(f"Chữ ký của người có số định danh {SIGNER_ID} không khớp nội dung"
                            if v not in (None, "ok") else ("Ô chữ ký trống" if v is None else "Hợp lệ")),
               action="Ký lại học bạ" if v != "ok" else "")
    return f


def build_db(path: Path, *, signed: bool = True, perfect: bool = False) -> Path:
    """One THCS school: 6A (GV01) with P1-P4, 6B (GV02) with P5-P7 and P8 transferred out.

    Signed (``perfect`` False): P1, P2 VALID; P3 INCOMPLETE (no seal); P4 no file; P5 INVALID
    (GVCN hash failure); P6 VALID; P7 no file; P8 VALID; X9 a record of no enrolled pupil.
    Certificates: GV01 ready; GV02 CMND-only and expiring 2026-07-01 (soon after 15/06); the
    principal GV09 registered but its file missing; the seal chains to an untrusted root."""
    con = duckdb.connect(str(path))
    create_schema(con)
    insert(con, "runs", run_id="r1", started_at=f"{AS_OF} 08:00:00", tool_version="test")
    insert(con, "schools", school_id=SCHOOL, school_name="Trường THCS Lê Lợi", level="THCS",
           commune_name="Phường Hồng Bàng", tax_code="0200000001", budget_code="1000001")
    insert(con, "school_years", school_id=SCHOOL, school_year=YEAR)
    teachers = (("GV01", "Nguyễn Thị Hoa", TEACHER_ID, "Giáo viên"), ("GV02", "Trần Văn Nam", SIGNER_ID, "Giáo viên"),
                ("GV09", "Lê Văn Hiệu", HT_ID, "Hiệu trưởng"))
    for code, name, pid, pos in teachers:
        insert(con, "teachers", school_id=SCHOOL, teacher_code=code, full_name=name, personal_id=pid, position=pos)
    for cls, gvcn in (("6A", "GV01"), ("6B", "GV02")):
        insert(con, "classes", school_id=SCHOOL, school_year=YEAR, class_name=cls, grade=6, homeroom_teacher_code=gvcn)
    pupils = [("P1", "6A"), ("P2", "6A"), ("P3", "6A"), ("P4", "6A"), ("P5", "6B"), ("P6", "6B"), ("P7", "6B"),
              ("P8", "6B")]
    for i, (p, cls) in enumerate(pupils):
        insert(con, "pupils", school_id=SCHOOL, pupil_code=p, full_name=f"Học sinh {p}",
               personal_id="031210001234" if p == "P1" else None, src_file="hs.csv", src_sheet="", src_row=i + 2)
        insert(con, "enrolments", school_id=SCHOOL, school_year=YEAR, pupil_code=p, class_name=cls,
               status="Chuyển đi" if p == "P8" else "Đang học")
    insert(con, "marks", school_id=SCHOOL, school_year=YEAR, pupil_code="P1", class_name="6A", subject_code="TIN_HOC",
           semester=1, kind="TX", idx=1, value=11, src_file="diem.csv", src_sheet="", src_row=2)
    registry = [("giáo viên", "GV01"), ("giáo viên", "GV02"), ("giáo viên", "GV09"), ("trường", SCHOOL)]
    for kind, code in registry:
        insert(con, "certificates", school_id=SCHOOL, holder_kind=kind, holder_code=code, cert_file=f"certs/{code}.cer",
               serial="0A")
    far = dt.datetime(2027, 12, 31)
    certs = [("GV01", "CCCD", TEACHER_ID, far, "TRUSTED"),
             ("GV02", "CCCD" if perfect else "CMND", SIGNER_ID if perfect else CMND,
              far if perfect else dt.datetime(2026, 7, 1), "TRUSTED"),
             (SCHOOL, "MST", None, far, "TRUSTED" if perfect else "UNTRUSTED_ROOT")]
    if perfect:
        certs.append(("GV09", "CCCD", HT_ID, far, "TRUSTED"))
    for code, kind, pid, not_after, chain in certs:
        insert(con, "certificate_files", school_id=SCHOOL, src_file=f"certs/{code}.cer", src_sheet="", src_row=1,
               subject_name=code, id_kind=kind, personal_id=pid, tax_code="0200000001" if kind == "MST" else None,
               serial="0A", issuer="CA", not_before=dt.datetime(2024, 1, 1), not_after=not_after,
               key_usage="digitalSignature,nonRepudiation", key_usage_ok=True, key_algorithm="RSA", key_bits=2048,
               chain_status=chain)
    if signed:
        files = []
        if perfect:
            for p, cls in pupils[:7]:
                files.append(_record(con, p, cls, "VALID", {}))
        else:
            files += [_record(con, "P1", "6A", "VALID", {}), _record(con, "P2", "6A", "VALID", {}),
                      _record(con, "P3", "6A", "INCOMPLETE", {"DonVi": None}),
                      _record(con, "P5", "6B", "INVALID", {"GVCN": "HASH_FAILURE"}),
                      _record(con, "P6", "6B", "VALID", {}), _record(con, "P8", "6B", "VALID", {}),
                      _record(con, "X9", "6B", "VALID", {})]
        for i, f in enumerate(files):
            listed = not (not perfect and i == 1)          # P2's file is not in the manifest
            actual = "ab" * 32
            claimed = "cd" * 32 if (not perfect and i == 0) else actual  # P1's hash mismatches
            insert(con, "package_entries", school_id=SCHOOL, src_file=f, src_sheet="", src_row=i + 2,
                   manifest_file="hoc_ba/manifest.csv" if listed else None, listed_sha256=claimed if listed else None,
                   actual_sha256=actual, in_manifest=listed, on_disk=True)
        if not perfect:
            insert(con, "package_entries", school_id=SCHOOL, src_file="hoc_ba/P9_2025-2026.xml", src_sheet="",
                   src_row=20, manifest_file="hoc_ba/manifest.csv", listed_sha256="ef" * 32, actual_sha256=None,
                   in_manifest=True, on_disk=False)
    if not perfect:
        # a data-quality cảnh báo on a personal ID and a mark; a signing lỗi on a signature slot
        insert(con, "findings", run_id="r1", school_id=SCHOOL, rule_code="HS-TEST", severity="cảnh báo",
               entity="pupils", entity_key="P1", field="personal_id", bad_value="031210001234",
               message="Số định danh 031210001234 cần kiểm tra", fix="Kiểm tra", src_file="hs.csv", src_sheet="",
               src_row=2)
        insert(con, "findings", run_id="r1", school_id=SCHOOL, rule_code="DIEM-TEST", severity="cảnh báo",
               entity="marks", entity_key=f"{YEAR}|P1|TIN_HOC|1|TX|1", field="value", bad_value="11",
               message="Điểm 11 ngoài thang", fix="Sửa điểm", src_file="diem.csv", src_sheet="", src_row=2)
        if signed:
            insert(con, "findings", run_id="r1", school_id=SCHOOL, rule_code=SIG_RULE, severity="lỗi",
                   entity="record_signatures", entity_key="hoc_ba/P5_2025-2026.xml|GVCN", field="indication",
                   bad_value="TOTAL_FAILED", message=f"Chữ ký GVCN ({SIGNER_ID}) không khớp nội dung",
                   fix="Ký lại", src_file="hoc_ba/P5_2025-2026.xml", src_sheet="", src_row=40)
        for code, sev, n in (("HS-TEST", "cảnh báo", 1), ("DIEM-TEST", "cảnh báo", 1)) + (
                ((SIG_RULE, "lỗi", 1),) if signed else ()):
            insert(con, "rule_results", run_id="r1", school_id=SCHOOL, rule_code=code, severity=sev, checked=10,
                   failing=n, rate=n / 10, outcome="FAILED")
    con.close()
    return path


def catalogue():
    from hocba_audit.report_school import CatalogueInfo, RuleInfo

    return CatalogueInfo({
        "HS-TEST": RuleInfo("HS-TEST", "cảnh báo", "validity", "Số định danh cần kiểm tra", ("Kiểm tra",), "TT"),
        "DIEM-TEST": RuleInfo("DIEM-TEST", "cảnh báo", "validity", "Điểm ngoài thang", ("Sửa",), "TT"),
    }, "test", "0" * 64)


def report_of(path: Path, **kw):
    from hocba_audit.report_school import build_school_report, open_db

    con = open_db(path)
    try:
        return build_school_report(con, SCHOOL, "r1", catalogue(), **kw)
    finally:
        con.close()


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_db(tmp_path_factory.mktemp("sig") / "audit.duckdb")


# ---- figures -----------------------------------------------------------------------------

def test_coverage_by_class_and_role(db):
    s = report_of(db).signing
    by = {c["class_name"]: c for c in s.coverage}
    assert set(by) == {"6A", "6B"}
    assert {k: by["6A"][k] for k in ("enrolled", "with_record", "GVCN", "HT", "DonVi", "complete")} == \
        {"enrolled": 4, "with_record": 3, "GVCN": 3, "HT": 3, "DonVi": 2, "complete": 2}
    # P8 transferred out: not counted; P5's GVCN signature failed
    assert {k: by["6B"][k] for k in ("enrolled", "with_record", "GVCN", "HT", "DonVi", "complete")} == \
        {"enrolled": 3, "with_record": 2, "GVCN": 1, "HT": 2, "DonVi": 2, "complete": 1}
    assert (s.enrolled, s.with_record, s.complete, s.without_record) == (7, 5, 3, 2)
    assert s.role_valid == {"GVCN": 4, "HT": 5, "DonVi": 4}
    assert s.records_without_pupil == 1 and s.files == 7
    table = s.coverage_table()
    assert table.rows[-1][0] == "Tổng cộng" and table.rows[-1][-1] == "3/7 (42,9 %)"
    assert dict((r[1], r[2]) for r in s.status_counts.rows) == {"VALID": 5, "INCOMPLETE": 1, "INVALID": 1}


def test_a_complete_set_needs_all_roles_valid_on_one_file(db, tmp_path):
    """P4 gets two files, one signed by the GVCN only, one by HT and seal: every role is covered,
    but no file is a complete valid set (the rule pack's signing_coverage definition)."""
    copy = tmp_path / "two_files.duckdb"
    shutil.copy(db, copy)
    con = duckdb.connect(str(copy))
    f1 = _record(con, "P4", "6A", "INCOMPLETE", {"HT": None, "DonVi": None})
    con.execute("UPDATE signed_records SET src_file = 'hoc_ba/P4_b.xml' WHERE src_file = ?", [f1])
    con.execute("UPDATE record_signatures SET src_file = 'hoc_ba/P4_b.xml' WHERE src_file = ?", [f1])
    _record(con, "P4", "6A", "INCOMPLETE", {"GVCN": None})
    _record(con, "P7", "6B", "SCHEMA_INVALID", {})  # signatures all valid, the file breaks the schema
    con.close()
    s = report_of(copy).signing
    by = {c["class_name"]: c for c in s.coverage}
    assert {k: by["6A"][k] for k in ("enrolled", "with_record", "GVCN", "HT", "DonVi", "complete")} == \
        {"enrolled": 4, "with_record": 4, "GVCN": 4, "HT": 4, "DonVi": 3, "complete": 2}
    assert by["6B"]["complete"] == 2  # counted as signed, but the schema-invalid file still blocks:
    assert s.verdict == "not_ready" and any("sai cấu trúc" in r for r in s.reasons)


def test_certificate_readiness_and_package(db, tmp_path):
    s = report_of(db).signing
    assert s.cert_counts == {"needed": 4, "ready": 2, "missing": 1, "untrusted": 1, "expires_before": 0,
                             "expiring_soon": 1, "cmnd_only": 1, "blockers": 2, "warnings": 1}
    rows = {r[1]: r for r in s.certificates.rows}
    assert rows["GV01"][5] == "Sẵn sàng" and rows["GV02"][5] == "Cần lưu ý"
    assert "CMND" in rows["GV02"][6] and "sắp hết hạn (01/07/2026)" in rows["GV02"][6]
    assert rows["GV09"][0] == "Hiệu trưởng" and "không có tệp chứng thư số" in rows["GV09"][6]
    assert rows[SCHOOL][5] == "Chưa sẵn sàng" and "không nằm trong danh sách tin cậy" in rows[SCHOOL][6]
    # expiring before the deadline is a blocker: move the signing deadline past 01/07/2026
    late = report_of(db, signing_deadline="2026-07-15").signing
    assert late.cert_counts["expires_before"] == 1 and late.cert_counts["blockers"] == 3
    # a seal certificate of another unit (MST differs from the school's) is a blocker
    ok = tmp_path / "seal.duckdb"
    build_db(ok, perfect=True)
    con = duckdb.connect(str(ok))
    con.execute("UPDATE certificate_files SET tax_code = '0200009999' WHERE id_kind = 'MST'")
    con.close()
    seal = report_of(ok).signing
    assert seal.cert_counts["blockers"] == 1 and "khác mã của trường" in seal.certificates.rows[-1][6]
    assert s.package == {"entries": 8, "listed": 7, "ok": 5, "hash_mismatch": 1, "not_in_manifest": 1,
                         "listed_missing": 1, "manifest": True}


def test_verdict_joins_data_quality_and_signing(db, tmp_path):
    r = report_of(db, as_of=AS_OF)
    assert r.data_verdict == "needs_work" and (r.errors, r.warnings) == (2 - 2, 2)  # signing lỗi not counted here
    assert r.signing.errors == 1 and r.signing.verdict == "not_ready" and r.verdict == "not_ready"
    assert SIG_RULE in r.signing.rules.column("Mã quy tắc")
    parts = {p[0]: p for p in r.verdict_counts()}
    assert parts["Ký số học bạ"][2] == "Chưa sẵn sàng" and "3/7 học sinh" in parts["Ký số học bạ"][3]
    assert "còn 45 ngày" in parts["Ký số học bạ"][1] and "quá hạn 31 ngày" in parts["Chất lượng dữ liệu"][1]
    md = r.verdict_markdown()
    assert "Kết luận chung: Chưa sẵn sàng" in md and "Cần khắc phục" in md
    perfect = report_of(build_db(tmp_path / "ok.duckdb", perfect=True), as_of=AS_OF)
    assert perfect.signing.cert_counts["blockers"] == 0 and perfect.signing.complete == perfect.signing.enrolled == 7
    assert (perfect.data_verdict, perfect.signing.verdict, perfect.verdict) == ("ready", "ready", "ready")


def test_no_signed_files_says_so_and_is_not_ready_for_june(tmp_path):
    r = report_of(build_db(tmp_path / "none.duckdb", signed=False), as_of=AS_OF)
    s = r.signing
    assert not s.has_files and s.verdict == "not_ready" and r.verdict == "not_ready"
    assert r.data_verdict == "needs_work"
    text = s.markdown()
    assert "Chưa có dữ liệu chữ ký" in text and "chưa sẵn sàng" in text and "7 học sinh" in text
    assert "chưa có tệp học bạ đã ký nào" in r.verdict_markdown()


def test_signing_rules_are_found_by_tables_not_codes():
    from hocba_audit.report_school import is_signing_rule

    assert is_signing_rule("record_signatures", "SELECT 1")
    assert is_signing_rule("enrolments", "SELECT * FROM enrolments e LEFT JOIN signed_records r USING (pupil_code)")
    assert is_signing_rule("teachers", "SELECT * FROM teachers WHERE NOT EXISTS (SELECT 1 FROM certificate_files)")
    assert not is_signing_rule("marks", "SELECT * FROM marks WHERE signed_recordsx IS NULL")


# ---- labels ------------------------------------------------------------------------------

def test_labels_come_from_profiles_and_reference():
    from hocba_audit.labels import entity_text, field_label, subject_name

    assert field_label("pupils", "personal_id") == "Số định danh cá nhân"   # csdl_nganh header
    assert field_label("marks", "value") == "Điểm" and field_label("classes", "homeroom_teacher_code") == "Mã GVCN"
    assert subject_name("TIN_HOC") == "Tin học" and subject_name("NOPE") == "NOPE"
    text = entity_text("marks", f"{YEAR}|P1|TIN_HOC|1|TX|1")
    assert "Tin học" in text and "TIN_HOC" not in text and "Học kì I" in text
    assert entity_text("record_signatures", "hoc_ba/a.xml|HT").endswith("Hiệu trưởng")
    assert entity_text("marks", "a|b") == "a|b"  # wrong number of parts: unchanged
    for t in TABLES:  # every column has a label that is not its technical name
        for c in t.columns:
            assert field_label(t.name, c.name) != c.name, (t.name, c.name)


def test_completeness_covers_export_tables_only_with_labels(db):
    r = report_of(db)
    signed = {t.name for t in TABLES if t.source != "export"}
    assert r.completeness and not {c["table"] for c in r.completeness} & signed
    row = next(c for c in r.completeness if c["table"] == "pupils" and c["field"] == "personal_id")
    assert row["field_vi"] == "Số định danh cá nhân" and row["table_vi"] == "Học sinh"


def test_fixlist_shows_vietnamese_labels_and_subject_names(db, tmp_path):
    import openpyxl

    from hocba_audit.fixlist import write_fixlist
    from hocba_audit.report_school import open_db

    con = open_db(db)
    path = write_fixlist(con, "r1", SCHOOL, tmp_path / "f.xlsx", catalogue())
    con.close()
    wb = openpyxl.load_workbook(path)
    rows = [[c.value for c in row] for ws in wb.worksheets[1:] for row in ws.iter_rows()]
    head = rows[0]
    fields = [r[head.index("Trường dữ liệu")] for r in rows[1:]]
    keys = [r[head.index("Đối tượng")] for r in rows[1:]]
    assert "Số định danh cá nhân" in fields and "Điểm" in fields and "personal_id" not in fields
    assert any("Tin học" in k for k in keys) and not any("TIN_HOC" in k for k in keys)
    text = "\n".join(str(v) for r in rows for v in r if v is not None)
    assert "031******234" in text and not UNMASKED_ID.findall(text)


# ---- HTML: interactive, offline, masked ---------------------------------------------------

@pytest.fixture(scope="module")
def html_out(db, tmp_path_factory):
    """The school notebook executed on ``db`` with the renderer's interactive charts, as HTML."""
    from hocba_audit.charts import chart_payloads, school_charts
    from hocba_audit.html_export import offline_html
    from hocba_audit.reports import execute_school_notebook

    out = tmp_path_factory.mktemp("html")
    cat = out / "catalogue.json"
    cat.write_text(catalogue().to_json(), encoding="utf-8")
    charts = chart_payloads(school_charts(report_of(db, as_of=AS_OF)))
    charts_path = out / "charts.json"
    charts_path.write_text(json.dumps({k: {"bundle": v["bundle"]} for k, v in charts.items()}, ensure_ascii=False),
                           encoding="utf-8")
    nb = execute_school_notebook(Path(__file__).resolve().parents[1] / "notebooks" / "school_audit.ipynb", out, {
        "db_path": str(db), "school_id": SCHOOL, "run_id": "r1", "catalogue_path": str(cat),
        "charts_path": str(charts_path), "as_of": AS_OF})
    html = offline_html(nb)
    (out / "offline.html").write_text(html, encoding="utf-8")
    return out, nb, html


@pytest.mark.slow
def test_html_is_interactive_offline_and_masked(html_out):
    from hocba_audit.html_export import external_refs

    out, nb, html = html_out
    pipeline = (out / "school_audit.html").read_text(encoding="utf-8")  # what the run writes
    assert not external_refs(pipeline) and pipeline.count("window.vegaEmbed=") == 1
    assert not external_refs(html)
    assert not re.search(r"<(?:script|link|img)\b[^>]*(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html, re.I)
    assert html.count("window.vegaEmbed=") == 1, "the Vega runtime is included once"
    assert html.count("vegaEmbed(view, spec") >= 4   # category, completeness, marks, coverage
    assert html.count("hocba-chart-static") >= 4     # each with its static SVG fallback
    for s in ("Ký số học bạ", "Độ phủ chữ ký theo lớp và vai trò", "Chứng thư số", "Gói đồng bộ",
              "Kết luận chung", "Đủ bộ chữ ký hợp lệ", "Nguyễn Thị Hoa", "Tin học"):
        assert s in html, s
    for text in (html, nb.read_text(encoding="utf-8")):
        assert not [i for i in IDS if i in text]
    assert not UNMASKED_ID.findall(html.replace("ab" * 32, ""))


#: Appended to a copy of the page: hovers the first mark of every live chart and writes what the
#: tooltip shows into <pre id="probe"> (read back from chromium's --dump-dom).
_PROBE = """<script>
window.addEventListener('load', function () { setTimeout(function () {
  var views = document.querySelectorAll('.hocba-chart'), out = ['views=' + views.length];
  views.forEach(function (v, i) {
    var m = v.querySelector('g.mark-rect.role-mark path, g.mark-symbol.role-mark path');
    if (!m) return;
    var r = m.getBoundingClientRect(), x = r.left + Math.min(5, r.width / 2), y = r.top + Math.min(5, r.height / 2);
    m.dispatchEvent(new PointerEvent('pointermove', {bubbles: true, clientX: x, clientY: y, view: window}));
    m.dispatchEvent(new MouseEvent('mousemove', {bubbles: true, clientX: x, clientY: y, view: window}));
    var tt = document.getElementById('vg-tooltip-element');
    out.push(i + ':' + (tt ? tt.textContent : 'none'));
  });
  out.push('static=' + document.querySelectorAll('.hocba-chart-static').length);
  var p = document.createElement('pre'); p.id = 'probe'; p.textContent = out.join(' ;; ');
  document.body.appendChild(p);
}, 1000); });
</script>"""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_charts_render_with_tooltips_in_a_browser_without_network(html_out, tmp_path):
    _out, _nb, html = html_out
    end = html.rindex("</body>")
    page = tmp_path / "probe.html"
    page.write_text(html[:end] + _PROBE + html[end:], encoding="utf-8")
    dom = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--proxy-server=http://127.0.0.1:9",  # nothing reachable
         "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=15000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180).stdout
    probe = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert probe, dom[-2000:]
    parts = probe[1].split(" ;; ")
    assert parts[0] == "views=4" and parts[-1] == "static=0", parts  # every chart became a live Vega view
    tips = " ".join(parts)
    assert "Tỉ lệ có dữ liệu" in tips and "Có chữ ký hợp lệ3Số học sinh4Tỉ lệ75,0 %" in tips, tips


# ---- deadlines and evidence from the run's settings (run_settings) ---------------------------

def record_settings_of(path: Path, run_id: str = "r1", **overrides: str) -> Path:
    """Record the project's settings with ``overrides`` for ``run_id``, as ``run_rules`` does."""
    from hocba_audit.runner import record_settings
    from hocba_audit.settings import declared_settings, resolve_settings, setting_statements

    declared = declared_settings()
    values = resolve_settings(declared, overrides)
    con = duckdb.connect(str(path))
    try:
        for stmt in setting_statements(values, declared):
            con.execute(stmt)
        record_settings(con, run_id, values, declared)
    finally:
        con.close()
    return path


def test_report_counts_to_the_run_deadlines_and_lists_changed_settings(db, tmp_path):
    from hocba_audit.report_school import settings_markdown

    copy = record_settings_of(shutil.copy(db, tmp_path / "late.duckdb"), signing_deadline="2026-06-30",
                              cert_review_deadline="2026-04-30", cert_expiry_warning_days="0",
                              deputy_may_sign_ht="false")
    r = report_of(copy, as_of=AS_OF)
    assert (r.deadline, r.signing.deadline) == (dt.date(2026, 4, 30), dt.date(2026, 6, 30))
    assert r.signing.days_left == 60 and "còn 60 ngày" in r.signing.markdown()
    parts = {p[0]: p for p in r.verdict_counts()}
    assert parts["Ký số học bạ"][1] == "30/06/2026 (còn 60 ngày)"
    assert parts["Chất lượng dữ liệu"][1] == "30/04/2026 (quá hạn 1 ngày)"
    # GV02 expires 01/07/2026: one day after the deadline, outside a 0-day warning window
    assert r.signing.cert_counts["expiring_soon"] == 0 and r.signing.soon_days == 0
    e = r.evidence
    assert e["parameters"]["signing_deadline"] == "30/06/2026"
    assert e["settings_changed"] == {"cert_expiry_warning_days": "0", "cert_review_deadline": "2026-04-30",
                                     "deputy_may_sign_ht": "false", "signing_deadline": "2026-06-30"}
    md = settings_markdown(e)
    assert md.startswith("**Thiết lập khác mặc định:**") and "- `deputy_may_sign_ht` = `false` (mặc định: `true`)" in md
    assert "deputy_may_sign_ht = false (mặc định: true)" in e["settings_vi"]
    # an explicit argument still wins
    fixed = report_of(copy, as_of=AS_OF, signing_deadline="2026-06-15", deadline="2026-03-31", expiring_soon_days=60)
    assert (fixed.signing.days_left, fixed.days_left, fixed.signing.cert_counts["expiring_soon"]) == (45, -31, 1)
    # all defaults: said so
    default = report_of(record_settings_of(shutil.copy(db, tmp_path / "default.duckdb")), as_of=AS_OF)
    assert default.signing.days_left == 45 and default.evidence["settings_changed"] == {}
    assert settings_markdown(default.evidence).startswith("**Thiết lập khác mặc định:** Không có: cả ")


def test_report_of_a_database_without_run_settings_uses_the_default_deadlines(db, tmp_path):
    from hocba_audit.report_school import DEFAULT_SIGNING_DEADLINE, run_settings

    copy = shutil.copy(db, tmp_path / "old.duckdb")
    con = duckdb.connect(str(copy))
    con.execute("DROP TABLE IF EXISTS run_settings")
    assert run_settings(con, "r1") == {}
    con.close()
    r = report_of(copy, as_of=AS_OF)
    assert r.signing.deadline.isoformat() == DEFAULT_SIGNING_DEADLINE and r.signing.days_left == 45
    assert r.evidence["settings_changed"] == {} and r.evidence["settings_vi"].startswith("Không rõ")


def test_city_overview_counts_to_the_run_deadlines(db, tmp_path):
    import openpyxl

    from hocba_audit.city import city_deadlines, school_readiness, write_city_xlsx
    from hocba_audit.report_school import open_db

    copy = record_settings_of(shutil.copy(db, tmp_path / "city.duckdb"), signing_deadline="2026-07-15",
                              cert_review_deadline="2026-04-30")
    con = open_db(copy)
    try:
        assert city_deadlines(con, "r1") == (dt.date(2026, 4, 30), dt.date(2026, 7, 15))
        assert city_deadlines(con, "r1", "", "2026-06-15")[1] == dt.date(2026, 6, 15)
        # GV02's certificate expires 01/07/2026: before the run's signing deadline, a blocker
        (r,) = school_readiness(con, "r1", as_of=dt.date(2026, 5, 1))
        assert r["certs_vi"] == "1/4" and r["certs_expiring_soon"] == 0
        (early,) = school_readiness(con, "r1", as_of=dt.date(2026, 5, 1), signing_deadline="2026-06-15")
        assert early["certs_vi"] == "2/4" and early["certs_expiring_soon"] == 1
        path = write_city_xlsx(con, tmp_path / "city.xlsx", run_id="r1", as_of="2026-05-01")
    finally:
        con.close()
    wb = openpyxl.load_workbook(path)
    assert "Nguy cơ trễ hạn 15-07" in wb.sheetnames and "Nguy cơ trễ hạn 30-04" in wb.sheetnames
    july = [list(x) for x in wb["Nguy cơ trễ hạn 15-07"].iter_rows(values_only=True)]
    assert july[1][-1] == "15/07/2026: còn 75 ngày"
    settings = [list(x) for x in wb["Thiết lập"].iter_rows(values_only=True)]
    assert settings[0] == ["Thiết lập", "Giá trị của lần kiểm tra", "Mặc định"]
    assert ["signing_deadline", "2026-07-15", "2026-06-15"] in settings


# ---- city overview and PDF partials --------------------------------------------------------

def test_city_ranks_signing_and_certificates_with_risk_per_deadline(db, tmp_path):
    import openpyxl

    from hocba_audit.city import at_risk, readiness_table, school_readiness, write_city_xlsx
    from hocba_audit.report_school import open_db

    cat = tmp_path / "catalogue.json"
    cat.write_text(catalogue().to_json(), encoding="utf-8")
    con = open_db(db)
    try:
        rows = school_readiness(con, "r1", catalogue_path=str(cat), as_of=dt.date(2026, 5, 1))
        (r,) = rows
        assert (r["data_verdict"], r["cert_verdict"], r["signing_verdict"], r["verdict"]) == \
            ("needs_work", "not_ready", "not_ready", "not_ready")
        assert (r["errors"], r["warnings"], r["signing_errors"]) == (0, 2, 1)  # the signing lỗi is not a data lỗi
        assert r["coverage_vi"] == "3/7 (42,9 %)" and r["certs_vi"] == "2/4" and r["certs_missing"] == 1
        assert at_risk(rows, "2026-03-31", dt.date(2026, 5, 1), key="march_verdict")[0]["risk_verdict_vi"] == "Chưa sẵn sàng"
        assert len(at_risk(rows, "2026-06-15", dt.date(2026, 5, 1), key="signing_verdict")) == 1
        table = readiness_table(rows)
        assert "Đủ chữ ký hợp lệ" in table.columns and "Chứng thư sẵn sàng" in table.columns
        path = write_city_xlsx(con, tmp_path / "city.xlsx", run_id="r1", as_of="2026-05-01", catalogue_path=str(cat))
    finally:
        con.close()
    wb = openpyxl.load_workbook(path)
    june = [list(x) for x in wb["Nguy cơ trễ hạn 15-06"].iter_rows(values_only=True)]
    assert june[0][4] == "Kết luận ký số" and june[1][6] == "3/7 (42,9 %)" and "còn 45 ngày" in june[1][-1]
    march = [list(x) for x in wb["Nguy cơ trễ hạn 31-03"].iter_rows(values_only=True)]
    assert march[1][7] == "Chưa sẵn sàng" and "quá hạn 31 ngày" in march[1][-1]


def _document_text(node) -> str:
    """Every string of the PDF's document model; a table line's pieces joined as printed."""
    if isinstance(node, str):
        return node
    if isinstance(node, dict):
        return "\n".join(_document_text(v) for v in node.values())
    if isinstance(node, list) and node and all(isinstance(x, str) for x in node):
        return "".join(node)
    if isinstance(node, list):
        return "\n".join(_document_text(v) for v in node)
    return str(node)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_pdf_renders_the_signing_section(db, tmp_path):
    """The inspector PDF's signing section and verdict parts, with and without signed files:
    in the document model (table cells as printed) and in the typeset PDF's text."""
    from hocba_audit.pdf import compile_inspector_pdf, inspector_document

    for r in (report_of(db, as_of=AS_OF), report_of(build_db(tmp_path / "none.duckdb", signed=False), as_of=AS_OF)):
        doc = inspector_document(r, {})
        text = _document_text(doc)
        path = tmp_path / "r.pdf"
        path.write_bytes(compile_inspector_pdf(doc, {}))
        printed = " ".join(subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True,
                                          text=True).stdout.split())
        for s in ("Ký số học bạ và chứng thư số", "Chứng thư số", "Gói đồng bộ", "Kết luận chung là mức thấp nhất"):
            assert s in text and s in printed, s
        assert not [i for i in IDS if i in text or i in printed]
        assert not UNMASKED_ID.findall(text) and not UNMASKED_ID.findall(printed)
        if r.signing.has_files:
            assert "3/7 (42,9 %)" in text and "3/7 (42,9 %)" in printed
            assert "031******222" in text  # masked in the problem's explanation
        else:
            assert "Chưa có dữ liệu chữ ký." in printed and "chưa sẵn sàng" in printed


def test_offline_renderer_puts_the_runtime_in_the_first_chart_only():
    import altair as alt

    from hocba_audit.charts import enable_offline_renderer

    enable_offline_renderer()
    try:
        chart = alt.Chart(alt.Data(values=[{"a": 1, "b": 0.5}])).mark_bar().encode(x="a:Q", y="b:Q")
        first, second = (alt.renderers.get()(chart.to_dict()) for _ in range(2))
    finally:
        alt.renderers.enable("default")
    assert "window.vegaEmbed=" in first["application/javascript"]
    assert "window.vegaEmbed=" not in second["application/javascript"]
    assert "vegaEmbed(view, spec" in second["application/javascript"] and "<svg" in second["image/svg+xml"]
    # JupyterLab's view gets only the Vega-Lite spec: the Vietnamese number format is in it
    assert first["application/vnd.vegalite.v5+json"]["config"]["locale"]["number"]["decimal"] == ","
    assert re.search(r">0,50</text>", first["image/svg+xml"]), "the SVG axis in the Vietnamese format"


def test_evidence_is_worded_for_people(db, tmp_path):
    """Run times as dd/mm/yyyy hh:mm:ss (not ISO with microseconds), manifest statuses in
    Vietnamese, and an empty school_id/run_id parameter shown with the value it resolved to."""
    import shutil

    path = tmp_path / "audit.duckdb"
    shutil.copy(db, path)
    con = duckdb.connect(str(path))
    insert(con, "manifest", run_id="r1", school_id=SCHOOL, export="x", file="DanhSach.xlsx", sheet="HS",
           sha256="ab" * 32, rows_read=3, rows_loaded=3, rows_rejected=0, status="loaded")
    con.close()
    r = report_of(path, as_of=AS_OF, parameters={"school_id": "", "run_id": "", "edition": "thanh tra"})
    e = r.evidence
    assert e["run_started"] == "01/05/2026 08:00:00" and e["run_finished"] == "chưa kết thúc"
    assert e["parameters"]["school_id"] == f"(trống → {SCHOOL})" and e["parameters"]["run_id"] == "(trống → r1)"
    assert e["parameters"]["edition"] == "thanh tra"
    assert r.manifest.column("Trạng thái") == ["Đã nạp"]


def test_city_figures_are_computed_once_per_level_and_reused(db):
    """build_school_report(baselines=...) keeps the city's figures per level; the next school of
    the level reuses them (no scan of the whole city per school) and gets the same report."""
    import dataclasses

    from hocba_audit.report_school import CityBaseline

    plain = report_of(db, as_of=AS_OF)
    cache: dict = {}
    first = report_of(db, as_of=AS_OF, baselines=cache)
    assert list(cache) == ["THCS"] and isinstance(cache["THCS"], CityBaseline)
    assert (first.completeness, first.marks) == (plain.completeness, plain.marks)
    # a planted city figure shows in the next report: it was reused, not recomputed
    cache["THCS"] = dataclasses.replace(cache["THCS"], completeness={k: 0.5 for k in cache["THCS"].completeness})
    again = report_of(db, as_of=AS_OF, baselines=cache)
    assert again.completeness and {c["city"] for c in again.completeness} == {0.5}
    assert [c["school"] for c in again.completeness] == [c["school"] for c in plain.completeness]


def test_city_count_axis_ticks_are_whole_and_few():
    from hocba_audit.city import count_ticks

    assert count_ticks([]) == [0] and count_ticks([1]) == [0, 1] and count_ticks([8]) == list(range(9))
    assert count_ticks([3, 9]) == [0, 2, 4, 6, 8, 10]
    assert count_ticks([17]) == [0, 5, 10, 15, 20]
    assert count_ticks([123]) == list(range(0, 141, 20))
    assert count_ticks([999]) == list(range(0, 1001, 200))
