"""The end-to-end audit: load every export into one DuckDB file, run the rules, and execute the
per-school notebook for each school into ``<out>/<run id>/<school id>/``."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from hocba_audit import model
from hocba_audit.exports import Export, discover_exports
from hocba_audit.ingest import ExportResult, load_export
from hocba_audit.profiles import load_profiles
from hocba_audit.signing.policy import VerifyPolicy
from hocba_audit.version import __version__


def _spawn():
    """Worker processes are spawned, never forked: polars and DuckDB run thread pools, and a
    child forked from a process with live threads can deadlock."""
    return multiprocessing.get_context("spawn")


@dataclass
class RunSummary:
    run_id: str
    run_dir: Path
    db_path: Path
    exports: list[ExportResult] = field(default_factory=list)
    rule_results: int = 0
    findings: int = 0
    notebooks: list[Path] = field(default_factory=list)
    notebook_errors: list[str] = field(default_factory=list)
    city: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def new_run_id() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


@dataclass(frozen=True)
class SignedSpec:
    """How the signed files are read (picklable, for the workers): the trust folder (None: no
    trust store), the verification policy and when certificate chains are evaluated."""

    trust_dir: str | None
    policy: VerifyPolicy
    at: dt.datetime


def _load_export(con, export: Export, run_id: str, profiles, profile: str | None,
                 signed: SignedSpec) -> ExportResult:
    """The tabular files through the profile, then the signed files (same connection)."""
    from hocba_audit.signing.load import cached_trust_store, load_signed_files

    res = load_export(con, export, run_id, profiles, profile_name=profile)
    out = load_signed_files(con, export, run_id, export.school_id, cached_trust_store(signed.trust_dir),
                            signed.policy, at=signed.at)
    res.signed_records, res.certificate_files, res.signed_problems = out.records, out.certificates, out.problems
    return res


_WORKER_PROFILES: list = []  # profiles parsed once per worker process


def _load_one(args) -> tuple[ExportResult, str]:
    """Worker: load one export into its own scratch DuckDB file; the parent merges it. The
    profiles and the trust store are loaded once per worker process, not per export or file."""
    export, run_id, profile, scratch, signed = args
    if not _WORKER_PROFILES:
        _WORKER_PROFILES.append(load_profiles())
    con = duckdb.connect(scratch)
    try:
        model.create_schema(con)
        return _load_export(con, export, run_id, _WORKER_PROFILES[0], profile, signed), scratch
    finally:
        con.close()


def default_trust_dir(exports_dir: Path) -> Path | None:
    """``<exports_dir>/../trust`` when it exists (the Sở's trust store next to the exports)."""
    candidate = Path(exports_dir).resolve().parent / "trust"
    return candidate if candidate.is_dir() else None


def signed_spec(exports_dir: Path, trust_dir: Path | None = None,
                settings: dict[str, str] | None = None) -> SignedSpec:
    """Resolve the trust folder (given, else the default, else none) and the trust policy
    (``audits/settings/trust_policy.yaml`` with ``--setting`` overrides). A given or default trust
    folder that cannot be loaded is an error, raised here before any worker starts."""
    from hocba_audit.signing.load import cached_trust_store
    from hocba_audit.signing.trustpolicy import load_trust_policy

    folder = Path(trust_dir) if trust_dir is not None else default_trust_dir(exports_dir)
    if folder is not None:
        if not folder.is_dir():
            from hocba_audit.errors import LoadError

            raise LoadError("trust_dir", f"Không có thư mục tin cậy '{folder}' (--trust).")
        cached_trust_store(folder)
    return SignedSpec(str(folder.resolve()) if folder else None, load_trust_policy(overrides=settings),
                      dt.datetime.now(dt.timezone.utc))


def _merge(con, scratch: str) -> None:
    con.execute(f"ATTACH '{scratch}' AS part (READ_ONLY)")
    try:
        for name in [t.name for t in model.TABLES] + list(model.RUN_TABLES):
            con.execute(f'INSERT INTO "{name}" SELECT * FROM part."{name}"')
    finally:
        con.execute("DETACH part")
    Path(scratch).unlink(missing_ok=True)


def load_all(db_path: Path, exports_dir: Path, run_id: str, profile: str | None = None,
             progress=None, jobs: int = 1, trust_dir: Path | None = None,
             settings: dict[str, str] | None = None) -> list[ExportResult]:
    """Load every export of ``exports_dir`` into ``db_path`` under ``run_id``: the tables through
    the profile, and the signed files (học bạ XML, certificates, package manifest) verified against
    the trust store ``trust_dir`` (default ``<exports_dir>/../trust`` if it exists).

    With ``jobs`` > 1, exports are read, normalised and verified in worker processes, each into a
    scratch DuckDB file next to ``db_path``, and merged here in export order (same result as jobs=1).
    """
    profiles = load_profiles()
    if profile and profile not in profiles:
        from hocba_audit.errors import LoadError
        from hocba_audit.normalize import did_you_mean

        hint = did_you_mean(profile, list(profiles))
        raise LoadError("unknown_profile", f"Không có hồ sơ '{profile}'" +
                        (f" — có phải ý bạn là '{hint}'?" if hint else f"; có: {', '.join(profiles)}."))
    signed = signed_spec(Path(exports_dir), trust_dir, settings)
    exports = discover_exports(exports_dir)
    con = duckdb.connect(str(db_path))
    try:
        model.create_schema(con)
        con.execute("INSERT INTO runs VALUES ($1, now(), NULL, $2, $3, $4)",
                    [run_id, __version__, str(exports_dir),
                     json.dumps({"profile": profile, "trust": signed.trust_dir})])
        results: list[ExportResult] = []
        if jobs > 1 and len(exports) > 1:
            scratch_dir = Path(str(db_path) + ".parts")
            scratch_dir.mkdir(exist_ok=True)
            args = [(e, run_id, profile, str(scratch_dir / f"{i:05d}.duckdb"), signed)
                    for i, e in enumerate(exports)]
            with ProcessPoolExecutor(jobs, mp_context=_spawn()) as pool:
                for res, scratch in pool.map(_load_one, args, chunksize=1):
                    _merge(con, scratch)
                    results.append(res)
                    if progress:
                        progress(res)
            scratch_dir.rmdir()
        else:
            for export in exports:
                results.append(_load_export(con, export, run_id, profiles, profile, signed))
                if progress:
                    progress(results[-1])
        if signed.trust_dir is None and any(r.signed_records or r.certificate_files for r in results):
            where = Path(exports_dir).resolve().parent / "trust"
            con.execute("INSERT INTO load_errors VALUES ($1, NULL, '', $2, '', 'cảnh báo', 'no_trust_store', $3)",
                        [run_id, str(where), f"Không có kho tin cậy (thư mục '{where}' không tồn tại và không có "
                         "--trust): mọi chữ ký được ghi là chưa xác định (INDETERMINATE / "
                         "NO_CERTIFICATE_CHAIN_FOUND) và chứng thư số là NO_CHAIN. Đặt các chứng thư gốc, "
                         "trung gian và CRL vào thư mục tin cậy rồi chạy lại."])
        return results
    finally:
        con.close()


def run_audit(exports_dir: Path, out_dir: Path, profile: str | None = None, jobs: int = 2,
              notebooks: bool = True, progress=None, report_progress=None,
              settings: dict[str, str] | None = None, trust_dir: Path | None = None) -> RunSummary:
    """Load, audit and report; returns what was done and where it went.

    ``settings`` (``--setting name=value``) apply to the loader's trust policy and to the rules;
    ``run_rules`` records the effective value of every setting in ``run_settings``, and the
    reports count days to the run's deadline settings and list the settings that differ from
    their defaults."""
    from hocba_audit.catalogue import load_catalogue
    from hocba_audit.runner import run_rules

    run_id = new_run_id()
    run_dir = Path(out_dir) / run_id
    suffix = 1
    while run_dir.exists():
        run_dir = Path(out_dir) / f"{run_id}-{suffix}"
        suffix += 1
    run_id = run_dir.name
    run_dir.mkdir(parents=True)
    db_path = run_dir / "audit.duckdb"
    summary = RunSummary(run_id, run_dir, db_path)
    t0 = time.perf_counter()
    summary.exports = load_all(db_path, Path(exports_dir), run_id, profile, progress, jobs=jobs,
                               trust_dir=trust_dir, settings=settings)
    summary.seconds["load"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    catalogue = load_catalogue()
    con = duckdb.connect(str(db_path))
    try:
        results = run_rules(con, catalogue, run_id, settings=settings)
        summary.rule_results = len(results)
        summary.findings = con.execute("SELECT count(*) FROM findings WHERE run_id = $1", [run_id]).fetchall()[0][0]
        con.execute("UPDATE runs SET finished_at = now() WHERE run_id = $1", [run_id])
        schools = [r[0] for r in con.execute("SELECT school_id FROM schools ORDER BY school_id").fetchall()]
    finally:
        con.close()
    summary.seconds["rules"] = time.perf_counter() - t0

    if notebooks:
        from hocba_audit.errors import ReportError
        from hocba_audit.report_render import render_city_reports, render_school_reports

        t0 = time.perf_counter()
        # deadline None / deadlines "": the reports count to the run's settings (run_settings,
        # written by run_rules), the deadlines the rules used
        outcomes = render_school_reports(db_path, run_dir, schools, jobs, run_id=run_id, catalogue=catalogue,
                                         progress=report_progress, deadline=None)
        for o in outcomes:
            if o.status == "error":
                summary.notebook_errors.append(f"{o.school_id}: {o.error}")
            else:
                summary.notebooks.append(o.out_dir / "school_audit.html")
        summary.seconds["school reports"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            render_city_reports(db_path, run_dir, run_id=run_id, deadlines=("", ""))
            summary.city = run_dir / "city"
        except ReportError as exc:
            summary.notebook_errors.append(f"city: {exc}")
        summary.seconds["city reports"] = time.perf_counter() - t0
    _point_latest(Path(out_dir), run_dir)
    return summary


def _point_latest(out_dir: Path, run_dir: Path) -> None:
    """``<out>/latest`` is a symlink to the newest run (replaced atomically)."""
    link = out_dir / "latest"
    tmp = out_dir / f".latest-{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(run_dir.name)
        os.replace(tmp, link)
    except OSError:
        (out_dir / "LATEST").write_text(run_dir.name + "\n", encoding="utf-8")
