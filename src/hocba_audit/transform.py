"""Turn the data rows of a source's sheets into canonical table rows, rejected rows and notes.

All sheets of one source in an export (e.g. the 35 class lists of a school) are stacked and
processed together, so the per-operation cost of polars is paid once per source, not per file.
Normalisation runs once per distinct raw value of a column (marks, subjects and codes repeat a
lot), and the results are mapped back with vectorised polars expressions. Every normalised
value travels as text to DuckDB, which casts it to the column type on insert.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from hocba_audit import model
from hocba_audit.headers import HeaderMatch
from hocba_audit.normalize import name_key, normalize_value, primary_item_code
from hocba_audit.profiles import PART_PREFIX, Profile, Source
from hocba_audit.readers import ROW

_REJECT = "__reject"
#: a mark-kind column whose tokens (Đ, CĐ, Miễn) go to a sibling column
TOKEN_OF = {"value": "token", "average": "level", "retest": "retest_level"}
_REJECT_MSG = "__reject_msg"


_PART = "__part"
_FILE = "__file"
_SHEET = "__sheet"


@dataclass
class SheetPart:
    """The data rows below the header of one sheet, and how its columns map."""

    file: str
    sheet: str
    rows: pl.DataFrame
    match: HeaderMatch
    context: dict[str, str]


@dataclass
class SourceResult:
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    rejected: pl.DataFrame | None = None   # file, sheet, row_number, field, reason_code, reason, raw_row
    notes: list[pl.DataFrame] = field(default_factory=list)
    counts: dict[int, tuple[int, int]] = field(default_factory=dict)   # part index -> (read, rejected)


def _text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dt.date, Decimal, int)):
        return str(v)
    return str(v)


@dataclass
class _Normalised:
    value: pl.Series
    token: pl.Series | None
    error: pl.Series
    message: pl.Series
    notes: pl.DataFrame   # raw, note_code, message, suggestion


def _params(profile: Profile, column: model.Column) -> dict:
    vm = profile.value_maps.get(column.name) or profile.value_maps.get(column.kind)
    p: dict = {"date_formats": list(profile.date_formats)}
    if vm:
        p["value_map"] = vm
    return p


def normalise_series(raw: pl.Series, column: model.Column, profile: Profile) -> _Normalised:
    """Normalise every distinct value of ``raw`` once; map the results back."""
    params = _params(profile, column)
    uniq = raw.drop_nulls().unique().to_list()
    vals, toks, errs, msgs = [], [], [], []
    note_rows: list[tuple[str, str, str, str | None]] = []
    for u in uniq:
        r = primary_item_code(u) if column.kind == "item" else normalize_value(column.kind, u, params=params)
        v = r.value
        tok = None
        if column.kind == "mark" and isinstance(v, tuple):
            v, tok = v
        vals.append(_text(v))
        toks.append(tok)
        errs.append(r.error)
        msgs.append(r.message)
        for n in r.notes:
            note_rows.append((u, n.code, n.message, n.suggestion))
    def mapped(new):
        return raw.replace_strict(uniq, new, default=None, return_dtype=pl.String) if uniq else \
            pl.Series(raw.name, [None] * len(raw), dtype=pl.String)
    notes = pl.DataFrame(note_rows, schema={"raw": pl.String, "note_code": pl.String, "message": pl.String,
                                            "suggestion": pl.String}, orient="row")
    return _Normalised(mapped(vals), mapped(toks) if column.kind == "mark" else None, mapped(errs),
                       mapped(msgs), notes)


def _field_column(field_name: str, tables: list[model.Table]) -> model.Column | None:
    for t in tables:
        if field_name in t.column_names:
            return t.column(field_name)
    return None


def _melt_col(i: int) -> str:
    return f"__melt{i}"


def build_fields(rows: pl.DataFrame, match: HeaderMatch, source: Source, context: dict[str, str]) -> pl.DataFrame:
    """One text column per field (mapped columns, combined parts, constants, context), plus one
    column per melt column of the source (``__melt<i>``, i its position in ``source.melt``)."""
    exprs = [pl.col(ROW)]
    for f, col in match.fields.items():
        exprs.append(pl.col(col).alias(f))
    for col, mc in match.melt.items():
        i = next(k for k, m in enumerate(source.melt) if m is mc)
        exprs.append(pl.col(col).alias(_melt_col(i)))
    df = rows.select(exprs)
    for f, parts in source.combine.items():
        present = [p for p in parts if p in df.columns]
        if present:
            sep = source.combine_sep.get(f, " ")
            df = df.with_columns(pl.concat_str([pl.col(p) for p in present], separator=sep, ignore_nulls=True)
                                 .str.strip_chars().replace("", None).alias(f))
    for f, v in {**source.constants, **context}.items():
        if f not in df.columns:
            df = df.with_columns(pl.lit(None if v is None else str(v), dtype=pl.String).alias(f))
    return df.drop([c for c in source.columns if c.startswith(PART_PREFIX) and c in df.columns])


def _reason(field_name: str, header: str | None, code: str) -> str:
    where = f"cột '{header}'" if header else f"trường '{field_name}'"
    if code == "missing_required":
        return f"Thiếu giá trị bắt buộc ở {where}."
    return f"Giá trị ở {where} không hợp lệ."


def _nonblank(rows: pl.DataFrame) -> pl.DataFrame:
    data_cols = [c for c in rows.columns if c != ROW]
    if not data_cols:
        return rows.head(0)
    return rows.filter(pl.any_horizontal([pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "")
                                          for c in data_cols]))


def transform_parts(parts: list[SheetPart], source: Source, profile: Profile, school_id: str) -> SourceResult:
    """Canonical rows for every target of ``source`` from all its sheets in one export."""
    res = SourceResult()
    frames, nonblanks = [], []
    for i, part in enumerate(parts):
        nb = _nonblank(part.rows)
        nonblanks.append(nb)
        res.counts[i] = (nb.height, 0)
        if nb.height:
            frames.append(build_fields(nb, part.match, source, part.context).with_columns(
                pl.lit(i, dtype=pl.Int32).alias(_PART), pl.lit(part.file).alias(_FILE),
                pl.lit(part.sheet).alias(_SHEET)))
    if not frames:
        return res
    fields = pl.concat(frames, how="diagonal")
    targets = [model.table(t) for t in source.targets]
    melt_table = model.table(source.melt_target) if source.melt_target else None
    all_tables = targets + ([melt_table] if melt_table else [])
    header_of: dict[str, str] = {}
    for part in parts:
        for f, c in part.match.fields.items():
            header_of.setdefault(f, part.match.headers.get(c) or f)

    required = set(source.required)
    for t in all_tables:
        required |= {c for c in t.required if c in fields.columns}
    keyish = required | {c for t in all_tables for c in t.key if c in fields.columns}

    norm: dict[str, _Normalised] = {}
    reject = pl.lit(None, dtype=pl.String)
    reject_field = pl.lit(None, dtype=pl.String)
    reject_msg = pl.lit(None, dtype=pl.String)
    for f in fields.columns:
        col = _field_column(f, all_tables)
        if col is None:
            continue
        norm[f] = n = normalise_series(fields[f], col, profile)
        if f in keyish:
            conds = []
            if f in required:
                blank = fields[f].is_null() | (fields[f].str.strip_chars() == "")
                conds.append((blank, pl.lit("missing_required"), pl.lit(_reason(f, header_of.get(f), "missing_required"))))
            conds.append((n.error.is_not_null(), pl.lit(n.error), pl.lit(n.message)))
            for cond, code, msg in conds:
                hit = reject.is_null() & pl.lit(cond)
                reject_field = pl.when(hit).then(pl.lit(f)).otherwise(reject_field)
                reject_msg = pl.when(hit).then(msg).otherwise(reject_msg)
                reject = pl.when(hit).then(code).otherwise(reject)
    flags = fields.select(ROW, _PART, _FILE, _SHEET, reject.alias(_REJECT), reject_msg.alias(_REJECT_MSG),
                          reject_field.alias("__reject_field"))
    ok_mask = flags[_REJECT].is_null()
    bad = flags.filter(~ok_mask)
    if bad.height:
        res.rejected = _rejected_rows(bad, parts, nonblanks)
        for (i,), grp in bad.group_by([_PART]):
            read, _ = res.counts[i]
            res.counts[i] = (read, grp.height)

    for t in targets:
        res.tables[t.name] = _table_frame(t, fields, norm, ok_mask, school_id)
    if melt_table is not None:
        res.tables[melt_table.name] = _melt_frame(melt_table, fields, norm, ok_mask, profile, school_id, res, source)
    for f, n in norm.items():
        home = next(t.name for t in all_tables if f in t.column_names)
        _collect_notes(res, home, f, fields, fields[f], n, ok_mask)
    return res


def _rejected_rows(bad: pl.DataFrame, parts: list[SheetPart], nonblanks: list[pl.DataFrame]) -> pl.DataFrame:
    """Rejected rows with the whole source row as JSON (header text -> cell): nothing is lost."""
    raw_json: dict[tuple[int, int], str] = {}
    for (i,), grp in bad.group_by([_PART]):
        part, nb = parts[i], nonblanks[i]
        data_cols = [c for c in nb.columns if c != ROW]
        named = {c: (part.match.headers.get(c) or c) for c in data_cols}
        src = nb.filter(pl.col(ROW).is_in(grp[ROW].implode()))
        for r in src.select([ROW, *data_cols]).iter_rows():
            raw_json[(i, r[0])] = json.dumps({named[c]: v for c, v in zip(data_cols, r[1:]) if v is not None},
                                             ensure_ascii=False)
    return bad.select(
        pl.col(_FILE).alias("file"), pl.col(_SHEET).alias("sheet"), pl.col(ROW).cast(pl.Int32).alias("row_number"),
        pl.col("__reject_field").alias("field"), pl.col(_REJECT).alias("reason_code"),
        pl.col(_REJECT_MSG).alias("reason"),
    ).with_columns(pl.Series("raw_row", [raw_json[(i, r)] for i, r in zip(bad[_PART], bad[ROW])], dtype=pl.String))


def _collect_notes(res: SourceResult, table_name: str, f: str, where: pl.DataFrame, raw: pl.Series,
                   n: _Normalised, keep: pl.Series) -> None:
    """Value errors (value stored as NULL) and notes of the kept rows, for normalization_notes;
    ``where`` holds the rows' __row, __file and __sheet."""
    frame = pl.DataFrame({"row_number": where[ROW], "file": where[_FILE], "sheet": where[_SHEET], "raw": raw,
                          "value": n.value, "err": n.error, "msg": n.message}).filter(keep)
    cols = ["row_number", "file", "sheet", "note_code", "message", "raw", "value", "suggestion"]
    parts = [frame.filter(pl.col("err").is_not_null()).with_columns(
        pl.col("err").alias("note_code"), pl.col("msg").alias("message"),
        pl.lit(None, dtype=pl.String).alias("suggestion")).select(cols)]
    if n.notes.height:
        parts.append(frame.join(n.notes, on="raw", how="inner").select(cols))
    for p in parts:
        if p.height:
            res.notes.append(p.with_columns(pl.lit(table_name).alias("table"), pl.lit(f).alias("field")))


def _table_frame(t: model.Table, fields: pl.DataFrame, norm: dict[str, _Normalised], ok_mask: pl.Series,
                 school_id: str) -> pl.DataFrame:
    cols: dict[str, pl.Series] = {}
    for c in t.columns:
        if c.name == "name_key":
            continue
        if c.name in norm:
            n = norm[c.name]
            if c.kind == "mark" and c.name in TOKEN_OF.values():
                cols[c.name] = n.token
            else:
                cols[c.name] = n.value
                partner = TOKEN_OF.get(c.name)
                if c.kind == "mark" and partner in t.column_names and partner not in norm:
                    cols[partner] = n.token
            if c.raw:
                cols[f"{c.name}_raw"] = fields[c.name]
    cols["src_file"], cols["src_sheet"] = fields[_FILE], fields[_SHEET]
    cols["src_row"] = fields[ROW].cast(pl.Int32)
    out = pl.DataFrame(cols).filter(ok_mask)
    if "name_key" in t.column_names and "full_name" in out.columns:
        out = out.with_columns(_name_keys(out["full_name"]).alias("name_key"))
    return out.with_columns(pl.lit(school_id).alias("school_id"))


def _name_keys(s: pl.Series) -> pl.Series:
    uniq = s.drop_nulls().unique().to_list()
    return s.replace_strict(uniq, [name_key(u) for u in uniq], default=None, return_dtype=pl.String)


def _melt_frame(t: model.Table, fields: pl.DataFrame, norm: dict[str, _Normalised], ok_mask: pl.Series,
                profile: Profile, school_id: str, res: SourceResult, source: Source) -> pl.DataFrame:
    """Wide → long: melt columns with the same ``set`` values form one row of ``t``; a row is
    produced for every accepted source row where at least one cell of the group is not blank."""
    base_cols: dict[str, pl.Series] = {ROW: fields[ROW], _FILE: fields[_FILE], _SHEET: fields[_SHEET]}
    for c in t.columns:
        if c.name in norm:
            base_cols[c.name] = norm[c.name].value
            if c.raw:
                base_cols[f"{c.name}_raw"] = fields[c.name]
    base = pl.DataFrame(base_cols).filter(ok_mask)
    good = fields.filter(ok_mask)
    groups: dict[tuple, list[tuple[str, str]]] = {}
    for i, mc in enumerate(source.melt):
        if _melt_col(i) in good.columns:
            groups.setdefault(tuple(sorted((k, str(v)) for k, v in mc.sets.items())), []).append((_melt_col(i),
                                                                                                  mc.field))
    pieces = []
    for sets, members in groups.items():
        keep = pl.any_horizontal([pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "") for c, _f in members])
        mask = good.select(keep.alias("k"))["k"]
        if not mask.any():
            continue
        piece = base.filter(mask).with_columns([pl.lit(v, dtype=pl.String).alias(k) for k, v in sets])
        by_field: dict[str, list[str]] = {}
        for c, f in members:
            by_field.setdefault(f, []).append(c)
        piece = piece.with_columns([good.filter(mask).select(pl.coalesce(cs).alias(f"__cell_{f}"))[f"__cell_{f}"]
                                    for f, cs in by_field.items()])
        pieces.append(piece)
    if not pieces:
        return pl.DataFrame()
    stacked = pl.concat(pieces, how="diagonal")
    for f in sorted({f for members in groups.values() for _c, f in members}):
        column = t.column(f)
        cell = stacked[f"__cell_{f}"]
        n = normalise_series(cell, column, profile)
        val = n.token if (column.kind == "mark" and f in TOKEN_OF.values()) else n.value
        stacked = stacked.with_columns(val.alias(f))
        if column.raw:
            stacked = stacked.with_columns(cell.alias(f"{f}_raw"))
        partner = TOKEN_OF.get(f)
        if column.kind == "mark" and partner in t.column_names:
            stacked = stacked.with_columns(n.token.alias(partner))
        _collect_notes(res, t.name, f, stacked, cell, n, cell.is_not_null())
    stacked = stacked.drop([c for c in stacked.columns if c.startswith("__cell_")])
    return stacked.with_columns(pl.lit(school_id).alias("school_id"), pl.col(_FILE).alias("src_file"),
                                pl.col(_SHEET).alias("src_sheet"),
                                pl.col(ROW).cast(pl.Int32).alias("src_row")).drop([ROW, _FILE, _SHEET])
