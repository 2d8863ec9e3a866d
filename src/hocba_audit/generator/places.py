"""Illustrative reference data: Hải Phòng communes, birth-registration provinces, ethnic groups,
and the historical figures schools are named after.

The commune *names* follow the post-July-2025 units of Hải Phòng; the 5-digit *codes* are
illustrative, placed in the ranges of domain.md §4.4 (former Hải Dương 10507–11284, former
Hải Phòng 11311–11914, Bạch Long Vĩ 11948); only Phường Hải Dương 10525, Phường Chí Linh 10546,
Đặc khu Cát Hải 11914 and Đặc khu Bạch Long Vĩ 11948 are codes quoted in domain.md.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Commune:
    code: str
    kind: str  # Phường, Xã, Đặc khu
    name: str
    former: str  # 'HP' (former Hải Phòng) or 'HD' (former Hải Dương)

    @property
    def full(self) -> str:
        return f"{self.kind} {self.name}"


def _communes(former: str, rows: str) -> tuple[Commune, ...]:
    out = []
    for item in rows.split(";"):
        code, kind, name = (p.strip() for p in item.split("|"))
        out.append(Commune(code, kind, unicodedata.normalize("NFC", name), former))
    return tuple(out)


COMMUNES: tuple[Commune, ...] = _communes(
    "HD",
    "10525|Phường|Hải Dương; 10528|Phường|Lê Thanh Nghị; 10531|Phường|Việt Hòa;"
    "10534|Phường|Thành Đông; 10537|Phường|Nam Đồng; 10540|Phường|Tân Hưng;"
    "10546|Phường|Chí Linh; 10552|Phường|Chu Văn An; 10558|Phường|Nguyễn Trãi;"
    "10564|Phường|Trần Hưng Đạo; 10606|Phường|Kinh Môn; 10612|Phường|Nhị Chiểu;"
    "10672|Xã|Nam Sách; 10741|Xã|Thanh Hà; 10816|Xã|Cẩm Giàng; 10891|Xã|Bình Giang;"
    "10960|Xã|Gia Lộc; 11029|Xã|Tứ Kỳ; 11104|Xã|Ninh Giang; 11182|Xã|Thanh Miện;"
    "11245|Xã|Kim Thành",
) + _communes(
    "HP",
    "11311|Phường|Hồng Bàng; 11329|Phường|Ngô Quyền; 11335|Phường|Gia Viên;"
    "11359|Phường|Lê Chân; 11365|Phường|An Biên; 11383|Phường|Hải An;"
    "11389|Phường|Đông Hải; 11407|Phường|Kiến An; 11413|Phường|Phù Liễn;"
    "11425|Phường|Đồ Sơn; 11443|Phường|Dương Kinh; 11461|Phường|Thủy Nguyên;"
    "11479|Phường|Bạch Đằng; 11497|Phường|An Dương; 11503|Phường|An Hải;"
    "11539|Xã|An Lão; 11581|Xã|Kiến Thụy; 11629|Xã|Tiên Lãng; 11683|Xã|Vĩnh Bảo;"
    "11701|Xã|Nguyễn Bỉnh Khiêm; 11743|Xã|Việt Khê; 11914|Đặc khu|Cát Hải;"
    "11948|Đặc khu|Bạch Long Vĩ",
)

#: birth-registration province codes (CCCD prefix) → province name at the time of birth.
PROVINCES: dict[str, str] = {
    "031": "Hải Phòng", "030": "Hải Dương", "001": "Hà Nội", "022": "Quảng Ninh",
    "033": "Hưng Yên", "034": "Thái Bình", "036": "Nam Định", "027": "Bắc Ninh",
    "024": "Bắc Giang", "038": "Thanh Hoá", "040": "Nghệ An", "079": "TP Hồ Chí Minh",
}
OTHER_PROVINCES = tuple(k for k in PROVINCES if k not in ("030", "031"))

#: ethnic groups that occur in generated data: (code, weight); 01 Kinh dominates.
ETHNIC_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("01", 985.0), ("02", 3.0), ("03", 2.0), ("04", 2.5), ("06", 2.0), ("07", 2.0),
    ("09", 1.0), ("18", 1.5), ("15", 0.5), ("08", 0.5),
)

#: historical figures and places schools are named after.
SCHOOL_NAMES = tuple(
    unicodedata.normalize("NFC", n.strip())
    for n in (
        "Lê Chân, Ngô Quyền, Trần Phú, Nguyễn Trãi, Lê Quý Đôn, Chu Văn An, Nguyễn Bỉnh Khiêm, "
        "Trần Hưng Đạo, Lý Thường Kiệt, Bạch Đằng, Hai Bà Trưng, Lê Lợi, Quang Trung, Nguyễn Du, "
        "Tô Hiệu, Nguyễn Đức Cảnh, Lê Hồng Phong, Võ Thị Sáu, Kim Đồng, Nguyễn Văn Trỗi, "
        "Phan Bội Châu, Phan Chu Trinh, Nguyễn Khuyến, Hồng Bàng, Lạc Long Quân, Thái Phiên, "
        "Trần Quốc Toản, Lý Tự Trọng, Mạc Đĩnh Chi, Nguyễn Thị Minh Khai, Đinh Tiên Hoàng, "
        "Lê Thánh Tông, Tuệ Tĩnh, Phạm Ngũ Lão, Yết Kiêu, Hoàng Văn Thụ, Ngô Gia Tự, "
        "Lương Thế Vinh, Trần Nguyên Hãn, Nguyễn Trung Trực, Trần Nhân Tông, Lê Ích Mộc, "
        "Nguyễn Văn Cừ, Đồng Khởi, Lê Văn Thịnh, Vạn Hạnh, Văn Cao, Nguyễn Đình Chiểu, "
        "Hàn Thuyên, Lý Công Uẩn, Trần Khánh Dư, Phạm Sư Mạnh, Nguyễn Hiền, Mạc Đăng Dung, "
        "Trưng Vương, Quang Trung, An Dương Vương, Võ Nguyên Giáp, Hoàng Hoa Thám, Phạm Văn Đồng, "
        "Nguyễn Thái Học, Trần Quang Khải, Bùi Thị Xuân, Đoàn Thị Điểm, Nguyễn Huệ, Khúc Thừa Dụ"
    ).split(",")
)
SCHOOL_NAMES = tuple(dict.fromkeys(SCHOOL_NAMES))  # drop repeats, keep order

HOMETOWN_PROVINCES = (
    "Hải Phòng", "Hải Phòng", "Hải Phòng", "Hải Dương", "Hải Dương", "Thái Bình", "Hưng Yên",
    "Nam Định", "Quảng Ninh", "Hà Nội", "Bắc Ninh", "Thanh Hoá", "Nghệ An",
)
VILLAGE_WORDS = ("Thôn", "Tổ dân phố", "Khu", "Xóm")
STREETS = (
    "Lạch Tray", "Lê Lợi", "Tô Hiệu", "Trần Nguyên Hãn", "Điện Biên Phủ", "Hai Bà Trưng",
    "Nguyễn Lương Bằng", "Thanh Niên", "Quang Trung", "Trần Hưng Đạo", "Văn Cao", "Lê Thanh Nghị",
)
