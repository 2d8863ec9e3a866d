"""Signed-file loading benchmark: ``load_all`` of ~1,000 signed học bạ records, jobs=1 vs jobs=2.

Generates one defect corpus (``generate_corpus``; keys generated for the run, never written),
lays it out as one export per school (``<school>_2025-2026/hoc_ba/*.xml`` with its
``manifest.csv``, ``certs/``) next to ``trust/``, then loads the exports into a fresh DuckDB file
twice, single-process and with 2 worker processes, and prints both timings and whether the two
databases hold the same rows. The exports carry no tables, so the load is the signed files
(verification, schema, rows) plus a profile-detection note per export.

Usage: .venv/bin/python bench/signed_load.py [--pupils 1000] [--seed 4] [--defect-rate 0.3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import duckdb  # noqa: E402

from hocba_audit.signing.corpus import generate_corpus  # noqa: E402
from hocba_audit.run import load_all  # noqa: E402

TABLES = ("signed_records", "record_signatures", "signed_values", "certificate_files", "package_entries",
          "manifest", "load_errors", "rejected_rows")


def layout(corpus_dir: Path, base: Path) -> Path:
    exports = base / "exports"
    for school_dir in sorted((corpus_dir / "records").iterdir()):
        export = exports / f"{school_dir.name}_2025-2026"
        (export / "hoc_ba").mkdir(parents=True)
        lines = ["file,sha256,size_bytes"]
        for f in sorted(school_dir.glob("*.xml")):
            data = f.read_bytes()
            (export / "hoc_ba" / f.name).write_bytes(data)
            lines.append(f"{f.name},{hashlib.sha256(data).hexdigest()},{len(data)}")
        (export / "hoc_ba" / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (export / "certs").mkdir()
        for c in (corpus_dir / "certs").glob(f"{school_dir.name}*.pem"):
            shutil.copy(c, export / "certs" / c.name)
    shutil.copytree(corpus_dir / "trust", base / "trust")
    return exports


def snapshot(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f'SELECT * EXCLUDE (run_id) FROM "{t}" ORDER BY ALL').fetchall()
                if t in ("manifest", "load_errors", "rejected_rows") else
                con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in TABLES}
    finally:
        con.close()


def _cpu() -> float:
    """User+system CPU seconds of this process and its finished children (the pool's workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pupils", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--defect-rate", type=float, default=0.3)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="hocba-signed-load-"))
    try:
        t0 = time.perf_counter()
        corpus = generate_corpus(base / "corpus", args.pupils, seed=args.seed, defect_rate=args.defect_rate)
        exports = layout(corpus.folder, base)
        n_files = sum(1 for _ in exports.rglob("*.xml"))
        n_exports = sum(1 for _ in exports.iterdir())
        print(f"corpus: {args.pupils} pupils -> {n_files} records in {n_exports} exports "
              f"(generated and signed in {time.perf_counter() - t0:.1f} s)")
        snaps, times = {}, {}
        print(f"load average before timing: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
              "(other processes on the machine slow the wall-clock figures; CPU seconds are less affected)")
        for jobs in (1, 2):
            db = base / f"jobs{jobs}.duckdb"
            cpu0 = _cpu()
            t0 = time.perf_counter()
            results = load_all(db, exports, f"bench-{jobs}", jobs=jobs)
            times[jobs] = time.perf_counter() - t0
            cpu = _cpu() - cpu0
            records = sum(r.signed_records for r in results)
            print(f"jobs={jobs}: {records} records loaded in {times[jobs]:.2f} s wall, {cpu:.1f} CPU-s "
                  f"({records / times[jobs]:.0f} records/s, {3 * records / times[jobs]:.0f} signature slots/s)")
            snaps[jobs] = snapshot(db)
        counts = ", ".join(f"{t} {len(snaps[1][t])}" for t in TABLES[:5])
        print(f"rows: {counts}")
        print(f"speed-up jobs=2 / jobs=1: {times[1] / times[2]:.2f}x; identical rows: {snaps[1] == snaps[2]}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
