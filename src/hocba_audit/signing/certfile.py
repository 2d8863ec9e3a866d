"""Certificate files of an export (``certs/*.cer`` …, PEM or DER): identity, validity, key, trust.

``describe_certificate`` gives one ``certificate_files`` row. The chain status is evaluated when
the export is loaded, against the trust store: the path is built by :func:`chain.find_path`
(every link's signature verified) and revocation read from the store's verified CRLs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .chain import find_path
from .identity import signer_identity
from .sigparse import signing_certificate
from .trust import TrustStore

ID_KINDS = ("CCCD", "CMND", "MST", "MNS")
_USAGES = (("digital_signature", "digitalSignature"), ("content_commitment", "nonRepudiation"),
           ("key_encipherment", "keyEncipherment"), ("data_encipherment", "dataEncipherment"),
           ("key_agreement", "keyAgreement"), ("key_cert_sign", "keyCertSign"), ("crl_sign", "cRLSign"))


class UnreadableCertificate(ValueError):
    """The bytes hold no certificate (the message is Vietnamese)."""


def parse_certificates(data: bytes, name: str) -> tuple[x509.Certificate, ...]:
    """Every certificate of a PEM (one or more) or DER file.

    Raises:
        UnreadableCertificate: empty, not a certificate, or damaged.
    """
    if not data.strip():
        raise UnreadableCertificate(f"Tệp chứng thư '{name}' rỗng.")
    try:
        if b"-----BEGIN" in data:
            if b"-----BEGIN CERTIFICATE-----" not in data:
                raise UnreadableCertificate(
                    f"Tệp '{name}' là PEM nhưng không chứa chứng thư số (CERTIFICATE); có thể là khóa "
                    "hoặc yêu cầu cấp chứng thư: không dùng được.")
            return tuple(x509.load_pem_x509_certificates(data))
        return (x509.load_der_x509_certificate(data),)
    except ValueError as exc:
        if isinstance(exc, UnreadableCertificate):
            raise
        raise UnreadableCertificate(
            f"Tệp '{name}' không đọc được như chứng thư số X.509 (PEM hoặc DER): nội dung hỏng hoặc "
            "không phải chứng thư.") from None


def _naive_utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _ext(cert: x509.Certificate, cls: type) -> Any:
    try:
        return cert.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None


def key_usage(cert: x509.Certificate) -> tuple[str | None, bool]:
    """(usages ','-joined or None, usable to sign records: digitalSignature/nonRepudiation, not a CA)."""
    ku = _ext(cert, x509.KeyUsage)
    bc = _ext(cert, x509.BasicConstraints)
    if ku is None:
        return None, False
    names = [label for attr, label in _USAGES if getattr(ku, attr)]
    if ku.key_agreement:
        names += [label for attr, label in (("encipher_only", "encipherOnly"), ("decipher_only", "decipherOnly"))
                  if getattr(ku, attr)]
    ok = (ku.digital_signature or ku.content_commitment) and not (bc is not None and bc.ca)
    return ",".join(names), bool(ok)


def key_description(cert: x509.Certificate) -> tuple[str | None, int | None]:
    pub = cert.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        return "RSA", pub.key_size
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return "EC", pub.curve.key_size
    return type(pub).__name__, getattr(pub, "key_size", None)


def _self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def chain_status(leaf: x509.Certificate, extra: tuple[x509.Certificate, ...], trust: TrustStore,
                 at: dt.datetime) -> tuple[str, str | None, dt.datetime | None]:
    """(TRUSTED | REVOKED | UNTRUSTED_ROOT | NO_CHAIN, anchor group, revocation time).

    REVOKED: some certificate of the trusted path is on its issuer's CRL at or before ``at``.
    UNTRUSTED_ROOT: no trusted path, but one ends in a self-signed root the store does not hold
    (built from the export's other certificates). NO_CHAIN: no issuer found at all.
    """
    found = find_path(leaf, extra, trust)
    if found is None:
        roots = [c for c in (leaf, *extra) if _self_signed(c)]
        if roots:
            rogue = TrustStore({"untrusted": roots}, [c for c in extra if not _self_signed(c)])
            if find_path(leaf, (), rogue) is not None:
                return "UNTRUSTED_ROOT", None, None
        return "NO_CHAIN", None, None
    path, group = found
    for cert, _issuer in zip(path, path[1:]):
        info = trust.revocation.get(cert.issuer.public_bytes())
        when = info.revoked.get(cert.serial_number) if info else None
        if when is not None and when <= at:
            return "REVOKED", group, _naive_utc(when)
    return "TRUSTED", group, None


def describe_certificate(data: bytes, name: str, trust: TrustStore, *, at: dt.datetime,
                         others: tuple[x509.Certificate, ...] = ()) -> dict[str, Any]:
    """One ``certificate_files`` row (without provenance) for the file ``name``; an unreadable
    file gives chain_status UNREADABLE and the Vietnamese reason in ``problem``."""
    try:
        certs = parse_certificates(data, name)
    except UnreadableCertificate as exc:
        return {"chain_status": "UNREADABLE", "problem": str(exc)}
    return describe_parsed(certs, trust, at=at, others=others)


def describe_parsed(certs: tuple[x509.Certificate, ...], trust: TrustStore, *, at: dt.datetime,
                    others: tuple[x509.Certificate, ...] = ()) -> dict[str, Any]:
    """The row of a parsed certificate file: its leaf (the certificate that issued none of the
    others) described; ``others`` (the export's other certificates) only help tell an untrusted
    root from a missing chain."""
    leaf = signing_certificate(certs)
    assert leaf is not None
    ident = signer_identity(leaf)
    kind = next((v.split(":", 1)[0].strip().upper() for k, v in ident.subject
                 if k == "UID" and v.split(":", 1)[0].strip().upper() in ID_KINDS), None)
    usage, usage_ok = key_usage(leaf)
    algo, bits = key_description(leaf)
    extra = tuple(c for c in (*certs, *others) if c is not leaf)
    status, group, revoked_at = chain_status(leaf, extra, trust, at)
    return {
        "subject_name": ident.common_name, "id_kind": kind,
        "personal_id": ident.cccd or ident.cmnd, "tax_code": ident.mst, "budget_code": ident.mns,
        "serial": ident.serial_hex, "issuer": next((v for k, v in ident.issuer if k == "CN"), None),
        "not_before": _naive_utc(ident.not_before), "not_after": _naive_utc(ident.not_after),
        "key_usage": usage, "key_usage_ok": usage_ok, "key_algorithm": algo, "key_bits": bits,
        "chain_status": status, "anchor_group": group, "revoked_at": revoked_at, "problem": None,
    }
