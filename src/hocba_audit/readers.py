"""Read CSV and XLSX files into all-text frames that remember source row numbers.

Every cell is read as text (identifiers keep their leading zeros, nothing is inferred). Each
frame has a ``__row`` column: the 1-based row number a spreadsheet program shows for that row
(for CSV, the record number). XLSX goes through fastexcel (calamine); CSV through polars, with
a slow exact path (Python's csv module) when a file is ragged or oddly quoted.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from hocba_audit.errors import LoadError
from hocba_audit.normalize.detect_legacy import detect_legacy
from hocba_audit.normalize.syllables import is_syllable

ROW = "__row"


@dataclass
class RawSheet:
    file: str
    sheet: str
    frame: pl.DataFrame          # columns c0..cN (str) plus __row (int)
    encoding: str = ""
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2 (1-based)
    first_col: int = 1           # spreadsheet column number of frame column c0
    notes: list[tuple[str, str]] = field(default_factory=list)  # (code, Vietnamese message)

    @property
    def data_columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != ROW]


def column_letter(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


# ----------------------------------------------------------------------------- CSV

_COMBINING = re.compile("[\u0300-\u036f]")
_TONE_MARKS = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
#: Letters of the Vietnamese alphabet beyond ASCII, precomposed (NFC), both cases.
_VI_LETTERS = frozenset(
    unicodedata.normalize("NFC", base + mark) for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY" for mark in _TONE_MARKS
) - frozenset("aeiouyAEIOUY") | frozenset("đĐ")
#: Non-ASCII symbols met in ordinary school data. TCVN3 glyph slots (¡-®, µ-¾, ·, ×, ÷) are not
#: here on purpose: inside a word they are the signature of a font encoding.
_VI_SYMBOLS = frozenset("\xa0°±²³–—‘’‚“”„…•€‰₫")
_CONSONANTS = frozenset("bcdđfghjklmnpqrstvwxz")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
# A run of bytes between separators that holds at least one non-ASCII byte (8-bit text only).
_TOKEN8 = re.compile(rb"[^\s,;|\"'()\[\]<>=]*[\x80-\xff][^\s,;|\"'()\[\]<>=]*")
#: Bytes that Windows-1258 and Windows-1252 read differently (0xC3 Ă/Ã, 0xD0 Đ/Ð, 0xCC a
#: combining grave/Ì, ...): only tokens holding one of them tell the two apart.
_CP1258_ONLY = frozenset(b for b in range(0x80, 0x100)
                         if bytes([b]).decode("cp1258", "replace") != bytes([b]).decode("cp1252", "replace"))


def _reads_as_vietnamese(word: str) -> bool:
    """Whether ``word`` (NFC) is plausible Vietnamese: only Vietnamese letters and ordinary symbols
    beyond ASCII, no combining mark left over after composing, and every letter run with a
    non-ASCII letter a well-formed syllable or a consonant-only abbreviation (ĐĐG, CĐ, GD&ĐT)."""
    if "\ufffd" in word or _COMBINING.search(word):
        return False
    if any(c >= "\x80" and c not in _VI_LETTERS and c not in _VI_SYMBOLS for c in word):
        return False
    for run in _LETTER_RUN.findall(word):
        if run.isascii() or is_syllable(run) or set(run.lower()) <= _CONSONANTS:
            continue
        return False
    return True


@dataclass
class _Evidence:
    """Tokens of an 8-bit file by what they say about its encoding (first byte offsets).

    Only tokens holding a byte that Windows-1258 and Windows-1252 read differently decide
    between the two; tokens read the same both ways give the same text whatever is chosen.
    """

    cp1258: list[int] = field(default_factory=list)   # Vietnamese (or mojibake composed by 1258) only as 1258
    legacy: list[int] = field(default_factory=list)   # TCVN3/VNI mojibake as 1252, not Vietnamese as 1258
    both: list[int] = field(default_factory=list)     # Vietnamese as 1258 and TCVN3/VNI mojibake as 1252
    neither: list[int] = field(default_factory=list)  # neither of the above
    same_vi: int = 0                                   # read the same both ways: Vietnamese
    same_legacy: int = 0                               # read the same both ways: TCVN3/VNI mojibake


def _weigh_8bit(data: bytes) -> _Evidence:
    seen: dict[bytes, int] = {}
    for m in _TOKEN8.finditer(data):
        seen.setdefault(m.group(), m.start())
    ev = _Evidence()
    for token, at in seen.items():
        as1252 = token.decode("cp1252", errors="replace")
        legacy = detect_legacy(as1252) is not None
        if not any(b in _CP1258_ONLY for b in token):
            if legacy:
                ev.same_legacy += 1
            elif _reads_as_vietnamese(as1252):
                ev.same_vi += 1
            continue
        as1258 = unicodedata.normalize("NFC", token.decode("cp1258", errors="replace"))
        # A 1258 file may hold TCVN3/VNI mojibake typed into a Unicode program ('Vuõ' for 'Vũ',
        # written with a combining tilde): coherent as 1258, and flagged value by value later.
        vi = _reads_as_vietnamese(as1258) or detect_legacy(as1258) is not None
        (ev.both if vi and legacy else ev.legacy if legacy else ev.cp1258 if vi else ev.neither).append(at)
    return ev


def _choose_8bit(ev: _Evidence) -> tuple[bool, bool]:
    """(Windows-1258?, ambiguous?) for an 8-bit file.

    The side with more deciding tokens wins, Windows-1258 on a tie (school exports are
    Vietnamese). Ambiguous: the losing side (for 1258 also the tokens Vietnamese neither way)
    has at least a tenth of the winner's tokens — a TCVN3 file has a few words that happen to
    read as Vietnamese in 1258 too ('BÝch' -> 'BƯch'); or no token decides and some token
    reads differently. When no token reads differently the text is the same either way and the
    tokens read the same both ways only pick the name recorded.
    """
    n58, nleg = len(ev.cp1258), len(ev.legacy)
    if n58 or nleg:
        as1258 = n58 >= nleg
        win, lose = (n58, nleg + len(ev.neither)) if as1258 else (nleg, n58)
        return as1258, lose * 10 >= win
    if ev.both:
        return True, True
    if ev.neither:
        return False, True
    return ev.same_vi >= ev.same_legacy, False


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode_forced(data: bytes, file: str, encoding: str) -> tuple[str, str, list[tuple[str, str]]]:
    notes: list[tuple[str, str]] = []
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError as exc:
        raise LoadError("unknown_encoding", f"Tệp '{file}': không có bảng mã '{encoding}'.", file=file) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    if encoding.replace("_", "").replace("-", "").lower() == "cp1258":
        text = unicodedata.normalize("NFC", text)
    bad = text.count("\ufffd")
    if bad:
        notes.append(("encoding_invalid_bytes", f"Tệp '{file}' được khai báo bảng mã {encoding} nhưng có {bad} byte "
                      f"không hợp lệ trong bảng mã này; các byte đó được thay bằng '\ufffd'."))
    return text, encoding, notes


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes show the NUL pattern of UTF-16 text without a BOM."""
    head = data[:65536]
    if len(head) < 4 or len(data) % 2 or b"\x00" not in head:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    if odd >= half * 0.3 and even <= half * 0.02:
        return "utf-16-le"
    if even >= half * 0.3 and odd <= half * 0.02:
        return "utf-16-be"
    return None


def decode_csv_bytes(data: bytes, file: str,
                     encoding: str | None = None) -> tuple[str, str, list[tuple[str, str]]]:
    """Decode CSV bytes; return the text, the encoding chosen (recorded in the manifest; a trailing
    '?' marks a guess) and notes (code, Vietnamese message) that the loader reports as warnings.

    ``encoding`` forces a codec (a per-file override). Otherwise: a BOM decides (UTF-8, UTF-16);
    valid UTF-8 is UTF-8; UTF-16 without a BOM is recognised by its NUL bytes. Other bytes are
    8-bit text, and every token holding a non-ASCII byte is weighed: Vietnamese as Windows-1258
    (letters of the Vietnamese alphabet, syllables well formed, tone marks all composed) or
    TCVN3/VNI mojibake as Windows-1252 (``detect_legacy``). The side with more tokens wins,
    Windows-1258 on a tie (school exports are Vietnamese). Windows-1258 text is composed to NFC;
    Windows-1252 text stays as read so that its mojibake is flagged value by value later. When
    the tokens disagree, or none tells the two apart, an ``encoding_ambiguous`` note says so.
    """
    notes: list[tuple[str, str]] = []
    if encoding:
        return _decode_forced(data, file, encoding)
    bom = next(((b, c) for b, c in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
                if data.startswith(b)), None)
    if bom:
        codec = "utf-8" if bom[1] == "utf-8-sig" else "utf-16"
        payload = data[3:] if bom[1] == "utf-8-sig" else data
        try:
            return payload.decode(codec), bom[1], notes
        except UnicodeDecodeError as exc:
            notes.append(("encoding_invalid_bytes", f"Tệp '{file}' mở đầu bằng dấu BOM của {bom[1].upper()} nhưng có "
                          f"byte không hợp lệ (vị trí {exc.start}, dòng {_line_of(data, exc.start)}); các byte đó được "
                          "thay bằng '\ufffd'. Hãy xuất lại tệp."))
            return payload.decode(codec, errors="replace"), bom[1], notes
    utf16 = _utf16_without_bom(data)
    if utf16:
        text = data.decode(utf16, errors="replace")
        if "\ufffd" not in text:
            return text, utf16, notes
    try:
        return data.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    ev = _weigh_8bit(data)
    as1258, ambiguous = _choose_8bit(ev)
    chosen = "cp1258" if as1258 else "cp1252"
    if as1258:
        notes.append(("encoding_cp1258", f"Tệp '{file}' không phải UTF-8 mà là Windows-1258 (byte lỗi ở vị trí "
                      f"{bad_at}); đã chuyển sang Unicode dựng sẵn (NFC). Hãy xuất lại tệp ở UTF-8."))
        text = unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))
    else:
        notes.append(("encoding_legacy_8bit", f"Tệp '{file}' không phải UTF-8 (byte lỗi ở vị trí {bad_at}) và không "
                      "giống Windows-1258: có thể là bảng mã TCVN3/VNI; giá trị lỗi phông sẽ được đánh dấu từng ô."))
        text = data.decode("cp1252", errors="replace")
    if ambiguous:
        notes.append(("encoding_ambiguous", _ambiguity_message(data, file, ev, chosen)))
    # 'cp1252?' as before: such a file is in some other 8-bit encoding, read as Windows-1252.
    return text, chosen + ("?" if ambiguous or not as1258 else ""), notes


def _ambiguity_message(data: bytes, file: str, ev: _Evidence, chosen: str) -> str:
    def where(offsets: list[int]) -> str:
        return f"{len(offsets)} từ, đầu tiên ở dòng {_line_of(data, min(offsets))}"

    parts = []
    if ev.cp1258:
        parts.append(f"đọc được như tiếng Việt theo Windows-1258 ({where(ev.cp1258)})")
    if ev.legacy:
        parts.append(f"giống chữ gõ bằng phông TCVN3/VNI ({where(ev.legacy)})")
    if ev.both:
        parts.append(f"hợp lý theo cả hai cách đọc ({where(ev.both)})")
    if ev.neither:
        parts.append(f"không giống tiếng Việt theo cả hai cách đọc ({where(ev.neither)})")
    if not parts:
        parts.append("không có từ nào phân biệt được Windows-1258 với bảng mã khác")
    name = {"cp1258": "Windows-1258", "cp1252": "Windows-1252 (TCVN3/VNI nếu có sẽ được đánh dấu từng ô)"}[chosen]
    return (f"Tệp '{file}': không xác định chắc chắn được bảng mã — " + "; ".join(parts) + f". Đã đọc theo {name}; "
            "hãy kiểm tra các chữ có dấu trong dữ liệu đã nạp và xuất lại tệp ở UTF-8.")


def _sniff_delimiter(text: str, preferred: str | None) -> str:
    if preferred:
        return preferred
    head = text[:65536]
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: head.count(d) for d in ",;\t"}
        return max(counts, key=counts.get)


def _frame_from_rows(rows: list[list[str]]) -> pl.DataFrame:
    width = max((len(r) for r in rows), default=0)
    cols = {f"c{j}": [r[j] if j < len(r) else None for r in rows] for j in range(width)}
    df = pl.DataFrame(cols, schema={k: pl.String for k in cols})
    return df.with_columns(pl.Series(ROW, range(1, len(rows) + 1), dtype=pl.Int64))


def read_csv(data: bytes, file: str, delimiter: str | None = None, encoding: str | None = None) -> RawSheet:
    """One CSV file as an all-text frame; ``encoding`` forces a codec instead of detecting it."""
    if not data:
        raise LoadError("empty_file", f"Tệp '{file}' rỗng (0 byte).", file=file)
    text, encoding, notes = decode_csv_bytes(data, file, encoding)
    if not text.strip():
        raise LoadError("empty_file", f"Tệp '{file}' không có dữ liệu.", file=file)
    sep = _sniff_delimiter(text, delimiter)
    try:
        df = pl.read_csv(io.BytesIO(text.encode("utf-8")), has_header=False, infer_schema=False,
                         separator=sep, quote_char='"',
                         raise_if_empty=False)
        df = df.rename({c: f"c{j}" for j, c in enumerate(df.columns)})
        df = df.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
        df = df.select([c for c in df.columns if c != ROW] + [ROW])
        # polars counts records; a quoted newline would make records != lines: that is fine, we
        # report record numbers. Cross-check the count against the csv module on small files.
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
        rows = list(csv.reader(io.StringIO(text), delimiter=sep))
        df = _frame_from_rows(rows)
    return RawSheet(file=file, sheet="", frame=df, encoding=encoding, notes=notes)


# ----------------------------------------------------------------------------- XLSX

_ROW_RE = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"[^>]*>(.*?)</(?:\w+:)?row>', re.S)
_CELL_RE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _sheet_paths(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> part name inside the package."""
    wb = z.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    rel_target = dict(re.findall(r'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    rel_target.update({a: b for b, a in re.findall(r'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    out = {}
    for m in re.finditer(r'<(?:\w+:)?sheet\b([^>]*)/?>', wb):
        attrs = m.group(1)
        name = re.search(r'\bname="([^"]*)"', attrs)
        rid = re.search(r'\br:id="([^"]*)"', attrs) or re.search(r'\bid="([^"]*)"', attrs)
        if name and rid and rid.group(1) in rel_target:
            target = rel_target[rid.group(1)].lstrip("/")
            if not target.startswith("xl/"):
                target = "xl/" + target
            import html
            out[html.unescape(name.group(1))] = target
    return out


def _sheet_layout(z: zipfile.ZipFile, part: str) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """First row and column holding a value, and merged ranges, of one worksheet part."""
    first_row, first_col = 0, 0
    merged: list[tuple[int, int, int, int]] = []
    tail = b""
    with z.open(part) as fh:
        scanned_rows = 0
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            buf = tail + chunk
            if scanned_rows < 60:
                for rm in _ROW_RE.finditer(buf):
                    for cm in _CELL_RE.finditer(rm.group(2)):
                        body = cm.group(3) or b""
                        if b"<v" in body or b"<is" in body or b"<t" in body:
                            r, c = int(cm.group(2)), _col_number(cm.group(1))
                            first_row = r if not first_row else min(first_row, r)
                            first_col = c if not first_col else min(first_col, c)
                    scanned_rows += 1
                    if scanned_rows >= 60:
                        break
            for mm in (_MERGE_RE.finditer(buf) if b"mergeCell" in buf else ()):
                merged.append((int(mm.group(2)), _col_number(mm.group(1)),
                               int(mm.group(4)), _col_number(mm.group(3))))
            tail = buf[-4096:]
    merged = sorted(set(merged))
    return first_row or 1, first_col or 1, merged


def read_xlsx(data: bytes | Path, file: str, sheets: list[str] | None = None) -> list[RawSheet]:
    """Read every (or the named) worksheet of an XLSX workbook as all-text frames."""
    import fastexcel

    raw = data.read_bytes() if isinstance(data, Path) else data
    if not raw:
        raise LoadError("empty_file", f"Tệp '{file}' rỗng (0 byte).", file=file)
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
        parts = _sheet_paths(z)
    except (zipfile.BadZipFile, KeyError, EOFError) as exc:
        raise LoadError("unreadable_xlsx", f"Tệp '{file}' không mở được như một sổ Excel (.xlsx): tệp bị hỏng, "
                        f"bị cắt cụt hoặc không phải .xlsx ({type(exc).__name__}: {exc}).", file=file) from exc
    try:
        reader = fastexcel.read_excel(raw)
    except Exception as exc:  # fastexcel raises its own hierarchy
        raise LoadError("unreadable_xlsx", f"Tệp '{file}' không đọc được: {exc}", file=file) from exc
    out = []
    for name in reader.sheet_names:
        if sheets is not None and name not in sheets:
            continue
        try:
            sheet = reader.load_sheet(name, header_row=None, dtypes="string")
            df = sheet.to_polars()
            first_row, first_col, merged = _sheet_layout(z, parts[name]) if name in parts else (1, 1, [])
        except KeyError as exc:
            raise LoadError("unreadable_xlsx", f"Tệp '{file}', trang '{name}': thiếu phần {exc} trong gói .xlsx.",
                            file=file, sheet=name) from exc
        except Exception as exc:
            raise LoadError("unreadable_sheet", f"Tệp '{file}', trang '{name}' không đọc được: {exc}",
                            file=file, sheet=name) from exc
        df = df.rename({c: f"c{j}" for j, c in enumerate(df.columns)})
        df = df.with_columns(pl.Series(ROW, range(first_row, first_row + df.height), dtype=pl.Int64))
        out.append(RawSheet(file=file, sheet=name, frame=df, encoding="xlsx", merged=merged, first_col=first_col))
    return out
