"""Clean free text (NFC, spaces) and flag legacy-encoding mojibake: the 'text' and 'name' kinds."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from hocba_audit.normalize.detect_legacy import detect_legacy
from hocba_audit.normalize.result import BLANK, Note, Result

# Zero-width characters are removed (they have no width, so the text shows no space there);
# every other space-like character becomes an ordinary space.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_ODD_SPACE = re.compile(r"[^\S ]|[\u00a0\u2007\u202f]|  ")

_ENCODING_NAMES = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI-Windows", "viqr": "VIQR"}


def squeeze(s: str) -> str:
    """NFC text with zero-width characters removed, space runs collapsed, trimmed."""
    text = unicodedata.normalize("NFC", s)
    if "\u200b" <= max(text, default=" "):
        text = _ZERO_WIDTH.sub("", text)
    return _SPACES.sub(" ", text).strip()


def mojibake_note(text: str) -> Note | None:
    """A 'mojibake_<encoding>' note with the converted text as suggestion, or None."""
    hit = detect_legacy(text)
    if hit is None:
        return None
    encoding, converted = hit
    return Note(
        f"mojibake_{encoding}",
        f"'{text}' có vẻ là chữ gõ bằng bảng mã {_ENCODING_NAMES[encoding]} bị đọc nhầm thành "
        f"Unicode; giá trị được giữ nguyên như đã đọc, đề xuất sửa thành '{converted}'.",
        converted,
    )


@lru_cache(maxsize=65536)
def clean_text(raw: str) -> Result:
    """The 'text' kind: NFC, odd spaces folded, trimmed (trailing dots kept), mojibake flagged."""
    nfc = unicodedata.normalize("NFC", raw)
    value = squeeze(nfc)
    if not value:
        return BLANK
    notes: list[Note] = []
    if nfc != raw:
        notes.append(
            Note(
                "nfd_normalized",
                f"'{value}' được lưu ở dạng Unicode tổ hợp (NFD); đã chuyển sang dạng dựng sẵn "
                "(NFC).",
            )
        )
    if _ODD_SPACE.search(nfc.strip()) or _ZERO_WIDTH.search(nfc):
        notes.append(
            Note(
                "whitespace_cleaned",
                f"'{value}' chứa khoảng trắng lạ (khoảng trắng không ngắt, tab, ký tự độ rộng 0 "
                "hoặc nhiều dấu cách liền nhau); đã chuẩn hoá thành một dấu cách.",
            )
        )
    note = mojibake_note(value)
    if note is not None:
        notes.append(note)
    return Result(value, tuple(notes))
