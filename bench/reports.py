"""Report rendering time per school (notebook + HTML + PDF + XLSX) and for a whole generated set.

Generates a city (``hocba_audit.samples.write_samples``), loads and audits it, then renders every
school's reports with ``render_school_reports`` on ``--jobs`` processes, and prints per-school
times (median and p90, total and per step), the wall time of the set, the effective time per
school (wall / schools) and the time of a rerun (every school unchanged, so skipped).

Usage: .venv/bin/python bench/reports.py [--schools 20] [--scale 0.1] [--jobs 2] [--seed 5]
           [--keep DIR]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schools", type=int, default=20)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--keep", type=Path, default=None)
    a = ap.parse_args()

    from hocba_audit.catalogue import load_catalogue
    from hocba_audit.generator import CitySpec
    from hocba_audit.report_render import render_city_reports, render_school_reports
    from hocba_audit.run import load_all
    from hocba_audit.runner import run_rules
    from hocba_audit.samples import write_samples

    work = a.keep or Path(tempfile.mkdtemp(prefix="bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    write_samples(work / "samples", CitySpec(schools=a.schools, seed=a.seed, pupils_scale=a.scale), jobs=a.jobs)
    run_dir = work / "reports" / "bench"
    run_dir.mkdir(parents=True, exist_ok=True)
    db = run_dir / "audit.duckdb"
    db.unlink(missing_ok=True)
    load_all(db, work / "samples" / "exports", "bench", jobs=a.jobs)
    catalogue = load_catalogue()
    con = duckdb.connect(str(db))
    run_rules(con, catalogue, "bench")
    con.execute("UPDATE runs SET finished_at = now()")
    con.close()
    print(f"setup (generate, load, audit {a.schools} schools): {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    outcomes = render_school_reports(db, run_dir, None, a.jobs, catalogue=catalogue)
    wall = time.perf_counter() - t0
    errors = [o for o in outcomes if o.status == "error"]
    done = [o for o in outcomes if o.status == "rendered"]
    t0 = time.perf_counter()
    again = render_school_reports(db, run_dir, None, a.jobs, catalogue=catalogue)
    rerun = time.perf_counter() - t0
    t0 = time.perf_counter()
    render_city_reports(db, run_dir)
    city = time.perf_counter() - t0

    steps = ["total", "data", "charts", "notebook_html", "pdf", "xlsx"]
    print(f"\n{len(outcomes)} schools, {a.jobs} processes, scale {a.scale}; errors: {len(errors)}")
    for o in errors[:3]:
        print(f"  {o.school_id}: {o.error}")
    print(f"\n{'step (s per school)':<22}{'median':>8}{'p90':>8}{'max':>8}")
    for s in steps:
        v = [o.seconds.get(s, 0.0) for o in done]
        if v:
            print(f"{s:<22}{statistics.median(v):>8.2f}{pct(v, 0.9):>8.2f}{max(v):>8.2f}")
    print(f"\nset wall time: {wall:.1f} s  ->  {wall / max(len(outcomes), 1):.2f} s per school (effective, {a.jobs} cores)")
    print(f"rerun (all unchanged: {sum(o.status == 'unchanged' for o in again)}/{len(again)}): {rerun:.1f} s")
    print(f"city overview + department explorer: {city:.1f} s")
    print(f"outputs: {run_dir}")


if __name__ == "__main__":
    main()
