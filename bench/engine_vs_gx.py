"""The rule engine against Great Expectations on the same 1M-row pupils table.

Builds a DuckDB file with a synthetic canonical ``pupils`` table (1,000,000 rows over 1,000
schools, about 0.1 % defects per check: missing personal ID, duplicated personal ID within a
school, malformed MOET code, missing ethnic group, status outside the code list), then runs the
same checks both ways, each starting from that file:

* the engine: ``run_rules`` on a connection to the file, with the catalogue rules on ``pupils``
  that have a ``gx`` block (findings and rule_results written, as in a real run);
* GX 1.x: the suite exported from those rules' ``gx`` blocks, validated by the pandas engine on
  a DataFrame fetched from the file through Arrow (pandas 3 + pyarrow: GX's fastest
  configuration); only the columns the suite needs are fetched, and the fetch is timed.

It asserts the failing counts are equal and prints the times (median of ``--repeat`` runs) and
the ratio. GX's import time (several seconds) is printed but not counted.

Usage: .venv/bin/python bench/engine_vs_gx.py [--rows 1000000] [--schools 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

ROOT = Path(__file__).resolve().parents[1]


def build_table(path: Path, rows: int, schools: int, seed: int) -> None:
    """The canonical schema with ``rows`` synthetic pupils; ≈ 0.1 % defects per check."""
    from hocba_audit.model import create_schema

    con = duckdb.connect(str(path))
    create_schema(con)
    per_school = max(1, rows // schools)
    # hash(i, seed, k) % 1000 = k picks ≈ 0.1 % of the rows for defect k, independently.
    con.execute(f"""
        INSERT INTO pupils (school_id, pupil_code, pupil_code_raw, personal_id, personal_id_raw,
                            full_name, full_name_raw, name_key, birth_date, sex, sex_raw,
                            ethnicity_code, ethnicity_code_raw, status, status_raw,
                            src_file, src_sheet, src_row)
        SELECT school_id, pupil_code, pupil_code, pid, pid, name, name, lower(name),
               DATE '2010-01-01' + CAST(i % 3650 AS INTEGER),
               CASE WHEN i % 2 = 0 THEN 'Nam' ELSE 'Nữ' END,
               CASE WHEN i % 2 = 0 THEN 'Nam' ELSE 'Nữ' END,
               CASE WHEN hash(i, {seed}, 3) % 1000 = 3 THEN NULL ELSE '01' END,
               CASE WHEN hash(i, {seed}, 3) % 1000 = 3 THEN NULL ELSE 'Kinh' END,
               CASE WHEN hash(i, {seed}, 4) % 1000 = 4 THEN 'Dang hoc' ELSE 'Đang học' END,
               'Đang học', 'DanhSachHocSinh.xlsx', 'Danh sách',
               CAST(i % {per_school} AS INTEGER) + 2
        FROM (
            SELECT i,
                   '31' || lpad(CAST(i // {per_school} AS VARCHAR), 6, '0') AS school_id,
                   CASE WHEN hash(i, {seed}, 1) % 1000 = 1 THEN lpad(CAST(i AS VARCHAR), 9, '0')
                        ELSE '31' || lpad(CAST(i AS VARCHAR), 8, '0') END AS pupil_code,
                   CASE WHEN hash(i, {seed}, 0) % 1000 = 0 THEN NULL
                        WHEN hash(i, {seed}, 2) % 1000 = 2 AND i % {per_school} > 0
                            THEN '031210' || lpad(CAST(i - 1 AS VARCHAR), 6, '0')
                        ELSE '031210' || lpad(CAST(i AS VARCHAR), 6, '0') END AS pid,
                   'Nguyễn Văn ' || CAST(i % 997 AS VARCHAR) AS name
            FROM range({rows}) t(i)
        )""").fetchall()
    con.execute("""
        INSERT INTO schools (school_id, school_name, level)
        SELECT DISTINCT school_id, 'Trường THCS ' || school_id, 'THCS' FROM pupils""").fetchall()
    con.execute("""
        INSERT INTO school_years (school_id, school_year)
        SELECT school_id, '2025-2026' FROM schools""").fetchall()
    con.execute("CHECKPOINT").fetchall()
    con.close()


def run_engine(path: Path, rules, run_id: str) -> tuple[float, dict[str, int]]:
    from hocba_audit.runner import run_rules

    t0 = time.perf_counter()
    con = duckdb.connect(str(path))
    run_rules(con, rules, run_id)
    seconds = time.perf_counter() - t0
    counts = dict(con.execute(
        "SELECT rule_code, sum(coalesce(failing, 0))::BIGINT FROM rule_results WHERE run_id = ?"
        " GROUP BY 1", [run_id]).fetchall())
    con.close()
    return seconds, counts


def run_floor(path: Path) -> float:
    """A reference, not the engine: one SELECT counting every check, nothing written."""
    t0 = time.perf_counter()
    con = duckdb.connect(str(path), read_only=True)
    con.execute("""
        SELECT count(*) FILTER (personal_id_raw IS NULL),
               count(*) FILTER (NOT regexp_full_match(pupil_code, '[0-9]{10}')),
               count(*) FILTER (ethnicity_code_raw IS NULL),
               count(*) FILTER (status NOT IN ('Đang học', 'Chuyển đến', 'Chuyển đi', 'Thôi học',
                                               'Bảo lưu')),
               (SELECT sum(n) FROM (SELECT count(*) AS n FROM pupils WHERE personal_id IS NOT NULL
                                    GROUP BY school_id, personal_id HAVING count(*) > 1))
        FROM pupils""").fetchall()
    con.close()
    return time.perf_counter() - t0


def suite_columns(suite: dict) -> list[str]:
    cols: list[str] = []
    for e in suite["expectations"]:
        for c in [e["kwargs"].get("column"), *(e["kwargs"].get("column_list") or [])]:
            if c and c not in cols:
                cols.append(c)
    return cols


def run_gx(path: Path, suite: dict) -> tuple[float, float, dict[str, int]]:
    """(fetch seconds, validate seconds, rule code -> unexpected_count)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from hocba_audit.gx_export import suite_from_json

    t0 = time.perf_counter()
    con = duckdb.connect(str(path), read_only=True)
    columns = ", ".join(f'"{c}"' for c in suite_columns(suite))
    frame = con.sql(f"SELECT {columns} FROM pupils").arrow().read_all().to_pandas()
    con.close()
    t1 = time.perf_counter()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("hocba").add_dataframe_asset("pupils")
             .add_batch_definition_whole_dataframe("all")
             .get_batch(batch_parameters={"dataframe": frame}))
    result = batch.validate(suite_from_json(suite), result_format="SUMMARY")
    t2 = time.perf_counter()
    counts = {r.expectation_config.meta["rule_code"]: r.result["unexpected_count"]
              for r in result.results}
    return t1 - t0, t2 - t1, counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--schools", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, default=None, help="write the DuckDB file here")
    args = ap.parse_args(argv)

    from hocba_audit.catalogue import load_catalogue
    from hocba_audit.gx_export import gx_suites

    catalogue = load_catalogue()
    rules = catalogue.select([r.code for r in catalogue if r.gx is not None
                              and r.entity == "pupils"])
    suite = gx_suites(rules)["pupils"]
    with tempfile.TemporaryDirectory(prefix="hocba-gx-") as tmp:
        path = args.keep or Path(tmp) / "pupils.duckdb"
        path.unlink(missing_ok=True)
        t0 = time.perf_counter()
        build_table(path, args.rows, args.schools, args.seed)
        print(f"Built {args.rows:,} pupils in {args.schools:,} schools in "
              f"{time.perf_counter() - t0:.1f} s: {path} ({path.stat().st_size / 2**20:.0f} MiB).")
        print(f"Checks: {', '.join(f'{r.code} ({r.gx.type})' for r in rules)}")
        t0 = time.perf_counter()
        import great_expectations  # noqa: F401  (import time reported, not counted)

        gx_import = time.perf_counter() - t0
        print(f"GX import: {gx_import:.1f} s (not counted in the ratio).")
        engine_times, fetch_times, validate_times, floor_times = [], [], [], []
        for i in range(args.repeat):
            floor_times.append(run_floor(path))
            seconds, engine_counts = run_engine(path, rules, f"bench-{i}")
            engine_times.append(seconds)
            fetch, validate, gx_counts = run_gx(path, suite)
            fetch_times.append(fetch)
            validate_times.append(validate)
            assert gx_counts == engine_counts, (gx_counts, engine_counts)
    engine = statistics.median(engine_times)
    fetch, validate = statistics.median(fetch_times), statistics.median(validate_times)
    print(f"Failing records (equal in both): "
          + ", ".join(f"{k} {v}" for k, v in sorted(engine_counts.items())))
    print(f"Engine (run_rules, findings written): {engine:.3f} s "
          f"(runs: {', '.join(f'{t:.3f}' for t in engine_times)})")
    print(f"GX: fetch {fetch:.3f} s + validate {validate:.3f} s = {fetch + validate:.3f} s "
          f"(runs: {', '.join(f'{a + b:.3f}' for a, b in zip(fetch_times, validate_times))})")
    floor = statistics.median(floor_times)
    print(f"Reference: one DuckDB SELECT counting all five checks (no findings, no per-school "
          f"results): {floor:.3f} s, GX / that = {(fetch + validate) / floor:.1f}x")
    ratio = (fetch + validate) / engine
    print(f"Ratio GX / engine: {ratio:.1f}x (target >= 20x); counting GX's import once: "
          f"{(gx_import + fetch + validate) / engine:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
