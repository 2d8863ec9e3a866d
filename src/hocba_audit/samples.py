"""Write a generated city (or a few schools) as school exports in the vendor layouts.

Schools are spread over the profiles in turn; some CSV exports are written in Windows-1258 and
some exports are zipped, as real deliveries are. ``truth.csv`` lists every injected defect.
Schools are written by a process pool (``jobs``), each from its own deterministic seed, so the
output does not depend on the number of processes.
"""

from __future__ import annotations

import csv
import multiprocessing
import shutil
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from hocba_audit.profiles import load_profiles

PROFILE_ORDER = ("csdl_nganh", "smas_workbook", "csv_long")
TRUTH_COLUMNS = ("school_id", "table", "key", "field", "defect_code", "detail")


def _spawn():
    """Worker processes are spawned, never forked: polars and DuckDB run thread pools, and a
    child forked from a process with live threads can deadlock."""
    return multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class ExportPlan:
    index: int
    profile: str
    encoding: str      # CSV encoding for csv_long exports
    zipped: bool


def export_plan(index: int) -> ExportPlan:
    profile = PROFILE_ORDER[index % len(PROFILE_ORDER)]
    encoding = "cp1258" if (profile == "csv_long" and index % 4 == 2) else "utf-8-sig"
    return ExportPlan(index, profile, encoding, zipped=(index % 5 == 3))


def _write_one(args) -> tuple[str, list[dict], int]:
    from hocba_audit.generator import generate_school
    from hocba_audit.writers import write_export

    plan_school, spec, out_dir = args
    data = generate_school(plan_school, spec)
    ep = export_plan(plan_school.index)
    profile = load_profiles()[ep.profile]
    name = f"{data.school_id}_{data.school_year}"
    target = Path(out_dir) / name
    write_export(data.tables, profile, target, {"encoding": ep.encoding})
    if ep.zipped:
        zpath = target.with_suffix(".zip") if False else Path(out_dir) / f"{name}.zip"
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(target.rglob("*")):
                if p.is_file():
                    z.write(p, f"{name}/{p.relative_to(target).as_posix()}")
        shutil.rmtree(target)
    n_rows = sum(len(v) for v in data.tables.values())
    return name, data.truth, n_rows


def write_samples(out_dir: Path, spec, jobs: int = 1, progress=None) -> dict:
    """Generate the city described by ``spec`` into ``out_dir``; returns counts."""
    from hocba_audit.generator import plan_city

    out_dir = Path(out_dir)
    exports = out_dir / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    plans = plan_city(spec)
    truth_path = out_dir / "truth.csv"
    total_rows = 0
    with truth_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=TRUTH_COLUMNS, extrasaction="ignore")
        w.writeheader()
        args = [(p, spec, str(exports)) for p in plans]
        if jobs > 1:
            with ProcessPoolExecutor(jobs, mp_context=_spawn()) as pool:
                results = pool.map(_write_one, args, chunksize=1)
                for name, truth, n in results:
                    w.writerows(truth)
                    total_rows += n
                    if progress:
                        progress(name)
        else:
            for a in args:
                name, truth, n = _write_one(a)
                w.writerows(truth)
                total_rows += n
                if progress:
                    progress(name)
    return {"schools": len(plans), "canonical_rows": total_rows, "exports": str(exports), "truth": str(truth_path)}


def write_readme(out_dir: Path, command: str) -> Path:
    """``README.md`` for a generated set: one line per export and per file, saying what it holds."""
    import zipfile as _zip

    from hocba_audit.exports import discover_exports
    from hocba_audit.ingest import detect_profile

    profiles = load_profiles()
    out_dir = Path(out_dir)
    lines = ["# Sample school exports", "",
             "Generated, not real: every name, ID and mark here is synthetic. Regenerate with",
             "", f"    {command}", "",
             "`truth.csv`: the ground truth, one row per injected defect (school_id, table, key, field,",
             "defect_code, detail); the defect codes are described in docs/generator.md.", ""]
    for export in discover_exports(out_dir / "exports"):
        profile, _ = detect_profile(export, profiles)
        kind = "zip archive" if export.path.suffix == ".zip" else "folder"
        lines.append(f"## `{export.path.name}`")
        lines.append("")
        lines.append(f"School {export.school_id}, {export.school_year}; {kind} in the `{profile.name}` layout "
                     f"({profile.title}).")
        lines.append("")
        for f in export.files:
            src = profile.source_for(f.rel_path)
            what = ", ".join((*src.targets, *([src.melt_target] if src.melt_target else []))) if src else "?"
            extra = ""
            if f.rel_path.lower().endswith(".csv"):
                head = f.read_bytes()[:4096]
                extra = " (UTF-8 with BOM)" if head.startswith(b"\xef\xbb\xbf") else " (Windows-1258)"
            lines.append(f"- `{f.rel_path}`: {src.name if src else 'unclaimed'} → {what}{extra}")
        lines.append("")
    path = out_dir / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
