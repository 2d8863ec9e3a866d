"""Run catalogue rules on a DuckDB connection, appending to ``findings`` and ``rule_results``.

Each rule runs once for all schools in scope, set-based: its failing rows go to a temporary
table, messages are rendered in SQL, and per-school counts are joined with the rule's
denominator. A rule whose SQL raises is recorded as ``ERROR`` and the next rule runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import TracebackType

import duckdb

from hocba_audit.catalogue import Catalogue, SqlCheck
from hocba_audit.errors import HocbaAuditError
from hocba_audit.model import create_schema
from hocba_audit.rules import OPTIONAL_COLUMNS, Outcome, Rule, RuleResult, message_parts

#: Shown in a message where a placeholder's column is NULL.
EMPTY_VALUE = "(trống)"
_FAILING = "_hocba_failing"
_SCOPE = "_hocba_scope"
_COUNTS = "_hocba_counts"
_LINE_RE = re.compile(r"^LINE (\d+):", re.MULTILINE)


class SchemaSqlChecker:
    """A ``SqlChecker`` that runs ``EXPLAIN`` against an empty in-memory canonical schema."""

    def __init__(self) -> None:
        self._con = duckdb.connect(":memory:")
        create_schema(self._con)

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
            self._con.execute(f"EXPLAIN SELECT * FROM ({sql}\n) AS q").fetchall()
            cur = self._con.execute(f"SELECT * FROM ({sql}\n) AS q LIMIT 0")
            columns = tuple(d[0] for d in cur.description)
            cur.fetchall()
        except duckdb.Error as e:
            text = str(e)
            m = _LINE_RE.search(text)
            first = " ".join(text.split("\n\n", 1)[0].split())
            return SqlCheck(error=first, line=int(m[1]) if m else None)
        return SqlCheck(columns=columns)


def run_rules(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue | Iterable[Rule],
    run_id: str,
    schools: Iterable[str] | None = None,
) -> list[RuleResult]:
    """Run every rule on every school it applies to, and append the results.

    Call it outside an open transaction: each rule is written in its own transaction, so a
    rule that fails leaves nothing half-written.

    Args:
        con: a writable connection holding the canonical schema and the loaded data.
        catalogue: the rules to run.
        run_id: the run the results belong to; rules must not have run under it before.
        schools: school ids to audit; None means every school in the ``schools`` table.

    Returns:
        One ``RuleResult`` per rule and school, in catalogue order then school order.

    Raises:
        HocbaAuditError: the run id already has rule results, or a school id is unknown.
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
    results: list[RuleResult] = []
    for rule in catalogue:
        results += _run_rule(con, rule, run_id, scope)
    return results


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
    scope: list[tuple[str, str | None, tuple[str, ...]]],
) -> list[RuleResult]:
    applicable = [s[0] for s in scope if rule.applies_to(s[1], s[2])]
    by_school: dict[str, RuleResult] = {}
    if applicable:
        con.begin()
        try:
            rows = _evaluate(con, rule, run_id, applicable)
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
        finally:
            for name in (_FAILING, _SCOPE, _COUNTS):
                con.execute(f"DROP TABLE IF EXISTS temp.{name}").fetchall()
    skipped = [
        RuleResult(run_id, rule.code, s[0], rule.severity, 0, 0, None, Outcome.NOT_APPLICABLE)
        for s in scope if s[0] not in by_school
    ]
    _insert_results(con, skipped)
    by_school.update((r.school_id, r) for r in skipped)
    return [by_school[s[0]] for s in scope]


def _evaluate(
    con: duckdb.DuckDBPyConnection, rule: Rule, run_id: str, applicable: list[str]
) -> list[tuple]:
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_SCOPE} AS SELECT unnest($1::VARCHAR[]) AS school_id",
        [applicable],
    ).fetchall()
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
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_COUNTS} AS
        WITH d AS (
            SELECT CAST(school_id AS VARCHAR) AS school_id, sum(checked)::BIGINT AS checked
            FROM ({rule.denominator_sql}\n) AS q GROUP BY 1
        ), f AS (
            SELECT CAST(school_id AS VARCHAR) AS school_id,
                   count(DISTINCT entity_key)::BIGINT AS failing
            FROM {_FAILING} GROUP BY 1
        )
        SELECT s.school_id, coalesce(d.checked, 0) AS checked, coalesce(f.failing, 0) AS failing
        FROM {_SCOPE} s LEFT JOIN d USING (school_id) LEFT JOIN f USING (school_id)
        """
    ).fetchall()
    rows = con.execute(
        f"""
        SELECT school_id, checked, failing,
               CASE WHEN checked > 0 THEN failing / checked END AS rate,
               CASE WHEN failing > 0 THEN 'FAILED' WHEN checked > 0 THEN 'PASSED'
                    ELSE 'NOT_APPLICABLE' END AS outcome
        FROM {_COUNTS}
        """
    ).fetchall()
    _insert_results(
        con,
        [RuleResult(run_id, rule.code, r[0], rule.severity, r[1], r[2], r[3], Outcome(r[4]))
         for r in rows],
    )
    return rows


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
