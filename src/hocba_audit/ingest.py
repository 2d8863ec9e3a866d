"""Load school exports into the canonical DuckDB tables, losing no row.

For every file: sha256, size, profile and source go to ``manifest``; every non-blank row below
the header is either loaded or written to ``rejected_rows`` with its reason; a file that cannot
be used at all gets one ``load_errors`` row that names the file, the sheet and what is wrong,
all its rows are listed as rejected, and the run goes on with the next file and school.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, field

import polars as pl

from hocba_audit import model
from hocba_audit.errors import LoadError
from hocba_audit.exports import Export, ExportFile, sha256_bytes, signed_file_kind
from hocba_audit.headers import HeaderMatch, data_rows, locate_header, suggest_header
from hocba_audit.profiles import READ_ENCODING_KEY, Profile, Source, read_encoding_problems
from hocba_audit.readers import ROW, RawSheet, decode_csv_bytes, read_csv, read_xlsx
from hocba_audit.transform import SheetPart, SourceResult, transform_parts


@dataclass
class ExportResult:
    export: str
    school_id: str
    profile: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    errors: list[str] = field(default_factory=list)
    signed_records: int = 0      # học bạ XML files read by hocba_audit.signing.load
    certificate_files: int = 0
    signed_problems: int = 0     # unreadable records or certificates, bad manifest lines


class _Sink:
    """Buffers rows per table and appends them to DuckDB in batches."""

    def __init__(self, con, run_id: str) -> None:
        self.con, self.run_id = con, run_id
        self.frames: dict[str, list[pl.DataFrame]] = {}
        self.rows = 0

    def add(self, table: str, df: pl.DataFrame) -> None:
        if df.height:
            self.frames.setdefault(table, []).append(df)
            self.rows += df.height
            if self.rows > 2_000_000:
                self.flush()

    def flush(self) -> None:
        for table, frames in self.frames.items():
            df = pl.concat(frames, how="diagonal_relaxed")
            self._insert(table, df)
        self.frames.clear()
        self.rows = 0

    def _insert(self, table: str, df: pl.DataFrame) -> None:
        if table in model.TABLES_BY_NAME:
            phys = model.table(table).physical_columns()
        else:
            phys = [(c.split()[0].strip('"'), " ".join(c.split()[1:]), "")
                    for c in " ".join(model.RUN_TABLES[table].split()).split(", ")]
        present = set(df.columns)
        sel = []
        for name, ty, _ in phys:
            if name in present:
                sel.append(f'CAST(_src."{name}" AS {ty}) AS "{name}"' if ty != "VARCHAR" else f'_src."{name}"')
            else:
                sel.append(f'CAST(NULL AS {ty}) AS "{name}"')
        arrow = df.to_arrow()
        self.con.register("_src", arrow)
        try:
            self.con.execute(f'INSERT INTO "{table}" SELECT {", ".join(sel)} FROM _src')
        finally:
            self.con.unregister("_src")


def _error(sink: _Sink, export: Export, school_id: str, file: str, sheet: str, code: str, message: str,
           severity: str = "lỗi") -> None:
    sink.add("load_errors", pl.DataFrame([{
        "run_id": sink.run_id, "school_id": school_id, "export": export.name, "file": file, "sheet": sheet,
        "severity": severity, "error_code": code, "message": message}]))


def detect_profile(export: Export, profiles: dict[str, Profile]) -> tuple[Profile | None, str]:
    """The profile whose file patterns explain most of the export's data files."""
    data_files = [f.rel_path for f in export.files if f.rel_path.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm"))]
    scored = []
    for p in profiles.values():
        hits = sum(1 for f in data_files if p.source_for(f) is not None)
        scored.append((hits, p.name))
    scored.sort(reverse=True)
    if not scored or scored[0][0] == 0:
        return None, "Không hồ sơ nhà cung cấp nào nhận ra tên tệp trong bản xuất."
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return profiles[scored[0][1]], (f"Hồ sơ '{scored[0][1]}' và '{scored[1][1]}' cùng khớp {scored[0][0]} tệp; "
                                        f"đã chọn '{scored[0][1]}'. Dùng --profile để chọn rõ.")
    return profiles[scored[0][1]], ""


#: Key under a profile's ``csv:`` naming the 8-bit encoding of its CSV files (docs/profiles.md).
#: Not ``csv.encoding``: that one is the sample writer's output encoding.
#: Encoding labels of ``readers.decode_csv_bytes`` that are a guess between 8-bit encodings (a
#: trailing '?' stripped): only such files take the profile's read encoding.
_GUESSED_8BIT = ("cp1258", "cp1252")


def read_encoding(profile: Profile, source: Source) -> str | None:
    """The codec (canonical Python name) ``profile`` gives the 8-bit CSV files of ``source``, or None
    (detect). Raises LoadError when the profile's ``csv.read_encoding`` is malformed."""
    spec = profile.csv.get(READ_ENCODING_KEY)
    if spec is None:
        return None
    problems = read_encoding_problems(profile.csv, [s.name for s in profile.sources])
    if problems:
        raise LoadError("profile_read_encoding", f"Hồ sơ '{profile.name}' có khoá csv.{READ_ENCODING_KEY} không "
                        f"hợp lệ ({'; '.join(problems)}); tệp CSV không được nạp cho đến khi sửa hồ sơ.")
    codec = spec.get(source.name, spec.get("*")) if isinstance(spec, dict) else spec
    return codecs.lookup(codec.strip()).name if codec else None


def _read_file(f: ExportFile, data: bytes, profile: Profile, source: Source) -> list[RawSheet]:
    low = f.rel_path.lower()
    if low.endswith((".xlsx", ".xlsm")):
        return read_xlsx(data, f.rel_path)
    delimiter = profile.csv.get("delimiter")
    forced = read_encoding(profile, source)
    if forced and data:
        # A BOM, UTF-16 and valid UTF-8 still decide by themselves: a profile serves every school
        # of a vendor, and a school that exports UTF-8 must not be read as the 8-bit encoding.
        _text, detected, _notes = decode_csv_bytes(data, f.rel_path)
        if detected.rstrip("?") in _GUESSED_8BIT:
            sheet = read_csv(data, f.rel_path, delimiter=delimiter, encoding=forced)
            sheet.notes.insert(0, ("encoding_profile", (
                f"Tệp '{f.rel_path}' không phải UTF-8 hay UTF-16: đã đọc theo bảng mã {forced} mà hồ sơ "
                f"'{profile.name}' quy định (khoá csv.{READ_ENCODING_KEY}), không tự đoán (tự đoán sẽ là "
                f"{detected}). Hãy xuất lại tệp ở UTF-8.")))
            return [sheet]
    return [read_csv(data, f.rel_path, delimiter=delimiter)]


def _manifest_row(sink, export, school_id, f, sha, profile, source, sheet, encoding, header_row,
                  read, loaded, rejected, status, error=None):
    sink.add("manifest", pl.DataFrame([{
        "run_id": sink.run_id, "school_id": school_id, "export": export.name, "file": f.rel_path, "sheet": sheet,
        "sha256": sha, "size_bytes": f.size, "profile": profile, "source": source, "encoding": encoding,
        "header_row": header_row, "rows_read": read, "rows_loaded": loaded, "rows_rejected": rejected,
        "status": status, "error": error}], schema_overrides={"header_row": pl.Int32, "rows_read": pl.Int32,
                                                              "rows_loaded": pl.Int32, "rows_rejected": pl.Int32,
                                                              "size_bytes": pl.Int64}))


def _reject_all(sink: _Sink, sheet: RawSheet, school_id: str, code: str, message: str) -> int:
    cols = sheet.data_columns
    frame = sheet.frame.filter(pl.any_horizontal([pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "")
                                                  for c in cols])) if cols else sheet.frame.head(0)
    if frame.height == 0:
        return 0
    raw = [json.dumps({c: v for c, v in zip(cols, r) if v is not None}, ensure_ascii=False)
           for r in frame.select(cols).iter_rows()]
    sink.add("rejected_rows", pl.DataFrame({
        "run_id": sink.run_id, "school_id": school_id, "file": sheet.file, "sheet": sheet.sheet,
        "row_number": frame[ROW].cast(pl.Int32), "field": None, "reason_code": code, "reason": message,
        "raw_row": raw}, schema_overrides={"field": pl.String}))
    return frame.height


def _header_problem(sheet: RawSheet, source: Source, match: HeaderMatch | None) -> tuple[str, str] | None:
    where = f"Tệp '{sheet.file}'" + (f", trang '{sheet.sheet}'" if sheet.sheet else "")
    if match is None:
        expected = ", ".join(f"'{a[0]}'" for a in list(source.columns.values())[:6] if a)
        return "no_header", (f"{where}: không tìm thấy dòng tiêu đề trong {source.header_search_rows} dòng đầu "
                             f"(cần các cột như {expected}).")
    if match.duplicates:
        f, letters = match.duplicates[0]
        return "duplicate_header", (f"{where}: tiêu đề của trường '{f}' xuất hiện ở nhiều cột "
                                    f"({', '.join(letters)}); không biết dùng cột nào.")
    if match.missing:
        parts = []
        for f in match.missing:
            hint = suggest_header(f, source, match)
            want = source.columns.get(f, (f,))[0] if source.columns.get(f) else f
            parts.append(f"thiếu cột '{want}'" + (f" — có phải ý bạn là '{hint}'?" if hint else ""))
        return "missing_header", f"{where}: " + "; ".join(parts) + "."
    return None


@dataclass
class _Pending:
    """A sheet whose header is understood, waiting to be transformed with its source's others."""

    file: ExportFile
    sha: str
    sheet: RawSheet
    header_row: int


def _check_sheet(sink, export, school_id, school_year, f, sha, profile, source, sheet, result,
                 pending: dict[str, tuple[Source, list[SheetPart], list[_Pending]]]) -> None:
    """Locate the header; a sheet that cannot be used is rejected whole, others are queued."""
    match = locate_header(sheet, source)
    problem = _header_problem(sheet, source, match)
    header_row = int(sheet.frame[ROW][match.row_index]) if match else None
    if problem:
        code, message = problem
        _error(sink, export, school_id, f.rel_path, sheet.sheet, code, message)
        n = _reject_all(sink, sheet, school_id, "file_unusable", message)
        _manifest_row(sink, export, school_id, f, sha, profile.name, source.name, sheet.sheet, sheet.encoding,
                      header_row, n, 0, n, "error", message)
        result.rows_read += n
        result.rows_rejected += n
        result.errors.append(message)
        return
    rows = data_rows(sheet, match)
    for letter, text in match.unknown:
        _error(sink, export, school_id, f.rel_path, sheet.sheet, "unknown_column",
               f"Tệp '{f.rel_path}'{', trang ' + repr(sheet.sheet) if sheet.sheet else ''}: cột {letter} "
               f"'{text}' không thuộc hồ sơ '{profile.name}' nên không được nạp.", severity="cảnh báo")
    context = {"school_year": school_year} if school_year else {}
    context.update(source.filename_fields(f.rel_path))
    context.update(source.sheet_fields(sheet.sheet))
    _src, parts, queued = pending.setdefault(source.name, (source, [], []))
    parts.append(SheetPart(f.rel_path, sheet.sheet, rows, match, context))
    queued.append(_Pending(f, sha, sheet, header_row))


def _transform_pending(sink, export, school_id, profile, result, pending) -> None:
    for source, parts, queued in pending.values():
        res: SourceResult = transform_parts(parts, source, profile, school_id)
        for table, df in res.tables.items():
            sink.add(table, df)
        if res.rejected is not None and res.rejected.height:
            sink.add("rejected_rows", res.rejected.with_columns(
                pl.lit(sink.run_id).alias("run_id"), pl.lit(school_id).alias("school_id")))
        for n in res.notes:
            sink.add("normalization_notes", n.with_columns(pl.lit(sink.run_id).alias("run_id"),
                                                           pl.lit(school_id).alias("school_id"),
                                                           pl.col("row_number").cast(pl.Int32)))
        for i, q in enumerate(queued):
            read, rejected = res.counts.get(i, (0, 0))
            _manifest_row(sink, export, school_id, q.file, q.sha, profile.name, source.name, q.sheet.sheet,
                          q.sheet.encoding, q.header_row, read, read - rejected, rejected, "loaded")
            result.rows_read += read
            result.rows_loaded += read - rejected
            result.rows_rejected += rejected


def load_export(con, export: Export, run_id: str, profiles: dict[str, Profile], profile_name: str | None = None,
                default_school_year: str = "2025-2026") -> ExportResult:
    """Load one school export into the canonical tables of ``con``."""
    sink = _Sink(con, run_id)
    school_id = export.school_id
    school_year = export.school_year
    if school_year is None:
        school_year = default_school_year
        _error(sink, export, school_id, "", "", "export_name",
               f"Tên bản xuất '{export.name}' không theo mẫu '<mã trường>_<năm học>' (ví dụ 31000123_2025-2026); "
               f"dùng mã trường '{school_id}' và năm học mặc định {school_year}.", severity="cảnh báo")
    for code, file, message in export.problems:
        _error(sink, export, school_id, file, "", code, message)
    if profile_name:
        if profile_name not in profiles:
            from hocba_audit.normalize import did_you_mean
            hint = did_you_mean(profile_name, list(profiles))
            raise LoadError("unknown_profile", f"Không có hồ sơ '{profile_name}'" +
                            (f" — có phải ý bạn là '{hint}'?" if hint else f"; có: {', '.join(profiles)}."))
        profile, note = profiles[profile_name], ""
    else:
        profile, note = detect_profile(export, profiles)
    result = ExportResult(export.name, school_id, profile.name if profile else None)
    if note:
        _error(sink, export, school_id, "", "", "profile_detection", note, severity="cảnh báo" if profile else "lỗi")
    tabular = [f for f in export.files if signed_file_kind(f.rel_path) is None]
    if profile is None:
        result.errors.append(note)
        for f in tabular:
            data = f.read_bytes()
            _manifest_row(sink, export, school_id, f, sha256_bytes(data), None, None, "", "", None, 0, 0, 0,
                          "skipped", note)
        sink.flush()
        return result
    pending: dict[str, tuple[Source, list[SheetPart], list[_Pending]]] = {}
    for f in tabular:
        data = f.read_bytes()
        sha = sha256_bytes(data)
        candidates = [s for s in profile.sources if s.matches_file(f.rel_path)]
        if not candidates:
            _error(sink, export, school_id, f.rel_path, "", "unmatched_file",
                   f"Tệp '{f.rel_path}' không thuộc hồ sơ '{profile.name}': không nạp.", severity="cảnh báo")
            _manifest_row(sink, export, school_id, f, sha, profile.name, None, "", "", None, 0, 0, 0, "skipped",
                          "unmatched_file")
            continue
        try:
            sheets = _read_file(f, data, profile, candidates[0])
        except LoadError as exc:
            _error(sink, export, school_id, f.rel_path, exc.sheet, exc.code, exc.message)
            _manifest_row(sink, export, school_id, f, sha, profile.name, candidates[0].name, exc.sheet, "", None,
                          0, 0, 0, "error", exc.message)
            result.errors.append(exc.message)
            continue
        for sheet in sheets:
            for code, message in sheet.notes:
                _error(sink, export, school_id, f.rel_path, sheet.sheet, code, message, severity="cảnh báo")
            source = next((s for s in candidates if s.matches_sheet(sheet.sheet) or not sheet.sheet), None)
            if source is None:
                n = _reject_all(sink, sheet, school_id, "unmatched_sheet",
                                f"Trang '{sheet.sheet}' của tệp '{f.rel_path}' không thuộc hồ sơ '{profile.name}'.")
                if n:
                    _error(sink, export, school_id, f.rel_path, sheet.sheet, "unmatched_sheet",
                           f"Tệp '{f.rel_path}': trang '{sheet.sheet}' không thuộc hồ sơ '{profile.name}' nên "
                           f"không được nạp ({n} dòng có dữ liệu được liệt kê là bị loại).", severity="cảnh báo")
                _manifest_row(sink, export, school_id, f, sha, profile.name, None, sheet.sheet, sheet.encoding,
                              None, n, 0, n, "skipped", "unmatched_sheet")
                result.rows_read += n
                result.rows_rejected += n
                continue
            if sheet.frame.height == 0 or not sheet.data_columns:
                msg = f"Tệp '{f.rel_path}'" + (f", trang '{sheet.sheet}'" if sheet.sheet else "") + " không có dữ liệu."
                _error(sink, export, school_id, f.rel_path, sheet.sheet, "empty_sheet", msg, severity="cảnh báo")
                _manifest_row(sink, export, school_id, f, sha, profile.name, source.name, sheet.sheet,
                              sheet.encoding, None, 0, 0, 0, "empty", msg)
                continue
            _check_sheet(sink, export, school_id, school_year, f, sha, profile, source, sheet, result, pending)
    _transform_pending(sink, export, school_id, profile, result, pending)
    sink.flush()
    _ensure_school_rows(con, school_id, school_year)
    return result


def _ensure_school_rows(con, school_id: str, school_year: str) -> None:
    """A school and a school-year row always exist, the level derived from class grades if not given."""
    con.execute("""
        INSERT INTO schools (school_id) SELECT $sid
        WHERE NOT EXISTS (SELECT 1 FROM schools WHERE school_id = $sid)""", {"sid": school_id})
    con.execute("""
        INSERT INTO school_years (school_id, school_year) SELECT $sid, $y
        WHERE NOT EXISTS (SELECT 1 FROM school_years WHERE school_id = $sid AND school_year = $y)""",
                {"sid": school_id, "y": school_year})
    con.execute("""
        UPDATE schools SET level = (
            SELECT string_agg(DISTINCT lv, '-' ORDER BY lv) FROM (
                SELECT CASE WHEN grade <= 5 THEN 'TH' WHEN grade <= 9 THEN 'THCS' ELSE 'THPT' END AS lv
                FROM classes WHERE school_id = $sid AND grade IS NOT NULL))
        WHERE school_id = $sid AND level IS NULL""", {"sid": school_id})
