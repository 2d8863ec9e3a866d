"""Vietnamese personal names: weighted family names, middle names and given names by sex.

Names use the "new" tone placement (Hòa, Thủy) consistently; :func:`old_style_tone` gives the
"old" placement (Hoà, Thuỷ) used by the NAME_DUPLICATE_PUPIL trap (domain.md §7.2).
"""

from __future__ import annotations

import random
import unicodedata
from itertools import accumulate


def _nfc(words: str) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", w.strip()) for w in words.split(",") if w.strip())


_SURNAMES = (
    ("Nguyễn", 31), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Vũ", 4.5),
    ("Bùi", 3), ("Đỗ", 2.6), ("Phan", 2.2), ("Đặng", 2), ("Ngô", 1.5), ("Dương", 1.2),
    ("Đinh", 1), ("Đào", 1), ("Đoàn", 0.8), ("Trương", 0.8), ("Mai", 0.6), ("Cao", 0.6),
    ("Hà", 0.6), ("Lương", 0.5), ("Hồ", 0.5), ("Huỳnh", 0.4), ("Võ", 0.4), ("Lý", 0.4),
    ("Lưu", 0.4), ("Tô", 0.3), ("Chu", 0.3), ("Vương", 0.3), ("Tạ", 0.3), ("Phí", 0.25),
    ("Nhữ", 0.15), ("Khúc", 0.15), ("Mạc", 0.2), ("Lại", 0.2), ("Kiều", 0.2), ("Quách", 0.2),
    ("Tăng", 0.15), ("Triệu", 0.2), ("Thân", 0.1), ("Văn", 0.1),
)
SURNAMES = tuple(unicodedata.normalize("NFC", s) for s, _ in _SURNAMES)
_SURNAME_CUM = tuple(accumulate(w for _, w in _SURNAMES))

MIDDLE_MALE = _nfc(
    "Văn, Văn, Minh, Minh, Đức, Đức, Quang, Gia, Gia, Bảo, Hoàng, Hữu, Tuấn, Anh, Đăng, "
    "Thành, Trung, Quốc, Duy, Nhật, Hải, Tiến, Xuân, Ngọc, Khánh, Phúc, Thiên, Công, Mạnh, "
    "Việt, Đình, Trọng"
)
MIDDLE_FEMALE = _nfc(
    "Thị, Thị, Thị, Ngọc, Ngọc, Thu, Minh, Bảo, Khánh, Hà, Phương, Thanh, Mai, Diệu, Hoài, Gia, "
    "Kim, Thảo, Bích, Hồng, Tuệ, An, Quỳnh, Lan, Hải, Như, Tường, Bảo, Thùy, Yến, Cẩm, Hoàng"
)
MIDDLE_MALE_OLD = _nfc("Văn, Văn, Văn, Đức, Minh, Hữu, Quang, Xuân, Đình, Ngọc, Thanh, Trọng")
MIDDLE_FEMALE_OLD = _nfc("Thị, Thị, Thị, Thị, Thu, Thanh, Ngọc, Minh, Kim, Hồng")

GIVEN_MALE = _nfc(
    "An, Anh, Bách, Bảo, Bình, Cường, Công, Chiến, Dũng, Duy, Dương, Đạt, Đức, Đăng, Định, Giang, "
    "Hải, Hào, Hiếu, Hiển, Hoàng, Hòa, Huy, Hùng, Hưng, Hưởng, Hậu, Hiệp, Khang, Khánh, Khoa, "
    "Khôi, Kiên, Kiệt, Lâm, Long, Lộc, Luân, Lực, Mạnh, Minh, Nam, Nghĩa, Nguyên, Nhân, Nhật, "
    "Ninh, Phong, Phúc, Phú, Phát, Quân, Quang, Quốc, Quý, Sang, Sơn, Tài, Tân, Thái, Thắng, "
    "Thành, Thịnh, Thiện, Thông, Tiến, Tín, Toàn, Trí, Triết, Trọng, Trung, Trường, Tuấn, Tùng, "
    "Tú, Uy, Văn, Việt, Vinh, Vĩnh, Vũ, Vương, Hoan, Đông, Kỳ, Huân, Thuận, Bắc, Hiền, Khải, "
    "Khiêm, Lân, Lợi, Luật, Nhất, Phước, Sỹ, Tâm, Thọ, Thuần, Tiệp, Toản, Tuệ, Tường, Đại, Đoàn"
)
GIVEN_FEMALE = _nfc(
    "An, Anh, Ánh, Bích, Châu, Chi, Dung, Diệp, Diệu, Duyên, Giang, Hà, Hân, Hằng, Hạnh, Hiền, "
    "Hoa, Hòa, Hồng, Huệ, Hương, Hường, Huyền, Khánh, Khuê, Lam, Lan, Liên, Linh, Loan, Ly, Mai, "
    "Minh, My, Mỹ, Nga, Ngân, Ngọc, Nguyệt, Nhàn, Nhi, Nhung, Như, Oanh, Phương, Phượng, Quế, "
    "Quyên, Quỳnh, Tâm, Thanh, Thảo, Thắm, Thơ, Thư, Thương, Thùy, Thủy, Thúy, Tiên, Trà, Trang, "
    "Trâm, Trinh, Tú, Tuyết, Uyên, Vân, Vi, Vy, Xuân, Yến, Hậu, Ngà, Giao, Hạ, Kiều, Lệ, Loan, "
    "Lụa, Mận, Na, Nhạn, Nương, Sen, Thoa, Thuận, Thục, Trúc, Tuyền, Vinh, Đào, Điệp, Gấm, Hảo"
)


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]


def full_name(rng: random.Random, sex: str, family: str | None = None, older: bool = False) -> str:
    """A full name for a person of sex 'Nam' or 'Nữ' (``older`` = parents' and teachers' style)."""
    fam = family or surname(rng)
    if sex == "Nam":
        mid = rng.choice(MIDDLE_MALE_OLD if older else MIDDLE_MALE)
        given = rng.choice(GIVEN_MALE)
    else:
        mid = rng.choice(MIDDLE_FEMALE_OLD if older else MIDDLE_FEMALE)
        given = rng.choice(GIVEN_FEMALE)
    if mid == given:
        mid = "Văn" if sex == "Nam" else "Thị"
    if sex == "Nữ" and not older and rng.random() < 0.15:  # a four-part name: Nguyễn Ngọc Bảo Anh
        extra = rng.choice(MIDDLE_FEMALE[3:])
        if extra not in (mid, given):
            return f"{fam} {mid} {extra} {given}"
    return f"{fam} {mid} {given}"


# new-style → old-style tone placement on open syllables ending in oa/oe/uy (not after 'q')
_NEW_OLD = {
    "òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ",
    "òe": "oè", "óe": "oé", "ỏe": "oẻ", "õe": "oẽ", "ọe": "oẹ",
    "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ",
}


def old_style_tone(name: str) -> str:
    """The same name with old-style tone placement where a syllable allows it (Hòa → Hoà)."""
    out = []
    for word in name.split(" "):
        low = word.lower()
        tail = low[-2:]
        if tail in _NEW_OLD and not low.endswith("q" + tail) and not low[:-2].endswith("q"):
            repl = _NEW_OLD[tail]
            if word[-2].isupper():
                repl = repl[0].upper() + repl[1:]
            word = word[:-2] + repl
        out.append(word)
    return unicodedata.normalize("NFC", " ".join(out))
