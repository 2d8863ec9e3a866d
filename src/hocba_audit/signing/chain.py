"""Certificate path building and validation at a point in time, against a :class:`TrustStore`.

A path runs from the signing certificate through intermediates (from the trust store or the
signature's own X509Data) to a trust anchor; every link's signature is verified. Then, at the
validation time (the signed SigningTime when there is one): validity periods, CA constraints,
key usage, revocation from the offline CRLs, the anchor groups allowed for the role, and the
algorithm floor on the certificates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .algorithms import MIN_EC_BITS, MIN_RSA_BITS, WEAK_HASHES
from .policy import VerifyPolicy
from .trust import TrustStore
from .verdict import Issue

MAX_DEPTH = 6


@dataclass(frozen=True)
class ChainReport:
    path: tuple[x509.Certificate, ...]  # signing certificate first, anchor last; () if none
    anchor_group: str | None
    issues: tuple[Issue, ...]


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def _day(t: dt.datetime) -> str:
    return t.strftime("%d/%m/%Y")


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` signed ``cert`` (names must match). Legacy SHA-1/MD5 certificates, which
    cryptography's ``verify_directly_issued_by`` refuses, are checked by hand so that the chain is
    found and the weak hash reported as such, not as an untrusted chain."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except InvalidSignature:
        return False
    except (ValueError, TypeError):
        pass
    pub, algo = issuer.public_key(), cert.signature_hash_algorithm
    try:
        if isinstance(pub, rsa.RSAPublicKey) and algo is not None:
            pub.verify(cert.signature, cert.tbs_certificate_bytes, cert.signature_algorithm_parameters, algo)  # type: ignore[arg-type]
        elif isinstance(pub, ec.EllipticCurvePublicKey) and algo is not None:
            pub.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(algo))
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def find_path(leaf: x509.Certificate, extra: tuple[x509.Certificate, ...],
              trust: TrustStore) -> tuple[tuple[x509.Certificate, ...], str] | None:
    """A verified path from ``leaf`` to an anchor, and the anchor's group (memoised per store)."""
    # certificates are memoised objects (sigparse.certificate): key by identity, keep them alive
    key = ("path", id(leaf), tuple(id(c) for c in extra))
    hit = trust.cache.get(key)
    if hit is not None and hit[0] is leaf:  # type: ignore[index]
        return hit[1]  # type: ignore[index]
    by_subject: dict[bytes, list[x509.Certificate]] = {}
    for c in extra:
        by_subject.setdefault(c.subject.public_bytes(), []).append(c)

    def walk(path: tuple[x509.Certificate, ...]) -> tuple[tuple[x509.Certificate, ...], str] | None:
        current = path[-1]
        group = trust.group_of(current)
        if group is not None:
            return path, group
        if len(path) > MAX_DEPTH:
            return None
        issuer_key = current.issuer.public_bytes()
        for cand in (*trust.candidates(current.issuer), *by_subject.get(issuer_key, ())):
            if cand in path:
                continue
            if not issued_by(current, cand):
                continue
            found = walk((*path, cand))
            if found:
                return found
        return None

    result = walk((leaf,))
    trust.cache[key] = (leaf, result, extra)
    return result


def _issuer_key(cert: x509.Certificate, trust: TrustStore) -> bytes:
    key = ("issuer", id(cert))
    hit = trust.cache.get(key)
    if hit is None or hit[0] is not cert:  # type: ignore[index]
        hit = trust.cache[key] = (cert, cert.issuer.public_bytes())
    return hit[1]  # type: ignore[index]


def weak_key(cert: x509.Certificate) -> str | None:
    """'RSA 1024 bit' / 'ECDSA 192 bit' when the key is below the floor, else None."""
    pub = cert.public_key()
    if isinstance(pub, rsa.RSAPublicKey) and pub.key_size < MIN_RSA_BITS:
        return f"RSA {pub.key_size} bit"
    if isinstance(pub, ec.EllipticCurvePublicKey) and pub.curve.key_size < MIN_EC_BITS:
        return f"ECDSA {pub.curve.key_size} bit"
    return None


def _ext(cert: x509.Certificate, cls: type) -> object | None:
    try:
        return cert.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None


def check_chain(leaf: x509.Certificate, extra: tuple[x509.Certificate, ...], trust: TrustStore, *,
                role: str | None, policy: VerifyPolicy, at: dt.datetime, claimed: bool) -> ChainReport:
    """Validate ``leaf`` at time ``at``; ``claimed`` says ``at`` is the signer's signed SigningTime."""
    found = find_path(leaf, extra, trust)
    if found is None:
        return ChainReport((), None, (Issue("untrusted_chain", f"cấp bởi {_cn(leaf.issuer)}"),))
    path, group = found
    issues: list[Issue] = []
    allowed = policy.role_anchors.get(role or "")
    if allowed is not None and group not in allowed:
        issues.append(Issue("wrong_anchor_for_role", group, {"group": group, "allowed": ",".join(allowed)}))
    for ca in path[1:-1]:
        bc = _ext(ca, x509.BasicConstraints)
        ku = _ext(ca, x509.KeyUsage)
        if not (bc and bc.ca) or (ku is not None and not ku.key_cert_sign):  # type: ignore[attr-defined]
            issues.append(Issue("ca_constraints", _cn(ca.subject)))
    if policy.require_key_usage and len(path) > 1:
        ku = _ext(leaf, x509.KeyUsage)
        if ku is None or not (ku.digital_signature or ku.content_commitment):  # type: ignore[attr-defined]
            issues.append(Issue("key_usage"))
    for cert in path:
        if at < cert.not_valid_before_utc:
            code = "not_yet_valid" if claimed else "out_of_bounds_no_poe"
            issues.append(Issue(code, _cn(cert.subject), {"date": _day(cert.not_valid_before_utc)}))
        elif at > cert.not_valid_after_utc:
            code = "expired" if claimed else "out_of_bounds_no_poe"
            issues.append(Issue(code, _cn(cert.subject), {"date": _day(cert.not_valid_after_utc)}))
    for cert, issuer in zip(path, path[1:]):
        info = trust.revocation.get(_issuer_key(cert, trust))
        if info is None:
            if policy.require_revocation:
                issues.append(Issue("no_revocation_info", _cn(issuer.subject)))
            continue
        when = info.revoked.get(cert.serial_number)
        if when is not None and when <= at:
            issues.append(Issue("revoked", _cn(cert.subject), {"date": _day(when)}))
        elif policy.require_revocation and info.last_update < at:
            issues.append(Issue("stale_revocation_info", f"{_cn(issuer.subject)}, {_day(info.last_update)}"))
    for i, cert in enumerate(path[:-1]):
        weak = weak_key(cert) if i else None  # the signing key is checked with the signature
        if weak:
            issues.append(Issue("weak_key", weak))
        h = cert.signature_hash_algorithm
        if h is not None and h.name in WEAK_HASHES:
            issues.append(Issue("weak_hash", f"{h.name} (chứng thư {_cn(cert.subject)})"))
    return ChainReport(path, group, tuple(issues))
