"""The signed-file loader: học bạ XML, certificate files and the package manifest of an export
(folder and zip) land in signed_records, record_signatures, signed_values, certificate_files and
package_entries, with every file in the run manifest and every problem located.

Records are built and signed here (keys generated at test time, never written to the repo).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import Encoding
from exports_kit import csdl_class_list, pupil_row
from test_signing_kit import session_pki

from hocba_audit import model
from hocba_audit.cli import cli
from hocba_audit.exports import discover_exports, signed_file_kind
from hocba_audit.ingest import load_export
from hocba_audit.profiles import load_profiles
from hocba_audit.run import load_all
from hocba_audit.signing.algorithms import EXC_C14N
from hocba_audit.signing.attacks import tamper, wrap
from hocba_audit.signing.load import canonical_text, load_signed_files
from hocba_audit.signing.pki import utc
from hocba_audit.signing.record import build_record, to_bytes
from hocba_audit.signing.roster import build_schools, pupil_record
from hocba_audit.signing.sign import sign_role
from hocba_audit.signing.trust import TrustStore
from hocba_audit.signing.trustpolicy import load_trust_policy

SIGNED_TABLES = ("signed_records", "record_signatures", "signed_values", "certificate_files", "package_entries")
FOLDER, ZIP = "31000001", "31000002"
T0 = dt.datetime(2026, 5, 26, 8, 30)


def _sign(root, creds: dict, skip: str | None = None) -> None:
    t = T0
    for role in ("GVCN", "HT", "DonVi"):
        if role != skip:
            sign_role(root, role, creds[role], t, c14n=EXC_C14N)
        t += dt.timedelta(days=1)


def _build(base: Path) -> dict:
    """Write ``base/exports`` (one folder export, one zip export with a top folder) and ``base/trust``."""
    pki = session_pki()
    rng = random.Random(7)
    school = build_schools(rng, 2)[1]  # THCS: marks are decimals
    klass = school.classes[0]
    gvcn = pki.issue_person("Nguyễn Thị Hoa", cccd="031185001234")
    ht = pki.issue_person("Trần Văn Bình", cccd="031075004321", ca="gov-ca")
    seal = pki.issue_seal(school.row["school_name"], mst=school.row["tax_code"], mns=school.row["budget_code"])
    revoked = pki.issue_person("Lê Văn Thu Hồi", cccd="031080009999")
    pki.revoke(revoked, utc(2026, 4, 15))
    rogue = pki.issue_person("Phạm Giả Mạo", cccd="031090001111", ca="rogue-ca")
    creds = {"GVCN": gvcn, "HT": ht, "DonVi": seal}
    recs = [pupil_record(rng, school, klass, n) for n in range(6)]
    for r in recs:
        r["school_year"] = "2025-2026"
    files: dict[str, bytes] = {}

    def signed(rec, **kw):
        root = build_record(rec)
        _sign(root, {**creds, **kw.pop("creds", {})}, **kw)
        return root

    files["clean.xml"] = to_bytes(signed(recs[0]))
    files["missing_ht.xml"] = to_bytes(signed(recs[1], skip="HT"))
    root = signed(recs[2])
    tamper(root)
    files["tampered.xml"] = to_bytes(root)
    root = signed(recs[3])
    wrap(root, "GVCN")
    files["wrapped.xml"] = to_bytes(root)
    files["revoked.xml"] = to_bytes(signed(recs[4], creds={"GVCN": revoked}))
    files["rogue.xml"] = to_bytes(signed(recs[5], creds={"GVCN": rogue}))
    files["not_xml.xml"] = b"PK\x03\x04 this is a zip, not XML"
    files["foreign.xml"] = b'<?xml version="1.0"?><HoaDon><Ma>1</Ma></HoaDon>'
    listed = ["clean.xml", "missing_ht.xml", "tampered.xml", "wrapped.xml", "revoked.xml", "rogue.xml",
              "foreign.xml"]  # not_xml.xml is not listed
    lines = ["file,sha256,size_bytes"]
    for name in listed:
        data = files[name]
        sha = hashlib.sha256(data).hexdigest() if name != "missing_ht.xml" else "0" * 64  # hash mismatch
        lines.append(f"{name},{sha},{len(data)}")
    lines.append(f"gone.xml,{'a' * 64},100")          # listed, not present
    lines.append("broken.xml,not-a-hash,12")         # a bad line
    der = Encoding.DER
    rogue_root = pki.authorities["rogue-root"].cert
    certs = {
        "certs/GV01.cer": gvcn.cert.public_bytes(der),
        "certs/HT.crt": ht.cert.public_bytes(Encoding.PEM),
        "certs/TRUONG.pem": seal.cert.public_bytes(Encoding.PEM),
        "certs/GV_REVOKED.der": revoked.cert.public_bytes(der),
        "certs/GV_ROGUE.pem": b"".join(c.public_bytes(Encoding.PEM) for c in (rogue.cert, *rogue.chain, rogue_root)),
        "certs/broken.cer": b"-----BEGIN PRIVATE KEY-----\nnot a certificate\n-----END PRIVATE KEY-----\n",
    }
    exports = base / "exports"
    folder = exports / f"{FOLDER}_2025-2026"
    csdl_class_list(folder / "DanhSachHocSinh_7A1.xlsx",
                    [pupil_row(1, recs[0]["pupil"]["pupil_code"], "Nguyễn Văn An", "01/02/2013", "Nam", "031213000001")])
    for name, data in files.items():
        (folder / "hoc_ba").mkdir(parents=True, exist_ok=True)
        (folder / "hoc_ba" / name).write_bytes(data)
    (folder / "hoc_ba" / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for rel, data in certs.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    with zipfile.ZipFile(exports / f"{ZIP}_2025-2026.zip", "w") as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, f"{ZIP}_2025-2026/{p.relative_to(folder).as_posix()}")
    trust = pki.write_trust_folder(base / "trust", crl_time=utc(2026, 9))
    return {"recs": recs, "creds": creds, "revoked": revoked, "rogue": rogue, "files": files, "school": school}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("signed")
    info = _build(base)
    info["base"] = base
    return info


def _rows(con, table: str, where: str = "") -> list[tuple]:
    return con.execute(f'SELECT * FROM "{table}" {where} ORDER BY ALL').fetchall()


@pytest.fixture(scope="module")
def loaded(built, tmp_path_factory):
    """The exports loaded with jobs=1 and jobs=2 (default trust folder <exports>/../trust)."""
    out = {}
    for jobs in (1, 2):
        db = tmp_path_factory.mktemp(f"db{jobs}") / "audit.duckdb"
        load_all(db, built["base"] / "exports", "r1", jobs=jobs)
        out[jobs] = duckdb.connect(str(db), read_only=True)
    yield out
    for con in out.values():
        con.close()


def test_signed_files_are_classified_and_not_left_to_the_tabular_loader(built):
    assert signed_file_kind("hoc_ba/A.XML") == "signed_record"
    assert signed_file_kind("certs/x.Cer") == "certificate"
    assert signed_file_kind("hoc_ba/manifest.csv") == "package_manifest"
    assert signed_file_kind("manifest.csv") is None and signed_file_kind("DanhSachHocSinh_7A1.xlsx") is None
    con = duckdb.connect()
    model.create_schema(con)
    export = next(e for e in discover_exports(built["base"] / "exports") if e.school_id == FOLDER)
    res = load_export(con, export, "t", load_profiles())
    assert res.profile == "csdl_nganh" and res.rows_loaded == 1
    assert con.execute("SELECT count(*) FROM load_errors WHERE error_code = 'unmatched_file'").fetchone()[0] == 0
    assert [r[0] for r in con.execute("SELECT file FROM manifest").fetchall()] == ["DanhSachHocSinh_7A1.xlsx"]


def test_jobs_1_and_2_give_identical_tables(loaded):
    for table in (*SIGNED_TABLES, "manifest", "load_errors", "rejected_rows"):
        assert _rows(loaded[1], table) == _rows(loaded[2], table), table
    assert loaded[1].execute("SELECT count(DISTINCT school_id) FROM signed_records").fetchone()[0] == 2


@pytest.mark.parametrize("sid", [FOLDER, ZIP])
def test_record_statuses_and_explanations(loaded, sid):
    con = loaded[1]
    rows = dict(con.execute("SELECT src_file, status FROM signed_records WHERE school_id = ?", [sid]).fetchall())
    assert rows == {
        "hoc_ba/clean.xml": "VALID", "hoc_ba/missing_ht.xml": "INCOMPLETE", "hoc_ba/tampered.xml": "INVALID",
        "hoc_ba/wrapped.xml": "INVALID", "hoc_ba/revoked.xml": "INVALID", "hoc_ba/rogue.xml": "INDETERMINATE",
        "hoc_ba/not_xml.xml": "UNREADABLE", "hoc_ba/foreign.xml": "UNREADABLE"}
    expl = dict(con.execute("SELECT src_file, explanation FROM signed_records WHERE school_id = ?", [sid]).fetchall())
    assert "'hoc_ba/not_xml.xml'" in expl["hoc_ba/not_xml.xml"] and "không phải XML" in expl["hoc_ba/not_xml.xml"]
    assert "<HoaDon>" in expl["hoc_ba/foreign.xml"]
    assert "thiếu chữ ký của hiệu trưởng" in expl["hoc_ba/missing_ht.xml"]
    errors = {r[0] for r in con.execute("SELECT file FROM load_errors WHERE school_id = ? AND "
                                        "error_code = 'signed_record_unreadable'", [sid]).fetchall()}
    assert errors == {"hoc_ba/not_xml.xml", "hoc_ba/foreign.xml"}


def test_clean_record_identity_and_sha(loaded, built):
    rec = built["recs"][0]
    row = loaded[1].execute("""SELECT record_id, record_school_id, school_year, pupil_code, class_name, level,
        schema_valid, schema_errors, sha256, size_bytes, src_row FROM signed_records
        WHERE school_id = ? AND src_file = 'hoc_ba/clean.xml'""", [FOLDER]).fetchone()
    data = built["files"]["clean.xml"]
    assert row == (f"HB-{rec['pupil']['pupil_code']}-2025-2026", rec["school"]["school_id"], "2025-2026",
                   rec["pupil"]["pupil_code"], rec["class"]["class_name"], "THCS", True, None,
                   hashlib.sha256(data).hexdigest(), len(data), 1)


def test_one_signature_row_per_role_with_verdict_and_signer(loaded, built):
    con = loaded[1]
    rows = con.execute("""SELECT src_file, role, present, indication, sub_indication, signer_id_kind,
        signer_personal_id, signer_tax_code, signer_budget_code, cert_serial, src_row
        FROM record_signatures WHERE school_id = ? ORDER BY src_file, role""", [FOLDER]).fetchall()
    by = {(r[0].split("/")[-1], r[1]): r[2:] for r in rows}
    assert len(rows) == 6 * 3  # unreadable files have no slots
    creds, school = built["creds"], built["school"].row
    ser = {k: format(c.cert.serial_number, "X") for k, c in creds.items()}
    assert by[("clean.xml", "GVCN")][:-1] == (True, "TOTAL_PASSED", None, "CCCD", "031185001234", None, None, ser["GVCN"])
    assert by[("clean.xml", "HT")][:-1] == (True, "TOTAL_PASSED", None, "CCCD", "031075004321", None, None, ser["HT"])
    assert by[("clean.xml", "DonVi")][:-1] == (True, "TOTAL_PASSED", None, "MST", None, school["tax_code"],
                                               school["budget_code"], ser["DonVi"])
    assert by[("missing_ht.xml", "HT")][:3] == (False, None, None)
    assert {by[("tampered.xml", r)][2] for r in ("GVCN", "HT", "DonVi")} == {"HASH_FAILURE"}
    assert by[("wrapped.xml", "HT")][1:3] == ("INDETERMINATE", "SIGNED_DATA_NOT_FOUND")
    assert by[("revoked.xml", "GVCN")][1:3] == ("TOTAL_FAILED", "REVOKED")
    assert by[("rogue.xml", "GVCN")][1:3] == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    assert all(r[-1] > 1 for r in by.values())  # the line of the slot's ds:Signature
    t = con.execute("""SELECT signing_time, cert_issuer, cert_not_after, signature_method, explanation, action
        FROM record_signatures WHERE school_id = ? AND src_file = 'hoc_ba/clean.xml' AND role = 'HT'""",
                    [FOLDER]).fetchone()
    assert t[0] == T0 + dt.timedelta(days=1) and t[1] == "CA phục vụ các cơ quan Nhà nước G2 (GIẢ LẬP)"
    assert t[2] == dt.datetime(2028, 1, 1) and t[3].endswith("rsa-sha256")
    assert t[4].startswith("Chữ ký hợp lệ") and t[5] == "Không cần xử lý."
    missing = con.execute("""SELECT explanation, action FROM record_signatures WHERE school_id = ?
        AND src_file = 'hoc_ba/missing_ht.xml' AND role = 'HT'""", [FOLDER]).fetchone()
    assert missing == ("Học bạ thiếu chữ ký của hiệu trưởng.", "Đề nghị hiệu trưởng ký số học bạ.")


def test_signed_values_of_a_known_record(loaded, built):
    rec = built["recs"][0]
    year, pupil = "2025-2026", rec["pupil"]["pupil_code"]
    con = loaded[1]
    vals = {(r[0], r[1], r[2]): (r[3], r[4], r[5], r[6]) for r in con.execute(
        """SELECT source_table, row_key, field, value, school_year, pupil_code, src_row FROM signed_values
           WHERE school_id = ? AND src_file = 'hoc_ba/clean.xml'""", [ZIP]).fetchall()}
    averages = {(k[1], v[0]) for k, v in vals.items() if k[0] == "subject_results" and k[2] == "average"}
    assert averages == {(f"{year}|{pupil}|{r['subject_code']}|{r['period']}", format(r["average"].normalize(), "f"))
                        for r in rec["subject_results"] if r.get("average") is not None}
    levels = {k[1] for k, v in vals.items() if k[0] == "subject_results" and k[2] == "level" and v[0] == "Đ"}
    assert f"{year}|{pupil}|GDTC|CN" in levels
    p = rec["pupil"]
    assert vals[("pupils", pupil, "full_name")][:3] == (p["full_name"], year, pupil)
    assert vals[("pupils", pupil, "birth_date")][0] == p["birth_date"].isoformat()
    assert vals[("year_results", f"{year}|{pupil}", "absences")][0] == str(rec["year_result"]["absences"])
    assert vals[("classes", f"{year}|{rec['class']['class_name']}", "grade")][0] == "7"
    assert vals[("schools", "", "tax_code")][0] == built["school"].row["tax_code"]
    assert all(v[3] > 1 for v in vals.values())
    xml_lines = built["files"]["clean.xml"].decode().splitlines()
    line = vals[("pupils", pupil, "full_name")][3]
    assert "<HoTen>" in xml_lines[line - 1] and p["full_name"] in xml_lines[line - 1]


def test_wrapped_tampered_and_unreadable_files_have_no_signed_values(loaded):
    files = {r[0] for r in loaded[1].execute("SELECT DISTINCT src_file FROM signed_values").fetchall()}
    # revoked.xml: the HT and seal signatures still cover the intact block, so its values are signed
    assert files == {"hoc_ba/clean.xml", "hoc_ba/missing_ht.xml", "hoc_ba/rogue.xml", "hoc_ba/revoked.xml"}


def test_certificate_files(loaded, built):
    rows = {r[0]: r[1:] for r in loaded[1].execute(
        """SELECT src_file, chain_status, anchor_group, id_kind, personal_id, tax_code, budget_code, serial,
                  key_usage, key_usage_ok, key_algorithm, key_bits, revoked_at IS NOT NULL, problem IS NOT NULL
           FROM certificate_files WHERE school_id = ?""", [FOLDER]).fetchall()}
    school = built["school"].row
    gv = built["creds"]["GVCN"].cert
    assert rows["certs/GV01.cer"] == ("TRUSTED", "national", "CCCD", "031185001234", None, None,
                                      format(gv.serial_number, "X"), "digitalSignature,nonRepudiation", True,
                                      "RSA", 2048, False, False)
    assert rows["certs/HT.crt"][:2] == ("TRUSTED", "government")
    assert rows["certs/TRUONG.pem"][:6] == ("TRUSTED", "government", "MST", None, school["tax_code"],
                                            school["budget_code"])
    assert rows["certs/GV_REVOKED.der"][:2] == ("REVOKED", "national") and rows["certs/GV_REVOKED.der"][-2]
    assert rows["certs/GV_ROGUE.pem"][:2] == ("UNTRUSTED_ROOT", None)
    assert rows["certs/GV_ROGUE.pem"][6] == format(built["rogue"].cert.serial_number, "X")  # the leaf of the bundle
    assert rows["certs/broken.cer"][0] == "UNREADABLE" and rows["certs/broken.cer"][-1]
    revoked_at = loaded[1].execute("SELECT revoked_at FROM certificate_files WHERE src_file = 'certs/GV_REVOKED.der'"
                                   ).fetchone()[0]
    assert revoked_at == dt.datetime(2026, 4, 15)
    err = loaded[1].execute("""SELECT message FROM load_errors WHERE school_id = ? AND file = 'certs/broken.cer'""",
                            [FOLDER]).fetchall()
    assert len(err) == 1 and "không chứa chứng thư số" in err[0][0]


def test_package_entries_flags(loaded, built):
    rows = {r[0]: r[1:] for r in loaded[1].execute(
        """SELECT src_file, manifest_file, listed_sha256 = actual_sha256, in_manifest, on_disk, src_row
           FROM package_entries WHERE school_id = ?""", [ZIP]).fetchall()}
    m = "hoc_ba/manifest.csv"
    assert rows["hoc_ba/clean.xml"] == (m, True, True, True, 2)
    assert rows["hoc_ba/missing_ht.xml"] == (m, False, True, True, 3)      # hash mismatch
    assert rows["hoc_ba/not_xml.xml"] == (None, None, False, True, 1)      # not in the manifest
    assert rows["hoc_ba/gone.xml"] == (m, None, True, False, 9)            # listed, missing
    assert len(rows) == 9 and "hoc_ba/broken.xml" not in rows
    rej = loaded[1].execute("""SELECT file, row_number, reason_code FROM rejected_rows WHERE school_id = ?""",
                            [ZIP]).fetchall()
    assert rej == [(m, 10, "manifest_bad_sha256")]


def test_every_signed_file_is_in_the_run_manifest(loaded, built):
    rows = {r[0]: r[1:] for r in loaded[1].execute(
        """SELECT file, source, sha256, rows_read, rows_loaded, rows_rejected, status FROM manifest
           WHERE school_id = ? AND source IS NOT NULL AND profile IS NULL""", [FOLDER]).fetchall()}
    assert {k for k, v in rows.items() if v[0] == "signed_record"} == {f"hoc_ba/{n}" for n in built["files"]}
    assert {k for k, v in rows.items() if v[0] == "certificate"} == {
        "certs/GV01.cer", "certs/HT.crt", "certs/TRUONG.pem", "certs/GV_REVOKED.der", "certs/GV_ROGUE.pem",
        "certs/broken.cer"}
    assert rows["hoc_ba/manifest.csv"][0] == "package_manifest" and rows["hoc_ba/manifest.csv"][2:] == (9, 8, 1, "loaded")
    assert rows["hoc_ba/clean.xml"][1] == hashlib.sha256(built["files"]["clean.xml"]).hexdigest()
    assert rows["hoc_ba/not_xml.xml"][-1] == "error" and rows["certs/broken.cer"][-1] == "error"


def test_without_trust_store_signatures_are_indeterminate_and_one_warning(built, tmp_path):
    shutil.copytree(built["base"] / "exports", tmp_path / "exports")  # no <exports>/../trust here
    db = tmp_path / "a.duckdb"
    load_all(db, tmp_path / "exports", "r2")
    con = duckdb.connect(str(db), read_only=True)
    subs = {r[0] for r in con.execute("SELECT DISTINCT sub_indication FROM record_signatures WHERE "
                                      "src_file = 'hoc_ba/clean.xml'").fetchall()}
    assert subs == {"NO_CERTIFICATE_CHAIN_FOUND"}
    warnings = con.execute("SELECT severity, message FROM load_errors WHERE error_code = 'no_trust_store'").fetchall()
    assert len(warnings) == 1 and warnings[0][0] == "cảnh báo" and "kho tin cậy" in warnings[0][1]
    assert {r[0] for r in con.execute("SELECT DISTINCT chain_status FROM certificate_files").fetchall()} == {
        "NO_CHAIN", "UNTRUSTED_ROOT", "UNREADABLE"}
    con.close()


def test_trust_policy_file_drives_role_anchors(built, tmp_path):
    default = load_trust_policy()
    assert default.role_anchors == {"GVCN": ("national",), "HT": ("national", "government"),
                                    "DonVi": ("government",)}
    strict = load_trust_policy(overrides={"trust_anchors_ht": "national", "other_setting": "x"})
    assert strict.role_anchors["HT"] == ("national",)
    assert "DonVi" not in load_trust_policy(overrides={"trust_anchors_donvi": "*"}).role_anchors
    con = duckdb.connect()
    model.create_schema(con)
    export = next(e for e in discover_exports(built["base"] / "exports") if e.school_id == FOLDER)
    load_signed_files(con, export, "p", FOLDER, TrustStore.from_folder(built["base"] / "trust"), strict)
    ht = con.execute("SELECT sub_indication FROM record_signatures WHERE src_file = 'hoc_ba/clean.xml' "
                     "AND role = 'HT'").fetchone()[0]
    assert ht == "CHAIN_CONSTRAINTS_FAILURE"  # the HT certificate is a government one


def test_canonical_text():
    assert [canonical_text(v) for v in (Decimal("7.00"), Decimal("8.50"), Decimal("10"), True, 3,
                                        dt.date(2013, 2, 1), "Nguye\u0302\u0303n", None)] == [
        "7", "8.5", "10", "true", "3", "2013-02-01", "Nguyễn", None]


def test_verify_command_prints_verdicts_per_role(built):
    folder = built["base"] / "exports" / f"{FOLDER}_2025-2026" / "hoc_ba"
    res = CliRunner().invoke(cli, ["verify", str(folder / "clean.xml"), str(folder / "revoked.xml"),
                                   "--trust", str(built["base"] / "trust")])
    assert res.exit_code == 1, res.output  # revoked.xml is not VALID
    out = res.output
    assert "clean.xml — VALID" in out and "revoked.xml — INVALID" in out
    assert "TOTAL_FAILED / REVOKED" in out and "người ký: Lê Văn Thu Hồi (CCCD 031080009999)" in out
    assert "thời điểm ký: 26/05/2026 08:30:00" in out and "→ " in out
    ok = CliRunner().invoke(cli, ["verify", str(folder / "clean.xml"), "--trust", str(built["base"] / "trust")])
    assert ok.exit_code == 0 and "1 tệp: VALID 1" in ok.output


def test_located_extraction_points_every_value_at_its_own_line(built):
    from hocba_audit.signing.load import cached_mapping, canonical_text, extract_located
    from hocba_audit.signing.safexml import parse_secure

    mapping = cached_mapping()
    for name in ("clean.xml", "missing_ht.xml"):
        data = built["files"][name]
        block = parse_secure(data).getroot().find(mapping.block_tag)
        located = extract_located(block, mapping)
        text = data.decode().splitlines()
        checked = 0
        for rows in located.values():
            for row, lines in rows:
                for col, value in row.items():
                    if value is None or col not in lines or lines[col] == block.sourceline:
                        continue
                    assert f">{canonical_text(value)}<" in text[lines[col] - 1], (col, value, lines[col])
                    checked += 1
        assert checked > 50
        row, lines = located["subject_results"][0]
        assert "<Ky>" in text[lines["period"] - 1] and "<MaMon>" in text[lines["subject_code"] - 1]
        assert "<TenLop>" in text[lines["class_name"] - 1]


def test_an_export_folder_with_sub_folders_given_directly_is_one_export(built):
    folder = built["base"] / "exports" / f"{FOLDER}_2025-2026"
    exports = discover_exports(folder)
    assert [(e.school_id, e.school_year) for e in exports] == [(FOLDER, "2025-2026")]
    assert {"hoc_ba/clean.xml", "certs/GV01.cer", "DanhSachHocSinh_7A1.xlsx"} <= {f.rel_path for f in exports[0].files}
    assert len(discover_exports(built["base"] / "exports")) == 2


def test_load_command_takes_a_trust_folder(built, tmp_path):
    res = CliRunner().invoke(cli, ["load", "--exports", str(built["base"] / "exports"), "--db",
                                   str(tmp_path / "x.duckdb"), "--trust", str(built["base"] / "trust"), "--jobs", "2"])
    assert res.exit_code == 0, res.output
    assert res.output.count("signed records 8, certificate files 6") == 2
    con = duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM signed_records WHERE status = 'VALID'").fetchone()[0] == 2
    assert json_param(con)["trust"] == str((built["base"] / "trust").resolve())
    con.close()


def json_param(con) -> dict:
    import json

    return json.loads(con.execute("SELECT parameters FROM runs").fetchone()[0])


def test_schema_invalid_record_keeps_located_schema_errors(built):
    from hocba_audit.signing.load import cached_mapping, record_rows

    rec = dict(built["recs"][0])
    rec["subject_results"] = [{**rec["subject_results"][0], "average": Decimal("11.5")}, *rec["subject_results"][1:]]
    root = build_record(rec)
    _sign(root, built["creds"])
    trust = TrustStore.from_folder(built["base"] / "trust")
    rr = record_rows(to_bytes(root), "hoc_ba/x.xml", trust, load_trust_policy(), cached_mapping())
    assert rr.record["status"] == "SCHEMA_INVALID" and rr.record["schema_valid"] is False
    assert "DiemTB" in rr.record["schema_errors"] and rr.record["schema_errors"].startswith("dòng ")
    assert "không đúng lược đồ" in rr.record["explanation"]
    assert ("subject_results", "average", "11.5") in {(v["source_table"], v["field"], v["value"]) for v in rr.values}
