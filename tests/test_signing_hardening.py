"""Hardened parsing (issue 4): DOCTYPE, XXE, billion laughs, oversized and broken input are refused."""

from __future__ import annotations

import pytest
from test_signing_kit import session_corpus

from hocba_audit.signing.generic import verify_signatures
from hocba_audit.signing.policy import VerifyPolicy
from hocba_audit.signing.safexml import UnsafeXmlError, parse_secure
from hocba_audit.signing.schema import validate
from hocba_audit.signing.verify import verify_document

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE HocBa [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<HocBa xmlns="urn:vn:edu:hocbaso:provisional:1">&xxe;</HocBa>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>"""
DTD_ONLY = b'<?xml version="1.0"?><!DOCTYPE HocBa SYSTEM "http://example.invalid/x.dtd"><HocBa/>'
UTF16_XXE = XXE.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>').decode().encode("utf-16")


@pytest.mark.parametrize("data", [XXE, LAUGHS, DTD_ONLY, UTF16_XXE], ids=["xxe", "billion-laughs", "dtd", "utf16-xxe"])
def test_signing_parser_refuses_doctype_and_entities(data):
    with pytest.raises(UnsafeXmlError) as err:
        parse_secure(data)
    assert err.value.code in ("doctype", "syntax", "entity")


@pytest.mark.parametrize("data", [XXE, LAUGHS, DTD_ONLY])
def test_signing_verify_document_reports_refused_files_as_unreadable(data):
    _, trust = session_corpus()
    v = verify_document(data, trust, name="evil.xml")
    assert v.status == "UNREADABLE" and not v.signatures
    code, explanation, action = v.findings[0]
    assert code == "unreadable" and "DOCTYPE" in explanation and action


def test_signing_generic_verifier_raises_on_refused_files():
    _, trust = session_corpus()
    with pytest.raises(UnsafeXmlError):
        verify_signatures(XXE, trust)


def test_signing_size_limit_and_broken_xml():
    _, trust = session_corpus()
    big = b"<HocBa>" + b" " * 2000 + b"</HocBa>"
    assert verify_document(big, trust, VerifyPolicy(max_bytes=1000)).status == "UNREADABLE"
    assert verify_document(b"<HocBa><unclosed></HocBa>", trust).status == "UNREADABLE"
    with pytest.raises(UnsafeXmlError):
        parse_secure("<a/>")  # type: ignore[arg-type]


def test_signing_schema_validation_refuses_doctype_too():
    problems = validate(XXE)
    assert len(problems) == 1 and "DOCTYPE" in problems[0].reason
