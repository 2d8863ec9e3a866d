"""The GDTX grading pack (audits/rules/grading_gdtx.yaml) mirrors the TT 22 pack rule by rule.

GDTX assessment reuses the TT 22 score model, but the regulation is unconfirmed (domain.md
§1.12, §8.2). ``gdtx_pack`` derives the GDTX pack from grading_tt22.yaml: codes GDTX-DG-NNN for
TT22-NNN, level GDTX, severity cảnh báo (check and explain, since the rule set is unconfirmed),
every title and message marked 'quy định đánh giá chưa xác nhận', 'học viên' for 'học sinh', and
the macros called with 'GDTX'. Its fixtures are derived from the TT 22 ones the same way
(``gdtx_fixture``). A test keeps the committed files equal to the derivation; after changing the
TT 22 pack or its fixtures, regenerate with

    .venv/bin/python tests/test_rules_grading_gdtx.py --write
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TT22 = ROOT / "audits" / "rules" / "grading_tt22.yaml"
GDTX = ROOT / "audits" / "rules" / "grading_gdtx.yaml"
FIXTURES = Path(__file__).parent / "fixtures" / "rules"

MARK_VI = "quy định đánh giá chưa xác nhận"
MESSAGE_PREFIX = f"[GDTX — {MARK_VI}] "
TITLE_SUFFIX_VI = f" (GDTX, {MARK_VI})"
TITLE_SUFFIX_EN = " (GDTX, assessment regulation unconfirmed)"
LEGAL_PREFIX = "Quy định đánh giá học viên GDTX chưa xác nhận (domain.md §1.12); mô hình điểm theo "
HEADER = """\
# GDTX grading pack: the TT 22/2021 score model applied to GDTX learners (học viên), rule by rule
# the same as grading_tt22.yaml (GDTX-DG-NNN mirrors TT22-NNN). The regulation governing GDTX
# assessment is unconfirmed (domain.md §1.12, §8.2), so every title and message says
# 'quy định đánh giá chưa xác nhận' and every rule is a cảnh báo. Settings: audits/settings/
# grading.yaml (gdtx_min_score_subjects replaces TT 22's "6 subjects"); docs/grading.md.
#
# GENERATED from grading_tt22.yaml by tests/test_rules_grading_gdtx.py: do not edit by hand;
# change grading_tt22.yaml and run  .venv/bin/python tests/test_rules_grading_gdtx.py --write
"""

_SPECIAL_001 = {
    "chưa áp dụng TT 22/2021 (đánh giá theo TT 58/2011)":
        "chưa áp dụng mô hình đánh giá của TT 22/2021 (đánh giá theo quy định cũ)",
    "không được kiểm tra theo TT 22/2021": "không được kiểm tra theo mô hình TT 22/2021",
    "theo quy định của TT 58/2011 (học lực, hạnh kiểm)": "theo quy định đánh giá học viên GDTX trước đây",
}


def code_for(tt22_code: str) -> str:
    """GDTX-DG-NNN for TT22-NNN."""
    return "GDTX-DG-" + tt22_code.split("-")[-1]


def _learner(text: str) -> str:
    """'học sinh' -> 'học viên', keeping the award names (Học sinh Xuất sắc, Học sinh Giỏi)."""
    text = re.sub(r"Học sinh(?! (?:Xuất sắc|Giỏi))", "Học viên", text)
    return text.replace("học sinh", "học viên")


def _special(text: str) -> str:
    for old, new in _SPECIAL_001.items():
        text = text.replace(old, new)
    return text


def _sql(text: str) -> str:
    return text.replace("('TT22')", "('GDTX')").replace("pack = 'TT22'", "pack = 'GDTX'")


def gdtx_rule(rule: dict) -> dict:
    out = copy.deepcopy(rule)
    out["code"] = code_for(rule["code"])
    out["severity"] = "cảnh báo"
    out["levels"] = ["GDTX"]
    out["title_vi"] = _learner(_special(rule["title_vi"])) + TITLE_SUFFIX_VI
    out["title_en"] = rule["title_en"] + TITLE_SUFFIX_EN
    out["message"] = MESSAGE_PREFIX + _learner(_special(" ".join(rule["message"].split())))
    out["fix"] = [_learner(_special(step)) for step in rule["fix"]]
    if rule["code"] == "TT22-001":
        out["legal_basis"] = (
            "Quy định đánh giá học viên GDTX chưa xác nhận (domain.md §1.12); "
            "QĐ 02/2007/QĐ-BGDĐT (quy định cũ)")
    else:
        out["legal_basis"] = LEGAL_PREFIX + rule["legal_basis"]
    out["sql"] = _sql(rule["sql"])
    out["denominator_sql"] = _sql(rule["denominator_sql"])
    return out


def gdtx_pack(tt22_doc: dict) -> dict:
    return {"catalogue_version": tt22_doc["catalogue_version"],
            "rules": [gdtx_rule(r) for r in tt22_doc["rules"]]}


def gdtx_fixture(doc: dict) -> dict:
    """A TT 22 fixture turned into the GDTX rule's fixture: GDTX schools, same rows."""
    out = copy.deepcopy(doc)
    out["rule"] = code_for(doc["rule"])

    def school(s: dict) -> dict:
        return {**s, "level": "GDTX",
                "school_name": "Trung tâm GDNN-GDTX Thử Nghiệm"}

    if "schools" in out:
        out["schools"] = [school(s) for s in out["schools"]]
    for case in out["cases"]:
        if "schools" in case:
            case["schools"] = [school(s) for s in case["schools"]]
    return out


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(doc: dict) -> str:
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def expected_files() -> dict[Path, str]:
    tt22 = yaml.safe_load(TT22.read_text(encoding="utf-8"))
    files = {GDTX: HEADER + dump(gdtx_pack(tt22))}
    for rule in tt22["rules"]:
        src = FIXTURES / f"{rule['code']}.yaml"
        if src.exists():
            doc = yaml.safe_load(src.read_text(encoding="utf-8"))
            head = (f"# GENERATED from {src.name} by tests/test_rules_grading_gdtx.py (the same cases "
                    f"for a GDTX centre).\n")
            files[FIXTURES / f"{code_for(rule['code'])}.yaml"] = head + dump(gdtx_fixture(doc))
    return files


def test_gdtx_pack_and_fixtures_are_derived_from_the_tt22_pack() -> None:
    stale = []
    for path, text in expected_files().items():
        if not path.exists() or yaml.safe_load(path.read_text(encoding="utf-8")) != yaml.safe_load(text):
            stale.append(str(path.relative_to(ROOT)))
    assert not stale, ("out of date, run `.venv/bin/python tests/test_rules_grading_gdtx.py "
                       "--write`: " + ", ".join(stale))


def test_every_gdtx_title_and_message_says_the_regulation_is_unconfirmed() -> None:
    doc = yaml.safe_load(GDTX.read_text(encoding="utf-8"))
    assert len(doc["rules"]) == len(yaml.safe_load(TT22.read_text(encoding="utf-8"))["rules"])
    for rule in doc["rules"]:
        assert MARK_VI in rule["title_vi"] and MARK_VI in rule["message"], rule["code"]
        assert rule["levels"] == ["GDTX"] and rule["severity"] == "cảnh báo"
        assert "'TT22'" not in rule["sql"] + rule["denominator_sql"], rule["code"]
        assert "học sinh" not in rule["message"], rule["code"]


if __name__ == "__main__":
    if "--write" in sys.argv:
        for path, text in expected_files().items():
            path.write_text(text, encoding="utf-8")
            print("wrote", path.relative_to(ROOT))
