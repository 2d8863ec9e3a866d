"""Signer identity from a certificate: the subject parsed into attributes, UID values split by prefix.

Vietnamese certificates carry the legal identifier in ``UID`` with a type prefix (domain.md §5.4):
``CCCD:`` (12-digit personal ID), ``CMND:`` (old ID), ``MST:`` (tax code), ``MNS:`` (budget-unit
code), and others. Distinguished names are parsed into attribute lists and never compared as
strings (attribute order and rendering differ between tools).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

#: Short names for the attributes seen in Vietnamese certificates.
ATTRIBUTE_NAMES: dict[str, str] = {
    NameOID.COMMON_NAME.dotted_string: "CN",
    NameOID.ORGANIZATION_NAME.dotted_string: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME.dotted_string: "OU",
    NameOID.COUNTRY_NAME.dotted_string: "C",
    NameOID.STATE_OR_PROVINCE_NAME.dotted_string: "ST",
    NameOID.LOCALITY_NAME.dotted_string: "L",
    NameOID.TITLE.dotted_string: "T",
    NameOID.USER_ID.dotted_string: "UID",
    NameOID.EMAIL_ADDRESS.dotted_string: "E",
    NameOID.SERIAL_NUMBER.dotted_string: "SERIALNUMBER",
    NameOID.ORGANIZATION_IDENTIFIER.dotted_string: "OID.2.5.4.97",
    "2.5.4.20": "TEL",
}

#: UID prefixes that identify a person; a certificate with none of them is an organisation (seal).
PERSONAL_PREFIXES = frozenset({"CCCD", "CMND", "HC", "PID", "PPID", "BHXH"})


def name_attributes(name: x509.Name) -> tuple[tuple[str, str], ...]:
    """A name as ``((short name, value), …)`` in encoded order; unknown OIDs as ``OID.<dotted>``."""
    out = []
    for attr in name:
        dotted = attr.oid.dotted_string
        value = attr.value if isinstance(attr.value, str) else attr.value.hex()
        out.append((ATTRIBUTE_NAMES.get(dotted, f"OID.{dotted}"), value))
    return tuple(out)


def split_uids(attributes: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, ...]]:
    """UID values grouped by prefix: ``{'CCCD': ('031085001234',), 'MST': (…)}``; no prefix -> ''."""
    out: dict[str, list[str]] = {}
    for key, value in attributes:
        if key != "UID":
            continue
        prefix, sep, rest = value.partition(":")
        if sep:
            out.setdefault(prefix.strip().upper(), []).append(rest.strip())
        else:
            out.setdefault("", []).append(value.strip())
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class SignerIdentity:
    """Who a certificate names, as the roster joins need it (CCCD/CMND for persons, MST/MNS for seals)."""

    subject: tuple[tuple[str, str], ...]
    issuer: tuple[tuple[str, str], ...]
    uids: dict[str, tuple[str, ...]]
    serial_hex: str
    sha256: str
    not_before: dt.datetime
    not_after: dt.datetime

    def first(self, key: str) -> str | None:
        """The first value of subject attribute ``key`` (``'CN'``, ``'O'`` …), or None."""
        return next((v for k, v in self.subject if k == key), None)

    def uid(self, prefix: str) -> str | None:
        """The first UID value with ``prefix`` (``'CCCD'``, ``'CMND'``, ``'MST'``, ``'MNS'``), or None."""
        values = self.uids.get(prefix.upper())
        return values[0] if values else None

    @property
    def common_name(self) -> str | None:
        return self.first("CN")

    @property
    def cccd(self) -> str | None:
        return self.uid("CCCD")

    @property
    def cmnd(self) -> str | None:
        return self.uid("CMND")

    @property
    def mst(self) -> str | None:
        return self.uid("MST")

    @property
    def mns(self) -> str | None:
        return self.uid("MNS")

    @property
    def kind(self) -> str:
        """'person' when a personal UID prefix is present, else 'organisation' (an e-seal)."""
        return "person" if PERSONAL_PREFIXES & set(self.uids) else "organisation"

    def as_dict(self) -> dict[str, object]:
        """A flat, JSON-friendly view for reports and truth files."""
        return {
            "kind": self.kind, "common_name": self.common_name, "cccd": self.cccd,
            "cmnd": self.cmnd, "mst": self.mst, "mns": self.mns, "serial": self.serial_hex,
            "sha256": self.sha256, "issuer_cn": next((v for k, v in self.issuer if k == "CN"), None),
            "not_before": self.not_before.isoformat(), "not_after": self.not_after.isoformat(),
        }


def signer_identity(cert: x509.Certificate) -> SignerIdentity:
    """Parse a certificate's subject and issuer into a :class:`SignerIdentity`."""
    subject = name_attributes(cert.subject)
    der = cert.public_bytes(Encoding.DER)
    return SignerIdentity(
        subject=subject,
        issuer=name_attributes(cert.issuer),
        uids=split_uids(subject),
        serial_hex=format(cert.serial_number, "X"),
        sha256=hashlib.sha256(der).hexdigest(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )

