"""Shared by the rule tests: the project's catalogue, loaded once per test process."""

from __future__ import annotations

from functools import lru_cache

from hocba_audit.catalogue import Catalogue, load_catalogue


@lru_cache(maxsize=1)
def project_catalogue() -> Catalogue:
    """``load_catalogue()`` of the project (binding every rule's SQL takes a few seconds)."""
    return load_catalogue()
