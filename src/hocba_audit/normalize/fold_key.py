"""Fold text to a loose match key: lower case, no diacritics, đ -> d, punctuation -> one space."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[\W_]+")
_STROKES = str.maketrans({"đ": "d", "ð": "d", "Đ": "d", "Ð": "d"})


def strip_diacritics(s: str) -> str:
    """Text without combining marks (tones and shapes); 'đ' is kept (it has no decomposition)."""
    decomposed = unicodedata.normalize("NFD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def fold_key(s: str) -> str:
    """Match key for headers, aliases and value maps.

    Lower case, diacritics stripped, 'đ'/'Đ' and the lookalike 'Ð' (U+00D0) folded to 'd',
    every run of non-alphanumeric characters turned into one space, trimmed.

    Example:
        >>> fold_key("  Mã định danh Bộ GD&ĐT ")
        'ma dinh danh bo gd dt'
    """
    text = strip_diacritics(unicodedata.normalize("NFC", s).lower().translate(_STROKES))
    return _NON_ALNUM.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def compact_key(s: str) -> str:
    """``fold_key`` without spaces: 'Ba-na', 'Ba na' and 'Bana' share 'bana'."""
    return fold_key(s).replace(" ", "")
