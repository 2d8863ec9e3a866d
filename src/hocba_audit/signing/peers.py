"""Reference verifiers for the differential test and the bench: signxml and python-xmlsec.

Each checks only cryptography (every reference digest and the signature value) of every
``ds:Signature``, with the key of the first certificate in its KeyInfo; neither judges trust,
time or what the references point at. Results are in document order, as (signature Id, valid).
"""

from __future__ import annotations

import base64
import datetime as dt

from cryptography import x509
from lxml import etree

from .algorithms import DS
from .safexml import parse_secure

_XMLSEC_KEYS: dict[str, object] = {}


def _first_cert_text(sig: etree._Element) -> str | None:
    el = sig.find(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    return "".join((el.text or "").split()) if el is not None else None


def _location(sig: etree._Element) -> str:
    steps, node = [], sig.getparent()
    while node is not None and node.getparent() is not None:
        steps.append(node.tag)
        node = node.getparent()
    return "./" + "".join(f"{t}/" for t in reversed(steps))


def signxml_results(xml_bytes: bytes, id_attribute: str | None = "Id") -> list[tuple[str | None, bool]]:
    """signxml's cryptographic verdict on each signature, pinned to its embedded certificate."""
    from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier

    root = parse_secure(xml_bytes).getroot()
    out = []
    for sig in root.iter(DS + "Signature"):
        text = _first_cert_text(sig)
        if not text:
            out.append((sig.get("Id"), False))
            continue
        cert = x509.load_der_x509_certificate(base64.b64decode(text))
        cfg = SignatureConfiguration(
            location=_location(sig), expect_references=True,
            signature_methods=frozenset(SignatureMethod), digest_algorithms=frozenset(DigestAlgorithm),
            verification_time=cert.not_valid_before_utc + dt.timedelta(seconds=1))
        try:
            XMLVerifier().verify(xml_bytes, x509_cert=cert, expect_config=cfg, id_attribute=id_attribute)
            ok = True
        except Exception:  # any signxml refusal is "not valid" for the comparison
            ok = False
        out.append((sig.get("Id"), ok))
    return out


def _xmlsec_key(text: str):  # type: ignore[no-untyped-def]
    import xmlsec

    key = _XMLSEC_KEYS.get(text)
    if key is None:
        pem = b"-----BEGIN CERTIFICATE-----\n" + text.encode() + b"\n-----END CERTIFICATE-----\n"
        key = _XMLSEC_KEYS[text] = xmlsec.Key.from_memory(pem, xmlsec.KeyFormat.CERT_PEM)
    return key


def xmlsec_results(xml_bytes: bytes, id_attributes: tuple[str, ...] = ("Id",)) -> list[tuple[str | None, bool]]:
    """python-xmlsec's (libxmlsec1's) cryptographic verdict on each signature.

    The Id attributes are registered with ``xmlsec.tree.add_ids``, or references do not resolve.
    """
    import xmlsec

    root = parse_secure(xml_bytes).getroot()
    xmlsec.tree.add_ids(root, list(id_attributes))
    out = []
    for sig in root.iter(DS + "Signature"):
        text = _first_cert_text(sig)
        ok = False
        if text:
            ctx = xmlsec.SignatureContext()
            ctx.key = _xmlsec_key(text)
            try:
                ctx.verify(sig)
                ok = True
            except xmlsec.Error:
                ok = False
        out.append((sig.get("Id"), ok))
    return out
