"""Public XML-DSig interop vectors (issue 4): each file gets the outcome its README states
(xmlsec1 as the reference implementation)."""

from __future__ import annotations

import pytest
from test_signing_kit import INTEROP

from hocba_audit.signing.generic import verify_signatures
from hocba_audit.signing.peers import signxml_results, xmlsec_results
from hocba_audit.signing.policy import VerifyPolicy
from hocba_audit.signing.trust import TrustStore, load_certificates

pytestmark = pytest.mark.skipif(not INTEROP.is_dir(), reason="shared/testdata/xmldsig-interop not present")

#: The vectors carry no CRL and the enveloped ones pin a bare (extension-less) certificate.
POLICY = VerifyPolicy(require_revocation=False, require_key_usage=False)


def trust(sub: str) -> TrustStore:
    return TrustStore({"interop": load_certificates(INTEROP / sub / "cacert.pem")})


@pytest.mark.parametrize("n", range(1, 9))
def test_signing_interop_enveloped_vectors_are_valid(n):
    data = (INTEROP / "enveloped" / f"enveloped-sha256-rsa-sha256-test-{n}.xml").read_bytes()
    [v] = verify_signatures(data, trust("enveloped"), POLICY)
    assert v.passed, v.issues
    assert v.crypto_valid and v.anchor_group == "interop"
    assert dict(xmlsec_results(data, ("ID",))) == {None: True}  # agrees with libxmlsec1


def test_signing_interop_signxml_fails_default_namespace_vectors_on_this_libxml2():
    """signxml 5.2.0 + lxml 6.1.3 (libxml2 2.14) rejects these valid vectors; see canon.py."""
    data = (INTEROP / "enveloped" / "enveloped-sha256-rsa-sha256-test-1.xml").read_bytes()
    assert signxml_results(data, None) == [(None, False)]


def test_signing_interop_invalid_enveloped_transform_fails():
    data = (INTEROP / "enveloped" / "invalid_enveloped_transform.xml").read_bytes()
    [v] = verify_signatures(data, trust("enveloped"), POLICY)
    assert v.indication.value == "TOTAL_FAILED" and v.sub_indication.value == "HASH_FAILURE"
    assert dict(xmlsec_results(data, ("ID", "Id"))) == {None: False}


@pytest.mark.parametrize("name", ["enveloping-sha256-rsa-sha256.xml", "enveloping-rsa-x509chain.xml"])
def test_signing_interop_enveloping_is_an_unsupported_profile_not_valid_or_forged(name):
    [v] = verify_signatures((INTEROP / "legacy" / name).read_bytes(), trust("legacy"), POLICY)
    assert v.crypto_valid is True and v.anchor_group == "interop"  # valid, chains to cacert.pem
    assert (v.indication.value, v.sub_indication.value, v.code) == ("INDETERMINATE", "FORMAT_FAILURE",
                                                                     "unsupported_profile")


@pytest.mark.parametrize("name", ["enveloping-sha1-rsa-sha1.xml", "enveloping-md5-rsa-md5.xml"])
def test_signing_interop_sha1_and_md5_never_pass(name):
    relaxed = VerifyPolicy(require_revocation=False, require_key_usage=False, allow_enveloping=True)
    [v] = verify_signatures((INTEROP / "legacy" / name).read_bytes(), trust("legacy"), relaxed)
    assert v.crypto_valid is True and not v.passed
    assert v.sub_indication.value == "CRYPTO_CONSTRAINTS_FAILURE"
    assert "weak_hash" in {i.code for i in v.issues}


def test_signing_interop_expired_certificate_without_signing_time_is_not_passed():
    relaxed = VerifyPolicy(require_revocation=False, require_key_usage=False, allow_enveloping=True)
    [v] = verify_signatures((INTEROP / "legacy" / "enveloping-expired-cert.xml").read_bytes(), trust("legacy"), relaxed)
    assert not v.passed and v.sub_indication.value == "OUT_OF_BOUNDS_NO_POE"
