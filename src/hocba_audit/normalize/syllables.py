"""Structure of a written Vietnamese syllable: onset, vowel cluster and coda (tone ignored)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from hocba_audit.normalize.letters import split_tone

_ONSET = r"(?P<onset>ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdđghklmnprstvx])?"
# Vowel clusters, longest first. Clusters ending in a glide (i/y/o/u) take no coda; some
# need one (ă, â, iê, yê, uô, ươ, uyê, oo, oă, uâ).
_OPEN_ONLY = (
    "oai oay oao oeo uây uôi uya uyu ươi ươu yêu iêu "
    "ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu uơ"
).split()
_NEEDS_CODA = "uyê iê yê uô ươ oo oă uâ ă â".split()
_EITHER = "oa oe uê uy a e ê i o ô ơ u ư y".split()
_CLUSTERS = sorted(_OPEN_ONLY + _NEEDS_CODA + _EITHER, key=len, reverse=True)
_PATTERN = re.compile(
    _ONSET + "(?P<nucleus>" + "|".join(_CLUSTERS) + ")(?P<coda>ch|nh|ng|[cmnpt])?"
)
_OPEN_SET = frozenset(_OPEN_ONLY)
_CODA_SET = frozenset(_NEEDS_CODA)
_STOPS = frozenset({"c", "ch", "p", "t"})


class Syllable(NamedTuple):
    onset: str
    nucleus: str
    coda: str
    tone: str | None
    start: int  # index of the nucleus in the word


def _toneless(word: str) -> tuple[str, list[str | None]]:
    letters, tones = [], []
    for ch in word:
        base, tone = split_tone(ch)
        letters.append(base.lower())
        tones.append(tone)
    return "".join(letters), tones


@lru_cache(maxsize=65536)
def parse_syllable(word: str) -> Syllable | None:
    """The parts of one NFC word if it is a well-formed Vietnamese syllable, else None.

    Checks the letters only (no dictionary): onset, vowel cluster, coda, at most one tone
    mark, and a stop coda (-c, -ch, -p, -t) only with sắc or nặng.
    """
    if not word or len(word) > 8:
        return None
    plain, tones = _toneless(word)
    marks = [t for t in tones if t]
    if len(marks) > 1:
        return None
    tone = marks[0] if marks else None
    for m in _candidates(plain):
        nucleus, coda = m.group("nucleus"), m.group("coda") or ""
        if nucleus in _OPEN_SET and coda:
            continue
        if nucleus in _CODA_SET and not coda:
            continue
        if coda in _STOPS and tone not in (None, "acute", "dot"):
            continue
        return Syllable(m.group("onset") or "", nucleus, coda, tone, m.start("nucleus"))
    return None


def _candidates(plain: str) -> list[re.Match[str]]:
    # 'gi' and 'qu' are onsets only when a vowel follows: try the greedy parse, then 'g'/'q'.
    out = []
    m = _PATTERN.fullmatch(plain)
    if m:
        out.append(m)
    if plain.startswith("gi") and len(plain) > 2:
        m2 = re.fullmatch(
            "(?P<onset>g)(?P<nucleus>" + "|".join(_CLUSTERS) + ")(?P<coda>ch|nh|ng|[cmnpt])?",
            plain,
        )
        if m2:
            out.append(m2)
    return out


def is_syllable(word: str) -> bool:
    """True when ``word`` is a well-formed Vietnamese syllable (see ``parse_syllable``)."""
    return parse_syllable(word) is not None


def tone_position(syl: Syllable, new_style: bool = True) -> int:
    """Index, within the nucleus, of the vowel that carries the tone mark.

    The rule: a shaped vowel (ă â ê ô ơ ư) takes it (the last one, as in 'ươ'); else with a
    coda the last vowel; else the middle of three vowels; for open 'oa', 'oe', 'uy' the
    second vowel in the new style ('hoà', 'khoẻ', 'thuý'), the first in the old style; else
    the first vowel.
    """
    nucleus = syl.nucleus
    shaped = [i for i, c in enumerate(nucleus) if c in "ăâêôơư"]
    if shaped:
        return shaped[-1]
    if len(nucleus) == 1:
        return 0
    if syl.coda:
        return len(nucleus) - 1
    if len(nucleus) == 3:
        return 1
    if nucleus in ("oa", "oe", "uy"):
        return 1 if new_style else 0
    return 0
