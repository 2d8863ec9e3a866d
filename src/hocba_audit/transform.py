"""Turn the data rows of one sheet into canonical table rows, rejected rows and notes.

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


@dataclass
class SheetResult:
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    rejected: pl.DataFrame | None = None   # row_number, field, reason_code, reason, raw_row
    notes: list[pl.DataFrame] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0


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


def build_fields(rows: pl.DataFrame, match: HeaderMatch, source: Source, context: dict[str, str]) -> pl.DataFrame:
    """One text column per field: mapped columns, combined parts, constants and context."""
    exprs = [pl.col(ROW)]
    for f, col in match.fields.items():
        exprs.append(pl.col(col).alias(f))
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
    return df.drop([c for c in df.columns if c.startswith(PART_PREFIX) and c != ROW])


def _reason(field_name: str, header: str | None, code: str) -> str:
    where = f"cột '{header}'" if header else f"trường '{field_name}'"
    if code == "missing_required":
        return f"Thiếu giá trị bắt buộc ở {where}."
    return f"Giá trị ở {where} không hợp lệ."


def transform_sheet(rows: pl.DataFrame, match: HeaderMatch, source: Source, profile: Profile,
                    context: dict[str, str], meta: dict[str, str]) -> SheetResult:
    """Canonical rows for every target of ``source`` from the data rows below the header."""
    data_cols = [c for c in rows.columns if c != ROW]
    nonblank = rows.filter(pl.any_horizontal([pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "")
                                              for c in data_cols]))
    res = SheetResult(rows_read=nonblank.height)
    if nonblank.height == 0:
        return res
    fields = build_fields(nonblank, match, source, context)
    targets = [model.table(t) for t in source.targets]
    melt_table = model.table(source.melt_target) if source.melt_target else None
    all_tables = targets + ([melt_table] if melt_table else [])
    header_of = {f: match.headers.get(c) for f, c in match.fields.items()}

    required = set(source.required)
    for t in all_tables:
        required |= {c for c in t.required if c in fields.columns}
    keyish = required | {c for t in all_tables for c in t.key if c in fields.columns}

    norm: dict[str, _Normalised] = {}
    reject = pl.lit(None, dtype=pl.String)
    reject_field = pl.lit(None, dtype=pl.String)
    reject_msg = pl.lit(None, dtype=pl.String)
    for f in fields.columns:
        if f == ROW:
            continue
        col = _field_column(f, all_tables)
        if col is None:
            continue
        norm[f] = n = normalise_series(fields[f], col, profile)
        if f in keyish:
            blank = fields[f].is_null() | (fields[f].str.strip_chars() == "")
            err = n.error.is_not_null()
            if f in required:
                reject = pl.when(reject.is_null() & pl.lit(blank)).then(pl.lit("missing_required")).otherwise(reject)
                reject_msg = pl.when(reject_msg.is_null() & pl.lit(blank)).then(
                    pl.lit(_reason(f, header_of.get(f), "missing_required"))).otherwise(reject_msg)
                reject_field = pl.when(reject_field.is_null() & pl.lit(blank)).then(pl.lit(f)).otherwise(reject_field)
            reject = pl.when(reject.is_null() & pl.lit(err)).then(pl.lit(n.error)).otherwise(reject)
            reject_msg = pl.when(reject_msg.is_null() & pl.lit(err)).then(pl.lit(n.message)).otherwise(reject_msg)
            reject_field = pl.when(reject_field.is_null() & pl.lit(err)).then(pl.lit(f)).otherwise(reject_field)
    flags = fields.select(pl.col(ROW), reject.alias(_REJECT), reject_msg.alias(_REJECT_MSG),
                          reject_field.alias("__reject_field"))
    ok_mask = flags[_REJECT].is_null()

    # rejected rows keep the whole source row as JSON (header text -> cell) so nothing is lost
    bad = flags.filter(~ok_mask)
    if bad.height:
        src = nonblank.filter(~ok_mask)
        named = {c: (match.headers.get(c) or c) for c in data_cols}
        raw_json = [json.dumps({named[c]: v for c, v in zip(data_cols, r) if v is not None}, ensure_ascii=False)
                    for r in src.select(data_cols).iter_rows()]
        res.rejected = bad.select(pl.col(ROW).alias("row_number"), pl.col("__reject_field").alias("field"),
                                  pl.col(_REJECT).alias("reason_code"), pl.col(_REJECT_MSG).alias("reason"),
                                  ).with_columns(pl.Series("raw_row", raw_json, dtype=pl.String))
    res.rows_rejected = bad.height
    res.rows_loaded = res.rows_read - bad.height

    for t in targets:
        res.tables[t.name] = _table_frame(t, fields, norm, ok_mask, meta)
    if melt_table is not None:
        res.tables[melt_table.name] = _melt_frame(melt_table, nonblank, fields, norm, ok_mask, match, profile, meta,
                                                  res)
    # value-level problems and notes of loaded rows
    for f, n in norm.items():
        home = next(t.name for t in all_tables if f in t.column_names)
        _collect_notes(res, home, f, fields[ROW], fields[f], n, ok_mask, meta)
    return res


def _collect_notes(res: SheetResult, table_name: str, f: str, rownum: pl.Series, raw: pl.Series,
                   n: _Normalised, keep: pl.Series, meta: dict[str, str]) -> None:
    """Value errors (value stored as NULL) and notes of the kept rows, for normalization_notes."""
    frame = pl.DataFrame({"row_number": rownum, "raw": raw, "value": n.value, "err": n.error,
                          "msg": n.message}).filter(keep)
    parts = [frame.filter(pl.col("err").is_not_null()).select(
        "row_number", pl.col("err").alias("note_code"), pl.col("msg").alias("message"), "raw", "value",
        pl.lit(None, dtype=pl.String).alias("suggestion"))]
    if n.notes.height:
        parts.append(frame.join(n.notes, on="raw", how="inner").select(
            "row_number", "note_code", "message", "raw", "value", "suggestion"))
    for p in parts:
        if p.height:
            res.notes.append(p.with_columns(pl.lit(table_name).alias("table"), pl.lit(f).alias("field"),
                                            pl.lit(meta["src_file"]).alias("file"),
                                            pl.lit(meta["src_sheet"]).alias("sheet")))


def _table_frame(t: model.Table, fields: pl.DataFrame, norm: dict[str, _Normalised], ok_mask: pl.Series,
                 meta: dict[str, str]) -> pl.DataFrame:
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
    out = pl.DataFrame(cols).filter(ok_mask) if cols else pl.DataFrame()
    if "name_key" in t.column_names and "full_name" in out.columns:
        out = out.with_columns(_name_keys(out["full_name"]).alias("name_key"))
    return out.with_columns(pl.lit(meta["school_id"]).alias("school_id"), pl.lit(meta["src_file"]).alias("src_file"),
                            pl.lit(meta["src_sheet"]).alias("src_sheet"),
                            fields.filter(ok_mask)[ROW].cast(pl.Int32).alias("src_row"))


def _name_keys(s: pl.Series) -> pl.Series:
    uniq = s.drop_nulls().unique().to_list()
    return s.replace_strict(uniq, [name_key(u) for u in uniq], default=None, return_dtype=pl.String)


def _melt_frame(t: model.Table, rows: pl.DataFrame, fields: pl.DataFrame, norm: dict[str, _Normalised],
                ok_mask: pl.Series, match: HeaderMatch, profile: Profile, meta: dict[str, str],
                res: SheetResult) -> pl.DataFrame:
    """Wide → long: melt columns with the same ``set`` values form one row of ``t``; a row is
    produced for every accepted source row where at least one cell of the group is not blank."""
    base_cols: dict[str, pl.Series] = {ROW: fields[ROW]}
    for c in t.columns:
        if c.name in norm:
            base_cols[c.name] = norm[c.name].value
            if c.raw:
                base_cols[f"{c.name}_raw"] = fields[c.name]
    base = pl.DataFrame(base_cols).filter(ok_mask)
    good_rows = rows.filter(ok_mask)
    groups: dict[tuple, list[tuple[str, str]]] = {}
    for col, mc in match.melt.items():
        groups.setdefault(tuple(sorted((k, str(v)) for k, v in mc.sets.items())), []).append((col, mc.field))
    pieces = []
    for sets, members in groups.items():
        blank = [good_rows[col].is_null() | (good_rows[col].str.strip_chars() == "") for col, _f in members]
        keep = ~blank[0]
        for b in blank[1:]:
            keep = keep | ~b
        if not keep.any():
            continue
        piece = base.filter(keep)
        for k, v in sets:
            piece = piece.with_columns(pl.lit(v, dtype=pl.String).alias(k))
        for col, f in members:
            piece = piece.with_columns(good_rows[col].filter(keep).alias(f"__cell_{f}"),
                                       pl.lit(match.headers.get(col)).alias(f"__hdr_{f}"))
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
        _collect_notes(res, t.name, f, stacked[ROW], cell, n, cell.is_not_null(), meta)
    stacked = stacked.drop([c for c in stacked.columns if c.startswith(("__cell_", "__hdr_"))])
    return stacked.with_columns(pl.lit(meta["school_id"]).alias("school_id"), pl.lit(meta["src_file"]).alias("src_file"),
                                pl.lit(meta["src_sheet"]).alias("src_sheet"),
                                pl.col(ROW).cast(pl.Int32).alias("src_row")).drop(ROW)
