"""Report rendering time per school (notebook + HTML + PDF + XLSX), old path against new, on the
same generated schools.

Generates a city (``hocba_audit.samples.write_samples``), loads and audits it, then renders every
school's reports with ``render_school_reports`` on ``--jobs`` processes once per kernel mode:

- ``cold``: a Jupyter kernel started (and shut down) for every school's notebook, as before;
- ``warm``: one kernel per worker process, reused for all its schools (namespace reset).

For each mode it prints per-school times (median, p90, max; total and per stage, including the
notebook execution and the HTML export separately), the CPU seconds a school costs (worker +
kernel; less sensitive to other programs' load than wall time), the wall time of the whole set
and the load average before and after (other programs share the machine). The first mode's
folder is rendered again to time a rerun (every school unchanged, so skipped).

Usage: .venv/bin/python bench/reports.py [--schools 20] [--scale 0.1] [--jobs 2] [--seed 5]
           [--modes cold,warm] [--keep DIR] [--city]
With ``--keep DIR`` an earlier set generated there (same --schools/--scale/--seed) is reused.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from timing import load, pct


STEPS = ["total", "cpu", "data", "charts", "notebook_html", "notebook", "html", "pdf", "xlsx"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schools", type=int, default=20)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--modes", default="cold,warm", help="kernel modes to compare, in order")
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument("--city", action="store_true", help="also time the city and department notebooks")
    a = ap.parse_args()
    modes = [m.strip() for m in a.modes.split(",") if m.strip()]

    from hocba_audit.catalogue import load_catalogue
    from hocba_audit.report_render import render_city_reports, render_school_reports

    work = a.keep or Path(tempfile.mkdtemp(prefix="bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "reports" / "bench" / "audit.duckdb"
    stamp = work / "setup.json"
    spec = {"schools": a.schools, "scale": a.scale, "seed": a.seed}
    catalogue = load_catalogue()
    t0 = time.perf_counter()
    if db.is_file() and stamp.is_file() and json.loads(stamp.read_text()) == spec:
        print(f"setup: reusing {a.schools} generated, loaded and audited schools in {work}")
    else:
        from hocba_audit.generator import CitySpec
        from hocba_audit.run import load_all
        from hocba_audit.runner import run_rules
        from hocba_audit.samples import write_samples

        stamp.unlink(missing_ok=True)
        shutil.rmtree(work / "samples", ignore_errors=True)
        write_samples(work / "samples", CitySpec(schools=a.schools, seed=a.seed, pupils_scale=a.scale),
                      jobs=a.jobs)
        db.parent.mkdir(parents=True, exist_ok=True)
        db.unlink(missing_ok=True)
        load_all(db, work / "samples" / "exports", "bench", jobs=a.jobs)
        con = duckdb.connect(str(db))
        run_rules(con, catalogue, "bench")
        con.execute("UPDATE runs SET finished_at = now()")
        con.close()
        stamp.write_text(json.dumps(spec))
        print(f"setup (generate, load, audit {a.schools} schools): {time.perf_counter() - t0:.1f} s")

    results = {}
    for mode in modes:
        # a parent folder per mode: a sibling run folder with the same cache keys would be reused
        run_dir = work / f"render-{mode}" / "bench"
        shutil.rmtree(run_dir.parent, ignore_errors=True)
        before = load()
        t0 = time.perf_counter()
        outcomes = render_school_reports(db, run_dir, None, a.jobs, run_id="bench", catalogue=catalogue,
                                         kernels=mode)
        wall = time.perf_counter() - t0
        results[mode] = (outcomes, wall, before, load(), run_dir)

    print(f"\n{a.schools} schools, scale {a.scale}, {a.jobs} processes, {os.cpu_count()} CPUs")
    for mode, (outcomes, wall, before, after, run_dir) in results.items():
        errors = [o for o in outcomes if o.status == "error"]
        done = [o for o in outcomes if o.status == "rendered"]
        print(f"\n== {mode} kernels: {len(done)} rendered, {len(errors)} errors; "
              f"before: {before}; after: {after}")
        for o in errors[:3]:
            print(f"  {o.school_id}: {o.error}")
        print(f"{'step (s per school)':<22}{'median':>8}{'p90':>8}{'max':>8}{'sum':>9}")
        for s in STEPS:
            v = [o.seconds[s] for o in done if s in o.seconds]
            if v:
                print(f"{s:<22}{statistics.median(v):>8.2f}{pct(v, 0.9):>8.2f}{max(v):>8.2f}{sum(v):>9.1f}")
        print(f"set wall time: {wall:.1f} s -> {wall / max(len(outcomes), 1):.2f} s per school "
              f"(wall / schools, {a.jobs} processes; includes worker and kernel start-up)")
    if len(results) > 1:
        base, new = modes[0], modes[-1]
        mb = statistics.median(o.seconds["total"] for o in results[base][0] if o.status == "rendered")
        mn = statistics.median(o.seconds["total"] for o in results[new][0] if o.status == "rendered")
        print(f"\nmedian per school: {base} {mb:.2f} s -> {new} {mn:.2f} s ({mb / mn:.1f}x); "
              f"set: {results[base][1]:.1f} s -> {results[new][1]:.1f} s")

    first = modes[0]
    run_dir = results[first][4]
    t0 = time.perf_counter()
    again = render_school_reports(db, run_dir, None, a.jobs, run_id="bench", catalogue=catalogue,
                                  kernels=first)
    print(f"rerun (all unchanged: {sum(o.status == 'unchanged' for o in again)}/{len(again)}): "
          f"{time.perf_counter() - t0:.1f} s")
    if a.city:
        t0 = time.perf_counter()
        render_city_reports(db, run_dir, run_id="bench")
        print(f"city overview + department explorer: {time.perf_counter() - t0:.1f} s")
    print(f"outputs: {work}")


if __name__ == "__main__":
    main()
