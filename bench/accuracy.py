"""Accuracy of the rule catalogue against the sample generator's ground truth (truth.csv).

Generates a city with injected defects (``hocba_audit.samples.write_samples``), loads it with
``hocba_audit.run.load_all``, runs the whole catalogue, and prints recall and precision per
defect code and per rule; then does the same on a defect-free city (defect_rate 0) and prints
the number of findings there (target: 0).

Matching: ``audits/rules/defect_map*.yaml`` maps each defect code to the rules that detect it
(or to a loader note). A truth row is detected when a finding of one of its rules has the same
school_id, entity_key = the truth key and, when the truth row names a field, the same field. A
finding is a true positive when it detects some truth row of a defect mapped to its rule.
Defects mapped to a loader note (MARK_DECIMAL_COMMA) are counted separately: detected when the
loader left a note of that code on the row and field named (they are not errors to report).

Usage: .venv/bin/python bench/accuracy.py [--schools 20] [--seed 3] [--defect-rate 0.02]
           [--levels TH,THCS,THPT,GDTX] [--scale 0.3] [--jobs 2] [--keep DIR] [--check]
``--check`` exits 1 unless recall and precision are 100 % and the clean city has no finding.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[1]


DERIVED: set[str] = set()


def load_defect_map(rules_dir: Path) -> dict[str, dict]:
    """Defect code -> {'rules': set of rule codes, 'loader_note': note code or None}.

    A map's ``derived_rules`` are rules whose findings restate, under another entity, a problem
    another rule reports (e.g. signing coverage per pupil): they are collected in ``DERIVED``;
    their precision is printed but not required on the defective city (still 0 findings on the
    clean one).
    """
    out: dict[str, dict] = {}
    for path in sorted(rules_dir.glob("defect_map*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if doc.get("defect_map_version") != 1:
            raise SystemExit(f"{path}: 'defect_map_version' must be 1")
        for code, spec in (doc.get("defects") or {}).items():
            entry = out.setdefault(code, {"rules": set(), "loader_note": None, "files": []})
            if isinstance(spec, list):
                spec = {"rules": spec}
            entry["rules"] |= set(spec.get("rules") or ())
            entry["loader_note"] = spec.get("loader_note") or entry["loader_note"]
            entry["files"].append(path.name)
        DERIVED.update(doc.get("derived_rules") or ())
    return out


def build_city(out_dir: Path, schools: int, seed: int, rate: float, levels: tuple[str, ...],
               scale: float, jobs: int) -> tuple[Path, Path]:
    from hocba_audit.generator import CitySpec
    from hocba_audit.samples import write_samples

    spec = CitySpec(schools=schools, seed=seed, defect_rate=rate, levels=levels or None,
                    pupils_scale=scale)
    info = write_samples(out_dir, spec, jobs=jobs)
    return Path(info["exports"]), Path(info["truth"])


def audit(exports: Path, db: Path, jobs: int) -> duckdb.DuckDBPyConnection:
    from hocba_audit.catalogue import load_catalogue
    from hocba_audit.run import load_all
    from hocba_audit.runner import run_rules

    load_all(db, exports, "bench", jobs=jobs)
    con = duckdb.connect(str(db))
    run_rules(con, load_catalogue(), "bench")
    return con


def evaluate(con: duckdb.DuckDBPyConnection, truth: Path, dmap: dict[str, dict]) -> dict:
    """Recall/precision per defect code and per rule (see the module docstring)."""
    from hocba_audit.model import TABLES_BY_NAME

    con.execute(
        "CREATE OR REPLACE TEMP TABLE truth AS SELECT * FROM read_csv($1, all_varchar = true,"
        " header = true)", [str(truth)]).fetchall()
    pairs = [(d, r) for d, e in dmap.items() for r in sorted(e["rules"])]
    con.execute("CREATE OR REPLACE TEMP TABLE dmap (defect_code VARCHAR, rule_code VARCHAR)")
    if pairs:
        con.executemany("INSERT INTO dmap VALUES (?, ?)", pairs)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE f AS
        SELECT DISTINCT school_id, rule_code, entity_key, coalesce(field, '') AS field
        FROM findings WHERE run_id = 'bench'""").fetchall()
    con.execute("""
        CREATE OR REPLACE TEMP TABLE matches AS
        SELECT t.school_id, t."table", t.key, coalesce(t.field, '') AS tfield, t.defect_code,
               f.rule_code, f.entity_key, f.field
        FROM truth t JOIN dmap m USING (defect_code)
        JOIN f ON f.school_id = t.school_id AND f.rule_code = m.rule_code
              AND f.entity_key = t.key
              AND (coalesce(t.field, '') = '' OR f.field = t.field)""").fetchall()
    per_defect = {}
    truth_counts = dict(con.execute(
        "SELECT defect_code, count(*) FROM truth GROUP BY 1").fetchall())
    detected = dict(con.execute("""
        SELECT defect_code, count(*) FROM (
            SELECT DISTINCT school_id, "table", key, tfield, defect_code FROM matches)
        GROUP BY 1""").fetchall())
    rule_findings = dict(con.execute("SELECT rule_code, count(*) FROM f GROUP BY 1").fetchall())
    rule_tp = dict(con.execute("""
        SELECT rule_code, count(*) FROM (
            SELECT DISTINCT school_id, rule_code, entity_key, field FROM matches)
        GROUP BY 1""").fetchall())
    note_counts = _loader_notes(con, dmap, TABLES_BY_NAME)
    for code in sorted(set(truth_counts) | set(dmap)):
        entry = dmap.get(code, {"rules": set(), "loader_note": None})
        n = truth_counts.get(code, 0)
        if entry["loader_note"]:
            per_defect[code] = {"truth": n, "detected": note_counts.get(code, 0),
                                "via": f"loader note '{entry['loader_note']}'", "note": True}
            continue
        rules = sorted(entry["rules"])
        findings = sum(rule_findings.get(r, 0) for r in rules)
        tp = sum(rule_tp.get(r, 0) for r in rules)
        per_defect[code] = {"truth": n, "detected": detected.get(code, 0),
                            "via": ", ".join(rules) or "(no rule mapped)", "findings": findings,
                            "tp": tp, "note": False}
    per_rule = {}
    # A rule's truth rows: those of its defects in schools the rule applies to.
    mapped_truth = dict(con.execute("""
        SELECT m.rule_code, count(*) FROM truth t JOIN dmap m USING (defect_code)
        WHERE EXISTS (SELECT 1 FROM rule_results r
                      WHERE r.run_id = 'bench' AND r.rule_code = m.rule_code
                        AND r.school_id = t.school_id AND r.outcome <> 'NOT_APPLICABLE')
        GROUP BY 1""").fetchall())
    rule_detected = dict(con.execute("""
        SELECT rule_code, count(*) FROM (
            SELECT DISTINCT school_id, "table", key, tfield, defect_code, rule_code FROM matches)
        GROUP BY 1""").fetchall())
    for r in sorted(set(rule_findings) | set(mapped_truth)):
        per_rule[r] = {"findings": rule_findings.get(r, 0), "tp": rule_tp.get(r, 0),
                       "truth": mapped_truth.get(r, 0), "detected": rule_detected.get(r, 0)}
    return {"defects": per_defect, "rules": per_rule}


def _loader_notes(con, dmap, tables) -> dict[str, int]:
    """Truth rows of loader-note defects with a matching note on their row and field."""
    out = {}
    for code, entry in dmap.items():
        note = entry["loader_note"]
        if not note:
            continue
        rows = con.execute('SELECT DISTINCT "table", field FROM truth WHERE defect_code = ?',
                           [code]).fetchall()
        total = 0
        for table, field in rows:
            t = tables[table]
            key = "concat_ws('|', " + ", ".join(f'r."{c}"' for c in t.key if c != "school_id") + ")"
            raw = f'r."{field}_raw"' if t.column(field).raw else f'CAST(r."{field}" AS VARCHAR)'
            total += con.execute(f"""
                SELECT count(DISTINCT t.key) FROM truth t
                JOIN "{table}" r ON r.school_id = t.school_id AND {key} = t.key
                JOIN normalization_notes n ON n.school_id = r.school_id AND n.file = r.src_file
                     AND coalesce(n.sheet, '') = coalesce(r.src_sheet, '')
                     AND n.row_number = r.src_row AND n.field = t.field AND n.raw = {raw}
                WHERE t.defect_code = ? AND t."table" = ? AND n.note_code = ?""",
                [code, table, note]).fetchall()[0][0]
        out[code] = total
    return out


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f}%" if b else "    –"


def print_report(result: dict, clean: dict[str, int]) -> bool:
    ok = True
    print("\nPer defect code (recall = detected truth rows / truth rows; precision = true findings"
          " / findings of the mapped rules)")
    print(f"{'defect code':<36} {'truth':>6} {'found':>6} {'recall':>7} {'prec.':>7}  rules")
    notes = []
    for code, d in result["defects"].items():
        if d["note"]:
            notes.append((code, d))
            continue
        prec = _pct(d["tp"], d["findings"])
        print(f"{code:<36} {d['truth']:>6} {d['detected']:>6} {_pct(d['detected'], d['truth']):>7}"
              f" {prec:>7}  {d['via']}")
        if d["truth"] and (d["detected"] != d["truth"] or d["tp"] != d["findings"]):
            ok = False
        if d["truth"] and d["via"] == "(no rule mapped)":
            ok = False
    if notes:
        print("\nLoader notes (normalisation, not errors: not counted as misses)")
        for code, d in notes:
            recall = _pct(d["detected"], d["truth"])
            print(f"{code:<36} {d['truth']:>6} {d['detected']:>6} {recall:>7}          {d['via']}")
    print("\nPer rule (precision = findings matching a truth row of a mapped defect / findings)")
    print(f"{'rule':<12} {'findings':>8} {'true':>6} {'prec.':>7} {'truth':>6} {'found':>6}"
          f" {'recall':>7} {'clean':>6}")
    for r, d in result["rules"].items():
        print(f"{r:<12} {d['findings']:>8} {d['tp']:>6} {_pct(d['tp'], d['findings']):>7}"
              f" {d['truth']:>6} {d['detected']:>6} {_pct(d['detected'], d['truth']):>7}"
              f" {clean.get(r, 0):>6}" + ("  (derived: restates other findings)" if r in DERIVED else ""))
        if d["tp"] != d["findings"] and r not in DERIVED:
            ok = False
    for r in sorted(set(clean) - set(result["rules"])):
        print(f"{r:<12} {0:>8} {0:>6} {'–':>7} {0:>6} {0:>6} {'–':>7} {clean[r]:>6}")
    total_clean = sum(clean.values())
    detail = ", ".join(f"{k} {v}" for k, v in sorted(clean.items()))
    print(f"\nFindings on the defect-free city: {total_clean}"
          + (f" ({detail})" if total_clean else ""))
    return ok and total_clean == 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--schools", type=int, default=20)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--defect-rate", type=float, default=0.02)
    ap.add_argument("--levels", default="TH,THCS,THPT,GDTX",
                    help="levels cycled over the schools; '' = the city mix")
    ap.add_argument("--scale", type=float, default=0.3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated files here")
    ap.add_argument("--check", action="store_true", help="exit 1 unless 100 %% / 100 %% / 0")
    args = ap.parse_args(argv)
    levels = tuple(x.strip() for x in args.levels.split(",") if x.strip())
    dmap = load_defect_map(ROOT / "audits" / "rules")
    with tempfile.TemporaryDirectory(prefix="hocba-accuracy-") as tmp:
        base = args.keep or Path(tmp)
        t0 = time.perf_counter()
        exports, truth = build_city(base / "dirty", args.schools, args.seed, args.defect_rate,
                                    levels, args.scale, args.jobs)
        clean_exports, _ = build_city(base / "clean", args.schools, args.seed, 0.0, levels,
                                      args.scale, args.jobs)
        t1 = time.perf_counter()
        con = audit(exports, base / "dirty.duckdb", args.jobs)
        result = evaluate(con, truth, dmap)
        con.close()
        con = audit(clean_exports, base / "clean.duckdb", args.jobs)
        clean = dict(con.execute(
            "SELECT rule_code, count(*) FROM findings WHERE run_id = 'bench' GROUP BY 1"
        ).fetchall())
        con.close()
        t2 = time.perf_counter()
    print(f"City: {args.schools} schools, seed {args.seed}, levels {args.levels or 'city mix'}, "
          f"scale {args.scale}, defect rate {args.defect_rate}; generated in {t1 - t0:.0f} s, "
          f"loaded and audited (both cities) in {t2 - t1:.0f} s.")
    ok = print_report(result, clean)
    print("\nRESULT:", "100% recall, 100% precision, 0 findings on clean data" if ok
          else "targets NOT met")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
