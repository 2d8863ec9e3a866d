"""TCVN3 (TCVN 5712:1993 VN3, the 'ABC' .VnTime fonts) read as Latin-1 text, and back."""

from __future__ import annotations

import re
from functools import lru_cache

from hocba_audit.normalize.letters import TONES, compose, letter_parts, with_tone

# Byte values of the toned lower-case letters, per vowel, in the order of letters.TONES
# (huyền, hỏi, ngã, sắc, nặng). Bytes 0xBA, 0xBF-0xC5, 0xCD, 0xD9-0xDB, 0xE0 and 0xF0 are
# unused by the layout. A file in these fonts decoded as Windows-1252 or Latin-1 shows the
# same characters, because every byte used is >= 0xA1.
_TONED: dict[str, str] = {
    "a": "\xb5\xb6\xb7\xb8\xb9",  # à ả ã á ạ  ->  µ ¶ · ¸ ¹
    "ă": "\xbb\xbc\xbd\xbe\xc6",  # ằ ẳ ẵ ắ ặ  ->  » ¼ ½ ¾ Æ
    "â": "\xc7\xc8\xc9\xca\xcb",  # ầ ẩ ẫ ấ ậ  ->  Ç È É Ê Ë
    "e": "\xcc\xce\xcf\xd0\xd1",  # è ẻ ẽ é ẹ  ->  Ì Î Ï Ð Ñ
    "ê": "\xd2\xd3\xd4\xd5\xd6",  # ề ể ễ ế ệ  ->  Ò Ó Ô Õ Ö
    "i": "\xd7\xd8\xdc\xdd\xde",  # ì ỉ ĩ í ị  ->  × Ø Ü Ý Þ
    "o": "\xdf\xe1\xe2\xe3\xe4",  # ò ỏ õ ó ọ  ->  ß á â ã ä
    "ô": "\xe5\xe6\xe7\xe8\xe9",  # ồ ổ ỗ ố ộ  ->  å æ ç è é
    "ơ": "\xea\xeb\xec\xed\xee",  # ờ ở ỡ ớ ợ  ->  ê ë ì í î
    "u": "\xef\xf1\xf2\xf3\xf4",  # ù ủ ũ ú ụ  ->  ï ñ ò ó ô
    "ư": "\xf5\xf6\xf7\xf8\xf9",  # ừ ử ữ ứ ự  ->  õ ö ÷ ø ù
    "y": "\xfa\xfb\xfc\xfd\xfe",  # ỳ ỷ ỹ ý ỵ  ->  ú û ü ý þ
}
# Untoned shaped letters. Lower case: ă â ê ô ơ ư đ; upper case: Ă Â Ê Ô Ơ Ư Đ. U+00AD (ư)
# is a soft hyphen, invisible in most viewers and often dropped when text is copied.
_PLAIN = dict(zip("ăâêôơưđ", "\xa8\xa9\xaa\xab\xac\xad\xae"))
_PLAIN.update(zip("ĂÂÊÔƠƯĐ", "\xa1\xa2\xa3\xa4\xa5\xa6\xa7"))

#: TCVN3 character -> Unicode letter (lower case for toned letters: see module notes).
DECODE: dict[str, str] = {v: k for k, v in _PLAIN.items()}
for _vowel, _codes in _TONED.items():
    for _tone, _code in zip(TONES, _codes):
        DECODE[_code] = with_tone(_vowel, _tone)

#: Characters the layout defines (the Latin-1 range it occupies).
CODE_POINTS: frozenset[str] = frozenset(DECODE)

_ENCODE_LOWER: dict[str, str] = {v: k for k, v in DECODE.items()}

# An 'ơ' before -ng, -c or -u is always part of 'ươ' in Vietnamese ('ơng', 'ơc', 'ơu' do not
# exist): restores the 'ư' when the invisible soft hyphen was lost (domain.md §7.1 prints
# 'Mêng Kh¬ng' for 'Mường Khương' without it).
_LOST_U_HORN = re.compile(r"(?<![ưƯuU])([ơờởỡớợƠỜỞỠỚỢ])(ng|c|u)(?![a-zA-Z])", re.IGNORECASE)


def _restore_u_horn(m: re.Match[str]) -> str:
    horn = "Ư" if m.group(1).isupper() else "ư"
    return horn + m.group(1) + m.group(2)


@lru_cache(maxsize=8192)
def tcvn3_to_unicode(text: str) -> str:
    """Unicode (NFC) text for TCVN3 text that was read as Latin-1/Windows-1252.

    Upper-case toned letters were typed in a separate font (.VnTimeH) that reuses the
    lower-case code points, so they come back in lower case: 'NGUYÔN' -> 'NGUYễN'. Capitals
    cannot be recovered from the text alone.

    Example:
        >>> tcvn3_to_unicode("B¶o Th¾ng")
        'Bảo Thắng'
    """
    out = "".join(DECODE.get(c, c) for c in text)
    return _LOST_U_HORN.sub(_restore_u_horn, out)


@lru_cache(maxsize=8192)
def unicode_to_tcvn3(text: str) -> str:
    """The Latin-1 text a TCVN3 file shows when read as Windows-1252 (for generating samples).

    Capital toned letters have no code point of their own in the .VnTime font; they are
    written with the lower-case code, as the .VnTimeH font would store them.
    """
    out = []
    for ch in text:
        code = _ENCODE_LOWER.get(ch)
        if code is None:
            parts = letter_parts(ch)
            if parts is not None and ch.isupper():
                base, shape, tone = parts
                code = _ENCODE_LOWER.get(compose(base.lower(), shape, tone))
        out.append(code if code is not None else ch)
    return "".join(out)
