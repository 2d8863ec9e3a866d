"""Text cleaning and match keys: the 'text'/'name' kinds, fold_key, name_key, canonical_tone."""

from __future__ import annotations

import unicodedata

import pytest

from hocba_audit.normalize import (
    canonical_tone,
    did_you_mean,
    fold_key,
    name_key,
    normalize_value,
)


def _codes(result):
    return [n.code for n in result.notes]


# ---- text ---------------------------------------------------------------------------------


def test_text_is_trimmed_without_a_note_for_a_plain_trim():
    r = normalize_value("text", "  Hải Phòng  ")
    assert r.value == "Hải Phòng"
    assert r.notes == ()


@pytest.mark.parametrize(
    "raw",
    ["Hải\u00a0Phòng", "Hải  Phòng", "Hải\tPhòng", "Hải\nPhòng", "Hải\u202fPhòng"],
)
def test_text_folds_odd_spaces_into_one_space_with_a_note(raw):
    r = normalize_value("text", raw)
    assert r.value == "Hải Phòng"
    assert _codes(r) == ["whitespace_cleaned"]


def test_text_drops_zero_width_characters_with_a_note():
    r = normalize_value("text", "Ngu\u200byễn\ufeff")
    assert r.value == "Nguyễn"
    assert _codes(r) == ["whitespace_cleaned"]


def test_text_keeps_trailing_dots():
    assert normalize_value("text", "Nguyễn Văn An.").value == "Nguyễn Văn An."


def test_text_in_nfd_is_returned_in_nfc_with_a_note():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    r = normalize_value("text", nfd)
    assert r.value == "Nguyễn Thị Hoà"
    assert unicodedata.is_normalized("NFC", r.value)
    assert _codes(r) == ["nfd_normalized"]


def test_text_without_combining_marks_gets_no_nfd_note():
    assert normalize_value("text", "Nguyen Van An").notes == ()


def test_blank_text_and_none_are_none():
    for kind in ("text", "name"):
        assert normalize_value(kind, "   ").value is None
        assert normalize_value(kind, None).value is None
        assert normalize_value(kind, "\u00a0\t").error is None


def test_name_kind_returns_the_cleaned_name():
    r = normalize_value("name", " NGUYỄN  Văn An ")
    assert r.value == "NGUYỄN Văn An"
    assert _codes(r) == ["whitespace_cleaned"]


# ---- fold_key -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Mã định danh Bộ GD&ĐT", "ma dinh danh bo gd dt"),
        ("  Họ và tên  ", "ho va ten"),
        ("NGÀY SINH", "ngay sinh"),
        ("Ðạt", "dat"),  # U+00D0, the lookalike of Đ
        ("đạt", "dat"),
        ("HĐTN - HN", "hdtn hn"),
        ("Ngày-sinh (dd/mm/yyyy)", "ngay sinh dd mm yyyy"),
        ("Khối_6", "khoi 6"),
    ],
)
def test_fold_key_lowers_strips_diacritics_and_punctuation(raw, key):
    assert fold_key(raw) == key


def test_fold_key_is_the_same_for_nfc_and_nfd():
    assert fold_key(unicodedata.normalize("NFD", "Trường")) == fold_key("Trường") == "truong"


# ---- canonical_tone and name_key ----------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [("hòa", "hoà"), ("thúy", "thuý"), ("khỏe", "khoẻ"), ("thủy", "thuỷ"), ("Hòa", "Hoà"),
     ("HÒA", "HOÀ"), ("qúy", "quý"), ("hóa", "hoá")],
)
def test_canonical_tone_puts_open_oa_oe_uy_tones_on_the_second_vowel(old, new):
    assert canonical_tone(old) == new
    assert canonical_tone(new) == new


@pytest.mark.parametrize(
    "word",
    ["hoàng", "toán", "quỳnh", "người", "được", "khuyến", "mùa", "cửa", "tài", "giữa", "gìn",
     "nguyễn", "rượu", "khuỷu", "hoài", "thuở", "quý", "yến", "việt", "chịu"],
)
def test_canonical_tone_leaves_correctly_placed_tones_alone(word):
    assert canonical_tone(word) == word


def test_canonical_tone_moves_misplaced_tones_in_closed_and_shaped_syllables():
    assert canonical_tone("hòang") == "hoàng"
    assert canonical_tone("ngừơi") == "người"
    assert canonical_tone("mưà") == "mừa"  # the shaped vowel carries the tone


def test_canonical_tone_leaves_foreign_words_alone():
    assert canonical_tone("José Müller") == "José Müller"


def test_name_key_is_equal_for_spellings_of_the_same_name():
    variants = [
        "Nguyễn Thị Hòa",
        "Nguyễn Thị Hoà",
        "NGUYỄN THỊ HOÀ",
        "  nguyễn   thị hòa ",
        unicodedata.normalize("NFD", "Nguyễn Thị Hòa"),
        "Nguyễn\u00a0Thị Hòa.",
    ]
    assert len({name_key(v) for v in variants}) == 1
    assert name_key(variants[0]) == "nguyễn thị hoà"


def test_name_key_folds_the_stroke_and_its_lookalike():
    expected = "dỗ dức dạt"
    assert name_key("Đỗ Đức Đạt") == name_key("Ðỗ Ðức Ðạt") == name_key("đỗ đức đạt") == expected


def test_name_key_canonicalises_thuy_khoe_and_quy():
    assert name_key("Thúy") == name_key("Thuý")
    assert name_key("Khỏe") == name_key("Khoẻ")
    assert name_key("Quỳ") == name_key("Qùy")


def test_name_key_keeps_real_diacritics_apart():
    assert name_key("Hùng") != name_key("Hưng")
    assert name_key("Lan") != name_key("Lân")
    assert name_key("Hoa") != name_key("Hoà")


def test_name_key_does_not_fold_i_and_y():
    assert name_key("Vy") != name_key("Vi")
    assert name_key("Quý") != name_key("Quí")


# ---- did_you_mean -------------------------------------------------------------------------


def test_did_you_mean_returns_the_closest_candidate_as_given():
    assert did_you_mean("Toan hoc", ["Toán", "Toán học", "Ngữ văn"]) == "Toán học"
    assert did_you_mean("Ngu van", ["Toán", "Ngữ văn"]) == "Ngữ văn"


def test_did_you_mean_returns_none_when_nothing_is_close():
    assert did_you_mean("Xyz", ["Toán", "Ngữ văn"]) is None
    assert did_you_mean("", ["Toán"]) is None


def test_did_you_mean_accepts_any_iterable():
    assert did_you_mean("csdl_ngnh", (p for p in ["csdl_nganh", "vnedu"])) == "csdl_nganh"
