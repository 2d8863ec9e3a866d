"""Find the header row of a sheet (below any title rows) and map its columns to fields.

Header texts are matched to a source's aliases by ``fold_key`` (case, diacritics, đ/Đ and
punctuation insensitive). Two-row headers (a merged group title over sub-headers such as
"Điểm TX" over "1 2 3 4") are recognised by trying each row alone and each row joined with
the one below it, and keeping whichever explains most columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import polars as pl

from hocba_audit.normalize import did_you_mean, fold_key
from hocba_audit.profiles import MeltColumn, Source
from hocba_audit.readers import RawSheet, column_letter


@dataclass
class HeaderMatch:
    row_index: int                           # frame index of the (last) header row
    header_rows: int                         # 1 or 2
    fields: dict[str, str] = field(default_factory=dict)          # field -> frame column
    melt: dict[str, MeltColumn] = field(default_factory=dict)     # frame column -> melt spec
    headers: dict[str, str] = field(default_factory=dict)         # frame column -> header text
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (column letter, header text)
    duplicates: list[tuple[str, list[str]]] = field(default_factory=list)  # field, letters
    missing: list[str] = field(default_factory=list)              # required fields without a column
    score: int = 0


@lru_cache(maxsize=65536)
def header_key(text: str) -> str:
    """Match key of a header text: folded, with spaces removed ("ĐĐGtx 1" = "ĐĐGtx1")."""
    return fold_key(text).replace(" ", "")


def _alias_index(source: Source) -> tuple[dict[str, str], dict[str, MeltColumn], set[str]]:
    fields = {header_key(a): f for f, aliases in source.columns.items() for a in aliases}
    melt = {header_key(a): mc for mc in source.melt for a in mc.aliases}
    ignore = {header_key(a) for a in source.ignore}
    return fields, melt, ignore


def _cell(v) -> str:
    return "" if v is None else str(v).strip()


def _candidates(rows: list[list[str]], i: int, merged_cols: set[int]) -> list[tuple[int, list[str]]]:
    """Header texts for row i alone, and row i joined with row i+1 (parent forward-filled)."""
    out = [(1, rows[i])]
    if i + 1 < len(rows):
        parent, child = rows[i], rows[i + 1]
        filled, last = [], ""
        for j, p in enumerate(parent):
            if p:
                last = p
            elif j not in merged_cols and not child[j]:
                last = ""
            filled.append(p or last)
        joined = [(f"{p} {c}".strip() if c and p and p != c else (c or p)) for p, c in zip(filled, child)]
        out.append((2, joined))
    return out


def locate_header(sheet: RawSheet, source: Source) -> HeaderMatch | None:
    """The best header row of ``sheet`` for ``source``; None when no row looks like a header."""
    cols = sheet.data_columns
    scan = sheet.frame.head(source.header_search_rows)
    rows = [[_cell(v) for v in r] for r in scan.select(cols).iter_rows()]
    if not rows:
        return None
    field_ix, melt_ix, ignore_ix = _alias_index(source)
    merged_cols = {c - sheet.first_col for (_r1, c1, _r2, c2) in sheet.merged for c in range(c1, c2 + 1)}
    best: HeaderMatch | None = None
    for i in range(len(rows)):
        if not any(rows[i]):
            continue
        for nrows, texts in _candidates(rows, i, merged_cols):
            m = _match(texts, cols, field_ix, melt_ix, ignore_ix, sheet.first_col)
            m.row_index, m.header_rows = i + nrows - 1, nrows
            if best is None or m.score > best.score:
                best = m
    if best is None or best.score < 2:
        return None
    best.missing = [f for f in source.required if f not in best.fields and f not in source.constants
                    and f not in source.combine]
    return best


def _match(texts, cols, field_ix, melt_ix, ignore_ix, first_col) -> HeaderMatch:
    m = HeaderMatch(row_index=0, header_rows=1)
    seen: dict[str, list[str]] = {}
    for j, text in enumerate(texts):
        if not text:
            continue
        key = header_key(text)
        col = cols[j]
        letter = column_letter(first_col + j)
        m.headers[col] = text
        if key in field_ix:
            f = field_ix[key]
            seen.setdefault(f, []).append(letter)
            m.fields.setdefault(f, col)
            m.score += 1
        elif key in melt_ix:
            m.melt[col] = melt_ix[key]
            m.score += 1
        elif key in ignore_ix:
            m.score += 1
        else:
            m.unknown.append((letter, text))
    m.duplicates = [(f, letters) for f, letters in seen.items() if len(letters) > 1]
    return m


def suggest_header(missing_field: str, source: Source, match: HeaderMatch) -> str | None:
    """The closest unmatched header of the sheet to a missing field's aliases."""
    unknown = [t for _l, t in match.unknown]
    best = None
    for alias in source.columns.get(missing_field, ()):
        hit = did_you_mean(alias, unknown)
        if hit:
            best = hit
            break
    return best


def data_rows(sheet: RawSheet, match: HeaderMatch) -> pl.DataFrame:
    """The rows below the header."""
    return sheet.frame.slice(match.row_index + 1)
