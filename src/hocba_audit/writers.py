"""Write canonical school data back out in a vendor layout (the inverse of the loader).

Used by the sample generator. Each profile source that has a ``write`` section declares the
file and sheet name templates, title rows, and a SQL query over the canonical tables (held in
an in-memory DuckDB as text) whose output columns are canonical field names or melt headers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import defaultdict
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import duckdb

from hocba_audit import model
from hocba_audit.profiles import Profile, Source

RAW_MARK = "\x01"
_PLACEHOLDER = re.compile(r"{(\w+)}")


class Stamp(dt.datetime):
    """A date and time for an XLSX cell (written with the date-time format, not the date one)."""


def _serialise(v) -> str | None:
    from hocba_audit.generator import Raw

    if v is None:
        return None
    if isinstance(v, Raw):
        return RAW_MARK + v.text
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dt.date, Decimal, int, float)):
        return str(v)
    return str(v)


def canonical_db(tables: dict[str, list[dict]]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding every canonical table as text columns.

    One thread: a profile's write query whose ORDER BY leaves ties (duplicate rows injected as
    defects) then returns them in the same order on every run, so the same seed writes the same bytes.
    """
    import pyarrow as pa

    con = duckdb.connect(config={"threads": 1})
    for t in model.TABLES:
        names = [c for c in t.column_names if c != "name_key"]
        rows = tables.get(t.name, [])
        cols = {n: pa.array([_serialise(r.get(n)) for r in rows], type=pa.string()) for n in names}
        con.register("_w", pa.table(cols))
        con.execute(f'CREATE TABLE "{t.name}" AS SELECT * FROM _w')
        con.unregister("_w")
    return con


def _kind_of(source: Source, column_name: str) -> tuple[str | None, str | None]:
    """(kind, field) of an output column: a canonical field or a melt header."""
    tables = [model.table(t) for t in source.targets] + ([model.table(source.melt_target)]
                                                         if source.melt_target else [])
    for t in tables:
        if column_name in t.column_names:
            return t.column(column_name).kind, column_name
    if column_name.startswith("_") and column_name in source.columns:
        return "text", None
    for mc in source.melt:
        if mc.aliases and mc.aliases[0] == column_name and source.melt_target:
            return model.table(source.melt_target).column(mc.field).kind, mc.field
    return None, None


class _Formatter:
    def __init__(self, profile: Profile, source: Source, options: dict) -> None:
        w = source.write
        self.date_format = w.get("date_format", profile.date_formats[0])
        # datetime kind: strftime format or 'excel' (a real cell); default follows date_format
        self.datetime_format = w.get("datetime_format") or (
            "excel" if self.date_format == "excel" else f"{self.date_format} %H:%M:%S")
        self.decimal_comma = bool(w.get("decimal_comma", options.get("decimal_comma", False)))
        self.inverse: dict[str, dict[str, str]] = {}
        for key, vm in profile.value_maps.items():
            inv: dict[str, str] = {}
            for raw, canon in vm.items():
                inv.setdefault(canon, raw)
            self.inverse[key] = inv
        self.excel = source.write.get("file", "").lower().endswith(".xlsx")

    def cell(self, v: str | None, kind: str | None, field: str | None):
        """Text (or a number/datetime for XLSX cells) for one output value."""
        if v is None:
            return None
        if v.startswith(RAW_MARK):
            return v[1:]
        inv = self.inverse.get(field or "") or self.inverse.get(kind or "")
        if inv and v in inv:
            return inv[v]
        if kind in ("subject", "ethnicity", "item"):
            return _display_name(kind, v)
        if kind == "date":
            d = dt.date.fromisoformat(v)
            if self.date_format == "excel":
                return dt.datetime(d.year, d.month, d.day) if self.excel else d.strftime("%d/%m/%Y")
            return d.strftime(self.date_format)
        if kind == "datetime":
            t = dt.datetime.fromisoformat(v)
            if self.datetime_format == "excel":
                return Stamp(t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond) \
                    if self.excel else t.strftime("%d/%m/%Y %H:%M:%S")
            return t.strftime(self.datetime_format)
        if kind in ("mark", "decimal") and re.fullmatch(r"-?\d+(\.\d+)?", v):
            if self.excel and not self.decimal_comma:
                return float(v) if "." in v else int(v)
            return v.replace(".", ",") if self.decimal_comma else v
        if kind == "bool":
            return {"true": "Có", "false": "Không"}.get(v, v)
        return v


@lru_cache(maxsize=4096)
def _display_name(kind: str, code: str) -> str:
    """What a school's software prints for a code: the subject, ethnic group or item name."""
    from hocba_audit.normalize import ethnic_groups, primary_items, subject_name

    try:
        if kind == "ethnicity":
            return ethnic_groups()[code]
        if kind == "item":
            names = {i.code: i.name for i in primary_items()}
            if code in names:
                return names[code]
        return subject_name(code)
    except KeyError:
        return code


def _render(template: str, row: dict) -> str:
    return _PLACEHOLDER.sub(lambda m: str(row.get(m.group(1)) or "").replace(RAW_MARK, ""), template)


def source_rows(con, source: Source) -> tuple[list[str], list[tuple]]:
    cur = con.execute(source.write["query"])
    names = [d[0] for d in cur.description]
    return names, cur.fetchall()


def write_export(tables: dict[str, list[dict]], profile: Profile, out_dir: Path,
                 options: dict | None = None) -> list[Path]:
    """Write one school's canonical tables as an export in ``profile``'s layout under ``out_dir``."""
    options = options or {}
    out_dir.mkdir(parents=True, exist_ok=True)
    con = canonical_db(tables)
    books: dict[Path, list[tuple[str, list, list[list]]]] = defaultdict(list)
    csvs: dict[Path, tuple[list, list[list], dict]] = {}
    for source in profile.sources:
        if not source.write or "query" not in source.write:
            continue
        names, rows = source_rows(con, source)
        fmt = _Formatter(profile, source, options)
        kinds = [_kind_of(source, n) for n in names]
        shown = [i for i, n in enumerate(names) if kinds[i][0] is not None and n not in source.write.get("hide", [])]
        headers = [_header(source, names[i]) for i in shown]
        groups: dict[tuple[str, str], list[list]] = defaultdict(list)
        titles: dict[tuple[str, str], list[str]] = {}
        for r in rows:
            rd = dict(zip(names, r))
            key = (_render(source.write["file"], rd), _render(source.write.get("sheet", "Sheet1"), rd))
            groups[key].append([fmt.cell(r[i], *kinds[i]) for i in shown])
            titles.setdefault(key, [_render(t, rd) for t in source.write.get("title_rows", [])])
        for (fname, sheet), data in groups.items():
            path = out_dir / fname
            if fname.lower().endswith(".xlsx"):
                books[path].append((sheet, titles[(fname, sheet)] + [None] * 0, [headers] + data))
            else:
                # a source's own write.encoding wins over the export's (another subsystem's file)
                enc = {"encoding": source.write["encoding"]} if source.write.get("encoding") else {}
                csvs[path] = (titles[(fname, sheet)], [headers] + data, {**options, **enc})
    written = []
    for path, sheets in books.items():
        _write_xlsx(path, sheets, _export_time(tables))
        written.append(path)
    for path, (title_rows, data, file_options) in csvs.items():
        _write_csv(path, title_rows, data, profile, file_options)
        written.append(path)
    con.close()
    return sorted(written)


def _header(source: Source, name: str) -> str:
    aliases = source.columns.get(name)
    return aliases[0] if aliases else name


def _export_time(tables: dict[str, list[dict]]) -> dt.datetime:
    """The workbooks' creation time: the end of the school year (a fixed value, so the same data
    gives byte-identical files whatever the day or the number of writer processes)."""
    years = tables.get("school_years", [])
    end = next((y.get("end_date") for y in years if y.get("end_date")), None)
    day = end if isinstance(end, dt.date) else dt.date(2000, 1, 1)
    return dt.datetime(day.year, day.month, day.day, 17, 0, 0)


def _write_xlsx(path: Path, sheets: list[tuple[str, list[str], list[list]]],
                created: dt.datetime | None = None) -> None:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": False, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    if created is not None:
        wb.set_properties({"created": created})
    bold = wb.add_format({"bold": True, "align": "center"})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    stamp_fmt = wb.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    for sheet, title_rows, data in sheets:
        ws = wb.add_worksheet(sheet[:31])
        width = max(len(data[0]), 1)
        r = 0
        for t in title_rows:
            if width > 1:
                ws.merge_range(r, 0, r, width - 1, t, bold)
            else:
                ws.write_string(r, 0, t, bold)
            r += 1
        if title_rows:
            r += 1
        for row in data:
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                if isinstance(v, dt.datetime):
                    ws.write_datetime(r, c, v, stamp_fmt if isinstance(v, Stamp) else date_fmt)
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, str(v))
            r += 1
    wb.close()


def _write_csv(path: Path, title_rows: list[str], data: list[list], profile: Profile, options: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=profile.csv.get("delimiter", ","), lineterminator="\r\n")
    for t in title_rows:
        w.writerow([t])
    for row in data:
        w.writerow(["" if v is None else v for v in row])
    text = buf.getvalue()
    encoding = options.get("encoding", profile.csv.get("encoding", "utf-8-sig"))
    if encoding == "cp1258":
        path.write_bytes(encode_cp1258(text))
    else:
        path.write_bytes(text.encode(encoding))


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 bytes for Unicode text: base letters plus combining tone marks."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        # keep the vowel's own shape (â, ê, ô, ơ, ư, ă) precomposed where cp1258 has it
        base, marks = decomposed[0], decomposed[1:]
        for m in list(marks):
            cand = unicodedata.normalize("NFC", base + m)
            try:
                cand.encode("cp1258")
                base, marks = cand, marks.replace(m, "", 1)
            except UnicodeEncodeError:
                continue
        out += (base + marks).encode("cp1258", errors="replace")
    return bytes(out)
