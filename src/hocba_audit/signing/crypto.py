"""Cryptographic verification of one signature: every reference digest and the signature value.

Two engines, which a differential test over the whole corpus shows to agree:

* the **fast path**, for the profile records use and a little more: C14N 1.0, exclusive C14N
  and C14N 1.1 where it equals 1.0 (no ``xml:`` attributes), no InclusiveNamespaces;
  references with at most an enveloped-signature transform and one C14N (or none: implicit
  C14N 1.0); SHA-1/2 (and MD5, to report it) digests; RSA PKCS#1 v1.5 or ECDSA signatures.
  lxml canonicalises (:mod:`.canon`), hashlib digests, cryptography verifies;
* **signxml** (full XML-DSig processing) for anything else: transforms with parameters,
  XPath/XSLT/base64 transforms, other signature families …

Neither engine decides trust; this module answers only "do the bytes verify with this key".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from .algorithms import C14N10, DIGESTS, ENVELOPED, SIGNATURE_METHODS, digest
from .canon import SUPPORTED, canonical, supports
from .sigparse import ParsedReference, ParsedSignature

_HASHES = {"md5": hashes.MD5, "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
           "sha384": hashes.SHA384, "sha512": hashes.SHA512}


@dataclass(frozen=True)
class CryptoResult:
    valid: bool
    failure: str | None          # 'digest_mismatch', 'bad_signature_value' or 'malformed'
    detail: str
    engine: str                  # 'fast' or 'signxml'
    bad_references: tuple[str, ...] = ()


def inside(node: etree._Element | None, ancestor: etree._Element) -> bool:
    """True when ``node`` is ``ancestor`` or one of its descendants."""
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def reference_c14n(ref: ParsedReference) -> str | None:
    """The C14N a reference ends with: its last transform, or C14N 1.0 when it has no other
    transform than enveloped-signature (XML-DSig turns a node-set into octets by C14N 1.0);
    None when its transforms are outside the fast profile."""
    t = ref.transforms
    if len(t) > 2 or any(x != ENVELOPED for x in t[:-1]):
        return None
    if not t or t[-1] == ENVELOPED:
        return C14N10
    return t[-1] if t[-1] in SUPPORTED else None


def in_fast_profile(ps: ParsedSignature, targets: list[etree._Element], pub: object) -> bool:
    """True when the fast path computes exactly what full XML-DSig processing would."""
    if ps.c14n_has_params or ps.method not in SIGNATURE_METHODS or not supports(ps.c14n, ps.signed_info):
        return False
    family = SIGNATURE_METHODS[ps.method][0]
    if not isinstance(pub, rsa.RSAPublicKey if family == "rsa" else ec.EllipticCurvePublicKey):
        return False
    for ref, target in zip(ps.references, targets):
        uri = reference_c14n(ref)
        if ref.transforms_have_params or ref.digest_method not in DIGESTS or uri is None:
            return False
        if not supports(uri, target):
            return False
    return True


def verify_signature_value(ps: ParsedSignature, pub: object, data: bytes) -> bool:
    """Check SignatureValue over ``data`` (canonical SignedInfo) with ``pub``."""
    family, hname = SIGNATURE_METHODS[ps.method]
    algo = _HASHES[hname]()
    try:
        if family == "rsa":
            pub.verify(ps.value, data, padding.PKCS1v15(), algo)  # type: ignore[attr-defined]
        else:
            size = (pub.curve.key_size + 7) // 8  # type: ignore[attr-defined]
            if len(ps.value) != 2 * size:
                return False
            r, s = int.from_bytes(ps.value[:size], "big"), int.from_bytes(ps.value[size:], "big")
            pub.verify(encode_dss_signature(r, s), data, ec.ECDSA(algo))  # type: ignore[attr-defined]
    except (InvalidSignature, ValueError):
        return False
    return True


def fast_verify(ps: ParsedSignature, targets: list[etree._Element], pub: object,
                memo: dict | None = None) -> CryptoResult:
    """The restricted path; call only when :func:`in_fast_profile` is true."""
    bad = []
    for ref, target in zip(ps.references, targets):
        enveloped = ENVELOPED in ref.transforms
        if enveloped and inside(target, ps.element):
            data = b""  # the transform removes the signature, and with it everything referenced
        else:
            without = ps.element if enveloped and inside(ps.element, target) else None
            data = canonical(target, reference_c14n(ref) or C14N10, memo, without=without)
        if digest(ref.digest_method, data) != ref.digest_value:  # type: ignore[arg-type]
            bad.append(ref.uri or "")
    sig_ok = verify_signature_value(ps, pub, canonical(ps.signed_info, ps.c14n))
    if bad:
        return CryptoResult(False, "digest_mismatch", ", ".join(bad), "fast", tuple(bad))
    if not sig_ok:
        return CryptoResult(False, "bad_signature_value", "", "fast")
    return CryptoResult(True, None, "", "fast")


def _location(root: etree._Element, sig: etree._Element) -> str:
    steps = []
    node = sig.getparent()
    while node is not None and node is not root:
        steps.append(node.tag)
        node = node.getparent()
    return "./" + "".join(f"{t}/" for t in reversed(steps))


def library_verify(root: etree._Element, ps: ParsedSignature, cert: object,
                   id_attribute: str | None) -> CryptoResult:
    """Full XML-DSig processing by signxml, pinned to ``cert`` (trust is decided elsewhere)."""
    from signxml import DigestAlgorithm, InvalidDigest, InvalidInput, InvalidSignature as SxInvalid
    from signxml import SignatureConfiguration, SignatureMethod, XMLVerifier
    from signxml.exceptions import SignXMLException

    parent = ps.element.getparent()
    if parent is not None and sum(1 for x in parent if x.tag == ps.element.tag) > 1:
        return CryptoResult(False, "malformed", "several signatures share one parent", "signxml")
    when = cert.not_valid_before_utc + dt.timedelta(seconds=1)  # type: ignore[attr-defined]
    cfg = SignatureConfiguration(
        location=_location(root, ps.element), expect_references=True,
        signature_methods=frozenset(SignatureMethod), digest_algorithms=frozenset(DigestAlgorithm),
        verification_time=when)
    try:
        XMLVerifier().verify(root, x509_cert=cert, expect_config=cfg, id_attribute=id_attribute)
    except InvalidDigest as exc:
        return CryptoResult(False, "digest_mismatch", str(exc)[:200], "signxml")
    except InvalidInput as exc:
        return CryptoResult(False, "malformed", str(exc)[:200], "signxml")
    except SxInvalid as exc:
        return CryptoResult(False, "bad_signature_value", str(exc)[:200], "signxml")
    except (SignXMLException, ValueError, etree.LxmlError) as exc:
        return CryptoResult(False, "malformed", str(exc)[:200], "signxml")
    return CryptoResult(True, None, "", "signxml")
