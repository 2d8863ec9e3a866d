"""Put every tone mark in one canonical place ('hòa' and 'hoà' become the same text)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from hocba_audit.normalize.letters import split_tone, with_tone
from hocba_audit.normalize.syllables import parse_syllable, tone_position

_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=65536)
def _canonical_word(word: str) -> str:
    syl = parse_syllable(word)
    if syl is None or syl.tone is None:
        return word
    target = syl.start + tone_position(syl, new_style=True)
    letters = [split_tone(c)[0] for c in word]
    letters[target] = with_tone(letters[target], syl.tone)
    return "".join(letters)


@lru_cache(maxsize=65536)
def canonical_tone(s: str) -> str:
    """NFC text with each syllable's tone mark on its canonical vowel (the 'new' style).

    The new style puts the tone of open 'oa', 'oe', 'uy' on the second vowel ('hoà',
    'khoẻ', 'thuý'); every other syllable follows the common rule (see
    ``syllables.tone_position``). Words that are not Vietnamese syllables are left alone.
    Case is kept letter by letter.

    Example:
        >>> canonical_tone("Hòa Thủy") == canonical_tone("Hoà Thuỷ")
        True
    """
    text = unicodedata.normalize("NFC", s)
    return _WORD.sub(lambda m: _canonical_word(m.group(0)), text)
