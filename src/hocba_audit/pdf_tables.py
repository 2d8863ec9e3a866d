"""Tables of the inspector PDF: a report ``Table`` laid out for A4 with fixed column widths.

WeasyPrint lays a table out from its column widths; with none given, every column gets the same
share and long Vietnamese sentences wrap into narrow columns, doubling the page count (and the
layout time). Each table kind of the PDF therefore has a layout here: a width and a cell style
per column. Cell styles:

- ``num``: right-aligned numbers;
- ``code``: codes, file paths, XPaths and hashes: smaller, and allowed to break anywhere, so a
  long token cannot run out of its cell;
- ``text``: ordinary text (breaks between words, and inside an over-long word).

Long cell values can be shortened for the PDF (``clip``): the full text stays in the notebook,
the HTML and the XLSX fix-list, and the template says so under the table.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Sequence

from hocba_audit.report_school import Table

ELLIPSIS = "…"


@dataclass(frozen=True)
class Column:
    width: float          # percent of the table width
    style: str = "text"   # text | code | num
    clip: int = 0         # longest shown text (characters); 0 = whole text


def clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if limit <= 0 or len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + ELLIPSIS


def _cell(value: Any, col: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.1f}".replace(".", ",")
    else:
        text = clip(str(value), col.clip)
    return html.escape(text).replace("\n", "<br>")


def pdf_table(table: Table, columns: Sequence[Column], css_class: str = "tbl") -> str:
    """``table`` as HTML for WeasyPrint, with one ``Column`` layout per column.

    Raises ValueError when the layout does not match the table (a column added to a report
    table must get a layout here, not a silently equal share)."""
    if len(columns) != len(table.columns):
        raise ValueError(f"PDF table layout has {len(columns)} columns, the table has "
                         f"{len(table.columns)}: {table.columns}")
    cols = "".join(f'<col style="width:{c.width:g}%">' for c in columns)
    head = "".join(f'<th class="{c.style}">{html.escape(name)}</th>'
                   for name, c in zip(table.columns, columns))
    body = "".join("<tr>" + "".join(f'<td class="{c.style}">{_cell(v, c)}</td>'
                                    for v, c in zip(row, columns)) + "</tr>"
                   for row in table.rows)
    return (f'<table class="{css_class}"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def clipped(table: Table, columns: Sequence[Column]) -> bool:
    """Whether ``pdf_table`` shortens any cell of ``table``."""
    return any(c.clip and v is not None and not isinstance(v, (int, float)) and len(str(v)) > c.clip
               for row in table.rows for v, c in zip(row, columns))


T, C, N = "text", "code", "num"

#: Layouts of the PDF's tables, by the report table they show (widths add up to 100).
LAYOUTS: dict[str, tuple[Column, ...]] = {
    # signing: per class coverage (year, class, pupils, with file, GVCN, HT, seal, complete)
    "coverage": (Column(11, T), Column(8, T), Column(9, N), Column(10, N), Column(15.5, N),
                 Column(15.5, N), Column(15.5, N), Column(15.5, N)),
    # record statuses (status, code, files)
    "status_counts": (Column(55, T), Column(30, C), Column(15, N)),
    # signature slots by role (role, files, signed, valid, undetermined, invalid, empty)
    "slot_table": (Column(22, T), Column(13, N), Column(13, N), Column(13, N), Column(13, N),
                   Column(13, N), Column(13, N)),
    # frequent signature problems (role, code, files, explanation, action)
    "problems": (Column(14, T), Column(15, C), Column(7, N), Column(36, T, 260), Column(28, T, 200)),
    # failed signature rules (code, severity, title, failing)
    "rules": (Column(12, C), Column(11, T), Column(62, T), Column(15, N)),
    # certificates (role, code, name, file, valid to, readiness, note)
    "certificates": (Column(14, T), Column(10, C), Column(16, T), Column(15, C), Column(11, T),
                     Column(11, T), Column(23, T)),
    # top findings' samples (object, field, bad value, message, location)
    "samples": (Column(21, T, 160), Column(12, T), Column(13, C, 60), Column(36, T, 300),
                Column(18, T)),
}


#: Tables whose rows run to several lines: a row is kept on one page (``break-inside: avoid``
#: costs WeasyPrint about 0.3 s a report when set on every table, so only these have it).
LONG_ROWS = frozenset({"problems", "certificates", "samples"})


def layout_table(table: Table, kind: str) -> str:
    """``pdf_table`` with the layout named ``kind``."""
    return pdf_table(table, LAYOUTS[kind], "tbl long" if kind in LONG_ROWS else "tbl")


def is_clipped(table: Table, kind: str) -> bool:
    return clipped(table, LAYOUTS[kind])
