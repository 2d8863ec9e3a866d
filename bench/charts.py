"""Per-school charts time (``chart_payloads(school_charts(report))``, the renderer's "charts"
step without writing its files), old code against new, on the same reports in one warm process.

The old code is ``src/hocba_audit/charts.py`` as it was before the charts were made faster
(``--old-rev``, read with ``git show``), loaded as a module of its own; the new one is the
installed package. Both are warmed up first (Altair imported, vl-convert's engine started, the
Vega runtime script built: once per worker process in the renderer), then every school's
charts are made ``--repeat`` times by each, alternating which goes first; a school's time is
the median of its repeats. Printed: median and p90 over the schools of the total and of its two
parts (building the Altair charts; specs, SVGs and display bundles), and whether old and new
give the same SVGs and the same payloads as a whole (Vega's gradient ids, numbered per process,
set aside; the display bundles carry the spec, so a changed chart config shows there). Against
the default old revision the marks chart's SVG differs on purpose: it has its legend back.

Reports come from an audited database: ``--db`` (e.g. a ``bench/reports.py --keep`` folder's
``reports/bench/audit.duckdb``), or a set generated like ``bench/reports.py`` does.

Usage: .venv/bin/python bench/charts.py [--db FILE | --schools 10 --scale 0.1 --seed 5 --keep DIR]
           [--run-id ID] [--repeat 3] [--old-rev REV]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import tempfile
import time
import types
from pathlib import Path

import duckdb

from timing import load, pct

ROOT = Path(__file__).resolve().parents[1]
#: The last commit with the charts code before this benchmark's change.
OLD_REV = "cb12602d9a5474b3cc578a0c79224eb05a2af601"
GRADIENT = re.compile(r"gradient_\d+")  # Vega numbers gradients per process


def old_module(rev: str) -> types.ModuleType:
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:src/hocba_audit/charts.py"],
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("charts_old")
    module.__file__ = f"charts.py@{rev[:12]}"
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def generated_db(a: argparse.Namespace) -> Path:
    """An audited city generated as ``bench/reports.py`` does (reused from ``--keep``)."""
    work = a.keep or Path(tempfile.mkdtemp(prefix="bench-charts-"))
    db = work / "reports" / "bench" / "audit.duckdb"
    stamp = work / "setup.json"
    spec = {"schools": a.schools, "scale": a.scale, "seed": a.seed}
    if db.is_file() and stamp.is_file() and json.loads(stamp.read_text()) == spec:
        return db
    from hocba_audit.catalogue import load_catalogue
    from hocba_audit.generator import CitySpec
    from hocba_audit.run import load_all
    from hocba_audit.runner import run_rules
    from hocba_audit.samples import write_samples

    city = CitySpec(schools=a.schools, seed=a.seed, pupils_scale=a.scale)
    write_samples(work / "samples", city, jobs=2)
    db.parent.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    load_all(db, work / "samples" / "exports", "bench", jobs=2)
    con = duckdb.connect(str(db))
    run_rules(con, load_catalogue(), "bench")
    con.execute("UPDATE runs SET finished_at = now()")
    con.close()
    stamp.write_text(json.dumps(spec))
    return db


def reports_of(db: Path, run_id: str) -> list:
    from hocba_audit.catalogue import load_catalogue
    from hocba_audit.report_school import build_school_report, catalogue_info, open_db

    info = catalogue_info(load_catalogue())
    con = open_db(db)
    try:
        latest = "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1"
        run_id = run_id or con.execute(latest).fetchone()[0]
        schools = [r[0] for r in con.execute("SELECT school_id FROM schools ORDER BY 1").fetchall()]
        baselines: dict = {}
        return [build_school_report(con, s, run_id, info, baselines=baselines) for s in schools]
    finally:
        con.close()


def timed(charts: types.ModuleType, report) -> tuple[float, float, dict]:
    t0 = time.perf_counter()
    built = charts.school_charts(report)
    t1 = time.perf_counter()
    payloads = charts.chart_payloads(built)
    return t1 - t0, time.perf_counter() - t1, payloads


def comparable(payload: dict | None) -> str:
    return GRADIENT.sub("gradient_N", json.dumps(payload, ensure_ascii=False, sort_keys=True))


def svg_of(payload: dict | None) -> str:
    """A chart payload's SVG (the runtime payload has none), gradient ids aside."""
    return GRADIENT.sub("gradient_N", (payload or {}).get("svg", ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--run-id", default="", help="default: the database's latest run")
    ap.add_argument("--schools", type=int, default=10)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--old-rev", default=OLD_REV)
    a = ap.parse_args()

    import altair as alt

    import hocba_audit.charts as new

    old = old_module(a.old_rev)
    db = a.db or generated_db(a)
    reports = reports_of(db, a.run_id)
    # warm-up, as a renderer worker does once: engine, Vega runtime, Altair's first charts
    for charts in (old, new):
        charts.to_svg(alt.Chart(alt.Data(values=[{"a": 1}])).mark_point().encode(x="a:Q"))
        charts.runtime_js()
        timed(charts, reports[0])

    times: dict[str, dict[str, list[float]]] = {name: {"build": [], "payloads": [], "total": []}
                                                for name in ("old", "new")}
    same = charts_n = 0
    svg_same: dict[str, list[int]] = {}  # chart name -> [identical, compared]
    before = load()
    for i, report in enumerate(reports):
        runs: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
        outputs = {}
        for r in range(a.repeat):
            order = (("old", old), ("new", new)) if (i + r) % 2 == 0 else (("new", new), ("old", old))
            for name, charts in order:
                build, payloads, outputs[name] = timed(charts, report)
                runs[name].append((build, payloads))
        for name, rows in runs.items():
            times[name]["build"].append(statistics.median(b for b, _ in rows))
            times[name]["payloads"].append(statistics.median(p for _, p in rows))
            times[name]["total"].append(statistics.median(b + p for b, p in rows))
        charts_n += len(outputs["new"])
        same += sum(comparable(outputs["old"].get(k)) == comparable(v) for k, v in outputs["new"].items())
        for k, v in outputs["new"].items():
            if "svg" in v:
                counts = svg_same.setdefault(k, [0, 0])
                counts[0] += svg_of(outputs["old"].get(k)) == svg_of(v)
                counts[1] += 1
        if set(outputs["old"]) != set(outputs["new"]):
            print(f"  school {i}: payload names differ: {sorted(outputs['old'])} / {sorted(outputs['new'])}")

    print(f"{len(reports)} schools from {db}; {a.repeat} runs per school and code, warm process; "
          f"before: {before}; after: {load()}")
    print(f"old: {old.__file__} (git {a.old_rev[:12]}); new: the working tree's hocba_audit.charts")
    print(f"{'charts step (s per school)':<30}{'old med':>9}{'new med':>9}{'old p90':>9}{'new p90':>9}")
    for step in ("build", "payloads", "total"):
        o, n = times["old"][step], times["new"][step]
        print(f"{step:<30}{statistics.median(o):>9.3f}{statistics.median(n):>9.3f}"
              f"{pct(o, 0.9):>9.3f}{pct(n, 0.9):>9.3f}")
    mo, mn = statistics.median(times["old"]["total"]), statistics.median(times["new"]["total"])
    print(f"median per school: {mo:.3f} s -> {mn:.3f} s ({mo / mn:.2f}x, {mo - mn:.3f} s less)")
    print("identical SVGs (what the PDF and the notebook's static fallback show; gradient ids aside): "
          + ", ".join(f"{k} {n}/{m}" for k, (n, m) in svg_same.items()))
    print(f"identical payloads as a whole (the display bundles carry the spec, whose config may have "
          f"changed): {same}/{charts_n}")


if __name__ == "__main__":
    main()
