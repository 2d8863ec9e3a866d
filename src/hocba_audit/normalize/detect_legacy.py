"""Recognise text typed in a legacy Vietnamese encoding (TCVN3, VNI, VIQR) and read as Unicode."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from hocba_audit.normalize import tcvn3, viqr, vni
from hocba_audit.normalize.syllables import is_syllable

_WORDS = re.compile(r"[^\W\d_]+")
_ALLOWED_EXTRA = frozenset("\xa0")
_TCVN3_OK = tcvn3.CODE_POINTS | _ALLOWED_EXTRA
_VNI_OK = vni.CODE_POINTS | _ALLOWED_EXTRA
# A VIQR mark that ordinary ASCII text does not put right after a vowel inside a word:
# shapes and the rarer tones anywhere, '?', '.', and "'" only when a letter follows.
_VIQR_EVIDENCE = re.compile(
    r"[A-Za-z][aeiouyAEIOUY](?:[(^+][`'?~.]?|[~`]|['?.][A-Za-z])|(?:^|\s)[dD][dD][aeiouyAEIOUY]"
)
_VIQR_CHARS = frozenset("^(+~`'?.") | frozenset("dD")


def _words_valid(token: str) -> bool:
    words = [w for w in _WORDS.findall(token) if len(w) > 1 or not w.isascii()]
    return bool(words) and all(is_syllable(w) for w in words)


def _raw_invalid(token: str) -> bool:
    if any(not (c.isalpha() or c in "-'") for c in token.strip(".,;:()\"")):
        return True
    return not _words_valid(token)


def _score(raw: str, converted: str, strict: bool) -> int:
    """Changed tokens, when the conversion turns non-Vietnamese text into Vietnamese; else 0."""
    pairs = [(a, b) for a, b in zip(raw.split(), converted.split()) if a != b]
    if not pairs:
        return 0
    valid = sum(1 for _, b in pairs if _words_valid(b))
    needed = len(pairs) if strict or len(pairs) < 4 else -(-len(pairs) * 4 // 5)
    if valid < needed:
        return 0
    if not any(_raw_invalid(a) for a, _ in pairs):
        return 0
    return len(pairs)


def _latin1_candidates(s: str) -> list[tuple[int, str, str]]:
    found = []
    tables: tuple[tuple[str, frozenset[str], Callable[[str], str]], ...] = (
        ("tcvn3", _TCVN3_OK, tcvn3.tcvn3_to_unicode),
        ("vni", _VNI_OK, vni.vni_to_unicode),
    )
    for code, allowed, convert in tables:
        if all(c < "\x80" or c in allowed for c in s):
            converted = convert(s)
            score = _score(s, converted, strict=False)
            if score:
                found.append((score, code, converted))
    return found


@lru_cache(maxsize=65536)
def detect_legacy(s: str) -> tuple[str, str] | None:
    """('tcvn3' | 'vni' | 'viqr', converted Unicode text) when ``s`` is confidently mojibake.

    Confident means: every character belongs to the legacy layout (or ASCII); the converted
    words are well-formed Vietnamese syllables; and the text as read is not (it has
    characters such as '¶' or 'ø' inside words, or VIQR marks inside words). Normal Unicode
    Vietnamese (any letter beyond Latin-1, such as 'ư' or 'ạ') and plain ASCII without VIQR
    marks never match.

    Example:
        >>> detect_legacy("B¶o Th¾ng")
        ('tcvn3', 'Bảo Thắng')
        >>> detect_legacy("Nguyen Van An") is None
        True
    """
    if not s or any(c > "\xff" for c in s):
        return None
    if s.isascii():
        if not any(c in _VIQR_CHARS for c in s) or not _VIQR_EVIDENCE.search(s):
            return None
        converted = viqr.viqr_to_unicode(s)
        return ("viqr", converted) if _score(s, converted, strict=True) else None
    found = _latin1_candidates(s)
    if not found:
        return None
    _, code, converted = max(found)
    return code, converted
