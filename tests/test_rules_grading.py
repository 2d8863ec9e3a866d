"""The grading rule packs (TT 22, TT 27, GDTX): their fixtures, the arithmetic and level macros
against hand-computed values, the settings of the open questions, and an accuracy check against
the generator's ground truth.

The packs live in audits/rules/grading_{tt22,tt27,gdtx}.yaml, their macros in
audits/macros/grading_*.sql, their settings in audits/settings/grading.yaml; see docs/grading.md.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from hocba_audit.catalogue import Catalogue, load_catalogue
from hocba_audit.model import create_schema
from hocba_audit.rules import Outcome
from hocba_audit.runner import prepare_connection, run_rules

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "audits" / "rules"
PACKS = ("grading_tt22.yaml", "grading_tt27.yaml", "grading_gdtx.yaml")
FIXTURES = Path(__file__).parent / "fixtures" / "rules"
SETTINGS = ROOT / "audits" / "settings" / "grading.yaml"
MACROS = sorted((ROOT / "audits" / "macros").glob("grading_*.sql"))
DOC = ROOT / "docs" / "grading.md"


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """Only the grading packs (the rest of the catalogue is other families' business)."""
    folder = tmp_path_factory.mktemp("grading_rules")
    for name in PACKS:
        (folder / name).write_text((RULES / name).read_text(encoding="utf-8"), encoding="utf-8")
    return load_catalogue(folder)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    for row in rows:
        cols = ", ".join(f'"{c}"' for c in row)
        con.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" for _ in row)})',
                    list(row.values())).fetchall()


def _db(schools: list[dict], rows: dict[str, list[dict]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    create_schema(con)
    _insert(con, "schools", schools)
    for table, table_rows in rows.items():
        _insert(con, table, table_rows)
    return con


def _codes() -> list[str]:
    out = []
    for name in PACKS:
        doc = yaml.safe_load((RULES / name).read_text(encoding="utf-8"))
        out += [r["code"] for r in doc["rules"]]
    return out


def _fixture_cases() -> list:
    params = []
    for code in _codes():
        path = FIXTURES / f"{code}.yaml"
        if not path.exists():
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(doc["cases"], 1):
            params.append(pytest.param(code, doc.get("schools", []), case, id=f"{code}#{i}"))
    return params


# -- fixtures ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "schools", "case"), _fixture_cases())
def test_fixture_case(catalogue: Catalogue, code: str, schools: list[dict], case: dict) -> None:
    con = _db(case.get("schools", schools), case.get("rows", {}))
    results = run_rules(con, catalogue.select([code]), "fixture")
    assert not [r.error for r in results if r.outcome == Outcome.ERROR]
    rows = con.execute("SELECT entity_key, message, fix FROM findings WHERE rule_code = ?",
                       [code]).fetchall()
    assert sorted({r[0] for r in rows}) == sorted(case["expect_failing"]), case["name"]
    if "expect_checked" in case:
        assert sum(r.checked or 0 for r in results) == case["expect_checked"], case["name"]
    for _, message, fix in rows:
        assert "{" not in message and "}" not in message and "(trống)" not in message, message
        assert unicodedata.is_normalized("NFC", message)
        assert fix.startswith("1. ")


def test_every_grading_rule_has_a_passing_and_a_failing_fixture(catalogue: Catalogue) -> None:
    problems = []
    for rule in catalogue:
        path = FIXTURES / f"{rule.code}.yaml"
        if not path.exists():
            problems.append(f"{rule.code}: no fixture file")
            continue
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        if not any(not c["expect_failing"] and "expect_outcome" not in c for c in cases):
            problems.append(f"{rule.code}: no passing case")
        if not any(c["expect_failing"] for c in cases):
            problems.append(f"{rule.code}: no failing case")
    assert not problems, "\n".join(problems)


# -- the catalogue's text -----------------------------------------------------------------------

def test_rules_are_vietnamese_nfc_with_english_titles(catalogue: Catalogue) -> None:
    assert len(catalogue) == 17 + 8 + 17
    for rule in catalogue:
        assert rule.category in ("grading", "completeness"), rule.code
        for text in (rule.title_vi, rule.message, *rule.fix, rule.legal_basis):
            assert unicodedata.is_normalized("NFC", text), rule.code
        assert re.search(r"[ạảãàáâầấậẩẫăằắặẳẵđêềếệểễôồốộổỗơờớợởỡưừứựửữ]", rule.title_vi.lower())
        assert rule.title_en.strip() and rule.title_en != rule.title_vi, rule.code
        assert len(rule.fix) >= 2


# -- macros: arithmetic and levels against hand-computed values --------------------------------

@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(":memory:")
    create_schema(c)
    prepare_connection(c)
    return c


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchall()[0][0]


@pytest.mark.parametrize(("num100", "den", "expected"), [
    (6150, 8, "7.7"),      # worked example: (21.5 + 10 + 30) / 8 = 7.6875
    (6600, 8, "8.3"),      # 8.25 half-up (Python's float round gives 8.2)
    (6760, 8, "8.5"),      # 8.45: DOUBLE arithmetic gives 8.449999… → 8.4
    (2400, 3, "8.0"),      # ĐTBmcn (9.0 + 2×7.5) / 3
    (2600, 3, "8.7"),      # 8.666…
    (2500, 3, "8.3"),      # 8.333…
    (0, 6, "0.0"),
    (6000, 6, "10.0"),
    (-660, 8, "-0.8"),     # only invalid marks are negative: half away from zero
])
def test_round1_is_exact_half_up(con, num100: int, den: int, expected: str) -> None:
    value = _one(con, f"SELECT grading_round1(CAST({num100} AS BIGINT), {den})")
    assert isinstance(value, Decimal) and value == Decimal(expected)


def test_semester_average_formula_is_decimal(con) -> None:
    rows = con.execute(
        "SELECT typeof(grading_round1(grading_h(7.25::DECIMAL(5,2)), 1)), "
        "grading_h(7.25::DECIMAL(5,2)), grading_fmt(7.7::DECIMAL(5,1)), grading_fmt2(8.50::DECIMAL(5,2))"
    ).fetchall()[0]
    assert rows == ("DECIMAL(18,1)", 725, "7,7", "8,5")


# Domain.md §1.7, written out independently of the macro: (HK I, HK II) -> year.
CONDUCT = {("T", "T"): "T", ("K", "T"): "T", ("Đ", "T"): "K", ("CĐ", "T"): "K",
           ("T", "K"): "K", ("K", "K"): "K", ("Đ", "K"): "K", ("CĐ", "K"): "Đ",
           ("T", "Đ"): "K", ("K", "Đ"): "Đ", ("Đ", "Đ"): "Đ", ("CĐ", "Đ"): "Đ",
           ("T", "CĐ"): "CĐ", ("K", "CĐ"): "CĐ", ("Đ", "CĐ"): "CĐ", ("CĐ", "CĐ"): "CĐ"}


def test_conduct_year_table(con) -> None:
    for (h1, h2), year in CONDUCT.items():
        assert _one(con, f"SELECT grading_conduct_year('{h1}', '{h2}')") == year, (h1, h2)
    assert _one(con, "SELECT grading_conduct_year('T', NULL)") is None


def _level(con, scores: list[str], comments: list[str], k: int = 6) -> str:
    s = "[" + ", ".join(scores) + "]::DECIMAL(5,2)[]"
    c = "[" + ", ".join(f"'{x}'" for x in comments) + "]::VARCHAR[]"
    return _one(con, f"SELECT grading_academic_level({s}, {c}, {k})")


@pytest.mark.parametrize(("scores", "comments", "expected"), [
    (["8.5"] * 8, ["Đ"] * 4, "T"),
    (["8.0"] * 6 + ["6.5", "6.5"], ["Đ"], "T"),           # every score ≥ 6.5, six ≥ 8.0
    (["8.0"] * 5 + ["7.9"] * 3, ["Đ"], "K"),              # five ≥ 8.0 only
    (["8.0"] * 7 + ["6.0"], ["Đ"], "K"),                  # a score below 6.5
    (["6.5"] * 6 + ["5.0", "5.0"], ["Đ"], "K"),
    (["6.4"] * 8, ["Đ"], "Đ"),
    (["5.0"] * 6 + ["3.5", "3.5"], ["Đ", "CĐ"], "Đ"),     # one comment CĐ allowed in Đạt
    (["5.0"] * 6 + ["3.4", "9.0"], ["Đ"], "CĐ"),          # a score below 3.5
    (["4.9"] * 3 + ["9.0"] * 5, ["Đ"], "CĐ"),             # five ≥ 5.0 only
    (["8.0"] * 7 + ["3.0"], ["Đ"], "Đ"),                  # khoản 3: without it Tốt → CĐ + 1
    (["9.0"] * 8, ["CĐ", "Đ"], "K"),                      # khoản 3 via a comment subject: Đ + 1
    (["9.0"] * 8, ["CĐ", "CĐ"], "CĐ"),                    # two comments CĐ: no single subject
    (["6.5"] * 7 + ["3.0"], ["Đ"], "Đ"),                  # without 3.0: Khá, 2 above CĐ → Đ
    (["6.0"] * 7 + ["3.0"], ["Đ"], "CĐ"),                 # without 3.0 only Đạt: no raise
    (["8.0"] * 5, ["Đ"], "CĐ"),                           # fewer than 6 score subjects
])
def test_academic_level_with_khoan3(con, scores, comments, expected) -> None:
    assert _level(con, scores, comments) == expected


def test_khoan3_readings_are_a_setting() -> None:
    cases = {"one_step_any_subject": ("Đ", "K"), "one_step_score_subject": ("Đ", "Đ"),
             "off": ("CĐ", "Đ")}
    for reading, expected in cases.items():
        c = duckdb.connect(":memory:")
        create_schema(c)
        prepare_connection(c, settings={"tt22_khoan3_reading": reading})
        got = (_level(c, ["8.0"] * 7 + ["3.0"], ["Đ"]), _level(c, ["9.0"] * 8, ["CĐ", "Đ"]))
        assert got == expected, reading


@pytest.mark.parametrize(("mode", "periods", "subject", "grade", "expected"), [
    ("điểm", 35, "GDCD", 6, 2), ("điểm", 36, "X", 6, 3), ("điểm", 52, "LICH_SU", 10, 3),
    ("điểm", 70, "VAT_LI", 10, 3), ("điểm", 71, "X", 10, 4), ("điểm", 140, "TOAN", 6, 4),
    ("nhận xét", 70, "GDTC", 6, 2), ("điểm", None, "TOAN", 6, None),
])
def test_required_tx(con, mode, periods, subject, grade, expected) -> None:
    p = "NULL" if periods is None else periods
    assert _one(con, f"SELECT grading_required_tx('{mode}', {p}, '{subject}', {grade})") == expected


# -- settings -------------------------------------------------------------------------------------

def test_settings_are_declared_documented_and_used() -> None:
    declared = yaml.safe_load(SETTINGS.read_text(encoding="utf-8"))["settings"]
    names = {s["name"] for s in declared}
    used_text = "".join(p.read_text(encoding="utf-8") for p in MACROS)
    used_text += "".join((RULES / n).read_text(encoding="utf-8") for n in PACKS)
    used = set(re.findall(r"getvariable\('([a-z0-9_]+)'\)", used_text))
    assert used <= names, used - names
    assert names <= used, names - used
    doc = DOC.read_text(encoding="utf-8")
    for s in declared:
        assert s["domain_ref"].startswith("domain.md §"), s["name"]
        assert f"`{s['name']}`" in doc, s["name"]
    for question in ("§8.2", "§8.3a", "§8.3b", "§8.3c", "§8.3d", "§8.3e", "§8.4", "§8.5"):
        assert any(question in s["domain_ref"] for s in declared), question


def _run(catalogue: Catalogue, codes: list[str], schools, rows, settings=None) -> set[str]:
    con = _db(schools, rows)
    run_rules(con, catalogue.select(codes), "r", settings=settings)
    return {r[0] for r in con.execute("SELECT entity_key FROM findings").fetchall()}


THCS = [{"school_id": "S1", "school_name": "Trường THCS Thử Nghiệm", "level": "THCS"}]
THPT = [{"school_id": "S1", "school_name": "Trường THPT Thử Nghiệm", "level": "THPT"}]


def _class(grade: int, name: str) -> dict:
    return {"classes": [{"school_id": "S1", "school_year": "2025-2026", "class_name": name,
                         "grade": grade}],
            "enrolments": [{"school_id": "S1", "school_year": "2025-2026", "pupil_code": "P1",
                            "class_name": name}]}


def _marks(subject: str, n_tx: int, semester: int = 1) -> list[dict]:
    base = {"school_id": "S1", "school_year": "2025-2026", "pupil_code": "P1",
            "subject_code": subject, "semester": semester}
    rows = [{**base, "kind": "TX", "idx": i, "value": 8} for i in range(1, n_tx + 1)]
    return rows + [{**base, "kind": "GK", "idx": 1, "value": 8}, {**base, "kind": "CK", "idx": 1, "value": 8}]


def test_period_and_chuyen_de_settings(catalogue: Catalogue) -> None:
    rows = {**_class(8, "8A1"), "marks": _marks("CONG_NGHE", 2)}
    assert _run(catalogue, ["TT22-002"], THCS, rows) == {"2025-2026|P1|CONG_NGHE|1|TX|3"}
    assert _run(catalogue, ["TT22-002"], THCS, rows, {"tt22_periods_cong_nghe_8_9": 35}) == set()
    rows = {**_class(11, "11A1"), "marks": _marks("VAT_LI", 3)}
    assert _run(catalogue, ["TT22-002"], THPT, rows) == set()
    assert _run(catalogue, ["TT22-002"], THPT, rows, {"tt22_chuyen_de_subjects": "VAT_LI, HOA_HOC"}) \
        == {"2025-2026|P1|VAT_LI|1|TX|4"}
    # The school's own subjects table wins over the reference and the settings.
    rows = {**_class(8, "8A1"), "marks": _marks("CONG_NGHE", 2),
            "subjects": [{"school_id": "S1", "grade": 8, "subject_code": "CONG_NGHE",
                          "periods_per_year": 35, "assessment": "điểm"}]}
    assert _run(catalogue, ["TT22-002"], THCS, rows) == set()


def _results(subject: str, **periods) -> list[dict]:
    base = {"school_id": "S1", "school_year": "2025-2026", "pupil_code": "P1", "subject_code": subject}
    return [{**base, "period": p, "average": v} for p, v in periods.items()]


def test_unrounded_year_average(catalogue: Catalogue) -> None:
    # Designed so the two readings differ. Semester I: TX 7, 7 (GDCD, 2 TX); GK 7; CK 7.5 →
    # (14 + 14 + 22.5)/7 = 7.2142… → recorded 7.2. Semester II: TX 7, 7; GK 7; CK 7.6 →
    # (14 + 14 + 22.8)/7 = 7.2571… → recorded 7.3.
    # Rounded reading: (7.2 + 14.6)/3 = 7.2666… → 7.3.
    # Unrounded reading: (7.2142… + 2×7.2571…)/3 = 7.2428… → 7.2.
    marks = []
    for sem, ck in ((1, Decimal("7.5")), (2, Decimal("7.6"))):
        base = {"school_id": "S1", "school_year": "2025-2026", "pupil_code": "P1",
                "subject_code": "GDCD", "semester": sem}
        marks += [{**base, "kind": "TX", "idx": 1, "value": 7}, {**base, "kind": "TX", "idx": 2, "value": 7},
                  {**base, "kind": "GK", "idx": 1, "value": 7}, {**base, "kind": "CK", "idx": 1, "value": ck}]
    rec = {"HK1": Decimal("7.2"), "HK2": Decimal("7.3")}
    rows73 = {**_class(6, "6A1"), "marks": marks, "subject_results": _results("GDCD", **rec, CN=Decimal("7.3"))}
    rows72 = {**_class(6, "6A1"), "marks": marks, "subject_results": _results("GDCD", **rec, CN=Decimal("7.2"))}
    assert _run(catalogue, ["TT22-005", "TT22-007"], THCS, rows73) == set()
    assert _run(catalogue, ["TT22-007"], THCS, rows72) == {"2025-2026|P1|GDCD|CN"}
    off = {"tt22_dtbmcn_from_rounded": False}
    assert _run(catalogue, ["TT22-007"], THCS, rows73, off) == {"2025-2026|P1|GDCD|CN"}
    assert _run(catalogue, ["TT22-007"], THCS, rows72, off) == set()


def test_single_semester_setting(catalogue: Catalogue) -> None:
    rows = {**_class(10, "10A1"), "subject_results": _results("GDQPAN", HK1=Decimal("7.5"), CN=Decimal("7.0"))}
    assert _run(catalogue, ["TT22-007"], THPT, rows) == {"2025-2026|P1|GDQPAN|CN"}
    assert _run(catalogue, ["TT22-007"], THPT, rows, {"tt22_single_semester_subject": "not_checked"}) == set()


def test_mien_and_absence_settings(catalogue: Catalogue) -> None:
    base = {"school_id": "S1", "school_year": "2025-2026", "pupil_code": "P1", "subject_code": "GDTC"}
    rows = {**_class(6, "6A1"), "subject_results": [
        {**base, "period": "HK1", "level": "Đ"}, {**base, "period": "HK2", "level": "Miễn"},
        {**base, "period": "CN", "level": "Miễn"}]}
    assert _run(catalogue, ["TT22-009"], THCS, rows) == {"2025-2026|P1|GDTC|CN"}
    assert _run(catalogue, ["TT22-009"], THCS, rows, {"tt22_mien_year_from_hk1": False}) == set()
    year = {"school_id": "S1", "school_year": "2025-2026", "pupil_code": "P1", "conduct_year": "T",
            "academic_year": "K", "absences": 50, "decision": "Lên lớp"}
    rows = {**_class(6, "6A1"), "year_results": [year]}
    assert _run(catalogue, ["TT22-013", "TT22-014"], THCS, rows) == {"2025-2026|P1"}
    assert _run(catalogue, ["TT22-013", "TT22-014"], THCS, rows, {"tt22_max_absences": 60}) == set()


def test_rollout_setting_moves_records_out_of_scope(catalogue: Catalogue) -> None:
    year = {"school_id": "S1", "school_year": "2023-2024", "pupil_code": "P1", "class_name": "9A1",
            "conduct_hk1": "Đ", "conduct_hk2": "T", "conduct_year": "T"}
    rows = {"classes": [{"school_id": "S1", "school_year": "2023-2024", "class_name": "9A1", "grade": 9}],
            "year_results": [year]}
    assert _run(catalogue, ["TT22-001", "TT22-012"], THCS, rows) == {"2023-2024|9"}
    early = {"tt22_rollout": "6:2021-2022,7:2021-2022,8:2021-2022,9:2021-2022"}
    assert _run(catalogue, ["TT22-001", "TT22-012"], THCS, rows, early) == {"2023-2024|P1"}


def test_tt27_threshold_settings(catalogue: Catalogue) -> None:
    th = [{"school_id": "S1", "school_name": "Trường Tiểu học Thử Nghiệm", "level": "TH"}]
    ev = {"school_id": "S1", "school_year": "2025-2026", "pupil_code": "P1", "checkpoint": "CN",
          "item_kind": "môn học", "level": "T"}
    rows = {**_class(2, "2A1"),
            "primary_evaluations": [{**ev, "item_code": "TOAN", "test_score": 8},
                                    {**ev, "item_code": "DAO_DUC"}],
            "primary_results": [{"school_id": "S1", "school_year": "2025-2026", "pupil_code": "P1",
                                 "overall": "HTXS"}]}
    assert _run(catalogue, ["TT27-006"], th, rows) == {"2025-2026|P1"}
    assert _run(catalogue, ["TT27-006"], th, rows, {"tt27_threshold_htxs": 8}) == set()


def test_packs_are_chosen_by_school_level(catalogue: Catalogue) -> None:
    year = {"school_id": "S1", "school_year": "2025-2026", "pupil_code": "P1",
            "conduct_hk1": "Đ", "conduct_hk2": "T", "conduct_year": "T"}
    gdtx = [{"school_id": "S1", "school_name": "Trung tâm GDNN-GDTX Thử Nghiệm", "level": "GDTX"}]
    # A school without a level: the grade (from the class) decides.
    for schools, found in ((THCS, {"TT22-012"}), (gdtx, {"GDTX-DG-012"}),
                           ([{**THCS[0], "level": None}], {"TT22-012"})):
        con = _db(schools, {**_class(7, "7A1"), "year_results": [year]})
        run_rules(con, catalogue.select(["TT22-012", "GDTX-DG-012"]), "r")
        assert {r[0] for r in con.execute("SELECT rule_code FROM findings").fetchall()} == found
    # A message of the GDTX pack says the regulation is unconfirmed.
    con = _db(gdtx, {"year_results": [year]})
    run_rules(con, catalogue.select(["GDTX-DG-012"]), "r")
    message = con.execute("SELECT message FROM findings").fetchall()[0][0]
    assert message.startswith("[GDTX — quy định đánh giá chưa xác nhận] ") and "học viên" in message


# -- accuracy against the generator's ground truth ---------------------------------------------

def _defect_map() -> dict[str, list[str]]:
    doc = yaml.safe_load((RULES / "defect_map_grading.yaml").read_text(encoding="utf-8"))
    return {code: spec["rules"] for code, spec in doc["defects"].items()}


def _corpus(tmp: Path, defect_rate: float):
    from hocba_audit.generator import CitySpec
    from hocba_audit.run import load_all
    from hocba_audit.samples import write_samples

    spec = CitySpec(schools=4, seed=7, levels=("TH", "THCS", "THPT", "GDTX"),
                    defect_rate=defect_rate, pupils_scale=0.1)
    write_samples(tmp, spec, signed=False)  # grading reads the grade book only
    load_all(tmp / "audit.duckdb", tmp / "exports", "load")
    return duckdb.connect(str(tmp / "audit.duckdb"))


@pytest.fixture(scope="module")
def defect_corpus(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("grading_defects")
    return _corpus(tmp, 0.02), tmp / "truth.csv"


def test_recall_and_precision_on_a_generated_corpus(catalogue: Catalogue, defect_corpus) -> None:
    con, truth_path = defect_corpus
    run_rules(con, catalogue, "accuracy")
    findings = defaultdict(set)
    for school, rule, key, field in con.execute(
            "SELECT school_id, rule_code, entity_key, field FROM findings WHERE run_id = 'accuracy'"
    ).fetchall():
        findings[rule].add((school, key, field))
    truth = defaultdict(set)
    with truth_path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            truth[row["defect_code"]].add((row["school_id"], row["key"], row["field"]))
    dmap = _defect_map()
    mapped_rules = defaultdict(set)
    for code, rules in dmap.items():
        assert truth[code], f"{code}: the corpus has no such defect"
        found = set().union(*(findings[r] for r in rules))
        assert truth[code] <= found, (code, sorted(truth[code] - found)[:5])
        for r in rules:
            mapped_rules[r].add(code)
    all_truth = defaultdict(set)
    for code, rows in truth.items():
        for row in rows:
            all_truth[row].add(code)
    for rule, rows in findings.items():
        wrong = [row for row in rows if not (all_truth.get(row, set()) & mapped_rules[rule])]
        assert not wrong, (rule, wrong[:5])


def test_no_findings_on_a_clean_corpus(catalogue: Catalogue, tmp_path: Path) -> None:
    con = _corpus(tmp_path, 0.0)
    results = run_rules(con, catalogue, "clean")
    assert not [r for r in results if r.outcome in (Outcome.ERROR, Outcome.FAILED)]
    assert sum(r.checked or 0 for r in results) > 10_000
