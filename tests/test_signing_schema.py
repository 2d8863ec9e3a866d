"""Provisional schema, XML-to-model mapping and record builder (issue 4)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from hocba_audit.signing.mapping import MappingError, extract_rows, load_mapping
from hocba_audit.signing.record import HB, build_record, to_bytes
from hocba_audit.signing.roster import build_schools, pupil_record
from hocba_audit.signing.schema import default_schema_path, validate


def records():
    rng = random.Random(7)
    out = []
    for school in build_schools(rng, 4):  # TH, THCS, THPT, GDTX
        out.append(pupil_record(rng, school, school.classes[0], 1))
    return out


def test_signing_schema_is_labelled_provisional():
    text = default_schema_path().read_text(encoding="utf-8")
    assert "PROVISIONAL" in text and "QĐ 3016" in text


@pytest.mark.parametrize("rec", records(), ids=lambda r: r["level"])
def test_signing_built_records_are_schema_valid_for_every_level_family(rec):
    assert validate(to_bytes(build_record(rec))) == []


@pytest.mark.parametrize("rec", records(), ids=lambda r: r["level"])
def test_signing_mapping_reads_back_the_rows_the_record_was_built_from(rec):
    root = build_record(rec)
    mapping = load_mapping()
    rows = extract_rows(root.find(mapping.block_tag), mapping)
    assert rows["pupils"][0]["personal_id"] == rec["pupil"]["personal_id"]
    assert rows["pupils"][0]["birth_date"] == rec["pupil"]["birth_date"]
    assert rows["schools"][0]["tax_code"] == rec["school"]["tax_code"]
    assert rows["classes"][0]["homeroom_teacher_code"] == rec["class"]["homeroom_teacher_code"]
    if rec["level"] == "TH":
        got = {(r["item_kind"], r["item_code"], r["checkpoint"]): (r["level"], r["test_score"])
               for r in rows["primary_evaluations"]}
        want = {(r["item_kind"], r["item_code"], r["checkpoint"]): (r["level"], r.get("test_score"))
                for r in rec["primary_evaluations"]}
        assert got == want
        assert rows["primary_results"][0]["completed_grade"] is True
    else:
        got = {(r["subject_code"], r["period"]): (r["average"], r["level"]) for r in rows["subject_results"]}
        want = {(r["subject_code"], r["period"]): (r.get("average"), r.get("level")) for r in rec["subject_results"]}
        assert got == want
        assert rows["year_results"][0]["decision"] == rec["year_result"]["decision"]
        assert all(r["school_year"] == "2024-2025" and r["pupil_code"] for r in rows["subject_results"])


def test_signing_schema_problems_are_readable_and_located():
    rec = records()[1]
    rec["subject_results"][0] = {**rec["subject_results"][0], "average": Decimal("11.5")}
    rec["pupil"] = {**rec["pupil"], "sex": "Khác"}
    problems = validate(to_bytes(build_record(rec)))
    reasons = {p.path: p for p in problems}
    assert "/HocBa/DLHocBa/HocSinh/GioiTinh" in reasons
    assert any(p.path.endswith("/MonHoc[1]/KetQua[1]/DiemTB") and "10" in p.reason for p in problems)
    assert all(p.line and "{" not in p.reason and "&#" not in p.reason for p in problems)


def test_signing_missing_element_is_reported_on_its_parent():
    root = build_record(records()[1])
    hs = root.find(f"{HB}DLHocBa/{HB}HocSinh")
    hs.remove(hs.find(HB + "HoTen"))
    [problem] = validate(to_bytes(root))
    assert problem.path == "/HocBa/DLHocBa/HocSinh" and "HoTen" in problem.reason


def test_signing_mapping_rejects_unknown_columns(tmp_path):
    text = load_mapping().path.read_text(encoding="utf-8").replace("tax_code: hb:MST", "tax_kode: hb:MST")
    bad = tmp_path / "mapping-x.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match="tax_kode"):
        load_mapping(bad)


def test_signing_mapping_drives_the_verifier_profile():
    m = load_mapping()
    assert m.roles == ("GVCN", "HT", "DonVi") and m.block_tag == HB + "DLHocBa"
    assert m.signing_time_zone.utcoffset(None) == dt.timedelta(hours=7)
