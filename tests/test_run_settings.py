"""The effective settings of a run are recorded in the audit database (``run_settings``), as text
exactly as the rules read them, with their default, so that the reports count to the deadlines
the rules used and say which settings differ from their defaults (issue #5, round 3)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from hocba_audit.catalogue import load_catalogue
from hocba_audit.model import RUN_TABLES, create_schema
from hocba_audit.report_school import changed_settings, run_settings, settings_evidence
from hocba_audit.runner import run_rules
from hocba_audit.settings import declared_settings
from test_rules_settings import db  # the same small school: three pupils

SETTINGS = """\
settings_version: 1
settings:
  - {name: size_limit, default: 3, type: int, help: Largest name., domain_ref: d}
  - {name: strict, default: false, type: bool, help: Strict., domain_ref: d}
  - {name: threshold, default: "6.5", type: decimal, help: A threshold., domain_ref: d}
  - {name: label, default: "it's", type: text, help: A label., domain_ref: d}
"""

RULE = """\
catalogue_version: 1
rules:
  - code: X-001
    severity: cảnh báo
    category: validity
    levels: [THCS]
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
      FROM pupils WHERE length(full_name) > getvariable('size_limit')
    denominator_sql: SELECT school_id, count(*) AS checked FROM pupils GROUP BY school_id
"""


@pytest.fixture()
def catalogue(tmp_path: Path):
    (tmp_path / "settings").mkdir()
    (tmp_path / "rules").mkdir()
    (tmp_path / "settings" / "a.yaml").write_text(SETTINGS, encoding="utf-8")
    (tmp_path / "rules" / "x.yaml").write_text(RULE, encoding="utf-8")
    return load_catalogue(tmp_path / "rules", settings_dir=tmp_path / "settings",
                          macros_dir=tmp_path / "macros")


def rows(con, run_id: str) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in con.execute(
        "SELECT name, value, default_value, is_default FROM run_settings WHERE run_id = ?", [run_id]).fetchall()}


def test_a_run_records_every_setting_as_the_rules_read_it(catalogue) -> None:
    con = db()
    run_rules(con, catalogue, "r1")
    run_rules(con, catalogue, "r2", settings={"size_limit": "4", "strict": "có", "threshold": "7,25"})
    assert rows(con, "r1") == {"size_limit": ("3", "3", True), "strict": ("false", "false", True),
                               "threshold": ("6.500000", "6.500000", True), "label": ("it's", "it's", True)}
    assert rows(con, "r2") == {"size_limit": ("4", "3", False), "strict": ("true", "false", False),
                               "threshold": ("7.250000", "6.500000", False), "label": ("it's", "it's", True)}
    # the rule saw the recorded value
    assert con.execute("SELECT DISTINCT CAST(getvariable('size_limit') AS VARCHAR)").fetchall() == [("4",)]
    assert con.execute("SELECT entity_key FROM findings WHERE run_id = 'r2'").fetchall() == [("P3",)]
    assert run_settings(con, "r2") == {"size_limit": "4", "strict": "true", "threshold": "7.250000",
                                       "label": "it's"}
    assert changed_settings(con, "r2") == [("size_limit", "4", "3"), ("strict", "true", "false"),
                                           ("threshold", "7.250000", "6.500000")]
    assert changed_settings(con, "r1") == [] and run_settings(con, "nope") == {}


def test_the_project_settings_are_recorded_with_an_override() -> None:
    """No rule: only the settings are set and recorded (what ``hocba-audit run --setting`` does)."""
    con = duckdb.connect(":memory:")
    create_schema(con)
    run_rules(con, [], "r1", settings={"signing_deadline": "2026-06-30", "deputy_may_sign_ht": "false"})
    recorded = run_settings(con, "r1")
    assert set(recorded) == set(declared_settings())
    assert recorded["signing_deadline"] == "2026-06-30" and recorded["deputy_may_sign_ht"] == "false"
    assert recorded["cert_review_deadline"] == "2026-03-31" and recorded["tt22_chuyen_de_subjects"] == ""
    assert {n for n, _v, _d in changed_settings(con, "r1")} == {"signing_deadline", "deputy_may_sign_ht"}
    e = settings_evidence(con, "r1")
    assert e["settings_changed"] == {"deputy_may_sign_ht": "false", "signing_deadline": "2026-06-30"}
    assert e["settings_vi"] == ("deputy_may_sign_ht = false (mặc định: true); "
                                "signing_deadline = 2026-06-30 (mặc định: 2026-06-15)")


def test_a_database_without_the_table_gets_it_and_reads_as_no_settings(catalogue) -> None:
    con = db()
    con.execute("DROP TABLE run_settings")
    assert run_settings(con, "r1") == {} and changed_settings(con, "r1") == []
    assert settings_evidence(con, "r1")["settings_vi"].startswith("Không rõ")
    run_rules(con, catalogue, "r1", settings={"label": "x"})
    assert run_settings(con, "r1")["label"] == "x"
    assert "run_settings" in RUN_TABLES  # created by create_schema, documented in docs/data-model.md
