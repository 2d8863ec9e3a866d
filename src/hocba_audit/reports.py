"""Run a report notebook with papermill and export it as HTML without code cells.

papermill and nbconvert are imported only when a notebook runs (about 2.5 s of import time).
"""

from __future__ import annotations

import os
import tempfile
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
    accepted = pm.inspect_notebook(str(notebook))
    unknown = [p for p in params if p not in accepted]
    if unknown:
        raise ReportError(
            f"Unknown parameter(s) {', '.join(repr(p) for p in unknown)} for notebook "
            f"'{notebook}'; it accepts: {', '.join(accepted) or 'none'}."
        )
    tmp_nb = out / f".{notebook.stem}.{uuid.uuid4().hex}.tmp.ipynb"
    try:
        with _hermetic_jupyter_env():
            pm.execute_notebook(
                str(notebook), str(tmp_nb), parameters=params, kernel_name=kernel_name,
                cwd=str(notebook.resolve().parent), progress_bar=False, log_output=False,
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
    try:
        html = _html(tmp_nb)
        write_text_atomic(final_html, html)
        os.replace(tmp_nb, final_nb)
    finally:
        tmp_nb.unlink(missing_ok=True)
    return final_nb


def _html(notebook: Path) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nb)
    return body


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
