"""The inspector PDF's tables (pdf_tables): every column has a width, long tokens (file paths,
XPaths, schema errors) stay inside their cells, long texts are shortened with a note saying
where the full text is, and a table whose columns changed without a layout fails loudly."""

from __future__ import annotations

import dataclasses

import pytest

from hocba_audit.pdf_tables import LAYOUTS, Column, clip, is_clipped, layout_table, pdf_table
from hocba_audit.report_school import FindingGroup, Table
from test_reports_signing import AS_OF, build_db, report_of

XPATH = "/HocBa/DLHocBa/KetQuaTieuHoc/MonHoc[5]/DanhGia[2]/DiemKTDK:value_has_to_be_less_or_equal_" * 3
PATH = "hoc_ba/3103774528_2025-2026_ban_sao_cua_ban_sao_cua_tep_hoc_ba_da_ky_lai.xml"
MESSAGE = ("Tệp học bạ hoc_ba/3103774528_2025-2026.xml (học sinh 3103774528, năm học 2025-2026) không "
           "đúng lược đồ học bạ số. ") * 6


def test_clip_cuts_at_a_word_and_marks_it():
    assert clip("ngắn", 10) == "ngắn"
    assert clip("một hai ba bốn năm sáu bảy", 12) == "một hai ba…"
    assert clip("x" * 50, 10) == "x" * 9 + "…"  # no space: cut inside the word
    assert len(clip(MESSAGE, 300)) <= 300


def test_every_layout_fills_the_width():
    for kind, cols in LAYOUTS.items():
        assert sum(c.width for c in cols) == pytest.approx(100), kind


def test_a_table_without_its_layout_fails_loudly():
    t = Table(("a", "b", "c"), (("1", "2", "3"),))
    with pytest.raises(ValueError, match="3: .'a', 'b', 'c'."):
        pdf_table(t, (Column(50), Column(50)))


def test_cells_are_escaped_styled_and_clipped():
    t = Table(("Mã", "Số", "Mô tả"), (("<b>", 12, "chữ " * 100),))
    html = pdf_table(t, (Column(20, "code"), Column(10, "num"), Column(70, "text", 40)))
    assert "&lt;b&gt;" in html and '<td class="num">12</td>' in html and '<col style="width:70%">' in html
    assert "…" in html and ("chữ " * 100) not in html
    assert is_clipped(Table(("a", "b", "c", "d", "e"), (("x", "y", "z", MESSAGE, "w"),)), "samples")
    assert not is_clipped(Table(("a", "b", "c", "d", "e"), (("x", "y", "z", "ngắn", "w"),)), "samples")


def _cells(page_box):
    from weasyprint.formatting_structure.boxes import TableCellBox

    stack = [page_box]
    while stack:
        box = stack.pop()
        if isinstance(box, TableCellBox):
            yield box
        stack.extend(getattr(box, "children", ()))


def _overflow(cell) -> list[str]:
    """Texts of ``cell`` whose right edge passes the cell's right border."""
    from weasyprint.formatting_structure.boxes import TextBox

    right = cell.position_x + cell.border_width() + 0.5
    out, stack = [], list(cell.children)
    while stack:
        box = stack.pop()
        if isinstance(box, TextBox) and box.position_x + box.width > right:
            out.append(box.text)
        stack.extend(getattr(box, "children", ()))
    return out


def test_long_tokens_stay_inside_their_cells(tmp_path):
    """The sample table of a schema error (an XPath of 250 characters with no space, a long file
    path): no text may run past its cell, in any table of the PDF."""
    from weasyprint import HTML

    from hocba_audit.pdf import TEMPLATES, _fonts, inspector_html

    report = report_of(build_db(tmp_path / "audit.duckdb"), as_of=AS_OF)
    samples = Table(("Đối tượng", "Trường dữ liệu", "Giá trị sai", "Mô tả", "Vị trí trong tệp nguồn"),
                    ((f"Tệp {PATH}; Vai trò ký Con dấu của trường", "Lỗi cấu trúc", XPATH, MESSAGE,
                      f"{PATH}, dòng 125"),) * 3)
    group = FindingGroup("CKS-043", "lỗi", "Chữ ký số", "Tệp học bạ số không đúng lược đồ dữ liệu", 5,
                         ("Đọc danh sách lỗi lược đồ.",), "QĐ 3016/QĐ-BGDĐT", samples)
    report = dataclasses.replace(report, top_findings=(group,))
    html = inspector_html(report, {})
    assert "rút gọn" in html  # the note under shortened samples
    doc = HTML(string=html, base_url=str(TEMPLATES)).render(font_config=_fonts())
    cells = [c for page in doc.pages for c in _cells(page._page_box)]
    assert len(cells) > 50
    bad = [t for c in cells for t in _overflow(c)]
    assert not bad, bad[:5]


def test_signing_tables_have_their_layouts(tmp_path):
    """Each signing table of the PDF is drawn with its layout: a column added to a report table
    without a PDF layout would raise here, not render in equal narrow columns."""
    report = report_of(build_db(tmp_path / "audit.duckdb"), as_of=AS_OF)
    s = report.signing
    for kind, table in (("coverage", s.coverage_table()), ("status_counts", s.status_counts),
                        ("slot_table", s.slot_table), ("problems", s.problems), ("rules", s.rules),
                        ("certificates", s.certificates)):
        html = layout_table(table, kind)
        assert html.count("<col ") == len(table.columns), kind
