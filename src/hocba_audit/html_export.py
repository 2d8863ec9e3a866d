"""Notebook to HTML with nothing fetched from the network.

nbconvert's ``lab`` template loads require.js, MathJax and mermaid from cdnjs; the report
notebooks need none of them, and a school opening its report offline (or a browser with no
route out) must not wait on them. ``offline_html`` renders with the ``hocba_offline`` template
(``nbconvert_templates/hocba_offline``: the lab template minus those scripts), code cells
hidden, and checks the result: an external script, stylesheet or image reference raises.

Use it wherever a report notebook becomes HTML (``reports._html``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hocba_audit.errors import ReportError

TEMPLATES = Path(__file__).parent / "nbconvert_templates"
TEMPLATE = "hocba_offline"
#: A reference the browser would fetch from the network: <script src=…>, <link href=…>,
#: <img src=…>, <iframe src=…>, CSS @import or url(…) with http(s) or protocol-relative URL.
EXTERNAL_REF = re.compile(
    r"""<(?:script|img|iframe|embed|source|audio|video)\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//""", re.I)


def html_exporter() -> Any:
    """An nbconvert HTMLExporter with the offline template, code and prompts hidden."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)],
                        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


def external_refs(html: str) -> list[str]:
    """Every network reference in ``html`` (empty for an offline page)."""
    return [m[0] for m in EXTERNAL_REF.finditer(html)]


def offline_html(notebook: str | Path | Any) -> str:
    """The HTML of a notebook (path or NotebookNode), without code and without any network
    reference.

    Raises:
        ReportError: the page would still fetch something (names the first reference)."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, (str, Path)) else notebook
    body, _ = html_exporter().from_notebook_node(nb)
    refs = external_refs(body)
    if refs:
        raise ReportError(f"The HTML of '{notebook}' would load {refs[0]!r} from the network.")
    return body
