"""Build the XML of one học bạ record (a pupil in a school year) from canonical rows.

The shape is the provisional schema ``audits/schemas/hocba-provisional-1.xsd``; the reverse
direction (XML to rows) is configuration, ``audits/schemas/mapping-1.yaml`` (:mod:`.mapping`).
A round-trip test keeps the two in step.

``rec`` keys: ``level`` (TH, THCS, THPT, GDTX), ``school_year``, ``issued`` (date), optional
``record_id``, ``signer_title``; ``school`` (schools row + ``school_id``), ``pupil`` (pupils row),
``class`` (classes row + optional ``homeroom_teacher_name``); TT 22 levels: ``subject_results``
(rows with subject_code, period, average/level, retest/retest_level; optional ``subject_name``)
and ``year_result``; primary: ``primary_evaluations`` and ``primary_result``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from lxml import etree

NS = "urn:vn:edu:hocbaso:provisional:1"
HB = f"{{{NS}}}"
VERSION = "1-provisional"
ROLES = ("GVCN", "HT", "DonVi")

_TONG_KET_TT22 = (
    ("RenLuyenHK1", "conduct_hk1"), ("RenLuyenHK2", "conduct_hk2"), ("RenLuyenCN", "conduct_year"),
    ("HocTapHK1", "academic_hk1"), ("HocTapHK2", "academic_hk2"), ("HocTapCN", "academic_year"),
    ("SoBuoiNghi", "absences"), ("RenLuyenHe", "summer_conduct"), ("HocTapSauKTL", "retest_academic"),
    ("QuyetDinh", "decision"), ("KhenThuong", "award"), ("NhanXetGVCN", "teacher_comment"),
)
_TONG_KET_TT27 = (
    ("KetQuaGiaoDuc", "overall"), ("HoanThanhCTLop", "completed_grade"),
    ("HoanThanhCTTieuHoc", "completed_primary"), ("KhenThuong", "award"),
    ("NghiCoPhep", "absences_excused"), ("NghiKhongPhep", "absences_unexcused"),
)
_ITEM_ELEMENTS = (("môn học", "MonHoc"), ("phẩm chất", "PhamChat"), ("năng lực", "NangLuc"))
_PERIOD_ORDER = {"HK1": 0, "HK2": 1, "CN": 2}
_CHECKPOINT_ORDER = {"GK1": 0, "CK1": 1, "GK2": 2, "CN": 3}


def text_of(value: Any) -> str | None:
    """The XML text of a canonical value (None or '' -> no element)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, (float, Decimal)):
        return format(Decimal(str(value)).normalize(), "f")
    return str(value)


def _add(parent: etree._Element, tag: str, value: Any, *, required: bool = False) -> None:
    text = text_of(value)
    if text is None and not required:
        return
    etree.SubElement(parent, HB + tag).text = text or ""


def record_id(rec: dict) -> str:
    """The Id of the signed data block (an XML NCName): ``HB-<pupil code>-<school year>``."""
    return rec.get("record_id") or f"HB-{rec['pupil']['pupil_code']}-{rec['school_year']}"


def _secondary(block: etree._Element, rec: dict) -> None:
    tag = "KetQuaGDTX" if rec["level"] == "GDTX" else "KetQuaTHCSTHPT"
    res = etree.SubElement(block, HB + tag)
    by_subject: dict[str, list[dict]] = {}
    for row in rec.get("subject_results", []):
        by_subject.setdefault(row["subject_code"], []).append(row)
    for code, rows in by_subject.items():
        mon = etree.SubElement(res, HB + "MonHoc")
        _add(mon, "MaMon", code, required=True)
        _add(mon, "TenMon", rows[0].get("subject_name"))
        for row in sorted(rows, key=lambda r: _PERIOD_ORDER.get(r["period"], 9)):
            kq = etree.SubElement(mon, HB + "KetQua")
            _add(kq, "Ky", row["period"], required=True)
            if text_of(row.get("average")) is not None:
                _add(kq, "DiemTB", row["average"])
            else:
                _add(kq, "Muc", row.get("level"))
            _add(kq, "DiemKTL", row.get("retest"))
            _add(kq, "MucKTL", row.get("retest_level"))
    tong = etree.SubElement(res, HB + "TongKet")
    yr = rec.get("year_result", {})
    for tag_, col in _TONG_KET_TT22:
        _add(tong, tag_, yr.get(col))


def _primary(block: etree._Element, rec: dict) -> None:
    res = etree.SubElement(block, HB + "KetQuaTieuHoc")
    for kind, tag in _ITEM_ELEMENTS:
        items: dict[str, list[dict]] = {}
        for row in rec.get("primary_evaluations", []):
            if row["item_kind"] == kind:
                items.setdefault(row["item_code"], []).append(row)
        for code, rows in items.items():
            item = etree.SubElement(res, HB + tag)
            _add(item, "Ma", code, required=True)
            _add(item, "Ten", rows[0].get("item_name"))
            for row in sorted(rows, key=lambda r: _CHECKPOINT_ORDER.get(r["checkpoint"], 9)):
                dg = etree.SubElement(item, HB + "DanhGia")
                _add(dg, "Moc", row["checkpoint"], required=True)
                _add(dg, "Muc", row.get("level"))
                _add(dg, "DiemKTDK", row.get("test_score"))
    tong = etree.SubElement(res, HB + "TongKet")
    pr = rec.get("primary_result", {})
    for tag_, col in _TONG_KET_TT27:
        _add(tong, tag_, pr.get(col))


def build_record(rec: dict) -> etree._Element:
    """The unsigned ``HocBa`` element of one pupil-year, indented, with three empty role slots."""
    root = etree.Element(HB + "HocBa", nsmap={None: NS})
    root.set("PhienBan", VERSION)
    block = etree.SubElement(root, HB + "DLHocBa")
    block.set("Id", record_id(rec))
    school, pupil, klass = rec["school"], rec["pupil"], rec["class"]
    tt = etree.SubElement(block, HB + "TTChung")
    _add(tt, "MaDinhDanhHocBa", rec.get("record_code") or record_id(rec), required=True)
    _add(tt, "CapHoc", rec["level"], required=True)
    _add(tt, "NamHoc", rec["school_year"], required=True)
    _add(tt, "NgayLap", rec["issued"], required=True)
    _add(tt, "ChucVuNguoiKy", rec.get("signer_title"))
    tr = etree.SubElement(block, HB + "Truong")
    for tag, col in (("MaTruong", "school_id"), ("TenTruong", "school_name"), ("MST", "tax_code"),
                     ("MaNganSach", "budget_code"), ("XaPhuong", "commune_name"),
                     ("TinhThanh", "province_name"), ("LoaiHinh", "ownership")):
        _add(tr, tag, school.get(col), required=tag in ("MaTruong", "TenTruong"))
    hs = etree.SubElement(block, HB + "HocSinh")
    for tag, col in (("MaHocSinh", "pupil_code"), ("SoDinhDanh", "personal_id"), ("HoTen", "full_name"),
                     ("NgaySinh", "birth_date"), ("GioiTinh", "sex"), ("DanToc", "ethnicity_code"),
                     ("QuocTich", "nationality"), ("NoiSinh", "birthplace"), ("QueQuan", "hometown"),
                     ("NoiO", "address"), ("HoTenCha", "father_name"), ("HoTenMe", "mother_name"),
                     ("HoTenNguoiGiamHo", "guardian_name")):
        _add(hs, tag, pupil.get(col), required=tag in ("MaHocSinh", "HoTen", "NgaySinh", "GioiTinh"))
    lop = etree.SubElement(block, HB + "Lop")
    _add(lop, "TenLop", klass["class_name"], required=True)
    _add(lop, "Khoi", klass.get("grade"), required=True)
    _add(lop, "MaGVCN", klass.get("homeroom_teacher_code"))
    _add(lop, "HoTenGVCN", klass.get("homeroom_teacher_name"))
    if rec["level"] == "TH":
        _primary(block, rec)
    else:
        _secondary(block, rec)
    dscks = etree.SubElement(root, HB + "DSCKS")
    for role in ROLES:
        etree.SubElement(dscks, HB + role)
    etree.indent(root, space="  ")
    return root


def to_bytes(root: etree._Element) -> bytes:
    """Serialise a record as UTF-8 with an XML declaration."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
