"""Verifier verdicts on the generated defect corpus (issue 4): every defect gets its ETSI verdict."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from test_signing_kit import session_corpus, session_pki

from hocba_audit.signing.accuracy import markdown, score
from hocba_audit.signing.algorithms import EXC_C14N
from hocba_audit.signing.corpus import EXPECTED
from hocba_audit.signing.mapping import extract_rows, load_mapping
from hocba_audit.signing.pki import utc
from hocba_audit.signing.policy import VerifyPolicy
from hocba_audit.signing.record import HB, build_record, to_bytes
from hocba_audit.signing.roster import build_schools, pupil_record
from hocba_audit.signing.sign import sign_role
from hocba_audit.signing.trust import TrustStore
from hocba_audit.signing.verify import verify_document


@pytest.fixture(scope="session")
def corpus():
    return session_corpus()


@pytest.fixture(scope="session")
def verdicts(corpus):
    c, trust = corpus
    out = {}
    for f in c.files:
        name = Path(f).relative_to(c.folder).as_posix()
        out[name] = verify_document(Path(f).read_bytes(), trust, check_schema=True, name=name)
    return out


def test_signing_corpus_has_every_defect(corpus):
    c, _ = corpus
    seen = {t["defect_code"] for t in c.truth}
    assert set(EXPECTED) | {"pupil_without_file"} <= seen


def test_signing_every_record_gets_the_expected_verdict(corpus, verdicts):
    table, mismatches = score(corpus[0], corpus[1], verdicts=verdicts)
    print(markdown(table))
    assert not mismatches, "\n".join(mismatches[:20])
    assert all(r["correct"] == r["records"] for r in table)


def test_signing_clean_records_pass_and_expose_signer_identity(corpus, verdicts):
    c, _ = corpus
    clean = [t["file"] for t in c.truth if t["defect_code"] == "clean"]
    v = verdicts[clean[0]]
    assert v.status == "VALID" and v.signed_block is not None
    gvcn, seal = v.signatures["GVCN"], v.signatures["DonVi"]
    assert gvcn.signer.kind == "person" and (gvcn.signer.cccd or gvcn.signer.cmnd)
    assert seal.signer.kind == "organisation" and seal.signer.mst and seal.signer.mns
    assert gvcn.signing_time <= v.signatures["HT"].signing_time <= seal.signing_time
    assert gvcn.signing_time_utc.tzinfo is not None
    assert gvcn.anchor_group == "national" and seal.anchor_group == "government"
    row = gvcn.as_row()
    assert row["signer_cccd"] == gvcn.signer.cccd and row["signing_time"].startswith("2025-05")


def test_signing_verdict_texts_are_vietnamese_nfc(verdicts):
    for v in verdicts.values():
        for s in v.signatures.values():
            for text in (s.explanation, s.action):
                assert text and unicodedata.is_normalized("NFC", text)
        for row in v.rows():
            assert unicodedata.is_normalized("NFC", row["explanation"])
    sample = next(s for v in verdicts.values() for s in v.signatures.values() if s.code == "revoked")
    assert "thu hồi" in sample.explanation and "ký lại" in sample.action


def test_signing_wrapped_record_yields_no_signed_content(corpus, verdicts):
    c, _ = corpus
    name = next(t["file"] for t in c.truth if t["defect_code"] == "wrapping")
    v = verdicts[name]
    assert v.signed_block is None
    ht = v.signatures["HT"]
    assert ht.crypto_valid is True  # the bytes verify: only the reference check catches it
    assert ht.signed_block is None and ht.code == "wrapping"
    moved = ht.signed_elements[0]
    assert moved.getparent().tag.endswith("}Object")  # what HT really signed sits inside a signature


def test_signing_signed_block_is_what_the_mapping_reads(corpus, verdicts):
    c, _ = corpus
    name = next(t["file"] for t in c.truth if t["defect_code"] == "clean")
    v = verdicts[name]
    rows = extract_rows(v.signed_block, load_mapping())
    assert rows["pupils"][0]["pupil_code"] in name
    assert rows.get("subject_results") or rows.get("primary_evaluations")


def test_signing_schema_invalid_record_lists_located_problems(corpus, verdicts):
    c, _ = corpus
    name = next(t["file"] for t in c.truth if t["defect_code"] == "schema_invalid")
    problems = verdicts[name].schema_problems
    assert problems and all(p.line and p.path.startswith("/HocBa/DLHocBa") for p in problems)


def _one_record(role_anchor_policy=None):
    import random

    pki = session_pki()
    rng = random.Random(1)
    school = build_schools(rng, 1)[0]
    rec = pupil_record(rng, school, school.classes[0], 1)
    root = build_record(rec)
    gvcn = pki.issue_person("Nguyễn Thị Hoa", cccd="031185001234")
    ht = pki.issue_person("Trần Văn Bình", cccd="031075004321", ca="gov-ca")
    seal = pki.issue_seal(school.row["school_name"], mst=school.row["tax_code"])
    t0 = dt.datetime(2025, 5, 26, 9)
    for role, cred in (("GVCN", gvcn), ("HT", ht), ("DonVi", seal)):
        sign_role(root, role, cred, t0, c14n=EXC_C14N)
        t0 += dt.timedelta(hours=5)
    return pki, root


def test_signing_role_policy_decides_which_anchor_a_role_may_use(tmp_path):
    pki, root = _one_record()
    trust = TrustStore.from_folder(pki.write_trust_folder(tmp_path, crl_time=utc(2025, 9)))
    data = to_bytes(root)
    assert verify_document(data, trust).status == "VALID"  # HT may chain to the government root
    strict = VerifyPolicy(role_anchors={"GVCN": ("national",), "HT": ("national",), "DonVi": ("government",)})
    v = verify_document(data, trust, strict)
    assert v.signatures["HT"].code == "wrong_anchor_for_role"


def test_signing_without_crl_is_indeterminate_try_later(tmp_path):
    pki, root = _one_record()
    folder = pki.write_trust_folder(tmp_path, crl_time=utc(2025, 9))
    for crl in (folder / "crls").iterdir():
        crl.unlink()
    v = verify_document(to_bytes(root), TrustStore.from_folder(folder))
    assert {s.sub_indication.value for s in v.signatures.values()} == {"TRY_LATER"}
    lax = verify_document(to_bytes(root), TrustStore.from_folder(folder), VerifyPolicy(require_revocation=False))
    assert lax.status == "VALID"


def test_signing_stale_crl_cannot_vouch_for_a_later_signing_time(tmp_path):
    pki, root = _one_record()
    trust = TrustStore.from_folder(pki.write_trust_folder(tmp_path, crl_time=utc(2025, 1)))
    v = verify_document(to_bytes(root), trust)
    assert {s.code for s in v.signatures.values()} == {"stale_revocation_info"}


def test_signing_unsigned_signing_time_is_not_trusted(tmp_path):
    pki, root = _one_record()
    trust = TrustStore.from_folder(pki.write_trust_folder(tmp_path, crl_time=utc(2025, 9)))
    stamp = root.find(f"{HB}DSCKS/{HB}GVCN").find(".//" + HB + "SigningTime")
    stamp.text = "2019-01-01T00:00:00"  # backdating breaks the signature: SigningTime is signed
    v = verify_document(to_bytes(root), trust)
    assert v.signatures["GVCN"].code == "digest_mismatch"


def test_signing_text_outside_the_schema_is_refused_as_not_a_record(corpus):
    c, trust = corpus
    v = verify_document(b"<a><b/></a>", trust, name="x.xml")
    assert v.status == "NOT_A_RECORD" and v.findings[0][0] == "not_a_record"


def test_signing_fast_path_is_used_for_the_record_profile(verdicts):
    engines = {s.crypto_engine for v in verdicts.values() for s in v.signatures.values() if s.crypto_engine}
    assert engines == {"fast"}


def test_signing_duplicate_id_wrapping_is_refused(tmp_path):
    """A forged block carrying the original's Id next to it: the Id no longer resolves once."""
    import copy

    pki, root = _one_record()
    trust = TrustStore.from_folder(pki.write_trust_folder(tmp_path, crl_time=utc(2025, 9)))
    block = root.find(HB + "DLHocBa")
    sig = root.find(f"{HB}DSCKS/{HB}HT").find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    sig.append(copy.deepcopy(block))  # the original kept inside the HT signature, same Id
    for mark in block.iter(HB + "DiemTB"):
        mark.text = "10"
    v = verify_document(to_bytes(root), trust)
    assert v.signed_block is None
    assert {s.sub_indication.value for s in v.signatures.values()} <= {"SIGNED_DATA_NOT_FOUND", "HASH_FAILURE"}
    assert all("trùng Id" in s.issues[0].detail or s.code == "digest_mismatch" for s in v.signatures.values())
