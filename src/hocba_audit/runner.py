"""Run catalogue rules on a DuckDB connection, appending to ``findings`` and ``rule_results``
(and recording the run's effective settings in ``run_settings``).

Each rule runs once for all schools in scope, set-based: its failing rows go to a temporary
table, messages are rendered in SQL, and per-school counts are joined with the rule's
denominator. A rule whose SQL raises is recorded as ``ERROR`` and the next rule runs.

Before the rules run, ``prepare_connection`` creates the reference tables (``ref_*``), sets
every setting as a DuckDB variable (``SET VARIABLE name = value``; rule SQL reads
``getvariable('name')``) and executes the macro files of ``audits/macros``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from types import TracebackType
from typing import Any

import duckdb

from hocba_audit.catalogue import Catalogue, SqlCheck
from hocba_audit.errors import HocbaAuditError
from hocba_audit.macros import MacroFile, apply_macros, load_macro_files, uses_macros
from hocba_audit.model import RUN_TABLES, create_schema
from hocba_audit.reference_tables import (
    REFERENCE_TABLES,
    create_reference_tables,
    reference_rows,
)
from hocba_audit.rules import OPTIONAL_COLUMNS, Outcome, Rule, RuleResult, message_parts
from hocba_audit.settings import (
    Setting,
    Value,
    declared_settings,
    resolve_settings,
    setting_statements,
)

#: Shown in a message where a placeholder's column is NULL.
EMPTY_VALUE = "(trống)"
_FAILING = "_hocba_failing"
_SCOPE = "_hocba_scope"
_LINE_RE = re.compile(r"^LINE (\d+):", re.MULTILINE)


class SchemaSqlChecker:
    """A ``SqlChecker`` that binds SQL (``DESCRIBE``) against an empty in-memory canonical schema.

    The schema gets the reference tables, the settings' defaults as variables and the macros,
    as ``prepare_connection`` gives a real audit database. A failing macro raises
    ``CatalogueError`` (naming file, line and statement) from the constructor.
    """

    def __init__(
        self, macros: tuple[MacroFile, ...] = (), settings: Mapping[str, Setting] | None = None
    ) -> None:
        self._con = duckdb.connect(":memory:")
        try:
            create_schema(self._con)
            _prepare(self._con, macros, settings or {}, None)
        except BaseException:
            self._con.close()
            raise

    def __enter__(self) -> SchemaSqlChecker:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    def __call__(self, sql: str) -> SqlCheck:
        try:
            # DESCRIBE binds the statement (tables, columns, functions, macros, types) without
            # optimising or running it: several times faster than EXPLAIN on large rules.
            rows = self._con.execute(f"DESCRIBE SELECT * FROM ({sql}\n) AS q").fetchall()
            columns = tuple(r[0] for r in rows)
        except duckdb.Error as e:
            text = str(e)
            m = _LINE_RE.search(text)
            first = " ".join(text.split("\n\n", 1)[0].split())
            return SqlCheck(error=first, line=int(m[1]) if m else None)
        return SqlCheck(columns=columns)


def prepare_connection(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue | None = None,
    settings: Mapping[str, Any] | None = None,
) -> dict[str, Value]:
    """Make ``con`` ready for rule SQL: reference tables, settings, macros (in that order).

    Args:
        con: a writable connection.
        catalogue: supplies the declared settings and macro files; None reads the project's
            ``audits/settings`` and ``audits/macros``.
        settings: overrides, name -> value (texts such as ``"46"`` are converted).

    Returns:
        The value of every setting, as set.

    Raises:
        SettingsError: an unknown setting or a value of the wrong type.
        CatalogueError: a macro statement failed.
    """
    if catalogue is None:
        declared, macros = declared_settings(), load_macro_files()
    else:
        declared, macros = catalogue.settings, catalogue.macros
    return _prepare(con, macros, declared, settings)


def _prepare(
    con: duckdb.DuckDBPyConnection, macros: tuple[MacroFile, ...],
    declared: Mapping[str, Setting], overrides: Mapping[str, Any] | None,
    rules: Iterable[Rule] | None = None,
) -> dict[str, Value]:
    values = resolve_settings(declared, overrides)
    for stmt in setting_statements(values, declared):
        con.execute(stmt).fetchall()
    if rules is not None:
        # Only what the rules use: the macros (all files, as macros call each other) when a
        # rule calls one, the reference tables when a rule or an applied macro reads one.
        texts = [t for r in rules for t in (r.sql, r.denominator_sql)]
        if not any(uses_macros(t, macros) for t in texts):
            macros = ()
        if not macros and not any(_REF_RE.search(t) for t in texts):
            return values
    # Reference tables and macros are (re)created once per connection: connection variables
    # remember what was applied (creating the grading macros alone takes a noticeable fraction
    # of a second, and fixture tests prepare one connection many times).
    ref_digest, macro_digest = _digest(None), _digest(macros)
    done_ref, done_macros = con.execute(
        "SELECT getvariable('hocba_ref_tables'), getvariable('hocba_macros')").fetchall()[0]
    tables = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name IN "
        f"({', '.join(repr(t) for t in REFERENCE_TABLES)}) AND NOT temporary"
    ).fetchall()[0][0]
    if done_ref != ref_digest or tables != len(REFERENCE_TABLES):
        create_reference_tables(con)
        con.execute(f"SET VARIABLE hocba_ref_tables = '{ref_digest}'").fetchall()
        done_macros = None  # macros may read the reference tables: create them again
    if macros and done_macros != macro_digest:
        apply_macros(con, macros)
        con.execute(f"SET VARIABLE hocba_macros = '{macro_digest}'").fetchall()
    return values


_REF_RE = re.compile(r"\bref_[a-z_]+\b", re.IGNORECASE)


@lru_cache(maxsize=64)
def _digest(macros: tuple[MacroFile, ...] | None) -> str:
    """Digest of the macro files, or (None) of the reference rows."""
    h = hashlib.sha256()
    if macros is None:
        h.update(repr(sorted(reference_rows().items())).encode())
    else:
        for m in macros:
            h.update(str(m.path).encode() + b"\0" + m.text.encode() + b"\0")
    return h.hexdigest()[:32]


def run_rules(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue | Iterable[Rule],
    run_id: str,
    schools: Iterable[str] | None = None,
    *,
    settings: Mapping[str, Any] | None = None,
) -> list[RuleResult]:
    """Run every rule on every school it applies to, and append the results.

    Call it outside an open transaction: each rule is written in its own transaction, so a
    rule that fails leaves nothing half-written. First ``prepare_connection`` creates the
    reference tables, sets the settings as DuckDB variables and runs the macros; then
    ``record_settings`` writes every setting's value for ``run_id`` to ``run_settings`` (what
    the reports count their deadlines from and list in their evidence).

    Args:
        con: a writable connection holding the canonical schema and the loaded data.
        catalogue: the rules to run (a bare iterable of rules uses the project's settings
            and macros).
        run_id: the run the results belong to; rules must not have run under it before.
        schools: school ids to audit; None means every school in the ``schools`` table.
        settings: setting overrides, name -> value (e.g. from ``--setting name=value``).

    Returns:
        One ``RuleResult`` per rule and school, in catalogue order then school order.

    Raises:
        HocbaAuditError: the run id already has rule results, or a school id is unknown;
            ``SettingsError`` for a bad override, ``CatalogueError`` for a failing macro.
    """
    used = con.execute(
        "SELECT (SELECT count(*) FROM rule_results WHERE run_id = $1)"
        " + (SELECT count(*) FROM findings WHERE run_id = $1)", [run_id]
    ).fetchall()[0][0]
    if used:
        raise HocbaAuditError(
            f"Rules already ran for run '{run_id}'; rule results are append-only. "
            "Hint: start a new run id."
        )
    scope = _schools(con, None if schools is None else list(schools))
    rules = list(catalogue)
    if isinstance(catalogue, Catalogue):
        declared, macros = catalogue.settings, catalogue.macros
    else:
        declared, macros = declared_settings(), load_macro_files()
    values = _prepare(con, macros, declared, settings, rules)
    record_settings(con, run_id, values, declared)
    results: list[RuleResult] = []
    state: dict[str, Any] = {}
    try:
        for rule in rules:
            results += _run_rule(con, rule, run_id, scope, state)
    finally:
        for name in (_FAILING, _SCOPE):
            con.execute(f"DROP TABLE IF EXISTS temp.{name}").fetchall()
    return results


def record_settings(
    con: duckdb.DuckDBPyConnection, run_id: str, values: Mapping[str, Value],
    declared: Mapping[str, Setting],
) -> None:
    """Write the run's effective settings to ``run_settings`` (replacing any rows of ``run_id``).

    One row per setting of ``values``: ``value`` is the DuckDB variable as rule SQL reads it,
    as text (``duckdb_variables()``: ``true``, ``45``, ``6.500000``, ``2026-06-30``; a NULL
    setting is NULL), ``default_value`` the declared default written the same way,
    ``is_default`` whether the two are equal. Call it after the variables are set
    (``prepare_connection``); ``run_rules`` does. The table is created if the database
    predates it.
    """
    con.execute('CREATE TABLE IF NOT EXISTS "run_settings" ('
                + " ".join(RUN_TABLES["run_settings"].split()) + ")").fetchall()
    names = list(values)
    seen = dict(con.execute("SELECT name, value FROM duckdb_variables()").fetchall())
    rows = []
    for name in names:
        setting = declared.get(name)
        value = None if values[name] is None else seen.get(name)
        default = (_variable_text(setting.type, setting.default) if setting is not None else value)
        rows.append((name, value, default, value == default))
    con.begin()
    try:
        con.execute("DELETE FROM run_settings WHERE run_id = ?", [run_id]).fetchall()
        if rows:
            con.execute(
                "INSERT INTO run_settings SELECT $1, unnest($2::VARCHAR[]), unnest($3::VARCHAR[]),"
                " unnest($4::VARCHAR[]), unnest($5::BOOLEAN[])",
                [run_id, *(list(c) for c in zip(*rows))],
            ).fetchall()
        con.commit()
    except BaseException:
        _rollback(con)
        raise


def _variable_text(type_name: str, value: Value) -> str | None:
    """``value`` as DuckDB writes the variable ``setting_statements`` sets (the VARCHAR cast of
    BOOLEAN, BIGINT, DECIMAL(18,6), DATE (ISO 'YYYY-MM-DD') or VARCHAR)."""
    if value is None:
        return None
    if type_name == "bool":
        return "true" if value else "false"
    if type_name == "int":
        return str(int(value))
    if type_name == "decimal":
        return format(Decimal(str(value)).quantize(Decimal("0.000001")), "f")
    if type_name == "date":
        return value.isoformat()
    return str(value)


def _schools(
    con: duckdb.DuckDBPyConnection, wanted: list[str] | None
) -> list[tuple[str, str | None, tuple[str, ...]]]:
    rows = con.execute(
        """
        SELECT s.school_id, max(s.level),
               list(DISTINCT y.school_year ORDER BY y.school_year)
                   FILTER (WHERE y.school_year IS NOT NULL)
        FROM schools s LEFT JOIN school_years y USING (school_id)
        WHERE s.school_id IS NOT NULL
        GROUP BY s.school_id ORDER BY s.school_id
        """
    ).fetchall()
    known = {r[0]: (r[0], r[1], tuple(r[2] or ())) for r in rows}
    if wanted is None:
        return list(known.values())
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise HocbaAuditError(
            f"Unknown school id(s) {', '.join(repr(s) for s in unknown)}: "
            "not in the 'schools' table."
        )
    return [known[s] for s in dict.fromkeys(wanted)]


def _run_rule(
    con: duckdb.DuckDBPyConnection, rule: Rule, run_id: str,
    scope: list[tuple[str, str | None, tuple[str, ...]]], state: dict[str, Any],
) -> list[RuleResult]:
    applicable = [s[0] for s in scope if rule.applies_to(s[1], s[2])]
    by_school: dict[str, RuleResult] = {}
    if applicable:
        if state.get("scope") != applicable:
            # Outside the rule's transaction, so a rolled-back rule does not drop it.
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {_SCOPE} AS "
                "SELECT unnest($1::VARCHAR[]) AS school_id", [applicable],
            ).fetchall()
            state["scope"] = applicable
        con.begin()
        try:
            rows = _evaluate(con, rule, run_id)
            con.commit()
            for school_id, checked, failing, rate, outcome in rows:
                by_school[school_id] = RuleResult(
                    run_id, rule.code, school_id, rule.severity, checked, failing, rate,
                    Outcome(outcome),
                )
        except duckdb.Error as e:
            _rollback(con)
            error = str(e)
            for school_id in applicable:
                by_school[school_id] = RuleResult(
                    run_id, rule.code, school_id, rule.severity, None, None, None,
                    Outcome.ERROR, error,
                )
            _insert_results(con, [by_school[s] for s in applicable])
        except BaseException:
            _rollback(con)
            raise
    skipped = [
        RuleResult(run_id, rule.code, s[0], rule.severity, 0, 0, None, Outcome.NOT_APPLICABLE)
        for s in scope if s[0] not in by_school
    ]
    _insert_results(con, skipped)
    by_school.update((r.school_id, r) for r in skipped)
    return [by_school[s[0]] for s in scope]


def _evaluate(con: duckdb.DuckDBPyConnection, rule: Rule, run_id: str) -> list[tuple]:
    """Failing rows -> findings; per-school counts -> rule_results (one statement each)."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_FAILING} AS SELECT q.* FROM ({rule.sql}\n) AS q"
        f" WHERE q.school_id IN (SELECT school_id FROM {_SCOPE})"
    ).fetchall()
    cur = con.execute(f"SELECT * FROM {_FAILING} LIMIT 0")
    columns = {d[0] for d in cur.description}
    cur.fetchall()
    message_sql, message_params = _message_expression(rule.message)
    src = ", ".join(
        f"CAST({_ident(c)} AS {'INTEGER' if c == 'src_row' else 'VARCHAR'})"
        if c in columns else "NULL" for c in OPTIONAL_COLUMNS
    )
    con.execute(
        f"""
        INSERT INTO findings
        SELECT ?, CAST(school_id AS VARCHAR), ?, ?, ?, CAST(entity_key AS VARCHAR),
               CAST(field AS VARCHAR), CAST(bad_value AS VARCHAR), {message_sql}, ?, {src}
        FROM {_FAILING}
        """,
        [run_id, rule.code, rule.severity, rule.entity, *message_params, rule.render_fix()],
    ).fetchall()
    return con.execute(
        f"""
        INSERT INTO rule_results
        WITH d AS (
            SELECT CAST(school_id AS VARCHAR) AS school_id, sum(checked)::BIGINT AS checked
            FROM ({rule.denominator_sql}\n) AS q GROUP BY 1
        ), f AS (
            SELECT CAST(school_id AS VARCHAR) AS school_id,
                   count(DISTINCT entity_key)::BIGINT AS failing
            FROM {_FAILING} GROUP BY 1
        ), c AS (
            SELECT s.school_id, coalesce(d.checked, 0) AS checked,
                   coalesce(f.failing, 0) AS failing
            FROM {_SCOPE} s LEFT JOIN d USING (school_id) LEFT JOIN f USING (school_id)
        )
        SELECT $1, school_id, $2, $3, checked, failing,
               CASE WHEN checked > 0 THEN failing / checked END,
               CASE WHEN failing > 0 THEN 'FAILED' WHEN checked > 0 THEN 'PASSED'
                    ELSE 'NOT_APPLICABLE' END,
               NULL
        FROM c
        RETURNING school_id, checked, failing, rate, outcome
        """,
        [run_id, rule.code, rule.severity],
    ).fetchall()


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.rollback()
    except duckdb.TransactionException:
        pass  # a failed COMMIT has already rolled back


def _insert_results(con: duckdb.DuckDBPyConnection, results: list[RuleResult]) -> None:
    if not results:
        return
    columns = list(zip(*[
        (r.run_id, r.school_id, r.rule_code, r.severity, r.checked, r.failing, r.rate,
         r.outcome.value, r.error)
        for r in results
    ]))
    con.execute(
        """
        INSERT INTO rule_results
        SELECT * FROM (SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[]), unnest($3::VARCHAR[]),
            unnest($4::VARCHAR[]), unnest($5::BIGINT[]), unnest($6::BIGINT[]),
            unnest($7::DOUBLE[]), unnest($8::VARCHAR[]), unnest($9::VARCHAR[]))
        """,
        [list(c) for c in columns],
    ).fetchall()


def _message_expression(template: str) -> tuple[str, list[str]]:
    pieces: list[str] = []
    params: list[str] = []
    for literal, name in message_parts(template):
        if literal:
            pieces.append("?")
            params.append(literal)
        if name is not None:
            pieces.append(f"coalesce(CAST({_ident(name)} AS VARCHAR), '{EMPTY_VALUE}')")
    if not pieces:
        return "''", []
    return f"concat({', '.join(pieces)})", params


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
