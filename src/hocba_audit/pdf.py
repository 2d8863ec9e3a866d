"""The inspector edition: an A4 PDF in Vietnamese official style, typeset by Typst.

``inspector_document`` turns a ``SchoolReport`` into plain data: the header fields and a list of
blocks (headings, paragraphs, tables with their column layouts, charts, boxes, lists). The
Typst template ``templates/inspector.typ`` draws those blocks; it holds the page style and no
report logic. The data reaches Typst as JSON through ``sys.inputs`` (so no report text is ever
parsed as Typst markup) and the charts as SVG text.

Typst typesets a school's report (9-12 pages) in 0.25-0.4 s; WeasyPrint, which this module used
before, took 2.7-3.5 s for the same reports (docs/reports.md has the measurements).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

from hocba_audit.pdf_tables import Column, cell_model, is_clipped, layout_table
from hocba_audit.report_school import SchoolReport, Table, vn_date

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = TEMPLATES / "inspector.typ"
#: Fonts, in order: Liberation Serif is metric-compatible with Times New Roman (the official
#: style); DejaVu Serif only for a glyph it lacks. Liberation 1.x (Debian's fonts-liberation)
#: has no Vietnamese letters with two marks (ệ, ố, ữ …): those fell back to DejaVu inside the
#: words, so the PDF uses Liberation 2 (fonts-liberation2) from its own folder.
SERIF = ("Liberation Serif", "DejaVu Serif")
MONO = "DejaVu Sans Mono"
#: Per process: Typst's compiler with its font book (fonts are looked up once, not per school).
_COMPILER: Any = None

CLIPPED_SAMPLES_VI = ("Đối tượng, giá trị và mô tả dài được rút gọn (…); bản đầy đủ có trong danh sách "
                      "sửa lỗi (XLSX), sổ tay và bản HTML của trường.")
CLIPPED_PROBLEMS_VI = ("Giải thích dài được rút gọn (…); bản đầy đủ có trong sổ tay, bản HTML và danh sách "
                       "sửa lỗi của trường.")


#: Font folders the PDF is typeset with, when they exist (Debian's fonts-liberation2 and
#: fonts-dejavu-core, which scripts/setup.sh installs): only these and Typst's own fonts, so
#: that other installed fonts (Liberation 1.x has the same family name) cannot be picked.
FONT_DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/dejavu")


def font_dirs() -> list[str]:
    """The folders of ``FONT_DIRS`` present here; empty when Liberation 2 is missing (the
    system's fonts are used then)."""
    if not Path(FONT_DIRS[0], "LiberationSerif-Regular.ttf").is_file():
        return []
    return [d for d in FONT_DIRS if Path(d).is_dir()]


def _compiler() -> Any:
    global _COMPILER
    if _COMPILER is None:
        import typst

        dirs = font_dirs()
        _COMPILER = typst.Compiler(root=str(TEMPLATES), font_paths=dirs, ignore_system_fonts=bool(dirs))
    return _COMPILER


def evidence_files(rows: Any) -> list[dict[str, Any]]:
    """The input files of the PDF's evidence page, from the report's manifest rows (file, sheet,
    sha256, size, read, loaded, rejected, status).

    Tabular files are listed one by one. Signed học bạ records (``*.xml``, one per pupil and
    year: hundreds per school, pages of hashes) get one line per folder: the count and the
    SHA-256 of the folder's listing as ``sha256sum`` prints it, sorted by path
    (``LC_ALL=C sha256sum hoc_ba/*.xml | sha256sum`` in the export folder gives the same
    digest). The notebook and its HTML list every file."""
    files: list[dict[str, Any]] = []
    groups: dict[str, list] = {}
    for f in rows:
        name = str(f[0])
        if name.lower().endswith(".xml"):
            groups.setdefault(name.rsplit("/", 1)[0] if "/" in name else "", []).append(f)
        else:
            files.append({"file": name, "sheet": f[1], "sha256": f[2] or "",
                          "rows": f"{f[4]} / {f[5]} / {f[6]}", "group": False})
    for folder, fs in sorted(groups.items()):
        listing = "".join(f"{f[2] or ''}  {f[0]}\n" for f in sorted(fs, key=lambda f: str(f[0])))
        total = [sum(int(f[i] or 0) for f in fs) for i in (4, 5, 6)]
        files.append({"file": f"{folder}/*.xml" if folder else "*.xml",
                      "sheet": f"{len(fs)} tệp học bạ đã ký",
                      "sha256": hashlib.sha256(listing.encode("utf-8")).hexdigest(),
                      "rows": " / ".join(map(str, total)), "group": True})
    return files


# ---- blocks: what the template draws ------------------------------------------------------

def _h2(text: str) -> dict:
    return {"k": "h2", "t": text}


def _h3(text: str) -> dict:
    return {"k": "h3", "t": text}


def _p(*runs: Any, style: str = "") -> dict:
    """A paragraph of runs: strings, ``{"b": text}`` (bold), ``{"i": text}`` (italic) or
    ``{"m": text}`` (small monospace, for a command)."""
    return {"k": "p", "t": list(runs), "style": style}


_SVG_WIDTH = re.compile(r'<svg\b[^>]*?\bwidth="([0-9.]+)(?:px)?"')


def _chart(name: str, svgs: dict[str, str]) -> list[dict]:
    """A chart at its own size (CSS pixels, 0.75 pt each), never wider than the page's text."""
    svg = svgs.get(name)
    if not svg:
        return []
    m = _SVG_WIDTH.search(svg[:2000])
    return [{"k": "img", "name": name, "width_pt": float(m.group(1)) * 0.75 if m else 10_000.0}]


def _kv(rows: list[list[str]], widths: list[float], header_cols: tuple[int, ...]) -> dict:
    """A table without a header row whose ``header_cols`` are drawn as header cells."""
    return {"k": "table", "widths": widths, "styles": ["text"] * len(widths), "head": [],
            "th_cols": list(header_cols), "long": False,
            "rows": [[cell_model(c, Column(w)) for c, w in zip(row, widths)] for row in rows]}


def _school_blocks(r: SchoolReport) -> list[dict]:
    c = r.counts
    return [_h2("1. Thông tin trường"), _kv([
        ["Tên trường", r.school_name, "Mã trường", r.school_id],
        ["Cấp học", r.level, "Xã/phường", r.commune],
        ["Năm học", ", ".join(r.school_years), "Lần kiểm tra", r.run_id],
        ["Số học sinh", str(c.get("pupils", 0)), "Số lớp / cán bộ, giáo viên",
         f"{c.get('classes', 0)} / {c.get('teachers', 0)}"],
    ], [20, 38, 20, 22], (0, 2))]


def _verdict_blocks(r: SchoolReport, deadline: str, as_of: str) -> list[dict]:
    inner = [
        _p(r.verdict_vi, style=f"verdict-{r.verdict}"),
        _p(f"{r.errors} bản ghi có ", {"b": "lỗi"}, f" ({r.rules_failed.get('lỗi', 0)} quy tắc không đạt); "
           f"{r.warnings} bản ghi có ", {"b": "cảnh báo"}, f" ({r.rules_failed.get('cảnh báo', 0)} quy tắc)."),
        _p(f"Hạn hoàn thành {deadline}: ", {"b": r.days_left_vi}, f" (tính đến ngày {as_of})."),
    ]
    if r.rules_errored:
        inner.append(_p(f"{r.rules_errored} quy tắc không chạy được: kết quả kiểm tra chưa đầy đủ."))
    if r.load_errors:
        inner.append(_p(f"{r.load_errors} tệp không đọc được khi nạp dữ liệu."))
    parts = layout_table(Table(("Phần", "Hạn", "Kết luận", "Số liệu"), tuple(r.verdict_counts())),
                         "verdict_parts")
    parts["bold_cols"] = [2]
    inner += [parts, _p("Kết luận chung là mức thấp nhất của ba phần.", style="note")]
    return [_h2("2. Kết luận"), {"k": "box", "style": "verdict", "blocks": inner}]


def _category_blocks(r: SchoolReport, svgs: dict[str, str]) -> list[dict]:
    table = Table(("Nhóm quy tắc", "Mức độ", "Số quy tắc không đạt", "Số bản ghi không đạt"),
                  tuple((c["category"], c["severity"], c["rules_failed"], c["records"]) for c in r.by_category))
    return [_h2("3. Kết quả theo nhóm quy tắc và mức độ"), layout_table(table, "by_category"),
            *_chart("category", svgs),
            _h2("4. Mức độ đầy đủ dữ liệu"), *_chart("completeness", svgs),
            _h2("5. Phổ điểm so với thành phố"),
            _p("Tỉ lệ điểm theo từng mức điểm, trên cùng mẫu số (tổng số điểm cùng loại) cho trường và "
               "cho các trường cùng cấp học của thành phố."),
            *_chart("marks", svgs)]


def _signing_blocks(r: SchoolReport, svgs: dict[str, str]) -> list[dict]:
    s = r.signing
    out = [_h2("6. Ký số học bạ và chứng thư số")]
    if s is None or not s.has_files:
        text = [{"b": "Chưa có dữ liệu chữ ký."},
                " Bản xuất dữ liệu của trường không có tệp học bạ đã ký nào; với hạn ký "
                f"{vn_date(s.deadline) if s else ''} phần ký số học bạ được xếp ", {"b": "chưa sẵn sàng"}]
        if s is not None:
            text.append(f" ({s.enrolled} học sinh đang theo học chưa có học bạ được ký)")
        out.append({"k": "box", "style": "placeholder", "blocks": [_p(*text, ".")]})
    else:
        out.append(_p({"b": f"{s.verdict_vi}."}, f" {s.files} tệp học bạ; {s.with_record} / {s.enrolled} học "
                      "sinh đang theo học có tệp; ", {"b": f"{s.complete} / {s.enrolled}"},
                      " có đủ ba chữ ký hợp lệ (giáo viên chủ nhiệm, hiệu trưởng, con dấu của trường)."))
        if s.reasons:
            out.append({"k": "list", "ordered": False, "items": list(s.reasons), "style": ""})
        out += _chart("coverage", svgs)
        out += [_h3("Độ phủ chữ ký theo lớp và vai trò"), layout_table(s.coverage_table(), "coverage"),
                _h3("Trạng thái các tệp học bạ"), layout_table(s.status_counts, "status_counts"),
                _h3("Chữ ký theo vai trò"), layout_table(s.slot_table, "slot_table")]
        if len(s.problems):
            out += [_h3("Các vấn đề chữ ký thường gặp"), layout_table(s.problems, "problems")]
            if is_clipped(s.problems, "problems"):
                out.append(_p(CLIPPED_PROBLEMS_VI, style="note small"))
        if len(s.rules):
            out += [_h3("Quy tắc kiểm tra chữ ký số không đạt"), layout_table(s.rules, "rules")]
    if s is not None:
        k, due = s.cert_counts, vn_date(s.deadline)
        out += [_h3("Chứng thư số"),
                _p(f"{k['ready']} / {k['needed']} chứng thư số cần dùng đã sẵn sàng (có tệp, tin cậy, dùng để ký "
                   f"được, còn hiệu lực đến hạn ký {due}). Thiếu tệp: {k['missing']}; không tin cậy: "
                   f"{k['untrusted']}; hết hạn trước hạn ký: {k['expires_before']}; sắp hết hạn: "
                   f"{k['expiring_soon']}; định danh bằng CMND 9 số: {k['cmnd_only']}."),
                layout_table(s.certificates, "certificates"),
                _h3("Gói đồng bộ"), _p(s.package_text)]
    return out


def _finding_blocks(r: SchoolReport) -> list[dict]:
    out = [_h2("7. Các lỗi cần khắc phục (theo mức độ và số bản ghi)")]
    for i, g in enumerate(r.top_findings, 1):
        shown = f" (dưới đây {len(g.samples)} ví dụ)" if g.failing > len(g.samples) else ""
        meta = [f"Mức độ: ", {"b": g.severity}, f"; nhóm: {g.category}; số bản ghi không đạt: ",
                {"b": str(g.failing)}, f"{shown}."]
        if g.legal_basis:
            meta += [" ", {"i": f"Căn cứ: {g.legal_basis}."}]
        out += [_h3(f"{i}. {g.rule_code} — {g.title}"), _p(*meta, style="meta"),
                _p("Cách khắc phục:", style="meta"),
                {"k": "list", "ordered": True, "items": list(g.fix), "style": "meta"},
                layout_table(g.samples, "samples")]
    if not r.top_findings:
        out.append(_p("Không có quy tắc nào không đạt."))
    elif any(is_clipped(g.samples, "samples") for g in r.top_findings):
        out.append(_p(CLIPPED_SAMPLES_VI, style="note small"))
    return out


def _evidence_blocks(r: SchoolReport, files: list[dict[str, Any]], generated_at: str) -> list[dict]:
    e = r.evidence
    params = "; ".join(f"{k} = {v}" for k, v in e.get("parameters", {}).items())
    rows = [["Phiên bản công cụ", f"hocba-audit {e.get('tool_version', '')}"],
            ["Danh mục quy tắc", f"phiên bản {e.get('catalogue_version', '')}; mã băm SHA-256 "
                                 f"{e.get('catalogue_digest', '')}"],
            ["Lần chạy", f"{r.run_id}: bắt đầu {e.get('run_started', '')}, kết thúc {e.get('run_finished', '')}"],
            ["Thời điểm lập báo cáo", generated_at],
            ["Tham số", params]]
    if e.get("settings_vi"):
        rows.append(["Thiết lập khác mặc định", e["settings_vi"]])
    table = Table(("Tệp", "Trang tính", "Mã băm SHA-256", "Dòng đọc / nạp / loại"),
                  tuple((f["file"], f["sheet"], f["sha256"], f["rows"]) for f in files))
    out = [{"k": "pagebreak"}, _h2("Phụ lục. Bằng chứng kiểm tra"), _kv(rows, [28, 72], (0,)),
           _h3("Các tệp dữ liệu đầu vào"), layout_table(table, "files")]
    if any(f["group"] for f in files):
        out.append(_p("Các tệp học bạ đã ký (*.xml) được gộp một dòng cho mỗi thư mục: mã băm SHA-256 của danh "
                      "sách «mã băm, hai dấu cách, tên tệp» sắp theo tên tệp, đúng như lệnh ",
                      {"m": "LC_ALL=C sha256sum hoc_ba/*.xml | sha256sum"},
                      " chạy trong thư mục bản xuất. Danh sách từng tệp có trong sổ tay và bản HTML của trường.",
                      style="note"))
    out.append({"k": "sign", "cells": [["NGƯỜI LẬP BÁO CÁO", "(Ký, ghi rõ họ tên)"],
                                       ["TRƯỞNG ĐOÀN KIỂM TRA", "(Ký, ghi rõ họ tên)"]]})
    return out


def inspector_document(report: SchoolReport, svgs: dict[str, str],
                       generated_at: dt.datetime | None = None) -> dict[str, Any]:
    """The inspector edition as the Typst template's data (JSON-ready); ``svgs`` maps chart
    name to SVG text."""
    r = report
    deadline, as_of = vn_date(r.deadline), vn_date(r.as_of)
    stamp = (generated_at or dt.datetime.now()).strftime("%d/%m/%Y %H:%M:%S")
    blocks = [*_school_blocks(r), *_verdict_blocks(r, deadline, as_of), *_category_blocks(r, svgs),
              *_signing_blocks(r, svgs), *_finding_blocks(r),
              *_evidence_blocks(r, evidence_files(r.manifest.rows), stamp)]
    return {
        "title": f"Báo cáo kiểm tra dữ liệu học bạ số — {r.school_name}",
        "authority": "SỞ GIÁO DỤC VÀ ĐÀO TẠO HẢI PHÒNG", "body": "ĐOÀN KIỂM TRA HỌC BẠ SỐ",
        "place": f"Hải Phòng, ngày {r.as_of.day} tháng {r.as_of.month} năm {r.as_of.year}",
        "heading": "Báo cáo kiểm tra dữ liệu học bạ số",
        "subtitle": [f"{r.school_name} (mã {r.school_id})", "Ấn bản dành cho thanh tra, kiểm tra"],
        "footer": f"{r.school_name} — mã {r.school_id}",
        "serif": list(SERIF), "mono": MONO, "blocks": blocks,
    }


def _inputs(document: dict[str, Any], svgs: dict[str, str] | None, check: bool = False) -> dict[str, str]:
    inputs = {"data": json.dumps(document, ensure_ascii=False),
              "svgs": json.dumps({k: v for k, v in (svgs or {}).items() if v}, ensure_ascii=False)}
    return {**inputs, "check": "1"} if check else inputs


def compile_inspector_pdf(document: dict[str, Any], svgs: dict[str, str]) -> bytes:
    """The PDF bytes of ``document`` (``inspector_document``)."""
    return _compiler().compile(input=str(TEMPLATE), sys_inputs=_inputs(document, svgs))


def warm_up() -> None:
    """Load Typst's fonts and parse the template once per process (a pool worker's start)."""
    blank = {"title": "", "authority": "", "body": "", "place": "", "heading": "", "subtitle": [],
             "footer": "", "serif": list(SERIF), "mono": MONO, "blocks": [_p("Tiếng Việt")]}
    compile_inspector_pdf(blank, {})


def _check_marks(document: dict[str, Any], svgs: dict[str, str] | None, label: str) -> list[dict[str, Any]]:
    """The values of the template's check-mode metadata ``label`` (a layout in check mode)."""
    import typst

    dirs = font_dirs()
    found = typst.query(str(TEMPLATE), f"<{label}>", root=str(TEMPLATES), field="value",
                        sys_inputs=_inputs(document, svgs, check=True), font_paths=dirs,
                        ignore_system_fonts=bool(dirs))
    return json.loads(found) if isinstance(found, str) else list(found)


def overflowing_cells(document: dict[str, Any], svgs: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Unbreakable runs of ``document``'s table cells wider than their column, as Typst
    measures them: what would run over the cell's border into the next column."""
    return _check_marks(document, svgs, "overflow")


def split_rows(document: dict[str, Any], svgs: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Rows of ``document``'s multi-line tables (``pdf_tables.LONG_ROWS``) that Typst lays out
    across two pages: (table, row, pages). The template keeps such rows whole; this proves it."""
    numbered = {**document, "blocks": [{**b, "id": f"t{n}"} if b.get("k") == "table" else b
                                       for n, b in enumerate(document["blocks"])]}
    pages: dict[tuple[str, int], set[int]] = {}
    for mark in _check_marks(numbered, svgs, "row-place"):
        pages.setdefault((mark["table"], mark["row"]), set()).add(mark["page"])
    return [{"table": t, "row": r, "pages": sorted(p)} for (t, r), p in sorted(pages.items()) if len(p) > 1]


def write_inspector_pdf(report: SchoolReport, svgs: dict[str, str], path: str | Path) -> Path:
    """Render the inspector PDF to ``path`` (written to a temporary name, then replaced)."""
    path = Path(path)
    pdf = compile_inspector_pdf(inspector_document(report, svgs), svgs)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(pdf)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def svgs_of(charts: dict[str, Any]) -> dict[str, str]:
    return {k: v["svg"] for k, v in charts.items() if "svg" in v}


__all__ = ["evidence_files", "inspector_document", "compile_inspector_pdf", "overflowing_cells",
           "split_rows", "write_inspector_pdf", "svgs_of", "warm_up", "font_dirs"]
