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

_COMBINING = re.compile("[\u0300-\u0323]")


def decode_csv_bytes(data: bytes, file: str) -> tuple[str, str, list[tuple[str, str]]]:
    """Decode CSV bytes: UTF-8 (with or without BOM), else Windows-1258, else a legacy 8-bit
    font encoding read as Windows-1252 (its mojibake is flagged value by value later)."""
    notes: list[tuple[str, str]] = []
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig", notes
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", notes
    try:
        return data.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    text = data.decode("cp1258", errors="replace")
    # Windows-1258 writes tone marks as combining characters after vowels: once composed (NFC)
    # none may be left over. TCVN3/VNI bytes read as 1258 leave marks after consonants.
    if _COMBINING.search(text) and not _COMBINING.search(unicodedata.normalize("NFC", text)):
        notes.append(("encoding_cp1258", f"Tệp '{file}' không phải UTF-8 mà là Windows-1258 (byte lỗi ở vị trí "
                      f"{bad_at}); đã chuyển sang Unicode dựng sẵn (NFC). Hãy xuất lại tệp ở UTF-8."))
        return unicodedata.normalize("NFC", text), "cp1258", notes
    notes.append(("encoding_legacy_8bit", f"Tệp '{file}' không phải UTF-8 (byte lỗi ở vị trí {bad_at}) và không giống "
                  "Windows-1258: có thể là bảng mã TCVN3/VNI; giá trị lỗi phông sẽ được đánh dấu từng ô."))
    return data.decode("cp1252", errors="replace"), "cp1252?", notes


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


def read_csv(data: bytes, file: str, delimiter: str | None = None) -> RawSheet:
    if not data:
        raise LoadError("empty_file", f"Tệp '{file}' rỗng (0 byte).", file=file)
    text, encoding, notes = decode_csv_bytes(data, file)
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
