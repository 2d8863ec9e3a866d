"""A synthetic PKI that mirrors Vietnam's (domain.md §5.2-5.4), for tests, the corpus and the bench.

Two trust anchors, as in Vietnam: a national root (NEAC-like) for licensed public CAs and a
government root (VGCA-like) for the public-sector CA. Every name is invented and marked
``TEST ONLY`` / ``GIẢ LẬP``. Personal certificates carry ``UID=CCCD:<12 digits>`` (legacy
``UID=CMND:<9 digits>``); school seal certificates carry ``UID=MST:<10 digits>`` and/or
``UID=MNS:<7 digits>``. A rogue root (never written to a trust folder) issues a look-alike of a
licensed CA, for the untrusted-root defect. Keys come from :mod:`.keys` (never committed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from .keys import PrivateKey, pool_key

UTC = dt.timezone.utc


def utc(year: int, month: int = 1, day: int = 1, hour: int = 0) -> dt.datetime:
    """A UTC datetime (shorthand for the PKI's validity periods)."""
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


@dataclass
class Authority:
    """A certification authority of the synthetic PKI."""

    name: str
    cert: x509.Certificate
    key: PrivateKey
    parent: Authority | None
    anchor_group: str
    revoked: list[tuple[int, dt.datetime]] = field(default_factory=list)

    def path(self) -> list[Authority]:
        """This authority and its ancestors, up to the root."""
        out: list[Authority] = [self]
        while out[-1].parent is not None:
            out.append(out[-1].parent)  # type: ignore[arg-type]
        return out


@dataclass(frozen=True)
class Credential:
    """A signing certificate with its private key and the intermediates up to (not incl.) the root."""

    cert: x509.Certificate
    key: PrivateKey
    chain: tuple[x509.Certificate, ...]
    issuer: str

    def keyinfo_certs(self) -> tuple[x509.Certificate, ...]:
        """Certificates to embed in KeyInfo/X509Data: the leaf first, then the intermediates."""
        return (self.cert, *self.chain)

    def with_key(self, key: PrivateKey) -> Credential:
        """The same certificate paired with another key (for the wrong-key defect)."""
        return Credential(self.cert, key, self.chain, self.issuer)


def _name(*attrs: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.RelativeDistinguishedName([x509.NameAttribute(o, v)]) for o, v in attrs])


_CA_SPECS: tuple[tuple[str, str | None, str, str, str], ...] = (
    # name, parent, anchor group, CN, O
    ("national", None, "national", "Synthetic Vietnam National Root CA (TEST ONLY)",
     "Trung tâm Chứng thực điện tử quốc gia (GIẢ LẬP)"),
    ("government", None, "government", "Synthetic Government Root CA G2 (TEST ONLY)",
     "Ban Cơ yếu Chính phủ (GIẢ LẬP)"),
    ("vnpt", "national", "national", "VNPT-LIKE CA SHA256 (TEST ONLY)", "VNPT-like Group (TEST ONLY)"),
    ("viettel", "national", "national", "VIETTEL-LIKE CA RS (TEST ONLY)", "Viettel-like Group (TEST ONLY)"),
    ("gov-ca", "government", "government", "CA phục vụ các cơ quan Nhà nước G2 (GIẢ LẬP)",
     "Ban Cơ yếu Chính phủ (GIẢ LẬP)"),
    ("rogue-root", None, "rogue", "Untrusted Root CA (TEST ONLY)", "Nobody (TEST ONLY)"),
    # a look-alike of 'vnpt' (same subject) under the rogue root
    ("rogue-ca", "rogue-root", "rogue", "VNPT-LIKE CA SHA256 (TEST ONLY)", "VNPT-like Group (TEST ONLY)"),
)


class SyntheticPKI:
    """Roots, licensed-CA intermediates, leaves and CRLs of a Vietnam-like test PKI."""

    def __init__(self, not_before: dt.datetime = utc(2015), not_after: dt.datetime = utc(2045)) -> None:
        self.authorities: dict[str, Authority] = {}
        for i, (name, parent, group, cn, org) in enumerate(_CA_SPECS):
            subject = _name((NameOID.COUNTRY_NAME, "VN"), (NameOID.ORGANIZATION_NAME, org),
                            (NameOID.COMMON_NAME, cn))
            key = pool_key("rsa2048", 100 + i)
            up = self.authorities[parent] if parent else None
            cert = self._make_cert(subject, key, up, ca=True, not_before=not_before, not_after=not_after)
            self.authorities[name] = Authority(name, cert, key, up, group)

    # -- issuing -----------------------------------------------------------------------------
    def _make_cert(self, subject: x509.Name, key: PrivateKey, issuer: Authority | None, *, ca: bool,
                   not_before: dt.datetime, not_after: dt.datetime,
                   hash_alg: hashes.HashAlgorithm | None = None) -> x509.Certificate:
        pub = key.public_key()
        ski = x509.SubjectKeyIdentifier.from_public_key(pub)
        b = (x509.CertificateBuilder().subject_name(subject)
             .issuer_name(issuer.cert.subject if issuer else subject)
             .public_key(pub).serial_number(x509.random_serial_number())
             .not_valid_before(not_before).not_valid_after(not_after)
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
             .add_extension(x509.KeyUsage(
                 digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                 data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                 encipher_only=False, decipher_only=False), critical=True)
             .add_extension(ski, critical=False))
        signer = issuer.key if issuer else key
        issuer_ski = (issuer.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
                      if issuer else ski)
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
                            critical=False)
        return b.sign(signer, hash_alg or hashes.SHA256())

    def issue(self, subject: x509.Name, *, ca: str, key: PrivateKey, not_before: dt.datetime,
              not_after: dt.datetime) -> Credential:
        """Issue a leaf (signing) certificate for ``subject`` from authority ``ca``."""
        auth = self.authorities[ca]
        cert = self._make_cert(subject, key, auth, ca=False, not_before=not_before, not_after=not_after)
        chain = tuple(a.cert for a in auth.path() if a.parent is not None)
        return Credential(cert, key, chain, ca)

    def issue_person(self, full_name: str, *, cccd: str | None = None, cmnd: str | None = None,
                     ca: str = "vnpt", key: PrivateKey | None = None,
                     not_before: dt.datetime = utc(2023), not_after: dt.datetime = utc(2028),
                     province: str = "Hải Phòng", title: str | None = None) -> Credential:
        """A personal certificate: ``C=VN, ST=<province>, CN=<name>, UID=CCCD:<12 digits>`` (or CMND)."""
        attrs = [(NameOID.COUNTRY_NAME, "VN"), (NameOID.STATE_OR_PROVINCE_NAME, province)]
        if title:
            attrs.append((NameOID.TITLE, title))
        attrs.append((NameOID.COMMON_NAME, full_name))
        if cccd:
            attrs.append((NameOID.USER_ID, f"CCCD:{cccd}"))
        if cmnd:
            attrs.append((NameOID.USER_ID, f"CMND:{cmnd}"))
        return self.issue(_name(*attrs), ca=ca, key=key or pool_key("rsa2048", 0),
                          not_before=not_before, not_after=not_after)

    def issue_seal(self, org_name: str, *, mst: str | None = None, mns: str | None = None,
                   ca: str = "gov-ca", key: PrivateKey | None = None,
                   not_before: dt.datetime = utc(2023), not_after: dt.datetime = utc(2028),
                   province: str = "Hải Phòng") -> Credential:
        """A school seal (organisation) certificate: ``O=CN=<school>, UID=MST:…`` and/or ``UID=MNS:…``."""
        attrs = [(NameOID.COUNTRY_NAME, "VN"), (NameOID.STATE_OR_PROVINCE_NAME, province),
                 (NameOID.ORGANIZATION_NAME, org_name), (NameOID.COMMON_NAME, org_name)]
        if mst:
            attrs.append((NameOID.USER_ID, f"MST:{mst}"))
        if mns:
            attrs.append((NameOID.USER_ID, f"MNS:{mns}"))
        return self.issue(_name(*attrs), ca=ca, key=key or pool_key("rsa2048", 1),
                          not_before=not_before, not_after=not_after)

    # -- revocation --------------------------------------------------------------------------
    def revoke(self, cred: Credential, when: dt.datetime) -> None:
        """Record ``cred`` as revoked at ``when`` in its issuer's next CRL."""
        self.authorities[cred.issuer].revoked.append((cred.cert.serial_number, when))

    def crl(self, ca: str, this_update: dt.datetime,
            next_update: dt.datetime | None = None) -> x509.CertificateRevocationList:
        """The CRL of authority ``ca`` listing every revocation recorded so far."""
        auth = self.authorities[ca]
        b = (x509.CertificateRevocationListBuilder().issuer_name(auth.cert.subject)
             .last_update(this_update).next_update(next_update or this_update + dt.timedelta(days=30)))
        for serial, when in auth.revoked:
            b = b.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
        return b.sign(auth.key, hashes.SHA256())

    # -- trust folder ------------------------------------------------------------------------
    def write_trust_folder(self, folder: Path, *, crl_time: dt.datetime) -> Path:
        """Write what a verifier trusts: ``anchors/<group>/*.pem``, ``intermediates/*.pem``, ``crls/*.crl``.

        The rogue root and its look-alike CA are left out, as a real trust list would.
        """
        folder = Path(folder)
        for sub in ("intermediates", "crls"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        pem = serialization.Encoding.PEM
        for auth in self.authorities.values():
            if auth.anchor_group == "rogue":
                continue
            if auth.parent is None:
                target = folder / "anchors" / auth.anchor_group / f"{auth.name}.pem"
                target.parent.mkdir(parents=True, exist_ok=True)
            else:
                target = folder / "intermediates" / f"{auth.name}.pem"
            target.write_bytes(auth.cert.public_bytes(pem))
            (folder / "crls" / f"{auth.name}.crl").write_bytes(
                self.crl(auth.name, crl_time).public_bytes(pem))
        return folder
