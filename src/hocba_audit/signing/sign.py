"""Sign a học bạ record: one enveloped XML-DSig per role in ``DSCKS/<role>``, e-invoice style.

Each role's signature has two references: the data block by its Id (enveloped-signature and
C14N transforms) and the role's own ``ds:SignatureProperties`` holding ``SigningTime``
(``YYYY-MM-DDThh:mm:ss``, local time). It never covers the other roles' signatures, so the order
GVCN -> HT -> seal is a matter of signing times, not of nesting.

Signing uses python-xmlsec (libxmlsec1): we build the complete ``ds:Signature`` template with
lxml where it belongs, and libxmlsec1 fills the digests and the signature value. That gives
exact control of placement, references, Object and algorithms per signature, and it makes the
signer an implementation independent of the project's verifier (the differential test checks one
against the other). KeyInfo is appended after signing, so a deliberately mismatched certificate
(the wrong-key defect) is written as given.
"""

from __future__ import annotations

import base64
import datetime as dt

import xmlsec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from .algorithms import (C14N10, DS, DS_NS, ECDSA_SHA1, ECDSA_SHA256, ECDSA_SHA384, ECDSA_SHA512,
                         ENVELOPED, RSA_SHA1, RSA_SHA256, RSA_SHA384, RSA_SHA512, SHA256,
                         SIGNATURE_PROPERTIES_TYPE)
from .identity import name_attributes
from .keys import PrivateKey
from .pki import Credential
from .record import HB

SIGNING_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"

_XMLSEC_METHODS = {
    RSA_SHA1: xmlsec.Transform.RSA_SHA1, RSA_SHA256: xmlsec.Transform.RSA_SHA256,
    RSA_SHA384: xmlsec.Transform.RSA_SHA384, RSA_SHA512: xmlsec.Transform.RSA_SHA512,
    ECDSA_SHA1: xmlsec.Transform.ECDSA_SHA1, ECDSA_SHA256: xmlsec.Transform.ECDSA_SHA256,
    ECDSA_SHA384: xmlsec.Transform.ECDSA_SHA384, ECDSA_SHA512: xmlsec.Transform.ECDSA_SHA512,
}
_KEYS: dict[int, tuple[PrivateKey, xmlsec.Key]] = {}


def _xmlsec_key(key: PrivateKey) -> xmlsec.Key:
    """The libxmlsec1 key object for ``key``, loaded once per process (loading is the slow part)."""
    hit = _KEYS.get(id(key))
    if hit is None or hit[0] is not key:
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        hit = _KEYS[id(key)] = (key, xmlsec.Key.from_memory(pem, xmlsec.KeyFormat.PEM))
    return hit[1]


def default_method(key: PrivateKey) -> str:
    """RSA-SHA256 for RSA keys, ECDSA-SHA256 for EC keys."""
    return ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey) else RSA_SHA256


def portal_subject(cert) -> str:
    """The subject as Vietnamese CA portals write it (``C=VN,ST=…,CN=…,UID=…``), informational only."""
    return ",".join(f"{k}={v}" for k, v in name_attributes(cert.subject))


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, DS + tag, {k: v for k, v in attrs.items() if v is not None})


def _reference(info: etree._Element, uri: str, transforms: list[str], digest: str,
               type_: str | None = None) -> None:
    ref = _sub(info, "Reference", URI=uri, Type=type_)
    tr = _sub(ref, "Transforms")
    for alg in transforms:
        _sub(tr, "Transform", Algorithm=alg)
    _sub(ref, "DigestMethod", Algorithm=digest)
    _sub(ref, "DigestValue")


def signature_template(role: str, data_id: str, signing_time: dt.datetime, *, c14n: str,
                       method: str, digest: str) -> etree._Element:
    """An unsigned ``ds:Signature`` for ``role`` covering ``#data_id`` and its own SigningTime."""
    sig = etree.Element(DS + "Signature", nsmap={"ds": DS_NS})
    sig.set("Id", f"SIG-{role}")
    info = _sub(sig, "SignedInfo")
    _sub(info, "CanonicalizationMethod", Algorithm=c14n)
    _sub(info, "SignatureMethod", Algorithm=method)
    _reference(info, f"#{data_id}", [ENVELOPED, c14n], digest)
    _reference(info, f"#ST-{role}", [c14n], digest, SIGNATURE_PROPERTIES_TYPE)
    _sub(sig, "SignatureValue")
    obj = _sub(sig, "Object")
    props = _sub(obj, "SignatureProperties", Id=f"ST-{role}")
    prop = _sub(props, "SignatureProperty", Target=f"#SIG-{role}")
    etree.SubElement(prop, HB + "SigningTime").text = signing_time.strftime(SIGNING_TIME_FORMAT)
    return sig


def key_info(credential: Credential) -> etree._Element:
    """``ds:KeyInfo/ds:X509Data`` with the portal-style subject name and the certificate chain."""
    ki = etree.Element(DS + "KeyInfo")
    data = _sub(ki, "X509Data")
    _sub(data, "X509SubjectName").text = portal_subject(credential.cert)
    for cert in credential.keyinfo_certs():
        der = cert.public_bytes(serialization.Encoding.DER)
        _sub(data, "X509Certificate").text = base64.b64encode(der).decode("ascii")
    return ki


def sign_role(root: etree._Element, role: str, credential: Credential, signing_time: dt.datetime, *,
              c14n: str = C14N10, method: str | None = None, digest: str = SHA256,
              data_block: etree._Element | None = None) -> etree._Element:
    """Sign ``root``'s data block for ``role``; the signature goes into ``DSCKS/<role>``.

    Args:
        root: the ``HocBa`` element (from :func:`.record.build_record`).
        role: ``GVCN``, ``HT`` or ``DonVi``.
        credential: certificate and key; the key signs, the certificate (and chain) goes in KeyInfo.
        signing_time: local (Vietnam) time written as SigningTime.
        c14n, method, digest: algorithm URIs (method defaults from the key type).
        data_block: the element to sign (default: the ``DLHocBa`` child).

    Returns:
        The signed ``ds:Signature`` element.
    """
    block = data_block if data_block is not None else root.find(HB + "DLHocBa")
    slot = root.find(f"{HB}DSCKS/{HB}{role}")
    if block is None or slot is None:
        raise ValueError(f"record has no data block or no DSCKS/{role} slot")
    method = method or default_method(credential.key)
    sig = signature_template(role, block.get("Id"), signing_time, c14n=c14n, method=method, digest=digest)
    slot.text = None
    slot.append(sig)
    xmlsec.tree.add_ids(root, ["Id"])
    ctx = xmlsec.SignatureContext()
    ctx.key = _xmlsec_key(credential.key)
    ctx.sign(sig)
    sig.insert(2, key_info(credential))
    return sig
