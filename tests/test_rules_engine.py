"""Rule engine contract: every catalogue rule passes its golden fixtures, the catalogue is
validated with located errors, a broken rule is an ERROR outcome, and runs only append."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest
import yaml

from hocba_audit.catalogue import Catalogue, load_catalogue
from hocba_audit.errors import CatalogueError, HocbaAuditError
from hocba_audit.model import RUN_TABLES, TABLES, create_schema
from hocba_audit.rules import Outcome, RuleResult, school_levels
from hocba_audit.runner import run_rules

from rules_kit import project_catalogue

ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = ROOT / "audits" / "rules"
FIXTURES = Path(__file__).parent / "fixtures" / "rules"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return project_catalogue()


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    for row in rows:
        cols = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
        con.execute(sql, list(row.values())).fetchall()


def fixture_db(schools: list[dict], rows: dict[str, list[dict]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    create_schema(con)
    insert_rows(con, "schools", schools)
    for table, table_rows in rows.items():
        insert_rows(con, table, table_rows)
    return con


def overall(results: list[RuleResult]) -> Outcome:
    outcomes = {r.outcome for r in results}
    for o in (Outcome.ERROR, Outcome.FAILED, Outcome.PASSED):
        if o in outcomes:
            return o
    return Outcome.NOT_APPLICABLE


def load_fixtures() -> dict[str, dict]:
    paths = sorted(FIXTURES.glob("*.yaml"))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return {p.stem: yaml.load(p.read_text(encoding="utf-8"), Loader=loader) for p in paths}


def fixture_cases() -> list:
    params = []
    for code, doc in load_fixtures().items():
        for i, case in enumerate(doc["cases"], 1):
            params.append(pytest.param(code, doc.get("schools", []), case, id=f"{code}#{i}"))
    return params


@pytest.fixture(scope="module")
def shared_con() -> duckdb.DuckDBPyConnection:
    """One connection for every fixture case: emptied between cases, reference tables and
    macros kept (``run_rules`` prepares a connection once per macro set)."""
    con = duckdb.connect(":memory:")
    create_schema(con)
    yield con
    con.close()


def reset_db(
    con: duckdb.DuckDBPyConnection, schools: list[dict], rows: dict[str, list[dict]]
) -> duckdb.DuckDBPyConnection:
    for name in [t.name for t in TABLES] + list(RUN_TABLES):
        con.execute(f'DELETE FROM "{name}"').fetchall()
    insert_rows(con, "schools", schools)
    for table, table_rows in rows.items():
        insert_rows(con, table, table_rows)
    return con


@pytest.mark.parametrize(("code", "schools", "case"), fixture_cases())
def test_rule_fixture_case(
    catalogue: Catalogue, shared_con: duckdb.DuckDBPyConnection, code: str,
    schools: list[dict], case: dict
) -> None:
    con = reset_db(shared_con, case.get("schools", schools), case.get("rows", {}))
    results = run_rules(con, catalogue.select([code]), "fixture", settings=case.get("settings"))
    rows = con.execute(
        "SELECT entity_key, message, fix FROM findings WHERE rule_code = ? ORDER BY entity_key",
        [code],
    ).fetchall()
    expected = sorted(case["expect_failing"])
    assert sorted({r[0] for r in rows}) == expected, case["name"]
    default = Outcome.FAILED if expected else Outcome.PASSED
    assert overall(results) == Outcome(case.get("expect_outcome", default)), case["name"]
    if "expect_checked" in case:
        assert sum(r.checked or 0 for r in results) == case["expect_checked"], case["name"]
    assert sum(r.failing or 0 for r in results) == len(expected)
    for _, message, fix in rows:
        assert "{" not in message and "}" not in message, message
        assert fix.startswith("1. ")


def test_every_rule_has_a_passing_and_a_failing_fixture(catalogue: Catalogue) -> None:
    fixtures = load_fixtures()
    problems = []
    for rule in catalogue:
        doc = fixtures.get(rule.code)
        if doc is None:
            problems.append(f"{rule.code}: no tests/fixtures/rules/{rule.code}.yaml")
            continue
        if doc.get("rule") != rule.code:
            problems.append(f"{rule.code}: fixture file declares rule {doc.get('rule')!r}")
        cases = doc.get("cases") or []
        passing = [c for c in cases if not c["expect_failing"] and "expect_outcome" not in c]
        failing = [c for c in cases if c["expect_failing"]]
        if not passing:
            problems.append(f"{rule.code}: no passing case")
        if not failing:
            problems.append(f"{rule.code}: no failing case")
    for code in fixtures:
        if code not in catalogue.codes:
            problems.append(f"{code}: fixture for a rule that is not in the catalogue")
    assert not problems, "\n".join(problems)


GOOD_RULE = """\
  - code: {code}
    severity: {severity}
    category: completeness
    levels: [THCS]
    entity: pupils
    fields: [personal_id]
    title_vi: Học sinh chưa có số định danh cá nhân
    title_en: Pupil without a personal ID
    message: Học sinh {{entity_key}} chưa có số định danh.
    fix: [Nhập số định danh.]
    legal_basis: Luật Căn cước 2023
    sql: |
      SELECT school_id, pupil_code AS entity_key, 'personal_id' AS field,
             {column} AS bad_value
      FROM pupils WHERE personal_id IS NULL
    denominator_sql: SELECT school_id, count(*) AS checked FROM pupils GROUP BY school_id
"""


def write_catalogue(path: Path, *rules: str) -> Path:
    path.write_text("catalogue_version: 1\nrules:\n" + "".join(rules), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [i for i, line in enumerate(lines, 1) if needle in line]
    return hits[nth - 1]


def rule_text(code: str, severity: str = "lỗi", column: str = "personal_id_raw") -> str:
    return GOOD_RULE.format(code=code, severity=severity, column=column)


def test_catalogue_lists_every_problem_with_file_and_line(tmp_path: Path) -> None:
    a = write_catalogue(
        tmp_path / "a.yaml", rule_text("X-001"), rule_text("X-002", severity="critical")
    )
    b = write_catalogue(
        tmp_path / "b.yaml", rule_text("X-001"), rule_text("X-003", column="personal_idd")
    )
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path)
    problems = info.value.problems
    assert len(problems) == 3, problems
    severity, duplicate, missing_column = problems
    assert severity.startswith(f"{a}:{line_of(a, 'severity: critical')}: rule 'X-002': 'severity'")
    assert "'critical'" in severity and "'lỗi'" in severity
    assert missing_column.startswith(
        f"{b}:{line_of(b, 'personal_idd')}: rule 'X-003': 'sql' does not compile"
    )
    assert "personal_idd" in missing_column
    assert duplicate.startswith(f"{b}:{line_of(b, 'code: X-001')}: duplicate rule code 'X-001'")
    assert f"{a}:{line_of(a, 'code: X-001')}" in duplicate
    for p in problems:
        assert p in str(info.value)


def test_catalogue_rejects_unresolvable_placeholder_and_unknown_key(tmp_path: Path) -> None:
    text = rule_text("X-001").replace("{entity_key} chưa", "{entity_key} {ten_hs} chưa")
    text = text.replace("    fields:", "    feilds: [x]\n    fields:")
    path = write_catalogue(tmp_path / "a.yaml", text)
    with pytest.raises(CatalogueError) as info:
        load_catalogue(tmp_path)
    messages = "\n".join(info.value.problems)
    unknown = f"{path}:{line_of(path, 'feilds')}: rule 'X-001': unknown key 'feilds'"
    assert unknown + "; did you mean 'fields'?" in messages
    placeholder = f"{path}:{line_of(path, 'message:')}: rule 'X-001': message placeholder"
    assert placeholder + " '{ten_hs}' is not a column of 'sql'" in messages


def test_catalogue_requires_the_output_columns(tmp_path: Path) -> None:
    text = rule_text("X-001").replace("'personal_id' AS field,", "")
    write_catalogue(tmp_path / "a.yaml", text)
    with pytest.raises(CatalogueError, match="must return a column 'field'"):
        load_catalogue(tmp_path)


def test_real_catalogue_loads_with_stable_codes(catalogue: Catalogue) -> None:
    assert {"HS-001", "HS-002", "HS-003", "HS-004", "HS-005", "DIEM-001"} <= set(catalogue.codes)
    assert all(r.source.startswith(str(RULES_DIR)) for r in catalogue)
    assert not any("defect_map" in str(f) for f in catalogue.files)


def test_school_levels_and_applicability(catalogue: Catalogue) -> None:
    assert school_levels("TH-THCS") == ("TH", "THCS")
    diem = catalogue["DIEM-001"]
    assert diem.applies_to("TH-THCS") and diem.applies_to("THPT") and diem.applies_to(None)
    assert not diem.applies_to("TH")
    restricted = dataclasses.replace(diem, school_years=("2025-2026",))
    assert restricted.applies_to("THCS", ("2024-2025", "2025-2026"))
    assert not restricted.applies_to("THCS", ("2024-2025",))


#: The first slice's rules: enough for the engine tests, cheaper than the whole catalogue.
SLICE = ("HS-001", "HS-002", "HS-003", "HS-004", "HS-005", "DIEM-001")

PUPILS = [
    {"school_id": "S1", "pupil_code": "P1", "personal_id": "031210001234",
     "full_name": "Nguyễn Văn An", "sex": "Nam", "birth_date": "2010-01-01"},
    {"school_id": "S1", "pupil_code": "P2", "personal_id": None, "full_name": "Trần Thị Bình",
     "sex": "Nữ", "birth_date": None},
    {"school_id": "S2", "pupil_code": "Q1", "personal_id": "1234", "full_name": "Lê Văn Cường",
     "sex": "Nam", "birth_date": "2016-01-01"},
]
SCHOOLS = [
    {"school_id": "S1", "school_name": "Trường THCS Một", "level": "THCS"},
    {"school_id": "S2", "school_name": "Trường Tiểu học Hai", "level": "TH"},
]


def test_broken_rule_is_an_error_outcome_and_other_rules_still_run(catalogue: Catalogue) -> None:
    broken = dataclasses.replace(
        catalogue["HS-001"], code="XX-001",
        sql="SELECT school_id, pupil_code AS entity_key, 'full_name' AS field, "
            "CAST(CAST(full_name AS INTEGER) AS VARCHAR) AS bad_value, full_name FROM pupils",
    )
    con = fixture_db(SCHOOLS, {"pupils": PUPILS})
    catalogue = catalogue.select(SLICE)
    results = run_rules(con, Catalogue((broken, *catalogue.rules)), "r1")
    errors = [r for r in results if r.rule_code == "XX-001"]
    assert [r.outcome for r in errors] == [Outcome.ERROR, Outcome.ERROR]
    assert "Conversion Error" in errors[0].error
    stored = con.execute(
        "SELECT outcome, error, checked FROM rule_results WHERE rule_code = 'XX-001'"
    ).fetchall()
    assert [(o, c) for o, _, c in stored] == [("ERROR", None), ("ERROR", None)]
    assert "Conversion Error" in stored[0][1]
    broken_findings = "SELECT count(*) FROM findings WHERE rule_code = 'XX-001'"
    assert con.execute(broken_findings).fetchall() == [(0,)]
    others = {(r.rule_code, r.school_id): r.outcome for r in results if r.rule_code != "XX-001"}
    assert others[("HS-001", "S1")] == Outcome.FAILED
    assert others[("HS-002", "S2")] == Outcome.FAILED
    assert others[("DIEM-001", "S2")] == Outcome.NOT_APPLICABLE
    assert len(results) == 2 * (len(catalogue) + 1)


def test_runs_append_and_a_run_id_cannot_be_reused(catalogue: Catalogue) -> None:
    con = fixture_db(SCHOOLS, {"pupils": PUPILS})
    catalogue = catalogue.select(SLICE)
    first = run_rules(con, catalogue, "r1")
    run_rules(con, catalogue, "r2")
    counts = dict(con.execute("SELECT run_id, count(*) FROM rule_results GROUP BY 1").fetchall())
    assert counts == {"r1": len(first), "r2": len(first)}
    findings = dict(con.execute("SELECT run_id, count(*) FROM findings GROUP BY 1").fetchall())
    assert findings["r1"] == findings["r2"] > 0
    with pytest.raises(HocbaAuditError, match="append-only"):
        run_rules(con, catalogue, "r1")
    assert con.execute("SELECT count(*) FROM rule_results").fetchall() == [(2 * len(first),)]


def test_run_rules_on_selected_schools_only(catalogue: Catalogue) -> None:
    con = fixture_db(SCHOOLS, {"pupils": PUPILS})
    results = run_rules(con, catalogue.select(SLICE), "r1", schools=["S2"])
    assert {r.school_id for r in results} == {"S2"}
    assert con.execute("SELECT DISTINCT school_id FROM findings").fetchall() == [("S2",)]
    with pytest.raises(HocbaAuditError, match="'S9'"):
        run_rules(con, catalogue, "r2", schools=["S9"])


def test_findings_carry_rendered_message_fix_and_provenance(catalogue: Catalogue) -> None:
    pupils = [dict(PUPILS[1], src_file="hoc_sinh.xlsx", src_sheet="DS", src_row=7)]
    con = fixture_db(SCHOOLS[:1], {"pupils": pupils})
    run_rules(con, catalogue.select(["HS-001"]), "r1")
    row = con.execute(
        "SELECT severity, entity, field, message, fix, src_file, src_sheet, src_row FROM findings"
    ).fetchall()[0]
    severity, entity, field, message, fix, *src = row
    assert (severity, entity, field) == ("lỗi", "pupils", "personal_id")
    assert message == "Học sinh P2 (Trần Thị Bình) chưa có số định danh cá nhân."
    assert fix.splitlines()[0].startswith("1. ") and fix.splitlines()[1].startswith("2. ")
    assert src == ["hoc_sinh.xlsx", "DS", 7]
