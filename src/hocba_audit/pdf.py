"""The inspector edition: an A4 PDF in Vietnamese official style, rendered by WeasyPrint from
an HTML template (``templates/inspector.html.j2``), with the charts as static SVG."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from hocba_audit.report_school import SchoolReport, vn_date

TEMPLATES = Path(__file__).parent / "templates"
#: Per process: the compiled template and WeasyPrint's font configuration (fonts looked up
#: once, not once per school).
_ENV: Any = None
_FONTS: Any = None


def _template() -> Any:
    global _ENV
    if _ENV is None:
        import jinja2
        from markupsafe import Markup

        from hocba_audit.pdf_tables import is_clipped, layout_table

        _ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                  auto_reload=True)
        _ENV.filters["layout"] = lambda table, kind: Markup(layout_table(table, kind))
        _ENV.tests["clipped"] = is_clipped
    return _ENV.get_template("inspector.html.j2")


def _fonts() -> Any:
    global _FONTS
    if _FONTS is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONTS = FontConfiguration()
    return _FONTS


def evidence_files(rows: Any) -> list[dict[str, Any]]:
    """The input files of the PDF's evidence page, from the report's manifest rows (file, sheet,
    sha256, size, read, loaded, rejected, status).

    Tabular files are listed one by one. Signed học bạ records (``*.xml``, one per pupil and
    year: hundreds per school, pages of hashes that WeasyPrint took seconds to lay out) get one
    line per folder: the count and the SHA-256 of the folder's listing as ``sha256sum`` prints
    it, sorted by path (``LC_ALL=C sha256sum hoc_ba/*.xml | sha256sum`` in the export folder
    gives the same digest). The notebook and its HTML list every file."""
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


def inspector_html(report: SchoolReport, svgs: dict[str, str]) -> str:
    """The inspector edition as HTML (WeasyPrint input); ``svgs`` maps chart name to SVG text."""
    uris = {k: "data:image/svg+xml;base64," + base64.b64encode(v.encode("utf-8")).decode("ascii")
            for k, v in svgs.items()}
    return _template().render(
        r=report, e=report.evidence, svgs=uris, files=evidence_files(report.manifest.rows), deadline=vn_date(report.deadline),
        as_of=vn_date(report.as_of), generated_at=dt.datetime.now().strftime("%d/%m/%Y %H:%M:%S"))


def write_inspector_pdf(report: SchoolReport, svgs: dict[str, str], path: str | Path) -> Path:
    """Render the inspector PDF to ``path`` (written to a temporary name, then replaced)."""
    import os
    import uuid

    from weasyprint import HTML

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        HTML(string=inspector_html(report, svgs), base_url=str(TEMPLATES)).write_pdf(
            str(tmp), font_config=_fonts())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def svgs_of(charts: dict[str, Any]) -> dict[str, str]:
    return {k: v["svg"] for k, v in charts.items()}
