"""Reference data (audits/reference/*.yaml) and the kinds built on it: ethnicity, subject, items."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from hocba_audit.normalize import (
    compact_key,
    ethnic_group_refs,
    ethnic_groups,
    normalize_value,
    primary_item_code,
    primary_items,
    province_codes,
    provinces,
    reference_dir,
    reload_reference,
    subject_name,
    subject_ref,
    subjects,
)

REFERENCE = Path(__file__).resolve().parents[1] / "audits" / "reference"

# ---- locating the files -------------------------------------------------------------------


def test_reference_dir_is_the_repository_audits_reference(monkeypatch):
    monkeypatch.delenv("HOCBA_AUDITS_DIR", raising=False)
    assert reference_dir() == REFERENCE


def test_reference_dir_can_be_moved_with_hocba_audits_dir(tmp_path, monkeypatch):
    shutil.copytree(REFERENCE, tmp_path / "reference")
    text = (tmp_path / "reference" / "ethnic_groups.yaml").read_text(encoding="utf-8")
    (tmp_path / "reference" / "ethnic_groups.yaml").write_text(
        text.replace('name: "Kinh"', 'name: "Kinh (test)"'), encoding="utf-8"
    )
    monkeypatch.setenv("HOCBA_AUDITS_DIR", str(tmp_path))
    reload_reference()
    try:
        assert reference_dir() == tmp_path / "reference"
        assert ethnic_groups()["01"] == "Kinh (test)"
    finally:
        monkeypatch.delenv("HOCBA_AUDITS_DIR")
        reload_reference()
    assert ethnic_groups()["01"] == "Kinh"


def test_a_missing_reference_dir_raises_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HOCBA_AUDITS_DIR", str(tmp_path))
    reload_reference()
    try:
        with pytest.raises(FileNotFoundError, match="HOCBA_AUDITS_DIR"):
            ethnic_groups()
    finally:
        monkeypatch.delenv("HOCBA_AUDITS_DIR")
        reload_reference()


def test_reference_files_carry_their_source_section_in_a_header_comment():
    for name, section in [("ethnic_groups", "§4.6"), ("provinces", "§4.1"),
                          ("subjects", "§1.10"), ("primary_items", "§2.3")]:
        head = (REFERENCE / f"{name}.yaml").read_text(encoding="utf-8").splitlines()[0:12]
        assert any(section in line for line in head if line.startswith("#")), name


# ---- ethnic groups ------------------------------------------------------------------------


def test_there_are_54_ethnic_groups_plus_foreigners():
    groups = ethnic_groups()
    assert list(groups) == [f"{i:02d}" for i in range(1, 56)]
    assert groups["01"] == "Kinh"
    assert groups["08"] == "Mông"
    assert groups["54"] == "Rơ-măm"
    assert groups["55"] == "Người nước ngoài"


def test_ethnic_names_and_aliases_have_distinct_loose_keys():
    owner: dict[str, str] = {}
    for g in ethnic_group_refs():
        for text in (g.name, *g.aliases):
            assert owner.setdefault(compact_key(text), g.code) == g.code, text


@pytest.mark.parametrize(
    ("raw", "code"),
    [("Kinh", "01"), ("KINH", "01"), ("Hmông", "08"), ("HMông", "08"), ("H'Mông", "08"),
     ("Mông", "08"), ("Ba na", "13"), ("Ba-na", "13"), ("Tà-ôi", "31"), ("Ta-ôi", "31"),
     ("Gié Triêng", "27"), ("Chu ru", "36"), ("La Chi", "38"), ("La Chí", "38"),
     ("Co Lao", "47"), ("Ơ Đu", "53"), ("Rơ măm", "54"), ("Pà Thẻn", "46"), ("Hoà", "04"),
     ("Hòa", "04"), ("Xơ-Đăng", "14"), ("Khơ me", "05"), ("Dân tộc Kinh", "01"),
     ("Người Tày", "02"), ("Người nước ngoài", "55"), ("Ê Đê", "12")],
)
def test_ethnicity_spelling_variants_map_to_the_code(raw, code):
    assert normalize_value("ethnicity", raw).value == code


@pytest.mark.parametrize(
    ("raw", "code"), [("1", "01"), ("01", "01"), ("1.0", "01"), ("54", "54"), ("55", "55")]
)
def test_ethnicity_codes_are_two_digit_strings(raw, code):
    assert normalize_value("ethnicity", raw).value == code


def test_every_official_name_and_alias_maps_to_its_own_code():
    for g in ethnic_group_refs():
        for text in (g.name, *g.aliases):
            assert normalize_value("ethnicity", text).value == g.code, text


@pytest.mark.parametrize("raw", ["0", "56", "99"])
def test_ethnicity_code_out_of_the_list_is_unknown(raw):
    assert normalize_value("ethnicity", raw).error == "unknown_ethnicity"


def test_ethnicity_unknown_name_suggests_the_official_name():
    r = normalize_value("ethnicity", "Mườngg")
    assert r.error == "unknown_ethnicity"
    assert "Có phải ý bạn là 'Mường'?" in r.message
    r = normalize_value("ethnicity", "Hmongg")
    assert "'Mông'" in r.message  # the alias matched, the official name is suggested


# ---- provinces ----------------------------------------------------------------------------


def test_province_codes_are_the_63_pre_2025_provinces():
    codes = province_codes()
    assert len(codes) == 63
    assert all(re.fullmatch(r"0\d\d", c) for c in codes)
    assert codes["001"] == "Hà Nội"
    assert codes["030"] == "Hải Dương"
    assert codes["031"] == "Hải Phòng"
    assert codes["079"] == "TP Hồ Chí Minh"


def test_province_codes_are_zero_plus_the_statistical_code_with_the_2025_successor():
    refs = {p.code: p for p in provinces()}
    assert all(p.code == "0" + p.statistical_code for p in refs.values())
    assert (refs["030"].since_2025, refs["030"].since_2025_code) == ("Hải Phòng", "31")
    assert (refs["024"].since_2025, refs["024"].since_2025_code) == ("Bắc Ninh", "24")
    assert len({p.since_2025_code for p in refs.values()}) == 34


# ---- subjects -----------------------------------------------------------------------------

THCS_THPT_CODES = {
    "NGU_VAN", "TOAN", "NGOAI_NGU_1", "GDCD", "LICH_SU_DIA_LI", "KHTN", "CONG_NGHE", "TIN_HOC",
    "GDTC", "NGHE_THUAT", "HDTN", "GDDP", "LICH_SU", "DIA_LI", "GDKTPL", "VAT_LI", "HOA_HOC",
    "SINH_HOC", "GDQPAN", "AM_NHAC", "MI_THUAT", "TIENG_DTTS", "NGOAI_NGU_2",
}
PRIMARY_CODES = {
    "TIENG_VIET", "TOAN", "NGOAI_NGU_1", "DAO_DUC", "TNXH", "LICH_SU_DIA_LI", "KHOA_HOC",
    "TIN_HOC_CONG_NGHE", "GDTC", "AM_NHAC", "MI_THUAT", "HDTN", "TIENG_DTTS",
}


def test_subjects_cover_the_required_codes_per_level():
    by_level: dict[str, set[str]] = {}
    for s in subjects():
        for level in s.levels:
            by_level.setdefault(level, set()).add(s.code)
    assert by_level["TH"] == PRIMARY_CODES
    assert by_level["THCS"] | by_level["THPT"] == THCS_THPT_CODES
    assert {s.code for s in subjects()} == THCS_THPT_CODES | PRIMARY_CODES


def test_subject_levels_teach_only_their_own_grades():
    spans = {"TH": range(1, 6), "THCS": range(6, 10), "THPT": range(10, 13), "GDTX": range(6, 13)}
    for s in subjects():
        for name, level in s.levels.items():
            assert set(level.grades) <= set(spans[name]), (s.code, name)
            assert level.mode in ("điểm", "nhận xét"), (s.code, name)
            assert set(level.periods) == set(level.grades), (s.code, name)


def test_subject_periods_follow_domain_md_including_the_open_choices():
    assert subject_ref("TOAN").levels["THCS"].periods[6] == 140
    assert subject_ref("CONG_NGHE").levels["THCS"].periods == {6: 35, 7: 35, 8: 52, 9: 52}
    assert subject_ref("LICH_SU").levels["THPT"].periods[10] == 52
    assert subject_ref("GDQPAN").levels["THPT"].periods[12] == 35
    assert subject_ref("GDTC").levels["THCS"].mode == "nhận xét"


def test_uncertain_numbers_are_marked_as_open_questions_in_the_yaml():
    lines = (REFERENCE / "subjects.yaml").read_text(encoding="utf-8").splitlines()
    for needle in ("{6: 35, 7: 35, 8: 52, 9: 52}", "periods: 52"):
        i = next(i for i, line in enumerate(lines) if needle in line)
        nearby = " ".join(lines[max(0, i - 1): i + 1])
        assert "open question, domain.md §8.4" in nearby, needle


def test_primary_periodic_tests_follow_tt27():
    tv = subject_ref("TIENG_VIET").levels["TH"].periodic_tests
    assert tv[3] == ("cuoi_hk1", "cuoi_nam")
    assert tv[4] == ("giua_hk1", "cuoi_hk1", "giua_hk2", "cuoi_nam")
    assert subject_ref("TOAN").levels["TH"].periodic_tests[5] == tv[5]
    for code in ("NGOAI_NGU_1", "LICH_SU_DIA_LI", "KHOA_HOC", "TIN_HOC_CONG_NGHE"):
        tests = subject_ref(code).levels["TH"].periodic_tests
        assert tests and all(t == ("cuoi_hk1", "cuoi_nam") for t in tests.values()), code
    for code in ("DAO_DUC", "TNXH", "GDTC", "AM_NHAC", "MI_THUAT", "HDTN"):
        assert subject_ref(code).levels["TH"].periodic_tests == {}, code


def test_subject_level_for_a_grade_finds_the_day_school_level():
    assert subject_ref("TOAN").level_for(4).level == "TH"
    assert subject_ref("TOAN").level_for(11).level == "THPT"
    assert subject_ref("TNXH").level_for(4) is None


def test_subject_name_gives_the_vietnamese_name():
    assert subject_name("GDQPAN") == "Giáo dục quốc phòng và an ninh"
    assert subject_name("TIN_HOC_CONG_NGHE") == "Tin học và Công nghệ"
    with pytest.raises(KeyError):
        subject_name("NOPE")


@pytest.mark.parametrize(
    ("raw", "code"),
    [("Toán", "TOAN"), ("Toán học", "TOAN"), ("TOÁN", "TOAN"),
     ("Ngoại ngữ 1 (Tiếng Anh)", "NGOAI_NGU_1"),
     ("Tiếng Anh", "NGOAI_NGU_1"), ("GDCD", "GDCD"), ("Giáo dục công dân", "GDCD"),
     ("HĐTN - HN", "HDTN"), ("Hoạt động trải nghiệm, hướng nghiệp", "HDTN"), ("GDQP&AN", "GDQPAN"),
     ("GDQP", "GDQPAN"), ("TN-XH", "TNXH"), ("Mĩ thuật", "MI_THUAT"), ("Mỹ thuật", "MI_THUAT"),
     ("Nghệ thuật (Âm nhạc)", "AM_NHAC"), ("Nghệ thuật (Mỹ thuật)", "MI_THUAT"),
     ("Vật Lý", "VAT_LI"), ("Vật lí", "VAT_LI"), ("Địa Lý", "DIA_LI"), ("Địa lí", "DIA_LI"),
     ("Giáo dục địa phương", "GDDP"), ("Hóa học", "HOA_HOC"), ("Hoá học", "HOA_HOC"),
     ("Môn Toán", "TOAN"), ("GDKT&PL", "GDKTPL"), ("Tin học", "TIN_HOC"),
     ("  ngữ   văn ", "NGU_VAN")],
)
def test_subject_names_and_aliases_map_to_canonical_codes(raw, code):
    r = normalize_value("subject", raw)
    assert (r.value, r.notes, r.error) == (code, (), None)


def test_every_subject_code_name_and_alias_maps_to_its_own_code():
    for s in subjects():
        for text in (s.code, s.name, *s.aliases):
            assert normalize_value("subject", text).value == s.code, text


@pytest.mark.parametrize(
    ("raw", "code", "part"),
    [("Tin học và Công nghệ (Tin học)", "TIN_HOC_CONG_NGHE", "Tin học"),
     ("TIN HỌC VÀ CÔNG NGHỆ (TIN HỌC)", "TIN_HOC_CONG_NGHE", "Tin học"),
     ("Tin học và Công nghệ (Công nghệ)", "TIN_HOC_CONG_NGHE", "Công nghệ"),
     ("Lịch sử và Địa Lý (Địa lý)", "LICH_SU_DIA_LI", "Địa lí"),
     ("Lịch sử và Địa lí (Lịch sử)", "LICH_SU_DIA_LI", "Lịch sử"),
     ("KHTN (Lý)", "KHTN", "Vật lí")],
)
def test_subject_component_columns_load_under_the_parent_with_a_note(raw, code, part):
    r = normalize_value("subject", raw)
    assert r.value == code
    assert [(n.code, n.suggestion) for n in r.notes] == [("subject_component", part)]


def test_subject_with_an_unknown_qualifier_loads_the_outer_subject_with_a_note():
    r = normalize_value("subject", "Toán (Đại số)")
    assert r.value == "TOAN"
    assert [n.code for n in r.notes] == ["subject_qualifier_ignored"]


def test_subject_unknown_is_an_error_with_did_you_mean():
    r = normalize_value("subject", "Toan hok")
    assert r.error == "unknown_subject"
    assert "Có phải ý bạn là 'Toán học'?" in r.message
    assert normalize_value("subject", "Thiên văn").error == "unknown_subject"


# ---- primary items ------------------------------------------------------------------------


def test_primary_items_are_5_qualities_3_general_and_7_specific_competences():
    groups: dict[str, list[str]] = {}
    for item in primary_items():
        groups.setdefault(item.group, []).append(item.code)
    assert groups["pham_chat"] == ["YEU_NUOC", "NHAN_AI", "CHAM_CHI", "TRUNG_THUC", "TRACH_NHIEM"]
    assert groups["nang_luc_chung"] == ["TU_CHU_TU_HOC", "GIAO_TIEP_HOP_TAC", "GQVD_SANG_TAO"]
    assert groups["nang_luc_dac_thu"] == [
        "NGON_NGU", "TINH_TOAN", "KHOA_HOC", "CONG_NGHE", "TIN_HOC", "THAM_MI", "THE_CHAT"
    ]


def test_primary_technology_and_informatics_competences_start_in_grade_3():
    grades = {i.code: i.grades for i in primary_items()}
    assert grades["CONG_NGHE"] == grades["TIN_HOC"] == (3, 4, 5)
    assert grades["NGON_NGU"] == (1, 2, 3, 4, 5)


@pytest.mark.parametrize(
    ("raw", "code"),
    [("Yêu nước", "YEU_NUOC"), ("YÊU NƯỚC", "YEU_NUOC"), ("Phẩm chất Trung thực", "TRUNG_THUC"),
     ("Tự chủ và tự học", "TU_CHU_TU_HOC"), ("Giải quyết vấn đề và sáng tạo", "GQVD_SANG_TAO"),
     ("Thẩm mỹ", "THAM_MI"), ("Thẩm mĩ", "THAM_MI"), ("Năng lực Ngôn ngữ", "NGON_NGU"),
     ("TINH_TOAN", "TINH_TOAN"), ("Khoa học", "KHOA_HOC")],
)
def test_primary_item_code_reads_names_aliases_and_codes(raw, code):
    assert primary_item_code(raw).value == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [("Tiếng Việt", "TIENG_VIET"), ("Toán", "TOAN"), ("TN-XH", "TNXH"), ("Đạo đức", "DAO_DUC"),
     ("Nghệ thuật (Âm nhạc)", "AM_NHAC"), ("Tin học và Công nghệ", "TIN_HOC_CONG_NGHE")],
)
def test_primary_item_code_also_reads_primary_subjects(raw, code):
    assert primary_item_code(raw).value == code
    assert normalize_value("item", raw).value == code


def test_primary_item_code_keeps_the_subject_part_note():
    r = primary_item_code("TH-CN (Tin học)")
    assert r.value == "TIN_HOC_CONG_NGHE"
    assert [n.code for n in r.notes] == ["subject_component"]


def test_primary_item_code_unknown_is_an_error_with_did_you_mean():
    r = primary_item_code("Yêu nướcc")
    assert r.error == "unknown_primary_item"
    assert "Có phải ý bạn là 'Yêu nước'?" in r.message
    assert primary_item_code("  ").value is None
    assert primary_item_code(None).error is None
