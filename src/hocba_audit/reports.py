"""Run a report notebook with papermill and export it as HTML without code cells.

papermill and nbconvert are imported only when a notebook runs (about 2.5 s of import time).
With ``kernel=`` (a ``kernel_pool.WarmKernel``) the notebook runs on that already started
kernel (papermill engine ``hocba-warm``) instead of a kernel started for it; the HTML exporter
(its Jinja template compiled once) and each notebook's parameter list are kept per process.
``save_report`` / ``load_report`` hand the school notebook the report the renderer already
built (its ``report_path`` parameter), so that the notebook does not query the database again.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hocba_audit.errors import ReportError

#: Variables pointing kernels' runtime and profile files into a private temporary folder.
_HERMETIC_VARS = ("JUPYTER_RUNTIME_DIR", "IPYTHONDIR")


def execute_school_notebook(
    notebook: str | Path,
    out_dir: str | Path,
    parameters: Mapping[str, Any],
    kernel_name: str = "python3",
    *,
    kernel: Any = None,
    timings: dict[str, float] | None = None,
) -> Path:
    """Execute ``notebook`` into ``out_dir/<name>.ipynb`` and ``out_dir/<name>.html``.

    The notebook runs with its own folder as working directory, as in JupyterLab; string
    parameters named ``*_path`` or ``*_dir`` that are relative are made absolute against the
    caller's working directory first. Both outputs are written atomically. The HTML hides
    code cells (nbconvert ``HTMLExporter(exclude_input=True)``, in process).

    Args:
        notebook: the notebook to run (its ``parameters`` cell declares what it accepts).
        out_dir: the output folder, created if needed.
        parameters: values for the parameters cell; an unknown name is an error.
        kernel_name: the Jupyter kernel.
        kernel: a ``kernel_pool.WarmKernel`` to run on (its namespace is reset first); None
            starts a kernel for this notebook and shuts it down after.
        timings: if given, receives ``notebook`` (execution) and ``html`` (export and writes)
            in seconds.

    Returns:
        The path of the executed notebook.

    Raises:
        ReportError: the notebook is missing, a parameter is unknown, the kernel is unknown,
            or a cell failed.
            On an execution failure the partial notebook, with papermill's error banner, is
            kept at ``out_dir/<name>.ipynb`` (``ReportError.notebook``), any older HTML of
            that name is removed, and ``ReportError.cell`` is the failing execution count.
            Kernel start-up failures (``RuntimeError``, ``TimeoutError`` from jupyter_client)
            propagate unwrapped so that a caller can retry them; the temporary notebook is
            removed.
    """
    import papermill as pm
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillException, PapermillExecutionError

    notebook = Path(notebook)
    if not notebook.is_file():
        raise ReportError(f"Notebook '{notebook}' does not exist.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    final_nb, final_html = out / f"{notebook.stem}.ipynb", out / f"{notebook.stem}.html"
    params = _absolute_paths(parameters)
    accepted = _accepted_parameters(notebook)
    unknown = [p for p in params if p not in accepted]
    if unknown:
        raise ReportError(
            f"Unknown parameter(s) {', '.join(repr(p) for p in unknown)} for notebook "
            f"'{notebook}'; it accepts: {', '.join(accepted) or 'none'}."
        )
    tmp_nb = out / f".{notebook.stem}.{uuid.uuid4().hex}.tmp.ipynb"
    engine: dict[str, Any] = {}
    if kernel is not None:
        from hocba_audit.kernel_pool import ENGINE_NAME, register_engine

        register_engine()
        engine = {"engine_name": ENGINE_NAME, "warm_kernel": kernel}
    t0 = time.perf_counter()
    try:
        with _hermetic_jupyter_env():
            # the notebook is written once at the end (or with papermill's error banner on a
            # failure), not after every cell: a notebook save validates the whole document
            executed = pm.execute_notebook(
                str(notebook), str(tmp_nb), parameters=params, kernel_name=kernel_name,
                cwd=str(notebook.resolve().parent), progress_bar=False, log_output=False,
                request_save_on_cell_execute=False, **engine,
            )
    except PapermillExecutionError as e:
        os.replace(tmp_nb, final_nb)
        final_html.unlink(missing_ok=True)
        raise ReportError(
            f"Notebook '{notebook}' failed in cell [{e.exec_count}] ({e.ename}: {e.evalue}). "
            f"The partial notebook is '{final_nb}'.",
            cell=e.exec_count, notebook=str(final_nb),
        ) from e
    except (PapermillException, NoSuchKernel) as e:
        tmp_nb.unlink(missing_ok=True)
        raise ReportError(
            f"Notebook '{notebook}' could not run with kernel '{kernel_name}': {e}"
        ) from e
    except BaseException:
        tmp_nb.unlink(missing_ok=True)
        raise
    t1 = time.perf_counter()
    try:
        html = _html(executed)
        write_text_atomic(final_html, html)
        os.replace(tmp_nb, final_nb)
    finally:
        tmp_nb.unlink(missing_ok=True)
    if timings is not None:
        timings.update({"notebook": t1 - t0, "html": time.perf_counter() - t1})
    return final_nb


_EXPORTER: Any = None
_PARAMETERS: dict[tuple[str, int, int], list[str]] = {}
#: nbconvert's HTMLExporter post-processing, done on the text instead of a parsed tree.
_IMG_NO_ALT = re.compile(r"<img\b(?![^>]*\salt=)([^>]*?)(/?)>", re.IGNORECASE)
_FOCUSABLE = re.compile(
    r'<div\b(?=[^>]*\sclass="(?:[^"]*\s)?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?:\s[^"]*)?")'
    r'(?![^>]*\stabindex=)([^>]*?)(/?)>')
_RAW = re.compile(r"(<(script|style)\b.*?</\2\s*>)", re.IGNORECASE | re.DOTALL)
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
ALT_TEXT = "No description has been provided for this image"


def warm_up() -> None:
    """Import papermill and nbconvert and build the HTML exporter (worker initializer)."""
    import papermill  # noqa: F401

    _exporter()


def _exporter() -> Any:
    """One HTML exporter per process: building it compiles its Jinja template (~0.2 s).

    It is nbconvert's ``HTMLExporter`` with two changes that leave the HTML as nbconvert
    writes it: the notebook is validated once after the preprocessors instead of after each
    of them (``optimistic_validation``), and the accessibility post-processing (``alt`` on
    images without one, ``tabindex="0"`` on input wrappers and outputs) is done on the text
    instead of by parsing and re-serialising the whole page with BeautifulSoup, which took
    half of the export time. ``tests/test_kernel_pool.py`` checks both give the same page.
    """
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        class ReportHTMLExporter(HTMLExporter):
            def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[override]
                langinfo = nb.metadata.get("language_info", {})
                lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
                self.register_filter("highlight_code", self.filters.get(
                    "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
                resources = self._init_resources(resources)
                self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources))
                html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
                return accessible_html(html), resources

        _EXPORTER = ReportHTMLExporter(
            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
            optimistic_validation=True, **_offline_template(),
        )
    return _EXPORTER


def _offline_template() -> dict[str, Any]:
    """``html_export``'s offline template (the lab template without CDN scripts), if present."""
    try:
        from hocba_audit.html_export import TEMPLATE, TEMPLATES
    except ImportError:
        return {}
    if not (Path(TEMPLATES) / TEMPLATE).is_dir():
        return {}
    return {"template_name": TEMPLATE, "extra_template_basedirs": [str(TEMPLATES)]}


def _literal(m: re.Match) -> str:
    """A character reference to a non-ASCII character as the character itself (the Markdown
    renderer writes 'Thông' as 'Th&#244;ng'; nbconvert's re-serialisation writes characters)."""
    import html

    text = html.unescape(m.group(0))
    return text if text != m.group(0) and all(ord(ch) > 127 for ch in text) else m.group(0)


def accessible_html(html: str) -> str:
    """What nbconvert's HTMLExporter does after rendering, outside <script> and <style>:
    ``alt`` on ``img`` elements without one, ``tabindex="0"`` on input wrappers and outputs,
    non-ASCII characters written as characters, not references."""
    parts = _RAW.split(html)
    out = []
    # re.split with two groups yields: text, whole raw block, tag name, text, ...
    for i in range(0, len(parts), 3):
        text = _IMG_NO_ALT.sub(lambda m: f'<img{m.group(1)} alt="{ALT_TEXT}"{m.group(2)}>', parts[i])
        text = _ENTITY.sub(_literal, text)
        out.append(_FOCUSABLE.sub(lambda m: f'<div{m.group(1)} tabindex="0"{m.group(2)}>', text))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return "".join(out)


def _html(nb: Any) -> str:
    """The executed notebook (a ``NotebookNode``) as HTML without code; with ``html_export``
    present, a page that would fetch anything from the network is a ``ReportError``."""
    body, _ = _exporter().from_notebook_node(nb)
    try:
        from hocba_audit.html_export import external_refs
    except ImportError:
        return body
    refs = external_refs(body)
    if refs:
        raise ReportError(f"The HTML of the notebook would load {refs[0]!r} from the network.")
    return body


def _accepted_parameters(notebook: Path) -> list[str]:
    """The notebook's parameter names (papermill's inspection), cached per file version."""
    import papermill as pm

    st = notebook.stat()
    key = (str(notebook.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _PARAMETERS:
        _PARAMETERS[key] = list(pm.inspect_notebook(str(notebook)))
    return _PARAMETERS[key]


def save_report(report: Any, path: str | Path) -> None:
    """Hand a built report (``report_school.SchoolReport``) to a notebook: ``path`` is given
    to it as ``report_path`` (the renderer writes it next to the charts file, in the school's
    output folder, and removes it after the notebook ran)."""
    import pickle

    Path(path).write_bytes(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))


def load_report(report_path: str | Path, school_id: str = "", run_id: str = "") -> Any:
    """The report the renderer prepared for this notebook run (``save_report``), or None when
    ``report_path`` is empty or the file is gone (an executed notebook run again by hand): the
    notebook then builds the report from the database itself.

    The file is a pickle, so it is trusted like the notebook code itself: the renderer writes
    it for its own kernel; a notebook user never has to pass one.

    Raises:
        ReportError: the file holds no school report, or one of another school or run.
    """
    import pickle

    if not report_path or not Path(report_path).is_file():
        return None
    from hocba_audit.report_school import SchoolReport

    report = pickle.loads(Path(report_path).read_bytes())
    if not isinstance(report, SchoolReport):
        raise ReportError(f"'{report_path}' holds no school report.")
    if (school_id and report.school_id != school_id) or (run_id and report.run_id != run_id):
        raise ReportError(f"'{report_path}' is the report of school '{report.school_id}', run "
                          f"'{report.run_id}', not of school '{school_id}', run '{run_id}'.")
    return report


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and os.replace."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _absolute_paths(parameters: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in parameters.items():
        if isinstance(value, Path):
            value = str(value.absolute())
        elif isinstance(value, str) and value and name.endswith(("_path", "_dir")):
            value = os.path.abspath(value)
        out[name] = value
    return out


@contextmanager
def _hermetic_jupyter_env() -> Iterator[None]:
    missing = [v for v in _HERMETIC_VARS if not os.environ.get(v)]
    if not missing:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="hocba-jupyter-") as tmp:
        for var in missing:
            os.environ[var] = os.path.join(tmp, var.lower())
        try:
            yield
        finally:
            for var in missing:
                os.environ.pop(var, None)
