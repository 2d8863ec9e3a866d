"""Closed vocabularies: sex, status, bool, enum, level, semester and grade kinds."""

from __future__ import annotations

import pytest

from hocba_audit.normalize import normalize_value

# ---- sex ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["Nam", "nam", "NAM", "M", "Male", "1", "1.0", "Trai"])
def test_sex_spellings_of_male_are_nam(raw):
    assert normalize_value("sex", raw).value == "Nam"


@pytest.mark.parametrize("raw", ["Nữ", "Nu", "NỮ", "nữ", "F", "Female", "2", "Gái"])
def test_sex_spellings_of_female_are_nu(raw):
    assert normalize_value("sex", raw).value == "Nữ"


def test_sex_zero_is_the_unknown_code():
    r = normalize_value("sex", "0")
    assert r.error == "sex_unknown"
    assert "'0'" in r.message


def test_sex_unreadable_is_invalid():
    assert normalize_value("sex", "X").error == "invalid_sex"


def test_sex_value_map_of_the_profile_overrides_the_defaults():
    params = {"value_map": {"0": "Nam", "1": "Nữ"}}
    assert normalize_value("sex", "0", params=params).value == "Nam"
    assert normalize_value("sex", "1", params=params).value == "Nữ"
    assert normalize_value("sex", "1.0", params=params).value == "Nữ"
    assert normalize_value("sex", "Nam", params=params).value == "Nam"


def test_value_map_keys_from_yaml_may_be_numbers_or_booleans():
    params = {"value_map": {0: "Nam", 1: "nu"}}
    assert normalize_value("sex", "1", params=params).value == "Nữ"


# ---- status -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status"),
    [("Đang học", "Đang học"), ("Dang hoc", "Đang học"), ("đang học", "Đang học"),
     ("Chuyển đi", "Chuyển đi"), ("Chuyển trường đi", "Chuyển đi"),
     ("Chuyển đến", "Chuyển đến"), ("chuyen den", "Chuyển đến"),
     ("Thôi học", "Thôi học"), ("Nghỉ học", "Thôi học"), ("Bỏ học", "Thôi học"),
     ("Bảo lưu", "Bảo lưu"), ("BAO LUU", "Bảo lưu")],
)
def test_status_variants_map_to_the_five_statuses(raw, status):
    assert normalize_value("status", raw).value == status


def test_status_unknown_is_an_error_with_did_you_mean():
    r = normalize_value("status", "Đang hocc")
    assert r.error == "unknown_status"
    assert "Có phải ý bạn là 'Đang học'?" in r.message


def test_status_value_map_can_add_vendor_codes():
    params = {"value_map": {"DH": "Đang học", "CD": "chuyen di"}}
    assert normalize_value("status", "dh", params=params).value == "Đang học"
    assert normalize_value("status", "CD", params=params).value == "Chuyển đi"


# ---- bool ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["Có", "có", "x", "X", "1", "true", "TRUE", "Yes", "Đã"])
def test_bool_true_spellings(raw):
    assert normalize_value("bool", raw).value is True


@pytest.mark.parametrize("raw", ["Không", "khong", "0", "false", "No", "Chưa"])
def test_bool_false_spellings(raw):
    assert normalize_value("bool", raw).value is False


def test_bool_blank_is_none():
    assert normalize_value("bool", "").value is None


def test_bool_unreadable_is_invalid():
    assert normalize_value("bool", "có lẽ").error == "invalid_bool"


def test_bool_value_map_targets_may_be_booleans_or_words():
    params = {"value_map": {"KT": True, "BT": "Không"}}
    assert normalize_value("bool", "KT", params=params).value is True
    assert normalize_value("bool", "BT", params=params).value is False


# ---- enum ---------------------------------------------------------------------------------


def test_enum_without_value_map_returns_cleaned_text():
    assert normalize_value("enum", "  Công  lập ").value == "Công lập"


def test_enum_matches_the_value_map_by_fold_key_and_its_targets_map_to_themselves():
    params = {"value_map": {"CL": "Công lập", "NCL": "Ngoài công lập"}}
    assert normalize_value("enum", "cl", params=params).value == "Công lập"
    assert normalize_value("enum", "CONG LAP", params=params).value == "Công lập"
    assert normalize_value("enum", "Ngoài công lập", params=params).value == "Ngoài công lập"


def test_enum_value_outside_the_map_is_an_error_with_did_you_mean():
    params = {"value_map": {"CL": "Công lập", "NCL": "Ngoài công lập"}}
    r = normalize_value("enum", "Cong lap.", params=params)
    assert r.value == "Công lập"  # punctuation is folded away
    r = normalize_value("enum", "Công lậpp", params=params)
    assert r.error == "unknown_enum_value"
    assert "Có phải ý bạn là 'Công lập'?" in r.message


# ---- level --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [("T", "T"), ("Tốt", "T"), ("Tot", "T"), ("K", "K"), ("Khá", "K"), ("Kha", "K"),
     ("Đ", "Đ"), ("D", "Đ"), ("Đạt", "Đ"), ("CĐ", "CĐ"), ("CD", "CĐ"), ("Chưa đạt", "CĐ"),
     ("H", "H"), ("Hoàn thành", "H"), ("C", "C"), ("Chưa hoàn thành", "C"),
     ("Cần cố gắng", "C"), ("HTXS", "HTXS"), ("Hoàn thành xuất sắc", "HTXS"), ("HTT", "HTT"),
     ("HT", "HT"), ("CHT", "CHT"), ("Hoàn thành tốt", "T")],
)
def test_level_codes_and_names_without_scope(raw, code):
    assert normalize_value("level", raw).value == code


def test_level_overall_scope_reads_tt27_names_as_year_results():
    params = {"scope": "overall"}
    assert normalize_value("level", "Hoàn thành", params=params).value == "HT"
    assert normalize_value("level", "Hoàn thành tốt", params=params).value == "HTT"
    assert normalize_value("level", "Chưa hoàn thành", params=params).value == "CHT"
    assert normalize_value("level", "T", params=params).error == "unknown_level"


def test_level_letter_c_depends_on_the_field_type():
    subject, quality = {"scope": "subject"}, {"scope": "quality"}
    assert normalize_value("level", "Chưa hoàn thành", params=subject).value == "C"
    assert normalize_value("level", "Cần cố gắng", params=quality).value == "C"
    assert normalize_value("level", "Cần cố gắng", params=subject).error == "unknown_level"
    assert normalize_value("level", "Chưa hoàn thành", params=quality).error == "unknown_level"
    assert normalize_value("level", "C", params=subject).value == "C"
    assert normalize_value("level", "C", params=quality).value == "C"


def test_level_scope_rejects_codes_of_another_field_type():
    r = normalize_value("level", "H", params={"scope": "quality"})
    assert r.error == "unknown_level"
    assert "T, Đ, C" in r.message
    assert normalize_value("level", "Đ", params={"scope": "subject"}).error == "unknown_level"
    assert normalize_value("level", "K", params={"scope": "tt22"}).value == "K"


def test_level_value_map_comes_first():
    params = {"value_map": {"G": "Tốt", "TB": "Đạt"}}
    assert normalize_value("level", "G", params=params).value == "T"
    assert normalize_value("level", "TB", params=params).value == "Đ"
    assert normalize_value("level", "K", params=params).value == "K"


def test_level_unknown_is_an_error():
    r = normalize_value("level", "Giỏi")
    assert r.error == "unknown_level"
    assert "'Giỏi'" in r.message


# ---- semester -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "semester"),
    [("1", 1), ("2", 2), ("1.0", 1), ("HK1", 1), ("HK 2", 2), ("HKI", 1), ("HKII", 2),
     ("Học kì I", 1), ("Học kỳ 2", 2), ("HỌC KỲ II", 2), ("I", 1), ("II", 2), ("Kì 1", 1)],
)
def test_semester_forms_are_read_as_1_or_2(raw, semester):
    assert normalize_value("semester", raw).value == semester


@pytest.mark.parametrize("raw", ["CN", "Cả năm", "cả năm học"])
def test_semester_whole_year_is_not_a_semester(raw):
    assert normalize_value("semester", raw).error == "not_a_semester"


@pytest.mark.parametrize("raw", ["3", "HK3", "III", "giữa kì"])
def test_semester_other_text_is_invalid(raw):
    assert normalize_value("semester", raw).error == "invalid_semester"


# ---- grade --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "grade"),
    [("6", 6), ("Khối 6", 6), ("Lớp 6", 6), ("6A1", 6), ("10.0", 10), ("10A2", 10),
     ("12CB", 12), ("1", 1), ("Khối 10", 10), ("6/1", 6)],
)
def test_grade_is_read_from_numbers_and_class_names(raw, grade):
    assert normalize_value("grade", raw).value == grade


@pytest.mark.parametrize("raw", ["0", "13", "Khối 15"])
def test_grade_outside_1_to_12_is_out_of_range(raw):
    assert normalize_value("grade", raw).error == "grade_out_of_range"


@pytest.mark.parametrize("raw", ["Khối", "A1", "6.5", "lớp sáu", "101"])
def test_grade_unreadable_is_invalid(raw):
    assert normalize_value("grade", raw).error == "invalid_grade"
