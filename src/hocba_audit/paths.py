"""Where the project's declared data lives (audits/), overridable by HOCBA_AUDITS_DIR."""

from __future__ import annotations

import os
from pathlib import Path


def audits_dir() -> Path:
    """The audits/ folder: rules, profiles, reference data and schemas."""
    env = os.environ.get("HOCBA_AUDITS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "audits"


def project_dir() -> Path:
    return Path(__file__).resolve().parents[2]
