"""Read a ``ds:Signature`` element into plain fields (SignedInfo, references, certificates)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography import x509
from lxml import etree

from .algorithms import DS


class MalformedSignature(ValueError):
    """The ds:Signature element lacks a mandatory part or holds undecodable base64."""


@dataclass(frozen=True)
class ParsedReference:
    element: etree._Element
    uri: str | None
    type: str | None
    transforms: tuple[str, ...]
    transforms_have_params: bool
    digest_method: str | None
    digest_value: bytes


@dataclass(frozen=True)
class ParsedSignature:
    element: etree._Element
    id: str | None
    signed_info: etree._Element
    c14n: str
    c14n_has_params: bool
    method: str
    value: bytes
    references: tuple[ParsedReference, ...]
    certificates: tuple[x509.Certificate, ...]


_CERTS: dict[str, x509.Certificate] = {}


def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedSignature(f"{what} không phải base64") from None


def certificate(text: str) -> x509.Certificate:
    """A certificate from X509Certificate base64 text (memoised: the same few certs recur)."""
    key = "".join(text.split())
    cert = _CERTS.get(key)
    if cert is None:
        try:
            cert = x509.load_der_x509_certificate(_b64(key, "X509Certificate"))
        except ValueError:
            raise MalformedSignature("X509Certificate không đọc được") from None
        if len(_CERTS) > 10_000:
            _CERTS.clear()
        _CERTS[key] = cert
    return cert


def _one(parent: etree._Element, tag: str) -> etree._Element:
    found = parent.findall(DS + tag)
    if len(found) != 1:
        raise MalformedSignature(f"cần đúng một {tag}, có {len(found)}")
    return found[0]


def parse_signature(sig: etree._Element) -> ParsedSignature:
    """Parse ``sig``; raises :class:`MalformedSignature` when a mandatory part is missing or broken."""
    info = _one(sig, "SignedInfo")
    c14n_el = _one(info, "CanonicalizationMethod")
    method_el = _one(info, "SignatureMethod")
    refs = []
    for ref in info.findall(DS + "Reference"):
        tr = ref.find(DS + "Transforms")
        transforms = tuple(t.get("Algorithm", "") for t in tr.findall(DS + "Transform")) if tr is not None else ()
        params = tr is not None and any(len(t) for t in tr.findall(DS + "Transform"))
        dm = ref.find(DS + "DigestMethod")
        dv = ref.find(DS + "DigestValue")
        refs.append(ParsedReference(ref, ref.get("URI"), ref.get("Type"), transforms, params,
                                    dm.get("Algorithm") if dm is not None else None,
                                    _b64(dv.text if dv is not None else None, "DigestValue")))
    if not refs:
        raise MalformedSignature("SignedInfo không có Reference")
    value = _b64(_one(sig, "SignatureValue").text, "SignatureValue")
    certs: list[x509.Certificate] = []
    for el in sig.findall(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate"):
        certs.append(certificate(el.text or ""))
    return ParsedSignature(sig, sig.get("Id"), info, c14n_el.get("Algorithm", ""), len(c14n_el) > 0,
                           method_el.get("Algorithm", ""), value, tuple(refs), tuple(certs))


def signing_certificate(certs: tuple[x509.Certificate, ...]) -> x509.Certificate | None:
    """The leaf among the X509Data certificates: one that issued none of the others (first if unclear)."""
    if not certs:
        return None
    for cert in certs:
        if not any(o is not cert and o.issuer == cert.subject for o in certs):
            return cert
    return certs[0]


def index_ids(root: etree._Element, attributes: tuple[str, ...]) -> dict[str, list[etree._Element]]:
    """Every element carrying one of the Id ``attributes`` (no namespace), by value."""
    out: dict[str, list[etree._Element]] = {}
    for attr in attributes:
        for el in root.iter(etree.Element):
            v = el.get(attr)
            if v is not None:
                out.setdefault(v, []).append(el)
    return out
