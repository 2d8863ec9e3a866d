"""Great Expectations interop: the rules' gx blocks, exported as GX 1.x suites and run by GX
(pandas engine) on the sample exports, fail exactly as many records as the engine does."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from hocba_audit.catalogue import Catalogue
from hocba_audit.gx_export import export_gx_suites, gx_suites, suite_from_json
from hocba_audit.runner import run_rules

from rules_kit import project_catalogue

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data_samples" / "exports"


@pytest.fixture(scope="module")
def gx_rules() -> Catalogue:
    catalogue = project_catalogue()
    return catalogue.select([r.code for r in catalogue if r.gx is not None])


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    if not SAMPLES.is_dir():
        pytest.skip("data_samples/exports is missing: run 'hocba-audit samples' (see README)")
    from hocba_audit.run import load_all

    db = tmp_path_factory.mktemp("gx") / "samples.duckdb"
    load_all(db, SAMPLES, "gx-test", jobs=2)
    con = duckdb.connect(str(db))
    yield con
    con.close()


def run_gx(con: duckdb.DuckDBPyConnection, suites: dict[str, dict]) -> dict[str, int]:
    """rule code -> GX unexpected_count, validating each table's suite on its DataFrame."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("hocba")
    counts: dict[str, int] = {}
    for table, suite_json in suites.items():
        frame = con.sql(f'SELECT * FROM "{table}"').arrow().read_all().to_pandas()
        batch = (source.add_dataframe_asset(table)
                 .add_batch_definition_whole_dataframe("all")
                 .get_batch(batch_parameters={"dataframe": frame}))
        result = batch.validate(suite_from_json(suite_json), result_format="SUMMARY")
        for r in result.results:
            assert r.exception_info.get("raised_exception") is not True, r.exception_info
            counts[r.expectation_config.meta["rule_code"]] = r.result["unexpected_count"]
    return counts


def test_gx_suites_cover_every_rule_with_a_gx_block(gx_rules: Catalogue, tmp_path: Path) -> None:
    assert {"HS-001", "HS-004", "HS-007", "HS-008", "HS-010", "GV-001"} <= set(gx_rules.codes)
    paths = export_gx_suites(gx_rules, tmp_path)
    assert [p.name for p in paths] == ["hocba_pupils.json", "hocba_teachers.json"]
    exported = {e["meta"]["rule_code"]: e for p in paths
                for e in json.loads(p.read_text(encoding="utf-8"))["expectations"]}
    assert set(exported) == set(gx_rules.codes)
    assert exported["HS-007"]["type"] == "expect_column_values_to_match_regex"
    assert exported["HS-007"]["kwargs"] == {"column": "pupil_code", "regex": "^[0-9]{10}$"}
    assert exported["HS-010"]["kwargs"]["value_set"][0] == "Đang học"


def test_gx_and_the_engine_fail_the_same_records_on_the_samples(
    gx_rules: Catalogue, sample_db: duckdb.DuckDBPyConnection
) -> None:
    run_rules(sample_db, gx_rules, "gx-engine")
    engine = dict(sample_db.execute(
        "SELECT rule_code, sum(coalesce(failing, 0))::BIGINT FROM rule_results"
        " WHERE run_id = 'gx-engine' GROUP BY 1").fetchall())
    gx_counts = run_gx(sample_db, gx_suites(gx_rules))
    assert gx_counts == engine
    assert engine["HS-001"] > 0 and engine["HS-004"] > 0 and engine["GV-001"] > 0
