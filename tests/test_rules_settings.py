"""Settings, macros and reference tables: declared in audits/, applied before rules run and
before the catalogue's SQL check (issue 3 contracts)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from hocba_audit.catalogue import load_catalogue
from hocba_audit.errors import CatalogueError
from hocba_audit.model import create_schema
from hocba_audit.reference_tables import REFERENCE_TABLES
from hocba_audit.runner import prepare_connection, run_rules
from hocba_audit.settings import (
    SettingsError,
    declared_settings,
    load_settings,
    parse_setting_assignments,
    setting_statements,
)

from rules_kit import project_catalogue

SETTINGS = """\
settings_version: 1
settings:
  - name: size_limit
    default: 3
    type: int
    help: Largest class not reported.
    domain_ref: domain.md §6.1
  - name: strict
    default: false
    type: bool
    help: Whether to be strict.
    domain_ref: domain.md §8.3b
  - name: threshold
    default: "6.5"
    type: decimal
    help: A threshold.
    domain_ref: domain.md §1.6
  - name: label
    default: "it's"
    type: text
    help: A label.
    domain_ref: domain.md §1.12
"""

RULE = """\
catalogue_version: 1
rules:
  - code: X-001
    severity: cảnh báo
    category: validity
    levels: [TH, THCS, THPT, GDTX]
    entity: pupils
    fields: [full_name]
    title_vi: Tên quá dài
    title_en: Name too long
    message: Tên {bad_value} dài hơn {limit} ký tự.
    fix: [Sửa tên.]
    legal_basis: Không có
    sql: |
      SELECT school_id, pupil_code AS entity_key, 'full_name' AS field, full_name AS bad_value,
             getvariable('size_limit') AS limit
      FROM pupils WHERE {condition}
    denominator_sql: SELECT school_id, count(*) AS checked FROM pupils GROUP BY school_id
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def audits(tmp_path: Path) -> Path:
    write(tmp_path / "settings" / "a.yaml", SETTINGS)
    write(tmp_path / "rules" / "x.yaml",
          RULE.replace("{condition}", "name_len(full_name) > getvariable('size_limit')"))
    write(tmp_path / "macros" / "10_len.sql",
          "-- length of a name\nCREATE OR REPLACE MACRO name_len(s) AS length(s);\n")
    return tmp_path


def load(audits: Path):
    return load_catalogue(audits / "rules", settings_dir=audits / "settings",
                          macros_dir=audits / "macros")


def db() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    create_schema(con)
    con.execute("INSERT INTO schools (school_id, level) VALUES ('S1', 'THCS')")
    con.execute("INSERT INTO pupils (school_id, pupil_code, full_name) VALUES "
                "('S1', 'P1', 'An'), ('S1', 'P2', 'Bình'), ('S1', 'P3', 'Cường')")
    return con


def test_settings_load_with_types_and_overrides(audits: Path) -> None:
    values = load_settings(audits / "settings")
    assert values == {"size_limit": 3, "strict": False, "threshold": Decimal("6.5"),
                      "label": "it's"}
    values = load_settings(audits / "settings",
                           {"size_limit": "5", "strict": "true", "threshold": "7,5"})
    assert (values["size_limit"], values["strict"], values["threshold"]) == (5, True,
                                                                             Decimal("7.5"))


def test_unknown_setting_and_bad_value_are_errors_with_hints(audits: Path) -> None:
    hint = "unknown setting 'size_limt'; did you mean 'size_limit'"
    with pytest.raises(SettingsError, match=hint):
        load_settings(audits / "settings", {"size_limt": "5"})
    with pytest.raises(SettingsError, match="'five' is not an int"):
        load_settings(audits / "settings", {"size_limit": "five"})
    with pytest.raises(SettingsError, match="name=value"):
        parse_setting_assignments(["size_limit"])
    assert parse_setting_assignments(["a=1", " b = x=y "]) == {"a": "1", "b": "x=y"}


def test_a_name_declared_in_two_files_names_both(audits: Path) -> None:
    b = write(audits / "settings" / "b.yaml", SETTINGS.split("  - name: strict")[0])
    with pytest.raises(SettingsError) as info:
        declared_settings(audits / "settings")
    text = str(info.value)
    assert "setting 'size_limit' is declared twice" in text
    assert str(b) in text and str(audits / "settings" / "a.yaml") in text


def test_malformed_settings_are_located(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "settings_version: 1\nsettings:\n"
                 "  - {name: x, default: 1, type: integer, help: h, domain_ref: d}\n"
                 "  - {name: y, default: 1, type: int, help: h}\n")
    with pytest.raises(SettingsError) as info:
        declared_settings(tmp_path)
    problems = info.value.problems
    assert problems[0].startswith(f"{path}:3: setting 'x': 'type' must be one of")
    assert problems[1] == f"{path}:4: setting 'y': missing required key 'domain_ref'"


def test_setting_statements_are_typed_and_quoted() -> None:
    assert setting_statements({"a": 1, "b": True, "c": Decimal("6.5"), "d": "it's"}) == [
        "SET VARIABLE a = CAST(1 AS BIGINT)",
        "SET VARIABLE b = CAST(true AS BOOLEAN)",
        "SET VARIABLE c = CAST('6.5' AS DECIMAL(18,6))",
        "SET VARIABLE d = CAST('it''s' AS VARCHAR)",
    ]


def test_catalogue_checks_sql_with_settings_and_macros_and_runner_applies_them(
    audits: Path,
) -> None:
    catalogue = load(audits)
    assert set(catalogue.settings) == {"size_limit", "strict", "threshold", "label"}
    assert [m.path.name for m in catalogue.macros] == ["10_len.sql"]
    con = db()
    run_rules(con, catalogue, "r1")
    assert con.execute("SELECT entity_key, message FROM findings").fetchall() == [
        ("P2", "Tên Bình dài hơn 3 ký tự."), ("P3", "Tên Cường dài hơn 3 ký tự.")]
    run_rules(con, catalogue, "r2", settings={"size_limit": "4"})
    assert con.execute("SELECT entity_key FROM findings WHERE run_id = 'r2'").fetchall() == [
        ("P3",)]
    values = con.execute(
        "SELECT getvariable('size_limit'), getvariable('strict'), getvariable('threshold'),"
        " getvariable('label')").fetchall()[0]
    assert values == (4, False, Decimal("6.5"), "it's")


def test_a_rule_using_an_unknown_macro_or_setting_fails_the_catalogue(audits: Path) -> None:
    (audits / "macros" / "10_len.sql").unlink()
    with pytest.raises(CatalogueError, match="'sql' does not compile"):
        load(audits)


def test_a_failing_macro_names_file_line_and_statement(audits: Path) -> None:
    bad = write(audits / "macros" / "20_bad.sql",
                "CREATE OR REPLACE MACRO ok(x) AS x;\n\n"
                "CREATE OR REPLACE MACRO broken(x) AS x +* 2;\n")
    with pytest.raises(CatalogueError) as info:
        load(audits)
    text = str(info.value)
    assert text.startswith(f"{bad}:3: macro statement 'CREATE OR REPLACE MACRO broken(x)")
    assert "failed: Catalog Error" in text and "+*" in text


def test_prepare_connection_creates_reference_tables_once(audits: Path) -> None:
    catalogue = load(audits)
    con = db()
    prepare_connection(con, catalogue)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
              for t in REFERENCE_TABLES}
    assert counts["ref_provinces"] == 63 and counts["ref_ethnic_groups"] == 55
    assert counts["ref_subjects"] > 100 and counts["ref_primary_items"] > 50
    assert con.execute("SELECT name FROM ref_provinces WHERE code = '031'").fetchall() == [
        ("Hải Phòng",)]
    con.execute("DROP MACRO name_len")
    prepare_connection(con, catalogue)  # same macros: not re-applied
    with pytest.raises(duckdb.Error):
        con.execute("SELECT name_len('x')").fetchall()
    con.execute("DROP TABLE ref_provinces")
    prepare_connection(con, catalogue)  # a reference table is missing: everything again
    assert con.execute("SELECT name_len('abc')").fetchall() == [(3,)]


def test_project_settings_are_declared_once_with_help_and_reference() -> None:
    declared = declared_settings()
    assert {"max_class_size_primary", "max_class_size_secondary", "age_late_years_max",
            "moet_code_digits", "marks_allowed_in_leaving_semester"} <= set(declared)
    for s in declared.values():
        assert s.help and s.domain_ref, s.name


def test_every_core_setting_is_read_by_a_rule() -> None:
    catalogue = project_catalogue()
    texts = "\n".join([r.sql + r.denominator_sql for r in catalogue]
                      + [m.text for m in catalogue.macros])
    core = [s for s in catalogue.settings.values() if "core.yaml" in s.source]
    assert core
    unused = [s.name for s in core if f"getvariable('{s.name}')" not in texts]
    assert not unused, f"settings no rule reads: {unused}"


# ---- date settings -------------------------------------------------------------------------

DATE_SETTINGS = """\
settings_version: 1
settings:
  - name: due
    default: '2026-06-15'
    type: date
    help: A deadline.
    domain_ref: domain.md §5.8
  - name: due_unquoted
    default: 2026-03-31
    type: date
    help: A deadline YAML reads as a date.
    domain_ref: domain.md §8.14
"""

DATE_RULE = """\
catalogue_version: 1
rules:
  - code: X-002
    severity: cảnh báo
    category: signing
    levels: [TH, THCS, THPT, GDTX]
    entity: pupils
    fields: [full_name]
    title_vi: Quá hạn
    title_en: Past the deadline
    message: Học sinh {bad_value} quá hạn {due}.
    fix: [Sửa.]
    legal_basis: Không có
    sql: |
      SELECT school_id, pupil_code AS entity_key, 'full_name' AS field, full_name AS bad_value,
             vn_date(getvariable('due')) AS due
      FROM pupils
      WHERE CAST(getvariable('due') AS DATE) < DATE '2026-07-01' AND pupil_code = 'P1'
    denominator_sql: SELECT school_id, count(*) AS checked FROM pupils GROUP BY school_id
"""


@pytest.fixture()
def dated(audits: Path) -> Path:
    write(audits / "settings" / "d.yaml", DATE_SETTINGS)
    write(audits / "rules" / "y.yaml", DATE_RULE)
    # the project's pattern (macro signing_vn_date): dd/mm/yyyy of a date setting
    write(audits / "macros" / "20_date.sql",
          "CREATE OR REPLACE MACRO vn_date(d) AS strftime(CAST(d AS DATE), '%d/%m/%Y');\n")
    return audits


def test_date_settings_load_defaults_and_overrides_in_both_forms(dated: Path) -> None:
    import datetime as dt

    declared = declared_settings(dated / "settings")
    assert declared["due"].type == "date" and declared["due_unquoted"].type == "date"
    values = load_settings(dated / "settings")
    assert (values["due"], values["due_unquoted"]) == (dt.date(2026, 6, 15), dt.date(2026, 3, 31))
    values = load_settings(dated / "settings", {"due": "2026-06-30", "due_unquoted": " 01/07/2026 "})
    assert (values["due"], values["due_unquoted"]) == (dt.date(2026, 6, 30), dt.date(2026, 7, 1))
    assert setting_statements({"due": values["due"]}, declared) == [
        "SET VARIABLE due = CAST('2026-06-30' AS DATE)"]


@pytest.mark.parametrize("bad", ["2026-6-30", "30-06-2026", "6/30/2026", "31/02/2026",
                                 "2026-06-30 10:00", "soon", ""])
def test_a_malformed_date_override_is_refused_naming_setting_value_and_forms(
    dated: Path, bad: str,
) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(dated / "settings", {"due": bad})
    text = str(info.value)
    assert text.startswith(f"setting 'due' (date): '{bad}' is not a date"), text
    assert "YYYY-MM-DD" in text and "dd/mm/yyyy" in text


def test_a_malformed_date_default_is_located(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "settings_version: 1\nsettings:\n"
                 "  - {name: due, default: '15/6/2026', type: date, help: h, domain_ref: d}\n")
    with pytest.raises(SettingsError) as info:
        declared_settings(tmp_path)
    assert info.value.problems[0].startswith(
        f"{path}:3: setting 'due': bad default: '15/6/2026' is not a date; write it as YYYY-MM-DD")


def test_the_setting_option_refuses_a_malformed_project_deadline() -> None:
    import click
    from click.testing import CliRunner

    from hocba_audit.rules_cli import setting_option

    @click.command()
    @setting_option
    def run(settings: dict[str, str]) -> None:
        click.echo(repr(settings))

    ok = CliRunner().invoke(run, ["--setting", "signing_deadline=30/06/2026"])
    assert ok.exit_code == 0, ok.output
    bad = CliRunner().invoke(run, ["--setting", "signing_deadline=2026-6-30"])
    assert bad.exit_code == 2
    assert "setting 'signing_deadline' (date): '2026-6-30' is not a date" in " ".join(bad.output.split())


def test_rules_read_a_date_setting_and_the_run_records_it_as_iso(dated: Path) -> None:
    catalogue = load(dated)  # the SQL check binds the rule with the date defaults
    con = db()
    run_rules(con, catalogue, "r1")
    run_rules(con, catalogue, "r2", settings={"due": "30/06/2026"})
    run_rules(con, catalogue, "r3", settings={"due": "2026-07-01"})
    assert con.execute("SELECT run_id, outcome FROM rule_results WHERE rule_code = 'X-002' "
                       "ORDER BY run_id").fetchall() == [
        ("r1", "FAILED"), ("r2", "FAILED"), ("r3", "PASSED")]
    assert con.execute("SELECT run_id, message FROM findings WHERE rule_code = 'X-002' "
                       "ORDER BY run_id").fetchall() == [
        ("r1", "Học sinh An quá hạn 15/06/2026."), ("r2", "Học sinh An quá hạn 30/06/2026.")]
    recorded = con.execute("SELECT run_id, value, default_value, is_default FROM run_settings "
                           "WHERE name = 'due' ORDER BY run_id").fetchall()
    assert recorded == [("r1", "2026-06-15", "2026-06-15", True),
                        ("r2", "2026-06-30", "2026-06-15", False),
                        ("r3", "2026-07-01", "2026-06-15", False)]


def test_the_project_deadlines_are_dates_the_signing_macros_read() -> None:
    declared = declared_settings()
    assert {n: declared[n].type for n in ("signing_deadline", "cert_review_deadline",
                                          "sync_deadline")} == dict.fromkeys(
        ("signing_deadline", "cert_review_deadline", "sync_deadline"), "date")
    con = db()
    prepare_connection(con, None, {"signing_deadline": "30/06/2026"})
    row = con.execute("SELECT signing_vn_date(getvariable('signing_deadline')),"
                      " signing_deadline_end_utc(), signing_vn_date(getvariable('sync_deadline')),"
                      " typeof(getvariable('cert_review_deadline'))").fetchall()[0]
    assert row[0] == "30/06/2026" and str(row[1]) == "2026-06-30 17:00:00"
    assert row[2] == "20/08/2026" and row[3] == "DATE"
