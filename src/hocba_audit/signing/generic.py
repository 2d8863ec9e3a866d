"""Verify every ``ds:Signature`` of any XML file (third-party or interop files), not only records.

The same checks as for records (crypto, chain, validity, revocation, algorithms), without the
record profile: references resolve by ``Id``/``ID``/``id`` exactly once; an enveloping signature
(the signature is the document, or signs an Object of its own) is reported as an unsupported
profile unless the policy allows it; SigningTime is read from a signed SignatureProperties when
there is one, else the certificate is checked at the policy's validation time.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from .algorithms import ALL_C14N, DS, ENVELOPED, SIGNATURE_PROPERTIES_TYPE
from .crypto import inside
from .policy import VerifyPolicy
from .safexml import parse_secure
from .sigparse import ParsedSignature, index_ids
from .trust import TrustStore
from .verdict import Issue, SignatureVerdict
from .verify import verify_signature

ID_ATTRIBUTES = ("Id", "ID", "id")
_FORMATS = (("%Y-%m-%dT%H:%M:%S", dt.timezone(dt.timedelta(hours=7))), ("%Y-%m-%dT%H:%M:%SZ", dt.timezone.utc))


def _generic_profile(root: etree._Element, policy: VerifyPolicy):  # type: ignore[no-untyped-def]
    def check(ps: ParsedSignature, targets: list[etree._Element]):  # type: ignore[no-untyped-def]
        issues: list[Issue] = []
        enveloping = ps.element is root or any(
            inside(t, ps.element) and r.type != SIGNATURE_PROPERTIES_TYPE for r, t in zip(ps.references, targets))
        if enveloping and not policy.allow_enveloping:
            issues.append(Issue("unsupported_profile", "enveloping"))
        if any(x not in ALL_C14N and x != ENVELOPED for r in ps.references for x in r.transforms):
            issues.append(Issue("unsupported_profile", "phép biến đổi ngoài C14N/enveloped"))
        signing_time = None
        for r, t in zip(ps.references, targets):
            if r.type == SIGNATURE_PROPERTIES_TYPE and inside(t, ps.element):
                for el in t.iter(etree.Element):
                    if etree.QName(el).localname == "SigningTime" and el.text:
                        signing_time = _parse_time(el.text.strip())
        return issues, signing_time, None

    return check


def _parse_time(text: str) -> dt.datetime | None:
    """SigningTime with its zone: a trailing Z is UTC, no zone is Vietnam's local time (+07:00)."""
    for fmt, zone in _FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    return None


def verify_signatures(xml_bytes: bytes, trust: TrustStore, policy: VerifyPolicy | None = None, *,
                      id_attributes: tuple[str, ...] = ID_ATTRIBUTES) -> list[SignatureVerdict]:
    """A verdict for each ``ds:Signature`` in document order (role None: any anchor group).

    Raises:
        UnsafeXmlError: the file has a DOCTYPE, is too large or is not well-formed.
    """
    policy = policy or VerifyPolicy()
    root = parse_secure(xml_bytes, max_bytes=policy.max_bytes).getroot()
    ids = index_ids(root, id_attributes)
    profile = _generic_profile(root, policy)
    memo: dict = {}
    return [verify_signature(root, sig, ids, trust, policy, role=None, profile=profile,
                             id_attribute=None, memo=memo)
            for sig in root.iter(DS + "Signature")]
