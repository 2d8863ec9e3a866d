"""ETSI EN 319 102-1-style verdicts: an indication, a sub-indication, and the Vietnamese wording.

Every check that fails adds an :class:`Issue`; the headline of a signature is the most severe
issue by :data:`PRECEDENCE` (structure, then integrity, then certificate, then time, then policy).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from lxml import etree

from .identity import SignerIdentity
from .messages import explain


class Indication(str, Enum):
    TOTAL_PASSED = "TOTAL_PASSED"
    INDETERMINATE = "INDETERMINATE"
    TOTAL_FAILED = "TOTAL_FAILED"


class SubIndication(str, Enum):
    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    TRY_LATER = "TRY_LATER"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"


S = SubIndication
PRECEDENCE: tuple[SubIndication, ...] = (
    S.FORMAT_FAILURE, S.HASH_FAILURE, S.SIG_CRYPTO_FAILURE, S.SIGNED_DATA_NOT_FOUND,
    S.NO_SIGNING_CERTIFICATE_FOUND, S.NO_CERTIFICATE_CHAIN_FOUND, S.REVOKED, S.EXPIRED,
    S.NOT_YET_VALID, S.OUT_OF_BOUNDS_NO_POE, S.CHAIN_CONSTRAINTS_FAILURE, S.TRY_LATER,
    S.CRYPTO_CONSTRAINTS_FAILURE, S.SIG_CONSTRAINTS_FAILURE,
)

#: Finding code -> (sub-indication, indication).
CODES: dict[str, tuple[SubIndication, Indication]] = {
    "malformed": (S.FORMAT_FAILURE, Indication.TOTAL_FAILED),
    "unsupported_profile": (S.FORMAT_FAILURE, Indication.INDETERMINATE),
    "digest_mismatch": (S.HASH_FAILURE, Indication.TOTAL_FAILED),
    "bad_signature_value": (S.SIG_CRYPTO_FAILURE, Indication.TOTAL_FAILED),
    "reference_unresolved": (S.SIGNED_DATA_NOT_FOUND, Indication.INDETERMINATE),
    "wrapping": (S.SIGNED_DATA_NOT_FOUND, Indication.INDETERMINATE),
    "no_certificate": (S.NO_SIGNING_CERTIFICATE_FOUND, Indication.INDETERMINATE),
    "untrusted_chain": (S.NO_CERTIFICATE_CHAIN_FOUND, Indication.INDETERMINATE),
    "revoked": (S.REVOKED, Indication.TOTAL_FAILED),
    "expired": (S.EXPIRED, Indication.TOTAL_FAILED),
    "not_yet_valid": (S.NOT_YET_VALID, Indication.TOTAL_FAILED),
    "out_of_bounds_no_poe": (S.OUT_OF_BOUNDS_NO_POE, Indication.INDETERMINATE),
    "wrong_anchor_for_role": (S.CHAIN_CONSTRAINTS_FAILURE, Indication.INDETERMINATE),
    "ca_constraints": (S.CHAIN_CONSTRAINTS_FAILURE, Indication.INDETERMINATE),
    "key_usage": (S.CHAIN_CONSTRAINTS_FAILURE, Indication.INDETERMINATE),
    "no_revocation_info": (S.TRY_LATER, Indication.INDETERMINATE),
    "stale_revocation_info": (S.TRY_LATER, Indication.INDETERMINATE),
    "weak_hash": (S.CRYPTO_CONSTRAINTS_FAILURE, Indication.INDETERMINATE),
    "weak_key": (S.CRYPTO_CONSTRAINTS_FAILURE, Indication.INDETERMINATE),
    "signing_time_missing": (S.SIG_CONSTRAINTS_FAILURE, Indication.INDETERMINATE),
    "signing_time_malformed": (S.SIG_CONSTRAINTS_FAILURE, Indication.INDETERMINATE),
}


@dataclass(frozen=True)
class Issue:
    """One failed check: a stable code, its ETSI sub-indication, and parameters for the wording."""

    code: str
    detail: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def sub_indication(self) -> SubIndication:
        return CODES[self.code][0]

    @property
    def indication(self) -> Indication:
        return CODES[self.code][1]


def rank(issue: Issue) -> float:
    """Position in :data:`PRECEDENCE`; an unsupported profile ranks below a definite crypto failure."""
    if issue.code == "unsupported_profile":
        return PRECEDENCE.index(S.SIG_CRYPTO_FAILURE) + 0.5
    return PRECEDENCE.index(issue.sub_indication)


def headline(issues: list[Issue]) -> Issue | None:
    """The most severe issue by :func:`rank` (None when there is none)."""
    if not issues:
        return None
    return min(issues, key=rank)


@dataclass
class SignatureVerdict:
    """The verdict on one ``ds:Signature``; ``signed_block`` is what content checks may read."""

    role: str | None
    signature_id: str | None
    indication: Indication
    sub_indication: SubIndication | None
    code: str
    explanation: str
    action: str
    issues: tuple[Issue, ...]
    signer: SignerIdentity | None
    signing_time: dt.datetime | None          # as written (local, naive)
    signing_time_utc: dt.datetime | None
    algorithms: dict[str, Any]
    crypto_valid: bool | None                 # digests and signature value, whatever was referenced
    crypto_engine: str | None                 # 'fast' or 'signxml'
    signed_elements: tuple[etree._Element, ...]
    signed_block: etree._Element | None       # the record's data block, iff covered and intact
    anchor_group: str | None = None
    chain: tuple[SignerIdentity, ...] = ()

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    def as_row(self) -> dict[str, Any]:
        """A flat row for reports and the later roster joins (signer CCCD/MST/MNS, signing time)."""
        ident = self.signer.as_dict() if self.signer else {}
        return {
            "role": self.role, "indication": self.indication.value,
            "sub_indication": self.sub_indication.value if self.sub_indication else None,
            "code": self.code, "explanation": self.explanation, "action": self.action,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "signer_kind": ident.get("kind"), "signer_name": ident.get("common_name"),
            "signer_cccd": ident.get("cccd"), "signer_cmnd": ident.get("cmnd"),
            "signer_mst": ident.get("mst"), "signer_mns": ident.get("mns"),
            "cert_serial": ident.get("serial"), "issuer_cn": ident.get("issuer_cn"),
            "anchor_group": self.anchor_group, "crypto_valid": self.crypto_valid,
            "engine": self.crypto_engine,
            "algorithms": ";".join(f"{k}={v}" for k, v in self.algorithms.items()),
        }


def make_verdict(issues: list[Issue], *, role: str | None, signer: SignerIdentity | None,
                 signing_time: dt.datetime | None, **fields: Any) -> SignatureVerdict:
    """Build a verdict from the issues found (none -> TOTAL_PASSED)."""
    top = headline(issues)
    shown_time = signing_time.strftime("%d/%m/%Y %H:%M:%S") if signing_time else "không rõ"
    who = (signer.common_name if signer else None) or "người ký"
    if top is None:
        expl, action = explain("passed", signer=who, signing_time=shown_time)
        indication, sub, code = Indication.TOTAL_PASSED, None, "passed"
    else:
        expl, action = explain(top.code, detail=top.detail, role=role, signer=who,
                               signing_time=shown_time, **top.params)
        indication, sub, code = top.indication, top.sub_indication, top.code
    ordered = tuple(sorted(issues, key=rank))
    return SignatureVerdict(role=role, indication=indication, sub_indication=sub, code=code,
                            explanation=expl, action=action, issues=ordered, signer=signer,
                            signing_time=signing_time, **fields)
