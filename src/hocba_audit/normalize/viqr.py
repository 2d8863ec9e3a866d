"""VIQR (RFC 1456: Vietnamese in ASCII, e.g. 'Vie^.t Nam'), to Unicode and back."""

from __future__ import annotations

from functools import lru_cache

from hocba_audit.normalize.letters import compose, letter_parts

#: VIQR mark characters after a vowel: shapes, then tones.
SHAPES: dict[str, str] = {"(": "breve", "^": "circumflex", "+": "horn"}
TONES: dict[str, str] = {"'": "acute", "`": "grave", "?": "hook", "~": "tilde", ".": "dot"}
_SHAPE_CHAR = {v: k for k, v in SHAPES.items()}
_TONE_CHAR = {v: k for k, v in TONES.items()}
_SHAPE_OK = {"breve": "a", "circumflex": "aeo", "horn": "ou"}
_VOWELS = "aeiouyAEIOUY"
MARKS = frozenset(SHAPES) | frozenset(TONES)


@lru_cache(maxsize=8192)
def viqr_to_unicode(text: str) -> str:
    """Unicode (NFC) text for VIQR text. A backslash keeps the next character literal.

    Example:
        >>> viqr_to_unicode("Vie^.t Nam")
        'Việt Nam'
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and (text[i + 1] in MARKS or text[i + 1] in "dD\\"):
            out.append(text[i + 1])
            i += 2
            continue
        if c in "dD" and i + 1 < n and text[i + 1] in "dD":
            out.append("Đ" if c == "D" else "đ")
            i += 2
            continue
        if c in _VOWELS:
            shape = tone = None
            j = i + 1
            # shape then tone is the standard order; tone then shape is accepted too
            for _ in range(2):
                m = text[j] if j < n else ""
                if shape is None and m in SHAPES and c.lower() in _SHAPE_OK[SHAPES[m]]:
                    shape = SHAPES[m]
                elif tone is None and m in TONES:
                    tone = TONES[m]
                else:
                    break
                j += 1
            out.append(compose(c, shape, tone))
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


@lru_cache(maxsize=8192)
def unicode_to_viqr(text: str) -> str:
    """VIQR text for Unicode text; literal mark characters after a vowel are escaped."""
    out: list[str] = []
    prev_open = False  # the previous output ends in something a mark would attach to
    for ch in text:
        if ch in "đĐ":
            out.append("DD" if ch == "Đ" else "dd")
            prev_open = False
            continue
        if prev_open and (ch in MARKS or ch in "dD"):
            out.append("\\")
        parts = letter_parts(ch)
        if parts is None:
            out.append(ch)
            prev_open = False
            continue
        base, shape, tone = parts
        marks = (_SHAPE_CHAR[shape] if shape else "") + (_TONE_CHAR[tone] if tone else "")
        out.append(base + marks)
        prev_open = base in _VOWELS or base in "dD"
    return "".join(out)
