"""The verification policy: which anchors each role may chain to, and the strictness switches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: Default anchors per role (domain.md §3.5, §5.2): personal certificates of teachers come from
#: licensed public CAs (national root); principals may hold either; a public school's seal is
#: issued by the government CA.
DEFAULT_ROLE_ANCHORS: dict[str, tuple[str, ...]] = {
    "GVCN": ("national",),
    "HT": ("national", "government"),
    "DonVi": ("government",),
}


@dataclass(frozen=True)
class VerifyPolicy:
    """How strictly to verify; the defaults are the audit's.

    Attributes:
        role_anchors: role -> anchor groups its chain may end in (a role not listed: any group).
        required_roles: roles whose signature every record must carry.
        require_revocation: without a fresh CRL of each issuer the verdict is INDETERMINATE/TRY_LATER.
        require_key_usage: the signing certificate must state digitalSignature or nonRepudiation.
        allow_enveloping: accept enveloping signatures (generic verification of third-party files).
        validation_time: the time used when a signature has no signed SigningTime (default: now).
        fast_path: use the restricted c14n+digest+signature path when a signature is in its profile.
        max_bytes: largest accepted file.
    """

    role_anchors: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_ROLE_ANCHORS))
    required_roles: tuple[str, ...] = ("GVCN", "HT", "DonVi")
    require_revocation: bool = True
    require_key_usage: bool = True
    allow_enveloping: bool = False
    validation_time: dt.datetime | None = None
    fast_path: bool = True
    max_bytes: int = 4 * 1024 * 1024

    def now(self) -> dt.datetime:
        return self.validation_time or dt.datetime.now(dt.timezone.utc)
