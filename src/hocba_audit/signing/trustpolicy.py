"""The trust policy a Sở can edit without code: ``audits/settings/trust_policy.yaml``.

The file is an ordinary settings file (``docs/settings.md``), so its values also take
``hocba-audit run --setting name=value`` overrides. It gives, per role, the anchor groups the
role's certificate may chain to (``trust_anchors_gvcn``, ``trust_anchors_ht``,
``trust_anchors_donvi``); '*' means any group. A missing file or setting keeps the
:data:`DEFAULT_ROLE_ANCHORS`. Every record must carry all three roles (the verifier's
INCOMPLETE status); whether a missing seal is a finding is the rules' setting, not this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from ..errors import HocbaAuditError
from ..paths import audits_dir
from .policy import DEFAULT_ROLE_ANCHORS, VerifyPolicy

ANCHOR_SETTINGS = {"GVCN": "trust_anchors_gvcn", "HT": "trust_anchors_ht", "DonVi": "trust_anchors_donvi"}
NAMES = tuple(ANCHOR_SETTINGS.values())


class TrustPolicyError(HocbaAuditError):
    """The trust policy file is malformed."""


def default_policy_path() -> Path:
    return audits_dir() / "settings" / "trust_policy.yaml"


def _split(text: object) -> tuple[str, ...]:
    return tuple(p.strip() for p in str(text or "").split(",") if p.strip())


def policy_values(path: Path | str | None = None) -> dict[str, str]:
    """The defaults the policy file declares, by setting name (missing file: none)."""
    path = Path(path) if path is not None else default_policy_path()
    if not path.is_file():
        return {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TrustPolicyError(f"Trust policy '{path}' is unreadable ({exc}).") from None
    items = doc.get("settings", []) if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise TrustPolicyError(f"Trust policy '{path}': expected a 'settings:' list (docs/settings.md).")
    return {str(i["name"]): str(i.get("default") or "") for i in items
            if isinstance(i, dict) and i.get("name") in NAMES}


def load_trust_policy(path: Path | str | None = None, overrides: Mapping[str, object] | None = None,
                      **policy_fields: object) -> VerifyPolicy:
    """A :class:`VerifyPolicy` whose role anchors come from the policy file, with ``overrides``
    (setting name -> text, e.g. from ``--setting``) applied; other settings are ignored."""
    values = policy_values(path)
    values.update({k: str(v) for k, v in (overrides or {}).items() if k in NAMES})
    anchors: dict[str, tuple[str, ...]] = {}
    for role, name in ANCHOR_SETTINGS.items():
        groups = _split(values[name]) if name in values else DEFAULT_ROLE_ANCHORS[role]
        if groups and "*" not in groups:
            anchors[role] = groups
    return VerifyPolicy(role_anchors=anchors, **policy_fields)  # type: ignore[arg-type]
