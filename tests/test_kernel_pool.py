"""Warm kernels (#5, speed): a notebook run on a reused kernel sees a clean namespace and gives
the same executed notebook as on a fresh kernel; a dead kernel is restarted; the report pool
shuts its kernels down; the faster HTML export gives nbconvert's page."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import duckdb
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from hocba_audit.catalogue import load_catalogue
from hocba_audit.errors import ReportError
from hocba_audit.kernel_pool import WarmKernel
from hocba_audit.paths import project_dir
from hocba_audit.report_render import render_school_reports
from hocba_audit.reports import _html, execute_school_notebook
from hocba_audit.run import load_all
from hocba_audit.runner import run_rules

ROOT = project_dir()
SCHOOLS = ["31200000", "31400002"]
#: Random per render: output ids of JavaScript outputs and the id papermill gives its injected cell.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|cell-id=[0-9a-f]{8}\b")


def _notebook(folder: Path, name: str, *cells: str, params: str = "") -> Path:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})
    if params:
        nb.cells.append(new_code_cell(params, metadata={"tags": ["parameters"]}))
    nb.cells.extend(new_code_cell(c) for c in cells)
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _outputs(executed: Path) -> list[tuple[int | None, str]]:
    """(execution count, text of the outputs) per code cell."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    out = []
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        text = "".join("".join(o.get("text", "")) + json.dumps(o.get("data", {}), sort_keys=True)
                       + o.get("ename", "") for o in c["outputs"])
        out.append((c["execution_count"], text))
    return out


def _gone(pid: int, wait: float = 10.0) -> bool:
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a zombie of ours counts as gone once reaped
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.1)
    return False


@pytest.fixture()
def kernel():
    k = WarmKernel(preload=("json",))
    yield k
    k.shutdown()


LEAKER = (
    "leak = 42\nimport collections as leaked_module\n"
    "def leaked_function():\n    return 1\n"
    "import os\nos.chdir('/')\nleaked_module"  # an Out[] entry, and another working directory
)
PROBE = (
    "import os\n"
    "names = sorted(k for k in globals() if not k.startswith('_') and k != 'os')\n"
    "print(names)\nprint(os.getcwd() == here)\nprint(len(Out), len(In))"
)


def test_each_notebook_gets_a_clean_namespace_on_the_same_kernel(kernel, tmp_path):
    leaker = _notebook(tmp_path, "leaker", LEAKER)
    probe = _notebook(tmp_path, "probe", PROBE, params='here = ""')
    here = str(tmp_path)
    execute_school_notebook(leaker, tmp_path / "a", {}, kernel=kernel)
    pid = kernel.pid
    warm = execute_school_notebook(probe, tmp_path / "b", {"here": here}, kernel=kernel)
    assert kernel.pid == pid and kernel.starts == 1, "the kernel was reused, not restarted"
    cold = execute_school_notebook(probe, tmp_path / "c", {"here": here})
    got = _outputs(warm)
    assert "leak" not in got[-1][1] and "leaked_module" not in got[-1][1]
    assert "leaked_function" not in got[-1][1]
    assert "True" in got[-1][1], "the notebook runs in its own folder again"
    assert got == _outputs(cold), "same namespace, outputs and execution counts as a fresh kernel"
    assert [n for n, _ in got] == list(range(1, len(got) + 1))


def test_dead_kernel_is_restarted_before_the_next_notebook(kernel, tmp_path):
    nb = _notebook(tmp_path, "n", "print(6 * 7)")
    execute_school_notebook(nb, tmp_path / "a", {}, kernel=kernel)
    first = kernel.pid
    os.kill(first, signal.SIGKILL)
    assert _gone(first)
    executed = execute_school_notebook(nb, tmp_path / "b", {}, kernel=kernel)
    assert "42" in _outputs(executed)[0][1]
    assert kernel.starts == 2 and kernel.pid != first


def test_kernel_dying_during_a_notebook_runs_it_again_on_a_new_kernel(kernel, tmp_path):
    marker = tmp_path / "died-once"
    nb = _notebook(tmp_path, "dies", "import os, pathlib\nm = pathlib.Path(marker)\n"
                   "if not m.exists():\n    m.touch()\n    os._exit(1)\nprint('second run')",
                   params='marker = ""')
    executed = execute_school_notebook(nb, tmp_path / "out", {"marker": str(marker)}, kernel=kernel)
    assert marker.exists() and kernel.starts == 2
    assert "second run" in _outputs(executed)[-1][1]
    assert not [o for c in json.loads(executed.read_text())["cells"] for o in c.get("outputs", [])
                if o.get("output_type") == "error"]


def test_kernel_that_always_dies_is_an_error_and_leaves_no_temporary_file(kernel, tmp_path):
    nb = _notebook(tmp_path, "always", "import os\nos._exit(1)")
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):  # DeadKernelError: the report worker retries it
        execute_school_notebook(nb, out, {}, kernel=kernel)
    assert list(out.iterdir()) == []
    ok = _notebook(tmp_path, "ok", "print('fine')")
    assert "fine" in _outputs(execute_school_notebook(ok, tmp_path / "ok", {}, kernel=kernel))[0][1]


def test_failing_cell_is_a_report_error_and_keeps_the_kernel(kernel, tmp_path):
    bad = _notebook(tmp_path, "bad", "x = 1", "1 / 0", "print('never')")
    with pytest.raises(ReportError) as info:
        execute_school_notebook(bad, tmp_path / "bad", {}, kernel=kernel)
    assert info.value.cell == 2 and Path(info.value.notebook).is_file()
    pid = kernel.pid
    ok = _notebook(tmp_path, "ok", "print('x' in globals())")
    assert "False" in _outputs(execute_school_notebook(ok, tmp_path / "ok", {}, kernel=kernel))[0][1]
    assert kernel.pid == pid and kernel.starts == 1


def test_shutdown_stops_the_kernel_and_removes_its_folder(tmp_path):
    k = WarmKernel()
    k.ensure_ready()
    pid, folder = k.pid, k._dir
    assert pid and Path(folder).is_dir()
    k.shutdown()
    k.shutdown()  # twice is fine
    assert _gone(pid) and not Path(folder).exists()


# ---- the report pool on data_samples/ ---------------------------------------------------------

@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    base = tmp_path_factory.mktemp("pool")
    db = base / "audit.duckdb"
    load_all(db, ROOT / "data_samples" / "exports", "r1", jobs=2)
    catalogue = load_catalogue()
    con = duckdb.connect(str(db))
    run_rules(con, catalogue, "r1")
    con.execute("UPDATE runs SET finished_at = now()")
    con.close()
    return base, db, catalogue


def _normalised_notebook(path: Path) -> list:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for c in nb["cells"]:
        outs = json.dumps(c.get("outputs", []), sort_keys=True, ensure_ascii=False)
        # the injected parameters name this run's folders (warm/ or cold/): compare their names
        source = "".join(c["source"])
        if "injected-parameters" in c["metadata"].get("tags", []):
            source = sorted(line.split(" = ")[0] for line in source.splitlines() if " = " in line)
        cells.append((c["cell_type"], source, c.get("execution_count"), UUID.sub("U", outs)))
    return cells


@pytest.mark.slow
def test_pool_warm_equals_cold_and_shuts_its_kernels_down(audited):
    base, db, catalogue = audited
    # separate parents: a sibling run folder with the same cache keys would be reused, not rendered
    warm = render_school_reports(db, base / "w" / "r1", SCHOOLS, 2, run_id="r1", catalogue=catalogue,
                                 as_of="2026-01-05")
    cold = render_school_reports(db, base / "c" / "r1", SCHOOLS, 2, run_id="r1", catalogue=catalogue,
                                 as_of="2026-01-05", kernels="cold")
    assert [o.status for o in warm + cold] == ["rendered"] * 4, [o.error for o in warm + cold]
    pids = {o.kernel_pid for o in warm}
    assert None not in pids and all(o.kernel_pid is None for o in cold)
    for pid in pids:
        assert _gone(pid), f"kernel {pid} still running after the pool finished"
    for sid in SCHOOLS:
        w, c = base / "w" / "r1" / sid, base / "c" / "r1" / sid
        assert _normalised_notebook(w / "school_audit.ipynb") == _normalised_notebook(c / "school_audit.ipynb")
        assert UUID.sub("U", (w / "school_audit.html").read_text(encoding="utf-8")) == \
            UUID.sub("U", (c / "school_audit.html").read_text(encoding="utf-8"))
        seconds = json.loads((w / "report.json").read_text(encoding="utf-8"))["seconds"]
        assert {"notebook", "html", "pdf", "cpu", "total"} <= set(seconds)


@pytest.mark.slow
def test_one_by_one_rendering_uses_one_kernel_and_stops_it(audited):
    base, db, catalogue = audited
    out = render_school_reports(db, base / "s" / "r1", SCHOOLS, 1, run_id="r1", catalogue=catalogue,
                                as_of="2026-01-06")
    assert [o.status for o in out] == ["rendered", "rendered"], [o.error for o in out]
    assert out[0].kernel_pid == out[1].kernel_pid is not None
    assert _gone(out[0].kernel_pid)


@pytest.mark.slow
def test_html_export_gives_nbconverts_page(audited):
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    base, db, catalogue = audited
    folder = base / "h" / "r1"
    render_school_reports(db, folder, SCHOOLS[1:], 1, run_id="r1", catalogue=catalogue,
                          as_of="2026-01-07", kernels="cold")
    nb = nbformat.read(folder / SCHOOLS[1] / "school_audit.ipynb", as_version=4)
    try:  # the offline template, when the project has it
        from hocba_audit.html_export import html_exporter
    except ImportError:
        def html_exporter():
            return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    stock, _ = html_exporter().from_notebook_node(nb)
    first, second = _html(nb), _html(nb)  # the exporter is reused
    assert 'tabindex="0"' in first
    for ours in (first, second):
        assert UUID.sub("U", str(BeautifulSoup(ours, features="html.parser"))) == UUID.sub("U", stock)
    # and the text as written, not only as parsed: headings with their Vietnamese letters
    headings = re.findall(r"<h2 id=\"[^\"]*\">([^<]+)<a", stock)
    assert headings and all(f">{h}<a" in first for h in headings), headings
    assert not re.search(r"&#(?:[0-9]{3,}|[xX][0-9a-fA-F]{2,});", re.sub(r"<script.*?</script>", "", first, flags=re.S))


def test_accessible_html_leaves_scripts_alone():
    from hocba_audit.reports import ALT_TEXT, accessible_html

    page = ('<div class="jp-OutputArea-output x" data-a="1"><img src="a.png">'
            '<img src="b.png" alt="b"/></div><script>var s = \'<img src="c">\';'
            '</script><div class="jp-OutputArea-outputx">')
    got = accessible_html(page)
    assert got.count('tabindex="0"') == 1 and f'<img src="a.png" alt="{ALT_TEXT}">' in got
    assert '<img src="b.png" alt="b"/>' in got and "<img src=\"c\">" in got


def test_pdf_evidence_groups_signed_records_with_the_sha256sum_digest(tmp_path):
    """Signed học bạ files are one evidence line per folder whose digest is what
    ``LC_ALL=C sha256sum hoc_ba/*.xml | sha256sum`` prints in the export folder."""
    import hashlib
    import shutil
    import subprocess

    from hocba_audit.pdf import evidence_files

    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum (coreutils) is not installed")
    (tmp_path / "hoc_ba").mkdir()
    rows = [("DanhSachLop.xlsx", "Lop", hashlib.sha256(b"x").hexdigest(), 1, 3, 3, 0, "ok")]
    for code in ("0312000010", "0312000002", "0312000101"):
        data = f"<HocBa><Ma>{code}</Ma></HocBa>".encode()
        (tmp_path / "hoc_ba" / f"{code}_2025-2026.xml").write_bytes(data)
        rows.append((f"hoc_ba/{code}_2025-2026.xml", "", hashlib.sha256(data).hexdigest(), len(data),
                     1, 1, 0, "ok"))
    files = evidence_files(rows)
    assert [f["file"] for f in files] == ["DanhSachLop.xlsx", "hoc_ba/*.xml"]
    assert files[0]["sha256"] == rows[0][2] and files[1]["sheet"].startswith("3 ")
    out = subprocess.run("sha256sum hoc_ba/*.xml | sha256sum", shell=True, cwd=tmp_path, check=True,
                         capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}).stdout
    assert files[1]["sha256"] == out.split()[0]
