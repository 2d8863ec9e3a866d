"""The inspector edition: an A4 PDF in Vietnamese official style, rendered by WeasyPrint from
an HTML template (``templates/inspector.html.j2``), with the charts as static SVG."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any

from hocba_audit.report_school import SchoolReport, vn_date

TEMPLATES = Path(__file__).parent / "templates"


def inspector_html(report: SchoolReport, svgs: dict[str, str]) -> str:
    """The inspector edition as HTML (WeasyPrint input); ``svgs`` maps chart name to SVG text."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    uris = {k: "data:image/svg+xml;base64," + base64.b64encode(v.encode("utf-8")).decode("ascii")
            for k, v in svgs.items()}
    return env.get_template("inspector.html.j2").render(
        r=report, e=report.evidence, svgs=uris, deadline=vn_date(report.deadline),
        as_of=vn_date(report.as_of), generated_at=dt.datetime.now().strftime("%d/%m/%Y %H:%M:%S"))


def write_inspector_pdf(report: SchoolReport, svgs: dict[str, str], path: str | Path) -> Path:
    """Render the inspector PDF to ``path`` (written to a temporary name, then replaced)."""
    import os
    import uuid

    from weasyprint import HTML

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        HTML(string=inspector_html(report, svgs), base_url=str(TEMPLATES)).write_pdf(str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def svgs_of(charts: dict[str, Any]) -> dict[str, str]:
    return {k: v["svg"] for k, v in charts.items()}
