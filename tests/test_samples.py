"""The committed data_samples/ load without losing a row, and the end-to-end command works (#2)."""

from __future__ import annotations

import csv
import hashlib
import zipfile
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


def _export_members(export: Path) -> dict[str, bytes]:
    """rel path -> bytes of every file of an export folder or zip (the zip's top folder stripped)."""
    if export.is_dir():
        return {f.relative_to(export).as_posix(): f.read_bytes() for f in export.rglob("*") if f.is_file()}
    with zipfile.ZipFile(export) as z:
        return {n.split("/", 1)[1]: z.read(n) for n in z.namelist() if not n.endswith("/")}


def test_every_sample_file_is_in_the_manifest_with_its_hash(sample_db):
    con, _ = sample_db
    hashes = {r[0] for r in con.execute("SELECT sha256 FROM manifest").fetchall()}
    n = 0
    for export in (SAMPLES / "exports").iterdir():
        for rel, data in _export_members(export).items():
            assert hashlib.sha256(data).hexdigest() in hashes, (export.name, rel)
            n += 1
    assert n > 1000   # tabular files, signed records, certificates, manifests


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
    """One line per tabular file of every export; the signed files are summed up per folder."""
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for p in sorted((SAMPLES / "exports").iterdir()):
        assert p.name in readme, p.name
        section = readme.split(f"## `{p.name}`", 1)[1].split("\n## ", 1)[0]
        members = _export_members(p)
        for rel in members:
            if not rel.startswith(("hoc_ba/", "certs/")):
                assert f"`{rel}`" in section, (p.name, rel)
        n_xml = sum(r.startswith("hoc_ba/") and r.endswith(".xml") for r in members)
        n_cer = sum(r.startswith("certs/") for r in members)
        assert f"`hoc_ba/`: {n_xml} signed" in section and f"`certs/`: {n_cer} certificate" in section, p.name
    assert "truth.csv" in readme and "trust/" in readme


def test_samples_stay_small():
    size = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    assert size < 15 * 1024 * 1024


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


# -- the signed files (round 2) ------------------------------------------------------------------
def _expected_verdicts(truth: list[dict]) -> dict[tuple[str, str], dict]:
    """(school, file) -> expected status, per-role (indication, sub-indication), missing role, schema flag."""
    from hocba_audit.generator.signed_records import CRYPTO_DEFECTS
    from hocba_audit.signing.corpus import EXPECTED, WRAP_HOST

    out: dict[tuple[str, str], dict] = {}
    for r in truth:
        code = r["defect_code"]
        if r["table"] not in ("record_signatures", "signed_records", "signed_values", "package_entries"):
            continue
        f = r["key"].split("|")[0]
        e = out.setdefault((r["school_id"], f), {"status": "VALID", "roles": {}, "missing": (), "schema": False})
        if code == "PKG_LISTED_MISSING":
            e["absent"] = True
        elif code == "SIG_SCHEMA_INVALID":
            e["schema"] = True
            if e["status"] == "VALID":
                e["status"] = "SCHEMA_INVALID"
        elif code in CRYPTO_DEFECTS:
            role = r["key"].split("|")[1]
            defect = "weak_sha1" if code == "SIG_WEAK_ALGORITHM" else CRYPTO_DEFECTS[code]
            _, ind, sub, status = EXPECTED[defect]
            if defect == "missing_signature":
                e["missing"] = (role,)
            elif defect == "wrapping" and role == WRAP_HOST[0]:
                e["roles"][role] = WRAP_HOST[1:]
            else:
                e["roles"][role] = (ind, sub)
            e["status"] = status
    return out


def _verify_member(data: bytes, trust, name: str):
    from hocba_audit.signing import VerifyPolicy, verify_document

    return verify_document(data, trust, VerifyPolicy(), check_schema=True, name=name)


def test_signed_sample_records_verify_as_the_truth_says():
    """Every committed record, verified against data_samples/trust: a file without a truth row is
    VALID (all three roles TOTAL_PASSED); a file with a signing defect gets that defect's verdict."""
    from hocba_audit.signing import TrustStore

    trust = TrustStore.from_folder(SAMPLES / "trust")
    expected = _expected_verdicts(truth_rows())
    n = {"VALID": 0, "defective": 0}
    for export in sorted((SAMPLES / "exports").iterdir()):
        sid = export.name.split("_")[0]
        for rel, data in sorted(_export_members(export).items()):
            if not rel.endswith(".xml"):
                continue
            e = expected.get((sid, rel), {"status": "VALID", "roles": {}, "missing": (), "schema": False})
            assert not e.get("absent"), rel
            v = _verify_member(data, trust, rel)
            assert v.status == e["status"], (sid, rel, v.status, e)
            assert v.missing_roles == e["missing"], (sid, rel)
            assert bool(v.schema_problems) == e["schema"], (sid, rel, v.schema_problems[:1])
            for role, s in v.signatures.items():
                assert (s.indication, s.sub_indication) == e["roles"].get(role, ("TOTAL_PASSED", None)), (sid, rel, role)
            n["VALID" if e["status"] == "VALID" else "defective"] += 1
    assert n["VALID"] > 900 and n["defective"] > 40, n


@pytest.mark.slow
def test_regenerating_the_samples_reproduces_them(tmp_path):
    """The README's command, run again: tabular files and truth.csv byte for byte; the signed
    records by content (data block, signing times, signer names, algorithms) and verdict; the
    certificate files by serial, subject, validity and key usage. Only signature and certificate
    bytes (and so the manifest hashes) differ: keys are generated at run time."""
    import shlex

    from cryptography import x509
    from lxml import etree

    from hocba_audit.signing import TrustStore

    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    command = next(line.strip() for line in readme.splitlines() if line.strip().startswith("hocba-audit samples"))
    args = shlex.split(command)[1:]
    args[args.index("--out") + 1] = str(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "truth.csv").read_bytes() == (SAMPLES / "truth.csv").read_bytes()
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == sorted(p.name for p in (SAMPLES / "exports").iterdir())
    assert sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "trust").rglob("*")) == \
        sorted(p.relative_to(SAMPLES).as_posix() for p in (SAMPLES / "trust").rglob("*"))
    trusts = (TrustStore.from_folder(SAMPLES / "trust"), TrustStore.from_folder(tmp_path / "trust"))

    def signed_content(data: bytes) -> tuple:
        root = etree.fromstring(data)
        parts = [etree.tostring(b, method="c14n") for b in root.iter("{*}DLHocBa")]
        for sig in root.iter("{http://www.w3.org/2000/09/xmldsig#}Signature"):
            parts += [sig.getparent().tag, *(x.text for x in sig.iter("{*}SigningTime", "{*}X509SubjectName")),
                      *(m.get("Algorithm") for m in sig.iter("{*}SignatureMethod", "{*}DigestMethod",
                                                             "{*}CanonicalizationMethod"))]
        return tuple(parts)

    def cert_content(data: bytes) -> tuple:
        c = x509.load_der_x509_certificate(data)
        return (c.serial_number, c.subject, c.issuer, c.not_valid_before_utc, c.not_valid_after_utc,
                c.extensions.get_extension_for_class(x509.KeyUsage).value)

    counts = {"tabular": 0, "xml": 0, "cert": 0}
    for export in sorted((SAMPLES / "exports").iterdir()):
        old, new = _export_members(export), _export_members(tmp_path / "exports" / export.name)
        assert sorted(old) == sorted(new), export.name
        for rel in old:
            if rel.endswith(".xml"):
                assert signed_content(old[rel]) == signed_content(new[rel]), rel
                va, vb = (_verify_member(d, t, rel) for d, t in ((old[rel], trusts[0]), (new[rel], trusts[1])))
                assert va.status == vb.status and va.missing_roles == vb.missing_roles, rel
                assert {r: (s.indication, s.sub_indication) for r, s in va.signatures.items()} == \
                    {r: (s.indication, s.sub_indication) for r, s in vb.signatures.items()}, rel
                counts["xml"] += 1
            elif rel.startswith("certs/"):
                assert cert_content(old[rel]) == cert_content(new[rel]), rel
                counts["cert"] += 1
            elif rel == "hoc_ba/manifest.csv":
                listed = [sorted(line.split(",")[0] for line in x[rel].decode().splitlines()) for x in (old, new)]
                assert listed[0] == listed[1], export.name
            else:
                assert old[rel] == new[rel], (export.name, rel)   # tabular files: byte for byte
                counts["tabular"] += 1
    assert counts["tabular"] > 50 and counts["xml"] > 1000 and counts["cert"] > 10, counts
