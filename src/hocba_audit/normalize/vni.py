"""VNI-Windows (VNI-Times fonts) read as Latin-1 text, and back."""

from __future__ import annotations

from functools import lru_cache

from hocba_audit.normalize.letters import TONES, compose, letter_parts

# VNI writes a vowel as an ASCII base letter followed by one mark byte that carries the shape
# and/or the tone. The mark's case follows the base letter's case. Orders follow letters.TONES
# (huyền, hỏi, ngã, sắc, nặng); the first entry of a shape series is the untoned shape.
_TONE = {"lower": "\xf8\xfb\xf5\xf9\xef", "upper": "\xd8\xdb\xd5\xd9\xcf"}  # ø û õ ù ï
# â à å ã á ä
_CIRCUMFLEX = {"lower": "\xe2\xe0\xe5\xe3\xe1\xe4", "upper": "\xc2\xc0\xc5\xc3\xc1\xc4"}
_BREVE = {"lower": "\xea\xe8\xfa\xfc\xe9\xeb", "upper": "\xca\xc8\xda\xdc\xc9\xcb"}  # ê è ú ü é ë
# Single bytes: ơ ư đ, the toned i (í ì ỉ ĩ ị) and ỵ.
_HORN_O = {"lower": "\xf4", "upper": "\xd4"}  # ô
_HORN_U = {"lower": "\xf6", "upper": "\xd6"}  # ö
_D_STROKE = {"lower": "\xf1", "upper": "\xd1"}  # ñ
_I_TONED = {"lower": "\xec\xe6\xf3\xed\xf2", "upper": "\xcc\xc6\xd3\xcd\xd2"}  # ì æ ó í ò
_Y_DOT = {"lower": "\xee", "upper": "\xce"}  # î

_TONE_NAMES: tuple[str | None, ...] = (None, *TONES)


def _case(ch: str) -> str:
    return "upper" if ch.isupper() else "lower"


def _build() -> tuple[dict[tuple[str, str], tuple[str | None, str | None]], dict[str, str]]:
    pairs: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    single: dict[str, str] = {}
    for case in ("lower", "upper"):
        for mark, tone in zip(_TONE[case], TONES):
            for base in "aeouy":
                pairs[(base, mark)] = (None, tone)
            pairs[("ơ", mark)] = ("horn", tone)
            pairs[("ư", mark)] = ("horn", tone)
        for mark, tone in zip(_CIRCUMFLEX[case], _TONE_NAMES):
            for base in "aeo":
                pairs[(base, mark)] = ("circumflex", tone)
        for mark, tone in zip(_BREVE[case], _TONE_NAMES):
            pairs[("a", mark)] = ("breve", tone)
    for case in ("lower", "upper"):
        up = case == "upper"
        single[_HORN_O[case]] = "Ơ" if up else "ơ"
        single[_HORN_U[case]] = "Ư" if up else "ư"
        single[_D_STROKE[case]] = "Đ" if up else "đ"
        single[_Y_DOT[case]] = compose("Y" if up else "y", None, "dot")
        for mark, tone in zip(_I_TONED[case], TONES):
            single[mark] = compose("I" if up else "i", None, tone)
    return pairs, single


_PAIRS, _SINGLE = _build()
#: Characters with a meaning of their own in VNI (marks and single-byte letters).
CODE_POINTS: frozenset[str] = frozenset({m for _, m in _PAIRS} | set(_SINGLE))
_HORN_BASE = {
    _HORN_O["lower"]: "o", _HORN_O["upper"]: "O", _HORN_U["lower"]: "u", _HORN_U["upper"]: "U"
}


@lru_cache(maxsize=8192)
def vni_to_unicode(text: str) -> str:
    """Unicode (NFC) text for VNI-Windows text that was read as Latin-1/Windows-1252.

    Example:
        >>> vni_to_unicode("Xin chaøo caùc baïn")
        'Xin chào các bạn'
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        base = _HORN_BASE.get(c, c)
        key = ("ơ" if base in "oO" else "ư") if c in _HORN_BASE else base.lower()
        hit = _PAIRS.get((key, nxt)) if nxt else None
        if hit is not None and (base.isascii() and base.isalpha()):
            shape, tone = hit
            out.append(compose(base, shape, tone))
            i += 2
            continue
        out.append(_SINGLE.get(c, c))
        i += 1
    return "".join(out)


def _encode_letter(ch: str) -> str:
    if ch in "đĐ":
        return _D_STROKE[_case(ch)]
    parts = letter_parts(ch)
    if parts is None or ch.isascii():
        return ch
    base, shape, tone = parts
    case = _case(base)
    if base in "iI":
        return _I_TONED[case][TONES.index(tone)] if tone else base
    if base in "yY" and tone == "dot":
        return _Y_DOT[case]
    tone_i = TONES.index(tone) if tone else -1
    if shape == "horn":
        head = (_HORN_O if base in "oO" else _HORN_U)[case]
        return head + (_TONE[case][tone_i] if tone else "")
    if shape == "circumflex":
        return base + _CIRCUMFLEX[case][tone_i + 1]
    if shape == "breve":
        return base + _BREVE[case][tone_i + 1]
    return base + (_TONE[case][tone_i] if tone else "")


@lru_cache(maxsize=8192)
def unicode_to_vni(text: str) -> str:
    """The Latin-1 text a VNI-Windows file shows when read as Windows-1252 (for samples)."""
    return "".join(_encode_letter(c) for c in text)
