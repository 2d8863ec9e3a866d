"""Signed records, certificate files and the sync manifest of generated exports (round-2 contract §2, §3).

One small THCS school is generated, written in its vendor layout, loaded back, and signed with
``sign_export``; the records are then verified with the project's verifier against the written
trust folder, and the certificate files and manifest are read back with ``cryptography`` and
``hashlib``. A 4-school generation through ``write_samples`` checks that every contract code is
planted and that its truth rows have the contract's table and key.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from hocba_audit.generator import CitySpec, generate_school, plan_city
from hocba_audit.generator.signed_records import (
    ALL_CODES, CERT_CODES, EXPIRES_BEFORE_DEADLINE, EXPIRING_SOON, load_scratch, sign_export)
from hocba_audit.profiles import load_profiles
from hocba_audit.samples import TRUTH_COLUMNS, export_plan, write_samples
from hocba_audit.signing import TrustStore, VerifyPolicy, verify_document
from hocba_audit.signing.corpus import EXPECTED, WRAP_HOST
from hocba_audit.signing.mapping import extract_rows, load_mapping
from hocba_audit.signing.pki import SyntheticPKI
from hocba_audit.signing.record import ROLES
from hocba_audit.writers import write_export

CONTRACT_CODES = {
    "SIG_MISSING", "SIG_TAMPERED", "SIG_WRAPPING", "SIG_WRONG_KEY", "SIG_UNTRUSTED_ROOT", "SIG_CERT_EXPIRED",
    "SIG_CERT_NOT_YET_VALID", "SIG_CERT_REVOKED", "SIG_WEAK_ALGORITHM", "SIG_WRONG_ANCHOR", "SIG_SIGNER_NOT_GVCN",
    "SIG_SIGNER_NOT_HT", "SIG_SEAL_NOT_SCHOOL", "SIG_ORDER", "SIG_BEFORE_GRADE_CHANGE", "SIG_CONTENT_DIFFERS",
    "SIG_SCHEMA_INVALID", "SIG_PUPIL_WITHOUT_FILE", "SIG_FILE_WITHOUT_PUPIL", "SIG_DUPLICATE_RECORD",
    "PKG_HASH_MISMATCH", "PKG_NOT_IN_MANIFEST", "PKG_LISTED_MISSING", "CERT_MISSING",
    "CERT_EXPIRES_BEFORE_DEADLINE", "CERT_EXPIRING_SOON", "CERT_KEY_USAGE", "CERT_CMND_ONLY", "CERT_SEAL_WRONG_ID",
}
#: contract §3: code -> (table, number of '|'-parts of the key)
TRUTH_SHAPE = {**{c: ("record_signatures", 2) for c in CONTRACT_CODES if c.startswith("SIG_")},
               "SIG_BEFORE_GRADE_CHANGE": ("signed_records", 1), "SIG_CONTENT_DIFFERS": ("signed_values", None),
               "SIG_SCHEMA_INVALID": ("signed_records", 1), "SIG_PUPIL_WITHOUT_FILE": ("enrolments", 2),
               "SIG_FILE_WITHOUT_PUPIL": ("signed_records", 1), "SIG_DUPLICATE_RECORD": ("signed_records", 1),
               **{c: ("package_entries", 1) for c in CONTRACT_CODES if c.startswith("PKG_")},
               "CERT_MISSING": ("teachers", 1),
               **{c: ("certificate_files", 1) for c in CERT_CODES if c != "CERT_MISSING"}}


def test_the_module_plants_exactly_the_contract_codes():
    assert set(ALL_CODES) == CONTRACT_CODES


@pytest.fixture(scope="module", params=[("TH", 0.2), ("THCS", 0.1)], ids=["TH", "THCS"])
def school(request, tmp_path_factory):
    """One school (primary, 7 classes; lower secondary, 4 classes), written as a folder, signed,
    with its trust folder."""
    level, scale = request.param
    tmp = tmp_path_factory.mktemp("signed")
    spec = CitySpec(schools=1, seed=11, defect_rate=0.02, levels=(level,), pupils_scale=scale)
    plan = plan_city(spec)[0]
    data = generate_school(plan, spec)
    ep = export_plan(plan.index)
    target = tmp / "exports" / f"{data.school_id}_{data.school_year}"
    write_export(data.tables, load_profiles()[ep.profile], target, {"encoding": ep.encoding})
    tabular = {p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    con = load_scratch(target)
    pki = SyntheticPKI()
    result = sign_export(target, pki, random.Random(5), con=con, defect_rate=0.02)
    from hocba_audit.generator.signed_records import CRL_TIME

    trust = pki.write_trust_folder(tmp / "trust", crl_time=CRL_TIME)
    yield {"dir": target, "result": result, "trust": TrustStore.from_folder(trust), "con": con,
           "tabular": tabular, "data": data, "spec": spec, "plan": plan}
    con.close()


def _verify(school, rel):
    data = (school["dir"] / rel).read_bytes()
    return verify_document(data, school["trust"], VerifyPolicy(), check_schema=True, name=rel)


def test_signing_adds_files_and_leaves_the_tabular_files_alone(school):
    d = school["dir"]
    now = {p.relative_to(d).as_posix(): p.read_bytes() for p in d.rglob("*") if p.is_file()}
    for rel, data in school["tabular"].items():
        assert now[rel] == data, rel
    added = set(now) - set(school["tabular"])
    assert added and all(r.startswith(("hoc_ba/", "certs/")) for r in added)
    assert "hoc_ba/manifest.csv" in added


def test_clean_records_verify_and_carry_the_grade_book_values(school):
    res, con = school["result"], school["con"]
    defective = {p.file for p in res.planted} | {t["key"].split("|")[0] for t in res.truth}
    files = sorted(p.relative_to(school["dir"]).as_posix() for p in (school["dir"] / "hoc_ba").glob("*.xml"))
    clean = [f for f in files if f not in defective]
    assert len(clean) >= 0.8 * len(files) > 0
    mapping = load_mapping()
    keys = {"subject_results": ("pupil_code", "subject_code", "period"), "year_results": ("pupil_code",),
            "pupils": ("pupil_code",), "classes": ("class_name",), "schools": ("school_id",),
            "primary_evaluations": ("pupil_code", "item_kind", "item_code", "checkpoint"),
            "primary_results": ("pupil_code",)}
    book = {}
    for table, key in keys.items():
        cols = [c for c in con.execute(f"SELECT * FROM {table} LIMIT 0").fetchdf().columns]
        book[table] = {tuple(r[cols.index(k)] for k in key): dict(zip(cols, r))
                       for r in con.execute(f"SELECT * FROM {table}").fetchall()}
    compared = 0
    for rel in clean:
        v = _verify(school, rel)
        assert v.status == "VALID", (rel, v.status, [(r, s.indication, s.sub_indication) for r, s in v.signatures.items()])
        assert all(v.signatures[r].indication == "TOTAL_PASSED" for r in ROLES), rel
        assert v.signed_block is not None
        for table, rows in extract_rows(v.signed_block, mapping).items():
            for row in rows:
                db = book[table].get(tuple(row[k] for k in keys[table]))
                if db is None:  # a pupil who left has no year result: the record's TongKet is empty
                    assert table in ("primary_results", "year_results"), (rel, table)
                    assert all(row[c] is None for c in row if c not in mapping.keys), (rel, row)
                    continue
                for col, val in row.items():
                    if col in ("school_year", "class_name") and table != "classes":
                        continue
                    want = db.get(col)
                    if isinstance(val, Decimal) or isinstance(want, Decimal):
                        assert val is not None and want is not None and Decimal(val) == Decimal(want), (rel, col)
                    else:
                        assert val == (want if want != "" else None), (rel, table, col, val, want)
                    compared += 1
    assert compared > 1000


def test_every_planted_crypto_defect_gets_its_expected_verdict(school):
    res = school["result"]
    checked = set()
    for p in res.planted:
        if p.defect is None or p.defect not in EXPECTED or not p.file.endswith(".xml"):
            continue
        v = _verify(school, p.file)
        scope, ind, sub, status = EXPECTED[p.defect]
        assert v.status == status, (p, v.status)
        assert bool(v.schema_problems) == (p.defect == "schema_invalid"), p
        roles = ROLES if scope == "*" else (p.role,)
        if p.defect == "missing_signature":
            assert v.missing_roles == (p.role,) and p.role not in v.signatures, p
        else:
            for r in roles:
                exp = WRAP_HOST[1:] if p.defect == "wrapping" and r == WRAP_HOST[0] else (ind, sub)
                got = (v.signatures[r].indication, v.signatures[r].sub_indication)
                assert got == exp, (p, r, got)
        others = [r for r in ROLES if r not in roles]
        for r in others:
            assert v.signatures[r].indication == "TOTAL_PASSED", (p, r)
        checked.add(p.code)
    # one school plants every record-level signing code
    assert {"SIG_MISSING", "SIG_TAMPERED", "SIG_WRAPPING", "SIG_WRONG_KEY", "SIG_UNTRUSTED_ROOT",
            "SIG_CERT_EXPIRED", "SIG_CERT_NOT_YET_VALID", "SIG_CERT_REVOKED", "SIG_WEAK_ALGORITHM",
            "SIG_WRONG_ANCHOR", "SIG_SIGNER_NOT_GVCN", "SIG_SEAL_NOT_SCHOOL", "SIG_ORDER",
            "SIG_SCHEMA_INVALID", "SIG_FILE_WITHOUT_PUPIL"} <= checked


def test_roster_defects_are_what_the_truth_says(school):
    """Signer, seal, order and timing defects are visible in the verdicts the joins read."""
    res, con = school["result"], school["con"]
    teachers = {r[0]: (r[1], r[2]) for r in con.execute("SELECT teacher_code, personal_id, position FROM teachers").fetchall()}
    gvcn = {r[0]: r[1] for r in con.execute("SELECT class_name, homeroom_teacher_code FROM classes").fetchall()}
    principal_ids = {pid for pid, pos in teachers.values() if pos == "Hiệu trưởng"}
    school_row = con.execute("SELECT tax_code FROM schools").fetchone()
    edits = {r[0]: r[1] for r in con.execute(
        "SELECT pupil_code, max(changed_at) FROM grade_edits GROUP BY ALL").fetchall()}
    seen = set()
    for p in res.planted:
        if not p.file.endswith(".xml") or p.code not in ("SIG_SIGNER_NOT_GVCN", "SIG_SIGNER_NOT_HT",
                                                          "SIG_SEAL_NOT_SCHOOL", "SIG_ORDER",
                                                          "SIG_BEFORE_GRADE_CHANGE"):
            continue
        v = _verify(school, p.file)
        assert v.status == "VALID"
        s = v.signatures
        klass = v.signed_block.findtext("{*}Lop/{*}TenLop")
        if p.code == "SIG_SIGNER_NOT_GVCN":
            assert s["GVCN"].signer.cccd != teachers[gvcn[klass]][0]
        elif p.code == "SIG_SIGNER_NOT_HT":
            assert s["HT"].signer.cccd not in principal_ids
            assert all(pos == "Giáo viên" for pid, pos in teachers.values() if pid == s["HT"].signer.cccd)
        elif p.code == "SIG_SEAL_NOT_SCHOOL":
            assert s["DonVi"].signer.mst != school_row[0]
        elif p.code == "SIG_ORDER":
            assert s["HT"].signing_time < s["GVCN"].signing_time
        else:
            pupil = v.signed_block.findtext("{*}HocSinh/{*}MaHocSinh")
            assert max(x.signing_time for x in s.values()) < edits[pupil]
        seen.add(p.code)
    want = {"SIG_SIGNER_NOT_GVCN", "SIG_SIGNER_NOT_HT", "SIG_SEAL_NOT_SCHOOL", "SIG_ORDER"}
    if edits:
        want.add("SIG_BEFORE_GRADE_CHANGE")
    assert want <= seen
    # clean records: signatures in the contract's window, GVCN -> HT -> seal, after every edit
    planted = {p.file for p in res.planted}
    for f in sorted((school["dir"] / "hoc_ba").glob("*.xml"))[:40]:
        rel = f.relative_to(school["dir"]).as_posix()
        if rel in planted:
            continue
        s = _verify(school, rel).signatures
        t = [s[r].signing_time for r in ROLES]
        assert t == sorted(t) and "2026-05-25" <= t[0].date().isoformat() and t[2].date().isoformat() <= "2026-06-10"


def test_certificate_files_match_the_registry_and_the_cert_defects(school):
    res, con, d = school["result"], school["con"], school["dir"]
    registry = con.execute("SELECT holder_kind, holder_code, cert_file, serial FROM certificates").fetchall()
    cert_truth = {t["defect_code"]: t for t in res.truth if t["defect_code"].startswith("CERT_")}
    holders = 1 + len({r[0] for r in con.execute("SELECT homeroom_teacher_code FROM classes JOIN certificates "
                                                  "ON holder_code = homeroom_teacher_code").fetchall()})
    # one holder per code: every code when the school has enough GVCN (+ the principal) holders
    assert len(cert_truth) == min(len(CERT_CODES), holders + 1)
    if holders >= 5:
        assert set(cert_truth) == set(CERT_CODES)
    assert "CERT_SEAL_WRONG_ID" in cert_truth
    missing = cert_truth["CERT_MISSING"]["key"] if "CERT_MISSING" in cert_truth else None
    school_row = con.execute("SELECT tax_code FROM schools").fetchone()
    by_file = {}
    for kind, code, cert_file, serial in registry:
        path = d / cert_file
        if kind == "giáo viên" and code not in {r[0] for r in con.execute("SELECT teacher_code FROM teachers").fetchall()}:
            continue
        if code == missing:
            assert not path.exists()
            continue
        cert = x509.load_der_x509_certificate(path.read_bytes())
        assert cert.serial_number == int(serial, 16), cert_file
        by_file[cert_file] = cert
    assert set(by_file) == {p.relative_to(d).as_posix() for p in (d / "certs").iterdir()}
    for code, t in cert_truth.items():
        if code == "CERT_MISSING":
            continue
        cert = by_file[t["key"]]
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        uids = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.USER_ID)]
        if code == "CERT_EXPIRES_BEFORE_DEADLINE":
            assert cert.not_valid_after_utc == EXPIRES_BEFORE_DEADLINE
        elif code == "CERT_EXPIRING_SOON":
            assert cert.not_valid_after_utc == EXPIRING_SOON
        elif code == "CERT_KEY_USAGE":
            assert ku.key_encipherment and not ku.digital_signature and not ku.content_commitment
        elif code == "CERT_CMND_ONLY":
            assert len(uids) == 1 and uids[0].startswith("CMND:") and len(uids[0]) == 14
        elif code == "CERT_SEAL_WRONG_ID":
            assert f"MST:{school_row[0]}" not in uids and any(u.startswith("MST:") for u in uids)
    # the other files: usable signing certificates valid through 2027
    for rel, cert in by_file.items():
        if rel not in {t["key"] for t in cert_truth.values()}:
            ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
            assert ku.digital_signature and cert.not_valid_after_utc.year >= 2027


def test_manifest_hashes_match_except_the_package_defects(school):
    res, d = school["result"], school["dir"]
    with (d / "hoc_ba" / "manifest.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["file", "sha256", "size_bytes"]
    listed = {f"hoc_ba/{r['file']}": r for r in rows}
    on_disk = {p.relative_to(d).as_posix(): p.read_bytes() for p in (d / "hoc_ba").glob("*.xml")}
    got = defaultdict(set)
    for rel, data in on_disk.items():
        if rel not in listed:
            got["PKG_NOT_IN_MANIFEST"].add(rel)
        elif (listed[rel]["sha256"], int(listed[rel]["size_bytes"])) != (hashlib.sha256(data).hexdigest(), len(data)):
            got["PKG_HASH_MISMATCH"].add(rel)
    got["PKG_LISTED_MISSING"] = set(listed) - set(on_disk)
    want = defaultdict(set)
    for t in res.truth:
        if t["defect_code"].startswith("PKG_"):
            want[t["defect_code"]].add(t["key"])
    assert got == want and all(want[c] for c in ("PKG_NOT_IN_MANIFEST", "PKG_HASH_MISMATCH", "PKG_LISTED_MISSING"))


def test_file_defects_are_in_the_files(school):
    res, con, d = school["result"], school["con"], school["dir"]
    enrolled = {r[0] for r in con.execute("SELECT pupil_code FROM enrolments").fetchall()}
    records = defaultdict(list)
    for f in sorted((d / "hoc_ba").glob("*.xml")):
        v = _verify(school, f.relative_to(d).as_posix())
        records[v.signed_block.findtext("{*}HocSinh/{*}MaHocSinh") if v.signed_block is not None
                else f.name.split("_")[0]].append(f.relative_to(d).as_posix())
    truth = defaultdict(set)
    for t in res.truth:
        truth[t["defect_code"]].add(t["key"])
    assert {f"2025-2026|{p}" for p in enrolled - set(records)} == truth["SIG_PUPIL_WITHOUT_FILE"] != set()
    assert {f for p, fs in records.items() if p not in enrolled for f in fs} == truth["SIG_FILE_WITHOUT_PUPIL"] != set()
    assert {sorted(fs)[1] for fs in records.values() if len(fs) > 1} == truth["SIG_DUPLICATE_RECORD"] != set()


def test_content_differs_changes_one_signed_value_and_schema_invalid_none(school):
    res, con, d = school["result"], school["con"], school["dir"]
    mapping = load_mapping()
    (t,) = [t for t in res.truth if t["defect_code"] == "SIG_CONTENT_DIFFERS"]
    src, table, year, pupil, *rest, field_ = t["key"].split("|")
    assert field_ == t["field"]
    cols = ("subject_code", "period") if table == "subject_results" else ("item_kind", "item_code", "checkpoint")
    assert table in ("subject_results", "primary_evaluations") and len(rest) == len(cols)
    v = _verify(school, src)
    assert v.status == "VALID"
    (row,) = [r for r in extract_rows(v.signed_block, mapping)[table] if tuple(r[c] for c in cols) == tuple(rest)]
    where = " AND ".join(f"{c} = ?" for c in cols)
    (db,) = con.execute(f"SELECT {t['field']} FROM {table} WHERE pupil_code = ? AND {where}",
                        [pupil, *rest]).fetchall()
    assert str(row[t["field"]]) != str(db[0]) and (table != "subject_results"
                                                   or Decimal(row[t["field"]]) != Decimal(db[0]))
    others = [r for r in extract_rows(v.signed_block, mapping)[table] if r is not row]
    assert others, "only the one value differs (checked value by value for clean records above)"
    # SIG_SCHEMA_INVALID (injected): signatures pass, schema fails, every mapped value = grade book
    (s,) = [t for t in res.truth if t["defect_code"] == "SIG_SCHEMA_INVALID" and "GhiChu" in t["detail"]]
    v = _verify(school, s["key"])
    assert v.status == "SCHEMA_INVALID" and all(x.indication == "TOTAL_PASSED" for x in v.signatures.values())
    pupil = v.signed_block.findtext("{*}HocSinh/{*}MaHocSinh")
    rows = extract_rows(v.signed_block, mapping)
    if "subject_results" in rows:
        signed = {(r["subject_code"], r["period"]): (r["average"], r["level"]) for r in rows["subject_results"]}
        book = {(r[0], r[1]): (r[2], r[3]) for r in con.execute(
            "SELECT subject_code, period, average, level FROM subject_results WHERE pupil_code = ?", [pupil]).fetchall()}
    else:
        signed = {(r["item_kind"], r["item_code"], r["checkpoint"]): (r["test_score"], r["level"])
                  for r in rows["primary_evaluations"]}
        book = {(r[0], r[1], r[2]): (r[3], r[4]) for r in con.execute(
            "SELECT item_kind, item_code, checkpoint, test_score, level FROM primary_evaluations "
            "WHERE pupil_code = ?", [pupil]).fetchall()}
    assert set(signed) == set(book) and len(book) > 10
    for k, (num, lvl) in book.items():
        assert signed[k][1] == lvl and (num is None) == (signed[k][0] is None), k
        assert num is None or Decimal(signed[k][0]) == num, k


def test_same_seed_same_truth_and_signed_content(school, tmp_path):
    """Deterministic except signature and certificate bytes: re-signing the same export with the
    same stream gives the same truth and byte-identical data blocks."""
    import shutil

    from lxml import etree

    d2 = tmp_path / school["dir"].name
    shutil.copytree(school["dir"], d2, ignore=shutil.ignore_patterns("hoc_ba", "certs"))
    res2 = sign_export(d2, SyntheticPKI(), random.Random(5), con=school["con"], defect_rate=0.02)
    assert res2.truth == school["result"].truth
    first = sorted(p.name for p in (school["dir"] / "hoc_ba").iterdir())
    assert first == sorted(p.name for p in (d2 / "hoc_ba").iterdir())
    for name in first[:60]:
        if not name.endswith(".xml"):
            continue
        a, b = (etree.fromstring((x / "hoc_ba" / name).read_bytes()) for x in (school["dir"], d2))
        assert etree.tostring(a.find("{*}DLHocBa"), method="c14n") == etree.tostring(b.find("{*}DLHocBa"), method="c14n")


def test_a_multi_school_generation_plants_every_code_with_the_contract_keys(tmp_path):
    spec = CitySpec(schools=4, seed=3, defect_rate=0.02, levels=("TH", "THCS", "THPT", "GDTX"), pupils_scale=0.1)
    info = write_samples(tmp_path, spec, jobs=2)   # worker processes share the CA keys, the parent merges CRLs
    assert all(p.suffix == ".zip" for p in (tmp_path / "exports").iterdir())
    assert (tmp_path / "trust" / "anchors" / "national").is_dir() and list((tmp_path / "trust" / "crls").glob("*.crl"))
    with open(info["truth"], encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(TRUTH_COLUMNS)
    signed = [r for r in rows if r["defect_code"] in CONTRACT_CODES]
    assert {r["defect_code"] for r in signed} == CONTRACT_CODES
    for r in signed:
        table, parts = TRUTH_SHAPE[r["defect_code"]]
        assert r["table"] == table, r
        key = r["key"].split("|")
        if parts:
            assert len(key) == parts, r
        if table in ("record_signatures", "signed_records", "signed_values", "package_entries"):
            assert key[0].startswith("hoc_ba/") and key[0].endswith(".xml"), r
        if table == "record_signatures":
            assert key[1] in ROLES
        if table == "certificate_files":
            assert key[0].startswith("certs/")
    by = defaultdict(list)
    for r in signed:
        by[(r["school_id"], r["defect_code"], r["key"].split("|")[0])].append(r)
    for (sid, code, f), rs in by.items():
        if code in ("SIG_TAMPERED", "SIG_WRAPPING"):
            assert sorted(r["key"].split("|")[1] for r in rs) == sorted(ROLES)
    # the records verify against the one trust folder: clean ones pass, revoked ones are REVOKED
    import zipfile

    trust = TrustStore.from_folder(tmp_path / "trust")
    revoked = {(r["school_id"], *r["key"].split("|")) for r in signed if r["defect_code"] == "SIG_CERT_REVOKED"}
    flagged = {(r["school_id"], r["key"].split("|")[0]) for r in signed}
    assert len(revoked) >= 3
    for z in sorted((tmp_path / "exports").iterdir()):
        sid = z.name.split("_")[0]
        with zipfile.ZipFile(z) as zf:
            names = {n.split("/", 1)[1]: n for n in zf.namelist()}
            for _, f, role in [x for x in revoked if x[0] == sid]:
                v = verify_document(zf.read(names[f]), trust, VerifyPolicy())
                assert (v.signatures[role].indication, v.signatures[role].sub_indication) == ("TOTAL_FAILED", "REVOKED")
            clean = [f for f in sorted(names) if f.endswith(".xml") and (sid, f) not in flagged][:5]
            for f in clean:
                assert verify_document(zf.read(names[f]), trust, VerifyPolicy()).status == "VALID", (sid, f)


def test_defect_rate_zero_plants_nothing(school, tmp_path):
    """Without defects every enrolment has exactly one record, every registry row its file, the
    manifest lists every record with its hash; the only truth rows are schema failures that the
    tabular defects imply (the school was generated with tabular defects)."""
    import shutil

    d2 = tmp_path / school["dir"].name
    shutil.copytree(school["dir"], d2, ignore=shutil.ignore_patterns("hoc_ba", "certs"))
    res = sign_export(d2, SyntheticPKI(), random.Random(1), con=school["con"], defect_rate=0)
    assert {t["defect_code"] for t in res.truth} <= {"SIG_SCHEMA_INVALID"}
    assert all(t["detail"].startswith("implied") for t in res.truth)
    assert not res.planted or all(p.defect is None for p in res.planted)
    con = school["con"]
    enrolled = sorted(r[0] for r in con.execute("SELECT pupil_code FROM enrolments").fetchall())
    files = sorted(p.name.split("_")[0] for p in (d2 / "hoc_ba").glob("*.xml"))
    assert files == enrolled
    registry = {r[0] for r in con.execute("SELECT cert_file FROM certificates").fetchall()}
    assert {p.relative_to(d2).as_posix() for p in (d2 / "certs").iterdir()} == registry
    with (d2 / "hoc_ba" / "manifest.csv").open(encoding="utf-8") as fh:
        listed = {r["file"]: r["sha256"] for r in csv.DictReader(fh)}
    assert listed == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (d2 / "hoc_ba").glob("*.xml")}
