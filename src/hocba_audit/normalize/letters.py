"""Vietnamese letters as (base, shape, tone) parts: the model shared by the legacy encoders."""

from __future__ import annotations

import unicodedata

#: Tone marks in the order most legacy tables list them: huyền, hỏi, ngã, sắc, nặng.
TONES: tuple[str, ...] = ("grave", "hook", "tilde", "acute", "dot")
TONE_MARK: dict[str, str] = {
    "grave": "\u0300",
    "hook": "\u0309",
    "tilde": "\u0303",
    "acute": "\u0301",
    "dot": "\u0323",
}
#: Shapes a base vowel can carry: ă (breve), â ê ô (circumflex), ơ ư (horn).
SHAPE_MARK: dict[str, str] = {"breve": "\u0306", "circumflex": "\u0302", "horn": "\u031b"}
_MARK_TONE = {v: k for k, v in TONE_MARK.items()}
_MARK_SHAPE = {v: k for k, v in SHAPE_MARK.items()}

#: The twelve vowel letters (shape included), lower case.
VOWELS: tuple[str, ...] = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
#: Shaped vowel letter -> (ASCII base, shape).
SHAPED: dict[str, tuple[str, str]] = {
    "ă": ("a", "breve"),
    "â": ("a", "circumflex"),
    "ê": ("e", "circumflex"),
    "ô": ("o", "circumflex"),
    "ơ": ("o", "horn"),
    "ư": ("u", "horn"),
}
UNSHAPED: dict[tuple[str, str], str] = {v: k for k, v in SHAPED.items()}


def with_tone(vowel: str, tone: str | None) -> str:
    """The precomposed letter for a (shaped) vowel of either case plus a tone name or None."""
    if not tone:
        return vowel
    return unicodedata.normalize("NFC", vowel + TONE_MARK[tone])


def _split(ch: str) -> tuple[str, str | None]:
    decomposed = unicodedata.normalize("NFD", ch)
    tone = None
    rest = []
    for c in decomposed:
        if c in _MARK_TONE:
            tone = _MARK_TONE[c]
        else:
            rest.append(c)
    return unicodedata.normalize("NFC", "".join(rest)), tone


def _build_split_table() -> dict[str, tuple[str, str | None]]:
    table: dict[str, tuple[str, str | None]] = {}
    for v in VOWELS:
        for base in (v, v.upper()):
            for tone in TONES:
                table[with_tone(base, tone)] = (base, tone)
    return table


#: Every toned vowel letter (both cases) -> (vowel with its shape, tone name).
SPLIT_TONE: dict[str, tuple[str, str | None]] = _build_split_table()


def split_tone(ch: str) -> tuple[str, str | None]:
    """A letter without its tone and the tone name (None when there is none)."""
    hit = SPLIT_TONE.get(ch)
    if hit is not None:
        return hit
    if len(ch) == 1 and ord(ch) < 0x300:
        return ch, None
    return _split(ch)


def letter_parts(ch: str) -> tuple[str, str | None, str | None] | None:
    """(ASCII base, shape, tone) of a Vietnamese letter, case kept; None for other characters.

    'đ'/'Đ' come back as ('đ', None, None)/('Đ', None, None).
    """
    if ch in "đĐ":
        return ch, None, None
    vowel, tone = split_tone(ch)
    low = vowel.lower()
    if low in SHAPED:
        base, shape = SHAPED[low]
        return (base.upper() if vowel.isupper() else base), shape, tone
    if len(vowel) == 1 and vowel.isascii() and vowel.isalpha():
        return vowel, None, tone
    return None


def compose(base: str, shape: str | None, tone: str | None) -> str:
    """The NFC letter for an ASCII base (either case), a shape name and a tone name."""
    letter = base
    if shape:
        shaped = UNSHAPED[(base.lower(), shape)]
        letter = shaped.upper() if base.isupper() else shaped
    return with_tone(letter, tone)
