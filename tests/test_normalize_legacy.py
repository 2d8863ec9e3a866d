"""Legacy Vietnamese encodings: TCVN3, VNI-Windows, VIQR converters and mojibake detection."""

from __future__ import annotations

import itertools

import pytest

from hocba_audit.normalize import (
    detect_legacy,
    normalize_value,
    tcvn3_to_unicode,
    unicode_to_tcvn3,
    unicode_to_viqr,
    unicode_to_vni,
    viqr_to_unicode,
    vni_to_unicode,
)
from hocba_audit.normalize import tcvn3, vni

# Fifty common full names. No capital letter carries a tone mark here, because TCVN3 cannot
# store one (see test_tcvn3_capital_toned_letters_come_back_in_lower_case).
ROUND_TRIP_NAMES = [
    "Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Nam", "Phạm Minh Tuấn",
    "Hoàng Thị Thu Hà", "Vũ Đức Thắng", "Võ Thị Mỹ Duyên", "Đặng Quốc Bảo", "Bùi Thị Hương",
    "Đỗ Mạnh Hùng", "Hồ Ngọc Trâm", "Ngô Thanh Tùng", "Dương Thị Hồng Nhung", "Lý Thường Kiệt",
    "Đinh Công Tráng", "Trương Mỹ Linh", "Phan Thị Thuỳ Dương", "Tạ Quang Vũ",
    "Lương Thế Vinh", "Mai Phương Thảo", "Đoàn Văn Hậu", "Cao Thị Ngọc Diệp",
    "Lâm Khánh Chi", "Hà Thị Thuý Nga", "Tô Hoài Phong", "Châu Tuấn Kiệt", "Quách Thị Yến",
    "Trịnh Công Sơn", "Kiều Thị Loan", "Vương Đình Huệ", "Lục Văn Thượng", "Nông Thị Xuân",
    "Hứa Vĩnh Khang", "La Thị Quỳnh Như", "Thái Bảo Ngọc", "Khổng Minh Triết",
    "Giang Thị Kiều Oanh", "Mạc Đăng Dung", "Chu Văn Quyền", "Tăng Thị Huyền Trang",
    "Lưu Quang Vũ", "Diệp Bảo Châu", "Phùng Thị Thanh Tâm", "Nghiêm Xuân Trường",
    "Triệu Thị Khuyên", "Văn Thị Kiều Oanh", "Đàm Vĩnh Hưng", "Âu Dương Phong",
    "Ông Thị Ngọc Mai", "Ưng Hoàng Phúc",
]

_SURNAMES = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Mai", "Đoàn", "Tô", "Hà", "Lương", "Tạ",
]
_MIDDLES = [
    "Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hoàng", "Quốc", "Thu", "Hữu", "Xuân",
    "Phương", "Bảo", "Gia", "Khánh", "Tuấn", "Thuỳ", "Thuý", "Hồng", "Kim",
]
_GIVEN = [
    "An", "Anh", "Ánh", "Bình", "Châu", "Chi", "Cường", "Dũng", "Duyên", "Đạt", "Giang", "Hà",
    "Hải", "Hạnh", "Hiếu", "Hoà", "Hoà", "Hòa", "Huệ", "Hùng", "Hưng", "Huyền", "Khoa", "Khoẻ",
    "Lan", "Linh", "Loan", "Long", "Mai", "My", "Nam", "Nga", "Ngân", "Nhung", "Oanh",
    "Phúc", "Phượng", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thắng", "Thuỷ", "Thủy", "Tú",
    "Tuấn", "Uyên", "Việt", "Vy", "Xuân", "Yến", "Ý", "Ước", "Ấn", "Quý", "Quí", "Thúy",
]
#: 240 generated full names, cycling the lists above.
GENERATED_NAMES = [
    f"{s} {m} {g}"
    for s, m, g in itertools.islice(
        zip(itertools.cycle(_SURNAMES), itertools.cycle(_MIDDLES), itertools.cycle(_GIVEN)), 240
    )
]
# Names and places made only of Latin-1 letters: the hardest case, since every character is
# also a TCVN3 or VNI code point.
LATIN1_ONLY = [
    "Võ Tú", "Lý Tú Quân", "Châu Bá Tú", "Tô Hà", "Lê Hà", "Tô Châu", "Bình Tân", "Tân Phú",
    "Phú Yên", "Lê Tú Anh", "Mã Quý Tú", "Hà Tiên", "Tô Bá Thì", "Võ Thành Tâm", "Ngô Tú",
    "Tân Bình", "Vân Anh", "Hà Giang", "Hòa Bình", "Thái Hà", "Lê Văn", "Tú Anh",
]
ADDRESSES = [
    "Số 12, ngõ 34, phố Lê Lợi, phường Hồng Bàng, Hải Phòng",
    "Thôn Đông, xã An Lão, thành phố Hải Phòng",
    "Tổ 5, khu Đồng Hoà, phường Kiến An",
    "Xã Thanh Hà, tỉnh Hải Dương (cũ)",
    "Phường Chí Linh, thành phố Hải Phòng",
    "Đặc khu Cát Hải, thành phố Hải Phòng",
    "Đặc khu Bạch Long Vĩ",
    "Thị trấn Núi Đối, huyện Kiến Thuỵ",
    "Khu dân cư số 3, phường Lạch Tray, quận Ngô Quyền",
    "Bệnh viện Phụ sản Hải Phòng",
    "Trường THCS Chu Văn An, quận Ngô Quyền",
    "Trường Tiểu học Đằng Lâm",
    "Trường THPT Trần Phú",
    "Trung tâm GDNN-GDTX huyện Thuỷ Nguyên",
    "Xóm Trại, thôn Quỳnh Hoàng, xã Nam Sơn",
    "Ấp 3, xã Tân Phú, huyện Đức Hoà, Long An",
    "Bản Lướt, xã Mường Khương, Lào Cai",
    "Buôn Ma Thuột, Đắk Lắk",
    "Thừa Thiên Huế",
    "Bà Rịa – Vũng Tàu",
    "Nơi sinh: Trạm y tế xã Quảng Thanh",
    "Đường Nguyễn Văn Linh, Lê Chân",
    "Hẻm 45/12 đường Cách Mạng Tháng Tám",
    "Khối 6, lớp 6A1, năm học 2025-2026",
    "Ghi chú: chuyển trường – học kỳ II",
    "Giáo viên chủ nhiệm: cô Nguyễn Thị Hoà",
    "Dân tộc: Mông; tôn giáo: không",
    "Kinh",
    "Người nước ngoài",
    "Ê-đê",
    "Y Blê Êban",
    "Ksor H'Bia",
    "Niê Kdăm",
    "Rơ Châm Ly",
    "HOÀNG THỊ THU TRANG",
    "NGUYỄN VĂN ĐẠT",
    "Đạt", "Chưa đạt", "Miễn", "Hoàn thành tốt", "Cần cố gắng",
    "José Martí", "André", "Müller", "Café Sài Gòn", "Jürgen Müller",
]
ASCII_TEXTS = [
    "Nguyen Van An", "Tran Thi Bich Ngoc", "Le Hoang Nam", "So 12, ngo 34, pho Le Loi",
    "THCS Le Loi", "Lop 6A1", "Hoa.", "Nguyen Thi Hoa.", "Nhom mau O+", "A+", "Co phai khong?",
    "Ban la ai?", "O'Neil", "Addison", "Buddha", "hoa.nguyen@gmail.com", "Q.1, TP.HCM",
    "Ap 3, xa Tan Phu", "T.T. Hue", "Ha.Noi", "C++ co ban", "e-mail", "Ma so: 12345",
    "(Ghi chu)", "100%", "~5 km", "8.5", "031210000123", "2025-2026", "D", "CD", "H'Mong",
    "Y Ble Eban", "dd/mm/yyyy", "Tel: 0912.345.678", "A.B.C", "Mr. O'Brien",
]


@pytest.mark.parametrize("name", ROUND_TRIP_NAMES)
def test_tcvn3_round_trip_gives_back_the_name_and_is_detected(name):
    encoded = unicode_to_tcvn3(name)
    assert encoded != name
    assert all(ord(c) <= 0xFF for c in encoded)
    assert tcvn3_to_unicode(encoded) == name
    assert detect_legacy(encoded) == ("tcvn3", name)


@pytest.mark.parametrize("name", ROUND_TRIP_NAMES)
def test_vni_round_trip_gives_back_the_name_and_is_detected(name):
    encoded = unicode_to_vni(name)
    assert encoded != name
    assert all(ord(c) <= 0xFF for c in encoded)
    assert vni_to_unicode(encoded) == name
    assert detect_legacy(encoded) == ("vni", name)


@pytest.mark.parametrize("name", ROUND_TRIP_NAMES)
def test_viqr_round_trip_gives_back_the_name_and_is_detected(name):
    encoded = unicode_to_viqr(name)
    assert encoded.isascii()
    assert viqr_to_unicode(encoded) == name
    assert detect_legacy(encoded) == ("viqr", name)


@pytest.mark.parametrize("name", ROUND_TRIP_NAMES + GENERATED_NAMES + LATIN1_ONLY + ADDRESSES)
def test_detect_legacy_does_not_fire_on_unicode_vietnamese(name):
    assert detect_legacy(name) is None


@pytest.mark.parametrize("text", ASCII_TEXTS)
def test_detect_legacy_does_not_fire_on_ascii_text(text):
    assert detect_legacy(text) is None


def test_the_false_positive_corpus_has_more_than_200_entries():
    assert len(set(ROUND_TRIP_NAMES + GENERATED_NAMES + LATIN1_ONLY + ADDRESSES)) > 200


def test_domain_examples_of_tcvn3_convert_as_documented():
    assert tcvn3_to_unicode("B¶o Th¾ng") == "Bảo Thắng"
    # with the invisible soft hyphen (U+00AD = ư) that a real TCVN3 file has …
    assert tcvn3_to_unicode("M\xadêng Kh\xad¬ng") == "Mường Khương"
    # … and without it, as domain.md §7.1 prints the example
    assert tcvn3_to_unicode("Mêng Kh¬ng") == "Mường Khương"
    assert detect_legacy("Mêng Kh¬ng") == ("tcvn3", "Mường Khương")


def test_domain_example_of_vni_converts_as_documented():
    assert vni_to_unicode("Xin chaøo caùc baïn") == "Xin chào các bạn"
    assert detect_legacy("Xin chaøo caùc baïn") == ("vni", "Xin chào các bạn")


def test_viqr_example_converts_and_is_detected():
    assert viqr_to_unicode("Vie^.t Nam") == "Việt Nam"
    assert detect_legacy("Vie^.t Nam") == ("viqr", "Việt Nam")
    assert viqr_to_unicode("DDo^~ Thi. Hu+o+ng") == "Đỗ Thị Hương"


def test_viqr_backslash_keeps_a_mark_literal():
    assert viqr_to_unicode("Hoa\\.") == "Hoa."
    assert unicode_to_viqr("Hoa.") == "Hoa\\."


def test_tcvn3_layout_uses_74_code_points_in_the_upper_latin1_half():
    assert len(tcvn3.CODE_POINTS) == 74
    assert all(0xA1 <= ord(c) <= 0xFE for c in tcvn3.CODE_POINTS)
    assert len(set(tcvn3.DECODE.values())) == 74


def test_tcvn3_encodes_every_lower_case_vietnamese_letter_to_one_character():
    letters = "àảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵăâêôơưđ"
    for letter in letters:
        encoded = unicode_to_tcvn3(letter)
        assert len(encoded) == 1 and ord(encoded) <= 0xFF
        assert tcvn3_to_unicode(encoded) == letter
    # 'ý' is the one letter whose TCVN3 byte (0xFD) is the Latin-1 'ý' itself
    assert unicode_to_tcvn3("ý") == "ý"
    assert sum(unicode_to_tcvn3(c) == c for c in letters) == 1


def test_detect_legacy_stays_silent_when_the_text_reads_as_vietnamese_either_way():
    # Known misses: each encoded text below is itself well-formed Vietnamese, so a single
    # cell gives no evidence. Khúc Thừa Dụ in TCVN3, Giang Thị Kim Oanh in VNI and VIQR.
    assert unicode_to_tcvn3("Khúc Thừa Dụ") == "Khóc Thõa Dô"
    assert detect_legacy("Khóc Thõa Dô") is None
    assert unicode_to_vni("Giang Thị Kim Oanh") == "Giang Thò Kim Oanh"
    assert detect_legacy("Giang Thò Kim Oanh") is None
    # a VIQR dot at the end of a word looks like a full stop
    assert detect_legacy("Giang Thi. Kim Oanh") is None


def test_tcvn3_capital_toned_letters_come_back_in_lower_case():
    # .VnTimeH capitals share the lower-case code points: the case cannot be recovered
    assert unicode_to_tcvn3("Ánh") == unicode_to_tcvn3("ánh")
    assert tcvn3_to_unicode(unicode_to_tcvn3("Nguyễn Ngọc Ánh")) == "Nguyễn Ngọc ánh"
    assert tcvn3_to_unicode("NGUYÔN V¡N AN") == "NGUYễN VĂN AN"


def test_tcvn3_capital_shaped_letters_have_their_own_code_points():
    assert unicode_to_tcvn3("ĂÂÊÔƠƯĐ") == "\xa1\xa2\xa3\xa4\xa5\xa6\xa7"
    assert tcvn3_to_unicode("\xa1\xa2\xa3\xa4\xa5\xa6\xa7") == "ĂÂÊÔƠƯĐ"


def test_vni_round_trips_capital_toned_letters():
    for text in ("NGUYỄN VĂN ĐẠT", "Ấn Độ", "Ước Mơ", "ỲỶỸÝỴ ÌỈĨÍỊ", "Ánh"):
        assert vni_to_unicode(unicode_to_vni(text)) == text


def test_vni_writes_i_and_dotted_y_as_single_bytes():
    assert unicode_to_vni("ìỉĩíị") == "ìæóíò"
    assert unicode_to_vni("ỵ") == "î"
    assert unicode_to_vni("đĐ") == "ñÑ"
    assert unicode_to_vni("ơư") == "ôö"


def test_vni_code_points_are_all_upper_latin1():
    assert all(0xC0 <= ord(c) <= 0xFF for c in vni.CODE_POINTS)


def test_detect_legacy_recognises_all_caps_tcvn3_and_vni():
    assert detect_legacy(unicode_to_vni("NGUYỄN VĂN ĐẠT")) == ("vni", "NGUYỄN VĂN ĐẠT")
    assert detect_legacy("NGUYÔN V¡N AN") == ("tcvn3", "NGUYễN VĂN AN")


def test_detect_legacy_recognises_a_tcvn3_address():
    text = unicode_to_tcvn3("Số 5 đường Lê Lợi, quận Hồng Bàng, Hải Phòng")
    assert detect_legacy(text) == ("tcvn3", "Số 5 đường Lê Lợi, quận Hồng Bàng, Hải Phòng")


def test_detect_legacy_ignores_latin1_text_whose_conversion_is_not_vietnamese():
    assert detect_legacy("Jürgen Müller") is None
    assert detect_legacy("Straße") is None


def test_text_kind_keeps_mojibake_as_read_and_suggests_the_conversion():
    r = normalize_value("text", "B¶o Th¾ng")
    assert r.value == "B¶o Th¾ng"
    assert [n.code for n in r.notes] == ["mojibake_tcvn3"]
    assert r.notes[0].suggestion == "Bảo Thắng"
    assert "TCVN3" in r.notes[0].message


@pytest.mark.parametrize(
    ("raw", "code", "suggestion"),
    [
        ("Nguyeãn Vaên An", "mojibake_vni", "Nguyễn Văn An"),
        ("Nguye^~n Va(n An", "mojibake_viqr", "Nguyễn Văn An"),
        ("NguyÔn V¨n An", "mojibake_tcvn3", "Nguyễn Văn An"),
    ],
)
def test_name_kind_flags_each_legacy_encoding(raw, code, suggestion):
    r = normalize_value("name", raw)
    assert r.value == raw
    assert r.error is None
    assert [(n.code, n.suggestion) for n in r.notes] == [(code, suggestion)]


def test_a_lookup_kind_in_tcvn3_fails_but_suggests_the_conversion():
    r = normalize_value("ethnicity", unicode_to_tcvn3("Tày"))
    assert r.error == "unknown_ethnicity"
    assert [n.code for n in r.notes] == ["mojibake_tcvn3"]
    assert "'Tày'" in r.message
