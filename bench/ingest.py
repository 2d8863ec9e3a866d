"""Ingest benchmark: load a generated 100-school export and compare XLSX readers.

Prints, measured in one run on this machine:
  1. rows per second and peak memory loading the whole set into a DuckDB file, with 1 and 2
     worker processes (each load in a fresh subprocess, so peak RSS is its own);
  2. on the same XLSX files, the project's reader (fastexcel/calamine -> polars, every cell as
     text) against pandas + openpyxl (``read_excel(sheet_name=None, header=None, dtype=str)``),
     and the ratio.

Usage: .venv/bin/python bench/ingest.py [--schools 100] [--seed 7] [--scale 1.0] [--xlsx-files 40]
The generated set is cached in bench/out/city<N>-s<seed>-x<scale>/ (delete it to regenerate).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _child_load(exports: str, db: str, jobs: int) -> None:
    from hocba_audit.run import load_all

    t0 = time.perf_counter()
    results = load_all(Path(db), Path(exports), "bench", jobs=jobs)
    seconds = time.perf_counter() - t0
    import duckdb

    con = duckdb.connect(db, read_only=True)
    canonical = sum(con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]
                    for t in ("pupils", "enrolments", "teachers", "classes", "teaching_assignments", "marks",
                              "subject_results", "year_results", "primary_evaluations", "primary_results"))
    marks = con.execute("SELECT count(*) FROM marks").fetchall()[0][0]
    con.close()
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "seconds": seconds, "rows_read": sum(r.rows_read for r in results),
        "rows_loaded": sum(r.rows_loaded for r in results), "rows_rejected": sum(r.rows_rejected for r in results),
        "canonical_rows": canonical, "marks": marks, "peak_rss_mb_parent": peak_self,
        "peak_rss_mb_worker": peak_children}))


def _run_load(exports: Path, jobs: int) -> dict:
    db = HERE / "out" / f"ingest-j{jobs}.duckdb"
    db.unlink(missing_ok=True)
    out = subprocess.run([sys.executable, __file__, "--child-load", str(exports), str(db), str(jobs)],
                         capture_output=True, text=True, check=True)
    db.unlink(missing_ok=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _xlsx_files(exports: Path, limit: int) -> list[Path]:
    files = sorted(p for p in exports.rglob("*.xlsx"))
    # spread over schools and layouts; biggest first so the comparison is not dominated by tiny files
    files.sort(key=lambda p: -p.stat().st_size)
    return files[:limit]


def _compare_xlsx(files: list[Path]) -> dict:
    import pandas as pd

    from hocba_audit.readers import read_xlsx

    t0 = time.perf_counter()
    ours_cells = 0
    for f in files:
        for sheet in read_xlsx(f, f.name):
            ours_cells += sheet.frame.height * (sheet.frame.width - 1)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    pandas_cells = 0
    for f in files:
        for df in pd.read_excel(f, sheet_name=None, header=None, dtype=str, engine="openpyxl").values():
            pandas_cells += df.shape[0] * df.shape[1]
    theirs = time.perf_counter() - t0
    return {"files": len(files), "megabytes": sum(f.stat().st_size for f in files) / 1e6,
            "ours_s": ours, "pandas_openpyxl_s": theirs, "ratio": theirs / ours,
            "ours_cells": ours_cells, "pandas_cells": pandas_cells}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schools", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--xlsx-files", type=int, default=40)
    ap.add_argument("--child-load", nargs=3)
    args = ap.parse_args()
    if args.child_load:
        _child_load(args.child_load[0], args.child_load[1], int(args.child_load[2]))
        return
    out = HERE / "out" / f"city{args.schools}-s{args.seed}-x{args.scale}"
    exports = out / "exports"
    if not exports.exists():
        print(f"generating {args.schools} schools into {out} …", flush=True)
        t0 = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "hocba-audit"), "samples", "--schools", str(args.schools),
                        "--seed", str(args.seed), "--scale", str(args.scale), "--jobs", "2", "--out", str(out),
                        "--no-signed"],  # the tabular loader is measured here; bench/signed_load.py does signed files
                       check=True)
        print(f"generated in {time.perf_counter() - t0:.0f} s")
    size = sum(p.stat().st_size for p in exports.rglob("*") if p.is_file()) / 1e6
    print(f"export set: {len(list(exports.iterdir()))} exports, {size:.0f} MB on disk; cpu cores: {os.cpu_count()}")
    print()
    print("| workers | seconds | source rows read | rows/s | canonical rows | canonical rows/s | marks | "
          "peak RSS parent MB | peak RSS worker MB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for jobs in (1, 2):
        r = _run_load(exports, jobs)
        assert r["rows_read"] == r["rows_loaded"] + r["rows_rejected"]
        print(f"| {jobs} | {r['seconds']:.1f} | {r['rows_read']:,} | {r['rows_read'] / r['seconds']:,.0f} | "
              f"{r['canonical_rows']:,} | {r['canonical_rows'] / r['seconds']:,.0f} | {r['marks']:,} | "
              f"{r['peak_rss_mb_parent']:.0f} | {r['peak_rss_mb_worker']:.0f} |", flush=True)
    print()
    c = _compare_xlsx(_xlsx_files(exports, args.xlsx_files))
    print(f"XLSX, same {c['files']} files ({c['megabytes']:.1f} MB): project reader {c['ours_s']:.2f} s, "
          f"pandas+openpyxl {c['pandas_openpyxl_s']:.2f} s -> {c['ratio']:.1f}x faster "
          f"(cells: {c['ours_cells']:,} vs {c['pandas_cells']:,})")


if __name__ == "__main__":
    main()
