"""Suggest the closest known name for a misspelt one ("Có phải ý bạn là …?")."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import lru_cache

from hocba_audit.normalize.fold_key import fold_key


@lru_cache(maxsize=256)
def _index(candidates: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    by_key: dict[str, str] = {}
    for c in candidates:
        by_key.setdefault(fold_key(c), c)
    return list(by_key), by_key


@lru_cache(maxsize=4096)
def _closest(raw: str, candidates: tuple[str, ...], cutoff: float) -> str | None:
    keys, by_key = _index(candidates)
    hit = difflib.get_close_matches(fold_key(raw), keys, n=1, cutoff=cutoff)
    return by_key[hit[0]] if hit else None


def did_you_mean(raw: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate whose ``fold_key`` is closest to ``raw``'s (difflib ratio >= cutoff).

    Returns the candidate as given, or None when nothing is close enough.

    Example:
        >>> did_you_mean("Toan hoc", ["Toán", "Toán học", "Ngữ văn"])
        'Toán học'
    """
    if not raw:
        return None
    return _closest(raw, tuple(str(c) for c in candidates), cutoff)
