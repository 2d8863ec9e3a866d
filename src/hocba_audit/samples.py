"""Write a generated city (or a few schools) as school exports in the vendor layouts.

Schools are spread over the profiles in turn; some CSV exports are written in Windows-1258 and
some exports are zipped, as real deliveries are. ``truth.csv`` lists every injected defect.
Schools are written by a process pool (``jobs``), each from its own deterministic seed, so the
output does not depend on the number of processes.

With ``signed=True`` (the default) every export also gets signed học bạ records, a sync-package
manifest and certificate files (:mod:`hocba_audit.generator.signed_records`), and the set gets
one trust folder, ``<out>/trust`` (beside ``exports/``). An export with signed files is written
as one zip (the school's delivery package; unzipped, the XML records would make the sample set
several times larger). Signature and certificate bytes differ from run to run (keys are
generated at run time); everything else is deterministic.
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


def _write_one(args) -> tuple[str, list[dict], int, list]:
    from hocba_audit.generator import generate_school
    from hocba_audit.writers import write_export

    plan_school, spec, out_dir, pki_state = args
    data = generate_school(plan_school, spec)
    ep = export_plan(plan_school.index)
    profile = load_profiles()[ep.profile]
    name = f"{data.school_id}_{data.school_year}"
    target = Path(out_dir) / name
    for old in (target, Path(out_dir) / f"{name}.zip"):   # a re-run must not keep files of the last one
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
    write_export(data.tables, profile, target, {"encoding": ep.encoding})
    truth, revocations = list(data.truth), []
    if pki_state is not None:
        from hocba_audit.generator.seeding import rng_for
        from hocba_audit.generator.signed_records import pki_from_state, sign_export

        signed = sign_export(target, pki_from_state(pki_state), rng_for("signed-records", spec.seed, plan_school.index),
                             defect_rate=spec.defect_rate)
        truth += signed.truth
        revocations = signed.revocations
    if ep.zipped or pki_state is not None:   # an export with signed files is delivered as one zip package
        zpath = Path(out_dir) / f"{name}.zip"
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(target.rglob("*")):
                if p.is_file():
                    z.write(p, f"{name}/{p.relative_to(target).as_posix()}")
        shutil.rmtree(target)
    n_rows = sum(len(v) for v in data.tables.values())
    return name, truth, n_rows, revocations


def write_samples(out_dir: Path, spec, jobs: int = 1, progress=None, signed: bool = True) -> dict:
    """Generate the city described by ``spec`` into ``out_dir``; returns counts.

    ``signed``: also write signed records, manifests and certificate files into every export and
    the trust folder ``out_dir/trust`` (contract §2).
    """
    from hocba_audit.generator import plan_city

    out_dir = Path(out_dir)
    exports = out_dir / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    plans = plan_city(spec)
    truth_path = out_dir / "truth.csv"
    total_rows = 0
    pki, state, revocations = None, None, []
    if signed:
        from hocba_audit.generator.signed_records import pki_state
        from hocba_audit.signing.pki import SyntheticPKI

        pki = SyntheticPKI()
        state = pki_state(pki)
    with truth_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=TRUTH_COLUMNS, extrasaction="ignore")
        w.writeheader()
        args = [(p, spec, str(exports), state) for p in plans]
        if jobs > 1:
            with ProcessPoolExecutor(jobs, mp_context=_spawn()) as pool:
                results = pool.map(_write_one, args, chunksize=1)
                for name, truth, n, revoked in results:
                    w.writerows(truth)
                    total_rows += n
                    revocations += revoked
                    if progress:
                        progress(name)
        else:
            for a in args:
                name, truth, n, revoked = _write_one(a)
                w.writerows(truth)
                total_rows += n
                revocations += revoked
                if progress:
                    progress(name)
    out = {"schools": len(plans), "canonical_rows": total_rows, "exports": str(exports), "truth": str(truth_path)}
    if pki is not None:
        from hocba_audit.generator.signed_records import CRL_TIME, merge_revocations

        merge_revocations(pki, revocations)
        trust = out_dir / "trust"
        if trust.exists():
            shutil.rmtree(trust)
        pki.write_trust_folder(trust, crl_time=CRL_TIME)
        out["trust"] = str(trust)
    return out


def write_readme(out_dir: Path, command: str) -> Path:
    """``README.md`` for a generated set: one line per export and per tabular file, saying what it
    holds; the signed files of an export (``hoc_ba/``, ``certs/``) are summed up per folder."""
    from collections import Counter

    from hocba_audit.exports import discover_exports
    from hocba_audit.ingest import detect_profile

    profiles = load_profiles()
    out_dir = Path(out_dir)
    lines = ["# Sample school exports", "",
             "Generated, not real: every name, ID, mark, certificate and signature here is synthetic. "
             "Regenerate with", "", f"    {command}", "",
             "`truth.csv`: the ground truth, one row per injected defect (school_id, table, key, field,",
             "defect_code, detail); the defect codes are described in docs/generator.md.", ""]
    truth_codes: Counter = Counter()
    truth_path = out_dir / "truth.csv"
    if truth_path.exists():
        with truth_path.open(encoding="utf-8") as fh:
            truth_codes = Counter(r["defect_code"] for r in csv.DictReader(fh))
    if (out_dir / "trust").is_dir():
        from hocba_audit.generator.signed_records import ALL_CODES

        size = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file() and p.name != "README.md")
        lines += ["## Signed files", "",
                  "Every export also holds the signed học bạ records of its pupils and is delivered as one zip:",
                  "`hoc_ba/<pupil code>_<school year>.xml` (one record per enrolled pupil-year, signed GVCN → HT →",
                  "school seal between 2026-05-25 and 2026-06-10), `hoc_ba/manifest.csv` (the sync package:",
                  "file, sha256, size_bytes) and `certs/<holder code>.cer` (one DER certificate per row of the",
                  "certificate registry, with the registry's serial number). `trust/` is the Sở's trust store",
                  "for all of them (synthetic roots, intermediates and CRLs, marked TEST ONLY / GIẢ LẬP).",
                  "",
                  "The records are built from the export's own tables as the loader reads them, so a clean",
                  "record agrees with the grade book value for value. Keys are generated at run time and",
                  "never written: regenerating gives other signature and certificate bytes, and so other",
                  "manifest hashes, while the tabular files, `truth.csv` and the signed data blocks are",
                  "identical (docs/generator.md, section \"Signed files\").",
                  "",
                  "Signed-file defects in `truth.csv` (rows per code; SIG_TAMPERED and SIG_WRAPPING have one",
                  "row per role):", "",
                  "| code | rows |", "| --- | --- |"]
        lines += [f"| {c} | {truth_codes.get(c, 0)} |" for c in ALL_CODES]
        if not truth_codes.get("SIG_BEFORE_GRADE_CHANGE"):
            lines += ["", "SIG_BEFORE_GRADE_CHANGE was skipped: the exports have no grade-edit log rows."]
        lines += ["", "Rows whose detail starts with \"implied\" follow from a tabular defect: a record that an empty",
                  "sex or birth date or a test score above 10 makes schema-invalid (SIG_SCHEMA_INVALID), a class",
                  "whose recorded GVCN is a staff member (CLASS_GVCN_NOT_A_TEACHER): its records are signed by the",
                  "real homeroom teacher (SIG_SIGNER_NOT_GVCN) and the staff member holds no certificate",
                  "(CERT_MISSING). CERT_* codes need a GVCN or the principal holding a certificate; a school with",
                  "few classes cannot carry all five personal-certificate codes.", "",
                  f"Size of this folder: {size / 1e6:.1f} MB.", ""]
    for export in discover_exports(out_dir / "exports"):
        profile, _ = detect_profile(export, profiles)
        kind = "zip archive" if export.path.suffix == ".zip" else "folder"
        lines.append(f"## `{export.path.name}`")
        lines.append("")
        lines.append(f"School {export.school_id}, {export.school_year}; {kind} in the `{profile.name}` layout "
                     f"({profile.title}).")
        lines.append("")
        signed: Counter = Counter()
        for f in export.files:
            top = f.rel_path.split("/", 1)[0]
            if top in ("hoc_ba", "certs"):
                signed[(top, f.rel_path.rsplit(".", 1)[-1].lower())] += 1
                continue
            src = profile.source_for(f.rel_path)
            what = ", ".join((*src.targets, *([src.melt_target] if src.melt_target else []))) if src else "?"
            extra = ""
            if f.rel_path.lower().endswith(".csv"):
                head = f.read_bytes()[:4096]
                extra = " (UTF-8 with BOM)" if head.startswith(b"\xef\xbb\xbf") else " (Windows-1258)"
            lines.append(f"- `{f.rel_path}`: {src.name if src else 'unclaimed'} → {what}{extra}")
        if signed:
            lines.append(f"- `hoc_ba/`: {signed[('hoc_ba', 'xml')]} signed học bạ records (`*.xml`) and "
                         f"`manifest.csv` → signed_records, record_signatures, signed_values, package_entries")
            lines.append(f"- `certs/`: {signed[('certs', 'cer')]} certificate files (`*.cer`, DER) → certificate_files")
        lines.append("")
    path = out_dir / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
