"""The inspector PDF's tables (pdf_tables) and its Typst template: every column has a width,
long tokens (file paths, XPaths, schema errors) stay inside their cells, long texts are
shortened with a note saying where the full text is, report text is never read as Typst markup,
and a table whose columns changed without a layout fails loudly."""

from __future__ import annotations

import dataclasses
import random
import shutil
import subprocess

import pytest

from hocba_audit import pdf_tables
from hocba_audit.pdf import compile_inspector_pdf, inspector_document, overflowing_cells
from hocba_audit.pdf_tables import (CODE_RUN, LAYOUTS, Column, clip, code_segments, is_clipped,
                                    layout_table, table_model, text_pieces)
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
        table_model(t, (Column(50), Column(50)))


def test_pieces_give_back_the_text_and_break_long_runs():
    """Pieces joined give the text unchanged (nothing like a zero-width space is added), and
    no piece has a run longer than CODE_RUN without a separator or space."""
    rng = random.Random(5)
    alphabet = "abcĐạiHọc0123456789/_-.:[] "
    samples = [XPATH, PATH, MESSAGE, "", " ", "a  b ", "x" * 100, "e3b0c44298fc1c149afbf4c8996fb924" * 2]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 120))) for _ in range(300)]
    for text in samples:
        for pieces in (code_segments(text), text_pieces(text)):
            assert "".join(pieces) == text
            for piece in pieces:
                for word in piece.split(" "):
                    assert len(word) <= CODE_RUN or any(s in word[:-1] for s in "/_-.:[]"), (text, piece)
    assert text_pieces("một hai ba") == ["một hai ba"]  # short words: one piece, Typst breaks at spaces


def test_cells_are_styled_and_clipped():
    t = Table(("Mã", "Số", "Mô tả", "Tỉ lệ"), (("a/b_c", 12, "chữ " * 100, 0.25),))
    model = table_model(t, (Column(20, "code"), Column(10, "num"), Column(60, "text", 40), Column(10, "num")))
    assert model["widths"] == [20, 10, 60, 10] and model["styles"] == ["code", "num", "text", "num"]
    code, num, text, rate = model["rows"][0]
    assert code == [["a/", "b_", "c"]] and num == [["12"]] and rate == [["0,2"]]
    assert "".join(text[0]).endswith("…") and len("".join(text[0])) <= 40
    assert is_clipped(Table(("a", "b", "c", "d", "e"), (("x", "y", "z", MESSAGE, "w"),)), "samples")
    assert not is_clipped(Table(("a", "b", "c", "d", "e"), (("x", "y", "z", "ngắn", "w"),)), "samples")


@pytest.fixture(scope="module")
def long_report(tmp_path_factory):
    """A report whose samples are a schema error: an XPath of 250 characters with no space, a
    long file path, a long message."""
    report = report_of(build_db(tmp_path_factory.mktemp("pdf") / "audit.duckdb"), as_of=AS_OF)
    samples = Table(("Đối tượng", "Trường dữ liệu", "Giá trị sai", "Mô tả", "Vị trí trong tệp nguồn"),
                    ((f"Tệp {PATH}; Vai trò ký Con dấu của trường", "Lỗi cấu trúc", XPATH, MESSAGE,
                      f"{PATH}, dòng 125"),) * 3)
    group = FindingGroup("CKS-043", "lỗi", "Chữ ký số", "Tệp học bạ số không đúng lược đồ dữ liệu", 5,
                         ("Đọc danh sách lỗi lược đồ.",), "QĐ 3016/QĐ-BGDĐT", samples)
    return dataclasses.replace(report, top_findings=(group,))


def test_long_tokens_stay_inside_their_cells(long_report, monkeypatch):
    """Typst measures every unbreakable run of every cell against its column: none is wider.
    Without the break pieces the same check finds the path and the XPath (it can fail)."""
    doc = inspector_document(long_report, {})
    cells = sum(len(r) for b in doc["blocks"] if b["k"] == "table" for r in b["rows"])
    assert cells > 50
    assert overflowing_cells(doc) == []
    monkeypatch.setattr(pdf_tables, "code_segments", lambda text, run=0: [text])
    monkeypatch.setattr(pdf_tables, "text_pieces", lambda text, run=0: [text])
    words = {o["word"] for o in overflowing_cells(inspector_document(long_report, {}))}
    assert any(PATH in w for w in words) and any("KetQuaTieuHoc" in w for w in words), words


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_text_reaches_the_pdf_as_text_not_markup(long_report, tmp_path):
    """Report values that look like Typst markup are printed as they are; the shortened-value
    note is there; no zero-width character is added to the PDF's text."""
    tricky = "#set page(width: 1cm) *đậm* _nghiêng_ $x^2$ [a] <nhãn> @ref \\ `mã` // chú thích"
    samples = Table(long_report.top_findings[0].samples.columns,
                    (("Học sinh " + tricky, "Tên", "x", tricky, "dòng 1"),))
    group = dataclasses.replace(long_report.top_findings[0], title=tricky, samples=samples)
    report = dataclasses.replace(long_report, top_findings=(group, long_report.top_findings[0]))
    path = tmp_path / "t.pdf"
    path.write_bytes(compile_inspector_pdf(inspector_document(report, {}), {}))
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    flat = " ".join(text.split())
    assert "#set page(width: 1cm) *đậm* _nghiêng_ $x^2$ [a] <nhãn> @ref \\ `mã` // chú thích" in flat
    assert "rút gọn" in flat and "\u200b" not in text
    assert "Trang 1/" in flat


def test_signing_tables_have_their_layouts(tmp_path):
    """Each signing table of the PDF is drawn with its layout: a column added to a report table
    without a PDF layout would raise here, not render in equal narrow columns."""
    report = report_of(build_db(tmp_path / "audit.duckdb"), as_of=AS_OF)
    s = report.signing
    for kind, table in (("coverage", s.coverage_table()), ("status_counts", s.status_counts),
                        ("slot_table", s.slot_table), ("problems", s.problems), ("rules", s.rules),
                        ("certificates", s.certificates)):
        model = layout_table(table, kind)
        assert len(model["widths"]) == len(table.columns) == len(model["head"]), kind
        assert all(len(row) == len(table.columns) for row in model["rows"]), kind


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) is not installed")
def test_vietnamese_text_is_set_in_one_serif_font(long_report, tmp_path):
    """Every Vietnamese letter is in Liberation Serif 2 (fonts-liberation2, installed by
    scripts/setup.sh): no word mixes in DejaVu Serif glyphs for ệ, ố, ữ … as Liberation 1.x
    (fonts-liberation) made it, and the template's serif fallback is never used."""
    from hocba_audit.pdf import FONT_DIRS, font_dirs

    assert font_dirs() and font_dirs()[0] == FONT_DIRS[0], "fonts-liberation2 is not installed"
    path = tmp_path / "fonts.pdf"
    path.write_bytes(compile_inspector_pdf(inspector_document(long_report, {}), {}))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    names = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if line.strip()}
    assert {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic"} <= names, names
    assert not [n for n in names if "DejaVuSerif" in n], names


def test_multi_line_rows_are_never_split_across_pages(long_report, tmp_path, monkeypatch):
    """Rows of the samples table (long messages) stay on one page, however many there are;
    the same check finds split rows in a template whose rows may break (it can fail)."""
    from hocba_audit import pdf

    group = long_report.top_findings[0]
    rows = tuple((f"Học sinh số {n}", "Trường", "x", MESSAGE[: 120 + 7 * n], f"dòng {n}") for n in range(40))
    report = dataclasses.replace(long_report, top_findings=(dataclasses.replace(
        group, samples=Table(group.samples.columns, rows)),))
    doc = inspector_document(report, {})
    assert pdf.split_rows(doc) == []
    breakable = tmp_path / "inspector.typ"
    breakable.write_text(pdf.TEMPLATE.read_text(encoding="utf-8").replace("breakable: not b.long", "breakable: true"),
                         encoding="utf-8")
    monkeypatch.setattr(pdf, "TEMPLATE", breakable)
    monkeypatch.setattr(pdf, "TEMPLATES", tmp_path)
    split = pdf.split_rows(doc)
    assert split and all(len(s["pages"]) == 2 for s in split), split
