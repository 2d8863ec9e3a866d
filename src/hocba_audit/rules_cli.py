"""``hocba-audit rules …`` commands, and the ``--setting name=value`` option for ``run``.

``rules`` is a click group (register it with ``cli.add_command(rules)``): ``list``, ``show``,
``check``, ``settings``, ``docs`` and ``export-gx``. ``setting_option`` is a decorator adding the
repeatable ``--setting`` option to a command; the command receives ``settings`` as a dict
(name -> text) to pass to ``run_rules(..., settings=settings)``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from hocba_audit.errors import HocbaAuditError


def _parse_settings(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict:
    from hocba_audit.settings import declared_settings, parse_setting_assignments, resolve_settings

    try:
        pairs = parse_setting_assignments(values)
        resolve_settings(declared_settings(), pairs)
    except HocbaAuditError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc
    return pairs


def setting_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--setting NAME=VALUE`` (repeatable) to a click command, as ``settings: dict``.

    Names and values are checked against ``audits/settings`` when the command line is parsed
    (unknown names get a "did you mean"). Example::

        @cli.command()
        @setting_option
        def run(..., settings: dict[str, str]) -> None:
            run_rules(con, catalogue, run_id, settings=settings)
    """
    return click.option(
        "--setting", "settings", multiple=True, metavar="NAME=VALUE",
        callback=_parse_settings,
        help="Override an audit setting for this run (repeatable); see docs/settings.md.",
    )(func)


def _catalogue():
    from hocba_audit.catalogue import load_catalogue

    try:
        return load_catalogue()
    except HocbaAuditError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def rules() -> None:
    """List, show, check and document the rule catalogue (audits/rules/*.yaml)."""


@rules.command("list")
@click.option("--level", default=None,
              help="Only rules applying to this level (TH, THCS, THPT, GDTX).")
@click.option("--category", default=None, help="Only rules of this category.")
def list_rules(level: str | None, category: str | None) -> None:
    """List the rules: code, severity, levels and Vietnamese title.

    \b
    Example: hocba-audit rules list --level TH
    """
    for r in _catalogue():
        if level and not r.applies_to(level):
            continue
        if category and r.category != category:
            continue
        click.echo(f"{r.code:<10} {r.severity:<9} {r.category:<13} {','.join(r.levels):<20} "
                   f"{r.title_vi}")


@rules.command("show")
@click.argument("code")
def show_rule(code: str) -> None:
    """Print the card of one rule: titles, severity, legal basis, message, fix steps, SQL.

    \b
    Example: hocba-audit rules show HS-003
    """
    import difflib

    from hocba_audit.rule_docs import rule_card

    catalogue = _catalogue()
    wanted = code.strip().upper()
    if wanted not in catalogue.codes:
        hint = difflib.get_close_matches(wanted, list(catalogue.codes), n=1)
        raise click.ClickException(
            f"No rule '{code}' in the catalogue" + (f"; did you mean '{hint[0]}'?" if hint else
                                                    ". Hint: 'hocba-audit rules list'.")
        )
    click.echo(rule_card(catalogue[wanted]))


@rules.command("check")
def check_rules() -> None:
    """Validate the catalogue, settings and macros; print every problem as file:line.

    \b
    Example: hocba-audit rules check
    """
    catalogue = _catalogue()
    click.echo(f"{len(catalogue)} rules in {len(catalogue.files)} files, "
               f"{len(catalogue.settings)} settings, {len(catalogue.macros)} macro files: OK.")


@rules.command("settings")
def list_settings() -> None:
    """List the audit settings with their defaults.

    \b
    Example: hocba-audit rules settings
    """
    for s in _catalogue().settings.values():
        click.echo(f"{s.name} = {s.default!s} ({s.type}): {' '.join(s.help.split())}")


@rules.command("docs")
@click.option("--check", is_flag=True,
              help="Exit 1 if the pages are out of date instead of writing.")
def docs(check: bool) -> None:
    """Regenerate docs/rules.md and docs/settings.md from the catalogue and the settings.

    \b
    Example: hocba-audit rules docs --check
    """
    from hocba_audit.paths import project_dir
    from hocba_audit.rule_docs import rules_markdown, settings_markdown

    catalogue = _catalogue()
    pages = {
        project_dir() / "docs" / "rules.md": rules_markdown(catalogue),
        project_dir() / "docs" / "settings.md": settings_markdown(catalogue.settings),
    }
    stale = [p for p, text in pages.items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    if check:
        if stale:
            raise click.ClickException(
                f"{', '.join(map(str, stale))} out of date: run 'hocba-audit rules docs'.")
        click.echo("docs/rules.md and docs/settings.md are up to date.")
        return
    for path, text in pages.items():
        path.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {path}.")


@rules.command("export-gx")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
def export_gx(out_dir: Path) -> None:
    """Write the column-level rules as Great Expectations 1.x expectation suites (JSON).

    One suite per table, with the expectations declared in the rules' 'gx' blocks.

    \b
    Example: hocba-audit rules export-gx --out gx_suites
    """
    from hocba_audit.gx_export import export_gx_suites

    paths = export_gx_suites(_catalogue(), out_dir)
    for p in paths:
        click.echo(f"Wrote {p}.")


if __name__ == "__main__":  # python -m hocba_audit.rules_cli docs  (before the group is wired)
    rules()
