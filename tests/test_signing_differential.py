"""Differential test (issue 4): the project's cryptographic verdict on every signature of the
generated corpus (attack cases included) equals signxml's and python-xmlsec's (libxmlsec1), and
the fast path equals full library verification."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_signing_kit import session_corpus

from hocba_audit.signing.peers import signxml_results, xmlsec_results
from hocba_audit.signing.policy import VerifyPolicy
from hocba_audit.signing.verify import verify_document


@pytest.fixture(scope="session")
def corpus():
    return session_corpus()


def test_signing_crypto_verdicts_agree_with_signxml_and_xmlsec_on_the_whole_corpus(corpus):
    c, trust = corpus
    library = VerifyPolicy(fast_path=False)
    compared, disagreements, invalid = 0, [], 0
    for f in c.files:
        data = Path(f).read_bytes()
        fast = {s.signature_id: s for s in verify_document(data, trust).signatures.values()}
        slow = {s.signature_id: s for s in verify_document(data, trust, library).signatures.values()}
        sx, xs = dict(signxml_results(data)), dict(xmlsec_results(data))
        assert set(fast) == set(slow) == set(sx) == set(xs), f.name
        for sid, v in fast.items():
            compared += 1
            invalid += not v.crypto_valid
            assert v.crypto_engine == "fast" and slow[sid].crypto_engine == "signxml"
            if not (v.crypto_valid == slow[sid].crypto_valid == sx[sid] == xs[sid]):
                disagreements.append((f.name, sid, v.crypto_valid, slow[sid].crypto_valid, sx[sid], xs[sid]))
    assert not disagreements, disagreements[:10]
    assert compared > 600 and invalid > 20  # attack cases (tampered, wrapped, wrong key) are in


def test_signing_wrapping_fools_the_bare_libraries_but_not_the_verifier(corpus):
    c, trust = corpus
    name = next(t["file"] for t in c.truth if t["defect_code"] == "wrapping")
    data = (c.folder / name).read_bytes()
    peers = dict(xmlsec_results(data))
    assert peers["SIG-HT"] and peers["SIG-DonVi"]  # libxmlsec1 alone: "valid"
    v = verify_document(data, trust)
    assert v.signatures["HT"].crypto_valid and not v.signatures["HT"].passed
