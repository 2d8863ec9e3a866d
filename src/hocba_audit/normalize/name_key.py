"""Match key of a person's name: NFC, lower case, tone-canonical, stroke-folded, single spaces."""

from __future__ import annotations

from functools import lru_cache

from hocba_audit.normalize.canonical_tone import canonical_tone
from hocba_audit.normalize.clean_text import squeeze

_STROKES = str.maketrans({"đ": "d", "ð": "d"})


@lru_cache(maxsize=65536)
def name_key(s: str) -> str:
    """Key under which spellings of the same name meet.

    Equal for names that differ only by tone placement ('Hoà'/'Hòa'), case, spacing,
    NFD/NFC, 'đ'/'Đ'/'Ð' or surrounding dots; different for a real diacritic ('Hùng' vs
    'Hưng') and for i/y ('Vy' and 'Vi' stay apart: they are different names).

    Example:
        >>> name_key("  NGUYỄN  Thị Thuý ") == name_key("Nguyễn Thị Thúy")
        True
    """
    text = squeeze(s).lower().translate(_STROKES)
    return canonical_tone(text).strip(" .,")
