"""The trust store: anchors by group (national, government …), intermediates and offline CRLs.

Loaded from a folder, so the trust list is files an operator can inspect and replace::

    trust/anchors/<group>/*.pem|*.cer|*.crt   trust anchors; the sub-folder names the group
    trust/intermediates/*.pem|*.cer|*.crt     licensed-CA certificates (optional)
    trust/crls/*.crl|*.pem                    CRLs, PEM or DER (optional)

A CRL is used only when its signature verifies with the key of a certificate the store knows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ..errors import HocbaAuditError

CERT_SUFFIXES = (".pem", ".cer", ".crt", ".der")


class TrustStoreError(HocbaAuditError):
    """A trust folder is missing or holds an unreadable certificate or CRL."""


def load_certificates(path: Path) -> list[x509.Certificate]:
    """Every certificate in a PEM (one or more) or DER file."""
    data = path.read_bytes()
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise TrustStoreError(f"Certificate file '{path}' is unreadable ({exc}).") from None


def _load_crl(path: Path) -> x509.CertificateRevocationList:
    data = path.read_bytes()
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise TrustStoreError(f"CRL file '{path}' is unreadable ({exc}).") from None


@dataclass(frozen=True)
class RevocationInfo:
    """What the CRLs of one issuer say: the newest usable CRL time and the revoked serials."""

    last_update: dt.datetime
    revoked: dict[int, dt.datetime]


@dataclass
class TrustStore:
    """Trust anchors per group, known intermediates and verified CRLs, indexed for path building."""

    anchors: dict[str, list[x509.Certificate]]
    intermediates: list[x509.Certificate] = field(default_factory=list)
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.anchor_group: dict[bytes, str] = {}
        self.by_subject: dict[bytes, list[x509.Certificate]] = {}
        for group, certs in self.anchors.items():
            for cert in certs:
                self.anchor_group[cert.public_bytes(Encoding.DER)] = group
                self._index(cert)
        for cert in self.intermediates:
            self._index(cert)
        self.revocation: dict[bytes, RevocationInfo] = {}
        for crl in self.crls:
            self._add_crl(crl)
        self.cache: dict[object, object] = {}  # per-store memo for chain building (see chain.py)

    def _index(self, cert: x509.Certificate) -> None:
        self.by_subject.setdefault(cert.subject.public_bytes(), []).append(cert)

    def _add_crl(self, crl: x509.CertificateRevocationList) -> None:
        key = crl.issuer.public_bytes()
        for issuer in self.by_subject.get(key, []):
            if crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                break
        else:
            return  # an unverifiable CRL is ignored, never trusted
        revoked = {r.serial_number: r.revocation_date_utc for r in crl}
        old = self.revocation.get(key)
        if old is None or crl.last_update_utc > old.last_update:
            self.revocation[key] = RevocationInfo(crl.last_update_utc, revoked)

    @classmethod
    def from_folder(cls, folder: Path | str) -> TrustStore:
        """Load ``anchors/<group>/``, ``intermediates/`` and ``crls/`` from ``folder``.

        Raises:
            TrustStoreError: the folder has no ``anchors/<group>/`` with a certificate, or a file is unreadable.
        """
        folder = Path(folder)
        anchors: dict[str, list[x509.Certificate]] = {}
        for group_dir in sorted(p for p in (folder / "anchors").glob("*") if p.is_dir()):
            certs = [c for f in sorted(group_dir.iterdir()) if f.suffix.lower() in CERT_SUFFIXES
                     for c in load_certificates(f)]
            if certs:
                anchors[group_dir.name] = certs
        if not anchors:
            raise TrustStoreError(
                f"Trust folder '{folder}' has no anchors. Hint: put root certificates in "
                f"'{folder}/anchors/<group>/', e.g. anchors/national/ and anchors/government/.")
        inter_dir, crl_dir = folder / "intermediates", folder / "crls"
        inter = [c for f in sorted(inter_dir.glob("*")) if f.suffix.lower() in CERT_SUFFIXES
                 for c in load_certificates(f)] if inter_dir.is_dir() else []
        crls = [_load_crl(f) for f in sorted(crl_dir.glob("*")) if f.suffix.lower() in (".crl", ".pem")] \
            if crl_dir.is_dir() else []
        return cls(anchors, inter, crls)

    def group_of(self, cert: x509.Certificate) -> str | None:
        """The anchor group of ``cert`` if it is a trust anchor, else None."""
        return self.anchor_group.get(cert.public_bytes(Encoding.DER))

    def candidates(self, name: x509.Name) -> list[x509.Certificate]:
        """Known certificates (anchors and intermediates) whose subject is ``name``."""
        return self.by_subject.get(name.public_bytes(), [])
