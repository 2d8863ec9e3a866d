"""Render every report of a run: per school (executed notebook, HTML, inspector PDF, XLSX
fix-list) in a process pool, then the city overview and the department explorer.

Caching: each school folder holds ``report.json`` with a cache key over the school's inputs
(file, sheet and sha256 of every manifest row), the rule catalogue digest, the tool version, the
report code (templates, notebooks, report modules) and the parameters (``render_params``: the
date days are counted from, the deadline and the run's rule settings). A school whose key
matches a finished earlier render (in this run folder or a sibling run under the same parent)
is copied or skipped, not rendered again.

One report per school: the worker builds the notebook's ``SchoolReport`` once and hands it to
the notebook (``report_path``, a pickle next to the charts file, removed after the notebook
ran), which then does not query the database; the PDF's edition is cut from the same report
(``inspector_edition``).

Atomicity: every file is written to a temporary name and moved into place with ``os.replace``;
``report.json`` is removed before a school is re-rendered and written last, so a run killed
midway leaves every earlier file whole and the next run renders that school again.

Kernels (``kernels=``): ``"warm"`` (default) keeps one Jupyter kernel per worker process alive
for all of its schools (``kernel_pool.WarmKernel``: started while the worker imports Altair and
loads Typst, the notebook's imports done once, the namespace reset before each school, restarted
if it dies, shut down when the worker exits); ``"cold"`` starts a kernel per notebook (papermill's
default). Both give the same executed notebook; ``bench/reports.py`` compares them.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import resource
import shutil
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from hocba_audit.reports import write_text_atomic
from hocba_audit.paths import project_dir

NOTEBOOKS = project_dir() / "notebooks"
SCHOOL_FILES = ("school_audit.ipynb", "school_audit.html", "thanh_tra.pdf", "danh_sach_sua_loi.xlsx")
KEY_FILE = "report.json"
_CODE_FILES = ("report_school.py", "charts.py", "pdf.py", "pdf_tables.py", "fixlist.py", "masking.py", "reports.py",
               "report_render.py", "labels.py")
KERNEL_MODES = ("warm", "cold")
#: Imported once by each warm kernel (what the school notebook's first code cell imports).
KERNEL_PRELOAD = ("hocba_audit.report_school", "IPython.display")


@dataclass
class SchoolOutcome:
    school_id: str
    status: str                       # rendered | unchanged | reused | error
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    out_dir: Path | None = None
    kernel_pid: int | None = None     # the warm kernel that ran the notebook (None: cold)


def code_digest() -> str:
    """Digest of everything that shapes a report besides data and catalogue."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    files = [here / f for f in _CODE_FILES] + sorted((here / "templates").glob("*"))
    files.append(NOTEBOOKS / "school_audit.ipynb")
    for f in files:
        if f.is_file():
            h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def cache_key(manifest: list[tuple], catalogue_digest: str, tool_version: str, code: str,
              params: dict[str, Any]) -> str:
    payload = json.dumps({"manifest": manifest, "catalogue": catalogue_digest, "tool": tool_version,
                          "code": code, "params": params}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _spawn():
    return multiprocessing.get_context("spawn")


#: The worker's warm kernel (warm mode); in the parent process only while rendering one by one.
_KERNEL: Any = None


def _warm(kernels: str = "warm") -> None:
    """Pool initializer: start the worker's kernel (warm mode) and, while it boots, import the
    heavy libraries once per worker, not once per school."""
    global _KERNEL
    if kernels == "warm":
        from multiprocessing.util import Finalize

        from hocba_audit.kernel_pool import WarmKernel

        _KERNEL = WarmKernel(preload=KERNEL_PRELOAD)
        Finalize(_KERNEL, _KERNEL.shutdown, exitpriority=100)  # when the worker exits
        try:
            _KERNEL.launch()  # does not wait: the kernel boots while this process imports
        except RuntimeError:
            pass  # the first school starts it again (and retries)
    import altair as alt

    from hocba_audit import pdf
    from hocba_audit.charts import to_svg
    from hocba_audit.reports import warm_up

    to_svg(alt.Chart(alt.Data(values=[{"a": 1}])).mark_point().encode(x="a:Q"))  # engine warm-up
    warm_up()  # papermill, nbconvert and the HTML exporter
    pdf.warm_up()  # Typst's font book and the parsed template
    import hocba_audit.charts as charts

    if hasattr(charts, "runtime_js"):
        charts.runtime_js()  # the HTML's inline Vega runtime (~2.5 s, cached per process)


def render_school_reports(
    db_path: str | Path,
    run_dir: str | Path,
    school_ids: list[str] | None = None,
    jobs: int = 2,
    *,
    run_id: str = "",
    catalogue: Any = None,
    deadline: str | None = None,
    as_of: str = "",
    progress: Callable[[SchoolOutcome, int, int], None] | None = None,
    kernels: str = "warm",
) -> list[SchoolOutcome]:
    """Render each school's reports under ``run_dir/<school_id>/``.

    Args:
        db_path: the audit database (closed by its writer; opened read-only here).
        run_dir: the run's report folder.
        school_ids: the schools; None means every school in the database.
        jobs: worker processes (both cores: 2).
        run_id: the run; empty means ``run_dir``'s name if that run exists, else the latest run.
        catalogue: a loaded ``Catalogue`` (saves ~3 s); None loads the default one.
        deadline: the deadline days are counted to (YYYY-MM-DD); None means the run's
            setting (``cert_review_deadline``; ``build_school_report`` decides).
        as_of: the date days are counted from; empty means the run's date.
        progress: called as ``progress(None, 0, total)`` when rendering starts, then as
            ``progress(outcome, done, total)`` after each school, in the order schools finish.
        kernels: ``"warm"`` (one kernel per worker, reused) or ``"cold"`` (one per notebook).

    Returns:
        One outcome per school, in ``school_ids`` order; failures are outcomes, not raises.
    """
    from hocba_audit.report_school import catalogue_info, latest_run, open_db, manifest_key
    from hocba_audit.version import __version__

    if kernels not in KERNEL_MODES:
        raise ValueError(f"kernels must be one of {KERNEL_MODES}, not {kernels!r}")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if catalogue is None:
        from hocba_audit.catalogue import load_catalogue

        catalogue = load_catalogue()
    info = catalogue_info(catalogue)
    cat_path = run_dir / "catalogue.json"
    write_text_atomic(cat_path, info.to_json())
    con = open_db(db_path)
    try:
        if not run_id:
            has = con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_dir.name]).fetchall()[0][0]
            run_id = run_dir.name if has else latest_run(con)
        if school_ids is None:
            school_ids = [r[0] for r in con.execute("SELECT school_id FROM schools ORDER BY 1").fetchall()]
        params = render_params(con, run_id, deadline, as_of)
        code = code_digest()
        keys = {sid: cache_key(manifest_key(con, run_id, sid), info.digest, __version__, code, params)
                for sid in school_ids}
    finally:
        con.close()
    args = [(str(Path(db_path).absolute()), str(run_dir.absolute()), sid, run_id, str(cat_path.absolute()),
             params, keys[sid], kernels) for sid in school_ids]
    outcomes: dict[str, SchoolOutcome] = {}
    todo = []
    if progress:
        progress(None, 0, len(args))
    for a in args:
        hit = _cached(run_dir, a[2], a[6])
        if hit:
            outcomes[a[2]] = hit
            if progress:
                progress(hit, len(outcomes), len(args))
        else:
            todo.append(a)
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(min(jobs, len(todo)), mp_context=_spawn(), initializer=_warm,
                                 initargs=(kernels,)) as pool:
            futures = [pool.submit(_render_job, a) for a in todo]
            for fut in as_completed(futures):
                out = fut.result()
                outcomes[out.school_id] = out
                if progress:
                    progress(out, len(outcomes), len(args))
    elif todo:
        global _KERNEL
        if kernels == "warm":
            from hocba_audit.kernel_pool import WarmKernel

            _KERNEL = WarmKernel(preload=KERNEL_PRELOAD)
        try:
            for a in todo:
                out = _render_job(a)
                outcomes[out.school_id] = out
                if progress:
                    progress(out, len(outcomes), len(args))
        finally:
            if _KERNEL is not None:
                _KERNEL.shutdown()
                _KERNEL = None
    return [outcomes[sid] for sid in school_ids]


def render_params(con: Any, run_id: str, deadline: str | None = None, as_of: str = "") -> dict[str, Any]:
    """The parameters of a run's school reports, part of every school's cache key: the
    deadline (None: the run's setting), the date days are counted from (``as_of``, else the
    run's date) and the run's effective rule settings (``report_school.run_settings``), so
    that a rerun with another ``--setting`` renders again."""
    from hocba_audit import report_school

    started = con.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchall()
    day = report_school.parse_date(as_of or None, started[0][0].date() if started and started[0][0] else None)
    return {"deadline": deadline, "as_of": day.isoformat(), "settings": report_school.run_settings(con, run_id)}


#: The inspector PDF's edition: fewer rules and samples than the notebook (which uses
#: ``build_school_report``'s defaults, 10 and 5), its own parameters on the evidence page.
PDF_EDITION = {"top_rules": 8, "samples_per_rule": 3, "parameters": {"edition": "thanh tra"}}


def inspector_edition(report: Any, notebook_parameters: dict[str, Any]) -> Any:
    """The PDF's report from the notebook's (``build_school_report``'s defaults): the first
    ``PDF_EDITION["top_rules"]`` finding groups with their first ``samples_per_rule`` samples,
    and the PDF's parameters on the evidence page instead of the notebook's. It equals the
    report ``build_school_report`` gives with ``PDF_EDITION`` (both list the failing rules and
    their findings in the same order; ``tests/test_reports.py`` compares them)."""
    import dataclasses
    import inspect

    from hocba_audit.report_school import build_school_report

    top, per_rule = PDF_EDITION["top_rules"], PDF_EDITION["samples_per_rule"]
    full = inspect.signature(build_school_report).parameters
    if top > full["top_rules"].default or per_rule > full["samples_per_rule"].default:
        raise ValueError("the PDF edition cannot show more than the notebook's report holds")
    groups = tuple(dataclasses.replace(g, samples=dataclasses.replace(g.samples, rows=g.samples.rows[:per_rule]))
                   for g in report.top_findings[:top])
    evidence = dict(report.evidence)
    evidence["parameters"] = dict(PDF_EDITION["parameters"]) | {
        k: v for k, v in report.evidence["parameters"].items() if k not in notebook_parameters}
    return dataclasses.replace(report, top_findings=groups, evidence=evidence)


def _cached(run_dir: Path, school_id: str, key: str) -> SchoolOutcome | None:
    """An outcome when this school's reports with ``key`` exist here or in a sibling run."""
    here = run_dir / school_id
    if _key_of(here) == key:
        return SchoolOutcome(school_id, "unchanged", out_dir=here)
    siblings = sorted((p for p in run_dir.parent.iterdir() if p.is_dir() and p != run_dir
                       and not p.is_symlink()), key=lambda p: p.name, reverse=True)
    for other in siblings:
        src = other / school_id
        if _key_of(src) == key:
            here.mkdir(parents=True, exist_ok=True)
            (here / KEY_FILE).unlink(missing_ok=True)
            for name in SCHOOL_FILES:
                _copy_atomic(src / name, here / name)
            _copy_atomic(src / KEY_FILE, here / KEY_FILE)
            return SchoolOutcome(school_id, "reused", out_dir=here)
    return None


def _key_of(folder: Path) -> str | None:
    try:
        meta = json.loads((folder / KEY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not all((folder / n).is_file() for n in SCHOOL_FILES):
        return None
    return meta.get("key")


def _render_job(args: tuple) -> SchoolOutcome:
    """Worker: render one school; retries kernel-start races like the run's notebook pool."""
    from hocba_audit.errors import HocbaAuditError

    db_path, run_dir, school_id, run_id, cat_path, params, key, kernels = args
    out = Path(run_dir) / school_id
    out.mkdir(parents=True, exist_ok=True)
    (out / KEY_FILE).unlink(missing_ok=True)
    outcome = SchoolOutcome(school_id, "rendered", out_dir=out)
    kernel = _KERNEL if kernels == "warm" else None
    try:
        for attempt in range(3):
            try:
                _render_school(db_path, out, school_id, run_id, cat_path, params, outcome.seconds,
                               kernel)
                outcome.kernel_pid = kernel.pid if kernel is not None else None
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                time.sleep(0.5 * (attempt + 1))
        write_text_atomic(out / KEY_FILE, json.dumps({"key": key, "run_id": run_id, "params": params,
                                                "seconds": outcome.seconds}, ensure_ascii=False))
    except (HocbaAuditError, RuntimeError, OSError) as exc:
        outcome.status, outcome.error = "error", str(exc)
    return outcome


def _cpu_seconds(kernel: Any = None) -> float:
    """CPU time used so far by this process, its finished children (cold kernels) and the warm
    kernel: a per-school cost that does not grow with other programs' load."""
    t = time.process_time()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    t += ru.ru_utime + ru.ru_stime
    pid = kernel.pid if kernel is not None else None
    if pid:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            t += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            pass
    return t


#: The city's figures per level (``report_school.CityBaseline``), per audit database file as it
#: is now (path, size, mtime): computed by a worker for the first school of a level, reused for
#: the others instead of scanning the whole city again for every school.
_BASELINES: dict[tuple, dict] = {}


def _baselines(db_path: str) -> dict:
    st = os.stat(db_path)
    key = (os.path.abspath(db_path), st.st_size, st.st_mtime_ns)
    if key not in _BASELINES:
        _BASELINES.clear()
        _BASELINES[key] = {}
    return _BASELINES[key]


def _render_school(db_path: str, out: Path, school_id: str, run_id: str, cat_path: str,
                   params: dict[str, Any], seconds: dict[str, float], kernel: Any = None) -> None:
    from hocba_audit.charts import chart_payloads, school_charts
    from hocba_audit.fixlist import write_fixlist
    from hocba_audit.pdf import svgs_of, write_inspector_pdf
    from hocba_audit.report_school import build_school_report, load_catalogue_info, open_db
    from hocba_audit.reports import execute_school_notebook, save_report

    if kernel is not None:
        kernel.ensure_ready()  # (re)started here, outside the timings, when needed
    c0 = _cpu_seconds(kernel)
    t0 = time.perf_counter()
    info = load_catalogue_info(cat_path)
    con = open_db(db_path)
    try:
        # the notebook's report, built once: the notebook loads it (report_path) instead of
        # querying the database again, and the PDF's edition is cut from it
        nb_params = {"school_id": school_id, "run_id": run_id}
        dates = {"deadline": params["deadline"]} if params.get("deadline") else {}
        report = build_school_report(con, school_id, run_id, info, as_of=params["as_of"],
                                     parameters=nb_params, baselines=_baselines(db_path), **dates)
        t1 = time.perf_counter()
        charts = chart_payloads(school_charts(report))
        tag = uuid.uuid4().hex
        charts_path, report_path = out / f".charts.{tag}.json", out / f".report.{tag}.pickle"
        try:
            charts_path.write_text(json.dumps({k: {"bundle": v["bundle"]} for k, v in charts.items()},
                                              ensure_ascii=False), encoding="utf-8")
            save_report(report, report_path)
            t2 = time.perf_counter()
            # the dates the report counts with, so that the executed notebook run again
            # without the prepared report (report_path gone) counts with them too
            nb_dates = {"deadline": report.deadline.isoformat(), "as_of": report.as_of.isoformat()}
            if report.signing is not None:
                nb_dates["signing_deadline"] = report.signing.deadline.isoformat()
            execute_school_notebook(NOTEBOOKS / "school_audit.ipynb", out, {
                "db_path": db_path, "school_id": school_id, "run_id": run_id,
                "catalogue_path": cat_path, "charts_path": str(charts_path),
                "report_path": str(report_path), **nb_dates}, kernel=kernel, timings=seconds)
        finally:
            charts_path.unlink(missing_ok=True)
            report_path.unlink(missing_ok=True)
        t3 = time.perf_counter()
        write_inspector_pdf(inspector_edition(report, nb_params), svgs_of(charts), out / "thanh_tra.pdf")
        t4 = time.perf_counter()
        write_fixlist(con, run_id, school_id, out / "danh_sach_sua_loi.xlsx", info)
        t5 = time.perf_counter()
    finally:
        con.close()
    seconds.update({"data": t1 - t0, "charts": t2 - t1, "notebook_html": t3 - t2, "pdf": t4 - t3,
                    "xlsx": t5 - t4, "total": t5 - t0, "cpu": _cpu_seconds(kernel) - c0})


def render_city_reports(db_path: str | Path, run_dir: str | Path, *, run_id: str = "",
                        deadlines: tuple[str, ...] = ("", ""),
                        as_of: str = "") -> dict[str, Path]:
    """City overview (notebook, HTML, XLSX summary) under ``run_dir/city/`` and the department
    anomaly explorer (notebook, HTML; no names) under ``run_dir/department/``.

    ``deadlines`` (data and certificates, signing; YYYY-MM-DD): empty means the run's
    ``cert_review_deadline`` / ``signing_deadline``. Both notebooks run on one kernel
    (``kernel_pool.WarmKernel``: IPC sockets, namespace reset between them).

    Returns:
        {"city_html", "city_xlsx", "department_html"} paths. Raises ``ReportError`` when a
        notebook fails (its partial notebook is kept, see ``execute_school_notebook``).
    """
    from hocba_audit.city import write_city_xlsx
    from hocba_audit.report_school import open_db
    from hocba_audit.reports import execute_school_notebook

    run_dir = Path(run_dir)
    db = str(Path(db_path).absolute())
    city = run_dir / "city"
    city.mkdir(parents=True, exist_ok=True)
    cat_path = run_dir / "catalogue.json"
    # html_charts: each chart carries its Vega script, so the exported HTML is interactive offline
    common = {"db_path": db, "run_id": run_id, "as_of": as_of, "html_charts": True}
    from hocba_audit.kernel_pool import WarmKernel

    kernel = WarmKernel()
    try:
        execute_school_notebook(NOTEBOOKS / "city_overview.ipynb", city, {
            **common, "catalogue_path": str(cat_path.absolute()) if cat_path.is_file() else "",
            "deadline_1": deadlines[0], "deadline_2": deadlines[1]}, kernel=kernel)
        con = open_db(db)
        try:
            write_city_xlsx(con, city / "tong_hop_thanh_pho.xlsx", run_id=run_id, deadlines=deadlines,
                            as_of=as_of, catalogue_path=str(cat_path) if cat_path.is_file() else "")
        finally:
            con.close()
        dept = run_dir / "department"
        execute_school_notebook(NOTEBOOKS / "anomaly_explorer.ipynb", dept, common, kernel=kernel)
    finally:
        kernel.shutdown()
    return {"city_html": city / "city_overview.html", "city_xlsx": city / "tong_hop_thanh_pho.xlsx",
            "department_html": dept / "anomaly_explorer.html"}


def _copy_atomic(src: Path, dst: Path) -> None:
    tmp = dst.with_name(f".{dst.name}.{uuid.uuid4().hex}.tmp")
    try:
        shutil.copy2(src, tmp)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
