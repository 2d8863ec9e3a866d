"""Synthetic Vietnam-like PKI and signer identity parsing (issue 4)."""

from __future__ import annotations

import pytest
from cryptography import x509
from test_signing_kit import session_pki

from hocba_audit.signing.identity import signer_identity, split_uids
from hocba_audit.signing.keys import pool_key
from hocba_audit.signing.pki import utc
from hocba_audit.signing.trust import TrustStore, TrustStoreError


@pytest.fixture(scope="session")
def pki():
    return session_pki()


def test_signing_pki_leaf_and_ca_extensions(pki):
    leaf = pki.issue_person("Phạm Thu Hà", cccd="031190001111").cert
    bc = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
    ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert not bc.ca and ku.digital_signature and ku.content_commitment and not ku.key_cert_sign
    ca = pki.authorities["vnpt"].cert
    ca_ku = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca_ku.key_cert_sign and ca_ku.crl_sign
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert "TEST ONLY" in ca.subject.rfc4514_string()


def test_signing_identity_splits_uid_prefixes_and_never_needs_dn_strings(pki):
    person = signer_identity(pki.issue_person("Đỗ Minh Khoa", cccd="031088002222").cert)
    assert (person.kind, person.cccd, person.common_name) == ("person", "031088002222", "Đỗ Minh Khoa")
    legacy = signer_identity(pki.issue_person("Lý Văn Sơn", cmnd="031234567").cert)
    assert legacy.cmnd == "031234567" and legacy.cccd is None and legacy.kind == "person"
    seal = signer_identity(pki.issue_seal("Trường THCS Thử nghiệm", mst="0201234567", mns="1047665").cert)
    assert (seal.kind, seal.mst, seal.mns) == ("organisation", "0201234567", "1047665")
    assert ("ST", "Hải Phòng") in seal.subject
    assert split_uids((("UID", "MST:0100686209-199"), ("UID", "CCCD:031085001234"), ("CN", "x"))) == {
        "MST": ("0100686209-199",), "CCCD": ("031085001234",)}


def test_signing_key_pool_reuses_keys_and_keeps_kinds_apart():
    assert pool_key("ec256", 3) is pool_key("ec256", 3)
    assert pool_key("rsa1024", 0).key_size == 1024 and pool_key("rsa2048", 0).key_size == 2048


def test_signing_trust_folder_round_trip_and_crl(pki, tmp_path):
    cred = pki.issue_person("Vũ Ngọc Lan", cccd="031195003333")
    pki.revoke(cred, utc(2025, 2, 1))
    folder = pki.write_trust_folder(tmp_path / "trust", crl_time=utc(2025, 9))
    trust = TrustStore.from_folder(folder)
    assert set(trust.anchors) == {"national", "government"}
    issuer = pki.authorities["vnpt"].cert
    info = trust.revocation[issuer.subject.public_bytes()]
    assert info.revoked[cred.cert.serial_number] == utc(2025, 2, 1)
    assert not any((folder / "anchors").glob("*/rogue*"))


def test_signing_trust_folder_without_anchors_is_an_error(tmp_path):
    with pytest.raises(TrustStoreError, match="anchors"):
        TrustStore.from_folder(tmp_path)


def test_signing_no_private_key_is_written(pki, tmp_path):
    folder = pki.write_trust_folder(tmp_path / "trust", crl_time=utc(2025, 9))
    for f in folder.rglob("*"):
        if f.is_file():
            assert b"PRIVATE KEY" not in f.read_bytes()
