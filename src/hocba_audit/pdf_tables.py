"""Tables of the inspector PDF: a report ``Table`` laid out for A4 with fixed column widths.

Each table kind of the PDF has a layout here: a width and a cell style per column. Without one,
every column would get the same share, long Vietnamese sentences would wrap into narrow columns
and the page count would double. Cell styles:

- ``num``: right-aligned numbers;
- ``code``: codes, file paths, XPaths and hashes: smaller, and allowed to break after any
  separator and inside long runs (``code_segments``), so a long token cannot run out of its
  cell into the next one;
- ``text``: ordinary text (breaks between words; a word longer than ``CODE_RUN`` characters,
  such as a file name, is cut into pieces like a code value);
- ``hash``: a SHA-256 in small monospace on one line (64 hex digits fit its column).

Long cell values can be shortened for the PDF (``clip``): the full text stays in the notebook,
the HTML and the XLSX fix-list, and the PDF says so under the table.

``table_model`` turns a table into the plain data the Typst template draws (``pdf.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from hocba_audit.report_school import Table

ELLIPSIS = "…"
#: Longest run of a code value or long word without a break opportunity (characters) in the
#: narrowest column: 8 capitals at 8.5 pt are about 17 mm wide.
CODE_RUN = 8
#: Width a table may take (mm): the page's text width (170 mm) less the verdict box's insets,
#: the widest box a table is put in; a column's share of it bounds the words it holds.
TABLE_WIDTH_MM = 160
#: A wide glyph, in em (capitals such as M and W are 0.8-0.95 em in Liberation Serif; most
#: letters are 0.4-0.6 em): how many characters a column surely holds on one line.
WIDE_GLYPH_EM = 0.75
CELL_INSET_MM = 1.2
FONT_PT = {"text": 8.5, "num": 8.5, "code": 7.5, "hash": 6.0}
_SEPARATED = re.compile(r"[^/_\-.:\[\]\\;,= ]*[/_\-.:\[\]\\;,= ]?")


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


def code_segments(text: str, run: int = CODE_RUN) -> list[str]:
    """``text`` cut into pieces that the PDF may break between: after each separator
    (``/ _ - . : [ ] ; , =``, space) and inside runs longer than ``run`` characters. Joined
    again they give ``text`` unchanged (no zero-width characters reach the PDF's text)."""
    out: list[str] = []
    for piece in _SEPARATED.findall(text):
        parts = -(-len(piece) // run)  # a long run in equal parts, not 8 + a stray letter
        size = -(-len(piece) // parts) if parts else 0
        out.extend(piece[i:i + size] for i in range(0, len(piece), size or 1))
    return [p for p in out if p]


def cell_text(value: Any, col: Column) -> str:
    """A cell's text as the PDF shows it: '' for None, one decimal with a comma for floats,
    text clipped to the column's limit."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return clip(str(value), col.clip)


def text_pieces(line: str, run: int = CODE_RUN) -> list[str]:
    """A text line as pieces: words of at most ``run`` characters stay whole (with their
    spaces), longer ones are cut like code (``code_segments``)."""
    out: list[str] = []
    for word in re.findall(r"\S+\s*|\s+", line):
        if len(word.rstrip()) > run:
            out.extend(code_segments(word, run))
        elif out and out[-1][-1:].isspace():
            out[-1] += word  # runs of short words stay one piece (fewer boxes to lay out)
        else:
            out.append(word)
    return out or [""]


def column_run(col: Column) -> int:
    """Characters that surely fit on one line of ``col`` (at least ``CODE_RUN``): words up to
    this long are never cut, so a word that fits moves to the next line whole."""
    inner_pt = (TABLE_WIDTH_MM * col.width / 100 - 2 * CELL_INSET_MM) * 72 / 25.4
    return max(CODE_RUN, int(inner_pt / (WIDE_GLYPH_EM * FONT_PT.get(col.style, 8.5))))


def cell_model(value: Any, col: Column) -> list[list[str]]:
    """The cell as lines, each line a list of pieces the PDF may break between (it also
    breaks between words inside a piece)."""
    lines = cell_text(value, col).split("\n")
    if col.style == "hash":
        return [[line] for line in lines]
    if col.style == "code":
        return [code_segments(line, column_run(col)) or [""] for line in lines]
    return [text_pieces(line, column_run(col)) for line in lines]


def table_model(table: Table, columns: Sequence[Column], long_rows: bool = False) -> dict[str, Any]:
    """``table`` as the Typst template's table block, with one ``Column`` layout per column.

    Raises ValueError when the layout does not match the table (a column added to a report
    table must get a layout here, not a silently equal share)."""
    if len(columns) != len(table.columns):
        raise ValueError(f"PDF table layout has {len(columns)} columns, the table has "
                         f"{len(table.columns)}: {table.columns}")
    return {"k": "table", "widths": [c.width for c in columns], "styles": [c.style for c in columns],
            "head": list(table.columns), "long": long_rows,
            "rows": [[cell_model(v, c) for v, c in zip(row, columns)] for row in table.rows]}


def clipped(table: Table, columns: Sequence[Column]) -> bool:
    """Whether ``table_model`` shortens any cell of ``table``."""
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
    # findings by category and severity (category, severity, rules failed, records)
    "by_category": (Column(40, T), Column(20, T), Column(20, N), Column(20, N)),
    # the verdict's three parts (part, deadline, verdict, figures)
    "verdict_parts": (Column(18, T), Column(24, T), Column(18, T), Column(40, T)),
    # evidence: input files (file, sheet, SHA-256, rows read / loaded / rejected)
    "files": (Column(21, C), Column(17, T), Column(51, "hash"), Column(11, N)),
}


#: Tables whose rows run to several lines: a row is kept on one page.
LONG_ROWS = frozenset({"problems", "certificates", "samples"})


def layout_table(table: Table, kind: str) -> dict[str, Any]:
    """``table_model`` with the layout named ``kind``."""
    return table_model(table, LAYOUTS[kind], kind in LONG_ROWS)


def is_clipped(table: Table, kind: str) -> bool:
    return clipped(table, LAYOUTS[kind])
