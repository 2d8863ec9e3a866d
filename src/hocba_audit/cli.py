"""The hocba-audit command line: a thin layer over the package's functions."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from hocba_audit.errors import HocbaAuditError
from hocba_audit.rules_cli import rules, setting_option
from hocba_audit.version import __version__


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc))


@click.group()
@click.version_option(__version__, prog_name="hocba-audit")
def cli() -> None:
    """Audit Vietnamese digital school records (Học bạ số) before the deadlines."""


@cli.command()
@click.option("--schools", default=4, show_default=True, help="How many schools to generate.")
@click.option("--seed", default=1, show_default=True, help="Random seed (same seed, same files).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--defect-rate", default=0.02, show_default=True, help="Defect probability per record and family.")
@click.option("--levels", default="", help="Comma-separated levels, one school each in turn (e.g. TH,THCS,THPT,GDTX).")
@click.option("--scale", default=1.0, show_default=True, help="Multiply school sizes (0.1 for small samples).")
@click.option("--jobs", default=2, show_default=True, help="Processes writing schools in parallel.")
@click.option("--no-signed", is_flag=True,
              help="Tabular exports only: no signed records, certificate files or trust folder.")
def samples(schools: int, seed: int, out_dir: Path, defect_rate: float, levels: str, scale: float, jobs: int,
            no_signed: bool) -> None:
    """Generate realistic school exports with a ground-truth file of injected defects.

    \b
    Example: hocba-audit samples --schools 4 --levels TH,THCS,THPT,GDTX --scale 0.1 --out data_samples
    """
    from hocba_audit.generator import CitySpec
    from hocba_audit.samples import write_samples

    spec = CitySpec(schools=schools, seed=seed, defect_rate=defect_rate,
                    levels=tuple(x.strip() for x in levels.split(",") if x.strip()) or None, pupils_scale=scale)
    t0 = time.perf_counter()
    n = [0]

    def progress(name: str) -> None:
        n[0] += 1
        if n[0] % 10 == 0 or n[0] == schools:
            el = time.perf_counter() - t0
            click.echo(f"  {n[0]}/{schools} schools, {el:.0f} s, ETA {el / n[0] * (schools - n[0]):.0f} s", err=True)

    try:
        out = write_samples(out_dir, spec, jobs=jobs, progress=progress, signed=not no_signed)
    except HocbaAuditError as exc:
        _fail(exc)
    from hocba_audit.samples import write_readme

    command = (f"hocba-audit samples --schools {schools} --seed {seed} --defect-rate {defect_rate} "
               + (f"--levels {levels} " if levels else "") + f"--scale {scale} --out {out_dir}"
               + (" --no-signed" if no_signed else ""))
    write_readme(out_dir, command)
    click.echo(f"Wrote {out['schools']} school exports to {out['exports']} and the ground truth to {out['truth']}.")


@cli.command()
@click.option("--exports", "exports_dir", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--profile", default=None, help="Force a vendor profile instead of detecting it.")
@click.option("--trust", "trust_dir", default=None, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Trust store folder (anchors/<group>/, intermediates/, crls/); default <exports>/../trust.")
@click.option("--jobs", default=1, show_default=True, help="Exports loaded in parallel processes.")
def load(exports_dir: Path, db_path: Path, profile: str | None, trust_dir: Path | None, jobs: int) -> None:
    """Load school exports into a DuckDB file (no rules, no reports)."""
    from hocba_audit.run import load_all, new_run_id

    try:
        results = load_all(db_path, exports_dir, new_run_id(), profile, progress=_print_export, jobs=jobs,
                           trust_dir=trust_dir)
    except HocbaAuditError as exc:
        _fail(exc)
    _print_totals(results)


def _report_progress(clock=time.perf_counter):
    """A progress bar with ETA over the schools' reports (a line per 5 % when not a terminal),
    timed from the moment rendering starts (the renderer's first call, with no outcome)."""
    from hocba_audit.progress import ProgressBar

    bar: list[ProgressBar] = []

    def show(outcome, done: int, total: int) -> None:
        if not bar:
            bar.append(ProgressBar("reports", total, clock=clock))
        if outcome is None:
            return
        failed = outcome.status == "error"
        bar[0].update(done, f"{outcome.school_id}: {outcome.error}" if failed else "", failed,
                      worked=outcome.status in ("rendered", "error"))  # not: unchanged, reused

    return show


def _print_export(r) -> None:
    status = "" if not r.errors else f" — {len(r.errors)} file problem(s)"
    signed = ""
    if r.signed_records or r.certificate_files:
        signed = (f"; signed records {r.signed_records}, certificate files {r.certificate_files}"
                  + (f", {r.signed_problems} signed-file problem(s)" if r.signed_problems else ""))
    click.echo(f"  {r.export}: profile {r.profile or '?'}; rows read {r.rows_read}, loaded {r.rows_loaded}, "
               f"rejected {r.rows_rejected}{signed}{status}")


def _print_totals(results) -> None:
    read = sum(r.rows_read for r in results)
    loaded = sum(r.rows_loaded for r in results)
    rejected = sum(r.rows_rejected for r in results)
    click.echo(f"{len(results)} export(s): rows read {read} = loaded {loaded} + rejected {rejected}")


@cli.command()
@click.option("--exports", "exports_dir", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--profile", default=None, help="Force a vendor profile instead of detecting it.")
@click.option("--jobs", default=2, show_default=True,
              help="Processes in parallel: exports loaded (and signatures verified), then notebooks.")
@click.option("--no-notebooks", is_flag=True, help="Load and run the rules only.")
@click.option("--trust", "trust_dir", default=None, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Trust store folder (anchors/<group>/, intermediates/, crls/); default <exports>/../trust.")
@setting_option
def run(exports_dir: Path, out_dir: Path, profile: str | None, jobs: int, no_notebooks: bool,
        trust_dir: Path | None, settings: dict[str, str]) -> None:
    """Load every school export, run the rules, and write per-school reports.

    \b
    Example: hocba-audit run --exports data_samples/exports --out reports
    """
    from hocba_audit.run import run_audit

    try:
        s = run_audit(exports_dir, out_dir, profile=profile, jobs=jobs, notebooks=not no_notebooks,
                      progress=_print_export, report_progress=_report_progress(), settings=settings,
                      trust_dir=trust_dir)
    except HocbaAuditError as exc:
        _fail(exc)
    _print_totals(s.exports)
    click.echo(f"Rules: {s.rule_results} rule × school results, {s.findings} findings.")
    for p in s.notebooks:
        click.echo(f"  report: {p}")
    if s.city:
        click.echo(f"  city overview: {s.city}")
    for e in s.notebook_errors:
        click.echo(f"  report FAILED: {e}", err=True)
    times = ", ".join(f"{k} {v:.1f} s" for k, v in s.seconds.items())
    click.echo(f"Run {s.run_id} in {s.run_dir} ({times}).")
    if s.notebook_errors:
        sys.exit(1)


cli.add_command(rules)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--trust", "trust_dir", default=None, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Trust store folder (anchors/<group>/, intermediates/, crls/); without it no chain is trusted.")
def verify(paths: tuple[Path, ...], trust_dir: Path | None) -> None:
    """Verify signed học bạ XML files and print, per file and role, the verdict, signer, signing
    time and what to do (Vietnamese). Folders are searched for *.xml.

    \b
    Role anchors come from audits/settings/trust_policy.yaml. Exit status 1 when a file is not VALID.

    \b
    Example: hocba-audit verify exports/31000123_2025-2026/hoc_ba --trust trust
    """
    from hocba_audit.signing.inspect import verify_paths

    try:
        ok = verify_paths(paths, trust_dir, echo=click.echo)
    except HocbaAuditError as exc:
        _fail(exc)
    if not ok:
        sys.exit(1)


@cli.command("profiles")
def profiles_cmd() -> None:
    """List the vendor profiles under audits/profiles/."""
    from hocba_audit.profiles import load_profiles

    try:
        for p in load_profiles().values():
            click.echo(f"{p.name}: {p.title} ({len(p.sources)} sources)")
    except HocbaAuditError as exc:
        _fail(exc)


@cli.command()
@click.option("--check", is_flag=True, help="Exit 1 if docs/data-model.md is out of date instead of writing it.")
def docs(check: bool) -> None:
    """Regenerate docs/data-model.md from the model and the profiles."""
    from hocba_audit.data_model_doc import data_model_markdown
    from hocba_audit.paths import project_dir

    path = project_dir() / "docs" / "data-model.md"
    text = data_model_markdown()
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{path} is out of date: run 'hocba-audit docs'.")
        click.echo(f"{path} is up to date.")
        return
    path.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {path}.")
